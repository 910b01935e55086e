// One error type for the engine: a one-line message a user can act on.

public struct QuarryError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An error tied to a place in an input file (`file:line: message`).
public func inputError(_ file: String, line: Int?, _ message: String) -> QuarryError {
    if let line { return QuarryError("\(file):\(line): \(message)") }
    return QuarryError("\(file): \(message)")
}
