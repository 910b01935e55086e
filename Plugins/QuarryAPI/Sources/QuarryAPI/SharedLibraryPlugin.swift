// The entry points of a plugin built as a shared library (`.so`) and loaded by `quarry --plugin-path`.
//
// A plugin exports two C symbols, in a few lines:
//
//     @_cdecl("quarry_plugin_api_version")
//     public func quarryPluginAPIVersion() -> Int32 { SharedLibraryPlugin.compiledVersion }
//
//     @_cdecl("quarry_plugin_register")
//     public func quarryPluginRegister(_ registrar: UnsafeMutableRawPointer) -> Int32 {
//         SharedLibraryPlugin.register(registrar, expanders: [MyExpander.plugin])
//     }
//
// The host reads the version first and refuses a plugin of another major version (or a newer minor one);
// then it passes its registrar. Both sides must use the one QuarryAPI shared library (this package's
// dynamic product): with a second, static copy the registrar's class is a different type in the plugin,
// which `register` detects and reports instead of corrupting memory.

/// Collects what one plugin library registers. Made by the host, filled by the plugin.
public final class PluginRegistrar: @unchecked Sendable {
    public private(set) var expanders: [ExpanderPlugin] = []
    public private(set) var rerankers: [RerankerPlugin] = []

    public init() {}

    public func add(_ plugin: ExpanderPlugin) { expanders.append(plugin) }
    public func add(_ plugin: RerankerPlugin) { rerankers.append(plugin) }
}

public enum SharedLibraryPlugin {
    /// The symbol that returns `compiledVersion`.
    public static let versionSymbol = "quarry_plugin_api_version"
    /// The symbol that takes the host's registrar and returns a `RegisterStatus` raw value.
    public static let registerSymbol = "quarry_plugin_register"

    /// The API version the calling code was compiled against: major in the high 16 bits, minor in the low.
    @_alwaysEmitIntoClient public static var compiledVersion: Int32 {
        Int32(QuarryAPIVersion.major << 16 | QuarryAPIVersion.minor)
    }

    /// Splits an encoded version into (major, minor).
    public static func decode(_ version: Int32) -> (major: Int, minor: Int) {
        (Int(version >> 16), Int(version & 0xFFFF))
    }

    /// What `quarry_plugin_register` returns.
    public enum RegisterStatus: Int32 {
        case registered = 0
        /// The registrar is not this library's type: the plugin linked its own copy of QuarryAPI.
        case foreignAPICopy = 1
        /// The plugin registered nothing.
        case empty = 2
    }

    /// The body of a plugin's `quarry_plugin_register`: hands its plugins to the host's registrar.
    public static func register(_ registrar: UnsafeMutableRawPointer, expanders: [ExpanderPlugin] = [],
                                rerankers: [RerankerPlugin] = []) -> Int32 {
        let object = Unmanaged<AnyObject>.fromOpaque(registrar).takeUnretainedValue()
        guard let host = object as? PluginRegistrar else { return RegisterStatus.foreignAPICopy.rawValue }
        guard !expanders.isEmpty || !rerankers.isEmpty else { return RegisterStatus.empty.rawValue }
        expanders.forEach(host.add)
        rerankers.forEach(host.add)
        return RegisterStatus.registered.rawValue
    }
}
