import ShimCore

#if canImport(Glibc)
    import Glibc
#endif

exit(Shim.main(CommandLine.arguments))
