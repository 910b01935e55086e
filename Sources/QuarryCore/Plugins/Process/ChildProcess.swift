// One running plugin process: its stdin and stdout as line channels with deadlines, its stderr copied to
// ours with a prefix, and its end. The child leads its own process group, so that a timeout kills
// whatever it started too, and every child is reaped: nothing it started outlives it.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a plugin process stopped being usable (the engine kills it and may start a fresh one).
struct ChildFault: Error, CustomStringConvertible {
    enum Kind { case timeout, exited, malformed, start }
    let kind: Kind
    let message: String
    var description: String { message }
}

final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let input: Int32   // the child's stdin (ours to write), non-blocking
    private let output: Int32  // the child's stdout (ours to read)
    private var buffer: [UInt8] = []
    private let lock = NSLock()
    private var status: Int32? = nil
    private var inputShut = false
    private let stderrLabel: StderrLabel
    /// Signalled when the child's stderr has been copied to its end.
    private let stderrDone = DispatchSemaphore(value: 0)

    /// Longest line accepted from a plugin: a line that never ends is a fault, not unbounded memory.
    static let maxLine = 64 << 20

    /// Starts `argv` (found on PATH) with pipes for stdin, stdout and stderr; stderr lines are copied to
    /// ours as `[label] line`.
    init(argv: [String], label: String) throws {
        precondition(!argv.isEmpty)
        Self.ignoreSIGPIPE
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        // Close-on-exec, so that a second plugin process never inherits this one's pipe ends (which
        // would keep its stdin open after we close it).
        func cloexecPipe(_ fds: inout [Int32]) -> Bool {
            guard pipe(&fds) == 0 else { return false }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return true
        }
        guard cloexecPipe(&inPipe), cloexecPipe(&outPipe), cloexecPipe(&errPipe) else {
            for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
            throw ChildFault(kind: .start, message: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed as one); SIGPIPE back to the default we ignore here; no signal
        // blocked (the calling thread may be a dispatch worker, which blocks them all, and the child
        // would inherit that mask and ignore SIGTERM and Ctrl-C).
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t(), unblocked = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, argv[0], &actions, &attributes, cArgs, environ)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw ChildFault(kind: .start, message: "cannot start '\(argv[0])': \(String(cString: strerror(rc)))")
        }
        pid = child
        input = inPipe[1]
        output = outPipe[0]
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        stderrLabel = StderrLabel(label)
        let errFD = errPipe[0], labelBox = stderrLabel, done = stderrDone
        let thread = Thread {
            Self.copyStderr(errFD, label: labelBox)
            done.signal()
        }
        thread.name = "quarry-plugin-stderr"
        thread.start()
    }

    deinit {
        stop(grace: 0)
        close(input)
        close(output)
    }

    /// The prefix of copied stderr lines (the plugin's name once it has announced it).
    func relabel(_ label: String) { stderrLabel.set(label) }

    // MARK: Lines

    /// Writes `line` and a newline, waiting at most until `deadline` for the child to read it.
    func writeLine(_ line: String, deadline: DispatchTime) throws {
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: input, events: Int16(POLLOUT), until: deadline, doing: "read its input")
                continue
            }
            throw ChildFault(kind: .exited, message: "closed its input (\(exitDescription(waiting: 0.2)))")
        }
    }

    /// The next line the child writes (without the newline), waiting at most until `deadline`.
    func readLine(deadline: DispatchTime) throws -> String {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            guard buffer.count <= Self.maxLine else {
                throw ChildFault(kind: .malformed, message: "wrote a line longer than \(Self.maxLine >> 20) MiB")
            }
            try wait(for: output, events: Int16(POLLIN), until: deadline, doing: "answer")
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n > 0 { buffer += chunk[..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            throw ChildFault(kind: .exited, message: "closed its output (\(exitDescription(waiting: 0.2)))")
        }
    }

    private func wait(for fd: Int32, events: Int16, until deadline: DispatchTime, doing what: String) throws {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline.uptimeNanoseconds else {
                throw ChildFault(kind: .timeout, message: "did not \(what) in time")
            }
            let ms = Int32(min(Int(Int32.max), Int((deadline.uptimeNanoseconds - now + 999_999) / 1_000_000)))
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, ms)
            if r > 0 { return }  // readable, writable, or hung up: the read or write says which
            if r < 0 && errno != EINTR {
                throw ChildFault(kind: .exited, message: "cannot wait for the process: \(String(cString: strerror(errno)))")
            }
        }
    }

    // MARK: Ending

    /// Closes the child's stdin, gives it `grace` seconds to exit, then kills its process group
    /// (anything it left running goes too) and reaps it. Safe to call more than once, from any thread.
    func stop(grace: Double) {
        lock.lock(); defer { lock.unlock() }
        guard status == nil else { return }
        shutdownInput()
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, grace) * 1e9)
        // Wait for the leader to exit, leaving it a zombie (WNOWAIT): its group id cannot be reused
        // until it is reaped, so the kill below reaches only what it started.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == 0,
              DispatchTime.now().uptimeNanoseconds < deadline {
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = raw
        // Its last stderr lines (often why it failed) are printed before anything that follows.
        _ = stderrDone.wait(timeout: .now() + 0.5)
    }

    /// Ends the child's stdin (EOF) without giving up the descriptor number.
    private func shutdownInput() {
        guard !inputShut else { return }
        inputShut = true
        let devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if devnull >= 0 { dup2(devnull, input); close(devnull) }
    }

    /// How the child ended: waits up to `waiting` seconds for it to exit by itself, then kills it.
    func exitDescription(waiting: Double) -> String {
        stop(grace: waiting)
        lock.lock(); defer { lock.unlock() }
        guard let raw = status else { return "still running" }
        let signal = raw & 0x7f
        if signal == 0 { return "exited with status \((raw >> 8) & 0xff)" }
        return signal == SIGKILL ? "killed" : "killed by signal \(signal)"
    }

    // MARK: Stderr

    private final class StderrLabel: @unchecked Sendable {
        private let lock = NSLock()
        private var value: String
        init(_ value: String) { self.value = value }
        func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
        func get() -> String { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// Copies the child's stderr to ours, a line at a time, each prefixed with its label.
    private static func copyStderr(_ fd: Int32, label: StderrLabel) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        func emit(_ line: ArraySlice<UInt8>) {
            printError("[\(label.get())] " + String(decoding: line, as: UTF8.self))
        }
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending += chunk[..<n]
            while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                emit(pending[..<nl])
                pending.removeSubrange(...nl)
            }
        }
        if !pending.isEmpty { emit(pending[...]) }
        close(fd)
    }

    /// A write to a plugin that has exited must be an error value, not a signal that ends quarry.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()
}
