// The first-stage ranking models Xapian computes: BM25 and query likelihood with Dirichlet smoothing.
import CXapian
import QuarryAPI

public enum FirstStageModel: Sendable, Hashable, CustomStringConvertible {
    case bm25(k1: Double, b: Double)
    case ql(mu: Double)

    public static let names = ["bm25", "ql"]

    /// Options of each model, under the model's name (`bm25.k1`, `ql.mu`).
    public static let optionSpecs: [String: [OptionSpec]] = [
        "bm25": [
            OptionSpec("k1", .double, default: .double(0.9), help: "term frequency saturation (Anserini's default)"),
            OptionSpec("b", .double, default: .double(0.4), help: "document length normalisation (Anserini's default)"),
        ],
        "ql": [OptionSpec("mu", .double, default: .double(1000), help: "Dirichlet smoothing parameter")],
    ]

    public static func make(_ name: String, options: Options) throws -> FirstStageModel {
        switch name {
        case "bm25":
            let k1 = options.double("k1") ?? 0.9, b = options.double("b") ?? 0.4
            guard k1 >= 0, (0...1).contains(b) else { throw QuarryError("bm25.k1 must be ≥ 0 and bm25.b within 0…1") }
            return .bm25(k1: k1, b: b)
        case "ql":
            let mu = options.double("mu") ?? 1000
            guard mu > 0 else { throw QuarryError("ql.mu must be > 0") }
            return .ql(mu: mu)
        default:
            throw QuarryError("unknown model '\(name)'; valid models: \(names.joined(separator: ", "))")
        }
    }

    var xapianParameters: (model: Int32, p1: Double, p2: Double) {
        switch self {
        case .bm25(let k1, let b): return (Int32(XQ_MODEL_BM25), k1, b)
        case .ql(let mu): return (Int32(XQ_MODEL_QL), mu, 0)
        }
    }

    public var name: String {
        switch self {
        case .bm25: return "bm25"
        case .ql: return "ql"
        }
    }

    public var description: String {
        switch self {
        case .bm25(let k1, let b): return "bm25(k1=\(k1), b=\(b))"
        case .ql(let mu): return "ql(mu=\(mu))"
        }
    }
}
