#if canImport(Glibc)
    import Glibc
#endif

/// The `pip` shim's entry point. STUB: the shim work replaces this.
public enum Shim {
    public static func main(_ argv: [String]) -> Int32 {
        let message = "alterks pip shim: not built yet\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        return 2
    }
}
