// What the neural runtime reads from strangers: safetensors headers (and the tensors they point at),
// SentencePiece model protobufs, tokenizer.json files and model configs; and what it tokenizes: any
// text, through a WordPiece and a Unigram tokenizer, and back (decode).
import Foundation
import QuarryNeural

enum NeuralFuzzTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget("safetensors", "the safetensors header parser, then every tensor it names", seeds: "safetensors") { data, context in
            let file = try SafeTensorsFile(path: try context.file("model.safetensors", data))
            for name in file.names { _ = try? file.tensor(name) }
        },
        FuzzTarget("sentencepiece-model", "the SentencePiece model protobuf reader and a tokenizer made of it", seeds: "sentencepiece") { data, context in
            let path = try context.file("spiece.model", data)
            _ = try SentencePieceModel(bytes: [UInt8](data))
            let tokenizer = try UnigramTokenizer(sentencePieceModel: path, extraIds: 3)
            _ = tokenizer.encode("Glaciers move slowly, 2 km/yr — über café.", maxLength: 32)
        },
        FuzzTarget("tokenizer-json", "tokenizer.json as a WordPiece and as a Unigram tokenizer; config.json", seeds: "tokenizer-json") { data, context in
            let path = try context.file("tokenizer.json", data)
            var refusals: [Error] = []
            do { _ = try WordPieceTokenizer(tokenizerJSON: path).encode("Glaciers move [SEP] slowly") } catch { refusals.append(error) }
            do { _ = try UnigramTokenizer(tokenizerJSON: path).encode("Glaciers move </s> slowly") } catch { refusals.append(error) }
            do {
                let config = try ModelConfig(data: data, path: path)
                _ = try? config.int("d_model")
                _ = try? config.string("feed_forward_proj")
            } catch { refusals.append(error) }
            if refusals.count == 3 { throw refusals[0] }
        },
        FuzzTarget("tokenize", "any text through WordPiece and T5's Unigram tokenizer, encoded as a pair and decoded", seeds: "text") { data, context in
            let input = text(data)
            let half = input.index(input.startIndex, offsetBy: input.count / 2)
            let (first, second) = (String(input[..<half]), String(input[half...]))
            let wordpiece = try context.shared("wordpiece") { try smallWordPiece() }
            let unigram = try context.shared("unigram") { try UnigramTokenizer(directory: context.fixtures + "/neural/t5/tiny-t5-v1_1") }
            for tokenizer in [wordpiece as any SubwordTokenizer, unigram] {
                let single = tokenizer.encode(input, maxLength: 64)
                precondition(single.ids.count <= 64, "encode(maxLength: 64) gave \(single.ids.count) ids")
                for id in single.ids { precondition(tokenizer.token(forId: id) != nil, "id \(id) outside the vocabulary") }
                _ = try tokenizer.encode(first, second, maxLength: 48)
                _ = tokenizer.encodeBatch([first, second, input], maxLength: 16)
            }
            _ = try wordpiece.decode(wordpiece.tokenize(input))
            _ = try unigram.decode(unigram.tokenize(input))
        },
    ]

    /// A WordPiece vocabulary with BERT's special tokens, some words and pieces, and CJK characters.
    static func smallWordPiece() throws -> WordPieceTokenizer {
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "glacier", "##s", "move", "slow", "##ly", "the", "a", "ice",
                     "##ing", "over", "café", "uber", "2", "km", "/", "yr", ",", ".", "—", "氷", "河", "##e", "e", "u", "b", "r", "##r"]
        return try WordPieceTokenizer(vocabulary: words)
    }
}
