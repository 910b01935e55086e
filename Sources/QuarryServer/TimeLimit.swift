// The per-request time limit. The work runs as a task and a Dispatch timer watches the deadline;
// whichever ends first answers and cancels the other. The work may be busy in a synchronous call (a
// Xapian search, a model's forward pass) that cannot notice cancellation: the client is answered at
// the limit all the same, and the work finishes on its own, its answer dropped. A finished request
// cancels its timer at once: a cancelled `Task.sleep` or `asyncAfter` would keep its memory until the
// deadline, which at hundreds of requests a second and a 30 s limit grows the server steadily.
import Foundation

/// Runs `body` (on `executor` when given), or throws `onTimeout()` when it takes longer than `seconds`.
func withTimeLimit<T: Sendable>(_ seconds: Double, on executor: (any TaskExecutor)? = nil, onTimeout: @escaping @Sendable () -> Error,
                                _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let outcome = FirstOutcome(continuation)
        let timer = Deadline(DispatchSource.makeTimerSource(queue: .global()))
        timer.source.schedule(deadline: .now() + seconds)
        timer.source.setEventHandler { outcome.finish(.failure(onTimeout())) }
        outcome.onFinish { timer.source.cancel() }
        timer.source.resume()
        let work = Task(executorPreference: executor) {
            do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        }
        outcome.onFinish { work.cancel() }
    }
}

/// A Dispatch timer handed between threads (its methods are thread-safe).
private struct Deadline: @unchecked Sendable {
    let source: DispatchSourceTimer
    init(_ source: DispatchSourceTimer) { self.source = source }
}

/// Resumes a continuation once, with whichever outcome comes first, then stops the others.
private final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var stops: [@Sendable () -> Void] = []

    init(_ continuation: CheckedContinuation<T, Error>) { self.continuation = continuation }

    /// Adds something to stop when the race is over (at once if it is over already).
    func onFinish(_ stop: @escaping @Sendable () -> Void) {
        let over = lock.withLock { () -> Bool in
            if continuation == nil { return true }
            stops.append(stop)
            return false
        }
        if over { stop() }
    }

    func finish(_ result: Result<T, Error>) {
        let (c, stops) = lock.withLock { () -> (CheckedContinuation<T, Error>?, [@Sendable () -> Void]) in
            defer { continuation = nil; self.stops = [] }
            return (continuation, self.stops)
        }
        guard let c else { return }
        c.resume(with: result)
        for stop in stops { stop() }
    }
}
