import Foundation

/// Calls: what each resolved function does, what it returns, and what it reveals.
extension AnalyzerRun {
    func call(_ callee: PyValue, _ args: [EvaluatedArgument]) -> PyValue {
        if args.contains(where: { $0.keyword == "cmdclass" }) { result.commandClassLines.append(currentLine) }
        switch callee {
        case .ref(let q):
            return callRef(q, args)
        case .method(let receiver, let name):
            return callMethod(receiver, name, args)
        case .data:
            return callee
        default:
            checkCallbacks(args)
            return .unknown
        }
    }

    func positional(_ args: [EvaluatedArgument], _ i: Int, keyword: String? = nil) -> PyValue? {
        if let keyword, let k = args.first(where: { $0.keyword == keyword }) { return k.value }
        let plain = args.filter { $0.keyword == nil && $0.star == 0 }
        return i < plain.count ? plain[i].value : nil
    }

    /// Process and exec functions handed to something that calls them (`Thread(target=os.system)`,
    /// `map(os.system, …)`, `executor.submit(os.system, …)`). Only callees that run what they are given count:
    /// known runners, or methods of objects the analysis cannot see; `mock.patch.object(subprocess.Popen, …)` does
    /// not call anything.
    func checkCallbacks(_ args: [EvaluatedArgument], callee: String? = nil) {
        if let callee, !CodeRules.callbackRunners.contains(callee) { return }
        for arg in args {
            guard case .ref(let q) = arg.value else { continue }
            if CodeRules.isProcess(q) {
                report(.process, CodeRules.severity(.process, phase), note: "passes \(q) to be called")
            } else if CodeRules.execCalls.contains(q) {
                report(.execDynamic, CodeRules.severity(.execDynamic, phase), note: "passes \(q) to be called")
            }
        }
    }

    func callRef(_ q: String, _ args: [EvaluatedArgument]) -> PyValue {
        checkCallbacks(args, callee: q)
        checkCredentialText(args)
        if CodeRules.execCalls.contains(q) {
            runsCode(positional(args, 0, keyword: "source") ?? .unknown, how: lastComponent(q))
            return .unknown
        }
        if q == "builtins.compile" { return positional(args, 0, keyword: "source") ?? .unknown }
        if CodeRules.isNetwork(q) {
            report(.network, CodeRules.severity(.network, phase), note: "calls \(q)")
            return .data(.network)
        }
        if CodeRules.isProcess(q) {
            process(q, args)
            return .data(.decoded("process output"))
        }
        if let how = CodeRules.decoders[q] { return decode(how, args) }
        if CodeRules.sitePaths.contains(q) { return .path(PathValue(anchor: .site, rest: "")) }
        if args.contains(where: { if case .environ = $0.value { return true } else { return false } }) {
            noteBulkEnvironment()
        }
        switch q {
        case "builtins.open", "io.open", "codecs.open", "builtins.file", "io.FileIO":
            return openFile(asPath(positional(args, 0, keyword: "file")), mode: positional(args, 1, keyword: "mode"))
        case "builtins.__import__", "importlib.import_module", "importlib.__import__":
            return dynamicImport(positional(args, 0, keyword: "name"))
        case "builtins.getattr":
            return dynamicAttribute(positional(args, 0), positional(args, 1))
        case "builtins.globals", "builtins.locals":
            return .ref("<globals>")
        case "builtins.vars":
            return positional(args, 0) ?? .ref("<globals>")
        case "builtins.chr", "builtins.unichr":
            guard let code = positional(args, 0)?.intValue, code >= 0,
                let scalar = Unicode.Scalar(UInt32(clamping: code))
            else { return .unknown }
            return .str(String(scalar), isBytes: false, origin: .obfuscated("chr()"))
        case "builtins.bytes", "builtins.bytearray":
            return bytesValue(positional(args, 0))
        case "builtins.str", "builtins.unicode":
            guard let v = positional(args, 0) else { return .unknown }
            if case .str(let s, true, let origin) = v, positional(args, 1, keyword: "encoding") != nil {
                return .str(Self.utf8Decoded(s), isBytes: false, origin: origin)
            }
            if case .str = v { return v }
            return isData(v) ? v : .unknown
        case "builtins.map":
            return mapValue(positional(args, 0), positional(args, 1))
        case "builtins.reversed":
            switch positional(args, 0) {
            case .str(let s, let isBytes, let origin)?:
                return .str(
                    String(s.reversed()), isBytes: isBytes,
                    origin: origin == .partial ? .partial : .obfuscated("reversal"))
            case .list(let items)?: return .list(items.reversed())
            default: return .unknown
            }
        case "builtins.list", "builtins.tuple":
            guard let v = positional(args, 0) else { return .list([]) }
            if case .str = v { return Self.items(of: v).map(PyValue.list) ?? .unknown }
            return v
        case "builtins.execfile", "runpy.run_path":
            runsCode(
                .data(.file(asPath(positional(args, 0)) ?? PathValue(anchor: .unknown, rest: ""))),
                how: lastComponent(q))
            return .unknown
        case "os.path.join":
            return joinPaths(args.filter { $0.keyword == nil }.map(\.value))
        case "os.path.expanduser", "os.path.expandvars":
            guard let p = asPath(positional(args, 0)) else { return .unknown }
            return .path(p.anchor == .relative ? PathValue.from(p.rest) : p)
        case "os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "os.path.normcase":
            return asPath(positional(args, 0)).map(PyValue.path) ?? .unknown
        case "os.path.dirname":
            return asPath(positional(args, 0)).map { .path($0.dirname) } ?? .unknown
        case "os.getenv", "os.environ.get", "os.getenvb":
            return environmentAccess(positional(args, 0) ?? .unknown)
        case "os.getcwd", "pathlib.Path.cwd":
            return .path(PathValue(anchor: .relative, rest: ""))
        case "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath":
            if args.isEmpty { return .path(PathValue(anchor: .relative, rest: "")) }
            return joinPaths(args.filter { $0.keyword == nil }.map(\.value))
        case "pathlib.Path.home", "os.path.home":
            return .path(PathValue(anchor: .home, rest: ""))
        case "tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.mkstemp", "tempfile.NamedTemporaryFile",
            "tempfile.TemporaryDirectory":
            return .path(PathValue(anchor: .temp, rest: ""))
        case "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "shutil.copytree", "os.rename",
            "os.replace", "os.symlink", "os.link", "os.renames":
            if let source = asPath(positional(args, 0)) { readCheck(source) }
            if let destination = asPath(positional(args, 1, keyword: "dst")) { writeCheck(destination) }
            return .unknown
        case "json.dumps", "builtins.dict", "pickle.dumps", "builtins.repr":
            return .unknown
        default:
            return .unknown
        }
    }

    func lastComponent(_ q: String) -> String { String(q.split(separator: ".").last ?? Substring(q)) }

    func noteBulkEnvironment() {
        if phase == .install || phase == .startup, bulkEnvironmentLine == nil { bulkEnvironmentLine = currentLine }
    }

    func callMethod(_ receiver: PyValue, _ name: String, _ args: [EvaluatedArgument]) -> PyValue {
        checkCallbacks(args)
        checkCredentialText(args)
        switch receiver {
        case .str(let s, let isBytes, let origin):
            return stringMethod(s, isBytes, origin, name, args)
        case .data:
            return receiver
        case .file(let p):
            if ["read", "readlines", "readline", "read_text", "read_bytes"].contains(name) { return .data(.file(p)) }
            return .unknown
        case .path(let p):
            switch name {
            case "read_text", "read_bytes":
                readCheck(p)
                return .data(.file(p))
            case "open":
                return openFile(p, mode: positional(args, 0, keyword: "mode"))
            case "write_text", "write_bytes", "touch", "symlink_to", "hardlink_to":
                writeCheck(p)
                return .unknown
            case "rename", "replace":
                if let destination = asPath(positional(args, 0)) { writeCheck(destination) }
                return .unknown
            case "expanduser":
                return .path(p.anchor == .relative ? PathValue.from(p.rest) : p)
            case "joinpath":
                return joinPaths([receiver] + args.map(\.value))
            case "resolve", "absolute", "with_name", "with_suffix", "with_stem":
                return receiver
            default:
                return .unknown
            }
        case .environ:
            switch name {
            case "get", "setdefault", "pop", "__getitem__":
                return environmentAccess(positional(args, 0) ?? .unknown)
            case "copy", "items", "keys", "values":
                noteBulkEnvironment()
                return .unknown
            default:
                return .unknown
            }
        default:
            return .unknown
        }
    }

    func stringMethod(
        _ s: String, _ isBytes: Bool, _ origin: StringOrigin, _ name: String, _ args: [EvaluatedArgument]
    ) -> PyValue {
        let partial = origin == .partial
        switch name {
        case "decode", "encode":
            if let encoding = positional(args, 0, keyword: "encoding")?.constantString,
                let decoded = codecTransform(.str(s, isBytes: isBytes, origin: origin), encoding: encoding)
            {
                return decoded
            }
            if name == "decode" && isBytes { return .str(Self.utf8Decoded(s), isBytes: false, origin: origin) }
            if name == "encode" && !isBytes {
                return .str(Self.latin1(Array(s.utf8)), isBytes: true, origin: origin)
            }
            return .str(s, isBytes: name == "encode", origin: origin)
        case "lower": return .str(s.lowercased(), isBytes: isBytes, origin: origin)
        case "upper": return .str(s.uppercased(), isBytes: isBytes, origin: origin)
        case "strip", "lstrip", "rstrip":
            if !args.isEmpty { return .str(s, isBytes: isBytes, origin: .partial) }
            let trimmed: String =
                switch name {
                case "lstrip": String(s.drop { $0.isWhitespace })
                case "rstrip": String(s.reversed().drop { $0.isWhitespace }.reversed())
                default: s.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            return .str(trimmed, isBytes: isBytes, origin: origin)
        case "replace":
            guard !partial, let old = positional(args, 0)?.constantString,
                let new = positional(args, 1)?.constantString,
                !old.isEmpty
            else { return .str(s, isBytes: isBytes, origin: .partial) }
            return .str(
                s.replacingOccurrences(of: old, with: new), isBytes: isBytes, origin: origin.concatenatedIfLiteral)
        case "join":
            return join(separator: s, isBytes: isBytes, origin: origin, positional(args, 0))
        case "format":
            return .str(s, isBytes: isBytes, origin: .partial)
        default:
            return .unknown
        }
    }

    func join(separator: String, isBytes: Bool, origin: StringOrigin, _ iterable: PyValue?) -> PyValue {
        guard let iterable else { return .unknown }
        if isData(iterable) { return iterable }
        guard let items = Self.items(of: iterable) else { return .str("…", isBytes: isBytes, origin: .partial) }
        var parts: [String] = []
        var combined: StringOrigin = origin == .partial ? .partial : .concatenated
        var singleCharacters = items.count >= 3
        for item in items {
            switch item {
            case .str(let s, _, let o):
                parts.append(s)
                combined = combined.combined(with: o)
                if s.unicodeScalars.count != 1 { singleCharacters = false }
            case .int(let i) where isBytes && i >= 0 && i < 256:
                parts.append(String(Unicode.Scalar(UInt8(i))))
            default:
                parts.append("…")
                combined = .partial
            }
        }
        if combined == .concatenated && singleCharacters { combined = .obfuscated("a join of single characters") }
        return .str(parts.joined(separator: separator), isBytes: isBytes, origin: combined)
    }

    func mapValue(_ function: PyValue?, _ sequence: PyValue?) -> PyValue {
        guard let function, let sequence, let items = Self.items(of: sequence) else { return .unknown }
        if case .ref("builtins.chr") = function {
            return .list(
                items.map {
                    guard let code = $0.intValue, code >= 0, let scalar = Unicode.Scalar(UInt32(clamping: code)) else {
                        return .unknown
                    }
                    return .str(String(scalar), isBytes: false, origin: .obfuscated("chr()"))
                })
        }
        return .unknown
    }

    func bytesValue(_ value: PyValue?) -> PyValue {
        switch value {
        case .list(let items)?:
            var bytes: [UInt8] = []
            for item in items {
                guard let i = item.intValue, i >= 0, i < 256 else { return .unknown }
                bytes.append(UInt8(i))
            }
            return .str(Self.latin1(bytes), isBytes: true, origin: .obfuscated("bytes from integers"))
        case .str(let s, let isBytes, let origin)?:
            return .str(isBytes ? s : Self.latin1(Array(s.utf8)), isBytes: true, origin: origin)
        case .data?:
            return value!
        default:
            return .unknown
        }
    }

    // MARK: Decoding

    static func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// The bytes of a constant: latin-1 scalars for bytes literals, UTF-8 for str.
    static func bytes(of s: String, isBytes: Bool) -> [UInt8] {
        isBytes ? s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } : Array(s.utf8)
    }

    static func utf8Decoded(_ latin1Bytes: String) -> String {
        String(decoding: bytes(of: latin1Bytes, isBytes: true), as: UTF8.self)
    }

    func decode(_ how: String, _ args: [EvaluatedArgument]) -> PyValue {
        let input = positional(args, 0) ?? .unknown
        switch how {
        case "codecs":
            guard let encoding = positional(args, 1, keyword: "encoding")?.constantString else { return input }
            return codecTransform(input, encoding: encoding) ?? input
        case "marshal":
            return .data(.decoded("marshal"))
        case "pickle":
            // Unpickling runs code. Caches read back from disk are how pickle is used; a payload embedded in the
            // source or downloaded is not.
            switch input {
            case .str(_, _, .obfuscated(let decoder)):
                report(.execDecoded, CodeRules.severity(.execDecoded, phase), note: "unpickles \(decoder)-decoded data")
            case .data(.network):
                report(.execDecoded, CodeRules.severity(.execDecoded, phase), note: "unpickles data from the network")
            case .data(.decoded(let decoder)) where phase == .install || phase == .startup:
                report(.execDecoded, CodeRules.severity(.execDecoded, phase), note: "unpickles \(decoder)-decoded data")
            default:
                break
            }
            return .unknown
        default:
            return decodeConstant(input, how: how) ?? .data(.decoded(how))
        }
    }

    /// `codecs.decode(x, encoding)` and Python 2's `x.decode(encoding)`; nil for text encodings (no transform).
    func codecTransform(_ input: PyValue, encoding: String) -> PyValue? {
        let e = encoding.lowercased().replacingOccurrences(of: "-", with: "_")
        let how: String
        switch e {
        case "rot13", "rot_13":
            if case .str(let s, let isBytes, let origin) = input, origin != .partial {
                return .str(StaticDecoders.rot13(s), isBytes: isBytes, origin: .obfuscated("rot13"))
            }
            return .data(.decoded("rot13"))
        case "hex", "hex_codec": how = "hex"
        case "base64", "base64_codec", "base_64": how = "base64"
        case "zlib", "zlib_codec", "zip": how = "zlib"
        case "bz2", "bz2_codec": how = "bz2"
        default: return nil
        }
        return decodeConstant(input, how: how) ?? .data(.decoded(how))
    }

    /// Decodes a constant with a decoder the analyzer implements; nil when it cannot.
    func decodeConstant(_ input: PyValue, how: String) -> PyValue? {
        guard case .str(let s, let isBytes, let origin) = input, origin != .partial else { return nil }
        let raw = Self.bytes(of: s, isBytes: isBytes)
        let decoded: [UInt8]?
        switch how {
        case "base64": decoded = StaticDecoders.base64(raw)
        case "hex": decoded = StaticDecoders.hex(raw)
        case "zlib", "gzip": decoded = StaticDecoders.inflate(raw)
        default: decoded = nil
        }
        guard let decoded else { return nil }
        return .str(Self.latin1(decoded), isBytes: true, origin: .obfuscated(how))
    }

    // MARK: Running code

    /// `exec`, `eval`, `execfile` and friends: what they run decides the finding.
    func runsCode(_ code: PyValue, how: String) {
        switch code {
        case .str(let s, let isBytes, let origin):
            switch origin {
            case .literal, .concatenated:
                analyzePayload(isBytes ? Self.utf8Decoded(s) : s, line: currentLine, label: "\(how)'d code")
            case .obfuscated(let decoder):
                report(.execDecoded, CodeRules.severity(.execDecoded, phase), note: "\(how) of \(decoder)-decoded data")
                let bytes = Self.bytes(of: s, isBytes: isBytes)
                if let text = String(validating: bytes, as: UTF8.self) {
                    analyzePayload(text, line: currentLine, label: "decoded payload")
                }
            case .partial:
                report(
                    .execDynamic, CodeRules.severity(.execDynamic, phase), note: "\(how) of a string built at run time")
            }
        case .data(.decoded(let decoder)):
            report(.execDecoded, CodeRules.severity(.execDecoded, phase), note: "\(how) of \(decoder)-decoded data")
        case .data(.network):
            report(
                .execDecoded, CodeRules.severity(.execDecoded, phase),
                note: "\(how) of data downloaded from the network")
        case .data(.file(let p)), .file(let p):
            result.executedFiles.append(
                ExecutedFile(
                    path: p, line: lineOverride ?? currentLine, phase: phase,
                    evidence: evidencePrefix + sourceLine(currentLine)))
        default:
            report(
                .execDynamic, CodeRules.severity(.execDynamic, phase), note: "\(how) of a value not known statically")
        }
    }

    func dynamicImport(_ name: PyValue?) -> PyValue {
        guard case .str(let module, _, let origin)? = name, origin != .partial else { return .unknown }
        checkBuiltName(module, origin, how: "an import")
        result.imports.append(ImportedModule(module: module, level: 0, names: [], line: currentLine, phase: phase))
        return special(.ref(CodeRules.canonical(module)))
    }

    func dynamicAttribute(_ object: PyValue?, _ name: PyValue?) -> PyValue {
        guard let object, case .str(let member, _, let origin)? = name, origin != .partial else { return .unknown }
        checkBuiltName(member, origin, how: "getattr")
        switch object {
        case .ref(let q) where q == "<globals>":
            return environment[member].map(special)
                ?? (CodeRules.builtins.contains(member) ? .ref("builtins." + member) : .unknown)
        case .ref:
            return attribute(object, member)
        case .environ where member == "get":
            return .method(.environ, "get")
        default:
            return member == "__dict__" ? object : .unknown
        }
    }

    // MARK: Processes, files, paths

    func process(_ q: String, _ args: [EvaluatedArgument]) {
        let command = positional(args, 0, keyword: "args") ?? positional(args, 0, keyword: "cmd") ?? .unknown
        var argv: [PyValue]
        switch command {
        case .list(let items): argv = items
        case .str(let s, _, let origin):
            argv = s.split(separator: " ").map { .str(String($0), isBytes: false, origin: origin) }
        default: argv = [command]
        }
        if q.hasPrefix("os.exec") || q.hasPrefix("os.spawn") || q.hasPrefix("os.posix_spawn") {
            argv = args.filter { $0.keyword == nil }.map(\.value)
            if q.hasPrefix("os.spawn"), !argv.isEmpty { argv.removeFirst() }  // the mode
        }
        var strong = false
        var note = "runs a process with \(q)"
        for arg in args {
            if isData(arg.value) { strong = true }
            if case .str(_, _, .obfuscated) = arg.value { strong = true }
            for text in arg.value.knownText {
                if let marker = CodeRules.downloadMarker(in: text) {
                    strong = true
                    note = "runs a command that downloads or connects (\(marker.trimmingCharacters(in: .whitespaces)))"
                }
            }
        }
        let program = argv.first.flatMap { v -> String? in
            if case .ref("sys.executable") = v { return "python" }
            return v.constantString.map { String($0.split(separator: "/").last ?? Substring($0)) }
        }
        // Installing more packages from inside an install is worse than running a compiler.
        let words = argv.compactMap(\.constantString).map { $0.lowercased() }
        let installsPackages =
            (program?.lowercased().hasPrefix("pip") == true && words.contains("install"))
            || (words.contains("-m") && words.contains("pip") && words.contains("install"))
        if let program, program.lowercased().hasPrefix("python") {
            let rest = argv.dropFirst().compactMap(\.constantString)
            if let c = rest.firstIndex(of: "-c"), argv.count > c + 2, case .str(let code, _, let origin) = argv[c + 2],
                origin != .partial
            {
                analyzePayload(code, line: currentLine, label: "python -c code")
            }
        }
        var severity = CodeRules.severity(.process, phase, strong: strong)
        if installsPackages, !strong, let s = severity, s < .high {
            severity = .high
            note = "installs packages with pip from inside the install"
        }
        report(.process, severity, note: note)
    }

    func asPath(_ value: PyValue?) -> PathValue? {
        switch value {
        case .str(let s, _, _)?: PathValue.from(s)
        case .path(let p)?, .file(let p)?: p
        default: nil
        }
    }

    func joinPaths(_ parts: [PyValue]) -> PyValue {
        guard let first = parts.first else { return .unknown }
        var path = asPath(first) ?? PathValue(anchor: .unknown, rest: "")
        for part in parts.dropFirst() {
            switch part {
            case .str(let s, _, _): path = path.joined(s)
            case .path(let p) where p.anchor != .relative: path = p
            case .path(let p): path = path.joined(p.rest)
            default:
                path = PathValue(anchor: path.anchor == .relative ? .unknown : path.anchor, rest: path.joined("…").rest)
            }
        }
        return .path(path)
    }

    func openFile(_ path: PathValue?, mode: PyValue?) -> PyValue {
        let modeText = mode?.constantString ?? "r"
        let writes = modeText.contains { "wax+".contains($0) }
        if let path {
            if writes { writeCheck(path) } else { readCheck(path) }
        }
        return .file(path ?? PathValue(anchor: .unknown, rest: ""))
    }

    func readCheck(_ path: PathValue) {
        guard phase != .callTime, let marker = CodeRules.credentialMarker(in: path.display + "/") else { return }
        report(.credentials, CodeRules.severity(.credentials, phase), note: "reads \(path.display) (\(marker))")
    }

    func writeCheck(_ path: PathValue) {
        guard path.isOutsideBuildDir else { return }
        let lower = path.display.lowercased()
        let strong = CodeRules.sensitiveWriteMarkers.contains { lower.contains($0) }
        report(.writeOutside, CodeRules.severity(.writeOutside, phase, strong: strong), note: "writes \(path.display)")
    }
}
