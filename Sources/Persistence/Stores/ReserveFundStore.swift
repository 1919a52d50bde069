import Domain
import FluentKit
import Foundation
import SQLKit

/// One township's 临时救助备用金 (reserve fund) as it stands.
public struct ReserveFundBalance: Hashable, Sendable {
    public var townshipCode: String
    /// Fen allotted to the township (拨付), all years.
    public var allotted: Money
    /// Fen paid out of it (先行救助 and grants paid at once).
    public var paid: Money
    public var balance: Money { allotted - paid }

    public init(townshipCode: String, allotted: Money, paid: Money) {
        self.townshipCode = townshipCode
        self.allotted = allotted
        self.paid = paid
    }
}

/// One line of a township's reserve-fund ledger.
public struct ReserveFundEntry: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case allotment       // 拨付备用金
        case payment         // 发放临时救助

        public var chinese: String { self == .allotment ? "拨付备用金" : "发放临时救助" }
    }

    public var date: CivilDate
    public var kind: Kind
    /// Fen, positive for both kinds; the kind says which way it moves.
    public var amount: Money
    public var temporaryCaseID: String?
    public var document: String?
    public var actor: String
}

public enum ReserveFundError: Error, Equatable, Sendable {
    /// Paying more than the township's reserve holds (allotted up to the payment's date, less every payment).
    case insufficient(township: String, balance: Money, needed: Money, payrollPossible: Bool)
    case notAPositiveAmount(String)
    case dateInFuture(CivilDate, today: CivilDate)
    case documentRecorded(String)

    public var message: String {
        switch self {
        case let .insufficient(township, balance, needed, payrollPossible):
            return "\(township)临时救助备用金余额 \(balance.yuanString) 元，不足以发放 \(needed.yuanString) 元：请先由县民政局拨付备用金"
                + (payrollPossible ? "，或改为随发放批次打卡发放" : "") + " (reserve fund balance too low)"
        case let .dateInFuture(d, today):
            return "拨付日期 \(d) 晚于今天（\(today)）：只能登记已经拨付的备用金 (date in the future)"
        case .documentRecorded(let doc):
            return "文号或凭证号“\(doc)”的拨付已登记，不能重复登记 (allotment already recorded)"
        case .notAPositiveAmount(let text):
            return "拨付金额“\(text)”须为大于 0 的金额（元，最多两位小数） (amount must be positive)"
        }
    }
}

/// The townships' 临时救助备用金 (TA-2018 §3(3); Opinion-2020 item 15): the county allots money to a
/// township's reserve, and 先行救助 and grants paid at once are paid out of it. The balance is allotments
/// less payments; a payment above it is refused. Payments are written by `TemporaryCaseStore` inside
/// the step that makes them.
public struct ReserveFundStore: Sendable {
    let database: any Database
    let divisions: Divisions
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database, divisions: Divisions = .pengxi,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.divisions = divisions
        self.today = today
    }

    /// Records an allotment (拨付) to a township's reserve.
    /// - Throws: `ReserveFundError.notAPositiveAmount` / `.dateInFuture` / `.documentRecorded` (the same
    ///   document for the same township twice); `StoreError.notFound` for a township not in the county.
    public func allot(countyCode: String, township: DivisionCode, on date: CivilDate, amount: Money, document: String,
                      actor: String) async throws {
        guard amount > .zero else { throw ReserveFundError.notAPositiveAmount(amount.yuanString) }
        guard township.countyCode == countyCode, divisions.division(township)?.level == .township else {
            throw StoreError.notFound(what: "本县乡镇", id: township.value)
        }
        guard date <= today() else { throw ReserveFundError.dateInFuture(date, today: today()) }
        let document = try TemporaryWorkflow.text(document, "拨付文号或凭证号", maxLength: 100)
        try await database.transaction { db in
            struct Row: Decodable { var id: String }
            if try await db.sql.select().column("id").from("reserve_fund_entries")
                .where(SQLIdentifier("county_code"), .equal, countyCode).where(SQLIdentifier("township_code"), .equal, township.value)
                .where(SQLIdentifier("document"), .equal, document).first(decoding: Row.self) != nil {
                throw ReserveFundError.documentRecorded(document)
            }
            try await db.sql.insert(into: "reserve_fund_entries").columns(
                "id", "county_code", "township_code", "entry_date", "kind", "amount_fen", "temporary_case_id", "document",
                "actor", "recorded_at"
            ).values(SQLSupport.newID(), countyCode, township.value, date.description, ReserveFundEntry.Kind.allotment.rawValue,
                     amount.fen, Optional<String>.none, document, actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "reserve.allot", subject: township.value,
                            detail: "\(date) \(amount.yuanString) \(document)")
        }
    }

    /// Every township in `scope` with a reserve entry, in code order.
    public func balances(in scope: AccessScope) async throws -> [ReserveFundBalance] {
        struct Row: Decodable { var townshipCode: String; var allotted: Int64; var paid: Int64 }
        return try await database.sql.raw(SQLQueryString("""
            SELECT township_code,
              CAST(SUM(CASE WHEN kind = 'allotment' THEN amount_fen ELSE 0 END) AS BIGINT) AS allotted,
              CAST(SUM(CASE WHEN kind = 'payment' THEN amount_fen ELSE 0 END) AS BIGINT) AS paid
            FROM reserve_fund_entries r WHERE
            """) + SQLFragments.townshipInScope("r", scope) + " GROUP BY township_code ORDER BY township_code").all(decoding: Row.self, with: SQLSupport.decoder).map {
            ReserveFundBalance(townshipCode: $0.townshipCode, allotted: Money(fen: $0.allotted), paid: Money(fen: $0.paid))
        }
    }

    /// A township's ledger, oldest first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func entries(countyCode: String, township: String) async throws -> [ReserveFundEntry] {
        struct Row: Decodable {
            var entryDate: String; var kind: String; var amountFen: Int64; var temporaryCaseId: String?; var document: String?
            var actor: String
        }
        let t = Stored("reserve_fund_entries")
        return try await database.sql.select().columns("entry_date", "kind", "amount_fen", "temporary_case_id", "document", "actor")
            .from("reserve_fund_entries").where(SQLIdentifier("county_code"), .equal, countyCode)
            .where(SQLIdentifier("township_code"), .equal, township).orderBy("entry_date").orderBy("recorded_at")
            .all(decoding: Row.self, with: SQLSupport.decoder).map {
                ReserveFundEntry(date: try t.date("entry_date", $0.entryDate), kind: try t.parse("kind", $0.kind),
                                 amount: Money(fen: $0.amountFen), temporaryCaseID: $0.temporaryCaseId, document: $0.document,
                                 actor: $0.actor)
            }
    }

    /// Pays a grant out of the township's reserve inside the caller's transaction. What may be spent is
    /// the money allotted on or before the payment's date less every payment recorded (whatever its date),
    /// so a payment is never covered by an allotment made after it. On PostgreSQL the ledger is locked
    /// first so two clerks cannot both spend the last of it; SQLite's write transaction already serialises.
    /// - Throws: `ReserveFundError.insufficient` naming the township, the balance and the amount.
    static func pay(on db: any Database, countyCode: String, township: String, townshipName: String, date: CivilDate,
                    amount: Money, caseID: String, payrollPossible: Bool, actor: String) async throws {
        let sql = db.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("LOCK TABLE reserve_fund_entries IN SHARE ROW EXCLUSIVE MODE").run()
        }
        struct Row: Decodable { var balance: Int64? }
        let balance = Money(fen: try await sql.raw("""
            SELECT CAST(SUM(CASE WHEN kind = 'allotment' THEN amount_fen ELSE -amount_fen END) AS BIGINT) AS balance
            FROM reserve_fund_entries WHERE county_code = \(bind: countyCode) AND township_code = \(bind: township)
              AND (kind = 'payment' OR entry_date <= \(bind: date.description))
            """).first(decoding: Row.self)?.balance ?? 0)
        guard balance >= amount else {
            throw ReserveFundError.insufficient(township: townshipName, balance: balance, needed: amount, payrollPossible: payrollPossible)
        }
        try await sql.insert(into: "reserve_fund_entries").columns(
            "id", "county_code", "township_code", "entry_date", "kind", "amount_fen", "temporary_case_id", "document",
            "actor", "recorded_at"
        ).values(SQLSupport.newID(), countyCode, township, date.description, ReserveFundEntry.Kind.payment.rawValue,
                 amount.fen, caseID, Optional<String>.none, actor, Date()).run()
    }
}
