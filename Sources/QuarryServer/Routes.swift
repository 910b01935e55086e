// The HTTP API over a SearchService, JSON in and out, every error as {"error": "..."} with its status,
// and every answer counted in the metrics; and the browser UI (UI/), a client of that API served
// beside it. docs/openapi.yaml describes these routes.
import Foundation
import Hummingbird
import QuarryCLI
import QuarryCore

public enum ServerRoutes {
    /// The routes, as `docs/openapi.yaml` lists them (a test checks the two agree).
    public static let endpoints: [(method: String, path: String)] = [
        ("POST", "/search"), ("POST", "/batch"), ("GET", "/plugins"), ("GET", "/health"), ("GET", "/metrics"),
        ("GET", "/doc/{id}"), ("GET", "/topics"), ("POST", "/experiment"),
        ("GET", "/"), ("GET", "/ui/app.js"), ("GET", "/ui/app.css"),
    ]

    public static func router(service: SearchService, registry: PluginRegistry, indexPaths: [String],
                              metrics: ServerMetrics) throws -> Router<BasicRequestContext> {
        let limits = service.limits
        let plugins = try PluginCatalog.json(registry)
        let started = Date()
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))

        router.post("/search") { request, _ in
            await answer(metrics) { try await service.search(body: try await collect(request, limit: limits.maxBodyBytes)) }
        }

        router.post("/batch") { request, _ in
            await answer(metrics) { try await service.batch(body: try await collect(request, limit: limits.maxBodyBytes)) }
        }

        router.get("/plugins") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: plugins)))
        }

        router.get("/health") { _, _ in
            await answer(metrics) {
                HealthResponse(version: Quarry.version, index: indexPaths, documents: service.documentCount, maxK: limits.maxK,
                               uptimeSeconds: Date().timeIntervalSince(started))
            }
        }

        router.get("/doc/{id}") { request, context in
            // A browser asking for a page gets the UI's document view, which then asks for the JSON.
            if UIRoutes.wantsPage(request) { return UIRoutes.page() }
            return await answer(metrics) {
                // Path parameters arrive percent-encoded; ids may hold any character.
                let raw = context.parameters.get("id") ?? ""
                let id = raw.removingPercentEncoding ?? raw
                let topic = request.uri.queryParameters.get("topic")
                return try await service.timeLimited { try await service.document(id, topic: topic) }
            }
        }

        router.get("/topics") { _, _ in
            await answer(metrics) { service.topicsResponse() }
        }

        router.post("/experiment") { request, _ in
            await answer(metrics) { try await service.experiment(body: try await collect(request, limit: limits.maxBodyBytes)) }
        }

        UIRoutes.add(to: router)

        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text(gauges: service.gauges))))
        }
        return router
    }

    /// The request body, refused (413) past `limit` bytes without reading further.
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        let tooLarge = APIError.tooLarge("request body is larger than the limit of \(limit) bytes (--max-body-bytes)")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw tooLarge }
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= limit else { throw tooLarge }
            data.append(contentsOf: buffer.readableBytesView)
        }
        return data
    }

    /// Runs a handler and turns its value or error into a JSON response.
    static func answer(_ metrics: ServerMetrics, _ body: () async throws -> some Encodable) async -> Response {
        do {
            return json(try await body(), status: .ok)
        } catch let e as APIError {
            switch e.status.code {
            case 400: metrics.error(.badRequest)
            case 404: metrics.error(.notFound)
            case 413: metrics.error(.tooLarge)
            case 504: metrics.error(.timeout)
            default: metrics.error(.plugin)
            }
            return json(ErrorResponse(error: e.message), status: e.status)
        } catch {
            metrics.error(.internal)
            return json(ErrorResponse(error: "internal error: \(error)"), status: .internalServerError)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"cannot encode the answer\"}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Counts every answer by endpoint and status, with its latency; turns the router's own errors (no
/// such route) into the API's JSON error form.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as HTTPResponseError {
            let valid = ServerRoutes.endpoints.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
            let message = e.status == .notFound ? "no such endpoint: \(request.method) \(request.uri.path) (valid: \(valid))" : "\(e.status)"
            metrics.error(e.status == .notFound ? .notFound : .badRequest)
            response = ServerRoutes.json(ErrorResponse(error: message), status: e.status)
        }
        let endpoint = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "other"
        metrics.request(endpoint: endpoint, status: response.status.code,
                        seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return response
    }
}
