// Errors from reading weights and configurations: each names the file and what is wrong with it.
import Foundation

public struct CheckpointError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
