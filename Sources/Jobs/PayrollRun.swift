import Domain
import FluentKit
import Foundation
import Logging
import Persistence

/// Runs a programme's monthly payroll end to end: generate (or find) the batch, approve it, export the bank
/// file. Each step is idempotent, so an interrupted run is resumed by running it again.
public struct PayrollRun: Sendable {
    public let database: any Database
    public let countyCode: String
    public let divisions: Divisions
    public let bankFileDirectory: URL?
    public let isDemo: Bool

    public init(database: any Database, countyCode: String, divisions: Divisions = .pengxi,
                bankFileDirectory: URL?, isDemo: Bool) {
        self.database = database
        self.countyCode = countyCode
        self.divisions = divisions
        self.bankFileDirectory = bankFileDirectory
        self.isDemo = isDemo
    }

    public struct MonthResult: Sendable {
        public var batch: PayrollBatch
        public var created: Bool
        public var holds: [PayrollHold]
        public var bankFile: URL?
        /// `PayrollStore.Generation.otherVersionsNote`: amounts decided under another policy version.
        public var note: String?
    }

    /// Generates, approves and exports each month of `programme` in turn.
    public func run(programme: Programme, months: [YearMonth], actor: String, progress: Progress = .silent) async throws -> [MonthResult] {
        var results: [MonthResult] = []
        for (i, month) in months.enumerated() {
            progress.report(i, months.count, "\(month) \(programme.shortChinese)发放批次")
            results.append(try await runMonth(programme: programme, month, actor: actor))
        }
        progress.report(months.count, months.count, "完成")
        return results
    }

    public func runMonth(programme: Programme, _ month: YearMonth, actor: String) async throws -> MonthResult {
        let store = PayrollStore(database)
        let generation = try await store.generate(programme: programme, month: month, countyCode: countyCode, actor: actor)
        var batch = generation.batch
        if batch.state == .draft { batch = try await store.approve(batch.id, actor: actor) }
        var file: URL?
        if batch.state == .approved || bankFileDirectory != nil {
            file = try await export(batch, actor: actor)
            batch = try await store.batch(id: batch.id)
        }
        return MonthResult(batch: batch, created: generation.created, holds: generation.holds, bankFile: file,
                           note: generation.otherVersionsNote)
    }

    /// Writes the bank file and marks the batch exported (approved → exported). Re-exporting an
    /// exported batch rewrites the same file and changes nothing else.
    @discardableResult
    public func export(_ batch: PayrollBatch, actor: String) async throws -> URL? {
        let store = PayrollStore(database)
        guard batch.state == .approved || batch.state == .exported else {
            throw PayrollError.invalidTransition(from: batch.state, to: .exported)
        }
        let data = try await BankFile.csv(batch: batch, store: store, divisions: divisions, isDemo: isDemo, issued: (actor, Date()))
        var url: URL?
        if let dir = bankFileDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let u = dir.appendingPathComponent(BankFile.fileName(batch).replacingOccurrences(of: ".csv", with: "_\(batch.id.prefix(8)).csv"))
            try data.write(to: u, options: .atomic)
            url = u
        }
        if batch.state == .approved { _ = try await store.markExported(batch.id, actor: actor) }
        return url
    }
}
