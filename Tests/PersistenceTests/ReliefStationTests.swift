import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// The relief station (rules.md §4) and field case C18: overstays flagged only without a filed extension,
/// 人次 and 人数 counted apart, one person's stays linked by the ID number.
@Suite struct ReliefStationTests {
    let d = Fixtures.date
    static let p2 = try! ResidentID("110101198512129777")
    static let p3 = try! ResidentID("110101199301019820")

    static func at(_ date: String, _ time: String = "09:00") -> Date { ChinaClock.instant(Fixtures.date(date), time: time)! }
    static func store(_ db: any Database, today: String = "2021-07-31") -> ReliefStationStore {
        ReliefStationStore(db, today: { Fixtures.date(today) })
    }

    func admit(_ store: ReliefStationStore, _ person: StationPersonKey, _ date: String, minor: Bool = false) async throws -> String {
        try await store.admit(person, name: person.identityKnown ? "受助人" : "", countyCode: "510921", admittedAt: Self.at(date),
                              belongings: "旧衣物一包", health: "", minor: minor, actor: "station")
    }

    @Test func fieldCaseC18() async throws {
        try await withTestDatabase { handle in
            let store = Self.store(handle.db)
            let p1 = try await admit(store, .unidentified(code: "T-0701"), "2021-07-01")
            var p2: [String] = []
            for (from, to) in [("2021-07-03", "2021-07-06"), ("2021-07-20", "2021-07-22"), ("2021-07-28", "2021-07-30")] {
                let id = try await admit(store, .resident(Self.p2), from)
                try await store.record(.exit(on: d(to), kind: .returnedHome, note: "购票返乡"), on: id, actor: "station")
                p2.append(id)
            }
            let p3 = try await admit(store, .resident(Self.p3), "2021-07-10")
            await #expect(throws: StayError.missing("延期理由")) {
                try await store.record(.extend(StayExtension(filedOn: d("2021-07-19"), reason: " ", filedWith: "遂宁市民政局", until: d("2021-07-31"))),
                                       on: p3, actor: "station")
            }
            try await store.record(.extend(StayExtension(filedOn: d("2021-07-19"), reason: "等待亲属从外省来接", filedWith: "遂宁市民政局",
                                                         until: d("2021-07-31"))), on: p3, actor: "station")
            try await store.record(.exit(on: d("2021-07-25"), kind: .handedToFamily, note: "其兄接回"), on: p3, actor: "station")

            // As of 07-15 (C18's evaluation date for P1) and at the month's end: exactly one overstay, P1.
            let july = try await store.stays(countyCode: "510921", from: d("2021-07-01"), through: d("2021-07-31"))
            #expect(july.count == 5)
            for asOf in ["2021-07-15", "2021-07-31"] {
                let flagged = july.filter { $0.stay.overstay(asOf: d(asOf), maxStayDays: $0.maxStayDays) }
                #expect(flagged.map(\.id) == [p1], "\(asOf)")
            }
            let first = try await store.stay(p1)
            #expect(first.stay.days(asOf: d("2021-07-15")) == 14)
            #expect(first.maxStayDays == 10)
            #expect(first.limitSource == "民政部令第24号 第12条")
            let figures = try await store.figures(countyCode: "510921", month: Fixtures.month("2021-07"))
            #expect(figures.visits == 5)
            #expect(figures.people == 3)
            #expect(figures.unidentified == 1)
            // P2's three stays are one person's, linked through the ID number.
            #expect(Set(july.filter { p2.contains($0.id) }.map(\.stay.person)) == [.resident(Self.p2)])
            struct N: Decodable { var n: Int }
            #expect(try await (handle.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM station_persons").first(decoding: N.self)?.n == 3)
        }
    }

    /// The family-search notice is owed within 24 hours for a person whose identity is unknown.
    @Test func familySearchNoticeWithin24Hours() async throws {
        try await withTestDatabase { handle in
            let store = Self.store(handle.db)
            let id = try await admit(store, .unidentified(code: "T-0702"), "2021-07-02")
            let s = try await store.stay(id).stay
            #expect(!s.familySearchOverdue(now: Self.at("2021-07-03", "08:59")))
            #expect(s.familySearchOverdue(now: Self.at("2021-07-03", "09:01")))
            let late = try await store.record(.familySearchNotice(at: Self.at("2021-07-03", "15:00"), channel: "全国救助寻亲网"), on: id, actor: "s")
            #expect(late.stay.familySearchOverdue(now: Self.at("2021-07-04")))
            await #expect(throws: StayError.alreadyRecorded("寻亲公告")) {
                try await store.record(.familySearchNotice(at: Self.at("2021-07-03", "16:00"), channel: "报纸"), on: id, actor: "s")
            }
            let known = try await admit(store, .resident(Self.p2), "2021-07-02")
            await #expect(throws: StayError.identityKnown) {
                try await store.record(.familySearchNotice(at: Self.at("2021-07-02", "10:00"), channel: "x"), on: known, actor: "s")
            }
        }
    }

    /// Bad input on the station's steps, each refused with its rule; nothing half-written.
    @Test func refusals() async throws {
        try await withTestDatabase { handle in
            let store = Self.store(handle.db)
            let id = try await admit(store, .resident(Self.p3), "2021-07-10", minor: true)
            await #expect(throws: StayError.openStayExists(id)) { _ = try await admit(store, .resident(Self.p3), "2021-07-11") }
            await #expect(throws: StayError.unidentifiedCode("T 07/01")) { _ = try await admit(store, .unidentified(code: "T 07/01"), "2021-07-11") }
            await #expect(throws: StayError.dateInFuture(d("2021-08-01"), today: d("2021-07-31"))) {
                _ = try await admit(store, .unidentified(code: "T-0801"), "2021-08-01")
            }
            await #expect(throws: StayError.minorCannotLeaveAlone) {
                try await store.record(.exit(on: d("2021-07-12"), kind: .leftByChoice, note: ""), on: id, actor: "s")
            }
            await #expect(throws: StayError.quantity(0)) {
                try await store.record(.service(ServiceRecord(date: d("2021-07-10"), kind: .meal, quantity: 0)), on: id, actor: "s")
            }
            await #expect(throws: StayError.dateBeforeAdmission(d("2021-07-09"), admitted: d("2021-07-10"))) {
                try await store.record(.service(ServiceRecord(date: d("2021-07-09"), kind: .meal, quantity: 3)), on: id, actor: "s")
            }
            await #expect(throws: StayError.extensionNotLater(until: d("2021-07-20"), current: d("2021-07-20"))) {
                try await store.record(.extend(StayExtension(filedOn: d("2021-07-18"), reason: "待查", filedWith: "市民政局", until: d("2021-07-20"))),
                                       on: id, actor: "s")
            }
            try await store.record(.service(ServiceRecord(date: d("2021-07-10"), kind: .travelVoucher, quantity: 1, cost: Money(fen: 12_850),
                                                          note: "蓬溪—成都 客车")), on: id, actor: "s")
            let done = try await store.record(.exit(on: d("2021-07-12"), kind: .handedToFamily, note: "母亲接回"), on: id, actor: "s")
            #expect(done.stay.services.map(\.cost) == [Money(fen: 12_850)])
            await #expect(throws: StayError.closed(d("2021-07-12"))) {
                try await store.record(.service(ServiceRecord(date: d("2021-07-12"), kind: .meal, quantity: 1)), on: id, actor: "s")
            }
            // After leaving, the same person may come again.
            _ = try await admit(store, .resident(Self.p3), "2021-07-20")
        }
    }
}
