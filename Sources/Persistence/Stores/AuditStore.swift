import Crypto
import Domain
import FluentKit
import Foundation
import SQLKit

/// An entry about to be appended to the audit trail.
public struct AuditDraft: Sendable, Equatable {
    public var countyCode: String
    /// The user name (`cli` for a command, `anonymous` before sign-in).
    public var actor: String
    /// The client's address, when the entry comes from a request.
    public var address: String?
    /// What happened: `household.register`, `view.household`, `login-failed`, …
    public var action: String
    /// The record acted on (an id, `user:NAME`, a region).
    public var subject: String
    /// The household the entry concerns, so "who looked at this person's file" is one query.
    public var householdID: String?
    public var detail: String
    /// The values before and after a change (text, usually JSON), nil when not a change of values.
    public var before: String?
    public var after: String?

    public init(countyCode: String, actor: String, address: String? = nil, action: String, subject: String,
                householdID: String? = nil, detail: String = "", before: String? = nil, after: String? = nil) {
        self.countyCode = countyCode
        self.actor = actor
        self.address = address
        self.action = action
        self.subject = subject
        self.householdID = householdID
        self.detail = detail
        self.before = before
        self.after = after
    }
}

/// An entry of the audit trail as stored: its place in the chain and the hashes that link it.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int64
    public var id: String
    /// UTC, ISO 8601 with milliseconds: the text that is hashed.
    public var atUTC: String
    public var draft: AuditDraft
    public var prevHash: String
    public var hash: String

    /// The entry's hash: SHA-256 (hex) of its fields in a fixed order, separated by U+001F, ending with
    /// the previous entry's hash. Changing any field, or removing an entry, breaks the chain from there.
    public static func hash(seq: Int64, id: String, atUTC: String, draft d: AuditDraft, prevHash: String) -> String {
        let fields = [String(seq), id, atUTC, d.countyCode, d.actor, d.address ?? "", d.action, d.subject,
                      d.householdID ?? "", d.detail, d.before ?? "", d.after ?? "", prevHash]
        return SHA256.hash(data: Data(fields.joined(separator: "\u{1F}").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The hash the first entry links to.
    public static let genesis = String(repeating: "0", count: 64)
}

/// The append-only, hash-chained audit trail (等保 2.0 8.1.4.3; ADR 0019). Each entry carries the hash of
/// the one before; `AuditStore.verify` recomputes the chain and names the first entry that does not fit.
/// The table refuses UPDATE and DELETE (triggers, migration 0017).
public enum AuditChain {
    static let lockKey: Int64 = 0x6A69757A68750001  // "jiuzhu" + 1: the advisory lock of the chain head

    /// Appends `draft` after the current head, in the caller's transaction when there is one (then the
    /// entry commits or rolls back with the change it records), else in its own. On PostgreSQL an
    /// advisory lock held to the end of the transaction serializes appends; `seq` is unique besides,
    /// so a race can fail but never fork the chain.
    public static func append(_ draft: AuditDraft, on db: any Database, now: Date = Date()) async throws {
        if db.inTransaction {
            try await appendLocked(draft, on: db, now: now)
        } else {
            try await db.transaction { try await appendLocked(draft, on: $0, now: now) }
        }
    }

    static func appendLocked(_ draft: AuditDraft, on db: any Database, now: Date) async throws {
        // Free text never keeps a full ID or account number (a search by a mistyped number, a path).
        var draft = draft
        draft.subject = Redaction.identifiers(in: draft.subject)
        draft.detail = Redaction.identifiers(in: draft.detail)
        draft.before = draft.before.map(Redaction.identifiers)
        draft.after = draft.after.map(Redaction.identifiers)
        let sql = db.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: lockKey))").run()
        }
        struct Head: Decodable { var seq: Int64; var hash: String }
        let head = try await sql.raw("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .first(decoding: Head.self)
        let seq = (head?.seq ?? 0) + 1
        let prev = head?.hash ?? AuditEntry.genesis
        let id = SQLSupport.newID()
        let at = utc(now)
        let hash = AuditEntry.hash(seq: seq, id: id, atUTC: at, draft: draft, prevHash: prev)
        try await sql.insert(into: "audit_log")
            .columns("id", "county_code", "at", "actor", "action", "subject", "detail", "seq", "at_utc", "address",
                     "household_id", "before_value", "after_value", "prev_hash", "hash")
            .values(id, draft.countyCode, now, draft.actor, draft.action, draft.subject, draft.detail, seq, at, draft.address,
                    draft.householdID, draft.before, draft.after, prev, hash)
            .run()
    }

    /// `2026-11-30T02:40:00.123Z`.
    static func utc(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}

/// The audit trail: append, search, verify.
public struct AuditStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public func append(_ draft: AuditDraft) async throws {
        try await AuditChain.append(draft, on: database)
    }

    public func append(countyCode: String, actor: String, action: String, subject: String, detail: String) async throws {
        try await append(AuditDraft(countyCode: countyCode, actor: actor, action: action, subject: subject, detail: detail))
    }

    struct Row: Decodable {
        var seq: Int64; var id: String; var atUtc: String; var countyCode: String; var actor: String; var address: String?
        var action: String; var subject: String; var householdId: String?; var detail: String; var beforeValue: String?
        var afterValue: String?; var prevHash: String; var hash: String

        var entry: AuditEntry {
            AuditEntry(seq: seq, id: id, atUTC: atUtc,
                       draft: AuditDraft(countyCode: countyCode, actor: actor, address: address, action: action, subject: subject,
                                         householdID: householdId, detail: detail, before: beforeValue, after: afterValue),
                       prevHash: prevHash, hash: hash)
        }
    }

    static let columns = "seq, id, at_utc, county_code, actor, address, action, subject, household_id, detail, before_value, after_value, prev_hash, hash"

    /// What an auditor asks: entries about these households, by this user, in these days (Beijing time),
    /// of actions starting with `action`; newest first.
    public struct Query: Sendable, Equatable {
        public var householdIDs: [String]?
        public var actor: String?
        public var from: CivilDate?
        public var through: CivilDate?
        public var actionPrefix: String?
        public init(householdIDs: [String]? = nil, actor: String? = nil, from: CivilDate? = nil, through: CivilDate? = nil,
                    actionPrefix: String? = nil) {
            self.householdIDs = householdIDs
            self.actor = actor
            self.from = from
            self.through = through
            self.actionPrefix = actionPrefix
        }
    }

    public func search(_ q: Query, limit: Int, offset: Int) async throws -> (entries: [AuditEntry], total: Int) {
        let filter = Self.filter(q)
        struct N: Decodable { var n: Int }
        let total = try await database.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE " + filter).first(decoding: N.self)?.n ?? 0
        let rows = try await database.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM audit_log WHERE " + filter
            + " ORDER BY seq DESC LIMIT \(bind: limit) OFFSET \(bind: offset)").all(decoding: Row.self, with: SQLSupport.decoder)
        return (rows.map(\.entry), total)
    }

    /// Who the entries matching `q` are by, with how many each: "who looked at this person's file".
    public func actors(_ q: Query) async throws -> [(actor: String, entries: Int)] {
        struct R: Decodable { var actor: String; var n: Int }
        return try await database.sql.raw("SELECT actor, COUNT(*) AS n FROM audit_log WHERE " + Self.filter(q)
            + " GROUP BY actor ORDER BY n DESC, actor").all(decoding: R.self).map { ($0.actor, $0.n) }
    }

    static func filter(_ q: Query) -> SQLQueryString {
        var filter: SQLQueryString = " seq IS NOT NULL "
        if let ids = q.householdIDs {
            filter = ids.isEmpty ? filter + " AND 1 = 0 " : filter + " AND household_id IN (\(binds: ids)) "
        }
        if let a = q.actor { filter = filter + " AND actor = \(bind: a) " }
        // Days are Beijing days: the UTC bounds of their midnights.
        if let f = q.from { filter = filter + " AND at_utc >= \(bind: AuditChain.utc(ChinaClock.instant(f, time: "00:00")!)) " }
        if let t = q.through {
            filter = filter + " AND at_utc < \(bind: AuditChain.utc(ChinaClock.instant(t.adding(days: 1), time: "00:00")!)) "
        }
        if let p = q.actionPrefix {
            let literal = p.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            filter = filter + " AND action LIKE \(bind: literal + "%") ESCAPE '\\' "
        }
        return filter
    }

    /// The outcome of `verify`.
    public struct Verification: Sendable, Equatable {
        public var checked: Int
        /// The first entry that does not fit, and why; nil when the chain holds.
        public var firstBroken: (seq: Int64, id: String, atUTC: String, action: String, reason: String)?
        /// The last entry: write its seq and hash down (or countersign them) to detect a cut tail later.
        public var head: (seq: Int64, hash: String)?

        public static func == (a: Verification, b: Verification) -> Bool {
            a.checked == b.checked && a.firstBroken?.seq == b.firstBroken?.seq && a.firstBroken?.reason == b.firstBroken?.reason
                && a.head?.seq == b.head?.seq && a.head?.hash == b.head?.hash
        }
    }

    /// Recomputes the chain from the first entry, `batch` entries at a time (keyset pagination), and
    /// stops at the first entry whose sequence, link or hash does not fit. `progress` gets the count.
    public func verify(batch: Int = 5_000, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Verification {
        var checked = 0
        var expectedSeq: Int64 = 1
        var prev = AuditEntry.genesis
        var head: (Int64, String)?
        while true {
            let rows = try await database.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM audit_log WHERE seq >= \(bind: expectedSeq) ORDER BY seq LIMIT \(bind: batch)")
                .all(decoding: Row.self, with: SQLSupport.decoder)
            if rows.isEmpty { break }
            for r in rows {
                let e = r.entry
                func broken(_ reason: String) -> Verification {
                    Verification(checked: checked, firstBroken: (e.seq, e.id, e.atUTC, e.draft.action, reason), head: head)
                }
                if e.seq != expectedSeq { return broken("序号应为 \(expectedSeq)，实为 \(e.seq)：其前的记录被删除") }
                if e.prevHash != prev { return broken("所记前一条哈希与前一条不符：前一条被修改、删除或替换") }
                if AuditEntry.hash(seq: e.seq, id: e.id, atUTC: e.atUTC, draft: e.draft, prevHash: e.prevHash) != e.hash {
                    return broken("内容与哈希不符：本条被修改")
                }
                prev = e.hash
                expectedSeq += 1
                checked += 1
                head = (e.seq, e.hash)
            }
            progress?(checked)
        }
        struct N: Decodable { var n: Int }
        let unchained = try await database.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE seq IS NULL").first(decoding: N.self)?.n ?? 0
        if unchained > 0 {
            return Verification(checked: checked, firstBroken: (0, "", "", "", "\(unchained) 条记录不在链上（无序号）：绕过系统写入"), head: head)
        }
        return Verification(checked: checked, firstBroken: nil, head: head)
    }
}
