import AlterKit
import ArgumentParser
import Foundation

/// `alterks typosquat`: Screen package names for typosquatting, offline (JSON lines out).
struct TyposquatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "typosquat",
        abstract: "Screen package names for typosquatting, offline (JSON lines out).",
        discussion: """
            One JSON object per name: name, normalized, verdict (squat|clean), target, kind, distance, score (0-1) \
            and sometimes a note. Exit 1 when any name is flagged. Names come from the arguments, from --file \
            (one per line, # comments), or from standard input with `-`.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Names to check; `-` reads one name per line from standard input.")
    var names: [String] = []

    @Option(name: .customLong("file"), help: "Read one name per line from this file.")
    var file: String?

    @Flag(
        name: .customLong("ignore-own-popularity"),
        help: .hidden)
    var ignoreOwnPopularity = false

    func validate() throws {
        if names.isEmpty && file == nil { throw ValidationError("give names, --file FILE, or - for standard input") }
        if names.contains("-") && names.count > 1 { throw ValidationError("`-` cannot be mixed with names") }
    }

    func run() async throws {
        let context = CLIContext.current
        var input = names == ["-"] ? [] : names
        if names == ["-"] {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            input += TyposquatScreening.names(inLines: String(decoding: data, as: UTF8.self))
        }
        if let file {
            let path = file.hasPrefix("/") ? file : context.currentDirectory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(file)")
            }
            input += TyposquatScreening.names(inLines: String(decoding: data, as: UTF8.self))
        }
        let index = try TyposquatIndex.bundled()
        var flagged = 0
        var buffer = ""
        buffer.reserveCapacity(1 << 16)
        for name in input {
            let verdict = index.check(name, ownPopularity: !ignoreOwnPopularity)
            if verdict.isSquat { flagged += 1 }
            buffer += TyposquatScreening.jsonLine(verdict)
            buffer += "\n"
            if buffer.utf8.count >= 1 << 16 {
                context.stdout.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        context.stdout.write(buffer)
        if flagged > 0 { throw ExitCode(ExitStatus.findings.rawValue) }
    }
}
