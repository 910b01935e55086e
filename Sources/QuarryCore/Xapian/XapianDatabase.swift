// Swift wrappers over the CXapian C API. Each handle is owned by one thread at a time.
import CXapian
import QuarryAPI
import Foundation

/// An error Xapian reported (DatabaseLockError, DatabaseCorruptError, …), as text.
public struct XapianError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
    /// A remote database failed to answer (NetworkError, NetworkTimeoutError): its server or the
    /// connection is down.
    var isNetworkError: Bool { message.hasPrefix("NetworkError") || message.hasPrefix("NetworkTimeoutError") }
}

/// Calls `body` with an error slot; throws the message when the slot was filled.
@inline(__always)
func xapianCall<T>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) throws -> T {
    var err: UnsafeMutablePointer<CChar>? = nil
    let result = body(&err)
    if let err {
        let message = String(cString: err)
        xq_free(err)
        throw XapianError(message: message)
    }
    return result
}

/// Takes ownership of a malloc'd buffer from the C API and turns it into a String.
func takeString(_ p: UnsafeMutablePointer<CChar>?, length: Int) -> String {
    guard let p else { return "" }
    defer { xq_free(p) }
    return p.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}

/// The version of the Xapian library linked in.
public var xapianVersion: String { String(cString: xq_version()) }

/// A read-only Xapian database.
final class XapianReader: @unchecked Sendable {
    let handle: OpaquePointer

    init(path: String) throws {
        guard let h = try xapianCall({ xq_open(path, $0) }) else {
            throw XapianError(message: "cannot open index at \(path)")
        }
        handle = h
    }

    /// A database served by `xapian-tcpsrv`; each operation (and the connection) times out after `timeoutMs`.
    init(host: String, port: Int, timeoutMs: UInt32) throws {
        guard let h = try xapianCall({ xq_open_remote(host, UInt32(port), timeoutMs, timeoutMs, $0) }) else {
            throw XapianError(message: "cannot connect to \(host):\(port)")
        }
        handle = h
    }

    /// One database over several (shards searched as one, with global term statistics).
    init(combining parts: [XapianReader]) throws {
        let handles: [OpaquePointer?] = parts.map { $0.handle }
        guard let h = try handles.withUnsafeBufferPointer({ buf in try xapianCall { xq_combine(buf.baseAddress, buf.count, $0) } }) else {
            throw XapianError(message: "cannot combine \(parts.count) databases")
        }
        handle = h
    }

    deinit { xq_close(handle) }

    var documentCount: Int { Int(xq_doccount(handle)) }
    var averageLength: Double { xq_avlength(handle) }
    var totalLength: UInt64 { xq_total_length(handle) }
    var lastDocid: UInt32 { xq_lastdocid(handle) }

    func termFrequency(_ term: String) throws -> Int {
        var t = term
        return try t.withUTF8 { buf in
            Int(try xapianCall { xq_termfreq(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, $0) })
        }
    }

    func collectionFrequency(_ term: String) throws -> Int {
        var t = term
        return try t.withUTF8 { buf in
            Int(try xapianCall { xq_collection_freq(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, $0) })
        }
    }

    /// Document frequencies of many terms at once (one exchange per remote shard).
    func termFrequencies(_ terms: [String]) throws -> [Int] {
        guard !terms.isEmpty else { return [] }
        var out = [UInt32](repeating: 0, count: terms.count)
        let bytes = terms.map { Array($0.utf8) }
        let lens = bytes.map { $0.count }
        try withPointers(bytes) { ptrs in
            _ = try xapianCall { xq_termfreqs(handle, ptrs, lens, terms.count, &out, $0) }
        }
        return out.map { Int($0) }
    }

    /// Whether some part of the database is served over the network.
    var isRemote: Bool { xq_is_remote(handle) != 0 }

    func uniqueTermCount() throws -> Int { Int(try xapianCall { xq_unique_terms(handle, $0) }) }

    func metadata(_ key: String) throws -> String {
        var len = 0
        let p = try xapianCall { xq_get_metadata(handle, key, &len, $0) }
        return takeString(p, length: len)
    }

    /// Internal docid for a unique term, or nil.
    func docid(forUniqueTerm term: String) throws -> UInt32? {
        var t = term
        let r = try t.withUTF8 { buf in
            try xapianCall { xq_find_docid(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, $0) }
        }
        return r > 0 ? UInt32(r) : nil
    }

    func data(_ did: UInt32) throws -> [UInt8] {
        var len = 0
        guard let p = try xapianCall({ xq_document_data(handle, did, &len, $0) }) else { return [] }
        defer { xq_free(p) }
        return p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
    }

    private var loadedDecompressor: TextDecompressor??

    /// Decompresses the index's stored text (TextDictionary); nil where text is stored as it is.
    func textDecompressor() throws -> TextDecompressor? {
        if let loaded = loadedDecompressor { return loaded }
        let dictionary = try TextDictionary.decode(try metadata(TextDictionary.metadataKey), index: "index")
        let decompressor = dictionary.map { TextDecompressor(dictionary: $0) }
        loadedDecompressor = .some(decompressor)
        return decompressor
    }

    /// A document's stored id, title and text.
    func document(_ did: UInt32) throws -> Document {
        try StoredDocument.decode(try data(did), decompressor: try textDecompressor())
    }

    /// The collection id of a document (value slot 0; older indexes keep it only in the data).
    func externalID(_ did: UInt32) throws -> String {
        var len = 0
        let p = try xapianCall { xq_document_id(handle, did, &len, $0) }
        let id = takeString(p, length: len)
        return id.isEmpty ? StoredDocument.decodeID(try data(did)) : id
    }

    func documentLength(_ did: UInt32) throws -> Int {
        Int(try xapianCall { xq_document_length(handle, did, $0) })
    }

    func termList(_ did: UInt32) throws -> [(term: String, wdf: Int)] {
        var terms: UnsafeMutablePointer<CChar>? = nil
        var termsLen = 0
        var wdfs: UnsafeMutablePointer<UInt32>? = nil
        var count = 0
        _ = try xapianCall { xq_termlist(handle, did, &terms, &termsLen, &wdfs, &count, $0) }
        defer {
            xq_free(terms)
            xq_free(wdfs)
        }
        guard let terms, let wdfs else { return [] }
        var out: [(String, Int)] = []
        out.reserveCapacity(count)
        terms.withMemoryRebound(to: UInt8.self, capacity: termsLen) { base in
            var start = 0
            var i = 0
            for pos in 0..<termsLen where base[pos] == 0 {
                out.append((String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self), Int(wdfs[i])))
                i += 1
                start = pos + 1
            }
        }
        return out
    }

    /// Whether every document keeps its collection id in value slot 0 (indexes written before the slot
    /// existed keep it only in the document data), so that ties can be ordered by id within Xapian.
    func idsInValueSlot() throws -> Bool {
        let n = try xapianCall { xq_value_count(handle, 0, $0) }
        return n == Int64(documentCount)
    }

    /// Ranked retrieval over weighted terms: each hit's collection id, internal number and score, best first
    /// (equal scores in id order when `tiesById`). `k` sizes the hit array: IndexSearcher keeps it within
    /// the document count.
    func search(terms: [String], weights: [Double], model: Int32, p1: Double, p2: Double, k: Int, tiesById: Bool) throws -> [(id: String, did: UInt32, score: Double)] {
        guard !terms.isEmpty, k > 0 else { return [] }
        var hits = [xq_hit](repeating: xq_hit(did: 0, score: 0), count: k)
        var n = 0
        var ids: UnsafeMutablePointer<CChar>? = nil
        var idsLen = 0
        // Keep the UTF-8 bytes alive while C reads them.
        let bytes = terms.map { Array($0.utf8) }
        let lens = bytes.map { $0.count }
        try withPointers(bytes) { ptrs in
            _ = try xapianCall { xq_search(handle, ptrs, lens, weights, terms.count, model, p1, p2, UInt32(k), tiesById ? 1 : 0, &hits, &n, &ids, &idsLen, $0) }
        }
        let names = takeString(ids, length: idsLen).split(separator: "\0", omittingEmptySubsequences: false)
        guard names.count >= n else { throw XapianError(message: "search returned \(n) hits but \(names.count) ids") }
        return (0..<n).map { (String(names[$0]), hits[$0].did, hits[$0].score) }
    }
}

/// Calls body with an array of C pointers to each byte array.
func withPointers<R>(_ arrays: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(arrays.count)
    func recurse(_ i: Int) throws -> R {
        if i == arrays.count { return try body(pointers) }
        return try arrays[i].withUnsafeBufferPointer { buf in
            pointers.append(UnsafeRawPointer(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self))
            return try recurse(i + 1)
        }
    }
    // Deep recursion for long queries is avoided by copying into one buffer instead.
    if arrays.count > 64 {
        var flat: [CChar] = []
        var offsets: [Int] = []
        for a in arrays {
            offsets.append(flat.count)
            flat.append(contentsOf: a.map { CChar(bitPattern: $0) })
            flat.append(0)
        }
        return try flat.withUnsafeBufferPointer { buf in
            try body(offsets.map { buf.baseAddress! + $0 })
        }
    }
    return try recurse(0)
}

/// A writable Xapian database: one writer per index, guarded by Xapian's own lock.
final class XapianWriter {
    let handle: OpaquePointer

    init(path: String, create: Bool) throws {
        guard let h = try xapianCall({ xq_wopen(path, create ? 1 : 0, $0) }) else {
            throw XapianError(message: "cannot open index for writing at \(path)")
        }
        handle = h
    }

    deinit { xq_wclose(handle) }

    var documentCount: Int { Int(xq_wdoccount(handle)) }

    /// Adds a document: its unique id term, stored data, and terms packed NUL-separated with wdfs.
    func add(idTerm: String, data: [UInt8], packedTerms: [UInt8], wdfs: [UInt32]) throws {
        let id = Array(idTerm.utf8)
        try id.withUnsafeBufferPointer { idb in
            try data.withUnsafeBufferPointer { db in
                try packedTerms.withUnsafeBufferPointer { tb in
                    _ = try xapianCall {
                        xq_wadd(handle, UnsafeRawPointer(idb.baseAddress!).assumingMemoryBound(to: CChar.self), idb.count,
                                db.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, db.count,
                                tb.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, tb.count,
                                wdfs, wdfs.count, $0)
                    }
                }
            }
        }
    }

    func setMetadata(_ key: String, _ value: String) throws {
        var v = value
        try v.withUTF8 { buf in
            _ = try xapianCall { xq_wset_metadata(handle, key, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, $0) }
        }
    }

    func metadata(_ key: String) throws -> String {
        var len = 0
        let p = try xapianCall { xq_wget_metadata(handle, key, &len, $0) }
        return takeString(p, length: len)
    }

    func contains(uniqueTerm term: String) throws -> Bool {
        var t = term
        let r = try t.withUTF8 { buf in
            try xapianCall { xq_wfind_docid(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, $0) }
        }
        return r > 0
    }

    func commit() throws { _ = try xapianCall { xq_wcommit(handle, $0) } }
    func beginTransaction() throws { _ = try xapianCall { xq_wbegin_transaction(handle, $0) } }
    func commitTransaction() throws { _ = try xapianCall { xq_wcommit_transaction(handle, $0) } }
    func cancelTransaction() throws { _ = try xapianCall { xq_wcancel_transaction(handle, $0) } }
}

/// A Snowball stemmer from Xapian.
final class XapianStemmer {
    let handle: OpaquePointer

    init(language: String) throws {
        guard let h = try xapianCall({ xq_stemmer_new(language, $0) }) else {
            throw XapianError(message: "unknown stemmer \(language)")
        }
        handle = h
    }

    deinit { xq_stemmer_free(handle) }

    func stem(_ word: String) -> String {
        var w = word
        var outLen = 0
        let p = w.withUTF8 { buf in
            xq_stem(handle, buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count, &outLen)
        }
        guard p != nil else { return word }
        return takeString(p, length: outLen)
    }
}

/// Writes a fully compacted copy of the (closed) database at `source` to the new directory `destination`.
func xapianCompact(_ source: String, into destination: String) throws {
    _ = try xapianCall { xq_compact(source, destination, $0) }
}
