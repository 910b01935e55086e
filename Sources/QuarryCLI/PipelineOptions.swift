// The pipeline flags every searching command shares.
import ArgumentParser
import QuarryCore

struct PipelineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First-stage model: bm25 or ql (query likelihood, Dirichlet).", valueName: "bm25|ql"))
    var model: String?

    @Option(help: ArgumentHelp("Query expander to apply (see `quarry plugins`).", valueName: "name"))
    var expander: String?

    @Option(help: ArgumentHelp("Reranker to apply (see `quarry plugins`).", valueName: "name"))
    var reranker: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a model or plugin option, e.g. rm3.fbDocs=20 (repeatable).", valueName: "plugin.key=value"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("TOML config file: model, expander, reranker and [plugin] option tables; flags override it.", valueName: "file"))
    var config: String?

    /// The spec these flags describe, over the config file's.
    func spec() throws -> PipelineSpec {
        var spec = try config.map(ConfigFile.load) ?? PipelineSpec()
        if let model { spec.model = model }
        if let expander { spec.expander = expander == "none" ? nil : expander }
        if let reranker { spec.reranker = reranker == "none" ? nil : reranker }
        for s in settings { try spec.set(s) }
        return spec
    }
}
