// Loads `.so` plugins at start-up (`--plugin-path`). A library is opened with dlopen, asked for the API
// version it was compiled against, then handed a registrar; every failure is a one-line error naming the
// file — a library that is not a Quarry plugin, one of another API version, or one that carries its own
// copy of QuarryAPI — never a crash. Loaded libraries stay loaded for the life of the process.
import Foundation
import QuarryAPI
#if canImport(Glibc)
import Glibc
#endif

public enum SharedLibraryLoader {
    /// Loads every `*.so` in `location` (a directory, in name order) or the one file `location` names, and
    /// registers their plugins with origin `sharedLibrary`. Returns the names registered.
    @discardableResult
    public static func load(_ location: String, into registry: PluginRegistry) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory) else {
            throw QuarryError("--plugin-path \(location): no such file or directory")
        }
        guard isDirectory.boolValue else { return try loadLibrary(location, into: registry) }
        // The API's own library sits beside a plugin in its build directory: it is not a plugin.
        let files = try FileManager.default.contentsOfDirectory(atPath: location)
            .filter { $0.hasSuffix(".so") && $0 != "libQuarryAPI.so" }.sorted()
        return try files.flatMap { try loadLibrary(PathName.join(location, $0), into: registry) }
    }

    /// Loads one library file.
    public static func loadLibrary(_ path: String, into registry: PluginRegistry) throws -> [String] {
        // RTLD_LOCAL: two plugins may export the same entry-point names.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw QuarryError("\(path): cannot load shared library (\(lastError()))")
        }
        var keep = false
        defer { if !keep { dlclose(handle) } }
        guard let versionSymbol = dlsym(handle, SharedLibraryPlugin.versionSymbol) else {
            throw QuarryError("\(path): not a Quarry plugin (it has no \(SharedLibraryPlugin.versionSymbol) entry point)")
        }
        typealias VersionFunction = @convention(c) () -> Int32
        let (major, minor) = SharedLibraryPlugin.decode(unsafeBitCast(versionSymbol, to: VersionFunction.self)())
        guard major == QuarryAPIVersion.major, minor <= QuarryAPIVersion.minor else {
            throw QuarryError("\(path): built against QuarryAPI \(major).\(minor), but this quarry has \(QuarryAPIVersion.major).\(QuarryAPIVersion.minor) (rebuild the plugin against it)")
        }
        guard let registerSymbol = dlsym(handle, SharedLibraryPlugin.registerSymbol) else {
            throw QuarryError("\(path): not a Quarry plugin (it has no \(SharedLibraryPlugin.registerSymbol) entry point)")
        }
        typealias RegisterFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32
        let registrar = PluginRegistrar()
        let status = withExtendedLifetime(registrar) {
            unsafeBitCast(registerSymbol, to: RegisterFunction.self)(Unmanaged.passUnretained(registrar as AnyObject).toOpaque())
        }
        switch SharedLibraryPlugin.RegisterStatus(rawValue: status) {
        case .registered?: break
        case .foreignAPICopy?:
            throw QuarryError("\(path): the plugin carries its own copy of QuarryAPI; link the QuarryAPI package's dynamic library product, not a copy")
        case .empty?:
            throw QuarryError("\(path): the plugin registered no expander or reranker")
        case nil:
            throw QuarryError("\(path): the plugin's \(SharedLibraryPlugin.registerSymbol) failed (status \(status))")
        }
        for name in registrar.expanders.map(\.name) + registrar.rerankers.map(\.name) {
            if let holder = registry.holder(of: name) {
                throw QuarryError("\(path): the plugin's name '\(name)' is taken by \(holder)")
            }
        }
        registrar.expanders.forEach { registry.register($0, origin: .sharedLibrary) }
        registrar.rerankers.forEach { registry.register($0, origin: .sharedLibrary) }
        keep = true
        return registrar.expanders.map(\.name) + registrar.rerankers.map(\.name)
    }

    private static func lastError() -> String {
        guard let message = dlerror() else { return "unknown error" }
        // dlerror repeats the path; keep the reason after it.
        let text = String(cString: message)
        return text.components(separatedBy: ": ").dropFirst().joined(separator: ": ").nilIfEmpty ?? text
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
