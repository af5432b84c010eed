import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

@Suite struct PythonTokenizerTests {
    func tokens(_ source: String) -> [PyToken] { PythonTokenizer(source: source).tokenize() }

    func strings(_ source: String) -> [PyStringLiteral] { tokens(source).compactMap(\.string) }

    @Test func namesKeywordsNumbersOperators() {
        let t = tokens("if x1 >= 0x1F and y**=2.5e-3: pass\n")
        let summary = t.filter { $0.kind != .newline && $0.kind != .endMarker }.map(\.text)
        #expect(summary == ["if", "x1", ">=", "0x1F", "and", "y", "**=", "2.5e-3", ":", "pass"])
        #expect(t[0].isKeyword)
        #expect(!t[1].isKeyword)
        #expect(t[3].kind == .number)
        #expect(t[6].kind == .op)
    }

    @Test(arguments: [
        (#"'a\tb'"#, "a\tb", false, false), (#"r'a\tb'"#, #"a\tb"#, true, false),
        (#"b'\xff\x00'"#, "\u{FF}\u{00}", false, true), (#"Rb'\x'"#, #"\x"#, true, true),
        (#"u'caf\u00e9'"#, "café", false, false), (#""\101\x42""#, "AB", false, false),
        (#"'it\'s'"#, "it's", false, false), (#"BR"\n""#, #"\n"#, true, true),
    ])
    func stringForms(source: String, value: String, raw: Bool, bytes: Bool) {
        let s = strings(source)
        #expect(s.count == 1)
        #expect(s.first?.value == value)
        #expect(s.first?.isRaw == raw)
        #expect(s.first?.isBytes == bytes)
        #expect(s.first?.terminated == true)
    }

    @Test func tripleQuotedSpansLinesAndKeepsLineNumbers() {
        let t = tokens("x = '''one\ntwo ' \" ''' + \"\"\"three\"\"\"\ny = 1\n")
        let s = t.compactMap(\.string)
        #expect(s.map(\.value) == ["one\ntwo ' \" ", "three"])
        #expect(s.allSatisfy { $0.isTriple })
        let y = t.first { $0.isName("y") }
        #expect(y?.line == 3)
        #expect(y?.column == 0)
    }

    @Test func fStringsKeepLiteralPartsAndSkipNestedQuotes() {
        let s = strings(#"f"a{x["k"]!r:>{width}}b{{c}}" + F'{y}'"#)
        #expect(s.count == 2)
        #expect(s[0].value == "ab{c}")
        #expect(s[0].hasInterpolation)
        #expect(s[1].isFormatted)
    }

    @Test func implicitConcatenationIsTwoTokensMergedByTheParser() {
        let t = tokens("x = ('ex' \"ec\")\n")
        #expect(t.filter { $0.kind == .string }.count == 2)
        var parser = PythonExpressionParser(tokens: t, start: 2, end: t.count - 2)
        if case .string(let lit) = parser.parseTest() {
            #expect(lit.value == "exec")
        } else {
            Issue.record("not a merged string")
        }
    }

    @Test func newlinesInsideBracketsDoNotEndStatements() {
        let t = tokens("f(a,\n  b)\nx = 1 \\\n  + 2\n# c\n")
        #expect(t.filter { $0.kind == .newline }.count == 2)
        #expect(t.contains { $0.kind == .comment && $0.text == "# c" })
        let two = t.first { $0.text == "2" }
        #expect(two?.line == 4)
    }

    @Test func unterminatedStringsStopAtTheLineEnd() {
        let t = tokens("x = 'abc\ny = 2\n")
        #expect(t.compactMap(\.string).first?.terminated == false)
        #expect(t.contains { $0.isName("y") && $0.line == 2 })
    }

    @Test func garbageBecomesErrorTokensNotCrashes() {
        let t = tokens("$ ? \u{1F600} \\ x\n")
        #expect(t.contains { $0.kind == .error })
        #expect(t.contains { $0.isName("x") })
        #expect(t.last?.kind == .endMarker)
    }

    @Test func byteOrderMarkAndCarriageReturns() {
        let t = PythonTokenizer(source: [0xEF, 0xBB, 0xBF] + Array("a = 1\r\nb = 2\rc".utf8)).tokenize()
        #expect(t.first?.isName("a") == true)
        #expect(t.first { $0.isName("c") }?.line == 3)
    }

    /// Mutated real sources (this repository's own Python-like text and the analyzer's corpus) never crash, never
    /// hang, and always end with the end marker. A few thousand inputs, deterministic.
    @Test func boundedFuzzOfMutatedSources() throws {
        let seeds = FuzzSeeds.python
        var rng = SeededGenerator(seed: 0x5EED)
        var inputs = 0
        for seed in seeds {
            let base = Array(seed.utf8)
            for _ in 0..<500 {
                var bytes = base
                let edits = Int(rng.next() % 8) + 1
                for _ in 0..<edits where !bytes.isEmpty {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 5 {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.remove(at: at)
                    case 2:
                        bytes.insert(
                            ["'", "\"", "{", "(", "\\", "\n", "#", "f"].map { UInt8(ascii: $0) }[Int(rng.next() % 8)],
                            at: at)
                    case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 20)], at: at)
                    default: bytes = Array(bytes[..<at])
                    }
                }
                let tokens = PythonTokenizer(source: bytes).tokenize()
                #expect(tokens.last?.kind == .endMarker)
                // The analyzer on a sample: it shares the tokenizer and adds the parser's bounds.
                if inputs % 10 == 0 {
                    _ = CodeAnalyzer().analyze(
                        source: bytes, file: "fuzz.py", topPhase: .install, functionPhase: .install)
                }
                inputs += 1
            }
        }
        // Deep nesting and long chains stay within the parser's bounds.
        for hostile in [
            String(repeating: "(", count: 50_000), String(repeating: "not ", count: 20_000) + "x",
            "x = " + String(repeating: "'a' + ", count: 20_000) + "'b'", String(repeating: "a.", count: 30_000) + "b()",
            String(repeating: "f\"{", count: 5_000), String(repeating: "[x for x in ", count: 3_000),
            "exec(" + String(repeating: "-", count: 40_000) + "1)",
        ] {
            let bytes = Array(hostile.utf8)
            #expect(PythonTokenizer(source: bytes).tokenize().last?.kind == .endMarker)
            _ = CodeAnalyzer().analyze(source: bytes, file: "deep.py", topPhase: .install, functionPhase: .install)
            inputs += 1
        }
        #expect(inputs >= 3000)
    }
}
