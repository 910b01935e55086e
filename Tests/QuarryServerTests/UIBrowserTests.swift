// The browser UI end to end: the real `quarry serve` over the sample collection plus a document full
// of markup, with the sample topics and judgments, driven in headless Chromium by
// tools/ui/browser.py (Selenium; Debian's chromium and chromium-driver, installed by
// tools/install-deps.sh --ui). A missing browser or driver fails the test: it is never skipped.
import Foundation
import XCTest

final class UIBrowserTests: XCTestCase {
    /// A document that would run script if the page ever wrote document text as markup.
    static let scriptDocument = #"{"_id": "X-SCRIPT", "title": "<script>alert(1)</script> Glacier trap", "text": "<img src=x onerror=alert(2)> A glacier trap: this markup must show as text. <b>bold</b> & more"}"#

    func testTheUIInHeadlessChromium() throws {
        let directory = NSTemporaryDirectory() + "quarry-ui-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sample = ServerTestPaths.sample
        var collection = try String(contentsOf: sample.appendingPathComponent("documents.jsonl"), encoding: .utf8)
        if !collection.hasSuffix("\n") { collection += "\n" }
        try (collection + Self.scriptDocument + "\n").write(toFile: directory + "/documents.jsonl", atomically: true, encoding: .utf8)
        let built = try runQuarry(["index", "--collection", directory + "/documents.jsonl", "--format", "beir", "--index", directory + "/index"])
        XCTAssertEqual(built.status, 0, built.stderr)

        // Text for the precomputed expander to replay for topic 1: the page must show it, as text.
        try #"{"qid": "1", "expansion": "Stars die as <b>supernovae</b>, white dwarfs or neutron stars."}"#
            .appending("\n").write(toFile: directory + "/expansions.jsonl", atomically: true, encoding: .utf8)
        let server = try ServerProcess(["--index", directory + "/index", "--workers", "2",
                                        "--set", "precomputed.file=" + directory + "/expansions.jsonl",
                                        "--topics", sample.appendingPathComponent("topics.tsv").path,
                                        "--qrels", sample.appendingPathComponent("qrels.txt").path])
        defer { server.kill() }

        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        driver.arguments = ["python3", ServerTestPaths.root.appendingPathComponent("tools/ui/browser.py").path, "check", "--base", server.base]
        driver.currentDirectoryURL = ServerTestPaths.root
        let output = Pipe()
        driver.standardOutput = output
        driver.standardError = output
        try driver.run()
        // Chromium hanging must not hang the suite.
        let watchdog = DispatchWorkItem { if driver.isRunning { driver.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        driver.waitUntilExit()
        watchdog.cancel()
        print(text)
        XCTAssertEqual(driver.terminationStatus, 0, "tools/ui/browser.py check failed:\n\(text)\nserver stderr:\n\(server.stderr)")
        XCTAssertTrue(text.contains(" passed, 0 failed"), text)
    }
}
