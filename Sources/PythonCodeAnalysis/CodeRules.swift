import AlterCore

/// The tables the code analyzer reads: which qualified names reach the network, spawn processes, decode data, and
/// how severe each capability is in each phase.
package enum CodeRules {
    /// Spellings that name the same module (Python 2 names, `six.moves`, path flavours).
    static func canonical(_ name: String) -> String {
        var q = name
        // Every spelling starts with one of these bytes: most names are left as they are at one comparison.
        guard let first = q.utf8.first, canonicalFirstBytes.contains(first) else { return q }
        for (from, fromDot, to) in canonicalSpellings where q == from || q.hasPrefix(fromDot) {
            let tail = q.dropFirst(from.count)
            q = to.isEmpty ? String(tail.dropFirst()) : to + tail
            break
        }
        if q.hasPrefix("builtins.builtins.") || q.hasPrefix("builtins.bytes.") || q.hasPrefix("builtins.bytearray.") {
            q = String(q.dropFirst(9))
        }
        return q
    }

    /// Spellings that name the same module (with the dot that starts a submodule), first match wins.
    static let canonicalSpellings: [(String, String, String)] = [
        ("six.moves.urllib.request", "urllib.request"), ("six.moves.urllib", "urllib"),
        ("six.moves.builtins", "builtins"), ("six.moves", ""), ("__builtin__", "builtins"),
        ("posixpath", "os.path"), ("ntpath", "os.path"), ("future.moves.urllib", "urllib"),
        ("urllib2", "urllib.request"), ("httplib", "http.client"), ("commands", "subprocess"),
        ("pathlib2", "pathlib"), ("_io", "io"),
    ].map { ($0.0, $0.0 + ".", $0.1) }

    /// The first bytes of `canonicalSpellings` and of `builtins.`. No other first character compares equal to
    /// one of these ASCII letters (their only canonical equivalents are themselves).
    static let canonicalFirstBytes: Set<UInt8> = Set(canonicalSpellings.map { $0.0.utf8.first! } + [UInt8(ascii: "b")])

    /// Builtin functions and names a bare identifier resolves to when nothing else binds it.
    static let builtins: Set<String> = [
        "exec", "eval", "compile", "open", "__import__", "getattr", "globals", "locals", "vars", "chr", "ord",
        "bytes", "bytearray", "str", "map", "reversed", "list", "tuple", "input", "print", "dict", "setattr",
        "execfile", "breakpoint", "memoryview", "sorted", "filter", "__builtins__", "file", "unicode", "type",
    ]

    /// Qualified names that open a network connection or make a request.
    static func isNetwork(_ q: String) -> Bool { networkCalls.contains(q) }

    static let networkCalls: Set<String> = [
        "socket.socket", "socket.create_connection", "socket.getaddrinfo", "socket.gethostbyname",
        "socket.gethostbyname_ex", "socket.socketpair", "socket.fromfd", "socket.create_server",
        "urllib.request.urlopen", "urllib.request.urlretrieve", "urllib.request.build_opener",
        "urllib.request.OpenerDirector", "urllib.urlopen", "urllib.urlretrieve", "urllib.URLopener",
        "urllib.request.URLopener", "http.client.HTTPConnection", "http.client.HTTPSConnection",
        "ftplib.FTP", "ftplib.FTP_TLS", "smtplib.SMTP", "smtplib.SMTP_SSL", "telnetlib.Telnet", "poplib.POP3",
        "imaplib.IMAP4", "imaplib.IMAP4_SSL", "xmlrpc.client.ServerProxy", "xmlrpclib.ServerProxy",
        "paramiko.SSHClient", "dns.resolver.resolve", "dns.resolver.query", "webbrowser.open",
        "asyncio.open_connection", "ssl.create_connection", "ssl.wrap_socket",
        "requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete", "requests.head",
        "requests.options", "requests.request", "requests.Session", "requests.session", "requests.api.request",
        "requests.api.get", "requests.api.post", "httpx.get", "httpx.post", "httpx.put", "httpx.patch", "httpx.delete",
        "httpx.head", "httpx.options", "httpx.request", "httpx.stream", "httpx.Client", "httpx.AsyncClient",
        "aiohttp.ClientSession", "aiohttp.request", "urllib3.request", "urllib3.PoolManager", "urllib3.ProxyManager",
        "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool", "urllib3.connection_from_url",
        "urllib3.connectionpool.HTTPConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool",
        "urllib3.poolmanager.PoolManager", "pycurl.Curl", "websocket.create_connection", "websocket.WebSocket",
        "websockets.connect", "websockets.client.connect", "http.client.HTTPSConnection.request",
    ]

    /// Qualified names that start another program.
    static func isProcess(_ q: String) -> Bool {
        if processCalls.contains(q) { return true }
        if q.hasPrefix("os.exec") || q.hasPrefix("os.spawn") || q.hasPrefix("os.posix_spawn") { return true }
        return false
    }

    static let processCalls: Set<String> = [
        "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "os.startfile", "subprocess.Popen",
        "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.run",
        "subprocess.getoutput", "subprocess.getstatusoutput", "pty.spawn", "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell", "platform.popen", "distutils.spawn.spawn", "popen2.popen2",
    ]

    /// Known functions that call a function they are given.
    static let callbackRunners: Set<String> = [
        "threading.Thread", "threading.Timer", "multiprocessing.Process", "multiprocessing.Pool", "builtins.map",
        "atexit.register", "signal.signal", "functools.partial", "asyncio.to_thread", "_thread.start_new_thread",
        "thread.start_new_thread", "sys.settrace", "sys.setprofile",
    ]

    /// Decoding and decompression functions, with a short name for evidence.
    static let decoders: [String: String] = [
        "base64.b64decode": "base64", "base64.standard_b64decode": "base64", "base64.urlsafe_b64decode": "base64",
        "base64.decodebytes": "base64", "base64.decodestring": "base64", "base64.b32decode": "base32",
        "base64.b16decode": "hex", "base64.b85decode": "base85", "base64.a85decode": "ascii85",
        "binascii.a2b_base64": "base64", "binascii.unhexlify": "hex", "binascii.a2b_hex": "hex",
        "bytes.fromhex": "hex", "bytearray.fromhex": "hex", "zlib.decompress": "zlib", "gzip.decompress": "gzip",
        "bz2.decompress": "bz2", "lzma.decompress": "lzma", "marshal.loads": "marshal", "codecs.decode": "codecs",
        "codecs.encode": "codecs", "pickle.loads": "pickle", "cPickle.loads": "pickle", "dill.loads": "pickle",
        "zlib.decompressobj": "zlib",
    ]

    /// Functions that run code they are given.
    static let execCalls: Set<String> = [
        "builtins.exec", "builtins.eval", "builtins.execfile", "code.InteractiveInterpreter.runsource",
        "code.InteractiveConsole.push",
    ]

    /// Functions whose result is where the interpreter keeps installed packages.
    static let sitePaths: Set<String> = [
        "site.getsitepackages", "site.getusersitepackages", "sysconfig.get_paths", "sysconfig.get_path",
        "distutils.sysconfig.get_python_lib", "sys.prefix", "sys.exec_prefix", "sys.base_prefix",
        "site.USER_SITE", "site.USER_BASE", "sysconfig.get_python_lib",
    ]

    /// Text that names where credentials live.
    static let credentialMarkers: [String] = [
        ".ssh/", ".ssh\\", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", "authorized_keys", ".aws/credentials",
        ".aws/config", ".aws\\credentials", ".netrc", "_netrc", ".pypirc", ".git-credentials", ".docker/config.json",
        ".kube/config", "169.254.169.254", "metadata.google.internal", "fd00:ec2::254", "/etc/shadow",
        ".gnupg", ".bash_history", ".zsh_history", "login data", "wallet.dat", ".config/gcloud",
        "application_default_credentials", ".azure/", "keychain", ".npmrc", ".vault-token",
    ]

    /// The credential marker `text` contains, if any.
    static func credentialMarker(in text: String) -> String? {
        let lower = text.lowercased()
        return credentialMarkers.first { lower.contains($0) }
    }

    /// Whether an environment variable name is one that holds a secret.
    static func isSecretVariable(_ name: String) -> Bool {
        let n = name.uppercased()
        if n.hasPrefix("AWS_") || n.hasPrefix("AZURE_") && n.contains("SECRET") { return true }
        for suffix in ["_TOKEN", "_KEY", "_SECRET", "_PASSWORD", "_PASSWD", "_PASS", "_CREDENTIALS", "_APIKEY", "_PAT"]
        where n.hasSuffix(suffix) {
            return true
        }
        return [
            "GITHUB_TOKEN", "GH_TOKEN", "NPM_TOKEN", "PYPI_TOKEN", "TWINE_PASSWORD", "SSH_AUTH_SOCK",
            "GOOGLE_APPLICATION_CREDENTIALS", "TOKEN", "SECRET", "PASSWORD", "API_KEY",
        ].contains(n)
    }

    /// Environment variables that hold the home directory.
    static let homeVariables: Set<String> = ["HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "HOMEPATH"]

    /// Write targets that give persistence or access: shell start-up files, keys, auto-run locations.
    static let sensitiveWriteMarkers: [String] = [
        ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", "authorized_keys", ".ssh/", "crontab",
        "/etc/", ".pth", "sitecustomize", "usercustomize", "/usr/bin", "/usr/local/bin", "autostart",
        "launchagents", "start menu\\programs\\startup", "/.config/systemd", "/bin/",
    ]

    /// Text in a command line that downloads or connects.
    static let downloadMarkers: [String] = [
        "http://", "https://", "ftp://", "curl ", "wget ", "curl\t", "wget\t", "powershell", "invoke-webrequest",
        "iwr ", "certutil", "bitsadmin", "/dev/tcp/", "nc -e", "ncat ", "| sh", "|sh", "| bash", "|bash",
        "base64 -d", "base64 --decode",
    ]

    /// The download marker in `text`, if any.
    static func downloadMarker(in text: String) -> String? {
        let lower = text.lowercased()
        if ["curl", "wget"].contains(lower) { return lower }
        return downloadMarkers.first { lower.contains($0) }
    }

    /// Names worth hiding: a name built from pieces that turns out to be one of these is obfuscation.
    static let dangerousNames: Set<String> = [
        "exec", "eval", "compile", "__import__", "getattr", "open", "globals", "execfile", "system", "popen",
        "Popen", "call", "run", "check_output", "check_call", "getoutput", "spawn", "urlopen", "urlretrieve",
        "b64decode", "decompress", "loads", "import_module", "environ", "getenv", "os", "subprocess", "socket",
        "builtins", "__builtins__", "__builtin__", "base64", "codecs", "zlib", "marshal", "pickle", "ctypes",
        "urllib", "urllib.request", "requests", "http.client", "pty", "shutil", "importlib", "connect",
        "create_connection", "execv", "execve", "execl", "execvp", "startfile", "fromhex", "write", "remove",
        "rmtree", "unlink", "sys", "webbrowser", "platform",
    ]

    static func isDangerousName(_ name: String) -> Bool {
        dangerousNames.contains(name) || dangerousNames.contains(String(name.split(separator: ".").last ?? ""))
    }

    /// Severity of a capability by phase; nil means not worth reporting there.
    package static func severity(_ kind: InspectionFinding.Kind, _ phase: CodePhase, strong: Bool = false) -> Severity?
    {
        switch (kind, phase) {
        case (.network, .install), (.network, .startup): .critical
        case (.network, .importTime): .high
        case (.process, .install): strong ? .critical : .medium
        case (.process, .startup): .critical
        case (.process, .importTime): strong ? .high : .medium
        case (.credentials, .install), (.credentials, .startup): .critical
        case (.credentials, .importTime): .high
        case (.writeOutside, .install): strong ? .critical : .high
        case (.writeOutside, .startup): .critical
        case (.writeOutside, .importTime): strong ? .high : .medium
        case (.execDecoded, .install), (.execDecoded, .startup): .critical
        case (.execDecoded, _): .high
        case (.execDataFile, .install), (.execDataFile, .startup): .critical
        case (.execDataFile, _): .high
        case (.execDynamic, .install): .medium
        case (.execDynamic, .startup): .high
        case (.obfuscation, .install), (.obfuscation, .startup): .critical
        case (.obfuscation, _): .high
        case (.encodedBlob, .install): strong ? .high : .medium
        case (.encodedBlob, .startup): strong ? .critical : .high
        case (.encodedBlob, _): strong ? .medium : .low
        default: nil
        }
    }
}
