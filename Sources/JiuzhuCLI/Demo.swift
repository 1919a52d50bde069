import ArgumentParser
import Domain
import Foundation
import Jobs
import Persistence

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job on a synthetic Pengxi County 2021 (演示数据): registry, every programme's payroll Jan–Dec 2021 with the July raise's back pay, fund table, web UI.",
        discussion: "Creates or reuses ./jiuzhu-demo.sqlite. Re-running does nothing twice: the county is loaded once and every month is paid once.")

    @ArgumentParser.Option(name: .long, help: "SQLite file for the demo (default ./jiuzhu-demo.sqlite).") var db: String?
    @ArgumentParser.Option(name: .long, help: "Number of households in the synthetic county.") var households = 14_000
    @ArgumentParser.Flag(name: .long, help: "Stop after printing the fund table.") var noServe = false
    @ArgumentParser.Option(name: .long) var hostname = "127.0.0.1"
    @ArgumentParser.Option(name: .long) var port = 8080

    func validate() throws {
        guard (1...1_000_000).contains(households) else {
            throw ValidationError("--households 应在 1 到 1000000 之间 (got \(households))")
        }
    }

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let path = URL(fileURLWithPath: db ?? "jiuzhu-demo.sqlite").standardizedFileURL.path
        let settings = DatabaseSettings.sqliteFile(path)
        let start = Date()
        CLI.say("九助演示：蓬溪县 2021 年（演示数据，人员与号码均为虚构）")
        CLI.say("数据库：\(path)")
        let keys = try Self.demoKeys(databasePath: path)
        try await DatabaseHandle.createSQLiteFile(at: path, keys: keys)
        let handle = try DatabaseHandle(settings, keys: keys)
        do {
            try await handle.migrate()
            try await handle.prepareSQLiteFile()
            do { try await DataKeyRotation(handle.db).verify() } catch let e as DataKeyError {
                CLI.printError(e.description)
                throw ExitCode(1)
            }
            let county = DemoCounty(households: households)
            let summary = try await DemoLoader(database: handle.db, county: county).load(progress: .terminal)
            CLI.say(summary.created ? "已生成演示县：\(summary.households) 户，\(summary.people) 人"
                                  : "使用已有演示县：\(summary.households) 户，\(summary.people) 人（未重复生成）")
            let bankDir = CLI.dataDirectory(for: settings).appendingPathComponent("bank")
            let run = PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: bankDir, isDemo: true)
            let grants = try await DemoTemporaryGrants(database: handle.db, county: county).load(progress: .terminal)
            if grants > 0 { CLI.say("已办结 \(grants) 件 2021 年临时救助（受理、调查、乡镇审核，超出乡镇额度的经县级审批）") }
            let stays = try await DemoStationStays(database: handle.db, county: county).load(progress: .terminal)
            if stays > 0 { CLI.say("已登记 \(stays) 人次 2021 年救助站救助（入站、食宿、返乡或亲属接回）") }
            // 低保: the year as it ran, with the July raise signed in September, 调标 and 补发.
            let payroll = DemoPayroll(run: run, county: county)
            let r = try await payroll.run(actor: "demo", progress: .terminal)
            let total = r.months.reduce(Money.zero) { $0 + $1.batch.total }
            CLI.say("2021 年低保发放：12 个月，\(r.months.filter(\.created).count) 个新批次，合计 \(total.yuanString) 元；银行文件在 \(bankDir.path)")
            if let a = r.adjustment {
                CLI.say("调标 \(a.version)：\(a.changed) 户金额调整（每月合计 +\(a.monthlyChange.yuanString) 元），\(a.unchanged) 户不变，\(a.needsReview.count) 户须复核")
            }
            if let b = r.backPayBatch {
                CLI.say("补发批次 \(b.month)（\(DemoPolicy.raiseEffective) 起标准提高，\(DemoPolicy.raiseSigned) 签发）：\(b.lineCount) 户，\(b.total.yuanString) 元，\(b.state.chinese)")
            }
            for (programme, results) in try await payroll.runOthers(actor: "demo", progress: .terminal) {
                let total = results.reduce(Money.zero) { $0 + $1.batch.total }
                CLI.say("2021 年\(programme.shortChinese)发放：12 个月，\(results.filter(\.created).count) 个新批次，合计 \(total.yuanString) 元")
            }
            // The bank's credit days and the year's 绩效自评 targets; the report written beside the database.
            let credits = try await DemoFunds(database: handle.db, countyCode: "510921").load()
            if credits > 0 { CLI.say("已登记 \(credits) 个乡镇月份的银行入账日期（含一个乡镇 4—6 月合并发放、7 月全县延迟入账）") }
            let reportDir = CLI.dataDirectory(for: settings).appendingPathComponent("reports")
            try FileManager.default.createDirectory(at: reportDir, withIntermediateDirectories: true)
            let report = try await SelfEvaluationReport.make(database: handle.db, countyCode: "510921", countyName: "蓬溪县", year: 2021,
                                                             isDemo: true)
            for ext in ["docx", "xlsx", "html"] {
                let url = reportDir.appendingPathComponent("2021年度绩效自评报告.\(ext)")
                try report.data(forFileNamed: url.lastPathComponent).write(to: url, options: .atomic)
            }
            CLI.say("2021 年绩效自评：总分 \(EvaluationScoring.text(report.table.total))（\(report.table.grade)）；报告（DOCX、XLSX、HTML）在 \(reportDir.path)")
            // Recent applications (dated back from today) come after the 2021 year, under the standards in force now.
            let applications = try await DemoApplications(database: handle.db, programme: DemoCounty.programme, countyCode: Divisions.pengxi.county.code.countyCode, today: ChinaClock.today()).load()
            if applications > 0 { CLI.say("已生成 \(applications) 件办理中的低保申请（按今天倒推日期）") }
            // Other departments' files at the year's end, imported and matched; January 2022 drafted with its holds.
            let datasetsDir = CLI.dataDirectory(for: settings).appendingPathComponent("datasets")
            let matched = try await DemoDatasets(database: handle.db, countyCode: "510921", directory: datasetsDir).load()
            for r in matched.imports {
                CLI.say("信息比对 \(r.kind.chinese)（\(r.source)）：\(r.rows) 行，命中 \(r.hits.count) 人次，疑似同一人 \(r.nearMatches.count) 人次\(r.alreadyImported ? "（此前已导入，未重复）" : "")")
            }
            let loop = try await MonitoringStore(handle.db, today: { CivilDate(year: 2021, month: 12, day: 31)! })
                .loop(in: .county("510921"), month: YearMonth(year: 2021, month: 12)!)
            CLI.say("动态监测（2021-12-31）：监测对象 \(loop.registeredTotal) 户，预警 \(loop.raised) 条（已核实 \(loop.verified)、已办结 \(loop.closed)、逾期 \(loop.overdue)），转介待反馈 \(loop.openReferrals) 件")
            if let j = matched.january {
                CLI.say("2022 年 1 月低保批次（草稿）：\(j.batch.lineCount) 户，\(matched.heldByMatching) 户因信息比对暂停发放；文件在 \(datasetsDir.path)，结果见“信息比对”页")
            }
            let table = try await FundStore(handle.db).fundTable(countyCode: "510921", year: 2021)
            CLI.say("")
            CLI.say(table.render())
            CLI.say("")
            CLI.say(String(format: "用时 %.1f 秒", Date().timeIntervalSince(start)))
        } catch {
            await handle.close()
            throw error
        }
        await handle.close()
        if !noServe {
            try await WebRunner.serve(settings: settings, keys: keys, hostname: hostname, port: port, isDemo: true, resetAdmin: true)
        }
    }

    /// The demo's data keys: `JIUZHU_DATA_KEY` (or its file) when set; else the key file beside the demo
    /// database (`jiuzhu-demo.sqlite.key`), made on the first run (mode 0600) and reused after, so a demo
    /// interrupted and run again opens what it sealed. Only for made-up data: a real database's key is kept
    /// apart from it (docs/security.md).
    static func demoKeys(databasePath: String) throws -> DataKeys {
        if let keys = try CLI.dataKeys(required: false) {
            CLI.say("密钥：取自 \(DataKeys.variable) 或 \(DataKeys.fileVariable)（密钥编号 \(keys.current.id)）")
            return keys
        }
        let keyPath = databasePath + ".key"
        if !FileManager.default.fileExists(atPath: keyPath) {
            guard FileManager.default.createFile(atPath: keyPath, contents: Data((DataKeys.newKeyText() + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                CLI.printError("无法写入演示密钥文件 \(keyPath)")
                throw ExitCode(1)
            }
        }
        CLI.say("密钥：\(keyPath)（演示用，放在数据库旁；正式数据的密钥须与数据库分开保管，见 docs/security.md）")
        do {
            return try DataKeys.fromEnvironment([DataKeys.fileVariable: keyPath])!
        } catch let e as DataKeyError {
            CLI.printError(e.description)
            throw ExitCode(2)
        }
    }
}
