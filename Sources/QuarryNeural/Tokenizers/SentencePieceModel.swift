// The few fields of SentencePiece's ModelProto (sentencepiece_model.proto) a unigram tokenizer needs,
// read straight from the protobuf wire format:
//   ModelProto      1: repeated SentencePiece pieces, 2: TrainerSpec, 3: NormalizerSpec
//   SentencePiece   1: string piece, 2: float score, 3: enum type (1 normal, 2 unknown, 3 control,
//                   4 user defined, 5 unused, 6 byte)
//   TrainerSpec     3: model_type (1 unigram), 24: treat_whitespace_as_suffix, 35: byte_fallback,
//                   40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id
//   NormalizerSpec  1: name, 2: precompiled_charsmap, 3: add_dummy_prefix, 4: remove_extra_whitespaces,
//                   5: escape_whitespaces (the three default to true)
import Foundation

public struct SentencePieceModel: Sendable {
    public enum PieceType: Int, Sendable { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    public struct Piece: Sendable {
        public var piece: String
        public var score: Float
        public var type: PieceType
    }

    public var pieces: [Piece] = []
    public var modelType = 1
    public var unkId = 0
    public var bosId = 1
    public var eosId = 2
    public var padId = -1
    public var byteFallback = false
    public var treatWhitespaceAsSuffix = false
    public var normalizerName = ""
    public var precompiledCharsmap: [UInt8] = []
    public var addDummyPrefix = true
    public var removeExtraWhitespaces = true
    public var escapeWhitespaces = true

    public init(file: String) throws {
        let data = try TokenizerFiles.data(file)
        try self.init(bytes: [UInt8](data), source: file)
    }

    public init(bytes: [UInt8], source: String = "spiece.model") throws {
        var r = ProtoReader(bytes: bytes[...], source: source)
        while let (field, wire) = try r.key() {
            switch (field, wire) {
            case (1, 2):
                var p = ProtoReader(bytes: try r.lengthDelimited(), source: source)
                var piece = Piece(piece: "", score: 0, type: .normal)
                while let (f, w) = try p.key() {
                    switch (f, w) {
                    case (1, 2): piece.piece = String(decoding: try p.lengthDelimited(), as: UTF8.self)
                    case (2, 5): piece.score = Float(bitPattern: try p.fixed32())
                    case (3, 0):
                        let t = Self.int32(try p.varint())
                        guard let type = PieceType(rawValue: t) else {
                            throw TokenizerError("\(source): piece \(pieces.count) has unknown type \(t)")
                        }
                        piece.type = type
                    default: try p.skip(w)
                    }
                }
                pieces.append(piece)
            case (2, 2):
                var t = ProtoReader(bytes: try r.lengthDelimited(), source: source)
                while let (f, w) = try t.key() {
                    switch (f, w) {
                    case (3, 0): modelType = Self.int32(try t.varint())
                    case (24, 0): treatWhitespaceAsSuffix = try t.varint() != 0
                    case (35, 0): byteFallback = try t.varint() != 0
                    case (40, 0): unkId = Self.int32(try t.varint())
                    case (41, 0): bosId = Self.int32(try t.varint())
                    case (42, 0): eosId = Self.int32(try t.varint())
                    case (43, 0): padId = Self.int32(try t.varint())
                    default: try t.skip(w)
                    }
                }
            case (3, 2):
                var n = ProtoReader(bytes: try r.lengthDelimited(), source: source)
                while let (f, w) = try n.key() {
                    switch (f, w) {
                    case (1, 2): normalizerName = String(decoding: try n.lengthDelimited(), as: UTF8.self)
                    case (2, 2): precompiledCharsmap = Array(try n.lengthDelimited())
                    case (3, 0): addDummyPrefix = try n.varint() != 0
                    case (4, 0): removeExtraWhitespaces = try n.varint() != 0
                    case (5, 0): escapeWhitespaces = try n.varint() != 0
                    default: try n.skip(w)
                    }
                }
            default:
                try r.skip(wire)
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError("\(source): no pieces (not a SentencePiece model?)") }
    }

    /// An int32 or enum field: protobuf writes it as a varint of the value sign-extended to 64 bits, so
    /// the low 32 bits are the value (a damaged file's larger varint is cut, never a trap).
    private static func int32(_ v: UInt64) -> Int { Int(Int32(truncatingIfNeeded: v)) }
}

/// Protobuf wire-format reading with bounds checks: a damaged file is an error, never a crash.
struct ProtoReader {
    var bytes: ArraySlice<UInt8>
    let source: String

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let b = bytes.popFirst() else { throw TokenizerError("\(source): truncated protobuf varint") }
            guard shift < 64 else { throw TokenizerError("\(source): protobuf varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next (field number, wire type), or nil at the end.
    mutating func key() throws -> (Int, Int)? {
        if bytes.isEmpty { return nil }
        let k = try varint()
        guard k >> 3 > 0 else { throw TokenizerError("\(source): protobuf field number 0 (not a SentencePiece model?)") }
        return (Int(k >> 3), Int(k & 7))
    }

    mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(bytes.count) else { throw TokenizerError("\(source): protobuf field of \(n) bytes runs past the end") }
        let start = bytes.startIndex
        let out = bytes[start..<(start + Int(n))]
        bytes = bytes[(start + Int(n))...]
        return out
    }

    mutating func fixed32() throws -> UInt32 {
        guard bytes.count >= 4 else { throw TokenizerError("\(source): truncated protobuf fixed32") }
        let s = bytes.startIndex
        let v = UInt32(bytes[s]) | UInt32(bytes[s + 1]) << 8 | UInt32(bytes[s + 2]) << 16 | UInt32(bytes[s + 3]) << 24
        bytes = bytes[(s + 4)...]
        return v
    }

    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1:
            guard bytes.count >= 8 else { throw TokenizerError("\(source): truncated protobuf fixed64") }
            bytes = bytes[(bytes.startIndex + 8)...]
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw TokenizerError("\(source): unsupported protobuf wire type \(wire) (not a SentencePiece model?)")
        }
    }
}
