extension ScanReport {
    /// The exit status of a report, kept simple and safe:
    /// - 3 when any package has a source failure (whatever verdict the failure led to): the answer is incomplete and
    ///   must never read as clean;
    /// - otherwise 1 when any verdict is at or above `failOn` (BLOCK by default; `--fail-on alert` makes alerts fail);
    /// - otherwise 0.
    package func exitStatus(failOn: Action) -> ExitStatus {
        if results.contains(where: { !$0.failures.isEmpty }) { return .sourceFailure }
        if results.contains(where: { $0.verdict.action >= failOn && $0.verdict.action != .allow }) { return .findings }
        return .clean
    }
}

/// `exitStatus(for:failOn:)` as a free function, for commands that hold a report.
package func exitStatus(for report: ScanReport, failOn: Action) -> ExitStatus {
    report.exitStatus(failOn: failOn)
}
