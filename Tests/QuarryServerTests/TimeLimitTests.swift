// The per-request time limit: an answer in time passes through, a late one is a timeout even while
// the work blocks its thread, and a finished request keeps nothing alive until its deadline.
import Foundation
import XCTest
@testable import QuarryServer

final class TimeLimitTests: XCTestCase {
    struct Late: Error {}

    func testAnAnswerInTimeComesBack() async throws {
        let v = try await withTimeLimit(5, onTimeout: { Late() }) { 42 }
        XCTAssertEqual(v, 42)
    }

    func testBlockedWorkIsAnsweredAtTheLimit() async throws {
        let started = Date()
        do {
            _ = try await withTimeLimit(0.3, onTimeout: { Late() }) { () -> Int in
                usleep(4_000_000)
                return 1
            }
            XCTFail("no timeout")
        } catch is Late {}
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
    }

    /// Resident memory of this process, in MiB.
    static func residentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
    }

    /// With a long limit, a finished request keeps nothing until its deadline: 20,000 requests leave
    /// the memory where it was. (A timer left waiting held each finished task, and the server grew
    /// by about 5 KiB a request for --time-limit seconds under load.)
    func testFinishedRequestsHoldNoMemoryUntilTheirDeadline() async throws {
        for _ in 0..<2_000 { _ = try await withTimeLimit(300, onTimeout: { Late() }) { 1 } }
        let before = Self.residentMiB()
        for i in 0..<20_000 { _ = try await withTimeLimit(300, onTimeout: { Late() }) { i } }
        let grown = Self.residentMiB() - before
        XCTAssertLessThan(grown, 8, "20,000 finished requests grew the process by \(grown) MiB")
    }
}
