// The browser UI's three files, served from the binary (no build step, nothing fetched from
// elsewhere): the page at / (also the document view at /doc/ID when a browser asks for HTML), its
// script and its style sheet. The page is a client of the JSON API and nothing more. A strict
// Content-Security-Policy allows only these files' own script and style: even if some document text
// ever reached the page as markup, no inline script in it would run.
import Foundation
import HTTPTypes
import Hummingbird

enum UIRoutes {
    static func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in page() }
        router.get("/ui/app.js") { _, _ in file(UIScript.text, type: "text/javascript; charset=utf-8") }
        router.get("/ui/app.css") { _, _ in file(UIStyle.text, type: "text/css; charset=utf-8") }
    }

    /// The page; the script reads the location to show the search or the document view.
    static func page() -> Response { file(UIPage.html, type: "text/html; charset=utf-8") }

    /// A browser navigating asks for HTML first; API clients (curl, fetch with Accept JSON) do not.
    static func wantsPage(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept] else { return false }
        return accept.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces).hasPrefix("text/html") } ?? false
    }

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    private static func file(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .contentSecurityPolicy: contentSecurityPolicy, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
