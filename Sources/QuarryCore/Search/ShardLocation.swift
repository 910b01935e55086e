// Where the databases of an index are: what one `--index` value names (a plain index directory, a
// sharded one, a stub file, or `tcp://HOST:PORT` served by xapian-tcpsrv), and opening one of them
// with errors that name it.
import Foundation

public enum ShardLocation: Hashable, Sendable, CustomStringConvertible {
    /// A Xapian database directory on this machine.
    case local(String)
    /// A database served by `xapian-tcpsrv --port PORT` on HOST.
    case remote(host: String, port: Int)

    /// How the location is written on the command line (a path, or tcp://HOST:PORT).
    public var description: String {
        switch self {
        case .local(let path): return path
        case .remote(let host, let port): return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    public var isRemote: Bool {
        if case .remote = self { return true }
        return false
    }

    /// How long a remote database may take to connect or to answer one request, in milliseconds:
    /// $QUARRY_REMOTE_TIMEOUT_MS, else Xapian's default of 10 s.
    static let remoteTimeoutMs: UInt32 = {
        ProcessInfo.processInfo.environment["QUARRY_REMOTE_TIMEOUT_MS"].flatMap { UInt32($0) } ?? 10_000
    }()

    /// `HOST:PORT` (IPv6 hosts in brackets), or nil.
    static func remote(hostPort text: String) -> ShardLocation? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }),
              let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        return .remote(host: host, port: port)
    }

    /// The databases one `--index` value names, stub files expanded.
    public static func resolve(_ text: String) throws -> [ShardLocation] {
        if text.hasPrefix("tcp://") {
            guard let loc = remote(hostPort: String(text.dropFirst(6))) else {
                throw QuarryError("--index \(text): expected tcp://HOST:PORT with a port from 1 to 65535")
            }
            return [loc]
        }
        if let scheme = text.range(of: "://"), !text[..<scheme.lowerBound].contains("/") {
            throw QuarryError("--index \(text): unknown scheme (a remote index is tcp://HOST:PORT)")
        }
        guard !text.isEmpty else { throw QuarryError("--index: empty path") }
        return try expand(trimmed(text), depth: 0)
    }

    /// A path as given, less a trailing slash.
    static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// A local path: a stub (a file, or a directory holding XAPIANDB) becomes the databases it lists.
    private static func expand(_ path: String, depth: Int) throws -> [ShardLocation] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [.local(path)] }
        let stub = isDir.boolValue ? PathName.join(path, ShardLayout.stubName) : path
        guard !isDir.boolValue || FileManager.default.fileExists(atPath: stub) else { return [.local(path)] }
        guard depth < 8 else { throw QuarryError("\(stub): stub files nest more than 8 deep") }
        let entries = try StubFile.read(stub)
        guard !entries.isEmpty else { throw QuarryError("\(stub): the stub lists no databases") }
        return try entries.flatMap { entry -> [ShardLocation] in
            if case .local(let p) = entry { return try expand(p, depth: depth + 1) }
            return [entry]
        }
    }

    /// Opens this database alone. Errors name the location and say what to do.
    func open() throws -> XapianReader {
        switch self {
        case .local(let path):
            let fm = FileManager.default
            guard fm.fileExists(atPath: path) else {
                if fm.fileExists(atPath: Indexer.partialPath(path)) {
                    throw QuarryError("\(path): index is incomplete (an interrupted build is at \(Indexer.partialPath(path)); run quarry index --resume)")
                }
                throw QuarryError("\(path): no index there")
            }
            do { return try XapianReader(path: path) } catch let e as XapianError {
                throw QuarryError("\(path): cannot open index (\(e.message))")
            }
        case .remote(let host, let port):
            do { return try XapianReader(host: host, port: port, timeoutMs: Self.remoteTimeoutMs) } catch let e as XapianError {
                throw QuarryError("\(self): cannot reach the remote index (\(e.message); is xapian-tcpsrv running there?)")
            }
        }
    }

    /// Bytes on disk of a local database (nil for a remote one).
    var sizeBytes: Int64? {
        guard case .local(let path) = self else { return nil }
        var size: Int64 = 0
        if let files = FileManager.default.enumerator(atPath: path) {
            while let f = files.nextObject() as? String {
                size += (try? FileManager.default.attributesOfItem(atPath: PathName.join(path, f))[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
        return size
    }
}
