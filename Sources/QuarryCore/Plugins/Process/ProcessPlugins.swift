// Every plugin process of this quarry: the handshakes of registered commands, the configured
// processes of the run (one per command, role and options, shared by every pipeline that uses it), and
// their end: each is told bye and reaped when the command ends, also when it ends with an error.
import Foundation
import QuarryAPI

public final class ProcessPlugins: @unchecked Sendable {
    public static let shared = ProcessPlugins()

    /// The option namespace of ad-hoc process plugins: `--expander exec:COMMAND --set exec.KEY=VALUE`.
    public static let adHocNamespace = "exec"

    /// The command of an ad-hoc plugin name (`exec:python3 rerank.py`), or nil for any other name.
    public static func adHocCommand(_ name: String) -> String? {
        name.hasPrefix(adHocNamespace + ":") ? String(name.dropFirst(adHocNamespace.count + 1)) : nil
    }

    private let lock = NSLock()
    private var announcements: [String: ProcessProtocol.Announcement] = [:]
    /// Processes that said hello and wait for configure, by command: the first configured use of a
    /// command takes its process over, so describing and then using a plugin starts one process.
    private var greeted: [String: ChildProcess] = [:]
    private var clients: [String: ProcessPluginClient] = [:]
    private var clientOrder: [String] = []
    private var exitHandlerInstalled = false

    init() {}

    /// What `command` announces in its handshake (started once; the process is kept for its first use).
    /// `startTimeout` bounds the handshake (default 60 s).
    public func announcement(_ command: String, startTimeout: Double? = nil) throws -> ProcessProtocol.Announcement {
        lock.lock(); defer { lock.unlock() }
        if let a = announcements[command] { return a }
        let argv = try Self.argv(command)
        installExitHandler()
        let started: (child: ChildProcess, announcement: ProcessProtocol.Announcement)
        do {
            started = try ProcessPluginClient.greet(argv: argv, command: command, label: PathName.last(argv[0]),
                                                    timeout: startTimeout ?? ProcessSettings.defaults.startTimeout)
        } catch let f as ChildFault {
            throw QuarryError("process plugin '\(command)': \(f.message)")
        } catch let e as QuarryError {
            throw QuarryError("process plugin '\(command)': \(e.message)")
        }
        announcements[command] = started.announcement
        greeted[command] = started.child
        return started.announcement
    }

    /// The announcement of an ad-hoc plugin used as `role`.
    public func announcement(_ command: String, as role: ProcessProtocol.Role, startTimeout: Double? = nil) throws -> ProcessProtocol.Announcement {
        let a = try announcement(command, startTimeout: startTimeout)
        guard a.role == role else {
            func article(_ r: ProcessProtocol.Role) -> String { r == .expander ? "an expander" : "a reranker" }
            throw QuarryError("process plugin '\(command)' is \(article(a.role)) ('\(a.name)'), not \(article(role))")
        }
        return a
    }

    /// The option declarations of a process plugin: the engine's and the process's own.
    public static func optionSpecs(_ a: ProcessProtocol.Announcement) -> [OptionSpec] {
        a.options + ProcessSettings.specs(a.role)
    }

    /// The registry entry of a registered process plugin.
    public func expanderPlugin(_ command: String, _ a: ProcessProtocol.Announcement) -> ExpanderPlugin {
        ExpanderPlugin(name: a.name, summary: a.summary, options: Self.optionSpecs(a)) { [self] o in
            try expander(command, options: o, plugin: a.name)
        }
    }

    public func rerankerPlugin(_ command: String, _ a: ProcessProtocol.Announcement) -> RerankerPlugin {
        RerankerPlugin(name: a.name, summary: a.summary, options: Self.optionSpecs(a)) { [self] o in
            try reranker(command, options: o, plugin: a.name)
        }
    }

    /// An expander backed by `command`'s process, configured with `options` (engine and process
    /// options, resolved against `optionSpecs`; `plugin` names them in errors).
    public func expander(_ command: String, options: Options, plugin: String) throws -> any QueryExpander {
        ProcessExpander(client: try client(command, role: .expander, options: options, plugin: plugin))
    }

    public func reranker(_ command: String, options: Options, plugin: String) throws -> any Reranker {
        ProcessReranker(client: try client(command, role: .reranker, options: options, plugin: plugin))
    }

    /// The run's process for this command, role and options: started (or taken over from its
    /// handshake) and configured on first use, shared afterwards.
    func client(_ command: String, role: ProcessProtocol.Role, options: Options, plugin: String) throws -> ProcessPluginClient {
        let a = try announcement(command, as: role)
        let settings = try ProcessSettings(options, plugin: plugin)
        let own = Options(options.values.filter { !ProcessSettings.names.contains($0.key) })
        let key = ([command, role.rawValue] + options.values.keys.sorted().map { "\($0)=\(options.values[$0]!)" }).joined(separator: "\u{1}")
        lock.lock(); defer { lock.unlock() }
        if let c = clients[key] { return c }
        let c = try ProcessPluginClient(command: command, argv: try Self.argv(command), announcement: a, options: own,
                                        settings: settings, greeted: greeted.removeValue(forKey: command))
        clients[key] = c
        clientOrder.append(key)
        return c
    }

    /// One line per process plugin that served requests in this run.
    public var summaries: [String] {
        lock.lock(); defer { lock.unlock() }
        return clientOrder.compactMap { clients[$0]?.summary }
    }

    /// Ends every plugin process: bye, then wait for it to exit (killed after a grace period).
    /// Runs by itself when quarry exits; callers of the library may call it earlier.
    public func shutdown() {
        lock.lock()
        let idle = Array(greeted.values), running = clientOrder.compactMap { clients[$0] }
        greeted = [:]
        clients = [:]
        clientOrder = []
        announcements = [:]
        lock.unlock()
        for c in idle {
            try? c.writeLine(ProcessProtocol.line(ProcessProtocol.bye), deadline: .now() + 1)
            c.stop(grace: 2)
        }
        for c in running { c.shutdown() }
    }

    private func installExitHandler() {
        guard !exitHandlerInstalled else { return }
        exitHandlerInstalled = true
        atexit { ProcessPlugins.shared.shutdown() }
    }

    /// A command split into words as a shell would (quotes and backslashes, no expansion).
    static func argv(_ command: String) throws -> [String] {
        let words = try ShellWords.split(command)
        guard !words.isEmpty else { throw QuarryError("process plugin: empty command") }
        return words
    }
}
