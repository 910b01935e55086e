// Splits row-wise elementwise work (norms, activations, softmax) over the runtime's threads: on big
// batches these loops would otherwise run on one core while the products use them all.
import Dispatch

enum Parallel {
    /// Calls `body` on disjoint chunks covering 0..<rows; chunks run concurrently when there is enough
    /// work (`rows * cost` elements) to pay for the threads.
    static func forRows(_ rows: Int, cost: Int, _ body: (Range<Int>) -> Void) {
        let threads = NeuralRuntime.threads
        let minElements = 1 << 15
        let chunks = Swift.min(threads, Swift.max(1, rows * Swift.max(cost, 1) / minElements), rows)
        if chunks <= 1 {
            if rows > 0 { body(0..<rows) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = rows * c / chunks, hi = rows * (c + 1) / chunks
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value the caller knows is safe to share across the chunks of one parallel loop
/// (pointers into disjoint rows).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
