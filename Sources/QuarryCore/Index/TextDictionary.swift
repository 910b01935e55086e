// Stored text compressed with zstd against a dictionary trained on the collection itself. Xapian
// compresses each document's data on its own with zlib, which finds little to reuse in a 500-byte
// paragraph; a 32 KB dictionary trained (zstd's ZDICT) on the collection's first 2,000 documents gives
// the compressor the collection's common words and phrases to refer to, so the stored text is about a
// fifth smaller than zlib makes it, at a fifth of zlib's CPU time (measured on Wikipedia paragraphs;
// docs/benchmarks/profile-log.md). The dictionary is trained once per index, kept in its metadata,
// and used by every later build step and append; an index without one stores its text as it is.
import CZstd
import Foundation

public enum TextDictionary {
    /// The Xapian metadata key holding an index's dictionary (base64).
    static let metadataKey = "quarry.textdict"
    /// Documents trained on: always the first this many, whatever the thread count, so that one
    /// collection gives one dictionary (zstd's training is deterministic).
    static let sampleDocuments = 2000
    static let dictionaryBytes = 32 * 1024
    static let level: Int32 = 3

    /// A dictionary trained on `docs` ("title NUL text" of each), or nil where zstd finds too little
    /// to train on (a handful of documents): such an index stores its text as it is.
    static func train(on docs: ArraySlice<RawDocument>) -> [UInt8]? {
        var samples: [UInt8] = []
        var sizes: [Int] = []
        for doc in docs {
            let body = StoredDocument.body(title: doc.title, text: doc.text)
            samples.append(contentsOf: body)
            sizes.append(body.count)
        }
        guard sizes.count >= 8, samples.count >= 8 * dictionaryBytes else { return nil }
        var dictionary = [UInt8](repeating: 0, count: dictionaryBytes)
        let written = dictionary.withUnsafeMutableBytes { d in
            samples.withUnsafeBytes { s in
                ZDICT_trainFromBuffer(d.baseAddress, d.count, s.baseAddress, sizes, UInt32(sizes.count))
            }
        }
        guard ZDICT_isError(written) == 0, written > 0 else { return nil }
        return Array(dictionary.prefix(written))
    }

    static func encode(_ dictionary: [UInt8]) -> String { Data(dictionary).base64EncodedString() }

    /// The dictionary kept in an index's metadata (`stored`), nil for an index without one; `index`
    /// names the index in the error for a damaged one.
    static func decode(_ stored: String, index: String) throws -> [UInt8]? {
        if stored.isEmpty { return nil }
        guard let bytes = Data(base64Encoded: stored) else {
            throw QuarryError("\(index): the index's text dictionary (metadata \(metadataKey)) is damaged")
        }
        return Array(bytes)
    }
}

/// zstd with the index's dictionary digested once; one per thread (each keeps its own context).
final class TextCompressor {
    private let context: OpaquePointer
    private let dictionary: OpaquePointer
    private var output: [UInt8] = []

    init(dictionary bytes: [UInt8]) {
        context = ZSTD_createCCtx()
        dictionary = bytes.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, TextDictionary.level) }
        // Each frame keeps its content size, but no checksum (Xapian's blocks carry their own) and not
        // the dictionary's id (the index knows its dictionary).
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0)
        ZSTD_CCtx_setParameter(context, ZSTD_c_dictIDFlag, 0)
        ZSTD_CCtx_refCDict(context, dictionary)
    }

    deinit {
        ZSTD_freeCDict(dictionary)
        ZSTD_freeCCtx(context)
    }

    /// Appends the compressed form of `input` (one zstd frame) to `out`.
    func compress(_ input: [UInt8], into out: inout [UInt8]) {
        let bound = ZSTD_compressBound(input.count)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let written = output.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in
                ZSTD_compress2(context, o.baseAddress, o.count, i.baseAddress, i.count)
            }
        }
        precondition(ZSTD_isError(written) == 0, "zstd: \(String(cString: ZSTD_getErrorName(written)))")
        out.append(contentsOf: output[0..<written])
    }
}

/// Decompresses stored text with the index's dictionary (digested once per reader).
final class TextDecompressor {
    private let context: OpaquePointer
    private let dictionary: OpaquePointer

    init(dictionary bytes: [UInt8]) {
        context = ZSTD_createDCtx()
        dictionary = bytes.withUnsafeBytes { ZSTD_createDDict($0.baseAddress, $0.count) }
    }

    deinit {
        ZSTD_freeDDict(dictionary)
        ZSTD_freeDCtx(context)
    }

    /// The original bytes, or nil when `input` is not one whole frame made with this dictionary.
    func decompress(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        input.withUnsafeBytes { i -> [UInt8]? in
            let size = ZSTD_getFrameContentSize(i.baseAddress, i.count)
            // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values; stored text is far below.
            guard size < UInt64(1 << 40) else { return nil }
            var out = [UInt8](repeating: 0, count: Int(size))
            let n = out.withUnsafeMutableBytes { o in
                ZSTD_decompress_usingDDict(context, o.baseAddress, o.count, i.baseAddress, i.count, dictionary)
            }
            guard ZSTD_isError(n) == 0, n == Int(size) else { return nil }
            return out
        }
    }
}
