import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// Pages offer each role only what it may do (the access layer refuses the rest anyway).
@Suite struct RolePagesTests {
    @Test func villageAssistantSeesTheFileButNoEditingForms() async throws {
        try await withTestApp { clerk async throws in
            try await RegistryStore(clerk.app.db).register([Fixtures.h01()])
            try await TestSession.addUser(clerk.app, "va", role: .villageAssistant, area: "510921112243")
            let va = try await TestSession.signIn(clerk.app, "va")
            let page = String(buffer: try await va.get(SiteURL.household("h01").path).body)
            #expect(page.contains("张某甲"))
            #expect(page.contains("受理申请"))
            for form in ["登记成员变动", "指定收款人", "上传材料", "复核：按当前成员和收入重新核定"] { #expect(!page.contains(form), "\(form)") }
            let full = String(buffer: try await clerk.get(SiteURL.household("h01").path).body)
            for form in ["登记成员变动", "指定收款人", "上传材料", "受理申请"] { #expect(full.contains(form), "\(form)") }
            // The menu lists only what the role may open.
            #expect(!page.contains(">资金发放<") && !page.contains(">政策标准<") && page.contains(">家庭档案<"))
            #expect(!String(buffer: try await va.get("/households").body).contains("登记新家庭"))
        }
    }

    @Test(arguments: [
        (StaffRole.countyLeader, ["审核通过"], ["作废草稿"]),
        (StaffRole.finance, [], ["审核通过", "作废草稿"]),
        (StaffRole.countyStaff, ["审核通过", "作废草稿"], []),
    ] as [(StaffRole, [String], [String])])
    func draftBatchButtons(role: StaffRole, shown: [String], hidden: [String]) {
        var m = PayrollBatchPage.Model.make(
            batch: PayrollBatch(id: "b1", countyCode: "510921", programme: .dibao, month: YearMonth(year: 2021, month: 7)!,
                                state: .draft, lineCount: 0, total: .zero, createdAt: Date(), approvedBy: nil, exportedAt: nil),
            holds: [], towns: [], lines: [], page: 1, perPage: 50, csrf: "t", placeName: { $0 })
        m.permissions = role.permissions
        let html = PayrollBatchPage.view(m).render()
        for s in shown { #expect(html.contains(s), "\(role) \(s)") }
        for s in hidden { #expect(!html.contains(s), "\(role) \(s)") }
    }

    /// ID and account numbers are masked on the page (and absent from its source); a recorded reveal
    /// shows them in full, once.
    @Test func identifiersAreMaskedUntilARecordedReveal() async throws {
        try await withTestApp { clerk async throws in
            try await RegistryStore(clerk.app.db).register([Fixtures.h01()])
            let page = String(buffer: try await clerk.get(SiteURL.household("h01").path).body)
            for full in ["110101197503149130", "110101197708029247", "6217000000000001"] { #expect(!page.contains(full), "\(full)") }
            #expect(page.contains("110101************") && page.contains("****0001"))
            #expect(page.contains("显示完整身份证号和账号（记入审计日志）"))
            let revealed = try await clerk.post(SiteURL.householdReveal("h01").path)
            #expect(revealed.status == .ok)
            let full = String(buffer: revealed.body)
            #expect(full.contains("110101197503149130") && full.contains("6217000000000001"))
            let (entries, _) = try await AuditStore(clerk.app.db).search(.init(householdIDs: ["h01"], actionPrefix: "reveal."), limit: 5, offset: 0)
            #expect(entries.map(\.draft.actor) == ["clerk"])
            // The forms name members by row id: recording a payee through them still works.
            let memberID = try await RegistryStore(clerk.app.db).memberID(of: try ResidentID("110101197708029247"))
            #expect(try await clerk.post(SiteURL.householdPayee("h01").path, form: ["residentID": memberID]).status == .seeOther)
            #expect(try await RegistryStore(clerk.app.db).household("h01")?.payee.name == "李某")
            let bad = try await clerk.post(SiteURL.householdPayee("h01").path, form: ["residentID": "no-such-member"])
            #expect(String(buffer: bad.body).contains("“收款人”填写有误（no-such-member）：请从列表选择本户成员"))
            // A role without the permission is not offered the reveal.
            try await TestSession.addUser(clerk.app, "lead", role: .countyLeader, area: "510921")
            let lead = try await TestSession.signIn(clerk.app, "lead")
            #expect(!String(buffer: try await lead.get(SiteURL.household("h01").path).body).contains("显示完整身份证号和账号"))
        }
    }
}
