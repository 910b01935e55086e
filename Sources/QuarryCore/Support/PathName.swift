// Path-name arithmetic on plain strings. (NSString's path methods in swift-corelibs-foundation crash
// on one-character strings such as an index named "x", so Quarry's own code avoids them.)
import Foundation

public enum PathName {
    /// The last component: "a/b.html" → "b.html", "x" → "x".
    public static func last(_ path: String) -> String {
        let p = trimmingSlashes(path)
        guard let slash = p.lastIndex(of: "/") else { return p }
        return String(p[p.index(after: slash)...])
    }

    /// The directory part: "a/b" → "a", "/b" → "/", "b" → "".
    public static func parent(_ path: String) -> String {
        let p = trimmingSlashes(path)
        guard let slash = p.lastIndex(of: "/") else { return "" }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    public static func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty ? name : dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// An absolute path with `.` and `..` resolved, for comparing two spellings of one path.
    public static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    private static func trimmingSlashes(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }
}
