import ShimCore
import Testing

/// A file system described in memory: paths that exist (with their real path), executables, shim copies.
struct FakeShimSystem: ShimSystem {
    var selfPath: String? = "/opt/alterks/shims/pip"
    /// path → real path, for every path that exists.
    var real: [String: String] = [:]
    var executables: Set<String> = []
    var shimCopies: Set<String> = []
    /// Executables named pip that are not pip's launcher (a package's own `pip` script, a wrapper).
    var notLaunchers: Set<String> = []

    func selfExecutable() -> String? { selfPath }
    func realPath(_ path: String) -> String? { real[path] ?? (executables.contains(path) ? path : nil) }
    func isExecutableFile(_ path: String) -> Bool {
        executables.contains(real[path] ?? path) || executables.contains(path)
    }
    func isShimBinary(_ path: String) -> Bool { shimCopies.contains(path) || path == selfPath }
    func isPipLauncher(_ path: String) -> Bool { !notLaunchers.contains(path) }
}

@Suite struct RealPipLocatorTests {
    func system() -> FakeShimSystem {
        var system = FakeShimSystem()
        system.real = [
            "/opt/alterks/shims": "/opt/alterks/shims",
            "/home/u/.local/share/alterks/shims": "/opt/alterks/shims",  // a symlink to the same folder
            "/usr/bin": "/usr/bin",
            "/venv/bin": "/venv/bin",
            "/other": "/other",
            "/opt/alterks/shims/pip": "/opt/alterks/shims/pip",
            "/other/pip": "/other/pip",
            "/usr/bin/pip": "/usr/bin/pip",
            "/usr/bin/pip3": "/usr/bin/pip3",
            "/venv/bin/pip": "/venv/bin/pip",
        ]
        system.executables = ["/opt/alterks/shims/pip", "/usr/bin/pip", "/usr/bin/pip3", "/venv/bin/pip", "/other/pip"]
        return system
    }

    @Test func skipsItsOwnFolderEvenTwiceAndThroughSymlinks() {
        let environment = ShimEnvironment(
            path: "/opt/alterks/shims:/home/u/.local/share/alterks/shims:/opt/alterks/shims:/usr/bin")
        let outcome = RealPipLocator(environment: environment, system: system()).locate(programName: "pip")
        #expect(outcome == .success(.executable("/usr/bin/pip")))
    }

    @Test func skipsOtherCopiesOfTheShim() {
        var system = system()
        system.shimCopies = ["/other/pip"]
        let environment = ShimEnvironment(path: "/opt/alterks/shims:/other:/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system).locate(programName: "pip")
                == .success(.executable("/usr/bin/pip")))
    }

    @Test func prefersTheActiveVirtualenv() {
        let environment = ShimEnvironment(virtualEnv: "/venv", path: "/opt/alterks/shims:/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system()).locate(programName: "pip")
                == .success(.executable("/venv/bin/pip")))
    }

    @Test func virtualenvWithoutThatNameFallsBackToPath() {
        let environment = ShimEnvironment(virtualEnv: "/venv", path: "/opt/alterks/shims:/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system()).locate(programName: "pip3")
                == .success(.executable("/usr/bin/pip3")))
    }

    @Test func explicitRealPipWins() {
        let environment = ShimEnvironment(realPip: "/other/pip", virtualEnv: "/venv", path: "/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system()).locate(programName: "pip")
                == .success(.executable("/other/pip")))
    }

    @Test func explicitRealPipThatIsTheShimIsRefused() {
        let environment = ShimEnvironment(realPip: "/opt/alterks/shims/pip", path: "/usr/bin")
        guard
            case .failure(let message) = RealPipLocator(environment: environment, system: system()).locate(
                programName: "pip")
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.contains("shim itself"))
    }

    @Test func relativePathEntriesAreNotTrusted() {
        var system = system()
        system.real["."] = "/cwd"
        system.executables.insert("/cwd/pip")
        let environment = ShimEnvironment(path: ".::/opt/alterks/shims")
        guard
            case .failure(let message) = RealPipLocator(environment: environment, system: system).locate(
                programName: "pip")
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.contains("no real pip"))
    }

    @Test func pythonModeFromTheShellFunctions() {
        var system = system()
        system.executables.insert("/venv/bin/python")
        let environment = ShimEnvironment(realPython: "/venv/bin/python", path: "/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system).locate(programName: "pip")
                == .success(.python("/venv/bin/python")))
    }

    @Test func plansPassThroughWithArgvUnchanged() {
        let environment = ShimEnvironment(path: "/opt/alterks/shims:/usr/bin")
        let argv = ["pip", "list", "--format", "json"]
        let plan = Shim.plan(argv: argv, environment: environment, system: system())
        guard case .exec(let path, _, _) = plan else {
            Issue.record("expected exec")
            return
        }
        #expect(path == "/usr/bin/pip")
        #expect(plan.execArguments(for: argv) == argv)
    }

    @Test func plansTheGateForAnInstall() {
        var system = system()
        system.executables.insert("/opt/alterks/bin/alterks")
        system.selfPath = "/opt/alterks/shims/pip"
        let environment = ShimEnvironment(alterksBin: "/opt/alterks/bin/alterks", path: "/opt/alterks/shims:/usr/bin")
        let argv = ["pip3", "--log", "l.txt", "install", "requests"]
        let plan = Shim.plan(argv: argv, environment: environment, system: system)
        guard case .exec(let path, _, _) = plan else {
            Issue.record("expected exec")
            return
        }
        #expect(path == "/opt/alterks/bin/alterks")
        #expect(
            plan.execArguments(for: argv)
                == ["alterks", "gate", "--pip", "/usr/bin/pip3", "--", "--log", "l.txt", "install", "requests"])
    }

    @Test func installWithoutAlterKSFailsClosed() {
        let environment = ShimEnvironment(path: "/opt/alterks/shims:/usr/bin")
        let plan = Shim.plan(argv: ["pip", "install", "x"], environment: environment, system: system())
        guard case .failure(let message, let code) = plan else {
            Issue.record("expected failure, got \(plan)")
            return
        }
        #expect(code == 127)
        #expect(message.contains("refusing"))
    }

    @Test func findsAlterKSInTheInstalledLayout() {
        var system = system()
        system.selfPath = "/p/share/alterks/shims/pip"
        system.executables.insert("/p/share/alterks/bin/alterks")
        let locator = RealPipLocator(environment: ShimEnvironment(), system: system)
        #expect(locator.locateAlterKS() == "/p/share/alterks/bin/alterks")
    }
}

/// The real pip is pip's own launcher, never a `pip` script some package installed over it.
@Suite struct RealPipLauncherTests {
    func system() -> FakeShimSystem {
        var system = RealPipLocatorTests().system()
        system.notLaunchers = ["/venv/bin/pip"]
        return system
    }

    @Test func aVenvPipThatIsNotPipsLauncherRunsTheVenvPythonInstead() {
        var system = system()
        system.executables.insert("/venv/bin/python")
        let environment = ShimEnvironment(virtualEnv: "/venv", path: "/opt/alterks/shims:/usr/bin")
        #expect(
            RealPipLocator(environment: environment, system: system).locate(programName: "pip")
                == .success(.python("/venv/bin/python")))
    }

    @Test func aPathPipThatIsNotPipsLauncherWithoutAPythonIsRefusedAndNamed() {
        var system = system()
        system.notLaunchers = ["/usr/bin/pip"]
        let environment = ShimEnvironment(path: "/opt/alterks/shims:/usr/bin")
        guard
            case .failure(let message) = RealPipLocator(environment: environment, system: system).locate(
                programName: "pip")
        else {
            Issue.record("a fake pip was taken for the real one")
            return
        }
        #expect(message.contains("/usr/bin/pip"), "\(message)")
        #expect(message.contains("not pip's own launcher"), "\(message)")
    }

    @Test func pythonForAVersionedPip() {
        #expect(RealPipLocator.pythonNames(for: "pip3.11") == ["python3.11", "python3", "python"])
        #expect(RealPipLocator.pythonNames(for: "pip") == ["python", "python3"])
    }

    /// pip's launcher as pip writes it (old and new templates), and what a package's own `pip` script looks like.
    @Test(arguments: [
        (
            "#!/v/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\n"
                + "if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                + "    sys.exit(main())\n", true
        ),
        (
            "#!/v/bin/python3.11\nimport sys\nfrom pip._internal.cli.main import main\nif __name__ == \"__main__\":\n"
                + "    if sys.argv[0].endswith(\"-script.pyw\"):\n        sys.argv[0] = sys.argv[0][:-11]\n"
                + "    elif sys.argv[0].endswith(\".exe\"):\n        sys.argv[0] = sys.argv[0][:-4]\n"
                + "    sys.exit(main())\n", true
        ),
        (
            // pip 26.3's launcher calls `cli`.
            "#!/v/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import cli\n"
                + "if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                + "    sys.exit(cli())\n", true
        ),
        (
            "#!/v/bin/python\nimport sys\nfrom pip._internal.cli.main import cli\nif __name__ == '__main__':\n"
                + "    sys.exit(main())\n", false
        ),
        (
            "#!/v/bin/python\nimport re\nimport sys\nfrom evilpip.cli import main\nif __name__ == '__main__':\n"
                + "    sys.exit(main())\n", false
        ),
        (
            "#!/v/bin/python\nimport sys\nfrom pip._internal.cli.main import main\nimport evil\n"
                + "if __name__ == '__main__':\n    sys.exit(main())\n", false
        ),
        (
            "#!/v/bin/python\nimport sys; import evil\nfrom pip._internal.cli.main import main\n"
                + "if __name__ == '__main__':\n    sys.exit(main())\n", false
        ),
        ("#!/usr/bin/env bash\nexec \"/root/.pyenv/libexec/pyenv\" exec \"$program\" \"$@\"\n", false),
        ("\u{7F}ELF", false),
    ])
    func launcherShape(text: String, isLauncher: Bool) {
        #expect(PipLauncher.isStandard(text) == isLauncher)
    }
}
