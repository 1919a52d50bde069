import Foundation
import Testing

/// Office files opened by the programs people use: openpyxl and python-docx from PyPI (installed by
/// `.ci/run`). A missing reader fails the test by name; it never skips.
enum RealReaders {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `script` with python3, the file's path as its argument; its standard output.
    static func python(_ script: String, file: Data, suffix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("file." + suffix)
        try file.write(to: path)
        let scriptPath = dir.appendingPathComponent("read.py")
        try Data(script.utf8).write(to: scriptPath)
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        let pid = try Spawn.spawn("PYTHONIOENCODING=utf-8 python3 \(Spawn.quote(scriptPath.path)) \(Spawn.quote(path.path)) > \(Spawn.quote(out.path)) 2> \(Spawn.quote(err.path))")
        let status = Spawn.wait(pid)
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw Failure(description: "python3 exited \(status) (openpyxl and python-docx are installed by .ci/run: pip install openpyxl python-docx): \(stderr)")
        }
        return stdout
    }
}
