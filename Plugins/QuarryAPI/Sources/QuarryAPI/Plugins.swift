// The two extension points and how a plugin describes itself to the registry.

/// A query as the user gave it.
public struct Query: Sendable, Hashable {
    public var id: String
    public var text: String
    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}

/// Rewrites a query before the first-stage search. `async` so an expander may call a network LLM
/// or run a model; the engine runs many queries concurrently.
public protocol QueryExpander: Sendable {
    func expand(_ query: Query, searcher: any Searcher) async throws -> WeightedQuery
    /// How many queries this expander can usefully work on at once when it mostly waits (an LLM
    /// over HTTP). nil (the default): it computes, so the engine runs as many queries as `--threads`.
    var preferredConcurrency: Int? { get }
}

extension QueryExpander {
    public var preferredConcurrency: Int? { nil }
}

/// A first-stage candidate handed to a reranker.
public struct Candidate: Sendable, Hashable {
    public var docid: String
    public var title: String
    public var text: String
    public var score: Double
    public init(docid: String, title: String, text: String, score: Double) {
        self.docid = docid
        self.title = title
        self.text = text
        self.score = score
    }
}

/// Gives new scores to first-stage candidates. Returns one score per candidate, in input order;
/// the engine sorts (score, then docid) and keeps the hits the reranker did not see below them.
public protocol Reranker: Sendable {
    /// How many of the top candidates this reranker wants to see (nil: all).
    var depth: Int? { get }
    /// How many hits to keep after reranking (nil: all; RADIO's k2). API 1.2.
    var keep: Int? { get }
    func rerank(_ query: Query, candidates: [Candidate]) async throws -> [Double]
}

extension Reranker {
    public var depth: Int? { nil }
    public var keep: Int? { nil }
}

/// A query expander as the registry knows it: a name, a summary, its options and a factory.
public struct ExpanderPlugin: Sendable {
    public let name: String
    public let summary: String
    public let options: [OptionSpec]
    public let make: @Sendable (Options) throws -> any QueryExpander

    public init(name: String, summary: String, options: [OptionSpec],
                make: @escaping @Sendable (Options) throws -> any QueryExpander) {
        self.name = name
        self.summary = summary
        self.options = options
        self.make = make
    }
}

/// A reranker as the registry knows it.
public struct RerankerPlugin: Sendable {
    public let name: String
    public let summary: String
    public let options: [OptionSpec]
    public let make: @Sendable (Options) throws -> any Reranker

    public init(name: String, summary: String, options: [OptionSpec],
                make: @escaping @Sendable (Options) throws -> any Reranker) {
        self.name = name
        self.summary = summary
        self.options = options
        self.make = make
    }
}

/// The version of this API; a plugin built against another major version, or a newer minor one, is
/// refused at load time. Emitted into each client's binary, so a `.so` plugin reports the version it was
/// compiled against, not the one of the library it finds at run time. 1.3: shared-library plugins and
/// operator-only options.
public enum QuarryAPIVersion {
    @_alwaysEmitIntoClient public static var major: Int { 1 }
    @_alwaysEmitIntoClient public static var minor: Int { 3 }
}
