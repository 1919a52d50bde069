import Domain
import FluentKit
import Foundation
import SQLKit

/// A hit as stored: what a record of another department means for a person of the registry.
public struct MatchHit: Hashable, Sendable {
    public enum MatchType: String, Sendable, Codable {
        /// Same normalised ID number.
        case exact
        /// Same name and birth date, another or no valid ID number: a person confirms.
        case near
    }

    public enum Status: String, Sendable, Codable {
        case open, decided
    }

    /// What a person decided about a hit (`MatchStore.decide`).
    public enum Decision: String, Sendable, Codable, CaseIterable {
        /// The fact stands; the case worker acts on it (records the death, recomputes, exits).
        case confirmed
        /// Not a reason to act (an exempt vehicle, a fact already dealt with), with the reason in the note.
        case cleared
        /// A near match is this person: it becomes an exact hit, open.
        case samePerson = "same-person"
        /// A near match is someone else.
        case differentPerson = "different-person"

        public var chinese: String {
            switch self {
            case .confirmed: return "属实（死亡、迁出即登记成员状态；复核或终止后再发放）"
            case .cleared: return "核实后不影响救助"
            case .samePerson: return "确认是同一人"
            case .differentPerson: return "不是同一人"
            }
        }
    }

    public var id: String
    public var kind: DatasetKind
    public var householdID: String
    public var memberID: String
    public var subjectName: String
    /// The matched person's number as the record gives it (normalised): pages show it masked.
    public var residentID: ResidentID
    /// The record's own name for the person (it may differ from the registry's).
    public var recordName: String
    public var matchType: MatchType
    /// `true` when the roster row names this member as a cadre's relative (not the cadre himself).
    public var viaRelative: Bool
    public var finding: MatchFinding
    /// The ID number in the record ends in `000` and passes the check: a person compares it with the card.
    public var idWarning: Bool
    public var status: Status
    public var decision: Decision?
    public var decisionNote: String?
    public var decidedBy: String?
    public var decidedAt: Date?
    /// The import (`import:ID`) or application (`application:ID`) that found it.
    public var foundBy: String
    public var foundAt: Date
}

/// One entry of the 近亲属备案 register.
public struct CloseRelativeFiling: Equatable, Sendable {
    public var householdID: String
    public var memberName: String
    public var code: String
    /// What the roster says (role, relationship), as the hit's summary.
    public var detail: String
    public var filedOn: CivilDate
    public var filedBy: String
    public var note: String

    public init(householdID: String, memberName: String, code: String, detail: String, filedOn: CivilDate, filedBy: String, note: String) {
        self.householdID = householdID
        self.memberName = memberName
        self.code = code
        self.detail = detail
        self.filedOn = filedOn
        self.filedBy = filedBy
        self.note = note
    }
}

/// A saved column mapping.
public struct SavedMapping: Sendable {
    public var mapping: DatasetMapping
    public var savedBy: String
    public var savedAt: Date
}

/// What an import did (or, for the same file again, what it did the first time).
public struct DatasetImportResult: Sendable {
    public var importID: String
    public var kind: DatasetKind
    public var source: String
    public var fileName: String
    public var sha256: String
    /// The same file was imported before: nothing changed; the first import's figures.
    public var alreadyImported: Bool
    public var importedAt: Date
    public var importedBy: String
    public var rows: Int
    /// Records stored by this import.
    public var added: Int
    /// Rows whose fact was already stored by an earlier import (nothing written).
    public var known: Int
    public var report: DatasetImportReport
    public var hits: [MatchHit]
    public var nearMatches: [MatchHit]
}

/// One import, as listed.
public struct DatasetImportSummary: Equatable, Sendable {
    public var id: String
    public var kind: DatasetKind
    public var source: String
    public var fileName: String
    public var sha256: String
    public var rows: Int
    public var added: Int
    public var known: Int
    public var importedBy: String
    public var importedAt: Date
}

/// The rows an import reported and did not refuse the file for.
public struct DatasetImportReport: Codable, Hashable, Sendable {
    /// A row repeating an earlier row of the same file: kept once.
    public struct Duplicate: Codable, Hashable, Sendable {
        public var row: Int
        public var sameAs: Int
        public init(row: Int, sameAs: Int) {
            self.row = row
            self.sameAs = sameAs
        }
    }

    /// A row whose fact an earlier import stored with other content: not applied, for a person to confirm.
    public struct Conflict: Codable, Hashable, Sendable {
        public var row: Int
        public var importedOn: String
        public var detail: String
    }

    /// A row whose ID number passes but looks spreadsheet-damaged (masked), for a person to clear.
    public struct Warning: Codable, Hashable, Sendable {
        public var row: Int
        public var column: String
        public var id: String
    }

    /// A cadre roster's relationship that is not a 近亲属 in the policy's list: no hit; named so that a
    /// wording the list lacks is seen, not dropped.
    public struct Unlisted: Codable, Hashable, Sendable {
        public var row: Int
        public var relationship: String
        public init(row: Int, relationship: String) {
            self.row = row
            self.relationship = relationship
        }
    }

    public var duplicates: [Duplicate] = []
    public var conflicts: [Conflict] = []
    public var warnings: [Warning] = []
    public var unlisted: [Unlisted] = []
}

public enum MatchError: Error, Equatable, Sendable {
    /// Approval waits for a decision on each of these hits (code: summary).
    case openHits(household: String, [String])
    case hitNotFound(String)
    case alreadyDecided(String, by: String)
    case decisionNotAllowed(MatchHit.Decision, MatchHit.MatchType)
    case noteRequired

    public var message: String {
        switch self {
        case let .openHits(_, hits):
            return "本户有 \(hits.count) 条信息比对结果尚未处理（\(hits.joined(separator: "；"))）：请在“信息比对”中逐条核实并登记处理结果后再确认 (matching hits not yet decided)"
        case .hitNotFound(let id): return "比对结果 \(id.prefix(8)) 不存在 (no such hit)"
        case let .alreadyDecided(id, by): return "比对结果 \(id.prefix(8)) 已由 \(by) 处理，不能重复处理 (already decided)"
        case let .decisionNotAllowed(d, t):
            return "“\(d.chinese)”不适用于\(t == .near ? "疑似同一人（姓名和出生日期相同）" : "身份证号相同")的比对结果 (decision not allowed for this kind of hit)"
        case .noteRequired: return "请填写核实情况说明（不超过 500 字，不含控制字符） (a note is required)"
        }
    }
}

/// Datasets from other departments and their matching against the registry (issue 8, docs/matching.md).
/// The import is one transaction: refused rows leave nothing written; the same file again changes nothing.
/// Matching is a hash join: the registry's people are read once into a table keyed by the blind index of
/// their ID number (and by name and birth date for near matches), and the file's rows are streamed past it:
/// no query per row, and the file is never held in memory.
public struct MatchStore: Sendable {
    let database: any Database
    let today: @Sendable () -> CivilDate

    public init(_ database: any Database, today: @escaping @Sendable () -> CivilDate = { ChinaClock.today() }) {
        self.database = database
        self.today = today
    }

    // MARK: Mappings

    /// The mapping saved for `kind` from `source`, or nil.
    public func mapping(kind: DatasetKind, source: String, countyCode: String) async throws -> SavedMapping? {
        struct Row: Decodable { var mapping: String; var savedBy: String; var savedAt: Date }
        guard let r = try await database.sql.raw("""
            SELECT mapping, saved_by, saved_at FROM dataset_mappings
            WHERE county_code = \(bind: countyCode) AND kind = \(bind: kind.rawValue) AND source = \(bind: source)
            """).first(decoding: Row.self, with: SQLSupport.decoder) else { return nil }
        do { return SavedMapping(mapping: try DatasetMapping.parse(r.mapping, expected: kind), savedBy: r.savedBy, savedAt: r.savedAt) }
        catch { throw StoreError.unreadable(table: "dataset_mappings", column: "mapping", value: "\(kind.rawValue) \(source)") }
    }

    /// Saves (or replaces) the mapping of its kind and source.
    public func save(_ mapping: DatasetMapping, countyCode: String, actor: String) async throws {
        try await database.transaction { db in
            try await db.sql.raw("""
                DELETE FROM dataset_mappings WHERE county_code = \(bind: countyCode) AND kind = \(bind: mapping.kind.rawValue)
                  AND source = \(bind: mapping.source)
                """).run()
            try await db.sql.raw("""
                INSERT INTO dataset_mappings (id, county_code, kind, source, mapping, saved_by, saved_at)
                VALUES (\(bind: SQLSupport.newID()), \(bind: countyCode), \(bind: mapping.kind.rawValue), \(bind: mapping.source),
                        \(bind: mapping.json), \(bind: actor), \(bind: Date()))
                """).run()
            try await audit(db, county: countyCode, actor: actor, action: "matching.mapping", subject: mapping.kind.rawValue,
                            detail: "\(mapping.source)")
        }
    }

    // MARK: Import and match

    /// The registry's people: by blind index of their ID number, and by name and birth date.
    struct Registry {
        var byIndex: [String: [MatchSubject]] = [:]
        var byNameBirth: [String: [MatchSubject]] = [:]
        static func nameBirth(_ name: String, _ birth: CivilDate) -> String { "\(name)|\(birth)" }
    }

    /// Reads every member of the county's households once (with their household's enrollment in `month`
    /// and its open application), or of one household: the build side of the join.
    static func registry(countyCode: String, month: YearMonth, householdID: String? = nil, index: String? = nil,
                         on sql: any SQLDatabase) async throws -> Registry {
        struct Row: Decodable {
            var id: String; var householdId: String; var residentIdIndex: String; var name: String; var birthDate: String
            var status: String; var paid: Int; var acceptedOn: String?
        }
        var one: SQLQueryString = householdID.map { " AND m.household_id = \(bind: $0)" } ?? ""
        if let index { one = one + " AND m.resident_id_index = \(bind: index)" }
        let rows = try await sql.raw("""
            SELECT m.id, m.household_id, m.resident_id_index, m.name, m.birth_date, m.status,
              (SELECT COUNT(*) FROM enrollments e WHERE e.household_id = m.household_id AND
            """ + SQLFragments.active("e", in: month) + """
            ) AS paid,
              (SELECT MIN(a.accepted_on) FROM applications a WHERE a.household_id = m.household_id
                 AND a.state NOT IN ('approved', 'refused')) AS accepted_on
            FROM members m WHERE m.county_code = \(bind: countyCode)
            """ + one).all(decoding: Row.self, with: SQLSupport.decoder)
        var r = Registry()
        let t = Stored("members")
        for row in rows {
            let subject = MatchSubject(householdID: row.householdId, memberID: row.id, name: row.name,
                                       status: try t.parse("status", row.status) as MemberStatus, paid: row.paid > 0,
                                       applicationAcceptedOn: try Stored("applications").date("accepted_on", row.acceptedOn))
            r.byIndex[row.residentIdIndex, default: []].append(subject)
            r.byNameBirth[Registry.nameBirth(row.name, try t.date("birth_date", row.birthDate)), default: []].append(subject)
        }
        return r
    }

    /// A hit about to be written.
    struct PendingHit {
        var recordID: String
        var record: DatasetRecord
        var subject: MatchSubject
        var type: MatchHit.MatchType
        var viaRelative: Bool
        var finding: MatchFinding
    }

    /// Imports `rows` as `mapping.kind` and matches them against the registry, in one transaction.
    /// - Parameters:
    ///   - sha256: the file's checksum (the same file for the same kind again returns the first import's result).
    ///   - progress: called with the rows read so far, every 1,000 rows and at the end.
    /// - Throws: `DatasetError` (missing columns, refused rows by row and column, contradictory rows, an
    ///   empty file), `PolicyError` (no policy for this month), `DataKeyError.missing`.
    public func importDataset(_ rows: some DatasetRowSource, mapping: DatasetMapping, fileName: String, sha256: String,
                              countyCode: String, actor: String,
                              progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> DatasetImportResult {
        if let earlier = try await importResult(kind: mapping.kind, sha256: sha256, countyCode: countyCode) { return earlier }
        let run = ImportRun(rows)
        guard var header = try run.rows.header() else { throw DatasetError.emptyFile }
        // A title above the headings (“2021年12月死亡人员名单”, a date line): up to four such rows, each with at
        // most two cells filled, are passed over to find the heading row.
        var found: ResolvedMapping?
        var passed = 0
        while found == nil {
            do {
                found = try mapping.resolve(header: header)
            } catch {
                guard case .missingColumns = error, passed < 4, header.filter({ !$0.text.trimmingWhitespace().isEmpty }).count <= 2,
                      let next = try run.rows.next() else { throw error }
                header = next.cells
                passed += 1
            }
        }
        let resolved = found!
        let day = today()
        let policy = try await PolicyStore(database).policy(region: countyCode, month: day.yearMonth).matching
        let importID = SQLSupport.newID()
        let now = Date()
        do {
            try await database.transaction { db in
                let sql = db.sql
                let sealed = try Sealed(db)
                let registry = try await MatchStore.registry(countyCode: countyCode, month: day.yearMonth, on: sql)
                try await sql.raw("""
                    INSERT INTO dataset_imports (id, county_code, kind, source, file_name, sha256, row_count, added, known, report,
                      imported_by, imported_at)
                    VALUES (\(bind: importID), \(bind: countyCode), \(bind: mapping.kind.rawValue), \(bind: mapping.source),
                            \(bind: fileName), \(bind: sha256), 0, 0, 0, '{}', \(bind: actor), \(bind: now))
                    """).run()
                func flush() async throws {
                    guard !run.batch.isEmpty else { return }
                    defer { run.batch.removeAll(keepingCapacity: true) }
                    var stored: [String: KnownRecord] = [:]
                    for r in try await sql.raw("""
                        SELECT r.record_key_index, r.content_hash, i.imported_at FROM dataset_records r
                        JOIN dataset_imports i ON i.id = r.import_id
                        WHERE r.county_code = \(bind: countyCode) AND r.record_key_index IN (\(binds: run.batch.map(\.keyIndex)))
                        """).all(decoding: KnownRecord.self, with: SQLSupport.decoder) { stored[r.recordKeyIndex] = r }
                    var values: [[any Encodable & Sendable]] = []
                    for item in run.batch {
                        if let s = stored[item.keyIndex] {
                            if s.contentHash == item.content { run.known += 1 } else if run.report.conflicts.count < 100 {
                                run.report.conflicts.append(.init(row: item.record.row, importedOn: ChinaClock.date(of: s.importedAt).description,
                                                              detail: "与此前导入的同一\(mapping.kind.chinese)记录内容不同，未覆盖，请与来源单位核实"))
                            }
                            continue
                        }
                        let id = SQLSupport.newID()
                        let r = item.record
                        values.append([id, countyCode, mapping.kind.rawValue, importID, r.row, try sealed.seal(r.residentID),
                                       sealed.index(r.residentID), try sealed.seal(r.relativeResidentID), sealed.index(r.relativeResidentID),
                                       try sealed.seal(record: r.key), item.keyIndex, try sealed.seal(record: try StoredRecord(r).json()),
                                       item.content, r.name, r.eventDate?.description, r.month?.number])
                        run.added += 1
                        run.pending += MatchStore.findings(r, recordID: id, registry: registry, index: sealed.index(r.residentID),
                                                       relativeIndex: sealed.index(r.relativeResidentID), policy: policy, today: day)
                    }
                    try await SQLSupport.insert(into: "dataset_records", columns: MatchStore.recordColumns, rows: values, on: sql)
                }
                while let (number, cells) = try run.rows.next() {
                    run.count += 1
                    if run.count % 1_000 == 0 { progress(run.count) }
                    switch resolved.record(row: number, cells, today: day) {
                    case .failure(let p):
                        run.refusedRows += 1
                        if run.problems.count < 100 { run.problems += p.problems.prefix(100 - run.problems.count) }
                    case .success(let record):
                        guard run.problems.isEmpty else { continue }  // still read, to report every bad row; nothing more written
                        let keyIndex = sealed.keys.index(record.key, as: .record)
                        let content = Checksum.sha256Hex(Data(record.content.utf8))
                        if let first = run.seen[keyIndex] {
                            if first.content == content {
                                run.report.duplicates.append(.init(row: number, sameAs: first.row))
                                continue
                            }
                            throw DatasetError.contradictoryRows(first: first.row, second: number, what: mapping.kind.chinese + "记录")
                        }
                        run.seen[keyIndex] = (number, content)
                        if record.kind == .cadreRoster, let r = record.values[.relationship], !policy.closeRelatives.contains(r) {
                            run.report.unlisted.append(.init(row: number, relationship: r))
                        }
                        for masked in record.idWarnings {
                            run.report.warnings.append(.init(row: number, column: mapping.columns[.residentID] ?? "身份证号", id: masked))
                        }
                        run.batch.append((record, keyIndex, content))
                        if run.batch.count >= 500 { try await flush() }
                    }
                }
                progress(run.count)
                guard run.problems.isEmpty else { throw DatasetError.rowsRefused(problems: run.problems, rows: run.refusedRows) }
                try await flush()
                run.pending = try await MatchStore.settlingRosters(run.pending, policy: policy, today: day, on: sql)
                let inserted = try await MatchStore.insert(run.pending, foundBy: "import:\(importID)", countyCode: countyCode, at: now, on: sql)
                // A hit that asks for a need to be assessed (a large medical bill) is an early warning for the township (§6.2).
                for (id, h) in inserted where h.type == .exact && h.finding.actions.contains(.assessNeed) {
                    try await MonitoringStore.raise(householdID: h.subject.householdID, source: .medicalBill,
                                                    detail: "\(h.subject.name)：\(h.finding.summary)", on: day, hitID: id, actor: actor,
                                                    calendar: .china, on: db)
                    // The warning is where it is handled: the hit itself asks nothing more of the matching page.
                    try await sql.raw("""
                        UPDATE match_hits SET status = 'decided', decision = 'cleared', decision_note = '已转动态监测预警，由乡镇核实处置',
                          decided_by = \(bind: actor), decided_at = \(bind: now), decided_on = \(bind: day.description) WHERE id = \(bind: id)
                        """).run()
                }
                try await sql.raw("""
                    UPDATE dataset_imports SET row_count = \(bind: run.count), added = \(bind: run.added), known = \(bind: run.known),
                      report = \(bind: try SQLSupport.encode(run.report)) WHERE id = \(bind: importID)
                    """).run()
                try await audit(db, county: countyCode, actor: actor, action: "matching.import", subject: importID,
                                detail: "\(mapping.kind.rawValue) \(mapping.source) \(fileName) rows \(run.count) added \(run.added) hits \(run.pending.count)")
            }
        } catch {
            // Another clerk imported the same file meanwhile: the unique key refused ours; theirs stands.
            if let earlier = try await importResult(kind: mapping.kind, sha256: sha256, countyCode: countyCode) { return earlier }
            throw error
        }
        var result = try await importResult(kind: mapping.kind, sha256: sha256, countyCode: countyCode)!
        result.alreadyImported = false
        return result
    }

    static let recordColumns = ["id", "county_code", "kind", "import_id", "row_number", "resident_id", "resident_id_index",
                                "relative_resident_id", "relative_resident_index", "record_key", "record_key_index", "record",
                                "content_hash", "name", "event_date", "month"]

    /// The findings of one record: exact by ID (and, for a cadre roster, by the relative's ID), else near by
    /// name and birth date. Pure over the registry read once.
    static func findings(_ r: DatasetRecord, recordID: String, registry: Registry, index: String, relativeIndex: String?,
                         policy: MatchingPolicy, today: CivilDate) -> [PendingHit] {
        var out: [PendingHit] = []
        func add(_ subjects: [MatchSubject], _ type: MatchHit.MatchType, relative: Bool) {
            for s in subjects {
                let f: MatchFinding?
                if relative { f = MatchRules.relativeFinding(r, policy: policy) }
                else if r.kind == .otherCountyRoster {
                    // Decided once the months paid here are read (after the file): a placeholder finding.
                    f = MatchFinding(code: "PAID_ELSEWHERE", severity: .high, actions: [], summary: "")
                } else { f = MatchRules.finding(r, about: s, policy: policy, today: today) }
                guard let f else { continue }
                out.append(PendingHit(recordID: recordID, record: r, subject: s, type: type, viaRelative: relative, finding: f))
            }
        }
        if let exact = registry.byIndex[index] {
            add(exact, .exact, relative: false)
        } else {
            add(registry.byNameBirth[Registry.nameBirth(r.name, r.residentID.birthDate)] ?? [], .near, relative: false)
        }
        if let relativeIndex, let relatives = registry.byIndex[relativeIndex] { add(relatives, .exact, relative: true) }
        return out
    }

    /// The pending hits with another county's roster rows decided: paid here in the same month or not (one
    /// query for the households they are about); the other hits as they are.
    static func settlingRosters(_ pending: [PendingHit], policy: MatchingPolicy, today: CivilDate,
                                on sql: any SQLDatabase) async throws -> [PendingHit] {
        let roster = Set(pending.filter { $0.record.kind == .otherCountyRoster }.map(\.subject.householdID))
        guard !roster.isEmpty else { return pending }
        let paid = try await paidMonths(households: Array(roster), on: sql)
        return pending.compactMap { p in
            guard p.record.kind == .otherCountyRoster else { return p }
            guard let f = MatchRules.finding(p.record, about: p.subject, policy: policy, today: today,
                                             paidMonths: paid[p.subject.householdID] ?? []) else { return nil }
            var p = p
            p.finding = f
            return p
        }
    }

    /// The months each household had a line in an approved (or later) batch.
    static func paidMonths(households: [String], on sql: any SQLDatabase) async throws -> [String: Set<YearMonth>] {
        struct Row: Decodable { var householdId: String; var month: Int }
        var out: [String: Set<YearMonth>] = [:]
        for chunk in SQLSupport.chunks(households) {
            for r in try await sql.raw("""
                SELECT DISTINCT l.household_id, b.month FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
                WHERE l.household_id IN (\(binds: chunk)) AND b.state <> 'draft'
                """).all(decoding: Row.self, with: SQLSupport.decoder) {
                out[r.householdId, default: []].insert(try Stored("payroll_batches").month("month", r.month))
            }
        }
        return out
    }

    /// Writes hits not already recorded for the same record and member (a re-match adds nothing).
    @discardableResult
    static func insert(_ hits: [PendingHit], foundBy: String, countyCode: String, at: Date, on sql: any SQLDatabase) async throws -> [(id: String, hit: PendingHit)] {
        guard !hits.isEmpty else { return [] }
        struct Existing: Decodable { var recordId: String; var memberId: String; var via: String }
        var existing = Set<String>()
        for chunk in SQLSupport.chunks(Array(Set(hits.map(\.recordID)))) {
            for e in try await sql.raw("SELECT record_id, member_id, via FROM match_hits WHERE record_id IN (\(binds: chunk))")
                .all(decoding: Existing.self, with: SQLSupport.decoder) { existing.insert("\(e.recordId)|\(e.memberId)|\(e.via)") }
        }
        var rows: [[any Encodable & Sendable]] = []
        var inserted: [(id: String, hit: PendingHit)] = []
        for h in hits {
            let via = h.viaRelative ? "relative" : "person"
            guard existing.insert("\(h.recordID)|\(h.subject.memberID)|\(via)").inserted else { continue }
            let id = SQLSupport.newID()
            inserted.append((id, h))
            let f = h.finding
            var summary = f.summary
            if h.type == .exact && h.record.name != h.subject.name && !h.viaRelative {
                summary += "（来源数据姓名为“\(h.record.name)”，与登记不一致）"
            }
            rows.append([id, countyCode, h.recordID, h.record.kind.rawValue, h.subject.householdID, h.subject.memberID,
                         via, h.subject.name, h.type.rawValue, f.code, f.severity.rawValue,
                         f.actions.map(\.rawValue).joined(separator: ","), f.holdsPayment && h.type == .exact, f.blocksApproval,
                         summary, f.recoverFrom?.number, !h.record.idWarnings.isEmpty, foundBy, at, "open"])
        }
        try await SQLSupport.insert(into: "match_hits", columns: ["id", "county_code", "record_id", "kind", "household_id", "member_id",
                                                                  "via", "subject_name", "match_type", "code", "severity", "actions",
                                                                  "holds_payment", "blocks_approval", "summary", "recover_from",
                                                                  "id_warning", "found_by", "found_at", "status"],
                                    rows: rows, on: sql)
        return inserted
    }

    /// The import of this file for this kind, with the hits it found; nil when there is none.
    public func importResult(kind: DatasetKind, sha256: String, countyCode: String) async throws -> DatasetImportResult? {
        struct Row: Decodable {
            var id: String; var source: String; var fileName: String; var rowCount: Int; var added: Int; var known: Int
            var report: String; var importedBy: String; var importedAt: Date
        }
        guard let r = try await database.sql.raw("""
            SELECT id, source, file_name, row_count, added, known, report, imported_by, imported_at FROM dataset_imports
            WHERE county_code = \(bind: countyCode) AND kind = \(bind: kind.rawValue) AND sha256 = \(bind: sha256)
            """).first(decoding: Row.self, with: SQLSupport.decoder) else { return nil }
        let hits = try await self.hits(where: "h.found_by = \(bind: "import:\(r.id)")")
        return DatasetImportResult(importID: r.id, kind: kind, source: r.source, fileName: r.fileName, sha256: sha256,
                                   alreadyImported: true, importedAt: r.importedAt, importedBy: r.importedBy, rows: r.rowCount,
                                   added: r.added, known: r.known,
                                   report: try Stored("dataset_imports").json(DatasetImportReport.self, "report", r.report),
                                   hits: hits.filter { $0.matchType == .exact }, nearMatches: hits.filter { $0.matchType == .near })
    }

    /// The county's latest imports, newest first.
    public func imports(countyCode: String, limit: Int = 20) async throws -> [DatasetImportSummary] {
        struct Row: Decodable {
            var id: String; var kind: String; var source: String; var fileName: String; var sha256: String; var rowCount: Int
            var added: Int; var known: Int; var importedBy: String; var importedAt: Date
        }
        let t = Stored("dataset_imports")
        return try await database.sql.raw("""
            SELECT id, kind, source, file_name, sha256, row_count, added, known, imported_by, imported_at FROM dataset_imports
            WHERE county_code = \(bind: countyCode) ORDER BY imported_at DESC, id LIMIT \(bind: limit)
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            DatasetImportSummary(id: $0.id, kind: try t.parse("kind", $0.kind), source: $0.source, fileName: $0.fileName, sha256: $0.sha256,
                                 rows: $0.rowCount, added: $0.added, known: $0.known, importedBy: $0.importedBy, importedAt: $0.importedAt)
        }
    }

    // MARK: Hits

    /// The county a hit belongs to, or nil when there is no such hit.
    public func countyOf(hit id: String) async throws -> String? { try await Self.county(ofHit: id, on: database.sql) }

    static func county(ofHit id: String, on sql: any SQLDatabase) async throws -> String? {
        struct C: Decodable { var countyCode: String }
        return try await sql.raw("SELECT county_code FROM match_hits WHERE id = \(bind: id)")
            .first(decoding: C.self, with: SQLSupport.decoder)?.countyCode
    }

    /// Hits of one household (open first), for its page and the application's 调查核实.
    public func hits(household id: String) async throws -> [MatchHit] {
        try await hits(where: "h.household_id = \(bind: id)")
    }

    /// Open hits of the county (exact first, then near), for the matching page.
    /// Open hits of the county, of one kind and one township when given (exact first, then near).
    public func openHits(countyCode: String, kind: DatasetKind? = nil, townshipCode: String? = nil, limit: Int = 500) async throws -> [MatchHit] {
        var condition: SQLQueryString = "h.county_code = \(bind: countyCode) AND h.status = 'open'"
        if let kind { condition = condition + " AND h.kind = \(bind: kind.rawValue)" }
        if let townshipCode {
            condition = condition + " AND h.household_id IN (SELECT id FROM households WHERE township_code = \(bind: townshipCode))"
        }
        return try await hits(where: condition, limit: limit)
    }

    public func hit(_ id: String) async throws -> MatchHit {
        guard let h = try await hits(where: "h.id = \(bind: id)").first else { throw MatchError.hitNotFound(id) }
        return h
    }

    func hits(where condition: SQLQueryString, limit: Int? = nil, on db: (any Database)? = nil) async throws -> [MatchHit] {
        struct Row: Decodable {
            var id: String; var kind: String; var householdId: String; var memberId: String; var via: String; var subjectName: String
            var matchType: String; var code: String; var severity: String; var actions: String; var summary: String
            var recoverFrom: Int?; var idWarning: Bool; var status: String; var decision: String?; var decisionNote: String?
            var decidedBy: String?; var decidedAt: Date?; var foundBy: String; var foundAt: Date; var name: String
            var residentId: String; var relativeResidentId: String?; var recordId: String
        }
        let sql = (db ?? database).sql
        let sealed = try Sealed(db ?? database)
        let q: SQLQueryString = """
            SELECT h.id, h.kind, h.household_id, h.member_id, h.via, h.subject_name, h.match_type, h.code, h.severity, h.actions,
              h.summary, h.recover_from, h.id_warning, h.status, h.decision, h.decision_note, h.decided_by, h.decided_at,
              h.found_by, h.found_at, r.name, r.resident_id, r.relative_resident_id, h.record_id
            FROM match_hits h JOIN dataset_records r ON r.id = h.record_id WHERE
            """ + " " + condition + " ORDER BY h.status DESC, h.match_type, h.found_at, h.id" + (limit.map { " LIMIT \(unsafeRaw: String($0))" } ?? "")
        let t = Stored("match_hits")
        return try await sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            let actions: [MatchAction] = try r.actions.split(separator: ",").map { try t.parse("actions", String($0)) }
            let column = r.via == "relative" ? "relative_resident_id" : "resident_id"
            guard let stored = r.via == "relative" ? r.relativeResidentId : r.residentId else {
                throw StoreError.unreadable(table: "dataset_records", column: column, value: r.recordId)
            }
            let number: ResidentID = try sealed.residentID("dataset_records", column, stored, row: r.recordId)
            return MatchHit(id: r.id, kind: try t.parse("kind", r.kind), householdID: r.householdId, memberID: r.memberId,
                            subjectName: r.subjectName, residentID: number, recordName: r.name, matchType: try t.parse("match_type", r.matchType),
                            viaRelative: r.via == "relative",
                            finding: MatchFinding(code: r.code, severity: try t.parse("severity", r.severity), actions: actions,
                                                  summary: r.summary, recoverFrom: try t.month("recover_from", r.recoverFrom)),
                            idWarning: r.idWarning, status: try t.parse("status", r.status), decision: try t.parse("decision", r.decision),
                            decisionNote: r.decisionNote, decidedBy: r.decidedBy, decidedAt: r.decidedAt, foundBy: r.foundBy,
                            foundAt: r.foundAt)
        }
    }

    /// Records a case worker's decision on an open hit. A near match decided `samePerson` becomes an exact
    /// hit, open (it now holds payment and approval as its rule says); every other decision closes it.
    /// - Throws: `MatchError.hitNotFound`, `.alreadyDecided`, `.decisionNotAllowed`, `.noteRequired`.
    @discardableResult
    public func decide(_ id: String, _ decision: MatchHit.Decision, note given: String, actor: String) async throws -> MatchHit {
        let note: String
        do { note = try FreeText.check(given, maxLength: 500) } catch { throw MatchError.noteRequired }
        return try await database.transaction { db in
            try await SQLSupport.lockRow("match_hits", id: id, on: db)
            guard let hit = try await hits(where: "h.id = \(bind: id)", on: db).first else { throw MatchError.hitNotFound(id) }
            guard hit.status == .open else { throw MatchError.alreadyDecided(id, by: hit.decidedBy ?? "") }
            let allowed: [MatchHit.Decision] = hit.matchType == .exact ? [.confirmed, .cleared] : [.samePerson, .differentPerson]
            guard allowed.contains(decision) else { throw MatchError.decisionNotAllowed(decision, hit.matchType) }
            guard let county = try await Self.county(ofHit: id, on: db.sql) else { throw MatchError.hitNotFound(id) }
            if decision == .samePerson {
                try await db.sql.raw("""
                    UPDATE match_hits SET match_type = 'exact', holds_payment = \(bind: hit.finding.holdsPayment),
                      decision_note = \(bind: "确认同一人：" + note), decided_by = \(bind: actor), decided_at = \(bind: Date())
                    WHERE id = \(bind: id)
                    """).run()
            } else {
                try await db.sql.raw("""
                    UPDATE match_hits SET status = 'decided', decision = \(bind: decision.rawValue),
                      decision_note = \(bind: hit.decisionNote.map { $0 + "；" + note } ?? note),
                      decided_by = \(bind: actor), decided_at = \(bind: Date()), decided_on = \(bind: today().description) WHERE id = \(bind: id)
                    """).run()
            }
            // A confirmed death or move out is the member's status from the day it happened (the record's date): the
            // programme's own rule then holds the household until it is reviewed, and the review records the months
            // overpaid since (C01).
            if decision == .confirmed, let status = MatchStore.statusOnConfirmation[hit.finding.code] {
                struct R: Decodable { var eventDate: String? }
                let day = try await db.sql.raw("SELECT r.event_date FROM match_hits h JOIN dataset_records r ON r.id = h.record_id WHERE h.id = \(bind: id)")
                    .first(decoding: R.self, with: SQLSupport.decoder)?.eventDate
                try await db.sql.raw("""
                    UPDATE members SET status = \(bind: status.rawValue), status_since = \(bind: day ?? today().description)
                    WHERE id = \(bind: hit.memberID) AND status = 'active'
                    """).run()
                try await audit(db, county: county, actor: actor, action: "registry.member-status", subject: hit.memberID,
                                detail: "\(status.rawValue) \(day ?? "") (matching \(hit.finding.code))", householdID: hit.householdID)
            }
            // A confirmed cadre hit is registered separately (单独登记备案, DB-2021 Art. 11), and every open
            // application of the household then needs the county's own home visit (Art. 20 ¶2).
            if decision == .confirmed, MatchStore.filedCodes.contains(hit.finding.code) {
                let day = today()
                try await db.sql.raw("""
                    INSERT INTO close_relative_filings (id, county_code, household_id, member_id, hit_id, member_name, code, detail, filed_on,
                      filed_by, note)
                    VALUES (\(bind: SQLSupport.newID()), \(bind: county), \(bind: hit.householdID), \(bind: hit.memberID), \(bind: id),
                            \(bind: hit.subjectName), \(bind: hit.finding.code), \(bind: hit.finding.summary), \(bind: day.description),
                            \(bind: actor), \(bind: note))
                    """).run()
                struct A: Decodable { var id: String }
                let open = try await db.sql.raw("""
                    SELECT id FROM applications WHERE household_id = \(bind: hit.householdID) AND state NOT IN ('approved', 'refused') ORDER BY id
                    """).all(decoding: A.self)
                for a in open {
                    _ = try await ApplicationStore(db, today: today).record(
                        .registerCloseRelative(on: day, note: "\(hit.subjectName)：\(hit.finding.summary)（信息比对，\(note)）"),
                        on: a.id, actor: actor, in: db)
                }
            }
            try await audit(db, county: county, actor: actor, action: "matching.decide", subject: id,
                            detail: "\(hit.finding.code) \(decision.rawValue)：\(note)", householdID: hit.householdID)
            return try await hits(where: "h.id = \(bind: id)", on: db).first!
        }
    }

    /// The member status a confirmed hit records.
    static let statusOnConfirmation: [String: MemberStatus] = ["DECEASED": .deceased, "HUKOU_MOVED_OUT": .movedOut]

    /// The hits that a confirmation files in the 近亲属备案 register.
    static let filedCodes: Set<String> = ["CADRE_RELATIVE", "CADRE_IN_HOUSEHOLD"]

    /// The 近亲属备案 register of `month` (filed in it), by day: who, which household, what the roster says,
    /// who filed it and the note; for the county's monthly register.
    public func filings(countyCode: String, month: YearMonth) async throws -> [CloseRelativeFiling] {
        struct Row: Decodable {
            var householdId: String; var memberName: String; var code: String; var detail: String; var filedOn: String
            var filedBy: String; var note: String
        }
        let t = Stored("close_relative_filings")
        return try await database.sql.raw("""
            SELECT household_id, member_name, code, detail, filed_on, filed_by, note FROM close_relative_filings
            WHERE county_code = \(bind: countyCode) AND filed_on >= \(bind: month.firstDay.description)
              AND filed_on <= \(bind: month.lastDay.description)
            ORDER BY filed_on, household_id, id
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            CloseRelativeFiling(householdID: $0.householdId, memberName: $0.memberName, code: $0.code, detail: $0.detail,
                                filedOn: try t.date("filed_on", $0.filedOn), filedBy: $0.filedBy, note: $0.note)
        }
    }

    // MARK: Payroll and approval

    /// The reason each line is held by matching, by the line's index in `lines` (C01, C05, C20's payee):
    /// - an open exact hit that holds payment, on the member paid for, on any member of a household paid as a
    ///   household, or on the payee;
    /// - a confirmed one, until the household has a decision (a review, a new approval) dated on or after
    ///   the confirmation: confirming that a member died or owns a car does not make the line payable.
    /// Every hit on the line is named, with the member it is about.
    /// Another county's payment holds only the batch of its own month.
    static func heldLines(_ lines: [PayrollLine], month: YearMonth, on db: any Database) async throws -> [Int: String] {
        guard !lines.isEmpty else { return [:] }
        struct Row: Decodable {
            var householdId: String; var memberId: String; var subjectName: String; var code: String; var summary: String
            var status: String; var residentIdIndex: String?; var recordMonth: Int?
        }
        var hits: [String: [Row]] = [:]
        for chunk in SQLSupport.chunks(Array(Set(lines.map(\.householdID)))) {
            for r in try await db.sql.raw("""
                SELECT h.household_id, h.member_id, h.subject_name, h.code, h.summary, h.status, m.resident_id_index, r.month AS record_month
                FROM match_hits h LEFT JOIN members m ON m.id = h.member_id JOIN dataset_records r ON r.id = h.record_id
                WHERE h.household_id IN (\(binds: chunk)) AND h.match_type = 'exact' AND h.holds_payment = \(bind: true)
                  AND (h.status = 'open' OR (h.decision = 'confirmed' AND NOT EXISTS (
                    SELECT 1 FROM decisions dd WHERE dd.household_id = h.household_id AND dd.decided_on >= h.decided_on)))
                ORDER BY h.found_at, h.id
                """).all(decoding: Row.self, with: SQLSupport.decoder)
            where r.code != "PAID_ELSEWHERE" || r.recordMonth == month.number { hits[r.householdId, default: []].append(r) }
        }
        guard !hits.isEmpty else { return [:] }
        let sealed = try Sealed(db)
        var out: [Int: String] = [:]
        for (i, l) in lines.enumerated() {
            let payee = sealed.index(l.payeeResidentID)
            let on = (hits[l.householdID] ?? []).filter { l.memberID == nil || $0.memberId == l.memberID || $0.residentIdIndex == payee }
            guard !on.isEmpty else { continue }
            let open = on.contains { $0.status == "open" }
            out[i] = (open ? "MATCH_HIT：" : "MATCH_CONFIRMED：")
                + on.map { "\($0.code)（\($0.subjectName)）\($0.summary)" }.joined(separator: "；")
                + (open ? "（信息比对发现，经办人核实处理前暂停发放）" : "（已核实属实，复核或终止后再发放）")
        }
        return out
    }

    /// Another county's roster rows for `month` about the members of `households` (or their payees): hits,
    /// as this county is about to pay that month (a roster imported before our batch finds nobody paid yet).
    static func rosterHits(month: YearMonth, households: [String], countyCode: String, today: CivilDate, on db: any Database) async throws {
        guard !households.isEmpty else { return }
        struct Row: Decodable { var id: String; var record: String; var residentIdIndex: String }
        var rows: [Row] = []
        for chunk in SQLSupport.chunks(households) {
            rows += try await db.sql.raw("""
                SELECT r.id, r.record, r.resident_id_index FROM dataset_records r
                WHERE r.county_code = \(bind: countyCode) AND r.kind = 'other-county-roster' AND r.month = \(bind: month.number)
                  AND r.resident_id_index IN (SELECT m.resident_id_index FROM members m WHERE m.household_id IN (\(binds: chunk)))
                """).all(decoding: Row.self, with: SQLSupport.decoder)
        }
        guard !rows.isEmpty else { return }
        let sealed = try Sealed(db)
        let policy = try await PolicyStore(db).policy(region: countyCode, month: today.yearMonth).matching
        var pending: [PendingHit] = []
        for r in rows {
            let json = try sealed.record("dataset_records", "record", r.record, row: r.id)
            let record = try Sealed.redacted(row: r.id) { try Stored("dataset_records").json(StoredRecord.self, "record", json) }.record()
            let registry = try await MatchStore.registry(countyCode: countyCode, month: month, householdID: nil, index: r.residentIdIndex, on: db.sql)
            for subject in registry.byIndex[r.residentIdIndex] ?? [] {
                guard let f = MatchRules.finding(record, about: subject, policy: policy, today: today, paidMonths: [month]) else { continue }
                pending.append(PendingHit(recordID: r.id, record: record, subject: subject, type: .exact, viaRelative: false, finding: f))
            }
        }
        try await insert(pending, foundBy: "payroll:\(month)", countyCode: countyCode, at: Date(), on: db.sql)
    }

    /// Matches the household's members against every stored record (an application's 调查核实: data imported
    /// before the application is found too), adding hits not already recorded.
    static func matchHousehold(_ householdID: String, countyCode: String, foundBy: String, today: CivilDate,
                               on db: any Database) async throws {
        let sql = db.sql
        let registry = try await MatchStore.registry(countyCode: countyCode, month: today.yearMonth, householdID: householdID, on: sql)
        guard !registry.byIndex.isEmpty else { return }
        struct Row: Decodable { var id: String; var record: String; var residentIdIndex: String; var relativeResidentIndex: String? }
        let indexes = Array(registry.byIndex.keys)
        let rows = try await sql.raw("""
            SELECT id, record, resident_id_index, relative_resident_index FROM dataset_records
            WHERE county_code = \(bind: countyCode) AND (resident_id_index IN (\(binds: indexes)) OR relative_resident_index IN (\(binds: indexes)))
            """).all(decoding: Row.self, with: SQLSupport.decoder)
        guard !rows.isEmpty else { return }
        let sealed = try Sealed(db)
        let policy = try await PolicyStore(db).policy(region: countyCode, month: today.yearMonth).matching
        var pending: [PendingHit] = []
        for r in rows {
            let json = try sealed.record("dataset_records", "record", r.record, row: r.id)
            let record = try Sealed.redacted(row: r.id) { try Stored("dataset_records").json(StoredRecord.self, "record", json) }.record()
            pending += findings(record, recordID: r.id, registry: registry, index: r.residentIdIndex,
                                relativeIndex: r.relativeResidentIndex, policy: policy, today: today)
                .filter { $0.type == .exact }
        }
        pending = try await settlingRosters(pending, policy: policy, today: today, on: sql)
        try await insert(pending, foundBy: foundBy, countyCode: countyCode, at: Date(), on: sql)
    }

    /// Refuses approval while the household has an open hit that blocks it (C05: no automatic approval).
    static func checkApproval(householdID: String, on db: any Database) async throws {
        struct Row: Decodable { var code: String; var summary: String }
        let open = try await db.sql.raw("""
            SELECT code, summary FROM match_hits WHERE household_id = \(bind: householdID) AND status = 'open'
              AND match_type = 'exact' AND blocks_approval = \(bind: true) ORDER BY found_at, id
            """).all(decoding: Row.self, with: SQLSupport.decoder)
        guard open.isEmpty else { throw MatchError.openHits(household: householdID, open.map { "\($0.code)：\($0.summary)" }) }
    }
}

/// The state of one import while its transaction runs (the transaction's closure is `@Sendable`; only
/// that closure touches it, one step after another).
final class ImportRun: @unchecked Sendable {
    var rows: any DatasetRowSource
    var report = DatasetImportReport()
    var problems: [DatasetRowProblem] = []
    var refusedRows = 0
    var count = 0, added = 0, known = 0
    var pending: [MatchStore.PendingHit] = []
    /// Keys seen in this file: key index → (row, content hash).
    var seen: [String: (row: Int, content: String)] = [:]
    var batch: [(record: DatasetRecord, keyIndex: String, content: String)] = []

    init(_ rows: some DatasetRowSource) { self.rows = rows }
}

struct KnownRecord: Decodable { var recordKeyIndex: String; var contentHash: String; var importedAt: Date }

/// A dataset record as stored (sealed JSON: it carries ID numbers).
struct StoredRecord: Codable {
    var kind: String
    var row: Int
    var residentID: String
    var name: String
    var eventDate: String?
    var month: Int?
    var amountFen: Int64?
    var values: [String: String]
    var relativeResidentID: String?
    var idWarnings: [String]

    init(_ r: DatasetRecord) {
        kind = r.kind.rawValue
        row = r.row
        residentID = r.residentID.value
        name = r.name
        eventDate = r.eventDate?.description
        month = r.month?.number
        amountFen = r.amount?.fen
        values = Dictionary(uniqueKeysWithValues: r.values.map { ($0.key.rawValue, $0.value) })
        relativeResidentID = r.relativeResidentID?.value
        idWarnings = r.idWarnings
    }

    func json() throws -> String { try SQLSupport.encode(self) }

    func record() throws -> DatasetRecord {
        let t = Stored("dataset_records")
        var values: [DatasetField: String] = [:]
        for (k, v) in self.values { values[try t.parse("record", k) as DatasetField] = v }
        var r = DatasetRecord(kind: try t.parse("record", kind), row: row, residentID: try t.residentID("record", residentID), name: name,
                              eventDate: try t.date("record", eventDate), month: try t.month("record", month),
                              amount: amountFen.map { Money(fen: $0) }, values: values,
                              relativeResidentID: try t.residentID("record", relativeResidentID))
        r.idWarnings = idWarnings
        return r
    }
}
