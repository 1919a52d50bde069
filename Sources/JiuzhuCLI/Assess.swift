import ArgumentParser
import Domain
import Foundation
import Persistence

struct Assess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What would this household get? Reads the assess JSON (docs/assess-format.md), prints the decision and its trace.",
        discussion: "No database is needed: the bundled Pengxi policy file is used, or the policy file given with --policy (docs/policy-format.md), or with --db the versions entered in that database (jiuzhu policy import). Use - to read standard input. Exits 1 on invalid input, naming the member, key and value.")

    @Argument(help: "A JSON file, or - for standard input.")
    var file: String

    @ArgumentParser.Option(name: .long, help: "County code used when the input has no region (default: the policy file's region, or 510921).")
    var region: String?

    @ArgumentParser.Option(name: .long, help: "A policy file to assess with instead of the bundled one.")
    var policy: String?

    /// `--db PATH` (or DATABASE_URL): the policy versions entered there instead of the bundled file.
    @OptionGroup var database: DatabaseOptions

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
            var book = PolicyBook.bundled
            var defaultRegion = region ?? "510921"
            if let policy {
                let (file, _) = try PolicyCommand.read(policy)
                book = PolicyBook(file.versions)
                defaultRegion = region ?? file.region
            } else if database.db != nil || ProcessInfo.processInfo.environment["DATABASE_URL"]?.hasPrefix("postgres") == true {
                book = try await Self.installedBook(database)
            }
            let response = try AssessContract.evaluate(json: data, policyBook: book, defaultRegion: defaultRegion)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            CLI.say(String(decoding: try encoder.encode(response), as: UTF8.self))
        } catch let error as AssessError {
            CLI.printError(error.description)
            throw ExitCode(1)
        }
    }

    /// The versions entered in the installation's database (`jiuzhu policy import`).
    static func installedBook(_ options: DatabaseOptions) async throws -> PolicyBook {
        CLI.bootstrapLogging(level: .warning)
        return try await CLI.withDatabase(try options.existingSettings()) { try await PolicyStore($0.db).book() }
    }
}
