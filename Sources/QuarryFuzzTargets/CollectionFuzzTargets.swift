// Every collection reader `quarry index` has, over one file of arbitrary bytes (also gzip-compressed,
// which the readers open transparently, when the bytes start with gzip's magic).
import Foundation
import QuarryCore

enum CollectionFuzzTargets {
    static let all: [FuzzTarget] = CollectionFormat.allCases.map { format in
        FuzzTarget("collection-\(format.rawValue)", "the \(format.rawValue) collection reader", seeds: "collection:\(format.rawValue)") { data, context in
            let path = try context.file("collection." + fileExtension(format), data)
            try format.read(path) { record in
                // Readers report malformed records as values; documents must carry an id.
                if case .success(let d) = record { precondition(!d.id.isEmpty, "a \(format.rawValue) document without an id") }
            }
        }
    }

    static func fileExtension(_ format: CollectionFormat) -> String {
        switch format {
        case .trec: "trec"
        case .beir, .jsonl: "jsonl"
        case .msmarco: "tsv"
        case .html: "html"
        case .squad: "json"
        }
    }
}
