// A document as a collection reader yields it, with where it came from for error messages.

public struct RawDocument: Sendable {
    public var id: String
    public var title: String
    public var text: String
    /// The file (and tar member) and line the record starts on.
    public var file: String
    public var line: Int?

    public init(id: String, title: String, text: String, file: String, line: Int?) {
        self.id = id
        self.title = title
        self.text = text
        self.file = file
        self.line = line
    }

    public var location: String { line.map { "\(file):\($0)" } ?? file }
}

/// A malformed record. With `--skip-bad` it is counted and skipped; otherwise it stops the job.
public struct BadRecord: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let reason: String
    public var description: String { inputError(file, line: line, reason).message }
}
