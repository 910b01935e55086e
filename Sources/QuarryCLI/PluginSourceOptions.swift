// Where plugins beyond the built-in ones come from, on every command that builds a pipeline and on
// `quarry plugins`: shared libraries loaded at start-up.
import ArgumentParser
import QuarryCore

struct PluginSourceOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"),
            help: ArgumentHelp("Load the .so plugins in this directory (or this one .so file); repeatable.", valueName: "dir"))
    var pluginPaths: [String] = []

    /// Registers the plugins these flags name with the process's registry (once per location).
    func load(into registry: PluginRegistry = QuarryMain.registry) throws {
        for location in pluginPaths where QuarryMain.loadedPluginLocations.insert(location).inserted {
            try SharedLibraryLoader.load(location, into: registry)
        }
    }
}
