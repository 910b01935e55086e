// quarry-fuzz: Quarry's fuzz targets. Built by tools/fuzz/run.sh with libFuzzer and the address
// sanitizer (-sanitize=fuzzer,address -DQUARRY_LIBFUZZER) it fuzzes one target; built plainly it
// replays inputs through a target (what a found crash is checked with before and after its fix).
//
//   quarry-fuzz list
//   quarry-fuzz TARGET [libFuzzer flags] [CORPUS_DIR...]   (the libFuzzer build)
//   quarry-fuzz TARGET FILE_OR_DIR...                        (either build: replay)
import Foundation
import QuarryFuzzTargets
#if QUARRY_LIBFUZZER
import CLibFuzzer
#endif

nonisolated(unsafe) var fuzzTarget: FuzzTarget!
nonisolated(unsafe) var fuzzContext: FuzzContext!

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("quarry-fuzz: error: \(message)\n".utf8))
    exit(2)
}

/// The inputs under each path (a file, or a folder's files in name order).
func inputs(_ paths: [String]) -> [String] {
    paths.flatMap { path -> [String] in
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { fail("\(path): no such file or directory") }
        guard isDir.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
    }
}

var args = CommandLine.arguments
guard args.count >= 2 else { fail("usage: quarry-fuzz list | quarry-fuzz TARGET [FILE|DIR|libFuzzer flags]...") }
if args[1] == "list" {
    for t in FuzzTargets.all { print("\(t.name)\t\(t.seeds)\t\(t.summary)") }
    exit(0)
}
guard let target = FuzzTargets.named(args[1]) else {
    fail("no fuzz target '\(args[1])' (quarry-fuzz list names them)")
}
let fixtures = ProcessInfo.processInfo.environment["QUARRY_FUZZ_FIXTURES"] ?? FileManager.default.currentDirectoryPath + "/Tests/Fixtures"
do {
    fuzzContext = try FuzzContext(fixtures: fixtures)
} catch {
    fail("cannot make a scratch directory: \(error)")
}
fuzzTarget = target

#if QUARRY_LIBFUZZER
// libFuzzer sees the arguments after the target's name (its flags, corpus folders, or files to rerun).
args.remove(at: 1)
var argc = CInt(args.count)
var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
let status = cArgs.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
        fuzzTarget.run(bytes, context: fuzzContext)
        return 0
    }
}
exit(status)
#else
// Replay: every input through the target; a refusal is printed, a crash ends the process.
var refused = 0
let files = inputs(Array(args.dropFirst(2)))
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else { fail("\(file): cannot read") }
    if let error = target.run(data, context: fuzzContext) {
        refused += 1
        print("\(file): refused: \("\(error)".split(separator: "\n").first ?? "")")
    } else {
        print("\(file): accepted")
    }
}
print("\(target.name): \(files.count) inputs, \(refused) refused, 0 crashes")
#endif
