import ArgumentParser
import Domain
import Foundation
import Persistence

/// `jiuzhu policy check|import|list|export`: policy as data (docs/policy-format.md).
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, import, list and export policy versions (standards by region and effective month).",
        discussion: """
            check FILE    checks a policy file without a database: exit 0 and the versions (warnings shown), or exit 1 naming the version, key and value.
            import FILE --by NAME   checks it, then enters its versions into the database in one transaction; a re-run changes nothing.
            list          the versions entered, with who entered them and how many decisions use each.
            export        prints the entered versions of --region as a policy file (start next year's file from it).
            adjust VERSION --by NAME [--programme P] [--date D]   调标: re-decides the programme's enrollments under VERSION from its month (a standard signed later); then `jiuzhu payroll back-pay` pays the months already paid at the old amount.
            The bundled Pengxi file is ReferenceData/policy-510921.json in the source tree.
            """,
        subcommands: [Check.self, Import.self, List.self, Export.self, Adjust.self])

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "调标: re-decide a programme's enrollments under a policy version (docs/adr/0016-back-pay.md).")
        @Argument(help: "The version, REGION/YYYY-MM (as `jiuzhu policy list` shows it).") var version: String
        @ArgumentParser.Option(name: .long, help: "Who decides it: recorded with each decision and in the audit log.") var by: String
        @ArgumentParser.Option(name: .long, help: "Programme with monthly amounts (default dibao).") var programme = Programme.dibao.rawValue
        @ArgumentParser.Option(name: .long, help: "Date of the adjustment, YYYY-MM-DD (default today, Beijing time).") var date: String?
        @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let p: Programme
            let on: CivilDate
            do { p = try Programme(token: programme) } catch {
                CLI.printError(error.message)
                throw ExitCode(1)
            }
            if let date {
                do { on = try CivilDate(parsing: date) } catch {
                    CLI.printError("--date: " + error.message)
                    throw ExitCode(1)
                }
            } else {
                on = ChinaClock.today()
            }
            let actor = by.trimmingCharacters(in: .whitespaces)
            guard !actor.isEmpty, actor.count <= 50 else {
                CLI.printError("--by 应为经办人姓名（1–50 个字符） (who decides it)")
                throw ExitCode(1)
            }
            try await CLI.withDatabase(database.existingSettings()) { handle in
                let r = try await EnrollmentStore(handle.db).adjustStandard(programme: p, countyCode: county, version: version, on: on,
                                                                            actor: actor, today: ChinaClock.today())
                CLI.say("调标 \(r.version)（\(p.shortChinese)）：\(r.changed) 户（人）金额调整，每月合计变动 \(r.monthlyChange.yuanString) 元；\(r.unchanged) 户（人）不变")
                for n in r.needsReview { CLI.say("  须复核：\(n.householdID)\(n.memberID.map { " 成员 \($0)" } ?? "") \(n.reason)") }
                CLI.say("已按旧标准发放的月份：jiuzhu payroll back-pay --programme \(p.rawValue) --month YYYY-MM --from \(version.split(separator: "/").last ?? "")")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a policy file (no database).")
        @Argument(help: "The policy JSON file, or - for standard input.") var file: String

        func run() async throws {
            let (file, _) = try PolicyCommand.read(file)
            PolicyCommand.describe(file)
            CLI.say("检查通过 (policy file OK)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a policy file and enter its versions into the database.")
        @Argument(help: "The policy JSON file, or - for standard input.") var file: String
        @ArgumentParser.Option(name: .long, help: "Who enters it: the person's name, recorded with each version and in the audit log.") var by: String
        @ArgumentParser.Option(name: .long, help: "The county this installation serves; a file of another region is refused.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let (file, data) = try PolicyCommand.read(file)
            guard file.region == county else {
                CLI.printError("政策文件的地区为 \(file.region)（\(file.name)），本系统为 \(county)；请核对文件，或用 --county 指定 (region of another county)")
                throw ExitCode(1)
            }
            let actor = by.trimmingCharacters(in: .whitespaces)
            guard !actor.isEmpty, actor.count <= 50 else {
                CLI.printError("--by 应为录入人姓名（1–50 个字符） (who enters it)")
                throw ExitCode(1)
            }
            try await CLI.withDatabase(database.settings()) { handle in
                let r = try await PolicyStore(handle.db).importFile(file, fileSHA256: Checksum.sha256Hex(data), actor: actor)
                for v in r.added { CLI.say("新增 \(v) (added)") }
                for v in r.replaced { CLI.say("替换 \(v)（尚无决定使用）(replaced)") }
                for v in r.unchanged { CLI.say("未变 \(v) (unchanged)") }
                for w in r.warnings { CLI.say("提示：" + w.message) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the policy versions entered in the database.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { handle in
                let versions = try await PolicyStore(handle.db).versions()
                if versions.isEmpty { CLI.say("尚未录入任何政策版本；请用 jiuzhu policy import FILE (no policy entered)") }
                CLI.say(["版本", "地区", "低保标准（城/乡）", "签发", "文号", "录入人", "录入时间（北京时间）", "使用决定数"].joined(separator: "\t"))
                for v in versions {
                    let p = v.policy
                    let dibao = p.dibao.map { "\($0.standard(for: .urban).yuanString)/\($0.standard(for: .rural).yuanString)" } ?? "—"
                    CLI.say([p.version, p.regionName, dibao, p.signed?.description ?? "—", p.document ?? "—", v.enteredBy,
                             ChinaClock.beijingTime(v.enteredAt), String(v.decisions)].joined(separator: "\t"))
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the entered versions of a region as a policy file.")
        @ArgumentParser.Option(name: .long, help: "Region code.") var region = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { handle in
                guard let text = try await PolicyStore(handle.db).fileText(region: region) else {
                    CLI.printError("地区 \(region) 尚未录入任何政策版本 (no version for this region)")
                    throw ExitCode(1)
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    /// Reads and checks a policy file; exit 2 when it cannot be read, 1 when it is refused.
    static func read(_ path: String) throws -> (PolicyFile, Data) {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = try CLI.contents(of: path, exitCode: 2)
        }
        do { return (try PolicyFile.parse(data), data) } catch {
            CLI.printError("政策文件 \(path)：\(error.description)")
            throw ExitCode(1)
        }
    }

    static func describe(_ file: PolicyFile) {
        CLI.say("地区 \(file.region) \(file.name)，\(file.versions.count) 个版本")
        for p in file.versions {
            var parts: [String] = []
            if let d = p.dibao { parts.append("低保 \(d.standard(for: .urban).yuanString)/\(d.standard(for: .rural).yuanString)（\(d.methodSummary)）") }
            if let t = p.tekun { parts.append("特困 \(t.basic(for: .urban).yuanString)/\(t.basic(for: .rural).yuanString)（\(t.careSummary)）") }
            if let t = p.temporary { parts.append("临时救助（\(t.summary)）") }
            if let o = p.orphan { parts.append("孤儿 \(o.institutional.yuanString)/\(o.scattered.yuanString)") }
            if let u = p.unsupportedChild { parts.append("事实无人抚养 \(u.amount.yuanString)") }
            if p.reliefStation != nil { parts.append("救助站") }
            let signed = p.signed.map { "，签发 \($0)" } ?? ""
            CLI.say("  \(p.effective) 起\(signed)：" + parts.joined(separator: "；"))
        }
        for w in file.warnings { CLI.say("提示：" + w.message) }
    }
}
