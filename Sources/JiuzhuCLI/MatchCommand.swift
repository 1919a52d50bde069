import ArgumentParser
import Domain
import Foundation
import Jobs
import Persistence

/// `jiuzhu match --dataset KIND FILE`: imports a department's file and matches it against the registry
/// (docs/matching.md).
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Import another department's data (deaths, vehicles, public employees…) and match it against everyone in the registry (信息比对).",
        discussion: "Kinds: " + DatasetKind.allCases.map { "\($0.rawValue) (\($0.chinese): " + $0.columns.map(\.heading).joined(separator: "、") + ")" }
            .joined(separator: "; ")
            + ". The same file again changes nothing. A hit on a paid person holds the household's next payroll line until a case worker decides; a hit blocks an application's approval.")

    @ArgumentParser.Option(name: .long, help: "The kind of data: deaths, hukou-moves, vehicles, real-estate, businesses, public-employees, social-insurance, housing-fund, medical-bills, cadre-roster, other-county-roster.")
    var dataset: String
    @Argument(help: "The file: CSV (UTF-8 or GB18030) or XLSX (first sheet), headings in the first row.") var file: String
    @ArgumentParser.Option(name: .long, help: "The sending department (the saved column mapping of this source is used).") var source: String?
    @ArgumentParser.Option(name: .long, help: "A column mapping file (JSON: kind, source, columns) for a source whose headings differ; saved for that source.") var mapping: String?
    @ArgumentParser.Option(name: .long, help: "text or json.") var format = "text"
    @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let kind: DatasetKind
        do { kind = try DatasetKind(named: dataset) } catch {
            CLI.printError(error.message)
            throw ExitCode(2)
        }
        guard ["text", "json"].contains(format) else {
            CLI.printError("--format 应为 text 或 json (unknown format)")
            throw ExitCode(2)
        }
        guard FileManager.default.isReadableFile(atPath: file) else {
            CLI.printError("无法读取文件 \(file) (cannot read file)")
            throw ExitCode(1)
        }
        let mappingText = try mapping.map { String(decoding: try CLI.contents(of: $0), as: UTF8.self) }
        _ = try CLI.dataKeys(required: true)
        try await CLI.withDatabase(database.existingSettings()) { handle in
            let result: DatasetImportResult
            do {
                result = try await DatasetImport.run(kind: kind, file: URL(fileURLWithPath: file), source: source, mappingText: mappingText,
                                                     countyCode: county, actor: "cli", database: handle.db, today: ChinaClock.today,
                                                     progress: .terminal)
            } catch let e as DatasetError where format == "json" {
                // Other systems read standard output: the refusal as JSON there too, with its rows.
                var o: [String: Any] = ["error": e.message]
                if case let .rowsRefused(problems, rows) = e {
                    o["refusedRows"] = rows
                    o["problems"] = problems.map { ["row": $0.row, "column": $0.column, "value": $0.value, "reason": $0.reason] }
                }
                let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
                CLI.say(String(decoding: data, as: UTF8.self))
                throw e
            }
            if format == "json" { CLI.say(MatchOutput.json(result)) } else { MatchOutput.text(result).forEach(CLI.say) }
        }
    }
}

/// How `jiuzhu match` prints a result.
enum MatchOutput {
    static func hit(_ h: MatchHit) -> [String: Any] {
        var o: [String: Any] = [
            "id": h.residentID.value, "name": h.subjectName, "recordName": h.recordName, "household": h.householdID,
            "member": h.memberID, "rule": h.finding.code, "severity": h.finding.severity.rawValue,
            "action": h.finding.actions.map(\.rawValue), "summary": h.finding.summary, "holdsPayment": h.finding.holdsPayment,
            "status": h.status.rawValue, "hit": h.id,
        ]
        if let m = h.finding.recoverFrom { o["recoverFrom"] = m.description }
        if h.viaRelative { o["via"] = "relative" }
        if h.idWarning { o["idWarning"] = true }
        if let d = h.decision { o["decision"] = d.rawValue }
        return o
    }

    static func json(_ r: DatasetImportResult) -> String {
        let o: [String: Any] = [
            "import": [
                "id": r.importID, "kind": r.kind.rawValue, "source": r.source, "file": r.fileName, "sha256": r.sha256,
                "alreadyImported": r.alreadyImported, "importedAt": ChinaClock.beijingTime(r.importedAt), "importedBy": r.importedBy,
                "rows": r.rows, "added": r.added, "known": r.known,
            ] as [String: Any],
            "hits": r.hits.map(hit),
            "nearMatches": r.nearMatches.map(hit),
            "duplicates": r.report.duplicates.map { ["row": $0.row, "sameAs": $0.sameAs] },
            "conflicts": r.report.conflicts.map { ["row": $0.row, "importedOn": $0.importedOn, "detail": $0.detail] as [String: Any] },
            "warnings": r.report.warnings.map { ["row": $0.row, "column": $0.column, "id": $0.id,
                                                 "reason": "末三位为 000，可能被表格软件损坏，请对照证件核实"] as [String: Any] },
            "unlistedRelationships": r.report.unlisted.map { ["row": $0.row, "relationship": $0.relationship] as [String: Any] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ r: DatasetImportResult) -> [String] {
        var out: [String] = []
        if r.alreadyImported {
            out.append("这份文件已于 \(ChinaClock.beijingTime(r.importedAt)) 由 \(r.importedBy) 导入（SHA-256 \(r.sha256.prefix(12))…），本次未作任何改动。以下为当时的结果。")
        }
        out.append("\(r.kind.chinese)（\(r.source)）\(r.fileName)：\(r.rows) 行，新增 \(r.added) 条，此前已有 \(r.known) 条")
        for d in r.report.duplicates { out.append("  第 \(d.row) 行与第 \(d.sameAs) 行重复，只记一次") }
        for c in r.report.conflicts { out.append("  第 \(c.row) 行：\(c.detail)（此前 \(c.importedOn) 导入）") }
        for u in r.report.unlisted {
            out.append("  第 \(u.row) 行关系“\(u.relationship)”不在政策的近亲属列表（matching.closeRelatives）中，未作为近亲属比对")
        }
        for w in r.report.warnings {
            out.append("  第 \(w.row) 行“\(w.column)”\(w.id)：末三位为 000，可能被表格软件损坏，已接受，请对照证件核实")
        }
        out.append("比对命中 \(r.hits.count) 人次，疑似同一人（姓名和出生日期相同）\(r.nearMatches.count) 人次")
        for h in r.hits + r.nearMatches {
            let near = h.matchType == .near ? "［疑似］" : ""
            out.append("  \(near)\(h.finding.code)［\(h.finding.severity.chinese)］\(h.subjectName) \(h.residentID.masked) 户 \(h.householdID)：\(h.finding.summary)；建议：\(h.finding.actions.map(\.chinese).joined(separator: "、"))\(h.finding.holdsPayment && h.matchType == .exact ? "；下次发放暂停" : "")")
        }
        return out
    }
}
