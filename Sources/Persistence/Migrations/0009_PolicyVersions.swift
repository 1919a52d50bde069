import Domain
import FluentKit
import Foundation
import SQLKit

/// Policy as data: `policy_versions`, one row per region and effective month, holding the version's JSON
/// as read from its file (docs/policy-format.md) and who entered it.
///
/// A database in use before this migration could only have been computed with the bundled policy, so
/// for each region that already has households the bundled file's versions are recorded, entered by
/// this migration. A new database gets none: `jiuzhu policy import FILE` (or the demo) enters them.
struct M0009PolicyVersions: AsyncMigration {
    var name: String { "0009_PolicyVersions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("policy_versions")
            .field("id", .string, .identifier(auto: false))
            .field("region", .string, .required)
            .field("region_name", .string, .required)
            .field("effective", .int, .required)
            .field("signed", .string)
            .field("document", .string)
            .field("body", .string, .required)
            .field("file_sha256", .string, .required)
            .field("entered_by", .string, .required)
            .field("entered_at", .datetime, .required)
            .unique(on: "region", "effective", name: "uq_policy_versions_region_effective")
            .create()
        struct Row: Decodable { var countyCode: String }
        let regions = Set(try await database.sql.raw("SELECT DISTINCT county_code FROM households")
            .all(decoding: Row.self, with: SQLSupport.decoder).map(\.countyCode))
        for region in regions.sorted() {
            guard let (file, text) = PolicyBook.bundledFile(region: region) else { continue }
            try await PolicyStore(database).insert(file, fileSHA256: Checksum.sha256Hex(Data(text.utf8)),
                                                   actor: name, on: database.sql, schemaOf0009: true)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("policy_versions").delete()
    }
}
