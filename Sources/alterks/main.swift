import AlterCLI
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

let status = await AlterKSMain.run(Array(CommandLine.arguments.dropFirst()))
// `_exit`, not `exit`: helper threads may still be finishing when the command is done (the thread that reaped pip
// resumes the gate and then tears itself down; the HTTP client's event loop closes its connections after the last
// request). `exit` would run the process's atexit handlers and library destructors (OpenSSL's cleanup among them)
// while those threads run, which can crash the process after its work is done (issue #14, item 7: exit 139 right
// after pip's "Successfully installed"). Everything we write goes out with write(2) or is flushed here; nothing
// else needs the exit handlers (SQLite's committed transactions are on disk).
fflush(nil)
_exit(status)
