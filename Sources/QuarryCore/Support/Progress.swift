// Progress lines on stderr for long jobs; silent when stderr is not a terminal.
import Foundation

/// Updated from several worker tasks at once in batch runs (a lock guards it).
final class Progress: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let lock = NSLock()

    init(_ label: String, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.enabled = enabled
    }

    /// Reports `count` items done; `fraction` (0…1) of the whole when known, for an ETA.
    func update(_ count: Int, unit: String, fraction: Double? = nil, force: Bool = false) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard force || now.timeIntervalSince(lastPrint) >= 0.5 else { return }
        lastPrint = now
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        var line = "\r\(label): \(count) \(unit), \(Int(Double(count) / elapsed)) \(unit)/s"
        if let fraction, fraction > 0.001, fraction <= 1 {
            let eta = elapsed / fraction - elapsed
            line += String(format: ", %.0f%%, ETA %@", fraction * 100, Progress.duration(eta))
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// Writes one line to stderr.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
