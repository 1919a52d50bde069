import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// The household page (一户一档): members, assets, enrollments, applications, decisions with traces,
/// payments and documents.
extension HouseholdsController {
    /// 显示完整号码: the page with full ID and account numbers, once, recorded in the audit trail.
    func reveal(req: Request) async throws -> HTMLPage {
        let id = try req.parameters.require("id")
        try await AuditLog.record(req, action: "reveal.household", subject: id, detail: "显示完整身份证号和收款账号", householdID: id)
        return try await show(req: req, reveal: true)
    }

    /// The page; ID and account numbers masked unless `reveal` (a recorded POST).
    func show(req: Request, reveal: Bool) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        guard let h = try await RegistryStore(req.db, divisions: s.divisions).household(id) else {
            throw StoreError.notFound(what: "家庭", id: id)
        }
        // Forms name members by their row id, so the page source carries no full ID number.
        let rowIDs = try await RegistryStore.memberIDs(of: h.composition.members.map(\.residentID), on: req.db)
        func key(_ m: Member) -> String { rowIDs[m.residentID] ?? "" }
        func shownID(_ r: ResidentID) -> String { reveal ? r.value : r.masked }
        let account = h.bankAccount.map { reveal ? $0 : "****" + String($0.suffix(4)) }
        let enrollment = EnrollmentStore(req.db)
        let decisions = try await enrollment.decisions(ofHousehold: id)
        let enrollments = try await enrollment.enrollments(ofHousehold: id)
        // Names of the members enrolled as persons (特困), by member row id.
        var memberNames: [String: String] = [:]
        for mid in Set(enrollments.compactMap(\.memberID)) {
            let rid = try await RegistryStore(req.db).residentID(ofMember: mid)
            memberNames[mid] = h.composition.members.first { $0.residentID == rid }?.name
        }
        let documents = try await DocumentStore(req.db, directory: documentsDirectory(s)).documents(ofHousehold: id)
        let payments = try await req.payroll.payments(ofHousehold: id)
        let terminations = try await TerminationStore(req.db).terminations(ofHousehold: id)
        let applications = try await req.applications.list(in: req.scope, openOnly: false, householdID: id)
        let temporaryRows = s.programmes.contains(.temporary)
            ? try await TemporaryCaseStore(req.db).list(in: req.scope, openOnly: false, householdID: id)
                .map { TemporaryIndex.row($0, townshipName: s.townshipName($0.townshipCode), today: s.today()) }
            : []
        let today = s.today()
        let assessMonth = today.yearMonth
        // What each household programme would pay now; a month without a policy shows no preview (a
        // stored policy that does not parse is an error, not a missing preview).
        var policy: Policy?
        do { policy = try await PolicyStore(req.db).policy(region: s.countyCode, month: assessMonth) }
        catch is PolicyError { policy = nil }
        let householdProgrammes = s.programmes.filter { (try? $0.rules())?.recipient == .household }
        var previews: [(rules: any ProgrammeRules, decision: BenefitDecision)] = []
        if let policy {
            for p in householdProgrammes {
                // Members supported as persons (特困) this month do not count in the household.
                let elsewhere = try await enrollment.supportedElsewhere(householdID: id, besides: p, month: assessMonth)
                guard let rules = try? p.rules(),
                      let d = try? rules.assess(AssessmentInput(household: h.composition, month: assessMonth,
                                                                supportedElsewhere: elsewhere), policy: policy)
                else { continue }
                previews.append((rules, d))
            }
        }
        let releases = try await PayeeCheckStore(req.db).releases(householdID: id)
        // 信息比对: what other departments' data says of the members, open first (decided on the matching page).
        let hits = try await MatchStore(req.db).hits(household: id)
        let activeEnrollments = enrollments.filter { $0.endMonth == nil || $0.endMonth! >= today.yearMonth }
        let body: Node<HTML.BodyContext> = .div(
            .h1("家庭档案：\(h.head.name)户"),
            .if(h.isDemo, .p(Layout.badge("演示数据", "warn"))),
            .dl(.class("facts"),
                .dt("乡镇 / 村（社区）"), .dd(.text("\(s.townshipName(h.townshipCode.value)) \(s.townshipName(h.villageCode.value))")),
                .dt("城乡属性"), .dd(.text(h.area.chinese)),
                .dt("住址"), .dd(.text(h.address)),
                .dt("联系电话"), .dd(.text(h.phone ?? "—")),
                .dt("收款人"), .dd(.text("\(h.payee.name)（\(h.payee.residentID.masked)）"),
                                  .if(!h.payee.status.counts, Layout.badge("收款人已\(h.payee.status.chinese)，发放暂停：请指定新的收款人", "bad"))),
                .dt("收款账号"), .dd(.text([h.bankName, account].compactMap { $0 }.joined(separator: " ").nonEmpty ?? "未登记")),
                .dt("账户户名"), .dd(.text(h.accountHolder ?? "\(h.payee.name)（与收款人相同）")),
                .dt("账户变更"), .dd(.text(h.accountChangedOn.map { "\($0) 变更" } ?? "登记时的账户"))),
            .if(!releases.isEmpty, .group(
                .h2("收款核查放行记录"),
                .table(.tr(.th("核查项"), .th("依据"), .th("说明"), .th("决定人"), .th("时间")),
                       .forEach(releases) { r in
                           .tr(.td(.text(r.check.chinese)), .td(.text(r.reference)), .td(.text(r.note)), .td(.text(r.decidedBy)),
                               .td(.text(ChinaClock.beijingTime(r.decidedAt))))
                       }))),
            .if(!hits.isEmpty, .group(
                .h2("信息比对"),
                .table(.tr(.th("成员"), .th("数据"), .th("规则"), .th("情况"), .th("状态")),
                       .forEach(hits) { h in
                           .tr(.td(.text(h.subjectName + (h.matchType == .near ? "（疑似同一人）" : ""))), .td(.text(h.kind.chinese)),
                               .td(.code(.text(h.finding.code))), .td(.text(h.finding.summary)),
                               .td(h.status == .open
                                   ? .group(Layout.badge(h.finding.holdsPayment && h.matchType == .exact ? "待处理，发放暂停" : "待处理", "bad"),
                                            .if(req.staff?.may(.matchData) == true, .a(.attr("href", SiteURL.matching.path), .text(" 去处理"))))
                                   : .text("\(h.decision?.chinese ?? "")：\(h.decisionNote ?? "")（\(h.decidedBy ?? "")）")))
                       }))),
            .if(!reveal, Layout.postForm(req, .householdReveal(id), .button(.class("secondary"), .type(.submit), .text("显示完整身份证号和账号（记入审计日志）")))),
            .if(reveal, .p(.class("flash info"), .text("已显示完整号码，本次查看已记入审计日志。"))),
            .h2("家庭成员"),
            .table(
                .tr(.th("姓名"), .th("身份证号码"), .th("性别"), .th("出生日期"), .th("与户主关系"), .th("状态"), .th("残疾/大病/在学"), .th("收入"),
                    .th("特困 / 儿童认定")),
                .forEach(h.composition.members) { m in
                    .tr(.td(.text(m.name)), .td(.text(shownID(m.residentID))), .td(.text(m.residentID.sex.chinese)),
                        .td(.text(m.residentID.birthDate.description)), .td(.text(m.relationship.chinese)),
                        .td(m.status.counts ? Layout.badge(m.status.chinese, "ok")
                                            : Layout.badge(m.status.chinese + (m.statusSince.map { " \($0)" } ?? ""), "bad")),
                        .td(.text([m.disability.map { "\($0.type.chinese)\($0.grade)级残疾" },
                                   m.seriousIllness ? "重病" : nil, m.schooling?.chinese].compactMap { $0 }.joined(separator: "、"))),
                        .td(.text(m.income.map { "\($0.kind.chinese) \($0.amount.groupedYuanString)元/\($0.period == .monthly ? "月" : "年")" }
                            .joined(separator: "；"))),
                        .td(.text([m.tekunPlacement?.chinese,
                                   m.selfCareFailed.map { "\(CareTier(selfCareFailed: $0).chinese)（\($0) 项不能达到）" },
                                   m.childFacts?.summary]
                            .compactMap { $0 }.joined(separator: "，"))))
                }
            ),
            Layout.postForm(req, .householdMemberStatus(id),
                  .label(.text("成员 "), Controls.select("residentID", h.composition.members.map { Controls.option(key($0), $0.name) })),
                  .label(.text("变更为 "), Controls.select("status", MemberStatus.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                  .label(.text("自 "), .input(.type(.date), .name("since"))),
                  .button(.class("secondary"), .type(.submit), .text("登记成员变动"))),
            Layout.postForm(req, .householdPayee(id),
                  .label(.text("收款人 "), Controls.select("residentID", h.composition.members.filter(\.status.counts).map {
                      Controls.option(key($0), $0.name, selected: $0.residentID == h.payee.residentID)
                  })),
                  .button(.class("secondary"), .type(.submit), .text("指定收款人"))),
            Layout.postForm(req, .householdBankAccount(id),
                  .label(.text("更换收款账户：开户行 "), .input(.type(.text), .name("bankName"), .attr("value", h.bankName ?? ""))),
                  .label(.text(" 账号 "), .input(.type(.text), .name("account"), .required(true), .attr("autocomplete", "off"))),
                  .label(.text(" 户名（与收款人不同时填写） "), .input(.type(.text), .name("holder"))),
                  .button(.class("secondary"), .type(.submit), .text("更换收款账户（按今天登记）"))),
            .if(req.staff?.role.may(.approvePayroll) ?? false,
                Layout.postForm(req, .householdPayeeRelease(id),
                      .label(.text("收款核查放行：核查项 "), Controls.select("check", PayeeCheck.allCases.filter(\.holds).map {
                          Controls.option($0.rawValue, "\($0.rawValue) \($0.chinese)")
                      })),
                      .label(.text(" 依据（审批文号或会议记录号） "), .input(.type(.text), .name("reference"), .required(true))),
                      .label(.text(" 说明 "), .input(.type(.text), .name("note"))),
                      .button(.class("secondary"), .type(.submit), .text("记录放行决定")))),
            .if(s.programmes.contains { (try? $0.rules())?.recipient == .member },
                Layout.postForm(req, .householdTekunFacts(id),
                      .label(.text("特困认定：成员 "), Controls.select("residentID", h.composition.members.filter(\.status.counts).map {
                          Controls.option(key($0), $0.name)
                      })),
                      .label(.text("供养方式 "), Controls.select("placement", TekunPlacement.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.text("六项日常生活指标中不能达到 "), Controls.select("selfCareFailed", (0...6).map {
                          Controls.option(String($0), "\($0) 项（\(CareTier(selfCareFailed: $0).chinese)）")
                      })),
                      .label(.text("评估日期 "), .input(.type(.date), .name("assessedOn"), .attr("value", today.description), .required(true))),
                      .button(.class("secondary"), .type(.submit), .text("登记供养方式和自理能力评估")))),
            .unwrap(policy?.dibao.flatMap { $0.method == .tiered ? $0 : nil }) { dibao in
                Layout.postForm(req, .householdDibaoTier(id),
                      .label(.text("低保分档：成员 "), Controls.select("residentID", h.composition.members.filter(\.status.counts).map {
                          Controls.option(key($0), $0.name + ($0.dibaoTier.map { "（现 \($0) 档）" } ?? ""))
                      })),
                      .label(.text("档次 "), Controls.select("tier", [Controls.option("", "（清除）")]
                          + dibao.tiers.map { Controls.option($0.code, "\($0.code) \($0.name) \($0.amount.yuanString) 元") })),
                      .button(.class("secondary"), .type(.submit), .text("登记分档")))
            },
            .if(s.programmes.contains(.orphan) || s.programmes.contains(.unsupportedChild),
                Layout.postForm(req, .householdChildFacts(id),
                      .label(.text("孤儿、事实无人抚养儿童认定：儿童 "), Controls.select("residentID", h.composition.members
                          .filter { $0.status.counts && $0.residentID.age(on: today) < 18 }.map { Controls.option(key($0), $0.name) })),
                      .label(.text("养育方式 "), Controls.select("placement", ChildPlacement.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.text("父亲 "), Controls.select("father", ParentSituation.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.text("母亲 "), Controls.select("mother", ParentSituation.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.input(.type(.checkbox), .name("hiv"), .attr("value", "on")), .text(" 艾滋病病毒感染")),
                      .label(.text("困难残疾人生活补贴（元/月） "), .input(.type(.text), .name("disabilityAllowance"), .attr("inputmode", "decimal"))),
                      .button(.class("secondary"), .type(.submit), .text("登记儿童情况")))),
            .forEach(previews) { rules, d in
                .p(.class("muted"), .text("按 \(assessMonth) 的政策和当前登记信息测算：计入 \(d.householdSize) 人，"
                    + (d.perCapitaIncome.map { "月人均收入 \($0.roundedHalfUp().groupedYuanString) 元，" } ?? "")
                    + (d.eligible ? "\(rules.paymentLabel(area: nil)) \(d.monthlyBenefit.groupedYuanString) 元/月。"
                                  : "不符合\(rules.programme.shortChinese)条件。")))
            },
            .h2("家庭财产（申报）"),
            .if(h.assets.isEmpty, .p(.class("muted"), .text("未申报财产。")),
                else: .table(.tr(.th("类别"), .th("说明"), .th(.class("num"), .text("估值（元）"))),
                             .forEach(h.assets) { a in
                                 .tr(.td(.text(a.kind.chinese)), .td(.text(a.description)),
                                     .td(.class("num"), .text(a.value.groupedYuanString)))
                             })),
            .h2("在保情况"),
            .table(.tr(.th("项目"), .th("起始月"), .th("终止月"), .th(.class("num"), .text("保障人数")), .th(.class("num"), .text("月保障金（元）"))),
                   .forEach(enrollments) { e in
                       .tr(.td(.text(e.programme.shortChinese + "（\(e.area.chinese)）"
                                     + (e.memberID.flatMap { mid in memberNames[mid] }.map { "：\($0)" } ?? ""))), .td(.text(e.startMonth.description)),
                           .td(.text(e.endMonth?.description ?? "—")), .td(.class("num"), .text("\(e.householdSize)")),
                           .td(.class("num"), .text(e.monthlyBenefit.groupedYuanString)))
                   }),
            // One review form per case: an enrollment adjusted from next month and the one ending this month are one case.
            .forEach(activeEnrollments.filter { s.programmes.contains($0.programme) }.reduce(into: [Enrollment]()) { kept, e in
                if !kept.contains(where: { $0.programme == e.programme && $0.memberID == e.memberID }) { kept.append(e) }
            }) { e in
                Layout.postForm(req, .householdReview(id),
                      .input(.type(.hidden), .name("programme"), .attr("value", e.programme.rawValue)),
                      .input(.type(.hidden), .name("member"), .attr("value", e.memberID ?? "")),
                      .label(.text("\(e.programme.shortChinese)\(e.memberID.flatMap { memberNames[$0] }.map { "（\($0)）" } ?? "")复核日期 "),
                             .input(.type(.date), .name("date"), .attr("value", today.description), .required(true))),
                      .button(.type(.submit), .text("复核：按当前成员和收入重新核定")),
                      .span(.class("muted"), .text("成员死亡、迁出后发放会暂停，复核自事件次月起调整；收入变化自复核次月起调整。暂停的月份复核后在“资金发放”生成补发批次，已多发的月份记入多发台账")))
            },
            // Only running support can be ended, and only once: not after a decision, not while one is open.
            .forEach(activeEnrollments.filter { e in e.memberID != nil && e.endMonth == nil && s.programmes.contains(e.programme)
                && !terminations.contains { $0.enrollmentID == e.id && $0.termination.state.isOpen } }) { e in
                Layout.postForm(req, .householdTerminations(id),
                      .input(.type(.hidden), .name("programme"), .attr("value", e.programme.rawValue)),
                      .input(.type(.hidden), .name("member"), .attr("value", e.memberID ?? "")),
                      .label(.text("终止\(e.programme.shortChinese)（\(e.memberID.flatMap { memberNames[$0] } ?? "")）：理由 "),
                             Controls.select("ground", TerminationGround.grounds(for: e.programme).map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.text("日期 "), .input(.type(.date), .name("date"), .attr("value", today.description), .required(true))),
                      .if(TerminationGround.grounds(for: e.programme).contains(where: \.datesAFact),
                          .label(.text("事实发生日期（死亡日期、查找到父母的日期） "), .input(.type(.date), .name("factOn")))),
                      .label(.text("乡镇核实意见 "), .input(.type(.text), .name("text"), .required(true))),
                      .button(.class("secondary"), .type(.submit),
                              .text((try? e.programme.rules())?.hasPublicNotice == false ? "提出终止（不公示，报县级审批）" : "提出终止（公示 7 天）")))
            },
            .if(!terminations.isEmpty, .h2("终止供养")),
            .forEach(terminations) { t in
                .p(.a(.attr("href", SiteURL.termination(t.id).path),
                      .text("\(t.termination.proposedOn) \(t.programme.shortChinese) \(t.termination.ground.chinese)：\(t.termination.state.chinese)")))
            },
            .h2("申请"),
            .if(applications.isEmpty, .p(.class("muted"), .text("没有申请记录。")),
                else: ApplicationRow.table(applications.map { ApplicationRow.make($0, settings: s, today: today) })),
            Layout.postForm(req, .householdApplications(id),
                  .label(.text("受理日期 "), .input(.type(.date), .name("acceptedOn"), .attr("value", today.description), .required(true))),
                  .label(.input(.type(.checkbox), .name("closeRelative"), .attr("value", "on")),
                         .text(" 成员为经办人员或村干部的近亲属（单独登记备案）")),
                  .label(.text("救助项目 "), Controls.select("programme", s.programmes.filter { (try? $0.rules())?.cadence == .monthly }.map {
                      Controls.option($0.rawValue, $0.shortChinese)
                  })),
                  .label(.text("申请人（按人认定的项目，如特困；低保选定成员即单人保） "), Controls.select("subject", [Controls.option("", "本户（按户申请）")]
                      + h.composition.members.filter(\.status.counts).map { Controls.option(key($0), $0.name) })),
                  .button(.type(.submit), .text("受理申请"))),
            .if(s.programmes.contains(.temporary), .group(
                .h2("临时救助"),
                .if(temporaryRows.isEmpty, .p(.class("muted"), .text("没有临时救助记录。")), else: TemporaryIndex.table(temporaryRows)),
                Layout.postForm(req, .householdTemporaryCases(id),
                      TemporaryIndex.form(today: today), .button(.type(.submit), .text("受理临时救助"))))),
            .h2("审核确认决定及计算过程"),
            .if(decisions.isEmpty, .p(.class("muted"), .text("没有决定。"))),
            .forEach(decisions) { d in
                .div(.p(.strong(.text("\(d.decidedOn) \(d.programme.shortChinese) \(Self.outcomeLabel(d.outcome))")),
                        .text(["approved", "adjusted", "reviewed"].contains(d.outcome) ? "：自 \(d.firstMonth?.description ?? "") 起每月 \(d.monthlyBenefit.groupedYuanString) 元，保障 \(d.householdSize) 人；政策版本 \(d.policyVersion)" : "")),
                     .details(.summary("计算过程（\(d.trace.count) 步）"),
                              .ol(.class("trace"), .forEach(d.trace) { t in .li(.text(t.description)) })))
            },
            .h2("发放记录"),
            .table(.tr(.th("月份"), .th("项目"), .th("批次状态"), .th(.class("num"), .text("金额（元）"))),
                   .forEach(payments.prefix(24)) { p in
                       .tr(.td(.text(p.month.description)), .td(.text(p.programme.shortChinese + (p.kind == .backPay ? "（补发）" : ""))), .td(.text(p.state.chinese)),
                           .td(.class("num"), .text(p.amount.groupedYuanString)))
                   }),
            .h2("档案材料"),
            .table(.tr(.th("类别"), .th("文件名"), .th(.class("num"), .text("大小")), .th("SHA-256"), .th("上传人")),
                   .forEach(documents) { d in
                       .tr(.td(.text(d.kind.chinese)),
                           .td(.a(.attr("href", SiteURL.householdDocument(id, document: d.id).path), .text(d.originalName))),
                           .td(.class("num"), .text("\(max(1, d.sizeBytes / 1024)) KB")),
                           .td(.class("muted"), .text(String(d.sha256.prefix(16)) + "…")), .td(.text(d.uploadedBy)))
                   }),
            Layout.postForm(req, .householdDocuments(id), multipart: true,
                  .label(.text("类别 "), Controls.select("kind", DocumentKind.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                  .input(.type(.file), .name("file"), .required(true)),
                  .button(.type(.submit), .text("上传材料")),
                  .span(.class("muted"), .text("单个文件不超过 \(s.maxUploadBytes / 1024 / 1024) MB")))
        )
        return HTMLPage(html: Layout.page(title: "\(h.head.name)户", request: req, active: .households, body: body))
    }

    static func outcomeLabel(_ outcome: String) -> String {
        switch outcome {
        case "approved": return "确认纳入"
        case "refused": return "不予纳入"
        case "adjusted": return "复核调整"
        case "reviewed": return "复核维持"
        case "stopped": return "复核停发"
        case "gradual-exit": return "渐退期后停发"
        case "standard-adjusted": return "调标"
        case "transferred": return "转入其他项目，停发"
        case "terminated": return "终止供养"
        default: return outcome
        }
    }
}
