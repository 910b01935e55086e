import QuarryCLI
import QuarryServer

await QuarryMain.run(subcommands: [ServeCommand.self])
