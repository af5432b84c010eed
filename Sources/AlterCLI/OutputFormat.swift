import AlterKit
import ArgumentParser

/// `--format table|json|markdown|sarif|cyclonedx` for `scan` and `report`.
package typealias OutputFormat = ReportFormat

extension ReportFormat: ExpressibleByArgument {}

extension Console {
    /// Renders `report` for this console: the table fits the terminal (its width, else COLUMNS, else 100) and is coloured
    /// only when `useColor` says so; paths are written relative to the working directory.
    package func render(_ report: ScanReport, as format: OutputFormat) -> String {
        let columns = context.stdout.terminalColumns ?? context.environment["COLUMNS"].flatMap(Int.init) ?? 100
        let options = ReportOptions(
            width: max(columns, 40), color: format == .table && useColor,
            baseDirectory: context.currentDirectory)
        return report.rendered(as: format, options: options)
    }
}
