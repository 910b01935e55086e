// An error answered to the client: an HTTP status and a one-line message, sent as {"error": "..."}.
import HTTPTypes

struct APIError: Error, CustomStringConvertible, Sendable {
    let status: HTTPResponse.Status
    let message: String

    var description: String { message }

    /// The request is wrong (JSON, a field, an unknown plugin or option, a limit): 400.
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    /// No such document (GET /doc/{id}): 404.
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    /// The body is larger than --max-body-bytes: 413.
    static func tooLarge(_ message: String) -> APIError { APIError(status: .contentTooLarge, message: message) }
    /// A plugin failed while answering: 500 for this request only.
    static func pluginFailed(_ message: String) -> APIError { APIError(status: .internalServerError, message: message) }
    /// The request ran past --time-limit: 504.
    static func timedOut(_ message: String) -> APIError { APIError(status: .gatewayTimeout, message: message) }
}
