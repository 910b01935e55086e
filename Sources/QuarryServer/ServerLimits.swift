// The limits one request must keep to (each a `quarry serve` flag). They bound what a single client
// can make the server do; going over one is a 400 (413 for the body) naming the limit.
public struct ServerLimits: Sendable {
    /// Most hits a request may ask for (`k`).
    public var maxK = 1000
    /// Longest query text, in characters.
    public var maxQueryLength = 1000
    /// Largest request body, in bytes.
    public var maxBodyBytes = 1 << 20
    /// Most queries in one POST /batch.
    public var maxBatch = 100
    /// Seconds a request may take (a batch counts as one request); then 504.
    public var timeLimit = 30.0

    public init() {}
}
