// float16 and bfloat16 to float32, by bits (Swift's Float16 is not available on every platform we build for).

enum HalfFloat {
    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
    @inline(__always) static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let man = UInt32(h & 0x3FF)
        if exp == 0 {
            if man == 0 { return Float(bitPattern: sign) }
            // Subnormal: value = man · 2⁻²⁴.
            let v = Float(man) * (1.0 / 16_777_216.0)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (man << 13))
    }

    /// bfloat16 is the top half of a float32.
    @inline(__always) static func float(fromBFloat16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
