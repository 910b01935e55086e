// Plugin and model options: camelCase keys, typed, with defaults. The same key is used in
// `--set plugin.key=value`, in a TOML `[plugin]` table and in a per-query pipeline spec.

/// The type of an option's value.
public enum OptionType: String, Sendable, CaseIterable {
    case int, double, bool, string
}

/// One option value.
public enum OptionValue: Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        }
    }

    /// Parses `text` as a value of `type`; nil when it is not one.
    public static func parse(_ text: String, as type: OptionType) -> OptionValue? {
        let t = text.trimmingWhitespace()
        switch type {
        case .int: return Int(t).map(OptionValue.int)
        case .double: return Double(t).flatMap { $0.isFinite ? OptionValue.double($0) : nil }
        case .bool:
            switch t.lowercased() {
            case "true", "1", "yes", "on": return .bool(true)
            case "false", "0", "no", "off": return .bool(false)
            default: return nil
            }
        case .string: return .string(text)
        }
    }

    /// Converts a value of a compatible type (an int where a double is wanted) to `type`.
    public func converted(to type: OptionType) -> OptionValue? {
        switch (self, type) {
        case (.int, .int), (.double, .double), (.bool, .bool), (.string, .string): return self
        case (.int(let v), .double): return .double(Double(v))
        case (.double(let v), .int): return Int(exactly: v).map(OptionValue.int)
        case (.string(let s), _): return OptionValue.parse(s, as: type)
        default: return nil
        }
    }
}

/// The declaration of one option: name (camelCase, without the plugin prefix), type, default, help.
public struct OptionSpec: Sendable, Hashable {
    public let name: String
    public let type: OptionType
    public let defaultValue: OptionValue?
    public let help: String
    /// Set only by the operator (command line or config file), never by a search request to
    /// `quarry serve`: true for every option whose value names a file, directory, URL, network
    /// address, environment variable or command. API 1.3.
    public let operatorOnly: Bool

    public init(_ name: String, _ type: OptionType, default defaultValue: OptionValue?, help: String, operatorOnly: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
        self.operatorOnly = operatorOnly
    }
}

/// The resolved options of one plugin: every declared option with its default or the value set.
public struct Options: Sendable, Hashable {
    public private(set) var values: [String: OptionValue]

    public init(_ values: [String: OptionValue] = [:]) { self.values = values }

    public subscript(key: String) -> OptionValue? { values[key] }

    public func int(_ key: String) -> Int? {
        if case .int(let v)? = values[key] { return v }
        return nil
    }
    public func double(_ key: String) -> Double? {
        switch values[key] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: return nil
        }
    }
    public func bool(_ key: String) -> Bool? {
        if case .bool(let v)? = values[key] { return v }
        return nil
    }
    public func string(_ key: String) -> String? {
        if case .string(let v)? = values[key] { return v }
        return nil
    }
}

/// An option value that does not fit its declaration.
public struct OptionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Options {
    /// Resolves `given` against `specs`: fills defaults, converts types, rejects unknown keys.
    /// `plugin` names the plugin in error messages (`rm3.fbDocs`).
    public static func resolve(_ given: [String: OptionValue], specs: [OptionSpec], plugin: String) throws -> Options {
        var out: [String: OptionValue] = [:]
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in given {
            guard let spec = byName[key] else {
                let valid = specs.map { "\(plugin).\($0.name)" }.sorted().joined(separator: ", ")
                throw OptionError("unknown option '\(plugin).\(key)'; valid options: \(valid.isEmpty ? "none" : valid)")
            }
            guard let v = value.converted(to: spec.type) else {
                throw OptionError("option '\(plugin).\(key)' expects \(spec.type.rawValue), got '\(value)'")
            }
            out[key] = v
        }
        for spec in specs where out[spec.name] == nil {
            if let d = spec.defaultValue { out[spec.name] = d }
        }
        return Options(out)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
