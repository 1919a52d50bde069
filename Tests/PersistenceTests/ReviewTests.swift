import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

@Suite struct ReviewTests {
    /// Field case C01 (a): 李某 dies 2021-05-12. The June payroll holds H01 instead of paying 900;
    /// the review on 2021-06-10 sets 300.00 from June, the month after the death (A1), and July pays
    /// 300.00; the held June is owed and paid once by a back-pay batch.
    @Test func fieldCaseC01DeathHoldsPayrollUntilReviewed() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101197708029247"), to: .deceased,
                                                         since: Fixtures.date("2021-05-12"))
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
            let june = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.lineCount == 0)
            #expect(june.holds.first?.reason.hasPrefix("MEMBERS_CHANGED") == true)
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-06-10"),
                                                                      actor: "t", today: Fixtures.date("2021-06-10"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-06"), old: .yuan(900), new: .yuan(300)))
            let julyPayroll = PayrollStore(handle.db, today: { Fixtures.date("2021-07-05") })
            let july = try await julyPayroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(july.batch.total.yuanString == "300.00")
            _ = try await julyPayroll.approve(june.batch.id, actor: "t")
            let back = try await julyPayroll.generateBackPay(programme: .dibao, month: Fixtures.month("2021-07"), from: Fixtures.month("2021-06"),
                                                             countyCode: "510921", actor: "t")
            #expect(back.items.map { "\($0.month) \($0.owed.yuanString) \($0.basis.rawValue)" } == ["2021-06 300.00 released"])
            #expect(try await EnrollmentStore(handle.db).decisions(ofHousehold: "h01").first?.outcome == "adjusted")
        }
    }

    /// Field case C19: a verified pension of 600 from 2021-06 lifts H19 above the standard; the review on
    /// 2021-06-15 stops it after June, and the July payroll excludes it.
    @Test func fieldCaseC19ReviewStopsAHouseholdAboveTheStandard() async throws {
        try await withTestDatabase { handle async throws in
            let h19 = Fixtures.household("h19", members: [
                Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "700")]),
                Fixtures.member("11010119720528959X", "乙", .spouse),
            ])
            try await Fixtures.registerAndEnroll(h19, from: "2021-01", on: handle.db)
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h19").first?.monthlyBenefit.yuanString == "500.00")
            // The pension is recorded (a transfer income, as verified), then the household is reviewed.
            try await (handle.db as! any SQLDatabase).raw("""
                INSERT INTO income_items (id, household_id, member_id, kind, period, amount_fen)
                SELECT 'i-pension', household_id, id, 'transfer', 'monthly', 60000 FROM members WHERE resident_id_index = '\(Fixtures.index("11010119720528959X"))'
                """).run()
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h19", programme: .dibao, on: Fixtures.date("2021-06-15"),
                                                                      actor: "t", today: Fixtures.date("2021-06-15"))
            #expect(outcome == .stopped(lastMonth: Fixtures.month("2021-06")))
            // A second review of the stopped household finds nothing to review and records nothing.
            await #expect(throws: StoreError.notFound(what: "在保低保对象", id: "h19")) {
                try await EnrollmentStore(handle.db).review(householdID: "h19", programme: .dibao, on: Fixtures.date("2021-06-20"),
                                                            actor: "t", today: Fixtures.date("2021-06-20"))
            }
            #expect(try await EnrollmentStore(handle.db).decisions(ofHousehold: "h19").filter { $0.outcome == "stopped" }.count == 1)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-07-01") })
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t").batch.lineCount == 1)
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }

    /// Field case C01 (a), the other branch: June and July were paid at 900 before the death was recorded.
    /// The review on 2021-08-03 re-decides from June (300.00) and records 600.00 overpaid for each of June and
    /// July — 1,200.00 for the recovery ledger (C16).
    @Test func fieldCaseC01PaidMonthsAfterADeathAreRecordedAsOverpaid() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-08-03") })
            for m in ["2021-06", "2021-07"] {
                let g = try await payroll.generate(programme: .dibao, month: Fixtures.month(m), countyCode: "510921", actor: "t")
                _ = try await payroll.approve(g.batch.id, actor: "t")
                _ = try await payroll.markExported(g.batch.id, actor: "t")
            }
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101197708029247"), to: .deceased,
                                                         since: Fixtures.date("2021-05-12"))
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-08-03"),
                                                                      actor: "t", today: Fixtures.date("2021-08-03"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-06"), old: .yuan(900), new: .yuan(300)))
            struct Row: Decodable { var month: Int; var amount: Int64 }
            let rows = try await (handle.db as! any SQLDatabase).raw("SELECT month, amount_fen AS amount FROM overpayments ORDER BY month")
                .all(decoding: Row.self)
            #expect(rows.map { "\($0.month) \(Money(fen: $0.amount).yuanString)" } == ["202106 600.00", "202107 600.00"])
            let traces = try await EnrollmentStore(handle.db).decisions(ofHousehold: "h01").flatMap(\.trace).map(\.description)
            #expect(traces.contains { $0.hasPrefix("追溯调整：李某于 2021-05-12 死亡，2021-06 至 2021-08 按变化后的家庭重新核定") })
            #expect(traces.contains { $0.hasPrefix("追溯调整：李某于 2021-05-12 死亡，自 2021-06 起重新核定；2021-09 起按本次复核") })
            let periods = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").map { "\($0.startMonth)…\($0.endMonth?.description ?? "") \($0.monthlyBenefit.yuanString)" }
            #expect(periods == ["2021-01…2021-05 900.00", "2021-06…2021-08 300.00", "2021-09… 300.00"])
        }
    }

    /// A death that ends the household's eligibility, recorded after two months were paid: the review stops
    /// the case from the month after the death (not from the review's month) and records both months as
    /// overpaid in full.
    @Test func aDeathThatEndsEligibilityStopsFromTheEvent() async throws {
        try await withTestDatabase { handle async throws in
            let h = Fixtures.household("h22", members: [
                Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "700")]),
                Fixtures.member("11010119720528959X", "乙", .spouse),
            ])
            try await Fixtures.registerAndEnroll(h, from: "2021-01", policy: .pengxi2021, on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-08-03") })
            for m in ["2021-06", "2021-07"] {
                let g = try await payroll.generate(programme: .dibao, month: Fixtures.month(m), countyCode: "510921", actor: "t")
                #expect(g.batch.total.yuanString == "500.00")
                _ = try await payroll.approve(g.batch.id, actor: "t")
                _ = try await payroll.markExported(g.batch.id, actor: "t")
            }
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("11010119720528959X"), to: .deceased, since: Fixtures.date("2021-05-12"))
            let store = EnrollmentStore(handle.db)
            #expect(try await store.review(householdID: "h22", programme: .dibao, on: Fixtures.date("2021-08-03"), actor: "t",
                                           today: Fixtures.date("2021-08-03")) == .stopped(lastMonth: Fixtures.month("2021-05")))
            #expect(try await store.enrollments(ofHousehold: "h22").map { "\($0.startMonth)…\($0.endMonth?.description ?? "")" } == ["2021-01…2021-05"])
            struct Row: Decodable { var month: Int; var amount: Int64 }
            let rows = try await (handle.db as! any SQLDatabase).raw("SELECT month, amount_fen AS amount FROM overpayments ORDER BY month")
                .all(decoding: Row.self)
            #expect(rows.map { "\($0.month) \(Money(fen: $0.amount).yuanString)" } == ["202106 500.00", "202107 500.00"])
        }
    }

    /// One rule for who counts in month M (tried as a new user would): 张某乙 moves out on the last day of July.
    /// Assess, payroll and the review all count him in July and not from August: July is paid at 900.00
    /// with no hold; August's batch holds the household (MEMBERS_CHANGED) until the review dated 07-31
    /// re-decides it for two from August: (600 − 450) × 2 = 300.00.
    @Test func oneRuleForWhoCountsInAMonth() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", policy: .pengxi2021, on: handle.db)
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101200511209150"), to: .movedOut,
                                                         since: Fixtures.date("2021-07-31"))
            let h = try #require(try await RegistryStore(handle.db).household("h01"))
            let july = try DibaoRules().assess(AssessmentInput(household: h.composition, month: Fixtures.month("2021-07")), policy: .pengxi2021)
            let august = try DibaoRules().assess(AssessmentInput(household: h.composition, month: Fixtures.month("2021-08")), policy: .pengxi2021)
            #expect((july.householdSize, july.monthlyBenefit.yuanString) == (3, "900.00"))
            #expect((august.householdSize, august.monthlyBenefit.yuanString) == (2, "300.00"))
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-08-05") })
            let julyBatch = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect((julyBatch.batch.total.yuanString, julyBatch.holds.count) == ("900.00", 0))
            let augustBatch = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(augustBatch.holds.map(\.reason) == ["MEMBERS_CHANGED：在户 2 人，核定 3 人，须复核调整后再发放"])
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-07-31"),
                                                                      actor: "t", today: Fixtures.date("2021-08-05"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-08"), old: .yuan(900), new: .yuan(300)))
        }
    }

    /// 渐退期 (DB-2021 Art. 33): H19's head finds work (wage 700 → 1,500, per capita 750 > 600); the review on
    /// 2021-06-15 keeps the 500.00 for the policy's 6 months after June, through December, then stops. A
    /// decision that kept no input cannot show the income is new work: it stops at once.
    @Test func aMemberWhoFindsWorkGetsTheGradualExit() async throws {
        try await withTestDatabase { handle async throws in
            let h19 = Fixtures.household("h19", members: [
                Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "700")]),
                Fixtures.member("11010119720528959X", "乙", .spouse),
            ])
            try await Fixtures.registerAndEnroll(h19, from: "2021-01", policy: .pengxi2021, on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("UPDATE income_items SET amount_fen = 150000 WHERE household_id = 'h19'").run()
            let store = EnrollmentStore(handle.db)
            let outcome = try await store.review(householdID: "h19", programme: .dibao, on: Fixtures.date("2021-06-15"),
                                                 actor: "t", today: Fixtures.date("2021-06-15"))
            #expect(outcome == .gradualExit(lastMonth: Fixtures.month("2021-12"), months: 6))
            let decision = try #require(try await store.decisions(ofHousehold: "h19").first)
            #expect(decision.outcome == "gradual-exit")
            #expect(decision.trace.contains { $0.description.hasPrefix("渐退期：家庭成员就业，工资性收入由每月 700.00 元增至 1500.00 元：按原金额继续发放 6 个月后停发") })
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2022-01-01") })
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-12"), countyCode: "510921", actor: "t").batch.total.yuanString == "500.00")
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2022-01"), countyCode: "510921", actor: "t").batch.lineCount == 0)
            // A second review during the 渐退期 keeps its end: no second gradual-exit decision, never extended.
            let again = try await store.review(householdID: "h19", programme: .dibao, on: Fixtures.date("2021-09-15"),
                                               actor: "t", today: Fixtures.date("2021-09-15"))
            #expect(again == .gradualExit(lastMonth: Fixtures.month("2021-12"), months: 3))
            #expect(try await store.decisions(ofHousehold: "h19").map(\.outcome).filter { $0 == "gradual-exit" }.count == 1)
            #expect(try await store.enrollments(ofHousehold: "h19").map { $0.endMonth?.description } == ["2021-12"])
        }
        // A trivial wage rise beside a transfer that alone lifts the household over the standard: no 渐退 (C19).
        try await withTestDatabase { handle async throws in
            let h = Fixtures.household("h21", members: [
                Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "700")]),
                Fixtures.member("11010119720528959X", "乙", .spouse),
            ])
            try await Fixtures.registerAndEnroll(h, from: "2021-01", policy: .pengxi2021, on: handle.db)
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("UPDATE income_items SET amount_fen = 70100 WHERE household_id = 'h21'").run()
            try await sql.raw("""
                INSERT INTO income_items (id, household_id, member_id, kind, period, amount_fen)
                SELECT 'i-transfer', household_id, id, 'transfer', 'monthly', 60000 FROM members WHERE resident_id_index = '\(Fixtures.index("11010119720528959X"))'
                """).run()
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h21", programme: .dibao, on: Fixtures.date("2021-06-15"),
                                                                      actor: "t", today: Fixtures.date("2021-06-15"))
            #expect(outcome == .stopped(lastMonth: Fixtures.month("2021-06")))
            let trace = try await EnrollmentStore(handle.db).decisions(ofHousehold: "h21").first?.trace.map(\.description) ?? []
            #expect(trace.contains { $0.hasPrefix("渐退期：不计工资增加部分，家庭月收入 1300.00 元仍不低于标准 1200.00 元") })
        }
        try await withTestDatabase { handle async throws in
            let h = Fixtures.household("h20", members: [Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "300")])])
            try await Fixtures.registerAndEnroll(h, from: "2021-01", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("UPDATE income_items SET amount_fen = 90000 WHERE household_id = 'h20'").run()
            #expect(try await EnrollmentStore(handle.db).review(householdID: "h20", programme: .dibao, on: Fixtures.date("2021-06-15"),
                                                                actor: "t", today: Fixtures.date("2021-06-15")) == .stopped(lastMonth: Fixtures.month("2021-06")))
        }
    }

    /// No review dated before the decision it reviews (a backdated review once cancelled an enrollment paid
    /// for years); an enrollment not started yet is cancelled only when no batch lists it.
    @Test func backdatedReviewsAreRefused() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-08", on: handle.db)
            let store = EnrollmentStore(handle.db)
            await #expect(throws: WorkflowError.dateBefore(Fixtures.date("2020-12-10"), what: "在保决定日期",
                                                           earlier: Fixtures.date("2020-12-20"))) {
                try await store.review(householdID: "h01", programme: .dibao, on: Fixtures.date("2020-12-10"), actor: "t",
                                       today: Fixtures.date("2021-07-25"))
            }
            let august = try await PayrollStore(handle.db, today: { Fixtures.date("2021-07-20") })
                .generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(august.batch.lineCount == 1)
            // The household's income now exceeds the standard: stopping would cancel the August enrollment,
            // but the August draft lists it.
            try await (handle.db as! any SQLDatabase).raw("UPDATE income_items SET amount_fen = 500000").run()
            await #expect(throws: StoreError.conflict("2021-08 的低保发放批次已列入该对象：请先作废该月草稿批次，或以 2021-08 之后的日期复核 (a batch already lists this recipient)")) {
                try await store.review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-07-25"), actor: "t",
                                       today: Fixtures.date("2021-07-25"))
            }
            #expect(try await store.enrollments(ofHousehold: "h01").count == 1)
            try await PayrollStore(handle.db).discardDraft(august.batch.id, actor: "t")
            #expect(try await store.review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-07-25"), actor: "t",
                                           today: Fixtures.date("2021-07-25")) == .stopped(lastMonth: Fixtures.month("2021-07")))
            #expect(try await store.enrollments(ofHousehold: "h01").isEmpty)
        }
    }

    /// The first review decides from June, the month after the death (A1); a second review in the same
    /// month, before its own change takes effect, decides from July: June stays at 300, July on at 400.
    @Test func secondReviewReplacesAPendingAdjustment() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101197708029247"), to: .deceased,
                                                         since: Fixtures.date("2021-05-12"))
            let store = EnrollmentStore(handle.db)
            #expect(try await store.review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-06-10"), actor: "t",
                                           today: Fixtures.date("2021-06-20"))
                    == .adjusted(from: Fixtures.month("2021-06"), old: .yuan(900), new: .yuan(300)))
            try await (handle.db as! any SQLDatabase).raw("UPDATE income_items SET amount_fen = 80000").run()
            #expect(try await store.review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-06-20"), actor: "t",
                                           today: Fixtures.date("2021-06-20"))
                    == .adjusted(from: Fixtures.month("2021-07"), old: .yuan(300), new: .yuan(400)))
            let enrollments = try await store.enrollments(ofHousehold: "h01")
            #expect(enrollments.map { "\($0.startMonth)…\($0.endMonth?.description ?? "") \($0.monthlyBenefit.yuanString)" }
                    == ["2021-01…2021-05 900.00", "2021-06…2021-06 300.00", "2021-07… 400.00"])
        }
    }

    @Test func reviewWithoutChangeKeepsTheAmount() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-06-10"),
                                                                      actor: "t", today: Fixtures.date("2021-06-10"))
            #expect(outcome == .unchanged(.yuan(900)))
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").count == 1)
            await #expect(throws: StoreError.self) {
                try await EnrollmentStore(handle.db).review(householdID: "nobody", programme: .dibao, on: Fixtures.date("2021-06-10"),
                                                            actor: "t", today: Fixtures.date("2021-06-10"))
            }
        }
    }

    /// The due list: a household decided in December 2020 with a member able to work is due by June 2021;
    /// one without, by December 2021; a member's death in March brings the review to June; a household
    /// reviewed in May is due again in November.
    @Test func reviewsDue() async throws {
        try await withTestDatabase { handle in
            let d = Fixtures.date
            var worker = Fixtures.member("110101198001010010", "赵工", .head, monthly: [(.wage, "100")])
            worker.workCapacity = .full
            var retired = Fixtures.member("110101194408169738", "钱老", .head)
            retired.workCapacity = .none
            var widow = Fixtures.member("110101197708029247", "孙某", .head)
            widow.workCapacity = .none
            var husband = Fixtures.member("110101197503149130", "孙夫", .spouse)
            husband.workCapacity = .none
            for h in [Fixtures.household("work", area: .rural, members: [worker]), Fixtures.household("old", area: .rural, members: [retired]),
                      Fixtures.household("death", area: .rural, members: [widow, husband])] {
                try await Fixtures.registerAndEnroll(h, from: "2021-01", on: handle.db)
            }
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101197503149130"), to: .deceased, since: d("2021-03-10"))
            let store = EnrollmentStore(handle.db)
            let due = try await store.reviewsDue(programme: .dibao, in: .county("510921"), asOf: d("2021-06-01"), withinDays: 30)
            #expect(due.map(\.householdID) == ["death", "work"])
            #expect(due.map(\.due.date) == [d("2021-06-09"), d("2021-06-19")])
            let later = try await store.reviewsDue(programme: .dibao, in: .county("510921"), asOf: d("2021-12-01"), withinDays: 30)
            #expect(later.map(\.householdID) == ["death", "work", "old"])
            _ = try await store.review(householdID: "work", programme: .dibao, on: d("2021-05-20"), actor: "t", today: d("2021-12-31"))
            let afterReview = try await store.reviewsDue(programme: .dibao, in: .county("510921"), asOf: d("2021-11-01"), withinDays: 30)
            #expect(afterReview.first { $0.householdID == "work" }?.due.date == d("2021-11-19"))
        }
    }
}
