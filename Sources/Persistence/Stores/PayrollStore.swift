import Crypto
import Domain
import FluentKit
import Foundation
import SQLKit

/// A payroll batch header as stored.
public struct PayrollBatch: Hashable, Sendable {
    public var id: String
    public var countyCode: String
    public var programme: Programme
    public var month: YearMonth
    public var state: PayrollState
    public var lineCount: Int
    public var total: Money
    public var createdAt: Date
    public var approvedBy: String?
    public var exportedAt: Date?
    /// Regular (the month's payment) or back pay (补发) of earlier months, paid in `month`.
    public var kind: PayrollKind
    /// Who generated it (nil for batches of the first schema).
    public var createdBy: String?
    /// For a follow-up batch (退票重发): the batch whose returned lines it pays again, and which round.
    public var reissueOf: String?
    public var reissueRound: Int = 0
    /// When the batch was reconciled with the bank's results and closed (nil: open).
    public var reconciledAt: Date?
    public var reconciledBy: String?

    public init(id: String, countyCode: String, programme: Programme, month: YearMonth, state: PayrollState,
                lineCount: Int, total: Money, createdAt: Date, approvedBy: String?, exportedAt: Date?,
                kind: PayrollKind = .regular, createdBy: String? = nil, reissueOf: String? = nil, reissueRound: Int = 0,
                reconciledAt: Date? = nil, reconciledBy: String? = nil) {
        self.kind = kind
        self.createdBy = createdBy
        self.reissueOf = reissueOf
        self.reissueRound = reissueRound
        self.reconciledAt = reconciledAt
        self.reconciledBy = reconciledBy
        self.id = id
        self.countyCode = countyCode
        self.programme = programme
        self.month = month
        self.state = state
        self.lineCount = lineCount
        self.total = total
        self.createdAt = createdAt
        self.approvedBy = approvedBy
        self.exportedAt = exportedAt
    }
}

/// The columns of `payroll_batches` and `payroll_lines`, and the one way each row is written (regular and
/// back-pay batches alike).
enum PayrollRows {
    static let lineColumns = [
        "id", "batch_id", "seq", "household_id", "member_id", "recipient_key", "township_code", "village_code", "area",
        "payee_name", "payee_resident_id", "bank_account", "household_size", "amount_fen", "components", "temporary_case_id",
    ]

    /// The row of a line, its payee's ID and account number sealed (ADR 0021).
    static func line(id: String, batchID: String, seq: Int, _ l: PayrollLine, _ sealed: Sealed) throws -> [any Encodable & Sendable] {
        [id, batchID, seq, l.householdID, l.memberID, l.recipientKey, l.townshipCode, l.villageCode, l.area.rawValue,
         l.payeeName, try sealed.seal(l.payeeResidentID), try sealed.seal(account: l.bankAccount), l.householdSize, l.amount.fen,
         try StoredComponent.encode(l.components), l.grantID]
    }

    /// How the payee's ID and account number are stored: in the clear (before migration 0020, for 0018's
    /// checksums), or sealed.
    enum LineValues { case clear, sealed(Sealed) }

    /// SHA-256 (hex) of a batch's lines, in order: every column but the row id, the payee's ID and account
    /// number as their text (so resealing under a new key keeps the checksum). Taken at approval, compared
    /// before every bank file, so a line altered in the database after approval is caught.
    /// - Throws: `DataKeyError` for a sealed value that does not open (an altered one among them).
    static func checksum(of batchID: String, on sql: any SQLDatabase, values: LineValues) async throws -> String {
        struct Row: Decodable {
            var seq: Int; var householdId: String; var memberId: String?; var recipientKey: String; var townshipCode: String
            var villageCode: String; var area: String; var payeeName: String; var payeeResidentId: String; var bankAccount: String
            var householdSize: Int; var amountFen: Int64; var components: String; var temporaryCaseId: String?
        }
        var hasher = SHA256()
        func text(_ r: Row) throws -> (String, String) {
            guard case .sealed(let sealed) = values else { return (r.payeeResidentId, r.bankAccount) }
            let row = "\(batchID) #\(r.seq)"
            return (try sealed.residentID("payroll_lines", "payee_resident_id", r.payeeResidentId, row: row).value,
                    try sealed.account("payroll_lines", "bank_account", r.bankAccount, row: row) ?? "")
        }
        for r in try await sql.raw("""
            SELECT seq, household_id, member_id, recipient_key, township_code, village_code, area, payee_name, payee_resident_id,
              bank_account, household_size, amount_fen, components, temporary_case_id
            FROM payroll_lines WHERE batch_id = \(bind: batchID) ORDER BY seq
            """).all(decoding: Row.self, with: SQLSupport.decoder) {
            let (payeeID, account) = try text(r)
            let fields = [String(r.seq), r.householdId, r.memberId ?? "", r.recipientKey, r.townshipCode, r.villageCode, r.area,
                          r.payeeName, payeeID, account, String(r.householdSize), String(r.amountFen), r.components,
                          r.temporaryCaseId ?? ""]
            hasher.update(data: Data((fields.joined(separator: "\u{1F}") + "\n").utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A new draft batch header.
    static func insertBatch(on sql: any SQLDatabase, id: String, countyCode: String, programme: Programme, month: YearMonth,
                            kind: PayrollKind, lineCount: Int, total: Money, at: Date, actor: String,
                            reissueOf: String = "", reissueRound: Int = 0) async throws {
        try await sql.insert(into: "payroll_batches").columns(
            "id", "county_code", "programme", "month", "kind", "state", "line_count", "total_fen", "created_at", "created_by",
            "reissue_of", "reissue_round"
        ).values(id, countyCode, programme.rawValue, month.number, kind.rawValue, PayrollState.draft.rawValue, lineCount,
                 total.fen, at, actor, reissueOf, reissueRound).run()
    }
}

/// One row of `overpayments` a month (the recovery ledger's input, field case C16): written by terminations
/// and by reviews that re-decide months already paid.
enum OverpaymentRows {
    static func insert(on sql: any SQLDatabase, countyCode: String, householdID: String, memberID: String?, programme: Programme,
                       month: Int, amount: Money, reason: String, terminationID: String?) async throws {
        try await sql.insert(into: "overpayments").columns(
            "id", "county_code", "household_id", "member_id", "programme", "month", "amount_fen", "reason", "termination_id",
            "recorded_at"
        ).values(SQLSupport.newID(), countyCode, householdID, memberID, programme.rawValue, month, amount.fen, reason,
                 terminationID, Date()).run()
    }
}

/// Totals of a batch by township, for review before approval.
public struct PayrollTownshipTotal: Hashable, Sendable {
    public var townshipCode: String
    public var lineCount: Int
    public var total: Money
}

/// Payroll batches of every monthly programme: generated once per county, programme and month; approval
/// freezes; export pays.
public struct PayrollStore: Sendable {
    let database: any Database
    /// Today in China: a batch may be prepared for next month at the latest.
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.today = today
    }

    /// The result of asking for a month's batch.
    public struct Generation: Sendable {
        public var batch: PayrollBatch
        /// False when the month's batch already existed and came back unchanged.
        public var created: Bool
        public var holds: [PayrollHold]
        /// The policy version in force for the month.
        public var policyVersion: String = ""
        /// Enrollments paid in the batch whose amount was decided under another version: after a new
        /// standard they are paid at the old amount until re-assessed (调标; back pay is not computed yet).
        public var decidedUnderOtherVersions: Int = 0
        /// One-off grants approved by the month's end and on no batch yet, when the month's batch already
        /// existed (approved after it was generated): they wait for a regenerated draft or the next month.
        public var waitingGrants: Int = 0
        /// Lines paid but flagged by the payee checks (`SHARED_CONTACT`), for a person to look at.
        public var flags: [PayrollHold] = []

        /// For staff, when some amounts were decided under another version; nil otherwise.
        public var otherVersionsNote: String? {
            guard decidedUnderOtherVersions > 0 else { return nil }
            return "\(decidedUnderOtherVersions) 户（人）的金额按此前的政策版本核定，本批次仍按核定金额发放；本月适用 \(policyVersion)，调整标准须逐户复核（调标），补发尚未自动计算 (amounts decided under another policy version)"
        }
    }

    /// Generates the batch of `programme` for `month`, or returns the existing one: a month is never
    /// paid twice. Months after next month are refused.
    ///
    /// Lines come from the enrollments active in the month (`SQLFragments.active`), held or paid by the
    /// programme's rules (`PayrollPlan.lines(for:rules:)`). They copy the payee, ID and bank account from
    /// the registry (field case C08: later edits never change a generated batch). The unique key
    /// (county, programme, month) makes a race between two clerks end with one batch; the unique key
    /// (batch, recipient) pays each household or member at most once in it.
    /// - Throws: `ProgrammeError.notImplemented`; `PayrollError.tooFarAhead`; `PayrollError.noPolicy`
    ///   when no policy is in force for the month; `PayrollError.notPaidByPayroll` for a programme that
    ///   pays no monthly amount.
    public func generate(programme: Programme, month: YearMonth, countyCode: String, actor: String) async throws -> Generation {
        try await generate(rules: try programme.rules(), month: month, countyCode: countyCode, actor: actor)
    }

    /// `generate(programme:…)` with the rules given: the seam every programme's payroll goes through.
    public func generate(rules: any ProgrammeRules, month: YearMonth, countyCode: String, actor: String) async throws -> Generation {
        try await generate(rules: rules, month: month, countyCode: countyCode, actor: actor, attempt: 1)
    }

    func generate(rules: any ProgrammeRules, month: YearMonth, countyCode: String, actor: String,
                  attempt: Int) async throws -> Generation {
        let programme = rules.programme
        guard rules.cadence != .inKind else { throw PayrollError.notPaidByPayroll(programme.shortChinese) }
        let latest = today().yearMonth.next
        guard month <= latest else { throw PayrollError.tooFarAhead(month: month, latest: latest) }
        let policy: Policy
        do { policy = try await PolicyStore(database).policy(region: countyCode, month: month) }
        catch let error as PolicyError { throw PayrollError.noPolicy(error) }
        // A version that does not configure the programme cannot pay it (refuse, don't default).
        guard policy.configures(programme) else {
            throw PayrollError.noPolicy(.programmeNotConfigured(programme: programme.rawValue, version: policy.version))
        }
        let other = try await decidedUnderOtherVersions(programme: programme, countyCode: countyCode, month: month,
                                                        version: policy.version)
        if let existing = try await batch(countyCode: countyCode, programme: programme, month: month) {
            var g = Generation(batch: existing, created: false, holds: try await self.holds(of: existing.id),
                               policyVersion: policy.version, decidedUnderOtherVersions: other)
            g.flags = try await self.flags(of: existing.id)
            if rules.cadence == .once { g.waitingGrants = try await payableGrants(countyCode: countyCode, month: month).count }
            return g
        }
        try await StoredCodes.check(database.sql, countyCode: countyCode)
        let payable = rules.cadence == .once
            ? try await payableGrants(countyCode: countyCode, month: month)
            : try await payableEnrollments(programme: programme, countyCode: countyCode, month: month)
        let planned = PayrollPlan.lines(for: payable, rules: rules, policy: policy)
        // The payee checks before approval (field case C20): held lines leave the batch, flags stay with it.
        let checked = try await PayeeCheckStore(database).apply(lines: planned.lines, payable: payable, month: month, today: today(),
                                                                payment: policy.payment, countyCode: countyCode)
        let heldAccounts = checked.accounts
        // A matching hit on a member (a death, a public employee, a vehicle, paid by another county this month…)
        // holds the household's line, the member's own and the payee's until a case worker decides (C01, C05).
        let households = Array(Set(checked.lines.map(\.householdID)))
        try await database.transaction { db in
            try await MatchStore.rosterHits(month: month, households: households, countyCode: countyCode, today: today(), on: db)
        }
        let matched = try await MatchStore.heldLines(checked.lines, month: month, on: database)
        let lines = checked.lines.enumerated().filter { matched[$0.offset] == nil }.map(\.element)
        let matchHolds = checked.lines.enumerated().compactMap { i, l in
            matched[i].map { PayrollHold(householdID: l.householdID, memberID: l.memberID, payeeName: l.payeeName, reason: $0) }
        }
        let holds = planned.holds + checked.holds + matchHolds
        let flags = checked.flags
        let id = SQLSupport.newID()
        let total = lines.reduce(Money.zero) { $0 + $1.amount }
        let now = Date()
        do {
            try await database.transaction { db in
                let sql = db.sql
                // Grants paid here are locked, and their offsets (field case C16) read again: an offset
                // recorded since the lines were planned fails this batch rather than go unpaid or unrecorded.
                let grants = lines.compactMap(\.grantID)
                if !grants.isEmpty {
                    for chunk in SQLSupport.chunks(grants) {
                        try await sql.raw("UPDATE temporary_cases SET updated_at = updated_at WHERE id IN (\(binds: chunk))").run()
                    }
                    let current = try await RecoveryStore.offsets(grants: grants, on: sql)
                    for l in lines where l.grantID != nil {
                        let planned = l.components.filter { $0.kind == .recoveryOffset }.reduce(Money.zero) { $0 - $1.amount }
                        guard planned == (current[l.grantID!] ?? .zero) else {
                            throw StoreError.conflict("生成期间有人登记了抵扣，本批次未生成，请重新生成 (an offset was recorded meanwhile)")
                        }
                    }
                }
                try await PayrollRows.insertBatch(on: sql, id: id, countyCode: countyCode, programme: programme, month: month,
                                                  kind: .regular, lineCount: lines.count, total: total, at: now, actor: actor)
                let sealed = try Sealed(db)
                let rows = try lines.enumerated().map { i, l in
                    try PayrollRows.line(id: SQLSupport.newID(), batchID: id, seq: i + 1, l, sealed)
                }
                try await SQLSupport.insert(into: "payroll_lines", columns: PayrollRows.lineColumns, rows: rows, on: sql)
                try await SQLSupport.insert(into: "payroll_holds", columns: ["id", "batch_id", "household_id", "member_id", "payee_name", "reason",
                                                                            "account_index"],
                                            rows: holds.map { [SQLSupport.newID(), id, $0.householdID, $0.memberID, $0.payeeName, $0.reason,
                                                               heldAccounts[$0.householdID]] },
                                            on: sql)
                try await SQLSupport.insert(into: "payroll_flags", columns: ["id", "batch_id", "household_id", "member_id", "payee_name", "reason"],
                                            rows: flags.map { [SQLSupport.newID(), id, $0.householdID, $0.memberID, $0.payeeName, $0.reason] },
                                            on: sql)
                try await audit(db, county: countyCode, actor: actor, action: "payroll.generate", subject: id,
                                detail: "\(programme.rawValue) \(month) lines \(lines.count) total \(total.yuanString)")
            }
        } catch {
            // Another clerk generated the month meanwhile: the unique key refused ours; return theirs.
            if let existing = try await batch(countyCode: countyCode, programme: programme, month: month) {
                return Generation(batch: existing, created: false, holds: [], policyVersion: policy.version,
                                  decidedUnderOtherVersions: other)
            }
            // A one-off grant listed meanwhile by another month's batch (the unique key on the grant refused
            // ours): read the grants again, so it is paid once, by that batch.
            if rules.cadence == .once && attempt < 3 {
                return try await generate(rules: rules, month: month, countyCode: countyCode, actor: actor, attempt: attempt + 1)
            }
            throw error
        }
        var g = Generation(batch: try await batch(id: id), created: true, holds: holds, policyVersion: policy.version,
                           decidedUnderOtherVersions: other)
        g.flags = flags
        return g
    }

    /// The months between the programme's latest regular batch before `month` and `month` that have no
    /// batch: skipped, and warned about before `month` is generated (issue 7). Empty when `month` has a
    /// batch already, follows the latest one, or is the programme's first; and for one-off grants (临时救助),
    /// which a later batch pays whatever month they were approved in.
    public func skippedMonths(programme: Programme, before month: YearMonth, countyCode: String) async throws -> [YearMonth] {
        struct Row: Decodable { var m: Int? }
        guard try programme.rules().cadence == .monthly else { return [] }
        if try await batch(countyCode: countyCode, programme: programme, month: month) != nil { return [] }
        guard let latest = try await database.sql.raw("""
            SELECT MAX(month) AS m FROM payroll_batches WHERE county_code = \(bind: countyCode)
              AND programme = \(bind: programme.rawValue) AND kind = 'regular' AND month < \(bind: month.number)
            """).first(decoding: Row.self)?.m else { return [] }
        let last = try Stored("payroll_batches").month("month", latest)
        return (1..<max(1, month.monthsSince(last))).map { last.adding(months: $0) }
    }

    /// Enrollments of `programme` active in `month` whose decision cites a version other than `version`.
    func decidedUnderOtherVersions(programme: Programme, countyCode: String, month: YearMonth, version: String) async throws -> Int {
        struct Row: Decodable { var n: Int }
        let q = SQLQueryString("""
            SELECT COUNT(*) AS n FROM enrollments e JOIN decisions d ON d.id = e.decision_id
            WHERE e.county_code = \(bind: countyCode) AND e.programme = \(bind: programme.rawValue)
              AND d.policy_version <> \(bind: version) AND
            """) + SQLFragments.active("e", in: month)
        return try await database.sql.raw(q).first(decoding: Row.self)?.n ?? 0
    }

    /// Enrollments of `programme` active in `month`, with the payee's details, the members counted now and,
    /// for member-level programmes, the enrolled member's name and status now.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func payableEnrollments(programme: Programme, countyCode: String, month: YearMonth) async throws -> [PayableEnrollment] {
        struct Row: Decodable {
            var enrollmentId: String; var householdId: String; var memberId: String?; var townshipCode: String
            var villageCode: String; var area: String; var monthlyBenefitFen: Int64; var components: String?
            var householdSize: Int; var bankAccount: String?; var payeeName: String?; var payeeResidentId: String?
            var countedMembers: Int; var memberName: String?; var memberStatus: String?; var memberResidentId: String?
            var payeeMemberId: String?
        }
        let q = SQLQueryString("""
            SELECT e.id AS enrollment_id, e.household_id, e.member_id, h.township_code, h.village_code, e.area,
              e.monthly_benefit_fen, e.components, e.household_size, h.bank_account, p.name AS payee_name,
              p.resident_id AS payee_resident_id, p.id AS payee_member_id,
              (SELECT COUNT(*) FROM members c WHERE c.household_id = h.id AND
            """) + SQLFragments.counted("c", in: programme, month: month) + SQLQueryString("""
            ) AS counted_members,
              r.name AS member_name, r.status AS member_status, r.resident_id AS member_resident_id
            FROM enrollments e
            JOIN households h ON h.id = e.household_id
            LEFT JOIN members p ON
            """) + SQLFragments.payee("p", of: "h") + SQLQueryString("""

            LEFT JOIN members r ON r.id = e.member_id
            WHERE e.county_code = \(bind: countyCode) AND e.programme = \(bind: programme.rawValue) AND
            """) + SQLFragments.active("e", in: month) + SQLQueryString("""

            ORDER BY h.township_code, h.village_code, e.household_id, e.member_id
            """)
        let rows = try await database.sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder)
        let t = Stored("enrollments")
        let m = Stored("members")
        let sealed = try Sealed(database)
        // The enrolled members as registered now (age, schooling, disability), for member-level rules.
        let memberHouseholds = Array(Set(rows.filter { $0.memberId != nil }.map(\.householdId)))
        var files: [String: HouseholdFile] = [:]
        // A household whose record has a problem (a birth date disagreeing with the ID) is held, not the batch.
        var problems: [String: String] = [:]
        for chunk in stride(from: 0, to: memberHouseholds.count, by: 500) {
            let loaded = try await RegistryStore(database).householdsNoting(Array(memberHouseholds[chunk..<min(chunk + 500, memberHouseholds.count)]))
            for f in loaded.files { files[f.id] = f }
            problems.merge(loaded.problems) { a, _ in a }
        }
        let differences = (try? programme.rules())?.paysDifference == true
        func enrolledMember(_ r: Row) throws -> Member? {
            guard let text = r.memberResidentId, let memberID = r.memberId else { return nil }
            let rid = try sealed.residentID("members", "resident_id", text, row: memberID)
            return files[r.householdId]?.composition.members.first { $0.residentID == rid }
        }
        var out: [PayableEnrollment] = []
        for r in rows {
            var e = PayableEnrollment(enrollmentID: r.enrollmentId, householdID: r.householdId, memberID: r.memberId,
                              townshipCode: r.townshipCode, villageCode: r.villageCode,
                              area: try t.parse("area", r.area),
                              components: try t.components("components", r.components, total: Money(fen: r.monthlyBenefitFen)),
                              householdSize: r.householdSize, payeeName: r.payeeName,
                              payeeResidentID: try sealed.residentID("members", "resident_id", r.payeeResidentId, row: r.payeeMemberId ?? r.householdId),
                              bankAccount: try sealed.account("households", "bank_account", r.bankAccount, row: r.householdId),
                              countedMembers: r.countedMembers,
                              memberName: r.memberName, memberStatus: try m.parse("status", r.memberStatus),
                              member: try enrolledMember(r), month: month)
            e.recordProblem = problems[r.householdId]
            // 补差: what the member receives elsewhere this month, for the rules to check the difference.
            if differences, let memberID = r.memberId {
                e.otherSupport = try await EnrollmentStore.otherSupport(householdID: r.householdId, memberID: memberID,
                                                                        besides: programme, month: month, on: database.sql)
            }
            out.append(e)
        }
        return out
    }

    /// One-off grants (临时救助) approved on or before the end of `month` to be paid by payroll and not
    /// yet on any batch's line, with the household's payee as registered now. The unique key on
    /// `payroll_lines.temporary_case_id` pays each at most once, whichever batch lists it first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func payableGrants(countyCode: String, month: YearMonth) async throws -> [PayableEnrollment] {
        struct Row: Decodable {
            var id: String; var householdId: String; var townshipCode: String; var villageCode: String; var area: String
            var amountFen: Int64; var householdSize: Int?; var bankAccount: String?; var payeeName: String?
            var payeeResidentId: String?; var countedMembers: Int; var payeeMemberId: String?
        }
        let q = SQLQueryString("""
            SELECT c.id, c.household_id, h.township_code, h.village_code, c.area, c.amount_fen, c.household_size,
              h.bank_account, p.name AS payee_name, p.resident_id AS payee_resident_id, p.id AS payee_member_id,
              (SELECT COUNT(*) FROM members m WHERE m.household_id = h.id AND
            """) + SQLFragments.counted("m", in: .temporary, month: month) + SQLQueryString("""
            ) AS counted_members
            FROM temporary_cases c
            JOIN households h ON h.id = c.household_id
            LEFT JOIN members p ON
            """) + SQLFragments.payee("p", of: "h") + SQLQueryString("""

            WHERE c.county_code = \(bind: countyCode) AND c.state = 'approved' AND c.payment = 'payroll'
              AND c.decided_on < \(bind: "\(month.next)-01")
              AND NOT EXISTS (SELECT 1 FROM payroll_lines l WHERE l.temporary_case_id = c.id)
            ORDER BY h.township_code, h.village_code, c.household_id, c.id
            """)
        let t = Stored("temporary_cases")
        let sealed = try Sealed(database)
        let rows = try await database.sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder)
        // An overpayment deducted from the grant (抵扣, field case C16): the line shows gross, offset and paid.
        let offsets = try await RecoveryStore.offsets(grants: rows.map(\.id), on: database.sql)
        return try rows.map { r in
            var parts = [AmountComponent(.basic, Money(fen: r.amountFen))]
            if let offset = offsets[r.id], offset > .zero { parts.append(AmountComponent(.recoveryOffset, .zero - offset)) }
            return PayableEnrollment(enrollmentID: r.id, householdID: r.householdId, townshipCode: r.townshipCode, villageCode: r.villageCode,
                              area: try t.parse("area", r.area), components: parts,
                              householdSize: r.householdSize ?? r.countedMembers, payeeName: r.payeeName,
                              payeeResidentID: try sealed.residentID("members", "resident_id", r.payeeResidentId, row: r.payeeMemberId ?? r.householdId),
                              bankAccount: try sealed.account("households", "bank_account", r.bankAccount, row: r.householdId),
                              countedMembers: r.countedMembers, month: month, grantID: r.id)
        }
    }

    /// draft → approved: the batch is frozen from here on, with the checksum of its lines.
    /// - Parameter secondPerson: the approver must not be who generated it (segregation of duties; the web
    ///   layer asks it of every account; a command run by the operator does not).
    /// - Throws: `PayrollError.invalidTransition` (also when another approval or a discard came first),
    ///   `.sameApprover`.
    public func approve(_ id: String, actor: String, secondPerson: Bool = false) async throws -> PayrollBatch {
        // Matched again: a hit found since the batch was generated (a death feed, another county's roster for
        // this month) refuses the approval; the draft is discarded and generated again, which holds the line.
        let b = try await batch(id: id)
        if b.state == .draft {
            let lines = try await self.lines(of: id)
            try await database.transaction { db in
                try await MatchStore.rosterHits(month: b.month, households: Array(Set(lines.map(\.householdID))), countyCode: b.countyCode,
                                                today: today(), on: db)
            }
            let held = try await MatchStore.heldLines(lines, month: b.month, on: database)
            if !held.isEmpty {
                let names = held.keys.sorted().prefix(5).map { lines[$0].payeeName }.joined(separator: "、")
                throw StoreError.conflict("批次生成后，信息比对发现 \(held.count) 户须暂停发放（\(names)\(held.count > 5 ? " 等" : "")），本批次未审核：请作废草稿后重新生成 (matching hits found since generation)")
            }
        }
        return try await transition(id, to: .approved, actor: actor, column: "approved", secondPerson: secondPerson)
    }

    /// The lines of a frozen batch, after checking them against the checksum taken at approval.
    /// - Throws: `PayrollError.linesChanged` when they no longer match; `.invalidTransition` for a draft.
    public func frozenLines(of batch: PayrollBatch) async throws -> [PayrollLine] {
        guard batch.state != .draft else { throw PayrollError.invalidTransition(from: .draft, to: .exported) }
        struct Row: Decodable { var linesSha256: String?; var lineCount: Int; var totalFen: Int64 }
        guard let row = try await database.sql.raw("SELECT lines_sha256, line_count, total_fen FROM payroll_batches WHERE id = \(bind: batch.id)")
            .first(decoding: Row.self, with: SQLSupport.decoder) else { throw PayrollError.batchNotFound(batch.id) }
        // The checksum first: an altered line may not even read back (a sealed value replaced by one that
        // does not open is an alteration too).
        let actual: String
        do {
            actual = try await PayrollRows.checksum(of: batch.id, on: database.sql, values: .sealed(try Sealed(database)))
        } catch DataKeyError.notSealed, DataKeyError.damaged {
            throw PayrollError.linesChanged(batch: batch.id, approvedBy: batch.approvedBy)
        }
        guard let expected = row.linesSha256, actual == expected
        else { throw PayrollError.linesChanged(batch: batch.id, approvedBy: batch.approvedBy) }
        let lines = try await self.lines(of: batch.id)
        guard lines.count == row.lineCount, lines.reduce(Money.zero, { $0 + $1.amount }).fen == row.totalFen
        else { throw PayrollError.linesChanged(batch: batch.id, approvedBy: batch.approvedBy) }
        return lines
    }

    /// approved → exported: the bank file was produced; the money counts as spent.
    public func markExported(_ id: String, actor: String) async throws -> PayrollBatch {
        try await transition(id, to: .exported, actor: actor, column: "exported")
    }

    /// Deletes a draft batch so it can be generated again from the current registry (never an approved one).
    public func discardDraft(_ id: String, actor: String) async throws {
        try await database.transaction { db in
            let b = try await batch(id: id, on: db)
            _ = try b.programme.rules()
            guard b.state == .draft else { throw PayrollError.invalidTransition(from: b.state, to: .draft) }
            // The guard that counts: still a draft now, the row locked until commit (PostgreSQL), so an
            // approval that came first is never deleted.
            let still = try await db.sql.raw("UPDATE payroll_batches SET state = state WHERE id = \(bind: id) AND state = 'draft' RETURNING id")
                .all()
            if still.isEmpty { throw PayrollError.invalidTransition(from: try await batch(id: id, on: db).state, to: .draft) }
            // A follow-up batch's returned lines go back to the queue, to be paid by the next one.
            try await db.sql.raw("UPDATE return_decisions SET reissue_batch_id = NULL WHERE reissue_batch_id = \(bind: id)").run()
            try await db.sql.delete(from: "payroll_lines").where(SQLIdentifier("batch_id"), .equal, id).run()
            try await db.sql.delete(from: "payroll_batches").where(SQLIdentifier("id"), .equal, id).run()
            try await audit(db, county: b.countyCode, actor: actor, action: "payroll.discard", subject: id,
                            detail: "\(b.month)")
        }
    }

    func transition(_ id: String, to next: PayrollState, actor: String, column: String,
                    secondPerson: Bool = false,
                    also: (@Sendable (any Database) async throws -> Void)? = nil) async throws -> PayrollBatch {
        try await database.transaction { db in
            let b = try await batch(id: id, on: db)
            _ = try b.programme.rules()
            try PayrollPlan.transition(from: b.state, to: next)
            if secondPerson, next == .approved {
                struct Creator: Decodable { var createdBy: String? }
                let creator = try await db.sql.raw("SELECT created_by FROM payroll_batches WHERE id = \(bind: id)")
                    .first(decoding: Creator.self, with: SQLSupport.decoder)?.createdBy
                if creator == actor { throw PayrollError.sameApprover(actor) }
            }
            // The state guard in WHERE, and the row count: a concurrent second approval or export (or a
            // discard) that came first leaves nothing to change here, and is refused, never recorded twice.
            let changed = try await db.sql.update("payroll_batches").set("state", to: next.rawValue)
                .set(SQLIdentifier("\(column)_at"), to: Date()).set(SQLIdentifier("\(column)_by"), to: actor)
                .where(SQLIdentifier("id"), .equal, id).where(SQLIdentifier("state"), .equal, b.state.rawValue)
                .returning("id").all()
            guard !changed.isEmpty else {
                let now = (try? await batch(id: id, on: db).state) ?? b.state
                throw PayrollError.invalidTransition(from: now, to: next)
            }
            if next == .approved {
                try await db.sql.raw("UPDATE payroll_batches SET lines_sha256 = \(bind: try await PayrollRows.checksum(of: id, on: db.sql, values: .sealed(try Sealed(db)))) WHERE id = \(bind: id)").run()
            }
            try await audit(db, county: b.countyCode, actor: actor, action: "payroll.\(next.rawValue)",
                            subject: id, detail: "\(b.month)")
            try await also?(db)
            return try await batch(id: id, on: db)
        }
    }

    struct BatchRow: Decodable {
        var id: String; var countyCode: String; var programme: String; var month: Int; var state: String
        var lineCount: Int; var totalFen: Int64; var createdAt: Date; var approvedBy: String?; var exportedAt: Date?
        var kind: String; var createdBy: String?
        var reissueOf: String?; var reissueRound: Int?; var reconciledAt: Date?; var reconciledBy: String?
    }

    static func map(_ r: BatchRow) throws -> PayrollBatch {
        let t = Stored("payroll_batches")
        return PayrollBatch(id: r.id, countyCode: r.countyCode, programme: try t.parse("programme", r.programme),
                            month: try t.month("month", r.month), state: try t.parse("state", r.state),
                            lineCount: r.lineCount, total: Money(fen: r.totalFen), createdAt: r.createdAt,
                            approvedBy: r.approvedBy, exportedAt: r.exportedAt, kind: try t.parse("kind", r.kind),
                            createdBy: r.createdBy, reissueOf: (r.reissueOf ?? "").isEmpty ? nil : r.reissueOf,
                            reissueRound: r.reissueRound ?? 0, reconciledAt: r.reconciledAt, reconciledBy: r.reconciledBy)
    }

    public func batch(id: String) async throws -> PayrollBatch { try await batch(id: id, on: database) }

    func batch(id: String, on db: any Database) async throws -> PayrollBatch {
        guard let r = try await db.sql.select().column("*").from("payroll_batches").where(SQLIdentifier("id"), .equal, id)
            .first(decoding: BatchRow.self, with: SQLSupport.decoder)
        else { throw PayrollError.batchNotFound(id) }
        return try Self.map(r)
    }

    /// The month's batch of `kind` (the regular one unless asked), if generated.
    public func batch(countyCode: String, programme: Programme, month: YearMonth,
                      kind: PayrollKind = .regular) async throws -> PayrollBatch? {
        try await database.sql.select().column("*").from("payroll_batches")
            .where(SQLIdentifier("county_code"), .equal, countyCode)
            .where(SQLIdentifier("programme"), .equal, programme.rawValue)
            .where(SQLIdentifier("month"), .equal, month.number)
            .where(SQLIdentifier("kind"), .equal, kind.rawValue)
            .first(decoding: BatchRow.self, with: SQLSupport.decoder).map(Self.map)
    }

    /// Batches of every programme, newest month first, then in `Programme` order, a month's regular
    /// batch before its back pay.
    public func batches(countyCode: String) async throws -> [PayrollBatch] {
        let order = Programme.allCases
        let kinds = PayrollKind.allCases
        return try await database.sql.select().column("*").from("payroll_batches")
            .where(SQLIdentifier("county_code"), .equal, countyCode).orderBy("month", .descending)
            .all(decoding: BatchRow.self, with: SQLSupport.decoder).map(Self.map)
            .sorted {
                ($1.month, order.firstIndex(of: $0.programme)!, kinds.firstIndex(of: $0.kind)!)
                    < ($0.month, order.firstIndex(of: $1.programme)!, kinds.firstIndex(of: $1.kind)!)
            }
    }

    /// Lines of a batch in file order.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func lines(of batchID: String, limit: Int? = nil, offset: Int = 0) async throws -> [PayrollLine] {
        try await identifiedLines(of: batchID, limit: limit, offset: offset).map(\.line)
    }

    /// Lines of a batch in file order with their row ids (what results and decisions refer to).
    public func identifiedLines(of batchID: String, limit: Int? = nil, offset: Int = 0) async throws -> [(id: String, line: PayrollLine)] {
        struct Row: Decodable {
            var householdId: String; var memberId: String?; var townshipCode: String; var villageCode: String
            var area: String; var payeeName: String; var payeeResidentId: String; var bankAccount: String
            var householdSize: Int; var amountFen: Int64; var components: String; var temporaryCaseId: String?
            var id: String
        }
        // A back-pay line's parts are differences (docs/adr/0016): only their sum is checked.
        let differences = try await batch(id: batchID).kind == .backPay
        var q = database.sql.select().column("*").from("payroll_lines").where(SQLIdentifier("batch_id"), .equal, batchID)
            .orderBy("seq")
        // SQLite accepts OFFSET only after LIMIT.
        if let limit { q = q.limit(limit).offset(offset) }
        let t = Stored("payroll_lines")
        let sealed = try Sealed(database)
        return try await q.all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            (r.id, PayrollLine(householdID: r.householdId, memberID: r.memberId, townshipCode: r.townshipCode,
                        villageCode: r.villageCode, area: try t.parse("area", r.area), payeeName: r.payeeName,
                        payeeResidentID: try sealed.residentID("payroll_lines", "payee_resident_id", r.payeeResidentId, row: r.id),
                        bankAccount: try sealed.account("payroll_lines", "bank_account", r.bankAccount, row: r.id) ?? "",
                        householdSize: r.householdSize,
                        components: try t.components("components", r.components, total: Money(fen: r.amountFen),
                                                     differences: differences),
                        grantID: r.temporaryCaseId))
        }
    }

    /// Households (or members) held out of a batch when it was generated, with the reason.
    public func holds(of batchID: String) async throws -> [PayrollHold] {
        struct Row: Decodable { var householdId: String; var memberId: String?; var payeeName: String; var reason: String }
        return try await database.sql.select().columns("household_id", "member_id", "payee_name", "reason").from("payroll_holds")
            .where(SQLIdentifier("batch_id"), .equal, batchID).orderBy("household_id")
            .all(decoding: Row.self, with: SQLSupport.decoder)
            .map { PayrollHold(householdID: $0.householdId, memberID: $0.memberId, payeeName: $0.payeeName, reason: $0.reason) }
    }

    /// Lines paid but flagged by the payee checks when the batch was generated, with the reason.
    public func flags(of batchID: String) async throws -> [PayrollHold] {
        struct Row: Decodable { var householdId: String; var memberId: String?; var payeeName: String; var reason: String }
        return try await database.sql.select().columns("household_id", "member_id", "payee_name", "reason").from("payroll_flags")
            .where(SQLIdentifier("batch_id"), .equal, batchID).orderBy("household_id")
            .all(decoding: Row.self, with: SQLSupport.decoder)
            .map { PayrollHold(householdID: $0.householdId, memberID: $0.memberId, payeeName: $0.payeeName, reason: $0.reason) }
    }

    public func townshipTotals(of batchID: String) async throws -> [PayrollTownshipTotal] {
        struct Row: Decodable { var townshipCode: String; var n: Int; var total: Int64 }
        return try await database.sql.raw("""
            SELECT township_code, COUNT(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS total FROM payroll_lines
            WHERE batch_id = \(bind: batchID) GROUP BY township_code ORDER BY township_code
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            PayrollTownshipTotal(townshipCode: $0.townshipCode, lineCount: $0.n, total: Money(fen: $0.total))
        }
    }

    /// A payment to a household or one of its members, as the household page lists it.
    public struct Payment: Hashable, Sendable {
        public var programme: Programme
        public var month: YearMonth
        public var state: PayrollState
        public var memberID: String?
        public var amount: Money
        /// A regular month's payment, or back pay (补发) paid in `month`.
        public var kind: PayrollKind = .regular
    }

    /// Payments made to one household and its members (exported or not), every programme, newest first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func payments(ofHousehold id: String) async throws -> [Payment] {
        struct Row: Decodable {
            var programme: String; var month: Int; var state: String; var memberId: String?; var amountFen: Int64; var kind: String
        }
        let t = Stored("payroll_batches")
        return try await database.sql.raw("""
            SELECT b.programme, b.month, b.state, l.member_id, l.amount_fen, b.kind FROM payroll_lines l
            JOIN payroll_batches b ON b.id = l.batch_id
            WHERE l.household_id = \(bind: id) ORDER BY b.month DESC, b.programme
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            Payment(programme: try t.parse("programme", $0.programme), month: try t.month("month", $0.month),
                    state: try t.parse("state", $0.state), memberID: $0.memberId, amount: Money(fen: $0.amountFen),
                    kind: try t.parse("kind", $0.kind))
        }
    }
}
