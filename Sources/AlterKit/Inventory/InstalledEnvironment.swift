import Foundation
import PythonPackaging

#if canImport(Glibc)
    import Glibc
#endif

/// The distributions installed for one interpreter, found the way `pip list` finds them: every `sys.path` entry in
/// order, each `*.dist-info` / `*.egg-info` in it (`METADATA`, else `PKG-INFO`, else the `.egg-info` file itself),
/// `NAME.egg/EGG-INFO` for eggs on the path, and the targets of `*.egg-link` files; the first distribution of a
/// name wins. The interpreter is run once (for `sys.path` and its marker values); the metadata is read here.
package enum InstalledEnvironment {
    /// `pip list` leaves these out (`pip._internal.utils.compat.stdlib_pkgs`).
    static let excluded: Set<String> = ["python", "wsgiref", "argparse"]

    /// The interpreter to inspect when none is named: `$VIRTUAL_ENV/bin/python`, else `python3` on `PATH`.
    package static func defaultInterpreter(environment: [String: String]) throws(InventoryError) -> String {
        if let venv = environment["VIRTUAL_ENV"], !venv.isEmpty {
            guard venv.hasPrefix("/") else {
                throw .environment(message: "VIRTUAL_ENV is not an absolute path: \(venv.quotedForMessage)")
            }
            let python = (venv as NSString).appendingPathComponent("bin/python")
            guard access(python, X_OK) == 0 else {
                throw .environment(message: "VIRTUAL_ENV is set but \(python) is not an executable interpreter")
            }
            return python
        }
        guard let python = which("python3", path: environment["PATH"] ?? "") else {
            throw .environment(message: "no python3 on PATH (name an interpreter, or activate a virtual environment)")
        }
        return python
    }

    /// Asks `python` (absolute; default `defaultInterpreter`) for its `sys.path` and marker values, once, then reads
    /// the distributions on that path.
    package static func load(python: String?, services: Services) async throws -> (Inventory, InterpreterInfo) {
        let interpreter = try python ?? defaultInterpreter(environment: services.environment)
        let info: InterpreterInfo
        do {
            info = try await InterpreterProbe.run(python: interpreter, runner: services.processes)
        } catch let error as InterpreterError {
            throw InventoryError.environment(message: error.description)
        } catch let error as ProcessError {
            throw InventoryError.environment(message: error.description)
        }
        return (scan(path: info.path, diagnostics: services.diagnostics), info)
    }

    /// Reads the distributions on `path` (a `sys.path`), first of each name winning.
    package static func scan(path: [String], diagnostics: any DiagnosticSink) -> Inventory {
        var finder = Finder(diagnostics: diagnostics)
        for location in path {
            finder.find(in: location)
            finder.findEggs(in: location)
            finder.findLinked(in: location)
        }
        var inventory = finder.inventory
        inventory.sources = path
        return inventory
    }

    // MARK: -

    private struct Finder {
        let diagnostics: any DiagnosticSink
        var inventory = Inventory()
        var found: Set<String> = []

        /// `importlib.metadata` on one directory: `*.dist-info` and `*.egg-info` grouped by the name in their
        /// file name (in directory order), and `EGG-INFO` when the directory itself is an `.egg`.
        mutating func find(in location: String) {
            guard let children = listDirectory(location) else { return }
            var groups: [String: [String]] = [:]
            var order: [String] = []
            let base = (location as NSString).lastPathComponent.lowercased()
            for child in children {
                let low = child.lowercased()
                var key: String?
                if low.hasSuffix(".dist-info") || low.hasSuffix(".egg-info") {
                    let stem = low[..<low.lastIndex(of: ".")!]
                    key = "info:" + PackageName.normalize(String(stem.split(separator: "-", maxSplits: 1).first ?? ""))
                } else if base.hasSuffix(".egg") && low == "egg-info" {
                    key = "egg:" + base
                }
                guard let key else { continue }
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append((location as NSString).appendingPathComponent(child))
            }
            // Like importlib's Lookup: all .dist-info/.egg-info first, then EGG-INFO.
            let sorted = order.filter { $0.hasPrefix("info:") } + order.filter { $0.hasPrefix("egg:") }
            for key in sorted {
                for info in groups[key] ?? [] { add(info: info) }
            }
        }

        /// `NAME.egg` directories inside `location` (pip reads them with pkg_resources).
        mutating func findEggs(in location: String) {
            guard let children = listDirectory(location) else { return }
            for child in children where child.lowercased().hasSuffix(".egg") {
                let egg = (location as NSString).appendingPathComponent(child)
                let info = (egg as NSString).appendingPathComponent("EGG-INFO")
                if isDirectory(info) {
                    add(info: info)
                } else if !isDirectory(egg) {
                    diagnostics.warning("\(egg): zipped egg not inspected")
                }
            }
        }

        /// `*.egg-link` files: the first non-empty line is a directory (relative to `location`) to search too.
        mutating func findLinked(in location: String) {
            guard let children = listDirectory(location) else { return }
            for child in children where child.hasSuffix(".egg-link") {
                let link = (location as NSString).appendingPathComponent(child)
                guard let data = try? FileIO.read(link, limit: 1 << 16) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                guard
                    let first = text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
                        .first(where: { !$0.isEmpty })
                else { continue }
                let target = first.hasPrefix("/") ? first : (location as NSString).appendingPathComponent(first)
                find(in: target)
            }
        }

        mutating func add(info: String) {
            let location = SourceLocation(file: info)
            guard let headers = readMetadata(info) else {
                diagnostics.warning("\(info): no METADATA or PKG-INFO; not inspected")
                inventory.skipped.append(
                    SkippedDependency(
                        dependency: Dependency(name: (info as NSString).lastPathComponent, location: location),
                        reason: "installed distribution without readable metadata: not checked"))
                return
            }
            guard let name = headers.name else {
                diagnostics.warning("\(info): metadata has no Name; skipped (as pip skips it)")
                return
            }
            let normalized = PackageName.normalize(name)
            guard !found.contains(normalized) else { return }
            found.insert(normalized)
            // pip filters on the name in the directory name when there is one.
            let fileName = (info as NSString).lastPathComponent
            let lowered = fileName.lowercased()
            var canonical = normalized
            if lowered.hasSuffix(".dist-info") || lowered.hasSuffix(".egg-info") {
                let stem = fileName[..<fileName.lastIndex(of: ".")!]
                canonical = PackageName.normalize(String(stem.split(separator: "-", maxSplits: 1).first ?? ""))
            }
            guard PackageName.isValid(canonical) else {
                diagnostics.warning(
                    "\(info): invalid distribution name \(canonical.quotedForMessage); ignored (as pip does)")
                return
            }
            guard !excluded.contains(canonical) else { return }
            guard let version = headers.version else {
                inventory.skipped.append(
                    SkippedDependency(
                        dependency: Dependency(name: name, location: location),
                        reason: "installed distribution without a Version: not checked"))
                return
            }
            inventory.dependencies.append(
                Dependency(
                    name: name, version: (try? Version(version))?.description ?? version, location: location))
        }
    }

    // MARK: metadata files

    /// The `Name` and `Version` headers (first of each, as `email.message_from_string` gives them).
    struct Headers: Sendable, Hashable {
        var name: String?
        var version: String?
    }

    /// `METADATA`, else `PKG-INFO` in a directory; the file itself for an `.egg-info` file.
    static func readMetadata(_ info: String) -> Headers? {
        let candidates =
            isDirectory(info)
            ? [
                (info as NSString).appendingPathComponent("METADATA"),
                (info as NSString).appendingPathComponent("PKG-INFO"),
            ]
            : [info]
        for candidate in candidates {
            if let prefix = readPrefix(candidate, limit: 1 << 18), !prefix.isEmpty {
                return parseHeaders(String(decoding: prefix, as: UTF8.self))
            }
        }
        return nil
    }

    /// RFC 822 headers as Python's `email` parser (compat32) reads them: they end at the first blank line or at
    /// the first line that is neither a header nor a continuation; a value loses leading spaces and tabs.
    static func parseHeaders(_ text: String) -> Headers {
        var headers = Headers()
        var current: (name: String, value: String)?
        func flush() {
            guard let (name, value) = current else { return }
            switch name.lowercased() {
            case "name" where headers.name == nil: headers.name = value
            case "version" where headers.version == nil: headers.version = value
            default: break
            }
            current = nil
        }
        for line in physicalLines(text) {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                if current != nil { current!.value += "\n" + line }
                continue
            }
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != ":" })
            else { break }
            flush()
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            current = (String(line[..<colon]), String(value))
        }
        flush()
        return headers
    }

    /// Lines split at `\r\n`, `\r` or `\n` (Python's universal newlines; a Swift `Character` would keep `\r\n`
    /// whole).
    static func physicalLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var i = start
        while i < scalars.endIndex {
            let c = scalars[i]
            if c == "\n" || c == "\r" {
                lines.append(Substring(scalars[start..<i]))
                var next = scalars.index(after: i)
                if c == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                i = next
            } else {
                i = scalars.index(after: i)
            }
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        return lines
    }

    // MARK: file system

    /// Directory entries in the order the file system gives them (as `os.listdir`), without `.` and `..`.
    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// At most `limit` bytes from the start of the regular file at `path`.
    static func readPrefix(_ path: String, limit: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var buffer = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + total, limit - total) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            total += n
        }
        return Data(buffer[0..<total])
    }
}
