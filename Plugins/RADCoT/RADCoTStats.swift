// Where a RADCoT run spends its time, per query: retrieval, encoding (with tokenizing), decoding.
// `quarry run` prints the summary after the run, as it does the LLM client's.
import Foundation
import QuarryNeural

public final class RADCoTStats: @unchecked Sendable {
    public static let shared = RADCoTStats()
    private let lock = NSLock()
    private var queries = 0
    private var retrieval = 0.0
    private var model = FusionInDecoder.Timings()

    func record(retrieval r: Double, _ t: FusionInDecoder.Timings) {
        lock.withLock {
            queries += 1
            retrieval += r
            model.add(t)
        }
    }

    /// One line, or nil when no query went through the student.
    public var summary: String? {
        lock.withLock {
            guard queries > 0 else { return nil }
            let n = Double(queries)
            return String(format: "radcot: %d queries; per query %.0f ms retrieval, %.0f ms encoding (%.0f source tokens), %.0f ms decoding (%.1f tokens)",
                          queries, 1000 * retrieval / n, 1000 * (model.tokenize + model.encode) / n, Double(model.sourceTokens) / n,
                          1000 * model.decode / n, Double(model.generatedTokens) / n)
        }
    }
}
