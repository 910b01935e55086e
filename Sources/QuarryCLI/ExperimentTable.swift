// The table `quarry experiment` prints: per pipeline and metric, the mean, its change from the
// baseline, a paired t-test p-value (Holm-corrected or not) and per-query wins/losses. Public so that
// `quarry serve`'s experiment view prints the very same table.
import Foundation
import QuarryCore

/// The comparison table: per pipeline and metric, mean, change from baseline, p-value, wins/losses.
public struct ExperimentTable: Sendable {
    public struct Cell: Sendable {
        public var mean: Double
        public var delta: Double?
        public var p: Double?
        public var wins = 0, losses = 0
    }
    public var names: [String]
    public var baseline: String
    public var metrics: [Metric]
    public var cells: [String: [Metric: Cell]]
    public var queries: Int

    /// `perQuery`: pipeline name → metric → query id → value, as `Evaluator.perQuery` gives them.
    public static func build(names: [String], baseline: String, metrics: [Metric], perQuery: [String: [Metric: [String: Double]]], holm: Bool) -> ExperimentTable {
        var cells: [String: [Metric: Cell]] = [:]
        var queries = 0
        for m in metrics {
            let base = perQuery[baseline]![m]!
            queries = base.count
            var pending: [(String, Double)] = []
            for name in names {
                let values = perQuery[name]![m]!
                let mean = values.isEmpty ? 0 : values.values.reduce(0, +) / Double(values.count)
                var cell = Cell(mean: mean)
                if name != baseline {
                    let qids = base.keys.sorted()
                    let diffs = qids.map { (values[$0] ?? 0) - base[$0]! }
                    cell.delta = mean - (base.values.reduce(0, +) / Double(max(1, base.count)))
                    cell.wins = diffs.filter { $0 > 1e-12 }.count
                    cell.losses = diffs.filter { $0 < -1e-12 }.count
                    if let p = Significance.pairedTTest(diffs) { pending.append((name, p)) }
                }
                cells[name, default: [:]][m] = cell
            }
            let adjusted = holm ? Significance.holm(pending.map(\.1)) : pending.map(\.1)
            for (i, (name, _)) in pending.enumerated() { cells[name]![m]!.p = adjusted[i] }
        }
        return ExperimentTable(names: names, baseline: baseline, metrics: metrics, cells: cells, queries: queries)
    }

    public func text() -> String {
        var header = "pipeline".padding(toLength: 16, withPad: " ", startingAt: 0)
        for m in metrics { header += m.description.padding(toLength: 38, withPad: " ", startingAt: 0) }
        var lines = [header.trimmingCharacters(in: .whitespaces)]
        for name in names {
            var line = name.padding(toLength: 16, withPad: " ", startingAt: 0)
            for m in metrics {
                let c = cells[name]![m]!
                var s = String(format: "%.4f", c.mean)
                if let d = c.delta {
                    s += String(format: " %+.4f", d)
                    s += c.p.map { String(format: " p=%.3f%@", $0, $0 < 0.05 ? "*" : " ") } ?? " p=n/a  "
                    s += " +\(c.wins)/-\(c.losses)"
                } else {
                    s += " (baseline)"
                }
                line += s.padding(toLength: 38, withPad: " ", startingAt: 0)
            }
            lines.append(line.trimmingCharacters(in: .whitespaces))
        }
        lines.append("\(queries) queries; Δ from \(baseline); paired t-test p-values\(metrics.isEmpty ? "" : ""), * p < 0.05; +wins/-losses per query")
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        var obj: [String: Any] = ["baseline": baseline, "queries": queries]
        var rows: [[String: Any]] = []
        for name in names {
            var row: [String: Any] = ["pipeline": name]
            for m in metrics {
                let c = cells[name]![m]!
                var e: [String: Any] = ["mean": c.mean]
                if let d = c.delta { e["delta"] = d; e["wins"] = c.wins; e["losses"] = c.losses }
                if let p = c.p { e["p"] = p }
                row[m.description] = e
            }
            rows.append(row)
        }
        obj["pipelines"] = rows
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
