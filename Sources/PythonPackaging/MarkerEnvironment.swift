/// The values environment markers are evaluated against, for one target interpreter
/// (`packaging.markers.default_environment()` of that interpreter).
public struct MarkerEnvironment: Sendable, Hashable, Codable {
    public var values: [String: String]
    public init(values: [String: String]) { self.values = values }

    /// The variables every environment defines (`extra` is supplied at evaluation time).
    public static let variableNames = [
        "implementation_name", "implementation_version", "os_name", "platform_machine", "platform_release",
        "platform_system", "platform_version", "python_full_version", "platform_python_implementation",
        "python_version", "sys_platform",
    ]

    /// A fixed CPython 3.11.7 on x86-64 Linux, for tests (the PEP 508 vectors were computed against it).
    public static let testDefault = MarkerEnvironment(values: [
        "implementation_name": "cpython",
        "implementation_version": "3.11.7",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_release": "6.1.0-18-amd64",
        "platform_system": "Linux",
        "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
        "python_full_version": "3.11.7",
        "platform_python_implementation": "CPython",
        "python_version": "3.11",
        "sys_platform": "linux",
    ])
}
