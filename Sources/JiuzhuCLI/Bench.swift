import ArgumentParser
import Domain
import Foundation
import Jobs
import Persistence

/// Measures the hot paths on a throwaway SQLite database (or `DATABASE_URL`'s PostgreSQL if given with
/// `--postgres`): load, payroll generation and export, the fund table, search, and assessment.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the main job's steps on a synthetic county; prints wall times (figures for docs/performance.md).")

    @ArgumentParser.Option(name: .long, help: "Households in the synthetic county.") var households = 14_000
    @ArgumentParser.Option(name: .long, help: "Payroll months to run (from 2021-01).") var months = 3
    @ArgumentParser.Option(name: .long, help: "Repetitions of the in-memory assessment over every household.") var assessRounds = 5

    func validate() throws {
        guard (1...1_000_000).contains(households), (1...12).contains(months), (1...100).contains(assessRounds) else {
            throw ValidationError("--households 1…1000000, --months 1…12, --assess-rounds 1…100")
        }
    }

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let handle = try DatabaseHandle(.sqliteFile(dir.appendingPathComponent("bench.sqlite").path),
                                        keys: DataKeys(current: try .init(text: DataKeys.newKeyText(), name: "bench")))
        var rows: [(String, Duration, String)] = []
        func time<T>(_ label: String, _ note: String = "", _ body: () async throws -> T) async throws -> T {
            let clock = ContinuousClock()
            var result: T?
            let elapsed = try await clock.measure { result = try await body() }
            rows.append((label, elapsed, note))
            return result!
        }
        do {
            try await handle.migrate()
            try await handle.prepareSQLiteFile()
            let county = DemoCounty(households: households)
            let generated = try await time("generate county (in memory)", "\(households) households") { county.generate() }
            let summary = try await time("load county (one transaction)", "") {
                try await DemoLoader(database: handle.db, county: county).load()
            }
            rows[rows.count - 1].2 = "\(summary.households) households, \(summary.people) people"
            let store = PayrollStore(handle.db)
            let run = PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: dir, isDemo: true)
            for m in 1...months {
                let month = YearMonth(year: 2021, month: m)!
                let g = try await time("payroll generate \(month)") {
                    try await store.generate(programme: DemoCounty.programme, month: month, countyCode: "510921", actor: "bench")
                }
                rows[rows.count - 1].2 = "\(g.batch.lineCount) lines"
                let approved = try await time("payroll approve \(month)") { try await store.approve(g.batch.id, actor: "bench") }
                _ = try await time("payroll export bank file \(month)") { try await run.export(approved, actor: "bench") }
            }
            _ = try await time("fund table 2021") { try await FundStore(handle.db).fundTable(countyCode: "510921", year: 2021) }
            let registry = RegistryStore(handle.db)
            let someone = generated.files[generated.files.count / 2].head
            _ = try await time("search by resident ID") {
                try await registry.search(in: .county("510921"), text: someone.residentID.value, townshipCode: nil, programme: nil,
                                          month: YearMonth(year: 2021, month: 1)!)
            }
            _ = try await time("search by name") {
                try await registry.search(in: .county("510921"), text: someone.name, townshipCode: nil, programme: nil, month: YearMonth(year: 2021, month: 1)!)
            }
            let compositions = generated.files.map(\.composition)
            let total = try await time("assess every household ×\(assessRounds) (pure)",
                                       "\(compositions.count * assessRounds) assessments") { () async throws -> Int64 in
                var sum: Int64 = 0
                for _ in 0..<assessRounds {
                    for c in compositions {
                        sum += try DibaoAssessment.assess(c, month: YearMonth(year: 2021, month: 1)!, policy: .pengxi2021).monthlyBenefit.fen
                    }
                }
                return sum
            }
            precondition(total > 0)
        } catch {
            await handle.close()
            throw error
        }
        await handle.close()
        CLI.say("step                                        seconds  note")
        for (label, d, note) in rows {
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            CLI.say(label.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: "%9.3f", seconds) + "  " + note)
        }
    }
}
