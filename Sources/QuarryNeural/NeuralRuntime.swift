// The neural runtime's process-wide settings: how many threads OpenBLAS uses.
import COpenBLAS
import Foundation

public enum NeuralRuntime {
    /// Threads for matrix products; defaults to the cores present.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
