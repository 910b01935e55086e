// One configured process plugin for a run: requests go one at a time (protocol 1 has a single request
// outstanding per process), each with a deadline. A process that misses it, exits, or writes anything
// but the answer is killed and replaced by a fresh one, at most `restarts` times over the run.
import Foundation
import QuarryAPI

/// A request a process plugin did not answer usefully (the query falls back, or the run stops).
public struct ProcessPluginError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

final class ProcessPluginClient: @unchecked Sendable {
    let command: String
    let argv: [String]
    let announcement: ProcessProtocol.Announcement
    /// The options sent in `configure` (the process's own, without the engine's).
    let options: Options
    let settings: ProcessSettings

    private let queue: DispatchQueue
    private let lock = NSLock()
    private var child: ChildProcess?
    private var busy = false
    private var closed = false
    private var restartsUsed = 0
    private var lastFault = ""
    private var nextID = 0
    private var stats = Stats()

    struct Stats {
        var requests = 0, failed = 0, timeouts = 0, seconds = 0.0
    }

    /// Configures `greeted` (a started process that has said hello), or starts one.
    init(command: String, argv: [String], announcement: ProcessProtocol.Announcement, options: Options,
         settings: ProcessSettings, greeted: ChildProcess?) throws {
        self.command = command
        self.argv = argv
        self.announcement = announcement
        self.options = options
        self.settings = settings
        queue = DispatchQueue(label: "quarry.process.\(announcement.name)")
        do {
            let c = try greeted ?? Self.greet(argv: argv, command: command, label: announcement.name, timeout: settings.startTimeout).child
            try Self.configure(c, options: options, timeout: settings.startTimeout)
            child = c
        } catch let f as ChildFault {
            throw QuarryError("process plugin '\(command)': \(f.message) during its handshake")
        } catch let e as QuarryError {
            throw QuarryError("process plugin '\(command)': \(e.message)")
        }
    }

    // MARK: Handshake

    /// Starts `argv` and exchanges hellos; the process then waits for `configure`.
    static func greet(argv: [String], command: String, label: String, timeout: Double) throws -> (child: ChildProcess, announcement: ProcessProtocol.Announcement) {
        let child = try ChildProcess(argv: argv, label: label)
        return try handshakeStep(child, timeout: timeout, late: "did not answer the hello") { deadline in
            try child.writeLine(ProcessProtocol.line(ProcessProtocol.hello), deadline: deadline)
            let a = try ProcessProtocol.announcement(try ProcessProtocol.message(try child.readLine(deadline: deadline)))
            child.relabel(a.name)
            return (child, a)
        }
    }

    /// Sends the options; the process answers `ready` (or an error saying what it cannot work with).
    static func configure(_ child: ChildProcess, options: Options, timeout: Double) throws {
        try handshakeStep(child, timeout: timeout, late: "was not ready") { deadline in
            try child.writeLine(ProcessProtocol.line(ProcessProtocol.configure(options)), deadline: deadline)
            let m = try ProcessProtocol.message(try child.readLine(deadline: deadline))
            switch m["type"] as? String {
            case "ready": return
            case "error": throw QuarryError("refused its options: \(m["message"] as? String ?? "(no message)")")
            default: throw QuarryError("answered configure with a '\(m["type"] as? String ?? "?")' message, not ready")
            }
        }
    }

    /// One step of the handshake within `timeout`: a process that fails it is stopped (at once when it is
    /// late, which the error then says as `late` "within N s").
    private static func handshakeStep<T>(_ child: ChildProcess, timeout: Double, late: String,
                                         _ step: (DispatchTime) throws -> T) throws -> T {
        do {
            return try step(DispatchTime.now() + timeout)
        } catch let f as ChildFault where f.kind == .timeout {
            child.stop(grace: 0)
            throw ChildFault(kind: .timeout, message: "\(late) within \(seconds(timeout)) s")
        } catch {
            child.stop(grace: 0.2)
            throw error
        }
    }

    // MARK: Requests

    /// Sends the message `request(id)` and hands the answer of type `answer` to `parse` (a
    /// ChildFault from `parse` counts as a malformed answer).
    func call<T: Sendable>(_ request: @escaping @Sendable (Int) -> [String: Any], answer: String,
                           parse: @escaping @Sendable ([String: Any]) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.perform(request, answer: answer, parse: parse) })
            }
        }
    }

    private func perform<T>(_ request: (Int) -> [String: Any], answer: String, parse: ([String: Any]) throws -> T) throws -> T {
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            lock.lock()
            stats.requests += 1
            stats.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            busy = false
            lock.unlock()
        }
        let c: ChildProcess
        do { c = try running() } catch {
            count(failed: true)
            throw error
        }
        nextID += 1
        let id = nextID
        do {
            let deadline = DispatchTime.now() + settings.timeout
            try c.writeLine(ProcessProtocol.line(request(id)), deadline: deadline)
            let m = try ProcessProtocol.message(try c.readLine(deadline: deadline))
            let type = m["type"] as? String ?? ""
            let answeredID = m["id"].flatMap { ProcessProtocol.isBool($0) ? nil : ($0 as? NSNumber)?.intValue }
            guard answeredID == id else {
                throw ChildFault(kind: .malformed, message: "answered request \(id) with id \(m["id"].map { "\($0)" } ?? "none")")
            }
            if type == "error" {
                // The plugin declined this request; the process itself is fine.
                count(failed: true)
                throw ProcessPluginError(message: "the process answered request \(id) with an error: \(m["message"] as? String ?? "(no message)")")
            }
            guard type == answer else {
                throw ChildFault(kind: .malformed, message: "answered request \(id) with a '\(type)' message, not '\(answer)'")
            }
            return try parse(m)
        } catch let f as ChildFault {
            // The request fails; the process is killed, and the next request starts a fresh one.
            lose(c, f)
            count(failed: true, timeout: f.kind == .timeout)
            let what = f.kind == .timeout ? "did not answer request \(id) within \(Self.seconds(settings.timeout)) s" : f.message
            throw ProcessPluginError(message: "the process \(what); \(canRestart ? "a fresh one takes the next request" : "no restarts left")")
        }
    }

    private var canRestart: Bool {
        lock.lock(); defer { lock.unlock() }
        return !closed && restartsUsed < settings.restarts
    }

    private func count(failed: Bool, timeout: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        if failed { stats.failed += 1 }
        if timeout { stats.timeouts += 1 }
    }

    /// Kills a process that broke the protocol or missed a deadline; the next request starts another.
    private func lose(_ c: ChildProcess, _ fault: ChildFault) {
        c.stop(grace: 0)
        lock.lock(); defer { lock.unlock() }
        if child === c { child = nil }
        lastFault = fault.message
    }

    /// The running process, started afresh (handshake and configure) when the last one was lost.
    private func running() throws -> ChildProcess {
        lock.lock()
        if closed { lock.unlock(); throw ProcessPluginError(message: "the process was shut down") }
        busy = true
        if let c = child { lock.unlock(); return c }
        guard restartsUsed < settings.restarts else {
            let last = lastFault
            lock.unlock()
            throw ProcessPluginError(message: "the process was lost \(settings.restarts + 1) times (last: \(last)); no restarts left")
        }
        restartsUsed += 1
        lock.unlock()
        do {
            let (c, a) = try Self.greet(argv: argv, command: command, label: announcement.name, timeout: settings.startTimeout)
            guard a.role == announcement.role, a.name == announcement.name else {
                c.stop(grace: 0)
                throw QuarryError("restarted as '\(a.name)' (\(a.role.rawValue)), not '\(announcement.name)' (\(announcement.role.rawValue))")
            }
            try Self.configure(c, options: options, timeout: settings.startTimeout)
            lock.lock(); defer { lock.unlock() }
            if closed { c.stop(grace: 0); throw ProcessPluginError(message: "the process was shut down") }
            child = c
            return c
        } catch let e as ProcessPluginError {
            throw e
        } catch {
            lock.lock(); lastFault = "\(error)"; lock.unlock()
            throw ProcessPluginError(message: "the process could not be restarted: \(error)")
        }
    }

    // MARK: End

    /// Says bye and waits for the process to exit (killing it after two seconds); a process still
    /// working on a request is killed at once.
    func shutdown() {
        lock.lock()
        let c = child, wasBusy = busy
        child = nil
        closed = true
        lock.unlock()
        guard let c else { return }
        if !wasBusy { try? c.writeLine(ProcessProtocol.line(ProcessProtocol.bye), deadline: .now() + 1) }
        c.stop(grace: wasBusy ? 0 : 2)
    }

    /// One line for the end of a run: requests, failures, restarts, time per request.
    var summary: String? {
        lock.lock(); defer { lock.unlock() }
        guard stats.requests > 0 else { return nil }
        var s = String(format: "process plugin %@ (%@): %d requests, %.1f ms each", announcement.name, command, stats.requests, stats.seconds * 1000 / Double(stats.requests))
        if stats.failed > 0 { s += ", \(stats.failed) failed" + (stats.timeouts > 0 ? " (\(stats.timeouts) timed out)" : "") }
        if restartsUsed > 0 { s += ", \(restartsUsed) restart\(restartsUsed == 1 ? "" : "s")" }
        return s
    }

    static func seconds(_ s: Double) -> String { String(format: "%g", s) }
}
