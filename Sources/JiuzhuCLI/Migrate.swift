import ArgumentParser
import Persistence

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations (required on PostgreSQL before serve; automatic on SQLite).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let settings = database.settings()
        let handle = try DatabaseHandle(settings, keys: try CLI.dataKeys(required: false))
        do {
            let pending = try await handle.pendingMigrations()
            try await handle.migrate()
            CLI.say(pending.isEmpty ? "数据库已是最新 (\(settings.displayName))"
                                  : "已执行迁移：\(pending.joined(separator: ", ")) (\(settings.displayName))")
        } catch let e as DataKeyError {
            await handle.close()
            CLI.printError(e.description)
            throw ExitCode(1)
        } catch {
            await handle.close()
            throw error
        }
        await handle.close()
    }
}
