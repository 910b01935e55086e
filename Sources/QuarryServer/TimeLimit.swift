// The per-request time limit. The work runs in its own task; a timer outside Swift's thread pool
// answers "too late" when the limit passes, even if the work is busy in a synchronous call (a Xapian
// search, a model's forward pass) that cannot notice cancellation. The work is then cancelled and
// finishes on its own, its answer dropped.
import Foundation

/// Runs `body`, or throws `onTimeout()` when it takes longer than `seconds`.
func withTimeLimit<T: Sendable>(_ seconds: Double, onTimeout: @escaping @Sendable () -> Error,
                                _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let outcome = FirstOutcome(continuation)
        let work = Task {
            do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if outcome.finish(.failure(onTimeout())) { work.cancel() }
        }
    }
}

/// Resumes a continuation once, with whichever outcome comes first.
private final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?

    init(_ continuation: CheckedContinuation<T, Error>) { self.continuation = continuation }

    /// True when this outcome was the first.
    @discardableResult
    func finish(_ result: Result<T, Error>) -> Bool {
        let c = lock.withLock { () -> CheckedContinuation<T, Error>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume(with: result)
        return c != nil
    }
}
