// The neural runtime's settings.
import XCTest
@testable import QuarryNeural

final class NeuralRuntimeTests: XCTestCase {
    func testThreadCountIsSettable() {
        let before = NeuralRuntime.threads
        NeuralRuntime.setThreads(1)
        XCTAssertEqual(NeuralRuntime.threads, 1)
        NeuralRuntime.setThreads(before)
        XCTAssertEqual(NeuralRuntime.threads, before)
    }
}
