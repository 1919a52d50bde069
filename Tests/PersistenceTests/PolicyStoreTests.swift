import Domain
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// Policy as data in the database: import, read back, re-run, replacement, refusal, migration.
@Suite struct PolicyStoreTests {
    static let pengxi = PolicyBook.bundledFile(region: "510921")!

    /// A second version: urban 低保 raised to 620 from 2022-01, signed 2022-02-15.
    static let withNextYear: PolicyFile = {
        let text = pengxi.text.replacingOccurrences(of: "\n  ]\n}", with: """
            ,
                {
                  "effective": "2022-01", "signed": "2022-02-15", "document": "蓬民发〔2022〕5号",
                  "dibao": {
                    "standard": { "urban": "620.00", "rural": "440.00" }, "method": "gap",
                    "nearPovertyMultiplier": "1.5", "exemptIncome": [ "scholarship" ],
                    "gradualExitMonths": 6, "confirmationDelegatedToTownship": false
                  }
                }
              ]
            }
            """)
        return try! PolicyFile.parse(Data(text.utf8))
    }()

    @Test func importReadBackAndRerun() async throws {
        try await withTestDatabase(policies: []) { handle in
            let store = PolicyStore(handle.db)
            #expect(try await store.book().policies.isEmpty)
            let first = try await store.importFile(Self.pengxi.file, fileSHA256: "a", actor: "股长")
            #expect(first.added == ["510921/2021-01"])
            #expect(first.warnings.count == 1)   // rural 特困 520 < 1.3 × 420
            #expect(try await store.book().policies == Self.pengxi.file.versions)
            let again = try await store.importFile(Self.withNextYear, fileSHA256: "b", actor: "股长")
            #expect(again.unchanged == ["510921/2021-01"])
            #expect(again.added == ["510921/2022-01"])
            let book = try await store.book()
            #expect(try book.policy(region: "510921", month: YearMonth(year: 2022, month: 3)!).dibaoPolicy().standard(for: .urban) == .yuan(620))
            #expect(try book.policy(region: "510921", month: YearMonth(year: 2022, month: 3)!).signed == CivilDate(year: 2022, month: 2, day: 15))
            let versions = try await store.versions()
            #expect(versions.map(\.enteredBy) == ["股长", "股长"])
            #expect(versions.map(\.fileSHA256) == ["a", "b"])
            // Export gives a file that parses to the same versions.
            let exported = try #require(try await store.fileText(region: "510921"))
            #expect(try PolicyFile.parse(Data(exported.utf8)).versions == Self.withNextYear.versions)
            #expect(try await store.fileText(region: "510922") == nil)
        }
    }

    /// A version no decision uses may be corrected; one that decisions use is refused by name.
    @Test func changedVersionReplacedOnlyWhileUnused() async throws {
        try await withTestDatabase(policies: []) { handle in
            let store = PolicyStore(handle.db)
            _ = try await store.importFile(Self.pengxi.file, fileSHA256: "a", actor: "t")
            let corrected = try PolicyFile.parse(Data(Self.pengxi.text.replacingOccurrences(
                of: #""effective": "2021-01","#, with: #""effective": "2021-01", "document": "蓬府办发〔2021〕3号","#).utf8))
            #expect(try await store.importFile(corrected, fileSHA256: "b", actor: "t").replaced == ["510921/2021-01"])
            #expect(try await store.book().policies.first?.document == "蓬府办发〔2021〕3号")
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            await #expect(throws: StoreError.conflict("政策版本 510921/2021-01 已录入，键 document：已录入“蓬府办发〔2021〕3号”，文件为“（无）”；已有 1 条决定按该版本计算，不能修改。调整标准请以新的生效月份录入新版本 (version already used by decisions)")) {
                try await store.importFile(Self.pengxi.file, fileSHA256: "c", actor: "t")
            }
            #expect(try await store.book().policies.first?.document == "蓬府办发〔2021〕3号")
            // The same meaning written differently ("600" for "600.00", null for absent) is unchanged.
            let sameMeaning = try PolicyFile.parse(Data(Self.pengxi.text
                .replacingOccurrences(of: #""effective": "2021-01","#, with: #""effective": "2021-01", "signed": null, "document": "蓬府办发〔2021〕3号","#)
                .replacingOccurrences(of: #""urban": "600.00""#, with: #""urban": "600""#).utf8))
            #expect(try await store.importFile(sameMeaning, fileSHA256: "d", actor: "t").unchanged == ["510921/2021-01"])
        }
    }

    /// A version entered for months that already have batches is accepted with a back-pay warning.
    @Test func versionForMonthsAlreadyInBatchesWarns() async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2022-03-01") })
            _ = try await payroll.generate(programme: .dibao, month: Fixtures.month("2022-02"), countyCode: "510921", actor: "t")
            let r = try await PolicyStore(handle.db).importFile(Self.withNextYear, fileSHA256: "b", actor: "t")
            #expect(r.warnings.contains(.batchesAlreadyGenerated(version: "510921/2022-01", from: Fixtures.month("2022-01"),
                                                                 through: Fixtures.month("2022-02"))))
        }
    }

    /// After a new standard, the batch says how many amounts were decided under the earlier version; a
    /// version that leaves 低保 out cannot pay 低保; warnings are about the versions entered.
    @Test func payrollAfterANewVersion() async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let r = try await PolicyStore(handle.db).importFile(Self.withNextYear, fileSHA256: "b", actor: "t")
            #expect(r.added == ["510921/2022-01"])
            #expect(r.warnings == [.programmeDropped(version: "510921/2022-01", programme: .tekun),
                                   .programmeDropped(version: "510921/2022-01", programme: .orphan)])
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2022-03-01") })
            let g = try await payroll.generate(programme: .dibao, month: Fixtures.month("2022-01"), countyCode: "510921", actor: "t")
            #expect(g.batch.total == .yuan(900))      // still the decided amount
            #expect(g.policyVersion == "510921/2022-01")
            #expect(g.decidedUnderOtherVersions == 1)
            #expect(g.otherVersionsNote?.hasPrefix("1 户（人）的金额按此前的政策版本核定") == true)
            let before = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-12"), countyCode: "510921", actor: "t")
            #expect(before.otherVersionsNote == nil)
        }
        try await withTestDatabase(policies: []) { handle in
            let text = Self.pengxi.text.replacingOccurrences(of: "\n  ]\n}", with: """
                ,
                    { "effective": "2022-01", "orphan": { "institutional": "1400.00", "scattered": "900.00", "continueWhileInSchool": [] } }
                  ]
                }
                """)
            _ = try await PolicyStore(handle.db).importFile(try PolicyFile.parse(Data(text.utf8)), fileSHA256: "x", actor: "t")
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2022-03-01") })
            await #expect(throws: PayrollError.noPolicy(.programmeNotConfigured(programme: "dibao", version: "510921/2022-01"))) {
                try await payroll.generate(programme: .dibao, month: Fixtures.month("2022-01"), countyCode: "510921", actor: "t")
            }
        }
    }

    /// Refuse, don't default: a month without a policy is refused by the payroll, naming region and month.
    @Test func noPolicyNoPayroll() async throws {
        try await withTestDatabase(policies: []) { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            await #expect(throws: PayrollError.noPolicy(.noPolicyInForce(region: "510921", month: Fixtures.month("2021-07")))) {
                try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            }
        }
    }

    /// A stored version that no longer passes the file's checks stops the computation, naming it.
    @Test func unreadableStoredVersion() async throws {
        try await withTestDatabase { handle in
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("UPDATE policy_versions SET body = REPLACE(body, '\"method\":\"gap\"', '\"method\":\"gap\",\"typo\":1')").run()
            let error = await #expect(throws: StoreError.self) { try await PolicyStore(handle.db).book() }
            guard case let .unreadable(table, column, value)? = error else {
                Issue.record("expected unreadable, got \(String(describing: error))")
                return
            }
            #expect(table == "policy_versions")
            #expect(column == "body")
            #expect(value.hasPrefix("510921/2021-01："))
            #expect(value.contains("versions[0].dibao.typo"))
        }
    }

    /// A database in use before policy as data was computed with the bundled policy: migration 0009
    /// records it, entered by the migration. A new database gets none.
    @Test func migrationRecordsTheBundledPolicyForExistingCounties() async throws {
        try await withTestDatabase(migrated: false) { handle in
            try await handle.migrate(through: "0008_ProgrammeSeam")
            try await Fixtures.registerAtFirstSchema(Fixtures.h01(), on: handle.db)
            try await handle.migrate()
            let versions = try await PolicyStore(handle.db).versions()
            #expect(versions.map(\.policy.version) == ["510921/2021-01"])
            #expect(versions.map(\.enteredBy) == ["0009_PolicyVersions"])
            #expect(versions.first?.fileSHA256 == Checksum.sha256Hex(Data(Self.pengxi.text.utf8)))
        }
        try await withTestDatabase(migrated: false) { handle in
            try await handle.migrate()
            #expect(try await PolicyStore(handle.db).versions().isEmpty)
        }
    }
}
