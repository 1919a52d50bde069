import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting

/// 特困 through the pages: register a person, record the placement and self-care assessment, take the
/// member's application through its steps, pay the member, and the 低保 case of C02 closing.
@Suite struct TekunPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    static let policy = Fixtures.pengxiWithCare

    @Test func wholeTekunCycleThroughThePages() async throws {
        try await withTestApp(policies: [Self.policy]) { session async throws in
            let created = try await session.post("/households", form: [
                "village": "510921112243", "area": "rural", "address": "桂花村5组", "bankName": "四川农信",
                "bankAccount": "6217000000000009", "m0_name": "孙某", "m0_id": "110101194408169738", "m0_rel": "head",
                "m0_kind": "wage", "m0_income": "",
            ])
            let householdPath = try #require(created.headers.first(name: .location))
            // Without the facts, approval will be refused by name; record them first.
            let facts = try await session.post("\(householdPath)/tekun-facts", form: [
                "residentID": "110101194408169738", "placement": "centralized", "selfCareFailed": "4", "assessedOn": "2021-03-10"])
            #expect(facts.status == .seeOther)
            let page = body(try await session.get(householdPath))
            #expect(page.contains("集中供养，全护理（4 项不能达到）"))
            let bad = try await session.post("\(householdPath)/tekun-facts", form: [
                "residentID": "110101194408169738", "placement": "centralized", "selfCareFailed": "9", "assessedOn": "2021-03-10"])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("自理能力评估"))
            // A 特困 application needs the member applying.
            let noSubject = try await session.post("\(householdPath)/applications", form: ["programme": "tekun", "acceptedOn": "2021-03-01"])
            #expect(noSubject.status == .conflict)
            #expect(body(noSubject).contains("特困按人认定：请选择申请的本户成员"))
            let opened = try await session.post("\(householdPath)/applications", form: [
                "programme": "tekun", "acceptedOn": "2021-03-01", "subject": "110101194408169738"])
            let appPath = try #require(opened.headers.first(name: .location))
            let app = body(try await session.get(appPath))
            #expect(app.contains("特困申请：孙某（孙某户）"))
            #expect(app.contains("乡镇 15 个工作日 + 公示 7 天 + 县级 15 个工作日"))
            #expect(app.contains("县级审核确认（抽查不低于 30%）：15 个工作日（民发〔2021〕43号 第16条）"))
            #expect(!app.contains("extendDeadline"))
            #expect(app.contains("信息核对（民发〔2021〕43号 第13条）"))
            #expect(!app.contains("57号"))
            for (step, fields) in [
                ("recordInformationCheck", ["date": "2021-03-02", "text": "无收入"]),
                ("recordHomeVisit", ["date": "2021-03-03", "investigator1": "王", "investigator2": "李", "text": "独居，无赡养人"]),
                ("completeInvestigation", ["date": "2021-03-04"]),
                ("townshipReview", ["date": "2021-03-05", "recommend": "yes", "text": "拟认定集中供养特困"]),
                ("closePublicNotice", ["date": "2021-03-12"]),
                ("approve", ["date": "2021-03-15"]),
            ] as [(String, [String: String])] {
                let r = try await session.post("\(appPath)/\(step)", form: fields)
                #expect(r.status == .seeOther, "\(step): \(body(r))")
            }
            #expect(body(try await session.get(appPath)).contains("1550.00"))
            #expect(body(try await session.get(householdPath)).contains("特困（农村）：孙某"))
            let generated = try await session.post("/payroll/generate", form: ["programme": "tekun", "month": "2021-04"])
            let batchPath = try #require(generated.headers.first(name: .location))
            let batch = body(try await session.get(batchPath))
            #expect(batch.contains("1,550.00"))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            let file = body(try await session.get("\(batchPath)/bank-file"))
            #expect(file.contains("特困人员供养金"))
            #expect(file.contains("1550.00"))
            let applications = body(try await session.get("/applications?all=1"))
            #expect(applications.contains("孙某（孙某户）"))
            // TK-2021 Art. 16: the county verifies at least 30 % itself; none was recorded here.
            #expect(applications.contains("2021 年县级确认 1 件，县级入户抽查 0 件（0.0%），应不低于 30%：抽查不足"))
            let dashboard = body(try await session.get("/"))
            #expect(dashboard.contains("分乡镇特困保障情况"))

            // Ending the support: proposal, 公示 printed, 7 days, the county's decision.
            let members = body(try await session.get(householdPath))
            let memberID = try #require(members.range(of: #"name="member" value=""#).map { r in
                String(members[r.upperBound...].prefix { $0 != "\"" })
            })
            let proposed = try await session.post("\(householdPath)/terminations", form: [
                "programme": "tekun", "member": memberID, "ground": "supporter-able", "date": "2021-06-01", "text": "其子返乡，具备赡养能力"])
            let terminationPath = try #require(proposed.headers.first(name: .location))
            #expect(body(try await session.get(terminationPath)).contains("2021-06-01 起 7 天，至 2021-06-07"))
            #expect(body(try await session.get("/applications")).contains("2021-06-01 特困 孙某"))
            #expect(!body(try await session.get(householdPath)).contains("提出终止（公示 7 天）"))   // one open at a time
            let notice = body(try await session.get("\(terminationPath)/notice"))
            #expect(notice.contains("孙某"))
            #expect(notice.contains("法定义务人具备了履行义务能力"))
            #expect(!notice.contains("110101194408169738"))
            let early = try await session.post("\(terminationPath)/closePublicNotice", form: ["date": "2021-06-07"])
            #expect(early.status == .conflict)
            #expect(body(early).contains("公示期至 2021-06-07 结束"))
            #expect(try await session.post("\(terminationPath)/closePublicNotice", form: ["date": "2021-06-08"]).status == .seeOther)
            #expect(try await session.post("\(terminationPath)/decide", form: ["date": "2021-06-10"]).status == .seeOther)
            #expect(body(try await session.get(terminationPath)).contains("2021-06-10 决定终止，自 2021-07 起停止供养"))
            let letter = body(try await session.get("\(terminationPath)/letter"))
            #expect(letter.contains("自 2021-07 起终止对您的特困救助供养"))
            #expect(letter.contains("110101************"))
            #expect(letter.contains("行政复议"))
            #expect(body(try await session.get("/applications")).contains("没有办理中的终止程序"))
            let after = body(try await session.get(householdPath))
            #expect(after.contains("终止供养"))
            // May and June were never generated: named first, then confirmed.
            #expect(body(try await session.post("/payroll/generate", form: ["programme": "tekun", "month": "2021-07"]))
                .contains("特困2021-05、2021-06尚未生成发放批次"))
            let july = try await session.post("/payroll/generate", form: ["programme": "tekun", "month": "2021-07", "confirmSkipped": "1"])
            #expect(body(try await session.get(try #require(july.headers.first(name: .location)))).contains("2021-07 特困发放批次：0 笔，0.00 元"))
        }
    }
}
