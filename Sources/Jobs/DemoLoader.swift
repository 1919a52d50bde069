import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit

/// Loads the demo county into a database once: re-running finds it there and does nothing.
public struct DemoLoader: Sendable {
    public let database: any Database
    public let county: DemoCounty

    public init(database: any Database, county: DemoCounty) {
        self.database = database
        self.county = county
    }

    public struct Summary: Sendable {
        public var households: Int
        public var people: Int
        public var created: Bool
    }

    /// Imports the bundled policy of the demo county, then inserts households, members, decisions, enrollments and the 2021 allocations in one
    /// transaction (all or nothing), unless the demo county is already there.
    public func load(progress: Progress = .silent) async throws -> Summary {
        struct Count: Decodable { var n: Int }
        // The demo's policy as the county had it in January (`DemoPolicy`), entered as `jiuzhu policy
        // import` would (a re-run finds it unchanged); the raise is entered when it was signed (`DemoPayroll`).
        if county.policy.region == DemoPolicy.region {
            let (file, text) = DemoPolicy.january
            _ = try await PolicyStore(database).importFile(file, fileSHA256: Checksum.sha256Hex(Data(text.utf8)), actor: "demo")
        } else if let (file, text) = PolicyBook.bundledFile(region: county.policy.region) {
            _ = try await PolicyStore(database).importFile(file, fileSHA256: Checksum.sha256Hex(Data(text.utf8)), actor: "demo")
        }
        let existing = try await (database as! any SQLDatabase)
            .raw("SELECT COUNT(*) AS n FROM households WHERE is_demo = \(bind: true)").first(decoding: Count.self)?.n ?? 0
        if existing > 0 {
            let people = try await (database as! any SQLDatabase)
                .raw("SELECT COUNT(*) AS n FROM members m JOIN households h ON h.id = m.household_id WHERE h.is_demo = \(bind: true)")
                .first(decoding: Count.self)?.n ?? 0
            return Summary(households: existing, people: people, created: false)
        }
        progress.report(0, 3, "生成演示县数据")
        let (files, decisions, applicants) = county.generate()
        let persons = county.generatePersons(avoiding: Set((files + applicants).flatMap { $0.composition.members.map(\.residentID.value) }))
        let registry = RegistryStore(database, divisions: county.divisions)
        try await database.transaction { db in
            let chunk = 2_000
            var done = 0
            while done < files.count {
                let end = min(done + chunk, files.count)
                try await registry.registerBulk(Array(files[done..<end]) + (done == 0 ? applicants : []), on: db)
                try await EnrollmentStore.bulkApprove(Array(decisions[done..<end]), on: db)
                done = end
                progress.report(1, 3, "写入家庭 \(done)/\(files.count)")
            }
            // 特困 persons and children: registered, then decided for the member (found by ID number).
            try await registry.registerBulk(persons.map(\.file), on: db)
            let memberIDs = try await RegistryStore.memberIDs(of: persons.map(\.subject), on: db)
            try await EnrollmentStore.bulkApprove(persons.map { p in
                .init(householdID: p.file.id, memberID: memberIDs[p.subject]!, countyCode: p.file.countyCode,
                      decidedOn: CivilDate(year: 2020, month: 12, day: 18)!, decision: p.decision, input: p.input)
            }, on: db)
            progress.report(2, 3, "写入特困、孤儿、事实无人抚养儿童 \(persons.count) 人")
            let funds = FundStore(db)
            let code = county.divisions.county.code.countyCode
            let have = Set(try await funds.allocations(countyCode: code, year: 2021).map(\.documentNumber))
            for a in DemoCounty.allocations2021 where !have.contains(a.documentNumber) {
                try await funds.add(a, countyCode: code, isDemo: true)
            }
        }
        progress.report(3, 3, "演示县数据已写入")
        let all = files + applicants + persons.map(\.file)
        return Summary(households: all.count, people: all.reduce(0) { $0 + $1.composition.members.count }, created: true)
    }
}
