// Searchers for concurrent requests. A Xapian handle is not thread-safe, so each request borrows its
// own IndexSearcher (as BatchRunner gives each worker one) and returns it; when all are out, requests
// wait in arrival order. The pool's size bounds how many searches run at once.
import Foundation
import QuarryCore

final class SearcherPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [IndexSearcher]
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<IndexSearcher, Error>)] = []
    private var nextID: UInt64 = 0
    let size: Int

    init(index: Index, size: Int) throws {
        self.size = max(1, size)
        idle = try (0..<self.size).map { _ in try index.searcher() }
    }

    /// Runs `body` with a searcher of its own.
    func withSearcher<T: Sendable>(_ body: (IndexSearcher) async throws -> T) async throws -> T {
        let searcher = try await acquire()
        defer { release(searcher) }
        return try await body(searcher)
    }

    /// Searchers in use now.
    var busy: Int { lock.withLock { size - idle.count } }

    private func acquire() async throws -> IndexSearcher {
        let id = lock.withLock { () -> UInt64 in nextID += 1; return nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<IndexSearcher, Error>) in
                lock.lock()
                if Task.isCancelled {
                    lock.unlock()
                    c.resume(throwing: CancellationError())
                } else if let s = idle.popLast() {
                    lock.unlock()
                    c.resume(returning: s)
                } else {
                    waiting.append((id, c))
                    lock.unlock()
                }
            }
        } onCancel: {
            // A request given up (over its time limit) stops waiting instead of searching for nobody.
            let w = lock.withLock { waiting.firstIndex { $0.id == id }.map { waiting.remove(at: $0) } }
            w?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ searcher: IndexSearcher) {
        let next = lock.withLock { () -> CheckedContinuation<IndexSearcher, Error>? in
            if waiting.isEmpty { idle.append(searcher); return nil }
            return waiting.removeFirst().continuation
        }
        next?.resume(returning: searcher)
    }
}
