// A persistent cache of LLM responses in SQLite, shared by all LLM plugins and by concurrent quarry
// processes (WAL journal, busy timeout). Keyed by the endpoint and the full request body —
// model, prompt and every generation parameter; the API key is never part of it.
import CSQLite
import Foundation

public final class ResponseCache: @unchecked Sendable {
    public let path: String
    private var db: OpaquePointer?
    private let lock = NSLock()
    /// The lookup statement, prepared once: a hit is then one B-tree probe, not a parse.
    private var lookup: OpaquePointer?

    /// Opens (or creates) the cache file `llm-cache.sqlite` in `directory`.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory.hasSuffix("/") ? directory + "llm-cache.sqlite" : directory + "/llm-cache.sqlite"
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw LLMError.cache("\(path): \(message)")
        }
        sqlite3_busy_timeout(db, 10_000)
        for sql in ["PRAGMA journal_mode=WAL",
                    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL, created TEXT NOT NULL)"] {
            // Two processes creating the same new cache at once: switching to WAL does not wait on the
            // busy handler, so a locked database is retried here (for up to the same 10 s) — it is
            // contention, not damage.
            var code = exec(sql)
            let deadline = Date().addingTimeInterval(10)
            while (code == SQLITE_BUSY || code == SQLITE_LOCKED) && Date() < deadline {
                usleep(10_000)
                code = exec(sql)
            }
            if code != SQLITE_OK {
                let message = String(cString: sqlite3_errmsg(db))
                sqlite3_close(db)
                if code == SQLITE_BUSY || code == SQLITE_LOCKED { throw LLMError.cache("\(path): \(message) (another process holds it)") }
                throw LLMError.cache("\(path): damaged or not a cache file (\(message)); move it aside and run again")
            }
        }
    }

    deinit {
        sqlite3_finalize(lookup)
        sqlite3_close(db)
    }

    /// Runs one statement; the SQLite result code.
    private func exec(_ sql: String) -> Int32 {
        sqlite3_exec(db, sql, nil, nil, nil)
    }

    /// The cached response for `key`, or nil.
    public func get(_ key: String) throws -> String? {
        lock.lock(); defer { lock.unlock() }
        if lookup == nil, sqlite3_prepare_v2(db, "SELECT response FROM responses WHERE key = ?", -1, &lookup, nil) != SQLITE_OK {
            throw LLMError.cache("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer {
            sqlite3_reset(lookup)
            sqlite3_clear_bindings(lookup)
        }
        sqlite3_bind_text(lookup, 1, key, -1, qs_transient())
        switch sqlite3_step(lookup) {
        case SQLITE_ROW: return String(cString: sqlite3_column_text(lookup, 0))
        case SQLITE_DONE: return nil
        default: throw LLMError.cache("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// Stores a response (one atomic statement: a reader sees the whole entry or none).
    public func put(_ key: String, endpoint: String, request: String, response: String) throws {
        lock.lock(); defer { lock.unlock() }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO responses (key, endpoint, request, response, created) VALUES (?, ?, ?, ?, ?)", -1, &stmt, nil) == SQLITE_OK else {
            throw LLMError.cache("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(stmt) }
        for (i, v) in [key, endpoint, request, response, ISO8601DateFormatter().string(from: Date())].enumerated() {
            sqlite3_bind_text(stmt, Int32(i + 1), v, -1, qs_transient())
        }
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw LLMError.cache("\(path): \(String(cString: sqlite3_errmsg(db)))") }
    }

    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM responses", -1, &stmt, nil) == SQLITE_OK else { return 0 }
        defer { sqlite3_finalize(stmt) }
        return sqlite3_step(stmt) == SQLITE_ROW ? Int(sqlite3_column_int64(stmt, 0)) : 0
    }
}
