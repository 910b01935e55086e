// Opening what `--index` names. The flag is repeatable because an index may come to be several
// locations searched as one (shards, tcp:// remotes); until the engine can open those together, this
// is the one place that decides, and it takes exactly one local index directory.
import QuarryCore

enum IndexLocations {
    static func open(_ locations: [String]) throws -> Index {
        guard let first = locations.first else { throw QuarryError("give an index with --index DIR") }
        guard locations.count == 1 else {
            throw QuarryError("--index given \(locations.count) times (\(locations.joined(separator: ", "))): searching several index locations as one is not supported yet; give one index directory")
        }
        return try Index(path: first)
    }
}
