// The process-plugin protocol as the engine reads it: each line a plugin process could write (a
// hello, an expansion, scores), one per input line.
import Foundation
import QuarryCore

enum ProcessPluginFuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget("process-protocol", "lines a plugin process writes, read as the engine reads them", seeds: "process-protocol") { data, _ in
            var refused: Error?
            for line in text(data).split(separator: "\n", omittingEmptySubsequences: false) {
                do { try ProcessProtocol.read(String(line), candidates: 3) } catch { refused = refused ?? error }
            }
            if let refused { throw refused }
        },
    ]
}
