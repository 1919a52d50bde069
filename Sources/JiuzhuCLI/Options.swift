import ArgumentParser
import Domain
import Foundation
import Jobs
import Logging
import Persistence

/// Where the database is: `--db PATH` for SQLite (default ./jiuzhu.sqlite), or `DATABASE_URL`.
struct DatabaseOptions: ParsableArguments {
    @ArgumentParser.Option(name: .long, help: "SQLite database file (default ./jiuzhu.sqlite). DATABASE_URL=postgres://… selects PostgreSQL instead. The data key that seals ID and account numbers: JIUZHU_DATA_KEY or JIUZHU_DATA_KEY_FILE (a demo database: its .key file beside it).")
    var db: String?

    /// The database of a command that reads existing data: a SQLite file that is not there is an
    /// error (it would silently create an empty database and report zeros).
    func existingSettings() throws -> DatabaseSettings {
        let s = settings()
        if case .sqliteFile(let path) = s, !FileManager.default.fileExists(atPath: path) {
            CLI.printError("数据库文件 \(path) 不存在。请用 --db 指定，例如演示数据：--db jiuzhu-demo.sqlite (database file not found)")
            throw ExitCode(2)
        }
        return s
    }

    func settings(defaultFile: String = "jiuzhu.sqlite") -> DatabaseSettings {
        let env = ProcessInfo.processInfo.environment["DATABASE_URL"]
        if db == nil, let env, env.hasPrefix("postgres") { return .postgres(url: env) }
        let path = db ?? defaultFile
        return .sqliteFile(URL(fileURLWithPath: path).standardizedFileURL.path)
    }
}

enum CLI {
    /// Logging to standard error: warnings only for batch commands, info when serving.
    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }

    /// A line on standard output, written at once (print() is block-buffered in a pipe or a log file,
    /// which would hide the one-time password).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Runs `body` on the database of `settings` with its schema ready, and always closes it. An error the
    /// stores, jobs or rules raise is printed as its staff message and exits 1; an `ExitCode` passes
    /// through; anything unexpected propagates as it is.
    static func withDatabase<T>(_ settings: DatabaseSettings, _ body: (DatabaseHandle) async throws -> T) async throws -> T {
        let keys = try dataKeys(required: false)
        let handle = try DatabaseHandle(settings, keys: keys)
        do {
            try await handle.prepareSchema()
            if keys != nil { try await DataKeyRotation(handle.db).verify() }
            let result = try await body(handle)
            await handle.close()
            return result
        } catch let exit as ExitCode {
            await handle.close()
            throw exit
        } catch {
            await handle.close()
            guard let message = message(for: error) else { throw error }
            printError(message)
            throw ExitCode(1)
        }
    }

    /// The data keys from the environment (ADR 0021). A command that only may touch sealed columns runs
    /// without them (a store that needs them stops it with `DataKeyError.missing`); `required` stops at once.
    static func dataKeys(required: Bool) throws -> DataKeys? {
        do {
            let keys = try DataKeys.fromEnvironment()
            if keys == nil && required { throw DataKeyError.missing }
            return keys
        } catch let e as DataKeyError {
            printError(e.description)
            throw ExitCode(2)
        }
    }

    /// The bytes of the file a command was given, or exit `exitCode` naming it (the one way commands read
    /// their input files).
    static func contents(of path: String, exitCode: Int32 = 1) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("无法读取文件 \(path) (cannot read file)")
            throw ExitCode(exitCode)
        }
        return data
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data(("错误：" + message + "\n").utf8))
    }

    /// The staff message of an error the stores, jobs and rules raise, or nil for anything unexpected
    /// (which then propagates as it is).
    static func message(for error: any Error) -> String? {
        switch error {
        case let e as StoreError: return e.message
        case let e as PayrollError: return e.message
        case let e as ProgrammeError: return e.message
        case let e as PolicyError: return e.message
        case let e as WorkflowError: return e.message
        case let e as AssessmentError: return e.message
        case let e as BankFileError: return e.message
        case let e as BankFormatError: return e.message
        case let e as BankReturnError: return e.message
        case let e as EvaluationError: return e.message
        case let e as FundLayoutError: return e.message
        case let e as RecoveryError: return e.message
        case let e as SchemaError: return e.description
        case let e as PolicyFileError: return e.description
        case let e as AccessError: return e.description
        case let e as UserError: return e.description
        case let e as ApiTokenStore.TokenError: return e.description
        case let e as DataKeyError: return e.description
        case let e as DatasetError: return e.message
        case let e as MatchError: return e.message
        case let e as MonitoringError: return e.message
        case let e as NoticeError: return e.message
        default:
            // SQLite refuses a second writer at the same moment (another command or the server wrote
            // first): nothing was written by this command, and running it again is safe.
            let text = String(describing: error)
            if text.contains("database is locked") || text.contains("busy") {
                return "数据库正被其他操作写入，本次未写入任何数据，请稍后重新运行 (database busy; nothing written, run again)"
            }
            return nil
        }
    }

    /// The directory beside a SQLite file for documents and bank files (`jiuzhu-files/` for `jiuzhu.sqlite`).
    static func dataDirectory(for settings: DatabaseSettings) -> URL {
        switch settings {
        case .sqliteFile(let p):
            let url = URL(fileURLWithPath: p)
            return url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + "-files")
        default: return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("jiuzhu-files")
        }
    }
}
