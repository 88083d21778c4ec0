// Which assertion keys may be in the replay table: a Bloom filter that answers "maybe"
// for every key SQLite holds and "no" for nearly every other, so a first-time claim —
// almost every claim — skips its SQLite lookup. That lookup (a read transaction with
// its file locks, a statement step, a B-tree descent) was ~13 % of mint's time per
// exchange (perf, dwarf call graphs).
//
// One 64-bit word per key, four bits set in it (a "blocked" filter: one cache line
// touched per lookup), at least `bitsPerKey` bits per key it was sized for; at that
// load under 1 % of absent keys answer "maybe" (a test measures it). A key is never
// removed: purged rows stay "maybe" until the store rebuilds the filter from the table,
// which it does once more keys were added than the filter was sized for. Past
// `maxWords` the filter saturates and answers "maybe" more often: slower, never wrong.
struct StoredKeyFilter {
    static let bitsPerKey = 16
    static let maxWords = 1 << 22        // 32 MiB: ~16 million keys
    private var words: [UInt64]
    /// Keys the filter was sized for; beyond it the false "maybe"s grow.
    let capacity: Int
    /// Keys added since it was built (a key added twice counts twice).
    private(set) var added = 0

    /// Room for at least `capacity` keys (in a power-of-two number of words).
    init(capacity: Int) {
        let wanted = max(1, capacity) * StoredKeyFilter.bitsPerKey / 64
        var n = 64
        while n < wanted && n < StoredKeyFilter.maxWords { n <<= 1 }
        words = [UInt64](repeating: 0, count: n)
        self.capacity = n * 64 / StoredKeyFilter.bitsPerKey
    }

    /// The word a key lives in and its four bits. Keys are already hashes (SHA-256
    /// prefixes); the multiply spreads them anyway, so the filter does not rely on it.
    @inline(__always)
    private func slot(_ key: Int64) -> (index: Int, mask: UInt64) {
        let h = UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        let index = Int(truncatingIfNeeded: h >> 32) & (words.count - 1)
        var mask: UInt64 = 0
        for i in 0..<4 { mask |= 1 << ((h >> (6 * UInt64(i))) & 63) }
        return (index, mask)
    }

    mutating func add(_ key: Int64) {
        let (i, mask) = slot(key)
        words[i] |= mask
        added += 1
    }

    /// False only for a key never added.
    func mayContain(_ key: Int64) -> Bool {
        let (i, mask) = slot(key)
        return words[i] & mask == mask
    }

    var isOverfull: Bool { added > capacity }
}
