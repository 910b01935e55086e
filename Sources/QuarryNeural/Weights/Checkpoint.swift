// A Hugging Face model directory: config.json plus weights in model.safetensors, or sharded as
// model-0000N-of-0000M.safetensors listed by model.safetensors.index.json ({"weight_map": {name: file}}).
import Foundation

public final class Checkpoint: @unchecked Sendable {
    public let directory: String
    public let config: ModelConfig
    /// Each tensor name → the file that holds it.
    private let location: [String: SafeTensorsFile]
    private let files: [SafeTensorsFile]

    /// Opens the directory at `path` (files are mapped, not read).
    public init(directory path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CheckpointError("\(path): no such model directory")
        }
        guard isDir.boolValue else { throw CheckpointError("\(path): not a directory (give the model directory holding config.json)") }
        directory = path
        let dir = URL(fileURLWithPath: path)
        config = try ModelConfig(path: dir.appendingPathComponent("config.json").path)

        let single = dir.appendingPathComponent("model.safetensors").path
        let index = dir.appendingPathComponent("model.safetensors.index.json").path
        var location: [String: SafeTensorsFile] = [:]
        if FileManager.default.fileExists(atPath: single) {
            let f = try SafeTensorsFile(path: single)
            files = [f]
            for name in f.entries.keys { location[name] = f }
        } else if FileManager.default.fileExists(atPath: index) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: index)) } catch { throw CheckpointError("\(index): cannot read (\(error.localizedDescription))") }
            guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = obj["weight_map"] as? [String: Any] else {
                throw CheckpointError("\(index): not a safetensors index (a JSON object with a \"weight_map\" of tensor name → file)")
            }
            var shards: [String: SafeTensorsFile] = [:]
            var opened: [SafeTensorsFile] = []
            for (name, value) in map.sorted(by: { $0.key < $1.key }) {
                guard let file = value as? String, !file.isEmpty, !file.contains("/"), file != "..", file != "." else {
                    throw CheckpointError("\(index): tensor '\(name)' maps to \(value), not a file name in the directory")
                }
                if shards[file] == nil {
                    let shardPath = dir.appendingPathComponent(file).path
                    guard FileManager.default.fileExists(atPath: shardPath) else {
                        throw CheckpointError("\(shardPath): missing shard (listed in model.safetensors.index.json)")
                    }
                    let f = try SafeTensorsFile(path: shardPath)
                    shards[file] = f
                    opened.append(f)
                }
                let f = shards[file]!
                guard f.entries[name] != nil else {
                    throw CheckpointError("\(f.path): no tensor named '\(name)' (model.safetensors.index.json puts it there)")
                }
                location[name] = f
            }
            files = opened
        } else {
            throw CheckpointError("\(path): no model.safetensors or model.safetensors.index.json (only safetensors weights are supported)")
        }
        self.location = location
    }

    /// Names of all tensors, sorted.
    public var tensorNames: [String] { location.keys.sorted() }

    public func has(_ name: String) -> Bool { location[name] != nil }

    /// The first of `prefixes` under which `name` exists (e.g. "bert." for a BertForSequenceClassification,
    /// "" for a BertModel), or nil.
    public func prefix(for name: String, among prefixes: [String]) -> String? {
        prefixes.first { has($0 + name) }
    }

    /// The tensor `name` as float32, checked against `shape` when given.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let f = location[name] else {
            throw CheckpointError("\(directory): missing tensor '\(name)' (the checkpoint has \(location.count) tensors\(nearby(name)))")
        }
        let t = try f.tensor(name)
        if let shape, t.shape != shape {
            throw CheckpointError("\(f.path): tensor '\(name)' has shape \(t.shape), expected \(shape) from config.json (shape mismatch)")
        }
        return t
    }

    /// A hint naming a tensor that ends like the missing one (a prefix mix-up is the usual cause).
    private func nearby(_ name: String) -> String {
        let tail = name.split(separator: ".").suffix(3).joined(separator: ".")
        if let n = location.keys.sorted().first(where: { $0.hasSuffix(tail) }) { return ", e.g. '\(n)'" }
        return ""
    }
}
