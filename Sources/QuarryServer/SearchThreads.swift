// Threads of the server's own for searching. A search blocks its thread in synchronous calls (Xapian,
// a model's forward pass); on Swift's shared pool — one thread per core — two slow searches would stall
// every other request, health checks and timeout answers included. Requests' work runs on these
// threads instead (a task executor preference), so the shared pool stays free to accept, answer and
// time out. Waiting on an LLM server suspends the task and frees the thread.
import Foundation

final class SearchThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(count: Int) {
        for i in 0..<max(1, count) {
            let thread = Thread { self.work() }
            thread.name = "quarry-search-\(i)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Lets the threads end once the jobs queued are done (a server's threads live as long as it).
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func work() {
        while true {
            let job: UnownedJob? = condition.withLock {
                while jobs.isEmpty && !stopped { condition.wait() }
                return jobs.isEmpty ? nil : jobs.removeFirst()
            }
            guard let job else { return }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
