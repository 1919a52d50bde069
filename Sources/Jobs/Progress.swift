import Foundation

/// Reports the progress of long work (terminal bar, web page) without knowing where it is shown.
public struct Progress: Sendable {
    public let report: @Sendable (_ done: Int, _ total: Int, _ label: String) -> Void

    public init(_ report: @escaping @Sendable (Int, Int, String) -> Void) { self.report = report }

    public static let silent = Progress { _, _, _ in }

    /// A bar on standard error: `[########------------] 5/12 2021-05`; plain lines when not a terminal.
    public static let terminal = Progress { done, total, label in
        guard isatty(STDERR_FILENO) == 1 else {
            FileHandle.standardError.write(Data("\(done)/\(total) \(label)\n".utf8))
            return
        }
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r\u{1B}[K[\(bar)] \(done)/\(total) \(label)" + (done == total ? "\n" : "")
        FileHandle.standardError.write(Data(line.utf8))
    }
}
