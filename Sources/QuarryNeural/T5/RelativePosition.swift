// T5's relative position buckets: exact offsets up to half the buckets, logarithmic bins beyond, up to
// max_distance; the encoder tells left from right (half the buckets each), the decoder only looks back.
import Foundation

enum RelativePosition {
    /// The bucket of `relative` = key position − query position. Computed in float32, as transformers
    /// does, so offsets on a bin boundary land where they land there.
    static func bucket(_ relative: Int, bidirectional: Bool, buckets: Int, maxDistance: Int) -> Int {
        var n = buckets
        var base = 0
        var distance: Int
        if bidirectional {
            n /= 2
            if relative > 0 { base = n }
            distance = abs(relative)
        } else {
            distance = -min(relative, 0)
        }
        let maxExact = n / 2
        if distance < maxExact { return base + distance }
        let ratio = logf(Float(distance) / Float(maxExact)) / Float(log(Double(maxDistance) / Double(maxExact)))
        let large = maxExact + Int(ratio * Float(n - maxExact))
        return base + min(large, n - 1)
    }

    /// The bias added to attention scores, [heads, queries, keys], from the learned table [buckets, heads].
    /// Query i sits at position `queryOffset + i`; key j at position j.
    static func bias(table: Tensor, heads: Int, queries: Int, keys: Int, queryOffset: Int = 0,
                     bidirectional: Bool, buckets: Int, maxDistance: Int) -> Tensor {
        var out = Tensor(uninitialized: [heads, queries, keys])
        let o = out.mutablePointer()
        withExtendedLifetime(table) {
            let t = table.pointer
            for i in 0..<queries {
                for j in 0..<keys {
                    let b = bucket(j - (queryOffset + i), bidirectional: bidirectional, buckets: buckets, maxDistance: maxDistance)
                    for h in 0..<heads { o[(h * queries + i) * keys + j] = t[b * heads + h] }
                }
            }
        }
        return out
    }
}
