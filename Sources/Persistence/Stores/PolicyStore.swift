import Domain
import FluentKit
import Foundation
import SQLKit

/// Policy versions as data (docs/policy-format.md): imported from policy files, read back as the
/// `PolicyBook` every computation uses. Stored versions are parsed again by the file's own checks; one
/// that does not parse is `StoreError.unreadable`, never skipped.
public struct PolicyStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// One stored version and who entered it.
    public struct VersionRecord: Sendable {
        public var policy: Policy
        public var fileSHA256: String
        public var enteredBy: String
        public var enteredAt: Date
        /// Decisions computed with this version.
        public var decisions: Int
    }

    /// What an import did, version by version (`510921/2021-01`).
    public struct ImportResult: Sendable, Equatable {
        public var region: String
        public var added: [String]
        /// Versions whose content changed and that no decision had used yet.
        public var replaced: [String]
        public var unchanged: [String]
        /// The file's warnings over all stored versions of the region, and months already in batches.
        public var warnings: [PolicyWarning]
    }

    /// Imports a checked policy file in one transaction: new versions are added, identical ones left
    /// as they are (a re-run changes nothing), a changed version replaced only while no decision uses it.
    /// - Throws: `StoreError.conflict` naming a changed version that decisions already use (enter a new
    ///   version with a later effective month instead).
    public func importFile(_ file: PolicyFile, fileSHA256: String, actor: String) async throws -> ImportResult {
        try await database.transaction { db in
            try await PolicyStore(db).insert(file, fileSHA256: fileSHA256, actor: actor, on: db.sql)
        }
    }

    /// - Parameter schemaOf0009: called from migration 0009, when the audit log still has the columns of
    ///   0006 (migration 0017 chains the entry later).
    func insert(_ file: PolicyFile, fileSHA256: String, actor: String, on sql: any SQLDatabase,
                schemaOf0009: Bool = false) async throws -> ImportResult {
        struct Row: Decodable { var id: String; var body: String }
        var result = ImportResult(region: file.region, added: [], replaced: [], unchanged: [], warnings: [])
        let now = Date()
        for (policy, body) in zip(file.versions, file.versionBodies) {
            let existing = try await sql.select().columns("id", "body").from("policy_versions")
                .where(SQLIdentifier("region"), .equal, file.region)
                .where(SQLIdentifier("effective"), .equal, policy.effective.number)
                .first(decoding: Row.self, with: SQLSupport.decoder)
            if let existing {
                // The same meaning ("600" and "600.00", an absent key and null) is the same version.
                let storedPolicy = try Self.parseStored(region: file.region, name: file.name, body: existing.body,
                                                        effective: policy.effective.number)
                if existing.body == body || storedPolicy == policy { result.unchanged.append(policy.version); continue }
                let used = try await decisionCount(version: policy.version, on: sql)
                guard used == 0 else {
                    let d = PolicyFile.firstDifference(stored: existing.body, new: body)
                    let what = d.map { "键 \($0.path)：已录入“\($0.old)”，文件为“\($0.new)”" } ?? "内容不同"
                    throw StoreError.conflict("政策版本 \(policy.version) 已录入，\(what)；已有 \(used) 条决定按该版本计算，不能修改。调整标准请以新的生效月份录入新版本 (version already used by decisions)")
                }
                try await sql.update("policy_versions")
                    .set("region_name", to: file.name).set("signed", to: policy.signed?.description)
                    .set("document", to: policy.document).set("body", to: body).set("file_sha256", to: fileSHA256)
                    .set("entered_by", to: actor).set("entered_at", to: now)
                    .where(SQLIdentifier("id"), .equal, existing.id).run()
                result.replaced.append(policy.version)
            } else {
                try await sql.insert(into: "policy_versions").columns(
                    "id", "region", "region_name", "effective", "signed", "document", "body", "file_sha256",
                    "entered_by", "entered_at"
                ).values(SQLSupport.newID(), file.region, file.name, policy.effective.number, policy.signed?.description,
                         policy.document, body, fileSHA256, actor, now).run()
                result.added.append(policy.version)
            }
        }
        // Warnings about the versions this import entered, over all stored versions of the region.
        let stored = try await Self.book(on: sql).policies.filter { $0.region == file.region }
        let entered = Set(result.added + result.replaced)
        result.warnings = PolicyFile.warnings(stored).filter { entered.contains($0.version) }
        if let latest = try await latestBatchMonth(region: file.region, on: sql) {
            for v in file.versions where v.effective <= latest
                && (result.added.contains(v.version) || result.replaced.contains(v.version)) {
                result.warnings.append(.batchesAlreadyGenerated(version: v.version, from: v.effective, through: latest))
            }
        }
        if !result.added.isEmpty || !result.replaced.isEmpty {
            let detail = "added \(result.added.joined(separator: ",")) replaced \(result.replaced.joined(separator: ",")) sha256 \(fileSHA256)"
            if schemaOf0009 {
                try await sql.insert(into: "audit_log").columns("id", "county_code", "at", "actor", "action", "subject", "detail")
                    .values(SQLSupport.newID(), file.region, Date(), actor, "policy.import", file.region, detail).run()
            } else {
                try await audit(database, county: file.region, actor: actor, action: "policy.import", subject: file.region, detail: detail)
            }
        }
        return result
    }

    /// Every stored version of every region.
    /// - Throws: `StoreError.unreadable` naming a stored version that no longer passes the file checks.
    public func book() async throws -> PolicyBook { try await Self.book(on: database.sql) }

    /// The version of `region` in force in `month`: one row read and parsed, as every computation needs.
    /// - Throws: `PolicyError.noPolicyInForce` naming the region and month; `StoreError.unreadable`.
    public func policy(region: String, month: YearMonth) async throws -> Policy {
        guard let r = try await database.sql.select()
            .columns("region", "region_name", "effective", "body", "file_sha256", "entered_by", "entered_at")
            .from("policy_versions").where(SQLIdentifier("region"), .equal, region)
            .where(SQLIdentifier("effective"), .lessThanOrEqual, month.number)
            .orderBy("effective", .descending).limit(1)
            .first(decoding: StoredRow.self, with: SQLSupport.decoder)
        else { throw PolicyError.noPolicyInForce(region: region, month: month) }
        return try Self.parseStored(region: r.region, name: r.regionName, body: r.body, effective: r.effective)
    }

    static func book(on sql: any SQLDatabase) async throws -> PolicyBook {
        PolicyBook(try await records(on: sql).map(\.policy))
    }

    /// Stored versions with who entered them and how many decisions use each, by region and month.
    public func versions() async throws -> [VersionRecord] {
        struct Count: Decodable { var policyVersion: String; var n: Int }
        let counts = Dictionary(try await database.sql.raw(SQLQueryString("SELECT policy_version, COUNT(*) AS n FROM (")
                                                           + Self.citations + SQLQueryString(") c GROUP BY policy_version"))
            .all(decoding: Count.self, with: SQLSupport.decoder).map { ($0.policyVersion, $0.n) }, uniquingKeysWith: +)
        var list = try await Self.records(on: database.sql)
        for i in list.indices { list[i].decisions = counts[list[i].policy.version] ?? 0 }
        return list
    }

    /// The versions of `region` as one policy file, indented (what `jiuzhu policy export` prints).
    public func fileText(region: String) async throws -> String? {
        let rows = try await Self.rows(on: database.sql).filter { $0.region == region }
        guard let name = rows.last?.regionName else { return nil }
        return PolicyFile.prettyText(region: region, name: name, versionBodies: rows.map(\.body))
    }

    struct StoredRow: Decodable {
        var region: String; var regionName: String; var effective: Int; var body: String
        var fileSha256: String; var enteredBy: String; var enteredAt: Date
    }

    static func rows(on sql: any SQLDatabase) async throws -> [StoredRow] {
        try await sql.select().columns("region", "region_name", "effective", "body", "file_sha256", "entered_by", "entered_at")
            .from("policy_versions").orderBy("region").orderBy("effective")
            .all(decoding: StoredRow.self, with: SQLSupport.decoder)
    }

    static func records(on sql: any SQLDatabase) async throws -> [VersionRecord] {
        try await rows(on: sql).map { r in
            let p = try parseStored(region: r.region, name: r.regionName, body: r.body, effective: r.effective)
            return VersionRecord(policy: p, fileSHA256: r.fileSha256, enteredBy: r.enteredBy, enteredAt: r.enteredAt, decisions: 0)
        }
    }

    /// One stored version, parsed by the file's own checks.
    /// - Throws: `StoreError.unreadable` naming the version.
    static func parseStored(region: String, name: String, body: String, effective: Int) throws -> Policy {
        let label = "\(region)/\(YearMonth(number: effective)?.description ?? String(effective))"
        let text = PolicyFile.fileText(region: region, name: name, versionBodies: [body])
        let file: PolicyFile
        do { file = try PolicyFile.parse(Data(text.utf8)) } catch {
            throw StoreError.unreadable(table: "policy_versions", column: "body", value: "\(label)：\(error)")
        }
        guard let p = file.versions.first, p.effective.number == effective else {
            throw StoreError.unreadable(table: "policy_versions", column: "effective", value: label)
        }
        return p
    }

    /// Every decision that cites a policy version, one `policy_version` row each: the monthly programmes'
    /// decisions and the 临时救助 grants computed. A version with any is never changed in place.
    static let citations = SQLQueryString("""
        SELECT policy_version FROM decisions
        UNION ALL SELECT policy_version FROM temporary_cases WHERE policy_version IS NOT NULL
        """)

    func decisionCount(version: String, on sql: any SQLDatabase) async throws -> Int {
        struct Row: Decodable { var n: Int }
        return try await sql.raw(SQLQueryString("SELECT COUNT(*) AS n FROM (") + Self.citations
                                 + SQLQueryString(") c WHERE policy_version = \(bind: version)"))
            .first(decoding: Row.self)?.n ?? 0
    }

    func latestBatchMonth(region: String, on sql: any SQLDatabase) async throws -> YearMonth? {
        struct Row: Decodable { var m: Int? }
        guard let n = try await sql.raw("SELECT MAX(month) AS m FROM payroll_batches WHERE county_code = \(bind: region)")
            .first(decoding: Row.self)?.m else { return nil }
        let month: YearMonth = try Stored("payroll_batches").month("month", n)
        return month
    }

}
