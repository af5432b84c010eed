import AlterCLI
import Foundation

exit(await AlterKSMain.run(Array(CommandLine.arguments.dropFirst())))
