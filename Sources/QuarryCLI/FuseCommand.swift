import ArgumentParser
import Foundation
import QuarryCore

struct FuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Combine runs over the same queries into one (reciprocal rank fusion, CombSUM, CombMNZ).",
        discussion: """
        rrf scores a document Σ wᵢ / (k + rankᵢ), ranks from 1 in trec_eval's order (score descending, \
        then docid descending); combsum adds each run's min-max normalised scores times its weight; \
        combmnz multiplies that sum by the number of runs that retrieved the document. A query missing \
        from a run takes nothing from it. Writes a TREC run.

        Example: quarry fuse --run /tmp/bm25.run --run /tmp/rm3.run --method rrf --output /tmp/fused.run
        """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("An input run (repeatable, at least two).", valueName: "file")) var runs: [String] = []
    @Option(help: ArgumentHelp("rrf, combsum or combmnz.", valueName: "method")) var method: String = "rrf"
    @Option(help: ArgumentHelp("Comma-separated weights, one per run (default: all 1).", valueName: "w1,w2,…")) var weights: String?
    @Option(help: "RRF's k.") var rrfK: Double = 60
    @Option(help: "Documents kept per query.") var k: Int = 1000
    @Option(help: "Run tag (last column).") var tag: String = "quarry-fuse"
    @Option(help: ArgumentHelp("Where to write the fused run.", valueName: "file")) var output: String

    func run() throws {
        guard runs.count >= 2 else { throw QuarryError("quarry fuse needs at least two --run files, got \(runs.count)") }
        guard let m = FusionMethod(rawValue: method) else {
            throw QuarryError("--method must be one of \(FusionMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(method)'")
        }
        var w = [Double](repeating: 1, count: runs.count)
        if let weights {
            let parts = weights.split(separator: ",", omittingEmptySubsequences: false)
            let parsed = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.count == parts.count, parsed.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw QuarryError("--weights: '\(weights)' is not a list of non-negative numbers")
            }
            guard parsed.count == runs.count else { throw QuarryError("--weights has \(parsed.count) values for \(runs.count) runs") }
            w = parsed
        }
        guard k >= 1, rrfK >= 0 else { throw QuarryError("--k must be at least 1 and --rrf-k at least 0") }
        let inputs = try runs.map { try Run.read($0) }
        let fused = Fusion(method: m, weights: w, rrfK: rrfK, depth: k).fuse(inputs)
        try RunWriter.writeAtomically(Fusion.trecText(fused, tag: tag), to: output)
        printError("fused \(runs.count) runs (\(m.rawValue)) over \(fused.results.count) queries → \(output)")
    }
}
