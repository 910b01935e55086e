// The arithmetic RADIO's scores share at query time (the reranker) and in making training data
// (`quarry distill radio-data`).

public enum RADIOScores {
    /// Cosine similarity, in double precision.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }

    /// (x − min) / (max − min); all 1 when all are equal.
    public static func minMax(_ xs: [Double]) -> [Double] {
        guard let lo = xs.min(), let hi = xs.max() else { return [] }
        return xs.map { hi > lo ? ($0 - lo) / (hi - lo) : 1 }
    }
}
