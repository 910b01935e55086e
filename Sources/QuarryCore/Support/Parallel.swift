// Data-parallel loops over threads the caller owns the data of (each iteration touches its own slot).
import Foundation

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// Runs body(0..<n) on up to n threads and waits for all of them.
func concurrentForEach(_ n: Int, _ body: (Int) -> Void) {
    if n == 1 { body(0); return }
    withoutActuallyEscaping(body) { b in
        let box = UncheckedSendable(value: b)
        DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
    }
}

/// Runs `body(i, worker)` for every i in 0..<count on `width` concurrent tasks (worker w takes
/// i = w, w + width, …, so per-worker state such as a searcher is never shared) and returns the
/// results in index order, whatever the width. Progress on stderr under `label` when it is a terminal.
public func mapInOrder<T: Sendable>(_ count: Int, width: Int, label: String, unit: String = "queries", progress: Bool = isatty(2) != 0,
                                    _ body: @escaping @Sendable (_ index: Int, _ worker: Int) async throws -> T) async throws -> [T] {
    let workers = max(1, min(width, count))
    let meter = Progress(label, enabled: progress)
    let done = Counter()
    var out = [T?](repeating: nil, count: count)
    try await withThrowingTaskGroup(of: [(Int, T)].self) { group in
        for w in 0..<workers {
            group.addTask {
                var mine: [(Int, T)] = []
                for i in stride(from: w, to: count, by: workers) {
                    mine.append((i, try await body(i, w)))
                    let n = done.increment()
                    meter.update(n, unit: unit, fraction: Double(n) / Double(count))
                }
                return mine
            }
        }
        for try await batch in group { for (i, r) in batch { out[i] = r } }
    }
    meter.finish()
    return out.map { $0! }
}
