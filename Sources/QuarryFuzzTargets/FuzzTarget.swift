// A fuzz target: one of Quarry's parsers or request paths, fed arbitrary bytes. Errors are the right
// answer to bad bytes; a crash, a hang or an out-of-memory is a defect. The same targets run under
// libFuzzer (the quarry-fuzz executable, tools/fuzz/run.sh) and in CI, where FuzzRegressionTests
// replays every input that once crashed one of them (Tests/Fixtures/fuzz/<target>/).
import Foundation

public struct FuzzTarget: Sendable {
    /// The name on the command line and the folder of its regression inputs.
    public let name: String
    /// What it feeds the bytes to.
    public let summary: String
    /// What its seed corpus is cut from (tools/fuzz/seeds.py makes it; `quarry-fuzz list` shows it).
    public let seeds: String
    let body: @Sendable (Data, FuzzContext) throws -> Void

    init(_ name: String, _ summary: String, seeds: String, _ body: @escaping @Sendable (Data, FuzzContext) throws -> Void) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.body = body
    }

    /// Runs the target on `data`; a thrown error is a refusal, and only says whether it refused.
    @discardableResult
    public func run(_ data: Data, context: FuzzContext) -> Error? {
        do {
            try body(data, context)
            return nil
        } catch {
            return error
        }
    }
}

public enum FuzzTargets {
    public static let all: [FuzzTarget] = CollectionFuzzTargets.all + TopicFuzzTargets.all + NeuralFuzzTargets.all
        + QueryFuzzTargets.all + ServerFuzzTargets.all + ProcessPluginFuzzTargets.all

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// What targets share within one process: a scratch directory for inputs that parsers read from
/// files, the repository's fixtures (models and tokenizers), and things made once (a small index, a
/// search service).
public final class FuzzContext: @unchecked Sendable {
    /// Tests/Fixtures of the checkout.
    public let fixtures: String
    let scratch: String
    private let lock = NSRecursiveLock()  // one shared value may be made of another
    private var made: [String: Any] = [:]

    public init(fixtures: String) throws {
        self.fixtures = fixtures
        scratch = NSTemporaryDirectory() + "quarry-fuzz-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// Writes `data` to the scratch file `name` (replacing the last input) and returns its path.
    func file(_ name: String, _ data: Data) throws -> String {
        let path = scratch + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A value made on first use and kept for the process (its making is not fuzzed).
    func shared<T>(_ key: String, _ make: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        if let v = made[key] as? T { return v }
        let v = try make()
        made[key] = v
        return v
    }
}

/// Arbitrary bytes as text the way a reader of a user's file would see them (invalid UTF-8 repaired).
func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

/// Runs async work from a synchronous fuzz callback.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, Error>?
    Task {
        do { result = .success(try await work()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result!.get()
}
