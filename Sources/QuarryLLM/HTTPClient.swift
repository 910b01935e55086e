// One HTTP POST through libcurl, with connect and total timeouts. Blocking; callers run it off the
// cooperative thread pool.
import CCurl
import Foundation

/// A response: status, headers (lowercased names), body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
}

/// A transport failure (no HTTP status): timeout, refused connection, DNS, TLS…
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let message: String
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }
    public var description: String { message }
}

public enum HTTPClient {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    /// Accumulates the body and headers curl hands over.
    private final class Sink {
        var body = Data()
        var headers: [String: String] = [:]
        var overflow = false
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    /// POSTs `body` to `url`. `maxBytes` bounds the response body (an enormous reply is an error).
    public static func post(_ url: String, headers: [String: String], body: Data, connectTimeout: Double,
                            totalTimeout: Double, maxBytes: Int = 16 << 20) throws -> HTTPResponse {
        try perform(url, headers: headers, body: body, connectTimeout: connectTimeout, totalTimeout: totalTimeout, maxBytes: maxBytes)
    }

    /// GETs `url`.
    public static func get(_ url: String, headers: [String: String] = [:], connectTimeout: Double = 5,
                           totalTimeout: Double = 10, maxBytes: Int = 1 << 20) throws -> HTTPResponse {
        try perform(url, headers: headers, body: nil, connectTimeout: connectTimeout, totalTimeout: totalTimeout, maxBytes: maxBytes)
    }

    /// One request: a POST when there is a body, else a GET.
    private static func perform(_ url: String, headers: [String: String], body: Data?, connectTimeout: Double,
                                totalTimeout: Double, maxBytes: Int) throws -> HTTPResponse {
        _ = initialized
        guard let h = curl_easy_init() else { throw TransportError(code: -1, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(h) }
        let sink = Sink(limit: maxBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (k, v) in headers { list = curl_slist_append(list, "\(k): \(v)") }
        defer { curl_slist_free_all(list) }

        _ = qc_setopt_string(h, CURLOPT_URL, url)
        _ = qc_setopt_pointer(h, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        if let body {
            _ = qc_setopt_long(h, CURLOPT_POST, 1)
            // The size first, then a copy of the bytes (curl keeps its own).
            _ = qc_setopt_long(h, CURLOPT_POSTFIELDSIZE, body.count)
            body.withUnsafeBytes { raw in
                _ = qc_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        _ = qc_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connectTimeout * 1000)))
        _ = qc_setopt_long(h, CURLOPT_TIMEOUT_MS, max(1, Int(totalTimeout * 1000)))
        _ = qc_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = qc_setopt_pointer(h, CURLOPT_WRITEDATA, sinkPointer)
        _ = qc_setopt_callback(h, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            let sink = Unmanaged<Sink>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if sink.body.count + n > sink.limit { sink.overflow = true; return 0 }  // aborts the transfer
            if let data { sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: n) }
            return n
        }
        _ = qc_setopt_pointer(h, CURLOPT_HEADERDATA, sinkPointer)
        _ = qc_setopt_callback(h, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            let sink = Unmanaged<Sink>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let data {
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
                if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                    sink.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            return n
        }
        let code = curl_easy_perform(h)
        if code != CURLE_OK {
            if sink.overflow {
                throw TransportError(code: Int(code.rawValue), message: "response larger than \(maxBytes) bytes")
            }
            throw TransportError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = qc_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}
