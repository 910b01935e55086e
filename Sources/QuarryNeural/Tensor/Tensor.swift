// A float32 tensor: a shape (row-major) over a contiguous buffer. Storage is shared between copies
// and copied on the first write (copy-on-write); views (reshape, leading-axis slices) share it without
// copying. Storage may be memory-mapped from a checkpoint, in which case it is read-only and any write
// goes to a private copy.
import Foundation

/// The buffer behind one or more tensors.
public final class TensorStorage: @unchecked Sendable {
    /// First element of the buffer.
    public let base: UnsafeMutablePointer<Float>
    /// Number of floats in the buffer.
    public let capacity: Int
    /// Keeps a mapping (or other owner) alive while tensors point into it; nil when this buffer owns its memory.
    let owner: AnyObject?

    /// Allocates `capacity` floats, uninitialised.
    init(capacity: Int) {
        self.capacity = capacity
        self.base = UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 1))
        self.owner = nil
    }

    /// Wraps memory owned by `owner` (zero-copy); it must stay valid while `owner` lives.
    init(borrowing base: UnsafeMutablePointer<Float>, capacity: Int, owner: AnyObject) {
        self.base = base
        self.capacity = capacity
        self.owner = owner
    }

    /// Whether writes must first copy (the memory belongs to someone else, e.g. a read-only mapping).
    var isBorrowed: Bool { owner != nil }

    deinit {
        if owner == nil { base.deallocate() }
    }
}

/// A dense float32 tensor, row-major.
public struct Tensor: @unchecked Sendable {
    /// Dimensions, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// Index of the first element in `storage`.
    @usableFromInline var offset: Int

    // MARK: Creation

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        storage.base.update(repeating: 0, count: Swift.max(count, 1))
    }

    /// A tensor with every element `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        storage.base.update(repeating: value, count: count)
    }

    /// A tensor holding `values` (row-major); their number must equal the shape's product.
    public init(shape: [Int], _ values: [Float]) {
        precondition(Tensor.product(shape) == values.count, "Tensor: \(values.count) values for shape \(shape)")
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { storage.base.update(from: b, count: values.count) }
        }
    }

    /// A tensor whose elements are not initialised: every element must be written before it is read.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.storage = TensorStorage(capacity: Tensor.product(shape))
        self.offset = 0
    }

    /// A tensor over existing storage (zero-copy).
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) {
        precondition(offset >= 0 && offset + Tensor.product(shape) <= storage.capacity, "Tensor: shape \(shape) at \(offset) exceeds its storage")
        self.shape = shape
        self.storage = storage
        self.offset = offset
    }

    // MARK: Geometry

    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { Tensor.product(shape) }
    /// Size of the last axis (1 for a scalar).
    public var columns: Int { shape.last ?? 1 }
    /// Number of rows when the tensor is read as a matrix [all leading axes flattened, last axis].
    public var rows: Int { columns == 0 ? 0 : count / columns }

    static func product(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    // MARK: Access

    /// Read-only pointer to the first element; valid while this tensor (or a copy) is alive and unmodified.
    @inlinable public var pointer: UnsafePointer<Float> { UnsafePointer(storage.base + offset) }

    /// Calls `body` with the elements.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base + offset, count: count)) }
    }

    /// Calls `body` with writable elements (copies first if the storage is shared or borrowed).
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: count)) }
    }

    /// Writable pointer to the first element after making the storage unique; valid until the next copy of `self` is written.
    @inlinable public mutating func mutablePointer() -> UnsafeMutablePointer<Float> {
        makeUnique()
        return storage.base + offset
    }

    /// Ensures this tensor is the only owner of writable storage.
    @usableFromInline mutating func makeUnique() {
        if isKnownUniquelyReferenced(&storage) && !storage.isBorrowed { return }
        let n = count
        let fresh = TensorStorage(capacity: n)
        fresh.base.update(from: storage.base + offset, count: n)
        storage = fresh
        offset = 0
    }

    /// The elements as an array (a copy).
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// Element at a full index (slow; for tests and setup, not hot loops).
    public subscript(index: Int...) -> Float {
        get { pointer[flatIndex(index)] }
        set { let i = flatIndex(index); mutablePointer()[i] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "Tensor: index \(index) out of shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    // MARK: Views and copies

    /// The same elements under another shape (no copy); one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "Tensor: cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        precondition(Tensor.product(s) == count, "Tensor: cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: s, storage: storage, offset: offset)
    }

    /// Entries `range` of the first axis (no copy).
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "Tensor: slice \(range) of shape \(shape)")
        let inner = count / Swift.max(shape[0], 1)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, storage: storage, offset: offset + range.lowerBound * inner)
    }

    /// Entry `i` of the first axis, with that axis dropped (no copy).
    public func slice(_ i: Int) -> Tensor {
        slice(i..<(i + 1)).reshaped(Array(shape.dropFirst()))
    }

    /// The transpose of a matrix (a copy).
    public func transposed() -> Tensor {
        precondition(rank == 2, "Tensor.transposed: needs a matrix, got \(shape)")
        return permuted([1, 0])
    }

    /// Axes reordered: result axis i is this tensor's axis `axes[i]` (a copy).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "Tensor.permuted: \(axes) is not a permutation of \(rank) axes")
        let newShape = axes.map { shape[$0] }
        var strides = [Int](repeating: 1, count: rank)
        if rank > 1 { for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] } }
        let srcStrides = axes.map { strides[$0] }
        var out = Tensor(uninitialized: newShape)
        let n = count
        let src = pointer
        let dst = out.mutablePointer()
        var idx = [Int](repeating: 0, count: rank)
        var srcOff = 0
        withExtendedLifetime(self) {
            for flat in 0..<n {
                dst[flat] = src[srcOff]
                // Odometer increment over the new shape, tracking the source offset.
                var a = rank - 1
                while a >= 0 {
                    idx[a] += 1
                    srcOff += srcStrides[a]
                    if idx[a] < newShape[a] { break }
                    srcOff -= srcStrides[a] * newShape[a]
                    idx[a] = 0
                    a -= 1
                }
            }
        }
        return out
    }

    /// Tensors joined along the first axis (a copy); the other axes must agree.
    public static func concatenate(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "Tensor.concatenate: nothing to join")
        let inner = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == inner }, "Tensor.concatenate: shapes \(parts.map(\.shape)) differ past the first axis")
        var out = Tensor(uninitialized: [parts.reduce(0) { $0 + $1.shape[0] }] + inner)
        let dst = out.mutablePointer()
        var at = 0
        for p in parts {
            p.withUnsafeBufferPointer { src in
                if let b = src.baseAddress { (dst + at).update(from: b, count: src.count) }
            }
            at += p.count
        }
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape)) [\(head)\(count > 8 ? ", …" : "")]"
    }
}
