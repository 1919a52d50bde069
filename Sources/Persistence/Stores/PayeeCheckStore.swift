import Domain
import FluentKit
import Foundation
import SQLKit

/// The payee checks of a batch being generated (field case C20), and the recorded decisions that release
/// them. The registry is read by blind index: no account number is opened to compare two households.
public struct PayeeCheckStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// The lines kept, the lines held (one hold per finding) and the flags (paid, listed) of a batch of `month`.
    func apply(lines: [PayrollLine], payable: [PayableEnrollment], month: YearMonth, today: CivilDate, payment: PaymentPolicy,
               countyCode: String) async throws -> (lines: [PayrollLine], holds: [PayrollHold], flags: [PayrollHold], accounts: [String: String]) {
        guard !lines.isEmpty else { return (lines, [], [], [:]) }
        let sql = database.sql
        let sealed = try Sealed(database)
        struct Facts: Decodable { var id: String; var accountHolder: String?; var phone: String?; var bankAccountChangedOn: String? }
        let households = Array(Set(lines.map(\.householdID)))
        var facts: [String: Facts] = [:]
        for chunk in SQLSupport.chunks(households) {
            for r in try await sql.select().columns("id", "account_holder", "phone", "bank_account_changed_on").from("households")
                .where(SQLIdentifier("id"), .in, chunk).all(decoding: Facts.self, with: SQLSupport.decoder) { facts[r.id] = r }
        }
        let keyOf = Dictionary(lines.map { ($0.bankAccount, sealed.index(account: $0.bankAccount)) }, uniquingKeysWith: { a, _ in a })
        struct Pair: Decodable { var k: String; var id: String }
        var accountHouseholds: [String: Set<String>] = [:]
        for chunk in SQLSupport.chunks(Array(Set(keyOf.values))) {
            for r in try await sql.raw("""
                SELECT bank_account_index AS k, id FROM households
                WHERE county_code = \(bind: countyCode) AND bank_account_index IN (\(binds: chunk))
                """).all(decoding: Pair.self) { accountHouseholds[r.k, default: []].insert(r.id) }
        }
        let phones = Array(Set(facts.values.compactMap { $0.phone?.trimmingWhitespace() }.filter { !$0.isEmpty }))
        var phoneHouseholds: [String: Set<String>] = [:]
        for chunk in SQLSupport.chunks(phones) {
            for r in try await sql.raw("""
                SELECT phone AS k, id FROM households WHERE county_code = \(bind: countyCode) AND phone IN (\(binds: chunk))
                """).all(decoding: Pair.self) { phoneHouseholds[r.k, default: []].insert(r.id) }
        }
        struct Release: Decodable { var householdId: String; var checkCode: String; var accountIndex: String }
        var released = Set<PayeeRelease>()
        for chunk in SQLSupport.chunks(households) {
            for r in try await sql.raw("""
                SELECT household_id, check_code, account_index FROM payee_releases WHERE household_id IN (\(binds: chunk))
                """).all(decoding: Release.self, with: SQLSupport.decoder) {
                released.insert(PayeeRelease(householdID: r.householdId, check: try Stored("payee_releases").parse("check_code", r.checkCode),
                                             accountKey: r.accountIndex))
            }
        }
        // Earlier ACCOUNT_CHANGED holds of these households on the same account (by its index).
        struct Held: Decodable { var householdId: String; var accountIndex: String? }
        var heldBefore = Set<String>()
        for chunk in SQLSupport.chunks(households) {
            for r in try await sql.raw("""
                SELECT household_id, account_index FROM payroll_holds
                WHERE household_id IN (\(binds: chunk)) AND reason LIKE 'ACCOUNT_CHANGED%' AND account_index IS NOT NULL
                """).all(decoding: Held.self, with: SQLSupport.decoder) { heldBefore.insert("\(r.householdId)|\(r.accountIndex!)") }
        }
        let memberNames = Dictionary(payable.map { ($0.recipientKey, $0.memberName) }, uniquingKeysWith: { a, _ in a })
        let t = Stored("households")
        let payees = try lines.map { l in
            let f = facts[l.householdID]
            var facts = PayeeFacts(householdID: l.householdID, memberID: l.memberID, payeeName: l.payeeName,
                                   beneficiaryName: l.memberID == nil ? nil : memberNames[l.recipientKey] ?? nil,
                                   accountHolder: f?.accountHolder, accountKey: keyOf[l.bankAccount]!,
                                   phone: f?.phone?.trimmingWhitespace(),
                                   accountChangedOn: try t.date("bank_account_changed_on", f?.bankAccountChangedOn))
            facts.heldBefore = heldBefore.contains("\(l.householdID)|\(keyOf[l.bankAccount]!)")
            return facts
        }
        let findings = PayeeChecks.findings(payees, month: month, today: today, payment: payment, accountHouseholds: accountHouseholds,
                                            phoneHouseholds: phoneHouseholds, released: released)
        let holding = Dictionary(grouping: findings.filter(\.check.holds), by: \.householdID)
        let flagging = Dictionary(grouping: findings.filter { !$0.check.holds }, by: \.householdID)
        var kept: [PayrollLine] = []
        var holds: [PayrollHold] = []
        var flags: [PayrollHold] = []
        for l in lines {
            if let found = holding[l.householdID] {
                holds += found.map { PayrollHold(householdID: l.householdID, memberID: l.memberID, payeeName: l.payeeName, reason: $0.reason) }
                continue
            }
            flags += (flagging[l.householdID] ?? []).map {
                PayrollHold(householdID: l.householdID, memberID: l.memberID, payeeName: l.payeeName, reason: $0.reason)
            }
            kept.append(l)
        }
        // Each held household's account index, kept with its holds (an ACCOUNT_CHANGED hold stands until released).
        var accounts: [String: String] = [:]
        for l in lines where holding[l.householdID] != nil { accounts[l.householdID] = keyOf[l.bankAccount]! }
        return (kept, holds, flags, accounts)
    }

    /// A recorded release of `check` for the household's current account: from the next generated batch
    /// on, that check no longer holds it (a draft batch is discarded and generated again to pay it).
    /// - Throws: `StoreError.notFound` for an unknown household or one with no account;
    ///   `StoreError.outOfRange` when `reference` (the approval document or meeting record) is empty.
    public func release(householdID: String, check: PayeeCheck, reference: String, note: String, actor: String) async throws {
        let ref = reference.trimmingWhitespace()
        guard !ref.isEmpty else {
            throw StoreError.outOfRange("放行须填写依据（审批文号或会议记录号），未登记 (a release needs its reference)")
        }
        struct Row: Decodable { var countyCode: String; var bankAccountIndex: String? }
        guard let h = try await database.sql.raw("SELECT county_code, bank_account_index FROM households WHERE id = \(bind: householdID)")
            .first(decoding: Row.self, with: SQLSupport.decoder), let index = h.bankAccountIndex
        else { throw StoreError.notFound(what: "登记了收款账号的家庭", id: householdID) }
        // Only a hold there is can be released (never an exemption in advance).
        struct Hold: Decodable { var id: String }
        guard try await database.sql.raw("""
            SELECT id FROM payroll_holds WHERE household_id = \(bind: householdID) AND reason LIKE \(bind: check.rawValue + "%")
            """).first(decoding: Hold.self) != nil else {
            throw StoreError.conflict("该户没有“\(check.chinese)”的暂停发放记录，无需放行 (no such hold)")
        }
        try await database.transaction { db in
            try await db.sql.raw("""
                DELETE FROM payee_releases WHERE household_id = \(bind: householdID) AND check_code = \(bind: check.rawValue)
                  AND account_index = \(bind: index)
                """).run()
            try await db.sql.insert(into: "payee_releases").columns(
                "id", "county_code", "household_id", "check_code", "account_index", "reference", "note", "decided_by", "decided_at"
            ).values(SQLSupport.newID(), h.countyCode, householdID, check.rawValue, index, ref, note.trimmingWhitespace(),
                     actor, Date()).run()
            try await audit(db, county: h.countyCode, actor: actor, action: "payee.release", subject: householdID,
                            detail: "\(check.rawValue) 依据 \(ref)", householdID: householdID)
        }
    }

    /// A release as recorded.
    public struct Release: Hashable, Sendable {
        public var householdID: String
        public var check: PayeeCheck
        public var reference: String
        public var note: String
        public var decidedBy: String
        public var decidedAt: Date
    }

    /// The releases recorded for a household, newest first.
    public func releases(householdID: String) async throws -> [Release] {
        struct Row: Decodable { var householdId: String; var checkCode: String; var reference: String; var note: String
            var decidedBy: String; var decidedAt: Date }
        return try await database.sql.raw("""
            SELECT household_id, check_code, reference, note, decided_by, decided_at FROM payee_releases
            WHERE household_id = \(bind: householdID) ORDER BY decided_at DESC
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            Release(householdID: $0.householdId, check: try Stored("payee_releases").parse("check_code", $0.checkCode),
                    reference: $0.reference, note: $0.note, decidedBy: $0.decidedBy, decidedAt: $0.decidedAt)
        }
    }
}
