import Crypto
import Domain
import FluentKit
import Foundation
import SQLKit

/// The bank's result files (回盘), the correction queue of returned lines (退票), the follow-up batches that
/// pay corrected lines again, and reconciliation (docs/bank-returns.md). HOPE's rules: a file with any
/// conflict is refused whole, naming the line; an override needs its own permission and is recorded;
/// closed batches are immutable. Re-importing a file changes nothing.
public struct BankReturnStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public struct ImportResult: Hashable, Sendable {
        public var batchID: String
        /// False when this very file was imported before: nothing changed.
        public var created: Bool
        public var paid: Int
        public var returned: Int
        /// Lines the file repeats exactly as recorded before.
        public var unchanged: Int
    }

    /// Imports a result file of one batch.
    /// - Parameter override: who imports a file whose only conflicts are results changed since an earlier
    ///   file (the bank corrected itself), and why; the web layer asks it of the override permission.
    /// - Throws: `BankReturnError` (the file as a whole: unreadable, a column missing, a value, the batch
    ///   closed or not handed over, the conflicts with their lines); `PayrollError.batchNotFound`.
    public func importFile(_ data: Data, fileName: String, countyCode: String, actor: String,
                           override: (by: String, reason: String)? = nil) async throws -> ImportResult {
        let rows = try BankReturnFile.parse(data)
        let batchID = rows[0].batchID
        let payroll = PayrollStore(database)
        let batch = try await payroll.batch(id: batchID)
        guard batch.countyCode == countyCode else { throw PayrollError.batchNotFound(batchID) }
        guard batch.reconciledAt == nil else { throw BankReturnError.closedBatch(batchID) }
        guard batch.state == .exported, try await BankFileStore(database).file(of: batchID) != nil else {
            throw BankReturnError.noBankFile(batchID)
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        struct Seen: Decodable { var id: String }
        if try await database.sql.raw("SELECT id FROM bank_returns WHERE batch_id = \(bind: batchID) AND file_sha256 = \(bind: digest)")
            .first(decoding: Seen.self) != nil {
            return ImportResult(batchID: batchID, created: false, paid: 0, returned: 0, unchanged: rows.count)
        }
        // The bank credits from the month before the batch's at the earliest, and not after today.
        let window = batch.month.previous.firstDay...max(ChinaClock.today(), batch.month.previous.firstDay)
        // Checked before anything is read for writing (a file with conflicts is refused at once), and again
        // inside the transaction below.
        let lines = try await check(rows, batchID: batchID, window: window, override: override, on: database).lines
        let townships = Dictionary(try await payroll.identifiedLines(of: batchID).map { ($0.id, $0.line.townshipCode) },
                                   uniquingKeysWith: { a, _ in a })
        let extras = Dictionary(rows.map { ($0.seq, $0.extra) }, uniquingKeysWith: { a, _ in a })
        let seqOf = Dictionary(lines.map { ($0.lineID, $0.seq) }, uniquingKeysWith: { a, _ in a })
        let returnID = SQLSupport.newID()
        let (results, _) = try await database.transaction { db -> ([String: LineResult], [ReturnConflict]) in
            let sql = db.sql
            // Closed meanwhile? Another file imported meanwhile? The row stays locked until commit
            // (PostgreSQL; SQLite has one writer), and the file is checked again against what is recorded now.
            try await SQLSupport.lockRow("payroll_batches", id: batchID, on: db)
            struct Closed: Decodable { var reconciledAt: Date? }
            if try await sql.raw("SELECT reconciled_at FROM payroll_batches WHERE id = \(bind: batchID)")
                .first(decoding: Closed.self, with: SQLSupport.decoder)?.reconciledAt != nil {
                throw BankReturnError.closedBatch(batchID)
            }
            let again = try await check(rows, batchID: batchID, window: window, override: override, on: db)
            let results = again.results, conflicts = again.conflicts
            try await sql.insert(into: "bank_returns").columns(
                "id", "batch_id", "file_name", "file_sha256", "rows", "paid", "returned", "imported_by", "imported_at", "override_by",
                "override_reason"
            ).values(returnID, batchID, Redaction.identifiers(in: fileName), digest, rows.count, results.values.filter(\.paid).count,
                     results.values.filter { !$0.paid }.count, actor, Date(), conflicts.isEmpty ? nil : override?.by,
                     conflicts.isEmpty ? nil : override?.reason).run()
            let changed = Array(results.keys)
            for chunk in SQLSupport.chunks(changed) {
                // A decision on a line whose result changed no longer stands.
                try await sql.raw("DELETE FROM return_decisions WHERE reissue_batch_id IS NULL AND line_id IN (\(binds: chunk))").run()
                try await sql.raw("DELETE FROM payroll_line_results WHERE line_id IN (\(binds: chunk))").run()
            }
            for (lineID, r) in results {
                try await sql.insert(into: "payroll_line_results").columns(
                    "line_id", "batch_id", "paid", "reason_code", "reason_text", "credited_on", "return_id", "extra"
                ).values(lineID, batchID, r.paid, r.reason?.rawValue, r.reasonText, r.creditedOn?.description, returnID,
                         try SQLSupport.encode(extras[seqOf[lineID]!] ?? [:])).run()
            }
            // Each township's credit day: the latest day the bank credited any of its lines, over every file
            // (timeliness, C14): a later file's later day moves it on, never back.
            var credit: [String: CivilDate] = [:]
            for (lineID, r) in results where r.paid {
                guard let day = r.creditedOn, let t = townships[lineID] else { continue }
                credit[t] = max(credit[t] ?? day, day)
            }
            struct Have: Decodable { var townshipCode: String; var creditedOn: String }
            let have = Dictionary(try await sql.raw("SELECT township_code, credited_on FROM payment_credits WHERE batch_id = \(bind: batchID)")
                .all(decoding: Have.self, with: SQLSupport.decoder).map { ($0.townshipCode, $0.creditedOn) }, uniquingKeysWith: { a, _ in a })
            for (t, day) in credit {
                if let existing = have[t] {
                    guard existing < day.description else { continue }
                    try await sql.raw("""
                        UPDATE payment_credits SET credited_on = \(bind: day.description), source = 'bank-return', recorded_by = \(bind: actor),
                          recorded_at = \(bind: Date()) WHERE batch_id = \(bind: batchID) AND township_code = \(bind: t)
                        """).run()
                    continue
                }
                try await sql.insert(into: "payment_credits").columns("id", "batch_id", "township_code", "credited_on", "source",
                                                                       "recorded_by", "recorded_at")
                    .values(SQLSupport.newID(), batchID, t, day.description, "bank-return", actor, Date()).run()
            }
            try await audit(db, county: countyCode, actor: actor, action: conflicts.isEmpty ? "bank-return.import" : "bank-return.override",
                            subject: batchID, detail: "\(fileName) sha256 \(digest) 成功 \(results.values.filter(\.paid).count) 失败 \(results.values.filter { !$0.paid }.count)"
                                + (conflicts.isEmpty ? "" : " 覆盖 \(conflicts.count) 处：\(override?.reason ?? "")"))
            return (results, conflicts)
        }
        return ImportResult(batchID: batchID, created: true, paid: results.values.filter(\.paid).count,
                            returned: results.values.filter { !$0.paid }.count, unchanged: rows.count - results.count)
    }

    /// The file checked against the batch as recorded on `db`: the results to record, or the refusal.
    func check(_ rows: [ReturnRow], batchID: String, window: ClosedRange<CivilDate>, override: (by: String, reason: String)?,
               on db: any Database) async throws -> (lines: [ReconcilableLine], results: [String: LineResult], conflicts: [ReturnConflict]) {
        let lines = try await reconcilable(batchID, on: db)
        let (results, conflicts) = Reconciliation.check(rows, batchID: batchID, lines: lines, creditWindow: window)
        if !conflicts.isEmpty {
            guard let override, !override.reason.trimmingWhitespace().isEmpty, conflicts.allSatisfy(\.overridable) else {
                throw BankReturnError.conflicts(conflicts)
            }
        }
        return (lines, results, conflicts)
    }

    /// The batch's lines with their seq, account key and what was recorded for them.
    func reconcilable(_ batchID: String, on db: any Database) async throws -> [ReconcilableLine] {
        struct Row: Decodable { var id: String; var seq: Int; var bankAccount: String; var amountFen: Int64
            var paid: Bool?; var reasonCode: String?; var reasonText: String?; var creditedOn: String?; var reissueBatchId: String? }
        let sealed = try Sealed(db)
        let t = Stored("payroll_line_results")
        return try await db.sql.raw("""
            SELECT l.id, l.seq, l.bank_account, l.amount_fen, r.paid, r.reason_code, r.reason_text, r.credited_on, d.reissue_batch_id
            FROM payroll_lines l LEFT JOIN payroll_line_results r ON r.line_id = l.id LEFT JOIN return_decisions d ON d.line_id = l.id
            WHERE l.batch_id = \(bind: batchID) ORDER BY l.seq
            """).all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            let account = try sealed.account("payroll_lines", "bank_account", r.bankAccount, row: r.id) ?? ""
            var recorded: LineResult?
            if let paid = r.paid {
                recorded = LineResult(paid: paid, reason: try t.parse("reason_code", r.reasonCode), reasonText: r.reasonText ?? "",
                                      creditedOn: try t.date("credited_on", r.creditedOn))
            }
            return ReconcilableLine(lineID: r.id, seq: r.seq, accountKey: PayeeChecks.accountKey(account),
                                    amount: Money(fen: r.amountFen), recorded: recorded, repaid: r.reissueBatchId != nil)
        }
    }

    // MARK: - Correction queue

    /// A line the bank returned, and what was done with it.
    public struct ReturnedLine: Hashable, Sendable {
        public var lineID: String
        public var batch: PayrollBatch
        public var seq: Int
        public var householdID: String
        public var memberID: String?
        public var townshipCode: String
        public var payeeName: String
        public var amount: Money
        public var reason: ReturnReason
        public var reasonText: String
        public var decision: ReturnDecision?
        public var decisionNote: String?
        public var decidedBy: String?
        /// The follow-up batch that paid it again.
        public var reissueBatchID: String?
    }

    /// Returned lines of the county, oldest batch first; only those still to act on when `openOnly`
    /// (no decision, or to repay and not yet on a follow-up batch).
    public func returnedLines(countyCode: String, openOnly: Bool = false, batchID: String? = nil) async throws -> [ReturnedLine] {
        struct Row: Decodable {
            var id: String; var batchId: String; var seq: Int; var householdId: String; var memberId: String?; var townshipCode: String
            var payeeName: String; var amountFen: Int64; var reasonCode: String?; var reasonText: String; var decision: String?
            var note: String?; var decidedBy: String?; var reissueBatchId: String?
        }
        var q = SQLQueryString("""
            SELECT l.id, l.batch_id, l.seq, l.household_id, l.member_id, l.township_code, l.payee_name, l.amount_fen,
              r.reason_code, r.reason_text, d.decision, d.note, d.decided_by, d.reissue_batch_id
            FROM payroll_line_results r JOIN payroll_lines l ON l.id = r.line_id JOIN payroll_batches b ON b.id = l.batch_id
            LEFT JOIN return_decisions d ON d.line_id = l.id
            WHERE r.paid = \(bind: false) AND b.county_code = \(bind: countyCode)
            """)
        if let batchID { q = q + " AND l.batch_id = \(bind: batchID)" }
        if openOnly { q = q + " AND (d.decision IS NULL OR (d.decision = 'repay' AND d.reissue_batch_id IS NULL))" }
        let rows = try await database.sql.raw(q + " ORDER BY b.month, l.batch_id, l.seq").all(decoding: Row.self, with: SQLSupport.decoder)
        let payroll = PayrollStore(database)
        var batches: [String: PayrollBatch] = [:]
        let t = Stored("payroll_line_results")
        var out: [ReturnedLine] = []
        for r in rows {
            if batches[r.batchId] == nil { batches[r.batchId] = try await payroll.batch(id: r.batchId) }
            out.append(ReturnedLine(lineID: r.id, batch: batches[r.batchId]!, seq: r.seq, householdID: r.householdId, memberID: r.memberId,
                                    townshipCode: r.townshipCode, payeeName: r.payeeName, amount: Money(fen: r.amountFen),
                                    reason: try t.parse("reason_code", r.reasonCode) ?? .other, reasonText: r.reasonText,
                                    decision: try Stored("return_decisions").parse("decision", r.decision), decisionNote: r.note,
                                    decidedBy: r.decidedBy, reissueBatchID: r.reissueBatchId))
        }
        return out
    }

    /// Records what is done with a returned line: repay once corrected (a follow-up batch of its batch pays
    /// it), settled another way, or not to be paid. A decision may be changed until the line is on a
    /// follow-up batch or its batch is closed.
    /// - Throws: `StoreError.conflict` for a line that was paid (a re-pay request for a line already paid),
    ///   already repaid, or of a closed batch; `StoreError.outOfRange` without a note.
    public func decide(lineID: String, decision: ReturnDecision, note: String, actor: String) async throws {
        let why = note.trimmingWhitespace()
        guard !why.isEmpty else { throw StoreError.outOfRange("退票处理须写明说明（如已更正的账号尾号、现金支付收据号）(a note is required)") }
        try await database.transaction { db in
            let sql = db.sql
            struct Row: Decodable { var batchId: String; var paid: Bool?; var reconciledAt: Date?; var countyCode: String; var householdId: String }
            guard let r = try await sql.raw("""
                SELECT l.batch_id, r.paid, b.reconciled_at, b.county_code, l.household_id FROM payroll_lines l
                JOIN payroll_batches b ON b.id = l.batch_id LEFT JOIN payroll_line_results r ON r.line_id = l.id
                WHERE l.id = \(bind: lineID)
                """).first(decoding: Row.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "发放记录", id: lineID) }
            guard r.paid == false else {
                throw StoreError.conflict("发放记录 \(lineID) \(r.paid == true ? "银行已入账" : "尚无银行回盘结果")，不能按退票处理 (not a returned line)")
            }
            guard r.reconciledAt == nil else { throw StoreError.conflict("批次 \(r.batchId) 已对账关闭，退票处理不能再改 (batch closed)") }
            struct D: Decodable { var reissueBatchId: String? }
            if let d = try await sql.raw("SELECT reissue_batch_id FROM return_decisions WHERE line_id = \(bind: lineID)")
                .first(decoding: D.self, with: SQLSupport.decoder), let b = d.reissueBatchId {
                throw StoreError.conflict("该笔已在重发批次 \(b) 中，不能再改 (already repaid)")
            }
            try await sql.raw("DELETE FROM return_decisions WHERE line_id = \(bind: lineID)").run()
            try await sql.insert(into: "return_decisions").columns("line_id", "batch_id", "decision", "note", "decided_by", "decided_at")
                .values(lineID, r.batchId, decision.rawValue, why, actor, Date()).run()
            try await audit(db, county: r.countyCode, actor: actor, action: "bank-return.decide", subject: lineID,
                            detail: "\(decision.rawValue) \(why)", householdID: r.householdId)
        }
    }

    /// The follow-up batch (退票重发) of `sourceBatchID`: exactly its returned lines decided `repay` and on no
    /// follow-up batch yet, each for the same amount and month, to the payee and account registered now
    /// (the correction). Never merged with other amounts or other batches' lines. It is approved and
    /// handed over like any batch.
    /// - Throws: `StoreError.conflict` when no line is waiting.
    public func generateReissue(sourceBatchID: String, actor: String) async throws -> PayrollBatch {
        let payroll = PayrollStore(database)
        let source = try await payroll.batch(id: sourceBatchID)
        let waiting = try await returnedLines(countyCode: source.countyCode, openOnly: true, batchID: sourceBatchID)
            .filter { $0.decision == .repay }
        guard !waiting.isEmpty else {
            throw StoreError.conflict("批次 \(sourceBatchID) 没有已更正、待重发的退票 (no corrected returned lines)")
        }
        let originals = Dictionary(try await payroll.identifiedLines(of: sourceBatchID).map { ($0.id, $0.line) }, uniquingKeysWith: { a, _ in a })
        let files = try await RegistryStore(database).households(Array(Set(waiting.map(\.householdID))))
        let byID = Dictionary(files.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let lines: [PayrollLine] = try waiting.map { w in
            guard let original = originals[w.lineID], let h = byID[w.householdID], let account = h.bankAccount else {
                throw StoreError.conflict("第 \(w.seq) 笔（\(w.payeeName)）的家庭未登记收款账号，请先更正 (no account)")
            }
            var l = original
            // The grant was paid once, by the original line (its unique key); this line pays it again.
            l.grantID = nil
            l.payeeName = h.payee.name
            l.payeeResidentID = h.payee.residentID
            l.bankAccount = account
            return l
        }
        // The payee checks of every batch (field case C20): a corrected account is checked like any other.
        let policy = try await PolicyStore(database).policy(region: source.countyCode, month: source.month)
        let checked = try await PayeeCheckStore(database).apply(lines: lines, payable: [], month: source.month, today: ChinaClock.today(),
                                                                payment: policy.payment, countyCode: source.countyCode)
        if let held = checked.holds.first {
            throw StoreError.conflict("\(held.payeeName)（家庭 \(held.householdID)）的收款核查未通过：\(held.reason)。请先核实放行，再生成重发批次 (payee check)")
        }
        let id = SQLSupport.newID()
        let total = lines.reduce(Money.zero) { $0 + $1.amount }
        try await database.transaction { db in
            let sql = db.sql
            struct R: Decodable { var r: Int? }
            let round = (try await sql.raw("""
                SELECT MAX(reissue_round) AS r FROM payroll_batches WHERE reissue_of = \(bind: sourceBatchID)
                """).first(decoding: R.self)?.r ?? 0) + 1
            try await PayrollRows.insertBatch(on: sql, id: id, countyCode: source.countyCode, programme: source.programme,
                                              month: source.month, kind: .reissue, lineCount: lines.count, total: total, at: Date(),
                                              actor: actor, reissueOf: sourceBatchID, reissueRound: round)
            let sealed = try Sealed(db)
            let rows = try lines.enumerated().map { i, l in try PayrollRows.line(id: SQLSupport.newID(), batchID: id, seq: i + 1, l, sealed) }
            try await SQLSupport.insert(into: "payroll_lines", columns: PayrollRows.lineColumns, rows: rows, on: sql)
            for chunk in SQLSupport.chunks(waiting.map(\.lineID)) {
                let updated = try await sql.raw("""
                    UPDATE return_decisions SET reissue_batch_id = \(bind: id)
                    WHERE line_id IN (\(binds: chunk)) AND decision = 'repay' AND reissue_batch_id IS NULL RETURNING line_id
                    """).all()
                guard updated.count == chunk.count else {
                    throw StoreError.conflict("有退票已被另一重发批次列入，本批次未生成，请刷新 (lines taken meanwhile)")
                }
            }
            try await audit(db, county: source.countyCode, actor: actor, action: "payroll.reissue", subject: id,
                            detail: "of \(sourceBatchID) round \(round) lines \(lines.count) total \(total.yuanString)")
        }
        return try await payroll.batch(id: id)
    }

    /// Closes a batch once every line has a result from the bank (paid) or a recorded return decision; from
    /// then on no result file or decision changes it.
    /// - Throws: `StoreError.conflict` naming how many lines are still open.
    public func reconcile(batchID: String, actor: String) async throws -> PayrollBatch {
        let payroll = PayrollStore(database)
        let b = try await payroll.batch(id: batchID)
        guard b.reconciledAt == nil else { return b }
        struct N: Decodable { var n: Int }
        let open = try await database.sql.raw("""
            SELECT COUNT(*) AS n FROM payroll_lines l LEFT JOIN payroll_line_results r ON r.line_id = l.id
            LEFT JOIN return_decisions d ON d.line_id = l.id
            WHERE l.batch_id = \(bind: batchID) AND (r.line_id IS NULL OR (r.paid = \(bind: false)
              AND (d.line_id IS NULL OR (d.decision = 'repay' AND d.reissue_batch_id IS NULL))))
            """).first(decoding: N.self)?.n ?? 0
        guard b.state == .exported, open == 0 else {
            throw StoreError.conflict("批次 \(batchID) 还有 \(open) 笔没有银行入账结果、退票处理决定或待生成重发批次，不能对账关闭 (lines still open)")
        }
        try await database.transaction { db in
            try await db.sql.raw("""
                UPDATE payroll_batches SET reconciled_at = \(bind: Date()), reconciled_by = \(bind: actor)
                WHERE id = \(bind: batchID) AND reconciled_at IS NULL
                """).run()
            try await audit(db, county: b.countyCode, actor: actor, action: "payroll.reconcile", subject: batchID, detail: "\(b.month)")
        }
        return try await payroll.batch(id: batchID)
    }

    /// What the bank said of a batch's lines so far.
    public struct Summary: Hashable, Sendable {
        public var lines: Int
        public var paid: Int
        public var returned: Int
        /// Returned lines with a recorded decision.
        public var decided: Int
        /// Follow-up batches (退票重发) of this batch, by id.
        public var followUps: [String]
        /// Lines with no result and returned lines with no decision: what keeps the batch open.
        public var open: Int { lines - paid - decided }
    }

    public func summary(batchID: String) async throws -> Summary {
        struct N: Decodable { var lines: Int; var paid: Int?; var returned: Int?; var decided: Int? }
        let n = try await database.sql.raw("""
            SELECT COUNT(*) AS lines,
              SUM(CASE WHEN r.paid = \(bind: true) THEN 1 ELSE 0 END) AS paid,
              SUM(CASE WHEN r.paid = \(bind: false) THEN 1 ELSE 0 END) AS returned,
              SUM(CASE WHEN r.paid = \(bind: false) AND d.line_id IS NOT NULL THEN 1 ELSE 0 END) AS decided
            FROM payroll_lines l LEFT JOIN payroll_line_results r ON r.line_id = l.id LEFT JOIN return_decisions d ON d.line_id = l.id
            WHERE l.batch_id = \(bind: batchID)
            """).first(decoding: N.self) ?? N(lines: 0, paid: 0, returned: 0, decided: 0)
        struct B: Decodable { var id: String }
        let follow = try await database.sql.raw("SELECT id FROM payroll_batches WHERE reissue_of = \(bind: batchID) ORDER BY reissue_round")
            .all(decoding: B.self).map(\.id)
        return Summary(lines: n.lines, paid: n.paid ?? 0, returned: n.returned ?? 0, decided: n.decided ?? 0, followUps: follow)
    }

    /// The result files imported for a batch, newest first.
    public struct ImportedFile: Hashable, Sendable {
        public var fileName: String
        public var sha256: String
        public var paid: Int
        public var returned: Int
        public var importedBy: String
        public var importedAt: Date
        public var overrideBy: String?
        public var overrideReason: String?
    }

    public func imports(batchID: String) async throws -> [ImportedFile] {
        struct Row: Decodable { var fileName: String; var fileSha256: String; var paid: Int; var returned: Int; var importedBy: String
            var importedAt: Date; var overrideBy: String?; var overrideReason: String? }
        return try await database.sql.raw("""
            SELECT file_name, file_sha256, paid, returned, imported_by, imported_at, override_by, override_reason FROM bank_returns
            WHERE batch_id = \(bind: batchID) ORDER BY imported_at DESC
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            ImportedFile(fileName: $0.fileName, sha256: $0.fileSha256, paid: $0.paid, returned: $0.returned, importedBy: $0.importedBy,
                         importedAt: $0.importedAt, overrideBy: $0.overrideBy, overrideReason: $0.overrideReason)
        }
    }
}
