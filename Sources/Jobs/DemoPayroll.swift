import Domain
import FluentKit
import Foundation
import Persistence

/// The demo county's 2021 低保 payroll as the year ran (docs/adr/0016): January–August paid under the
/// January standard; on 2021-09-10 the raise effective from July is signed and entered (`jiuzhu policy
/// import`), every household re-decided under it (调标), and July–August's difference paid by a back-pay
/// batch (补发) in September; September–December paid at the raised amounts. Every step is idempotent:
/// a re-run finds each batch, the version and the adjustment done and changes nothing.
public struct DemoPayroll: Sendable {
    public let run: PayrollRun
    public let county: DemoCounty

    public init(run: PayrollRun, county: DemoCounty) {
        self.run = run
        self.county = county
    }

    public struct Result: Sendable {
        public var months: [PayrollRun.MonthResult]
        /// nil when the adjustment had already been made (a re-run).
        public var adjustment: StandardAdjustment?
        public var backPay: PayrollStore.BackPayGeneration?
        public var backPayBatch: PayrollBatch?
    }

    public func run(actor: String, progress: Progress = .silent) async throws -> Result {
        let db = run.database
        let programme = DemoCounty.programme
        let year = (1...12).map { YearMonth(year: 2021, month: $0)! }
        guard let raise = county.raise else {
            let months = try await run.run(programme: programme, months: year, actor: actor, progress: progress)
            return Result(months: months, adjustment: nil, backPay: nil, backPayBatch: nil)
        }
        let signedMonth = DemoPolicy.raiseSigned.yearMonth
        var months = try await run.run(programme: programme, months: year.filter { $0 < signedMonth }, actor: actor, progress: progress)
        progress.report(0, 1, "\(DemoPolicy.raiseSigned) 签发调标：\(raise.version)")
        let (file, text) = DemoPolicy.afterRaise
        _ = try await PolicyStore(db).importFile(file, fileSHA256: Checksum.sha256Hex(Data(text.utf8)), actor: actor)
        let adjustment = try await EnrollmentStore(db).adjustStandard(
            programme: programme, countyCode: run.countyCode, version: raise.version, on: DemoPolicy.raiseSigned,
            actor: actor, today: ChinaClock.today())
        let store = PayrollStore(db)
        let backPay = try await store.generateBackPay(programme: programme, month: signedMonth, from: raise.effective,
                                                      countyCode: run.countyCode, actor: actor)
        var batch = backPay.batch
        if var b = batch {
            if b.state == .draft { b = try await store.approve(b.id, actor: actor) }
            if b.state == .approved { try await run.export(b, actor: actor) }
            batch = try await store.batch(id: b.id)
        }
        months += try await run.run(programme: programme, months: year.filter { $0 >= signedMonth }, actor: actor, progress: progress)
        return Result(months: months, adjustment: adjustment.changed + adjustment.unchanged > 0 ? adjustment : nil,
                      backPay: backPay, backPayBatch: batch)
    }

    /// The 2021 payroll of every other programme the demo county has (特困, 孤儿, 事实无人抚养儿童 monthly;
    /// 临时救助 grants by the month they were approved in), each month once.
    public func runOthers(actor: String, progress: Progress = .silent) async throws -> [(Programme, [PayrollRun.MonthResult])] {
        let year = (1...12).map { YearMonth(year: 2021, month: $0)! }
        let store = PayrollStore(run.database)
        var out: [(Programme, [PayrollRun.MonthResult])] = []
        for programme in Programme.managed where programme != DemoCounty.programme {
            let rules = try programme.rules()
            let has = rules.cadence == .once
                ? try await TemporaryCaseStore(run.database).granted(in: .county(run.countyCode), year: 2021).cases > 0
                : !(try await store.payableEnrollments(programme: programme, countyCode: run.countyCode, month: year[0]).isEmpty)
            guard has else { continue }
            out.append((programme, try await run.run(programme: programme, months: year, actor: actor, progress: progress)))
        }
        return out
    }
}
