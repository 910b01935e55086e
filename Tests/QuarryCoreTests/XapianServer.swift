// A real `xapian-tcpsrv` (Debian's xapian-tools) serving one database on a free loopback port, for
// the tests of remote shards. It runs under coreutils' `timeout`, so it ends even if the test process
// dies; the test stops it (with the process it forks per connection) when it ends, pass or fail.
import Foundation
import XCTest
import QuarryCore

final class XapianServer {
    let port: Int
    let database: String
    private let process: Process
    /// The address `quarry --index` takes.
    var address: String { "tcp://127.0.0.1:\(port)" }

    /// Starts a server for `database` and waits until it accepts connections; stopped at the end of `test`.
    init(serving database: String, test: XCTestCase, options: [String] = []) throws {
        self.database = database
        var lastError = ""
        // A port found free may be taken before the server binds it: then try another.
        for _ in 0..<5 {
            let port = try Self.freePort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["timeout", "900", "xapian-tcpsrv", "--port", "\(port)", "--interface", "127.0.0.1", "--quiet"] + options + [database]
            let log = try FixtureFiles.write("", NSTemporaryDirectory() + "quarry-tcpsrv-\(UUID().uuidString).log")
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle(forWritingAtPath: log)
            try p.run()
            // Foundation starts each child in a process group of its own, which `timeout` keeps:
            // signalling the group reaches the server and every connection it forked, and nothing else.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, p.isRunning, !Self.accepts(port) { usleep(20_000) }
            if p.isRunning && Self.accepts(port) {
                self.port = port
                process = p
                try? FileManager.default.removeItem(atPath: log)
                test.addTeardownBlock { [self] in kill() }
                return
            }
            sendSignal(-p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: log)
            if lastError.contains("No such file") || p.terminationStatus == 127 {
                throw QuarryError("xapian-tcpsrv did not start (is xapian-tools installed? tools/install-deps.sh installs it): \(lastError)")
            }
        }
        throw QuarryError("xapian-tcpsrv did not start on a free port: \(lastError)")
    }

    /// Stops the server as an operator would (SIGTERM: xapian-tcpsrv then ends its connections too).
    func stop() {
        guard process.isRunning else { return }
        sendSignal(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        kill()
    }

    /// Kills the server and its connection processes outright.
    func kill() {
        sendSignal(-process.processIdentifier, SIGKILL)
        if process.isRunning { process.waitUntilExit() }
    }

    /// Bytes the server's processes have written so far (their answers to clients), from /proc.
    var bytesServed: Int {
        let group = process.processIdentifier
        var total = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            // Field 5 of /proc/PID/stat is the process group; the name before it may hold spaces, so count after ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == group,
                  let io = try? String(contentsOfFile: "/proc/\(entry)/io", encoding: .utf8) else { continue }
            for line in io.split(separator: "\n") where line.hasPrefix("wchar:") {
                total += Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return total
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw QuarryError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw QuarryError("bind() failed") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether a TCP connection to the port succeeds.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Glibc's kill(2) (the method named `kill` above hides it).
private func sendSignal(_ pid: pid_t, _ signal: Int32) { _ = Glibc.kill(pid, signal) }
