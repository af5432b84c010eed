import AlterTestSupport
import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

/// The byte tokenizer against the tokenizer it replaced (`ReferencePythonTokenizer`): the very same tokens —
/// kind, text, position, string value and flags, bracket and operator level, keyword flag — for every input.
@Suite struct TokenizerDifferentialTests {
    /// Every observable field of a token, for comparing and for a readable failure.
    struct Observed: Equatable, CustomStringConvertible {
        var kind: PyToken.Kind
        var text: String
        var line: Int
        var column: Int
        var string: PyStringLiteral?
        var bracket: Int8
        var binaryLevel: Int8
        var isKeyword: Bool

        init(_ t: PyToken) {
            kind = t.kind
            text = t.text
            line = t.line
            column = t.column
            string = t.string
            bracket = t.bracket
            binaryLevel = t.binaryLevel
            isKeyword = t.isKeyword
        }

        var description: String { "\(kind) \(text.debugDescription) \(line):\(column) \(string?.value ?? "")" }
    }

    /// The first token where the two tokenizers differ, or nil when they agree on every token.
    static func difference(_ bytes: [UInt8]) -> String? {
        let new = PythonTokenizer(source: bytes).tokenize().map(Observed.init)
        let old = ReferencePythonTokenizer(source: bytes).tokenize().map(Observed.init)
        for (i, (a, b)) in zip(new, old).enumerated() where a != b {
            return "token \(i): \(a) instead of \(b)"
        }
        return new.count == old.count ? nil : "\(new.count) tokens instead of \(old.count)"
    }

    /// Sources that exercise every branch: the fuzz seeds, the analyzer's evasion snippets, and byte-level edge
    /// cases (invalid UTF-8, marks, line endings, prefixes of every case, operators of every length).
    static let corpus: [[UInt8]] = {
        var sources = FuzzSeeds.python.map { Array($0.utf8) }
        sources += [
            "if x1 >= 0x1F and y**=2.5e-3 or not a is not b in c: pass\n",
            "a <<= b >>= c //= d **= e @= f -> g := h <> i != j == k ... l ~m ^ n | o & p % q\n",
            "x = rb'\\x00' Rb'a' bR'b' BR'c' Br'd' f'{a}' F'{b!r}' fr'{c}' Rf'{d}' t'{e}' u'é' U'x' ur'bad'\n",
            "x = f'{a:{b}}' f\"{'nested'}\" f'''{\"\"\"deep\"\"\"}''' f'{{literal}}' f'}}' f'{x['k']}'\n",
            "s = '\\N{BULLET} \\u00e9 \\U0001F600 \\777 \\x4 \\q \\\n continued'\n",
            "b = b'\\u00e9 \\U0001F600 \\xff \\0'\n", "def f(\n  a,\n  b):\n\treturn a\\\n  + b\r\n",
            "π = 1; ñame = 2; x = π + ñame  # ü\n", "lambda: (yield)\nasync def g(): await h()\n",
            "x = 1_000 + 0b101 + 0o17 + 0xFF + 1e10 + 1.5j + .5 + 5.\n", "$ ? ! ` \\ @\n",
            "'''unterminated\n", "\"one line\nnext = 1\n", "f'{", "f'{x\n", "x = (\n", "#",
        ].map { Array($0.utf8) }
        sources += [
            [0xEF, 0xBB, 0xBF] + Array("a = 1\r\nb = 2\rc".utf8), [0xFF, 0xFE, 0x41, 0x0A, 0x80, 0x27, 0xC3, 0x27],
            Array("x = '".utf8) + [0xE2, 0x82] + Array("'\n".utf8), Array("n\u{301} = 1\n".utf8),
            Array(repeating: UInt8(ascii: "\t"), count: 20) + Array("x\n".utf8),
            Array(("x = [" + (0..<5_000).map(String.init).joined(separator: ",") + "]\n").utf8),
        ]
        return sources
    }()

    @Test func sameTokensOnTheCorpus() {
        for source in Self.corpus {
            let difference = Self.difference(source)
            #expect(difference == nil, "\(String(decoding: source.prefix(80), as: UTF8.self).debugDescription)")
        }
    }

    /// The corpus mutated a few thousand times (bytes flipped, quotes, braces and backslashes inserted, cut short):
    /// the two tokenizers agree on every input.
    @Test func sameTokensOnMutatedSources() {
        var rng = SeededGenerator(seed: 0xD1FF)
        var compared = 0
        for seed in Self.corpus {
            for _ in 0..<150 {
                var bytes = seed
                for _ in 0..<(Int(rng.next() % 6) + 1) where !bytes.isEmpty {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 5 {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.remove(at: at)
                    case 2:
                        let inserts = Array("'\"{}()\\\n\r\t#fbrRuU".utf8)
                        bytes.insert(inserts[Int(rng.next() % UInt64(inserts.count))], at: at)
                    case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 12)], at: at)
                    default: bytes = Array(bytes[..<at])
                    }
                }
                if let difference = Self.difference(bytes) {
                    Issue.record("\(difference) in \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                    return
                }
                compared += 1
            }
        }
        #expect(compared >= 3000)
    }

    @Test func precedenceLevelsAreCountedOnce() {
        #expect(PythonExpressionParser.levelCount == PythonExpressionParser.levels.count)
        #expect(AnalyzerRun.parseInt("1_000") == 1000)
        #expect(AnalyzerRun.parseInt("0x1F") == 31)
        #expect(AnalyzerRun.parseInt("0123") == 123)
        #expect(AnalyzerRun.parseInt("99999999999999999999") == nil)
    }

    /// What the analyzer reads (no comments, no blank-line breaks, no end marker) is the full stream filtered.
    @Test func analyzerStreamIsTheFilteredStream() {
        for source in Self.corpus {
            let tokenizer = PythonTokenizer(source: source)
            let filtered = tokenizer.tokenize().filter {
                $0.kind != .comment && $0.kind != .nl && $0.kind != .endMarker
            }
            #expect(tokenizer.tokenize(keepTrivia: false).map(Observed.init) == filtered.map(Observed.init))
        }
    }
}

/// Code that runs only when called (tests, examples, scripts) is parsed only when its tokens hold a name through
/// which something reportable at call time is reached: the shortcut must never hide a finding.
@Suite struct CallTimeShortcutTests {
    static let sources: [String] =
        CodeAnalyzerTests.installCases.map(\.source) + FuzzSeeds.python
        + [
            "import base64\ndef f():\n    exec(base64.b64decode(P))\n",
            "import pickle, base64\npickle.loads(base64.b64decode(X))\n",
            "g = globals()\ng['ex' + 'ec']('1')\n", "import sys\nsys.modules['o' + 's'].system('id')\n",
            "exec(open('payload.bin').read())\n", "import runpy\nrunpy.run_path('data.dat')\n",
            "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'ex' + 'ec(\"1\")'])\n",
            "K = '" + String(repeating: "aW1wb3J0IG9z", count: 40) + "'\n",
            "K = ('" + String(repeating: "aW1wb3J0IG9z", count: 20) + "'\n     '"
                + String(repeating: "aW1wb3J0IG9z", count: 20) + "')\n",
            "import os\nos.system('id')\nimport requests\nrequests.get('https://x.invalid')\n",
        ]

    @Test func theShortcutNeverHidesAFinding() {
        let analyzer = CodeAnalyzer()
        var parsed = 0
        for source in Self.sources {
            let bytes = Array(source.utf8)
            let full = analyzer.analyze(
                source: bytes, file: "tests/t.py", topPhase: .callTime, functionPhase: .callTime)
            let short = analyzer.analyzeCallTimeCode(source: bytes, file: "tests/t.py")
            #expect(short.findings == full.findings, "\(source)")
            #expect(short.executedFiles == full.executedFiles, "\(source)")
            if analyzer.mayFindAtCallTime(PythonTokenizer(source: bytes).tokenize(keepTrivia: false)) { parsed += 1 }
        }
        // The cases above are built to be found: most of them go through the parser.
        #expect(parsed >= Self.sources.count / 2)
    }

    @Test func whatCallTimeCodeStillReports() {
        let analyzer = CodeAnalyzer()
        let cases: [(String, InspectionFinding.Kind)] = [
            ("import base64\ndef f():\n    exec(base64.b64decode(P))\n", .execDecoded),
            ("import os\ngetattr(os, 'sys' + 'tem')('id')\n", .obfuscation),
            ("K = '" + String(repeating: "aW1wb3J0IG9z", count: 40) + "'\n", .encodedBlob),
        ]
        for (source, kind) in cases {
            let found = analyzer.analyzeCallTimeCode(source: Array(source.utf8), file: "tests/t.py").findings
            #expect(found.map(\.kind) == [kind], "\(source)")
        }
        let executed = analyzer.analyzeCallTimeCode(
            source: Array("exec(open('payload.bin').read())\n".utf8), file: "tests/t.py")
        #expect(executed.executedFiles.map(\.path.rest) == ["payload.bin"])
        // Ordinary test code is not parsed at all.
        let plain = Array("import pytest\nfrom pkg import thing\n\ndef test_thing():\n    assert thing(1) == 2\n".utf8)
        #expect(!analyzer.mayFindAtCallTime(PythonTokenizer(source: plain).tokenize(keepTrivia: false)))
    }
}
