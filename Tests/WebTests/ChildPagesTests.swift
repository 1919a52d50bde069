import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting

/// 孤儿 through the pages: the child's facts, an application with no 公示, approval, payroll and bank file;
/// ending it because a parent was found, straight to the county.
@Suite struct ChildPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func orphanThroughThePages() async throws {
        try await withTestApp(policies: [Fixtures.pengxiWithChildren]) { session async throws in
            let created = try await session.post("/households", form: [
                "village": "510921112243", "area": "rural", "address": "桂花村2组", "bankName": "四川农信",
                "bankAccount": "6217000000000021", "m0_name": "王奶奶", "m0_id": "110101194408169738", "m0_rel": "head",
                "m0_kind": "wage", "m0_income": "", "m1_name": "小明", "m1_id": "110101201005010039", "m1_rel": "grandchild",
                "m1_kind": "wage", "m1_income": "",
            ])
            let householdPath = try #require(created.headers.first(name: .location))
            let bad = try await session.post("\(householdPath)/child-facts", form: [
                "residentID": "110101201005010039", "placement": "orphanage", "father": "deceased", "mother": "deceased"])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("“养育方式”填写有误（orphanage）"))
            let facts = try await session.post("\(householdPath)/child-facts", form: [
                "residentID": "110101201005010039", "placement": "scattered", "father": "deceased", "mother": "unknown",
                "disabilityAllowance": ""])
            #expect(facts.status == .seeOther)
            #expect(body(try await session.get(householdPath)).contains("散居；父亲死亡，母亲查找不到"))
            let opened = try await session.post("\(householdPath)/applications", form: [
                "programme": "orphan", "acceptedOn": "2021-03-01", "subject": "110101201005010039"])
            let appPath = try #require(opened.headers.first(name: .location))
            let app = body(try await session.get(appPath))
            #expect(app.contains("乡镇 15 个工作日 + 县级 15 个工作日，不公示"))
            for (step, fields) in [
                ("recordInformationCheck", ["date": "2021-03-02", "text": "部门信息比对：父亲死亡，母亲查找不到"]),
                ("recordHomeVisit", ["date": "2021-03-03", "investigator1": "王", "investigator2": "李", "text": "随祖母生活"]),
                ("completeInvestigation", ["date": "2021-03-04"]),
            ] as [(String, [String: String])] {
                #expect(try await session.post("\(appPath)/\(step)", form: fields).status == .seeOther, "\(step)")
            }
            #expect(body(try await session.get(appPath)).contains("乡镇审核意见，报县级审核确认（不公示）"))
            #expect(try await session.post("\(appPath)/townshipReview", form: ["date": "2021-03-05", "recommend": "yes", "text": "拟认定孤儿"]).status == .seeOther)
            #expect(try await session.post("\(appPath)/approve", form: ["date": "2021-03-10"]).status == .seeOther)
            #expect(!body(try await session.get(appPath)).contains("打印公示"))
            let generated = try await session.post("/payroll/generate", form: ["programme": "orphan", "month": "2021-04"])
            let batchPath = try #require(generated.headers.first(name: .location))
            #expect(body(try await session.get(batchPath)).contains("900.00"))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            #expect(body(try await session.get("\(batchPath)/bank-file")).contains("孤儿基本生活费"))
            let page = body(try await session.get(householdPath))
            #expect(page.contains("父母查找到、生还或恢复抚养能力"))
            #expect(page.contains("提出终止（不公示，报县级审批）"))
            let memberID = try #require(page.range(of: #"name="member" value=""#).map { r in
                String(page[r.upperBound...].prefix { $0 != "\"" })
            })
            let proposed = try await session.post("\(householdPath)/terminations", form: [
                "member": memberID, "programme": "orphan", "ground": "parent-found", "date": "2021-05-20", "factOn": "2021-04-10",
                "text": "母亲被查找到"])
            let terminationPath = try #require(proposed.headers.first(name: .location))
            #expect(body(try await session.get(terminationPath)).contains("县级审批"))
            #expect(try await session.post("\(terminationPath)/decide", form: ["date": "2021-05-25"]).status == .seeOther)
            // Only April (the month the parent was found) was paid: nothing after it, so no overpayment.
            #expect(body(try await session.get(terminationPath)).contains("多发月份</dt><dd>无"))
        }
    }
}
