// What a request may choose. It picks among the models and plugins this server has, and sets their
// options over the operator's settings — but never an option the plugin marks operator-only (a file,
// directory, URL, address, environment variable or command), and never a process plugin
// (`exec:COMMAND`): those come from the operator's command line or config file only.
import QuarryAPI
import QuarryCore

struct RequestPolicy: Sendable {
    let registry: PluginRegistry
    /// The operator's pipeline (flags and config file): what a request starts from.
    let base: PipelineSpec

    /// The spec a request asks for, over the operator's; every refusal is a 400 naming the field.
    func spec(for request: SearchRequest) throws -> PipelineSpec {
        let field = request.field
        var spec = base
        if let model = request.model {
            guard FirstStageModel.names.contains(model) else {
                throw APIError.badRequest("\(field)model: unknown model '\(model)'; valid models: \(FirstStageModel.names.joined(separator: ", "))")
            }
            spec.model = model
        }
        if let name = request.expander {
            spec.expander = try stage(name, field: field + "expander") { try registry.expander($0) }
        }
        if let name = request.reranker {
            spec.reranker = try stage(name, field: field + "reranker") { try registry.reranker($0) }
        }
        let namespaces = registry.optionNamespaces()
        for (key, value) in request.options.sorted(by: { $0.key < $1.key }) {
            let name = "\(field)options.\(key)"
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw APIError.badRequest("\(name): option names are plugin.option (e.g. rm3.fbDocs)")
            }
            let (plugin, option) = (parts[0], parts[1])
            guard let specs = namespaces[plugin] else {
                throw APIError.badRequest("\(name): no model or plugin named '\(plugin)'; valid: \(namespaces.keys.sorted().joined(separator: ", "))")
            }
            guard let declared = specs.first(where: { $0.name == option }) else {
                let valid = specs.filter { !$0.operatorOnly }.map { "\(plugin).\($0.name)" }.sorted()
                throw APIError.badRequest("\(name): unknown option; valid options: \(valid.isEmpty ? "none" : valid.joined(separator: ", "))")
            }
            guard !declared.operatorOnly else {
                throw APIError.badRequest("\(name): operator-only option (it names a file, address or command): set by `quarry serve --set` or its config file, never by a request")
            }
            guard let converted = value.converted(to: declared.type) else {
                throw APIError.badRequest("\(name): expects \(declared.type.rawValue), got '\(value)'")
            }
            spec.settings[plugin, default: [:]][option] = converted
        }
        return spec
    }

    /// A requested expander or reranker name: "none" or "" for no stage; a registered plugin; never a
    /// process command.
    private func stage(_ name: String, field: String, lookup: (String) throws -> Any) throws -> String? {
        if name == "none" || name.isEmpty { return nil }
        if name.hasPrefix("exec:") {
            throw APIError.badRequest("\(field): process plugins (exec:…) are started by the operator only, never by a request")
        }
        do { _ = try lookup(name) } catch { throw APIError.badRequest("\(field): \(error)") }
        return name
    }
}
