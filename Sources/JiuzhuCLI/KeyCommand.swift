import ArgumentParser
import Foundation
import Persistence

/// `jiuzhu key new | rotate`: the data key of the sealed columns (docs/adr/0021-sealed-columns.md).
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "The data key that seals ID and account numbers: make one, or reseal the database under a new one.",
        subcommands: [New.self, Rotate.self])

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random data key (base64, 32 bytes) for JIUZHU_DATA_KEY. Keep it apart from the database: without it the sealed numbers cannot be read.")

        func run() async throws {
            CLI.say(DataKeys.newKeyText())
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reseal every ID and account number under JIUZHU_DATA_KEY (the new key), opening them with JIUZHU_DATA_KEY_PREVIOUS (the old ones, comma-separated), in one transaction. Stop the server first.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let settings = try database.existingSettings()
            let keys = try CLI.dataKeys(required: true)!
            let handle = try DatabaseHandle(settings, keys: keys)
            do {
                try await handle.prepareSchema()
                let result = try await DataKeyRotation(handle.db).rotate { column, n in
                    FileHandle.standardError.write(Data("\r\(column)：已重新加密 \(n)".utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
                let total = result.resealed.values.reduce(0, +)
                for (column, n) in result.resealed.sorted(by: { $0.key < $1.key }) where n > 0 { CLI.say("  \(column)：\(n)") }
                CLI.say("已用新密钥 \(keys.current.id) 重新加密 \(total) 个值，\(result.stationPersons) 个救助站人员索引；旧密钥可以停用（JIUZHU_DATA_KEY_PREVIOUS 不再需要）")
            } catch let e as DataKeyError {
                await handle.close()
                CLI.printError(e.description + "（未改动任何数据）")
                throw ExitCode(1)
            } catch {
                await handle.close()
                throw error
            }
            await handle.close()
        }
    }
}
