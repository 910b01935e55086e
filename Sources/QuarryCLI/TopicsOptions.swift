// The topics flags of the commands that read a topics file (run, expand).
import ArgumentParser
import QuarryCore

struct TopicsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Topics file.", valueName: "file")) var topics: String
    @Option(help: ArgumentHelp("Topics format (default: detected): \(TopicFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var topicsFormat: String?
    @Option(help: ArgumentHelp("Field of TREC <top> topics to search.", valueName: "title|desc|narr")) var topicField: String = "title"

    var field: TopicField {
        get throws {
            guard let f = TopicField(rawValue: topicField) else { throw QuarryError("unknown --topic-field '\(topicField)'; valid: title, desc, narr") }
            return f
        }
    }

    func read() throws -> [Topic] {
        var format: TopicFormat? = nil
        if let topicsFormat {
            guard let f = TopicFormat(rawValue: topicsFormat) else {
                throw QuarryError("unknown --topics-format '\(topicsFormat)'; valid: \(TopicFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = f
        }
        return try TopicReader.read(topics, format: format, field: try field)
    }
}
