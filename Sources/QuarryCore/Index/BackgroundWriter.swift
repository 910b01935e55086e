// Xapian writes on their own thread, so that reading and analysing the next batch overlaps with
// writing this one (Xapian's writer is single-threaded, and is about half of indexing time). Jobs run
// in submission order; the first error stops the rest and is rethrown by `drain`.
import Dispatch
import Foundation

final class BackgroundWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "quarry.index.writer")
    private let lock = NSLock()
    private var failure: Error?
    /// Limits how many batches wait for the writer, so memory stays bounded.
    private let slots = DispatchSemaphore(value: 2)

    /// Queues `job`; blocks while two batches are already waiting. Throws an earlier job's error.
    func submit(_ job: @escaping () throws -> Void) throws {
        try check()
        slots.wait()
        let box = UncheckedSendable(value: job)
        queue.async { [self] in
            defer { slots.signal() }
            lock.lock()
            let failed = failure != nil
            lock.unlock()
            if failed { return }
            do { try box.value() } catch {
                lock.lock()
                failure = failure ?? error
                lock.unlock()
            }
        }
    }

    /// Waits for every queued job; throws the first error.
    func drain() throws {
        queue.sync {}
        try check()
    }

    private func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }
}
