import ArgumentParser
import Domain
import Foundation
import Jobs
import Persistence

struct PayrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payroll",
        abstract: "Generate, approve and export a month's payroll batch of a programme (低保 unless --programme says otherwise).",
        discussion: "Each step is idempotent: asking for a month again returns the same batch, never a second payment.")

    enum Step: String, ExpressibleByArgument, CaseIterable { case generate, approve, export, run, backPay = "back-pay" }

    @Argument(help: "generate | approve | export | run (all three) | back-pay (补发: a batch paid in --month for the approved or exported months from --from that are owed more now; approve and export it with --kind back-pay)") var step: Step
    @ArgumentParser.Option(name: .long, help: "Month, YYYY-MM.") var month: String
    @ArgumentParser.Option(name: .long, help: "Programme: \(Programme.allCases.map(\.rawValue).joined(separator: ", ")). Monthly programmes, and temporary (临时救助 grants approved by the end of the month and to be paid by payroll, each paid once).")
    var programme: String = Programme.dibao.rawValue
    @ArgumentParser.Option(name: .long, help: "back-pay: the first month to settle, YYYY-MM.") var from: String?
    @ArgumentParser.Option(name: .long, help: "approve, export: regular (the month's batch, default) or back-pay (补发).") var kind: String = PayrollKind.regular.rawValue
    @ArgumentParser.Option(name: .long, help: "Directory for the bank file (export, run); default: bank/ in the data directory beside the database.") var out: String?
    @Flag(name: .long, help: "generate, run: go on although earlier months have no batch (they are named first; pay them later by back pay).") var skipMissing = false
    @ArgumentParser.Option(name: .long, help: "export: the bank format (csv, xlsx, fixed-gb18030 or one imported with jiuzhu bank-format import); default: the county's (jiuzhu bank-format use). A batch's file is produced once: asked again, the same file is returned.") var format: String?
    @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let m: YearMonth
        do { m = try YearMonth(parsing: month) } catch {
            CLI.printError("--month: " + error.message)
            throw ExitCode(1)
        }
        let p: Programme
        do {
            p = try Programme(token: programme)
            // Refused by name at every step, before anything is looked up.
            _ = try p.rules()
        } catch {
            CLI.printError(error.message)
            throw ExitCode(1)
        }
        if format != nil && step != .export {
            CLI.printError("--format 只用于 export (--format applies to export only)")
            throw ExitCode(1)
        }
        // --kind names which batch approve and export act on; anywhere else it would be silently ignored.
        if kind != PayrollKind.regular.rawValue && step != .approve && step != .export {
            CLI.printError("--kind 只用于 approve 和 export；补发批次请用 jiuzhu payroll back-pay 生成 (--kind applies to approve and export only)")
            throw ExitCode(1)
        }
        if from != nil && step != .backPay {
            CLI.printError("--from 只用于 back-pay (--from applies to back-pay only)")
            throw ExitCode(1)
        }
        let settings = try database.existingSettings()
        try await CLI.withDatabase(settings) { handle in
            try await execute(m, p, handle, bankDirectory: out.map { URL(fileURLWithPath: $0) }
                ?? CLI.dataDirectory(for: settings).appendingPathComponent("bank"))
        }
    }

    func execute(_ m: YearMonth, _ programme: Programme, _ handle: DatabaseHandle, bankDirectory: URL) async throws {
        let store = PayrollStore(handle.db)
        let isDemo = try await RegistryStore(handle.db).containsDemoData()
        let run = PayrollRun(database: handle.db, countyCode: county, bankFileDirectory: bankDirectory, isDemo: isDemo)
        switch step {
        case .generate:
            let skipped = try await store.skippedMonths(programme: programme, before: m, countyCode: county)
            if !skipped.isEmpty && !skipMissing {
                CLI.printError(PayrollError.skippedMonths(programme: programme.shortChinese, months: skipped, month: m).message
                               + "\n确认后加 --skip-missing 重新运行")
                throw ExitCode(1)
            }
            let g = try await store.generate(programme: programme, month: m, countyCode: county, actor: "cli")
            CLI.say("\(g.created ? "已生成" : "已存在") \(m) \(programme.shortChinese)批次 \(g.batch.id)：\(g.batch.lineCount) 户，\(g.batch.total.yuanString) 元，\(g.batch.state.chinese)")
            for h in g.holds { CLI.say("  暂停：\(h.payeeName) \(h.reason)") }
            if let note = g.otherVersionsNote { CLI.say("提示：" + note) }
        case .backPay:
            guard let fromText = from else {
                CLI.printError("back-pay 需要 --from YYYY-MM：补发的起始月份 (first month to settle)")
                throw ExitCode(1)
            }
            let f: YearMonth
            do { f = try YearMonth(parsing: fromText) } catch {
                CLI.printError("--from: " + error.message)
                throw ExitCode(1)
            }
            let g = try await store.generateBackPay(programme: programme, month: m, from: f, countyCode: county, actor: "cli")
            if let b = g.batch {
                CLI.say("\(g.created ? "已生成" : "已存在") \(m) \(programme.shortChinese)补发批次 \(b.id)：\(b.lineCount) 笔（\(g.items.count) 个户月），\(b.total.yuanString) 元，\(b.state.chinese)")
                if !g.created {
                    CLI.say("  本月补发批次已存在，未重新计算（--from 未使用）；之后再有应补发的月份，请在下月生成")
                }
                for item in g.items.prefix(20) where g.created {
                    CLI.say("  \(item.recipientKey) \(item.month) \(item.basis.chinese) \(item.entitled.yuanString) − \(item.paid.yuanString) = \(item.owed.yuanString)")
                }
                if g.created && g.items.count > 20 { CLI.say("  ……共 \(g.items.count) 个户月，明细见资金发放页面或银行文件") }
            } else {
                CLI.say("\(f) 至 \(m) 没有应补发的\(programme.shortChinese)金额，未生成补发批次")
            }
            for h in g.heldMonths { CLI.say("  仍暂停：\(h.month) \(h.hold.payeeName) \(h.hold.reason)") }
            for o in g.overpaid { CLI.say("  多发：\(o.month) \(o.recipientKey) \(o.amount.yuanString) 元（请转入追回台账）") }
            if !g.monthsNotFrozen.isEmpty {
                CLI.say("  未审核或未生成正常批次的月份（由该月批次发放）：\(g.monthsNotFrozen.map(\.description).joined(separator: "、"))")
            }
        case .approve, .export:
            guard let k = PayrollKind(rawValue: kind) else {
                CLI.printError("--kind 应为 regular 或 back-pay (got \(kind))")
                throw ExitCode(1)
            }
            guard let b = try await store.batch(countyCode: county, programme: programme, month: m, kind: k) else {
                CLI.printError("\(m) 没有\(programme.shortChinese)\(k.chinese)批次，请先运行 jiuzhu payroll \(k == .regular ? "generate" : "back-pay --from YYYY-MM") --programme \(programme.rawValue) --month \(m)")
                throw ExitCode(1)
            }
            if step == .approve {
                // Asking again is answered, not refused: every step is idempotent.
                guard b.state == .draft else {
                    CLI.say("\(m) \(programme.shortChinese)\(k.chinese)批次 \(b.id) 已是“\(b.state.chinese)”，无需再审核")
                    return
                }
                let a = try await store.approve(b.id, actor: "cli")
                CLI.say("已审核 \(m) 批次 \(a.id)（冻结）")
            } else {
                let e = try await run.export(b, actor: "cli", format: format)
                if e.created {
                    CLI.say("已导出 \(m) 银行文件（\(e.file.format)）：\(e.url?.path ?? "")")
                } else {
                    CLI.say("该批次的银行文件已于 \(ChinaClock.beijingTime(e.file.producedAt)) 由 \(e.file.producedBy) 生成并交付，不再生成新文件；同一文件已写到：\(e.url?.path ?? "")")
                }
                CLI.say("SHA-256 \(e.file.sha256)")
            }
        case .run:
            let r = try await run.runMonth(programme: programme, m, actor: "cli", acknowledgingSkipped: skipMissing)
            CLI.say("\(m)：\(r.batch.lineCount) 户，\(r.batch.total.yuanString) 元，\(r.batch.state.chinese)；银行文件 \(r.bankFile?.path ?? "")")
            if let note = r.note { CLI.say("提示：" + note) }
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports.", subcommands: [FundTableReport.self, SelfEvaluationCommand.self])
}

struct FundTableReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fund-table",
        abstract: "The year's fund raising and use table (附表1) in 万元, from the ledger; --layout maps it to the county's own form.")

    @ArgumentParser.Option(name: .long, help: "Year.") var year: Int
    @ArgumentParser.Option(name: .long, help: "The county's own form: {\"rows\": [{\"label\", \"keys\": [\"raised:central\", …]}]} (docs/self-evaluation.md).") var layout: String?

    func validate() throws {
        guard FundStore.years.contains(year) else {
            throw ValidationError("--year 应在 \(FundStore.years.lowerBound)–\(FundStore.years.upperBound) 之间 (got \(year))")
        }
    }
    @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        var form: FundTableLayout?
        if let layout {
            let data = try CLI.contents(of: layout)
            do { form = try FundTableLayout.parse(data) } catch {
                CLI.printError(error.message)
                throw ExitCode(1)
            }
        }
        try await CLI.withDatabase(try database.existingSettings()) { handle in
            let table = try await FundStore(handle.db).fundTable(countyCode: county, year: year)
            guard let form else { return CLI.say(table.render()) }
            // An unknown key was refused when the layout was read; mapped() names it again if not.
            for row in try table.mapped(form) { CLI.say("\(row.label)\t\(row.value)") }
        }
    }
}

/// `jiuzhu report self-evaluation`: the 绩效自评 table and report (docs/self-evaluation.md).
struct SelfEvaluationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-evaluation",
        abstract: "The year's performance self-evaluation (绩效自评): the table as JSON or text, or the report as .docx, .xlsx or .html.")

    @ArgumentParser.Option(name: .long, help: "Year.") var year: Int
    @ArgumentParser.Option(name: .long, help: "Targets file, kept for the year: {\"indicators\": [{\"name\", \"direction\", \"target\", \"weight\", \"actual\"?}]} (docs/self-evaluation.md).") var targets: String?
    @ArgumentParser.Option(name: .long, help: "json or text (default text) when no --output is given.") var format = "text"
    @ArgumentParser.Option(name: .long, help: "Write the report to FILE: .docx, .xlsx or .html (print-ready A4), by its extension.") var output: String?
    @Flag(name: .long, help: "Finalise the year (refused while a missed target has no reason).") var finalise = false
    @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
    @ArgumentParser.Option(name: .long, help: "County name on the report.") var countyName = "蓬溪县"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        guard ["json", "text"].contains(format) else {
            CLI.printError("--format 应为 json 或 text (got \(format))")
            throw ExitCode(1)
        }
        var parsed: EvaluationTargets?
        if let targets {
            let data = try CLI.contents(of: targets)
            do { parsed = try EvaluationTargets.parse(data) } catch {
                CLI.printError(error.message)
                throw ExitCode(1)
            }
        }
        try await CLI.withDatabase(try database.existingSettings()) { handle in
            let store = SelfEvaluationStore(handle.db)
            if let parsed { try await store.saveTargets(parsed, year: year, countyCode: county, actor: "cli") }
            if finalise { try await store.finalise(year: year, countyCode: county, actor: "cli") }
            let isDemo = try await RegistryStore(handle.db).containsDemoData()
            let report = try await SelfEvaluationReport.make(database: handle.db, countyCode: county, countyName: countyName, year: year,
                                                             isDemo: isDemo)
            if let output {
                let url = URL(fileURLWithPath: output)
                guard FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path) else {
                    CLI.printError("目录 \(url.deletingLastPathComponent().path) 不存在 (no such directory)")
                    throw ExitCode(1)
                }
                try report.data(forFileNamed: output).write(to: url, options: .atomic)
                CLI.say("已写出 \(output)（自评总分 \(EvaluationScoring.text(report.table.total))，\(report.finalised == nil ? "草稿" : "已定稿")）")
            } else if format == "json" {
                CLI.say(String(decoding: report.json(), as: UTF8.self))
            } else {
                for row in report.evaluationRows { CLI.say(row.joined(separator: "\t")) }
            }
            if !finalise, !report.table.missingReasons.isEmpty {
                // On standard error: standard output stays the JSON or the table.
                CLI.printError("提示：未完成目标且未填写原因的指标：\(report.table.missingReasons.joined(separator: "、"))（定稿前须填写）")
            }
        }
    }
}
