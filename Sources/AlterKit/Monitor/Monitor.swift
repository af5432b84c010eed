import Foundation

/// Continuous monitoring: scans each target, compares with what the state database remembers, records the
/// cycle and its report atomically, then delivers the report to every destination (a JSON Lines file, a
/// webhook). Reports that could not be delivered stay in the outbox and are re-sent, in order, next cycle.
package struct Monitor: Sendable {
    /// Scans one target into a report. A thrown error means the whole target could not be looked at.
    package typealias Scanner = @Sendable (MonitorTarget) async throws -> ScanReport

    package var targets: [MonitorTarget]
    package var state: MonitorState
    package var scan: Scanner
    /// Where reports go: a JSON Lines file path, when any.
    package var jsonOutput: String?
    package var webhook: WebhookSender?
    package var clock: any WallClock
    package var diagnostics: any DiagnosticSink
    /// The least strict action a new finding must carry to count for the exit code.
    package var bar: Action
    /// Makes cycle ids; injected so tests are reproducible.
    package var makeCycleID: @Sendable () -> String

    package init(
        targets: [MonitorTarget], state: MonitorState, scan: @escaping Scanner, jsonOutput: String?,
        webhook: WebhookSender?, clock: any WallClock, diagnostics: any DiagnosticSink, bar: Action = .alert,
        makeCycleID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.targets = targets
        self.state = state
        self.scan = scan
        self.jsonOutput = jsonOutput
        self.webhook = webhook
        self.clock = clock
        self.diagnostics = diagnostics
        self.bar = bar
        self.makeCycleID = makeCycleID
    }

    /// What a cycle amounted to.
    package struct Outcome: Sendable {
        package var report: MonitorCycleReport
        /// Reports still undelivered after this cycle (0 when every destination took everything).
        package var undelivered: Int
        package var exitStatus: ExitStatus
    }

    /// Runs one cycle: scan, commit, deliver. Cancellation before the commit leaves the state as it was; after
    /// it, the report is in the outbox and is delivered by this cycle or the next.
    package func runCycle() async throws -> Outcome {
        var outcome = try await scanAndCommit()
        outcome.undelivered = await deliverPending()
        // A report nobody received (full disk, webhook down) is kept for the next cycle, but this one is not clean.
        if outcome.undelivered > 0 && outcome.exitStatus == .clean { outcome.exitStatus = .sourceFailure }
        return outcome
    }

    /// The first half of a cycle: scan every target, diff with the state, and commit the new state together with
    /// the report's outbox entries. Nothing is delivered yet (`undelivered` counts this cycle's entries).
    package func scanAndCommit() async throws -> Outcome {
        var statuses: [MonitorTargetStatus] = []
        var updates: [MonitorState.TargetUpdate] = []
        var new: [MonitorFinding] = []
        var resolved: [MonitorFinding] = []
        var current: [MonitorFinding] = []
        var packages = 0
        for target in targets {
            try Task.checkCancellation()
            let report: ScanReport
            do {
                report = try await scan(target)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let message = (error as? any AlterKSError)?.description ?? "\(error)"
                statuses.append(
                    MonitorTargetStatus(
                        target: target.id, status: "failed", packages: 0, errors: [message], sources: []))
                current += try state.findings(target: target.id)
                continue
            }
            try Task.checkCancellation()
            let (found, failedPackages) = FindingDiff.findings(of: report, target: target.id)
            let verdicts = FindingDiff.verdicts(of: report)
            let seen = try state.hasSeen(target: target.id)
            let diff = FindingDiff.diff(
                previous: seen ? try state.findings(target: target.id) : [],
                previousVerdicts: seen ? try state.verdicts(target: target.id) : [:], current: found,
                currentVerdicts: verdicts, failedPackages: failedPackages, target: target.id)
            new += diff.new
            resolved += diff.resolved
            current += diff.kept
            packages += report.results.count
            var errors = report.results.flatMap { result in
                result.failures.map {
                    "\(result.dependency.normalizedName)==\(result.dependency.version ?? "?"): \($0)"
                }
            }
            errors += report.skipped.map { "\($0.dependency.name): not checked: \($0.reason)" }
            let failed = report.results.contains { !$0.failures.isEmpty }
            statuses.append(
                MonitorTargetStatus(
                    target: target.id, status: failed ? "failed" : "ok", packages: report.results.count,
                    errors: errors, sources: report.sources))
            var keptVerdicts = try state.verdicts(target: target.id).filter { failedPackages.contains($0.key) }
            keptVerdicts.merge(verdicts) { _, now in now }
            updates.append(MonitorState.TargetUpdate(target: target.id, findings: diff.kept, verdicts: keptVerdicts))
        }
        let failedTargets = statuses.filter { $0.status != "ok" }.count
        let now = clock.now()
        let report = MonitorCycleReport(
            cycle: makeCycleID(), time: now, status: failedTargets > 0 ? "failed" : "ok", targets: statuses,
            counts: .init(
                targets: targets.count, packages: packages, findings: current.count, new: new.count,
                resolved: resolved.count, failedTargets: failedTargets),
            new: new, resolved: resolved, findings: current.sorted { $0.key < $1.key })
        let body = try report.jsonLine()
        try Task.checkCancellation()
        try state.commit(cycle: report, updates: updates, body: body, destinations: destinations, now: now)
        let status: ExitStatus =
            failedTargets > 0 ? .sourceFailure : new.contains { $0.action >= bar } ? .findings : .clean
        return Outcome(report: report, undelivered: destinations.count, exitStatus: status)
    }

    private var destinations: [String] {
        var out: [String] = []
        if let jsonOutput { out.append("file:" + jsonOutput) }
        if let webhook { out.append("webhook:" + webhook.url) }
        return out
    }

    /// Delivers every pending report of every configured destination, oldest first; a destination stops at its
    /// first failure so that order is kept. Returns how many remain.
    package func deliverPending() async -> Int {
        var remaining = 0
        for destination in destinations {
            let entries: [MonitorState.OutboxEntry]
            do {
                entries = try state.pending(destination: destination)
            } catch {
                diagnostics.warning("monitor state: \(error)")
                continue
            }
            for (index, entry) in entries.enumerated() {
                do {
                    if destination.hasPrefix("file:") {
                        try JSONLinesFile.append(entry.body, to: String(destination.dropFirst(5)))
                    } else if let webhook {
                        try await webhook.send(entry.body, cycle: entry.cycle)
                    }
                    try state.delivered(seq: entry.seq)
                } catch {
                    let message = (error as? any AlterKSError)?.description ?? "\(error)"
                    diagnostics.warning(
                        "report of cycle \(entry.cycle) not delivered, kept for the next cycle: \(message)")
                    try? state.failedDelivery(seq: entry.seq, error: message)
                    remaining += entries.count - index
                    break
                }
            }
        }
        return remaining
    }

    /// Runs cycles every `interval` seconds until cancelled (SIGTERM/SIGINT cancel the task). A failed cycle
    /// is reported as failed and the next one retries. `sleep` is injected for tests.
    package func runForever(
        interval: Double, sleep: @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        onCycle: @Sendable (Outcome) -> Void
    ) async {
        while !Task.isCancelled {
            do {
                onCycle(try await runCycle())
            } catch is CancellationError {
                return
            } catch {
                let message = (error as? any AlterKSError)?.description ?? "\(error)"
                diagnostics.emit(Diagnostic(.error, "monitor cycle failed: \(message)"))
            }
            do { try await sleep(interval) } catch { return }
        }
    }
}
