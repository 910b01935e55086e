// How far a collection read has got through its input files, in on-disk (compressed) bytes, so
// that indexing can show an ETA. Readers open their files through ByteStream, which reports to the
// ReadProgress bound for the current read (a task-local, so no reader signature carries it).
import CZlib
import Foundation

final class ReadProgress: @unchecked Sendable {
    @TaskLocal static var current: ReadProgress?

    let totalBytes: Int64
    private var finishedBytes: Int64 = 0
    private weak var open: ByteStream?
    private var openSize: Int64 = 0

    init(totalBytes: Int64) { self.totalBytes = totalBytes }

    /// Called by each ByteStream as it opens; the previous file counts as read.
    func opened(_ stream: ByteStream, size: Int64) {
        if open != nil { finishedBytes += openSize }
        open = stream
        openSize = size
    }

    /// The fraction of the input read so far, when the total is known.
    var fraction: Double? {
        guard totalBytes > 0 else { return nil }
        let current = open?.compressedOffset ?? 0
        return min(1, Double(finishedBytes + current) / Double(totalBytes))
    }
}
