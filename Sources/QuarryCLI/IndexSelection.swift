// `--index`, as every searching command takes it: repeatable, each a local index directory (plain or
// sharded), a stub file, or tcp://HOST:PORT served by xapian-tcpsrv; all are searched as one index.
// `--allow-partial` lets a search go on without a shard that is down, saying so.
import ArgumentParser
import Foundation
import QuarryCore

public struct IndexSelection: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .customLong("index"),
            help: ArgumentHelp("Index: a directory (plain or sharded) or tcp://HOST:PORT (xapian-tcpsrv). Repeat it to search several as one.",
                               valueName: "dir|tcp://host:port"))
    public var locations: [String] = []

    @Flag(help: "Go on without a shard that is down (at the start or mid-run); the output is marked partial.")
    public var allowPartial = false

    public var given: Bool { !locations.isEmpty }

    /// The index the locations name; --index is required.
    public func open() throws -> Index {
        guard given else { throw QuarryError("give --index (an index directory or tcp://HOST:PORT; repeat it to search several as one)") }
        return try Index(locations: locations, allowPartial: allowPartial)
    }

    /// The index, or nil when no --index was given.
    func openIfGiven() throws -> Index? { given ? try open() : nil }
}

extension Index {
    /// Says on stderr that results left out shards, if they did (each loss was warned of as it happened).
    func warnIfPartial() {
        guard isPartial else { return }
        let (noun, verb) = missingShards.count == 1 ? ("shard", "was") : ("shards", "were")
        printError("warning: partial results: \(noun) \(missingShards.joined(separator: ", ")) \(verb) left out (--allow-partial)")
    }
}
