// The engine's own options of every process plugin, beside the ones the process declares:
// `--set wordnet.timeout=5`, `--set exec.restarts=0`. Their names are reserved (ProcessProtocol).
import QuarryAPI

struct ProcessSettings: Sendable, Hashable {
    /// Seconds allowed for one request, from writing it to reading its answer.
    var timeout: Double
    /// Seconds allowed for the handshake (hello, configure → ready), where a plugin loads its data.
    var startTimeout: Double
    /// Fresh processes started over the run after the first one is lost (killed on a timeout, exited,
    /// or wrote something that is not the answer); past them every request fails.
    var restarts: Int
    /// How many top candidates a reranker is sent (nil: all).
    var depth: Int?

    static let defaults = ProcessSettings(timeout: 30, startTimeout: 60, restarts: 3, depth: 100)

    static func specs(_ role: ProcessProtocol.Role) -> [OptionSpec] {
        var out = [
            OptionSpec("timeout", .double, default: .double(defaults.timeout), help: "seconds allowed for one request (at most 86400); past it the process is killed (engine option)"),
            OptionSpec("startTimeout", .double, default: .double(defaults.startTimeout), help: "seconds allowed for the process's handshake, at most 86400 (engine option)"),
            OptionSpec("restarts", .int, default: .int(defaults.restarts), help: "fresh processes started over a run after one is lost, 0–1000 (engine option)"),
        ]
        if role == .reranker {
            out.append(OptionSpec("depth", .int, default: .int(defaults.depth ?? 0), help: "top candidates sent to the process, 0 for all (engine option)"))
        }
        return out
    }

    static let names = Set(specs(.reranker).map(\.name))

    /// The engine options among a plugin's resolved options; `plugin` names them in errors.
    init(_ o: Options, plugin: String) throws {
        timeout = o.double("timeout") ?? Self.defaults.timeout
        startTimeout = o.double("startTimeout") ?? Self.defaults.startTimeout
        restarts = o.int("restarts") ?? Self.defaults.restarts
        let d = o.int("depth") ?? Self.defaults.depth ?? 0
        depth = d == 0 ? nil : d
        // Upper bounds too: a search request may set these.
        guard timeout > 0, timeout <= 86_400 else { throw OptionError("\(plugin).timeout must be positive and at most 86400 s") }
        guard startTimeout > 0, startTimeout <= 86_400 else { throw OptionError("\(plugin).startTimeout must be positive and at most 86400 s") }
        guard (0...1000).contains(restarts) else { throw OptionError("\(plugin).restarts must be between 0 and 1000") }
        guard d >= 0 else { throw OptionError("\(plugin).depth must be at least 0") }
    }

    private init(timeout: Double, startTimeout: Double, restarts: Int, depth: Int?) {
        self.timeout = timeout
        self.startTimeout = startTimeout
        self.restarts = restarts
        self.depth = depth
    }
}
