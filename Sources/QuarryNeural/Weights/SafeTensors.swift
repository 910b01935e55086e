// A safetensors file (Hugging Face's weight format): an 8-byte little-endian header length, a JSON header
// mapping each tensor name to {dtype, shape, data_offsets}, then the raw little-endian data. The file is
// memory-mapped; float32 tensors point straight into the mapping (no copy), float16/bfloat16/float64 are
// converted. Every number in the header is checked before use, so a damaged or hostile file is an error.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last tensor pointing into it is gone.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError("\(path): cannot stat (\(String(cString: strerror(errno))))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError("\(path): not a regular file") }
        size = Int(st.st_size)
        if size == 0 {
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 8))
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CheckpointError("\(path): cannot map (\(String(cString: strerror(errno))))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if size == 0 { UnsafeMutableRawPointer(mutating: base).deallocate() }
        else { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }
}

public final class SafeTensorsFile: @unchecked Sendable {
    /// Element types of the format.
    public enum DType: String, Sendable, CaseIterable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2
        public var byteSize: Int {
            switch self {
            case .F64, .I64, .U64: return 8
            case .F32, .I32, .U32: return 4
            case .F16, .BF16, .I16, .U16: return 2
            case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: return 1
            }
        }
    }

    /// One tensor's header entry; `byteRange` is relative to the start of the data section.
    public struct Entry: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let byteRange: Range<Int>
    }

    /// Largest header accepted (the reference implementation's limit too).
    static let maxHeaderBytes = 100 << 20

    public let path: String
    /// Tensors by name.
    public let entries: [String: Entry]
    /// The optional `__metadata__` strings.
    public let metadata: [String: String]
    let file: MappedFile
    /// Offset of the data section in the file.
    let dataStart: Int

    /// Maps and validates `path`.
    public init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        self.file = file
        func fail(_ what: String) -> CheckpointError { CheckpointError("\(path): not a valid safetensors file: \(what)") }
        guard file.size >= 8 else { throw fail("\(file.size) bytes, shorter than the 8-byte header length") }
        let headerLength = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(Self.maxHeaderBytes) else { throw fail("header length \(headerLength) is larger than the \(Self.maxHeaderBytes)-byte limit") }
        guard headerLength <= UInt64(file.size - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(file.size) bytes; truncated?)")
        }
        let n = Int(headerLength)
        dataStart = 8 + n
        let dataSize = file.size - dataStart
        let headerData = Data(bytes: file.base + 8, count: n)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData, options: [])
        } catch {
            throw fail("header is not well-formed JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("header is not a JSON object") }

        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry '\(name)' is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("tensor '\(name)' has unknown dtype '\(dtypeName)'") }
            guard let shapeValues = info["shape"] as? [Any] else { throw fail("tensor '\(name)' has no shape list") }
            var shape: [Int] = []
            var elements = 1
            for d in shapeValues {
                guard let dim = Self.exactInt(d), dim >= 0 else { throw fail("tensor '\(name)' has an invalid dimension \(d) in its shape") }
                let (p, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw fail("tensor '\(name)' shape \(shapeValues) overflows") }
                elements = p
                shape.append(dim)
            }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = Self.exactInt(offsets[0]), let end = Self.exactInt(offsets[1]) else {
                throw fail("tensor '\(name)' has no valid data_offsets [begin, end]")
            }
            guard begin >= 0, begin <= end else { throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] out of order") }
            guard end <= dataSize else {
                throw fail("tensor '\(name)' data_offsets [\(begin), \(end)] are out of range: the data section has \(dataSize) bytes (truncated?)")
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, bytes == end - begin else {
                throw fail("tensor '\(name)' shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(bytes)) bytes but data_offsets [\(begin), \(end)] hold \(end - begin) (shape/bytes mismatch)")
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        // No two tensors may share bytes (empty tensors share nothing).
        let sorted = entries.values.filter { !$0.byteRange.isEmpty }.sorted { ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.byteRange.lowerBound < a.byteRange.upperBound {
            throw fail("tensors '\(a.name)' [\(a.byteRange.lowerBound), \(a.byteRange.upperBound)) and '\(b.name)' [\(b.byteRange.lowerBound), \(b.byteRange.upperBound)) overlap")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// A JSON number that is an integer exactly (not 3.5, not 1e30, not true), else nil.
    private static func exactInt(_ v: Any) -> Int? {
        // JSON booleans arrive as NSNumber too ("c"); `as? Int` refuses fractions and out-of-range values.
        guard let n = v as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        return n as? Int
    }

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The tensor `name` as float32: zero-copy for aligned F32 data, converted from F16, BF16 and F64.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw CheckpointError("\(path): no tensor named '\(name)'") }
        let count = e.shape.reduce(1, *)
        let src = file.base + dataStart + e.byteRange.lowerBound
        switch e.dtype {
        case .F32:
            if Int(bitPattern: src) % MemoryLayout<Float>.alignment == 0 && count > 0 {
                let storage = TensorStorage(borrowing: UnsafeMutablePointer(mutating: src.assumingMemoryBound(to: Float.self)), capacity: count, owner: file)
                return Tensor(shape: e.shape, storage: storage)
            }
            var t = Tensor(uninitialized: e.shape)
            if count > 0 { UnsafeMutableRawPointer(t.mutablePointer()).copyMemory(from: src, byteCount: count * 4) }
            return t
        case .F16, .BF16:
            var t = Tensor(uninitialized: e.shape)
            let dst = t.mutablePointer()
            let isHalf = e.dtype == .F16
            for i in 0..<count {
                let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                dst[i] = isHalf ? HalfFloat.float(fromHalf: bits) : HalfFloat.float(fromBFloat16: bits)
            }
            return t
        case .F64:
            var t = Tensor(uninitialized: e.shape)
            let dst = t.mutablePointer()
            for i in 0..<count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            return t
        default:
            throw CheckpointError("\(path): tensor '\(name)' has dtype \(e.dtype.rawValue), which cannot be read as floating point (unsupported dtype)")
        }
    }
}
