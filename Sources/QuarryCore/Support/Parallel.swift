// Data-parallel loops over threads the caller owns the data of (each iteration touches its own slot).
import Dispatch

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
