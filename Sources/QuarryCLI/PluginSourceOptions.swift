// Where plugins come from besides the built-ins, on every command that takes a pipeline and on
// `quarry plugins`: flags here, the same lists in the config file — shared libraries loaded at start-up
// and process plugins registered by the name they announce.
import ArgumentParser
import QuarryCore

struct PluginSourceOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"),
            help: ArgumentHelp("Load the .so plugins in this directory (or this one .so file); repeatable.", valueName: "dir"))
    var pluginPaths: [String] = []

    @Option(name: .customLong("plugin-exec"),
            help: ArgumentHelp("Start a process plugin (docs/process-protocol.md) and register it under the name it announces (repeatable).",
                               valueName: "command"))
    var pluginExec: [String] = []

    /// Registers the plugins of the flags and of `config`'s plugin lists with quarry's registry
    /// (a shared-library location once per process).
    func register(config: String?) throws {
        let fromConfig = try config.map(ConfigFile.pluginSources) ?? ConfigFile.PluginSources()
        for location in fromConfig.paths + pluginPaths where QuarryMain.loadedPluginLocations.insert(location).inserted {
            try SharedLibraryLoader.load(location, into: QuarryMain.registry)
        }
        for command in fromConfig.exec + pluginExec {
            try QuarryMain.registry.registerProcess(command)
        }
    }
}
