import AlterCLI
import AlterKit
import Testing

@Suite struct HelpTests {
    @Test func helpListsEveryCommand() async {
        let out = BufferStream()
        let err = BufferStream()
        var context = CLIContext.live
        context.stdout = out
        context.stderr = err
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(["--help"]) }
        #expect(code == 0)
        for command in [
            "scan", "install", "monitor", "quarantine", "report", "generate-constraints", "db", "typosquat",
        ] {
            #expect(out.text.contains(command), "help lacks \(command)")
        }
    }

    @Test func quarantineHelpListsSubcommands() async {
        let out = BufferStream()
        var context = CLIContext.live
        context.stdout = out
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(["quarantine", "--help"]) }
        #expect(code == 0)
        for sub in ["list", "inspect", "release", "remove"] { #expect(out.text.contains(sub)) }
    }

    @Test func unknownFlagIsUsageError() async {
        let err = BufferStream()
        var context = CLIContext.live
        context.stderr = err
        let code = await CLIContext.$current.withValue(context) { await AlterKSMain.run(["scan", "--bogus"]) }
        #expect(code == 2)
    }
}
