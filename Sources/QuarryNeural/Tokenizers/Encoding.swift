// What the tokenizers share: errors, encodings of single texts, pairs and batches, the special-token
// template (BERT's [CLS] a [SEP] b [SEP], T5's a </s> b </s>), truncation and padding as the Hugging Face
// fast tokenizer does them.
import Foundation

/// A tokenizer that cannot be loaded or used; the message names the file, field or id at fault.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which sequence of a pair loses tokens when the pair is too long.
public enum TruncationStrategy: String, Sendable {
    /// Hugging Face's default: tokens come off the longer sequence until both fit (the longer one keeps the
    /// odd token when both must shrink).
    case longestFirst = "longest_first"
    /// Only the second sequence (the passage) is cut; an error when it cannot absorb the whole excess.
    case onlySecond = "only_second"
}

/// How a batch is padded.
public enum Padding: Sendable, Equatable {
    /// No padding: rows keep their own lengths.
    case none
    /// To the longest row of the batch.
    case longest
    /// To a fixed length (rows already longer stay as they are; truncate to avoid that).
    case length(Int)
}

/// One encoded input: token ids with the special tokens, their token types (0 for the first sequence,
/// 1 for the second where the template says so) and the attention mask (1 for real tokens, 0 for padding).
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    public var typeIds: [Int]
    public var attentionMask: [Int]

    public init(ids: [Int], typeIds: [Int], attentionMask: [Int]) {
        self.ids = ids
        self.typeIds = typeIds
        self.attentionMask = attentionMask
    }

    public var count: Int { ids.count }
}

/// A padded batch: rows of equal length when padded.
public struct BatchEncoding: Sendable, Equatable {
    public var rows: [Encoding]
    public var ids: [[Int]] { rows.map(\.ids) }
    public var typeIds: [[Int]] { rows.map(\.typeIds) }
    public var attentionMask: [[Int]] { rows.map(\.attentionMask) }
    /// Length of the longest row.
    public var width: Int { rows.map(\.count).max() ?? 0 }
}

/// Where the special tokens go around one sequence or a pair (Hugging Face's TemplateProcessing).
public struct SpecialTemplate: Sendable, Equatable {
    public enum Item: Sendable, Equatable {
        case first(typeId: Int)
        case second(typeId: Int)
        case special(ids: [Int], typeId: Int)
    }

    public var single: [Item]
    public var pair: [Item]

    public init(single: [Item], pair: [Item]) {
        self.single = single
        self.pair = pair
    }

    /// BERT: [CLS] a [SEP] and [CLS] a [SEP] b [SEP], b with token type 1.
    public static func bert(cls: Int, sep: Int) -> SpecialTemplate {
        SpecialTemplate(
            single: [.special(ids: [cls], typeId: 0), .first(typeId: 0), .special(ids: [sep], typeId: 0)],
            pair: [.special(ids: [cls], typeId: 0), .first(typeId: 0), .special(ids: [sep], typeId: 0),
                   .second(typeId: 1), .special(ids: [sep], typeId: 1)])
    }

    /// T5: a </s> and a </s> b </s>, all token type 0.
    public static func appendEOS(_ eos: Int) -> SpecialTemplate {
        SpecialTemplate(
            single: [.first(typeId: 0), .special(ids: [eos], typeId: 0)],
            pair: [.first(typeId: 0), .special(ids: [eos], typeId: 0), .second(typeId: 0), .special(ids: [eos], typeId: 0)])
    }

    func added(pair: Bool) -> Int {
        (pair ? self.pair : single).reduce(0) { n, item in
            if case .special(let ids, _) = item { return n + ids.count }
            return n
        }
    }

    func apply(_ a: [Int], _ b: [Int]?) -> Encoding {
        var ids: [Int] = []
        var types: [Int] = []
        ids.reserveCapacity(a.count + (b?.count ?? 0) + 4)
        types.reserveCapacity(ids.capacity)
        for item in b == nil ? single : pair {
            switch item {
            case .first(let t):
                ids += a
                types += repeatElement(t, count: a.count)
            case .second(let t):
                if let b {
                    ids += b
                    types += repeatElement(t, count: b.count)
                }
            case .special(let s, let t):
                ids += s
                types += repeatElement(t, count: s.count)
            }
        }
        return Encoding(ids: ids, typeIds: types, attentionMask: Array(repeating: 1, count: ids.count))
    }

    /// Parses a tokenizer.json `post_processor` (TemplateProcessing, BertProcessing, RobertaProcessing or a
    /// Sequence holding one of them); `vocab` resolves token names when a template lists no ids.
    static func parse(_ json: [String: Any], file: String, vocab: (String) -> Int?) throws -> SpecialTemplate {
        let type = json["type"] as? String ?? ""
        func special(_ field: String) throws -> Int {
            guard let pair = json[field] as? [Any], pair.count == 2, let id = (pair[1] as? NSNumber)?.intValue else {
                throw TokenizerError("\(file): post_processor.\(field) must be [token, id]")
            }
            return id
        }
        switch type {
        case "TemplateProcessing":
            let specials = json["special_tokens"] as? [String: Any] ?? [:]
            func items(_ field: String) throws -> [Item] {
                guard let list = json[field] as? [[String: Any]] else {
                    throw TokenizerError("\(file): post_processor.\(field) is missing or not a list")
                }
                return try list.map { entry in
                    if let seq = entry["Sequence"] as? [String: Any] {
                        let t = (seq["type_id"] as? NSNumber)?.intValue ?? 0
                        switch seq["id"] as? String {
                        case "A": return .first(typeId: t)
                        case "B": return .second(typeId: t)
                        default: throw TokenizerError("\(file): post_processor.\(field): sequence id must be A or B")
                        }
                    }
                    if let sp = entry["SpecialToken"] as? [String: Any], let name = sp["id"] as? String {
                        let t = (sp["type_id"] as? NSNumber)?.intValue ?? 0
                        if let def = specials[name] as? [String: Any], let ids = def["ids"] as? [NSNumber] {
                            return .special(ids: ids.map(\.intValue), typeId: t)
                        }
                        guard let id = vocab(name) else {
                            throw TokenizerError("\(file): post_processor.\(field): special token \(name) is not in the vocabulary")
                        }
                        return .special(ids: [id], typeId: t)
                    }
                    throw TokenizerError("\(file): post_processor.\(field): unknown template item \(entry.keys.sorted())")
                }
            }
            return SpecialTemplate(single: try items("single"), pair: try items("pair"))
        case "BertProcessing":
            return .bert(cls: try special("cls"), sep: try special("sep"))
        case "RobertaProcessing":
            let cls = try special("cls"), sep = try special("sep")
            return SpecialTemplate(
                single: [.special(ids: [cls], typeId: 0), .first(typeId: 0), .special(ids: [sep], typeId: 0)],
                pair: [.special(ids: [cls], typeId: 0), .first(typeId: 0), .special(ids: [sep, sep], typeId: 0),
                       .second(typeId: 0), .special(ids: [sep], typeId: 0)])
        case "Sequence":
            let list = json["processors"] as? [[String: Any]] ?? []
            let templates = try list.filter { ($0["type"] as? String) != "ByteLevel" }.map { try parse($0, file: file, vocab: vocab) }
            guard templates.count == 1 else {
                throw TokenizerError("\(file): post_processor: a Sequence must hold exactly one template processor")
            }
            return templates[0]
        default:
            throw TokenizerError("\(file): post_processor type \(type.isEmpty ? "(none)" : type) is not supported")
        }
    }
}

/// A subword tokenizer: text to model ids (without special tokens), plus the template, the pad id and
/// the vocabulary for decoding. Encoding, truncation and padding are shared (this protocol's extension).
public protocol SubwordTokenizer: Sendable {
    /// The ids of one text, without special tokens.
    func tokenize(_ text: String) -> [Int]
    var template: SpecialTemplate { get }
    var padId: Int { get }
    var vocabularySize: Int { get }
    /// The token string of an id; nil outside the vocabulary.
    func token(forId id: Int) -> String?
    /// The id of a token string.
    func id(forToken token: String) -> Int?
    /// Ids of special tokens (skipped by `decode(_:skipSpecialTokens:)`).
    var specialIds: Set<Int> { get }
}

extension SubwordTokenizer {
    /// One text with its special tokens; cut to `maxLength` ids (special tokens included) when given.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        var a = tokenize(text)
        if let maxLength {
            let target = max(0, maxLength - template.added(pair: false))
            if a.count > target { a.removeSubrange(target...) }
        }
        return template.apply(a, nil)
    }

    /// A pair (query, passage): [CLS] a [SEP] b [SEP] for BERT, with token types; truncated to `maxLength`
    /// as Hugging Face does (`longestFirst` by default, or `onlySecond`, which throws when the second
    /// sequence is too short to absorb the excess).
    public func encode(_ first: String, _ second: String, maxLength: Int? = nil,
                       truncation: TruncationStrategy = .longestFirst) throws -> Encoding {
        var a = tokenize(first)
        var b = tokenize(second)
        if let maxLength {
            try Self.truncate(&a, &b, maxLength: maxLength, added: template.added(pair: true), strategy: truncation)
        }
        return template.apply(a, b)
    }

    /// A batch of texts, each truncated to `maxLength` when given, then padded.
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil, padding: Padding = .longest) -> BatchEncoding {
        pad(texts.map { encode($0, maxLength: maxLength) }, padding)
    }

    /// A batch of pairs, each truncated to `maxLength` when given, then padded.
    public func encodeBatch(pairs: [(String, String)], maxLength: Int? = nil, truncation: TruncationStrategy = .longestFirst,
                            padding: Padding = .longest) throws -> BatchEncoding {
        pad(try pairs.map { try encode($0.0, $0.1, maxLength: maxLength, truncation: truncation) }, padding)
    }

    /// Pads encodings on the right with the pad id, token type 0 and attention 0.
    public func pad(_ rows: [Encoding], _ padding: Padding) -> BatchEncoding {
        let width: Int
        switch padding {
        case .none: return BatchEncoding(rows: rows)
        case .longest: width = rows.map(\.count).max() ?? 0
        case .length(let n): width = n
        }
        return BatchEncoding(rows: rows.map { row in
            let n = width - row.count
            guard n > 0 else { return row }
            var r = row
            r.ids += repeatElement(padId, count: n)
            r.typeIds += repeatElement(0, count: n)
            r.attentionMask += repeatElement(0, count: n)
            return r
        })
    }

    /// The token strings of ids (special tokens included), for debugging; throws on an id outside the vocabulary.
    public func tokens(_ ids: [Int]) throws -> [String] {
        try ids.map { id in
            guard let t = token(forId: id) else {
                throw TokenizerError("token id \(id) is outside the vocabulary (0..<\(vocabularySize))")
            }
            return t
        }
    }

    /// HF's longest_first / only_second truncation of a pair to `maxLength` ids including `added` special ones.
    static func truncate(_ a: inout [Int], _ b: inout [Int], maxLength: Int, added: Int, strategy: TruncationStrategy) throws {
        let total = a.count + b.count + added
        guard total > maxLength else { return }
        let target = max(0, maxLength - added)
        if target == 0 {
            a.removeAll()
            b.removeAll()
            return
        }
        switch strategy {
        case .longestFirst:
            var n1 = a.count, n2 = b.count
            let swap = n1 > n2
            if swap { (n1, n2) = (n2, n1) }
            n2 = n1 > target ? n1 : max(n1, target - n1)
            if n1 + n2 > target {
                n1 = target / 2
                n2 = n1 + target % 2
            }
            if swap { (n1, n2) = (n2, n1) }
            if a.count > n1 { a.removeSubrange(n1...) }
            if b.count > n2 { b.removeSubrange(n2...) }
        case .onlySecond:
            let remove = total - maxLength
            guard b.count > remove else {
                throw TokenizerError("truncation: the second sequence (\(b.count) tokens) is too short to remove \(remove) tokens and fit \(maxLength)")
            }
            b.removeSubrange((b.count - remove)...)
        }
    }
}
