import ArgumentParser
import Foundation
import Persistence

/// `jiuzhu key new | rotate`: the data key of the sealed columns (docs/adr/0021-sealed-columns.md).
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "The data key that seals ID and account numbers: make one, or reseal the database under a new one.",
        subcommands: [New.self, ID.self, Rotate.self])

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random data key (base64, 32 bytes) for JIUZHU_DATA_KEY. Keep it apart from the database: without it the sealed numbers cannot be read.")

        func run() async throws {
            CLI.say(DataKeys.newKeyText())
        }
    }

    struct ID: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "id",
            abstract: "Print the id (8 hex digits) of the key in JIUZHU_DATA_KEY or JIUZHU_DATA_KEY_FILE, the one error messages name: to tell which copy of a key a database needs.")

        func run() async throws {
            let keys = try CLI.dataKeys(required: true)!
            CLI.say(keys.current.id)
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
                if result.from == keys.current.id && total == 0 {
                    CLI.say("数据库已用密钥 \(keys.current.id) 加密，无需轮换，未改动任何数据")
                    await handle.close()
                    return
                }
                for (column, n) in result.resealed.sorted(by: { $0.key < $1.key }) where n > 0 { CLI.say("  \(column)：\(n)") }
                CLI.say("已用新密钥 \(keys.current.id) 重新加密 \(total) 个值，\(result.stationPersons) 个救助站人员索引。今后只用新密钥启动服务；旧密钥仍须保管到轮换前所做的备份都不再需要为止（恢复那些备份要用它）")
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
