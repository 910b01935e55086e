// The question-file flags of the commands that read questions with answers (distill teacher, rag-eval).
import ArgumentParser
import QuarryCore

struct QuestionsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Question file: SQuAD JSON, DPR TSV (NQ, TriviaQA), JSONL (SQuAD, WebQuestions) or topics; .gz read too.", valueName: "file"))
    var questions: String
    @Option(help: ArgumentHelp("Question file format (default: detected): \(QuestionFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var questionsFormat: String?
    @Option(help: ArgumentHelp("SQuAD articles to use: train (even positions of the sorted titles), test (odd) or all.", valueName: "split"))
    var split: String = "all"
    @Option(help: "Only the first N questions (after the split).") var limit: Int?

    /// The questions asked for; an id may appear once.
    func read() throws -> [Question] {
        if let limit, limit < 1 { throw QuarryError("--limit must be at least 1") }
        var format: QuestionFormat? = nil
        if let questionsFormat {
            guard let f = QuestionFormat(rawValue: questionsFormat) else {
                throw QuarryError("unknown --questions-format '\(questionsFormat)'; valid: \(QuestionFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = f
        }
        var selected = try QuestionReader.read(questions, format: format)
        switch split {
        case "all": break
        case "train", "test":
            guard selected.allSatisfy({ !$0.article.isEmpty }) else { throw QuarryError("--split \(split) needs SQuAD JSON (questions with their article)") }
            let titles = Array(Set(selected.map(\.article))).sorted()
            let wanted = Set(titles.enumerated().filter { ($0.offset % 2 == 0) == (split == "train") }.map(\.element))
            selected = selected.filter { wanted.contains($0.article) }
        default: throw QuarryError("--split must be train, test or all, got '\(split)'")
        }
        if let limit { selected = Array(selected.prefix(limit)) }
        var ids = Set<String>()
        for q in selected where !ids.insert(q.id).inserted { throw QuarryError("\(questions): question id '\(q.id)' appears twice") }
        return selected
    }
}
