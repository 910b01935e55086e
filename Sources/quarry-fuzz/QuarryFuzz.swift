// quarry-fuzz: Quarry's fuzz targets. Built by tools/fuzz/run.sh with libFuzzer and the address
// sanitizer (`swift build --sanitize=fuzzer --sanitize=address -Xswiftc -DQUARRY_LIBFUZZER`), it is
// libFuzzer's program and fuzzes the target named by QUARRY_FUZZ_TARGET:
//
//   QUARRY_FUZZ_TARGET=topics quarry-fuzz [libFuzzer flags] [CORPUS_DIR...]
//
// Built plainly, it lists the targets or replays inputs through one (how a crash is checked before
// and after its fix):
//
//   quarry-fuzz list
//   quarry-fuzz TARGET FILE_OR_DIR...
//
// Either way it reads the repository's fixtures (a tokenizer) from QUARRY_FUZZ_FIXTURES, by default
// Tests/Fixtures under the working directory.
import Foundation
import QuarryFuzzTargets

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("quarry-fuzz: error: \(message)\n".utf8))
    exit(2)
}

func makeContext() -> FuzzContext {
    let environment = ProcessInfo.processInfo.environment
    let fixtures = environment["QUARRY_FUZZ_FIXTURES"] ?? FileManager.default.currentDirectoryPath + "/Tests/Fixtures"
    do { return try FuzzContext(fixtures: fixtures) } catch { fail("cannot make a scratch directory: \(error)") }
}

func target(named name: String) -> FuzzTarget {
    guard let t = FuzzTargets.named(name) else { fail("no fuzz target '\(name)' (quarry-fuzz list names them)") }
    return t
}

#if QUARRY_LIBFUZZER
nonisolated(unsafe) var fuzzTarget: FuzzTarget?
nonisolated(unsafe) var fuzzContext: FuzzContext?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let name = ProcessInfo.processInfo.environment["QUARRY_FUZZ_TARGET"] else {
        fail("set QUARRY_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    }
    fuzzTarget = target(named: name)
    fuzzContext = makeContext()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    fuzzTarget!.run(bytes, context: fuzzContext!)
    return 0
}
#else
@main
enum QuarryFuzz {
    static func main() {
        let args = CommandLine.arguments
        guard args.count >= 2 else { fail("usage: quarry-fuzz list | quarry-fuzz TARGET FILE_OR_DIR...") }
        if args[1] == "list" {
            for t in FuzzTargets.all { print("\(t.name)\t\(t.seeds)\t\(t.summary)") }
            return
        }
        let replayed = target(named: args[1])
        let context = makeContext()
        var refused = 0
        let files = inputs(Array(args.dropFirst(2)))
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { fail("\(file): cannot read") }
            if let error = replayed.run(data, context: context) {
                refused += 1
                print("\(file): refused: \("\(error)".split(separator: "\n").first ?? "")")
            } else {
                print("\(file): accepted")
            }
        }
        print("\(replayed.name): \(files.count) inputs, \(refused) refused, none crashed")
    }

    /// The inputs under each path (a file, or a folder's files in name order).
    static func inputs(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { fail("\(path): no such file or directory") }
            guard isDir.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
        }
    }
}
#endif
