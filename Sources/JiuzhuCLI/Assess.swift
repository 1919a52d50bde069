import ArgumentParser
import Domain
import Foundation

struct Assess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What would this household get? Reads the assess JSON (docs/assess-format.md), prints the decision and its trace.",
        discussion: "No database is needed. Use - to read standard input. Exits 1 on invalid input, naming the member, key and value.")

    @Argument(help: "A JSON file, or - for standard input.")
    var file: String

    @ArgumentParser.Option(name: .long, help: "County code used when the input has no region.")
    var region = "510921"

    func run() async throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                CLI.printError("无法读取文件 \(file) (cannot read file)")
                throw ExitCode(2)
            }
            data = d
        }
        do {
            let response = try AssessContract.evaluate(json: data, policyBook: .bundled, defaultRegion: region)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            CLI.say(String(decoding: try encoder.encode(response), as: UTF8.self))
        } catch let error as AssessError {
            CLI.printError(error.description)
            throw ExitCode(1)
        }
    }
}
