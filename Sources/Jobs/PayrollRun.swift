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

    /// - Throws: `PayrollError.skippedMonths` when months before `month` have no batch, unless
    ///   `acknowledgingSkipped`.
    public func runMonth(programme: Programme, _ month: YearMonth, actor: String,
                         acknowledgingSkipped: Bool = false) async throws -> MonthResult {
        let store = PayrollStore(database)
        if !acknowledgingSkipped {
            let skipped = try await store.skippedMonths(programme: programme, before: month, countyCode: countyCode)
            if !skipped.isEmpty { throw PayrollError.skippedMonths(programme: programme.shortChinese, months: skipped, month: month) }
        }
        let generation = try await store.generate(programme: programme, month: month, countyCode: countyCode, actor: actor)
        var batch = generation.batch
        if batch.state == .draft { batch = try await store.approve(batch.id, actor: actor) }
        var file: URL?
        if batch.state == .approved || bankFileDirectory != nil {
            file = try await export(batch, actor: actor).url
            batch = try await store.batch(id: batch.id)
        }
        return MonthResult(batch: batch, created: generation.created, holds: generation.holds, bankFile: file,
                           note: generation.otherVersionsNote)
    }

    /// A bank file handed over: the stored file, whether this call produced it, and the copy written to
    /// `bankFileDirectory`.
    public struct Export: Sendable {
        public var file: StoredBankFile
        /// False when the batch's file had been handed over before: the same bytes, the same checksum.
        public var created: Bool
        public var url: URL?
    }

    /// Hands the batch's bank file over, once: renders it from the frozen lines in `format` (the county's
    /// chosen one when nil), stores it and marks the batch exported, in one transaction. Asking again
    /// returns the same file byte for byte (never a second file that could be uploaded twice), whatever
    /// format is asked for. A copy is written to `bankFileDirectory` when one is set.
    /// - Throws: `PayrollError.invalidTransition` for a draft; `PayrollError.linesChanged`;
    ///   `BankFileError`; `BankFormatError.unknownFormat`.
    @discardableResult
    public func export(_ batch: PayrollBatch, actor: String, format name: String? = nil) async throws -> Export {
        let store = PayrollStore(database)
        let files = BankFileStore(database)
        guard batch.state == .approved || batch.state == .exported else {
            throw PayrollError.invalidTransition(from: batch.state, to: .exported)
        }
        var result: (file: StoredBankFile, created: Bool)
        if let existing = try await files.file(of: batch.id) {
            result = (existing, false)
        } else {
            let format = if let name { try await files.format(named: name, countyCode: countyCode) }
                         else { try await files.defaultFormat(countyCode: countyCode) }
            let data = try await BankFile.render(batch: batch, store: store, format: format, divisions: divisions, isDemo: isDemo,
                                                 issued: (actor, Date()))
            result = try await files.handOver(batch, format: format.name, fileName: BankFile.fileName(batch, format: format),
                                              content: data, actor: actor)
        }
        var url: URL?
        if let dir = bankFileDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let name = result.file.fileName
            let dot = name.lastIndex(of: ".") ?? name.endIndex
            let u = dir.appendingPathComponent(name[..<dot] + "_\(batch.id.prefix(8))" + name[dot...])
            try result.file.content.write(to: u, options: .atomic)
            // It carries ID and account numbers: readable by its owner only.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: u.path)
            url = u
        }
        return Export(file: result.file, created: result.created, url: url)
    }
}
