import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// Actions on a household: documents, member status, review, opening an application.
extension HouseholdsController {
    func documentsDirectory(_ s: WebSettings) -> URL { s.dataDirectory.appendingPathComponent("documents") }

    struct UploadForm: Content {
        var kind: String
        var file: File
    }

    func upload(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let form = try req.content.decode(UploadForm.self)
        guard let kind = DocumentKind(rawValue: form.kind) else {
            throw FormError(field: "材料类别", value: form.kind, reason: "请从列表选择")
        }
        let store = DocumentStore(req.db, directory: documentsDirectory(s), maxBytes: s.maxUploadBytes)
        let info = try await store.add(householdID: id, kind: kind, originalName: form.file.filename,
                                       contentType: form.file.contentType?.description ?? "application/octet-stream",
                                       bytes: Data(buffer: form.file.data), actor: req.actor)
        try await AuditLog.record(req, action: "document.upload", subject: info.id)
        req.flash("已上传 \(kind.chinese)：\(info.originalName)", kind: "success")
        return req.seeOther(.household(id))
    }

    func download(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id"), doc = try req.parameters.require("doc")
        let (info, data) = try await DocumentStore(req.db, directory: documentsDirectory(s)).content(of: doc, householdID: id)
        let r = Response(status: .ok, body: .init(data: data))
        r.headers.replaceOrAdd(name: .contentType, value: info.contentType)
        r.headers.replaceOrAdd(name: .contentDisposition,
                               value: "attachment; filename*=UTF-8''\(info.originalName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file")")
        return r
    }

    struct StatusForm: Content {
        var residentID: String
        var status: String
        var since: String?
    }

    func memberStatus(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(StatusForm.self)
        guard let status = MemberStatus(rawValue: form.status) else {
            throw FormError(field: "成员状态", value: form.status, reason: "请从列表选择")
        }
        var since: CivilDate?
        if let t = form.since, !t.isEmpty {
            since = try CivilDate(parsing: t)
            guard since! <= req.settings.today() else { throw FormError(field: "变动日期", value: t, reason: "不能晚于今天") }
        }
        if status == .deceased || status == .movedOut, since == nil {
            throw FormError(field: "变动日期", value: "", reason: "死亡或迁出须填写日期")
        }
        let residentID = try await member(req, field: "成员", form.residentID)
        guard let h = try await RegistryStore(req.db).household(id),
              h.composition.members.contains(where: { $0.residentID == residentID })
        else { throw StoreError.notFound(what: "本户成员", id: residentID.masked) }
        if let since, since < residentID.birthDate {
            throw FormError(field: "变动日期", value: since.description, reason: "早于该成员的出生日期 \(residentID.birthDate)")
        }
        try await RegistryStore(req.db).setStatus(of: residentID, to: status, since: since,
                                                  recording: req.auditDraft("member.status", subject: id))
        req.flash("已登记成员变动：\(status.chinese)。在保家庭的金额须经复核调整。", kind: "success")
        return req.seeOther(.household(id))
    }

    struct PayeeForm: Content { var residentID: String }

    func payee(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let residentID = try await member(req, field: "收款人", try req.content.decode(PayeeForm.self).residentID)
        try await RegistryStore(req.db).setPayee(householdID: id, residentID: residentID,
                                                 recording: req.auditDraft("household.payee", subject: id))
        req.flash("已指定收款人，下次生成的发放批次生效", kind: "success")
        return req.seeOther(.household(id))
    }

    struct BankAccountForm: Content {
        var bankName: String?
        var account: String
        var holder: String?
    }

    /// 更换收款账户: dated, so a change shortly before a payment is held until released (field case C20).
    func bankAccount(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let f = try req.content.decode(BankAccountForm.self)
        let account = f.account.trimmingCharacters(in: .whitespaces)
        guard !account.isEmpty, account.count <= 40,
              account.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == " ") }),
              PayeeChecks.accountKey(account).count >= 8 else {
            throw FormError(field: "银行账号", value: f.account, reason: "应为 8 位以上数字，可含空格或连字符")
        }
        // Dated the day it is recorded (a typed, earlier date would let a change dodge the hold, field case C20).
        let date = s.today()
        let holder = f.holder?.trimmingCharacters(in: .whitespaces).nonEmpty
        let bank = f.bankName?.trimmingCharacters(in: .whitespaces).nonEmpty
        try await RegistryStore(req.db).setBankAccount(householdID: id, bankName: bank, account: account, holder: holder, on: date,
                                                       recording: req.auditDraft("household.bank-account", subject: id))
        req.flash("已更换收款账户（\(date)）。临近发放日变更的账户，首次发放前须经核实放行。", kind: "success")
        return req.seeOther(.household(id))
    }

    struct ReleaseForm: Content {
        var check: String
        var reference: String
        var note: String?
    }

    /// 放行: the approver records why a payee check's finding is explained; the next batch generated pays it.
    func payeeRelease(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let f = try req.content.decode(ReleaseForm.self)
        guard let check = PayeeCheck(rawValue: f.check) else { throw FormError(field: "核查项", value: f.check, reason: "请从列表选择") }
        let reference = f.reference.trimmingCharacters(in: .whitespaces)
        guard !reference.isEmpty, reference.count <= 100 else {
            throw FormError(field: "放行依据", value: f.reference, reason: "必填（审批文号或会议记录号），不超过 100 字")
        }
        try await PayeeCheckStore(req.db).release(householdID: id, check: check, reference: reference, note: f.note ?? "",
                                                  actor: req.actor)
        req.flash("已放行“\(check.chinese)”：草稿批次须作废重新生成，已审核的批次不变，下月起按放行发放", kind: "success")
        return req.seeOther(.household(id))
    }

    struct ReviewForm: Content {
        var date: String
        var programme: String?
        var member: String?
    }

    func review(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let form = try req.content.decode(ReviewForm.self)
        let date = try CivilDate(parsing: form.date)
        let programme = try s.programme(field: "救助项目", form.programme)
        let outcome = try await EnrollmentStore(req.db).review(householdID: id, memberID: form.member?.nonEmpty,
                                                               programme: programme, on: date, actor: req.actor,
                                                               today: s.today())
        // Months from the change on that a batch already lists at the old amount: said, never hidden.
        let firstChanged: YearMonth?
        switch outcome {
        case .unchanged: firstChanged = nil
        case .adjusted(let from, _, _): firstChanged = from
        case .stopped(let last), .gradualExit(let last, _): firstChanged = last.next
        }
        var listed: [PayrollStore.Payment] = []
        if let first = firstChanged {
            listed = try await req.payroll.payments(ofHousehold: id)
                .filter { $0.programme == programme && $0.month >= first && $0.memberID == form.member?.nonEmpty }
        }
        let note = listed.isEmpty ? "" : "。注意：" + listed.reversed().map { "\($0.month)（\($0.state.chinese)）" }.joined(separator: "、")
            + "的发放批次已按原金额列入本户：草稿请作废后重新生成；已审核或已导出的月份，差额须另行补发或追回"
        switch outcome {
        case .unchanged(let m): req.flash("复核完成：无实质变化，保障金维持 \(m.groupedYuanString) 元/月", kind: "success")
        case let .adjusted(from, old, new):
            req.flash("复核完成：自 \(from) 起保障金由 \(old.groupedYuanString) 元调整为 \(new.groupedYuanString) 元/月\(note)",
                      kind: note.isEmpty ? "success" : "error")
        case .stopped(let last):
            req.flash("复核完成：已不符合条件，发放至 \(last) 止\(note)", kind: note.isEmpty ? "success" : "error")
        case let .gradualExit(last, months):
            req.flash("复核完成：家庭成员就业后收入超过标准，给予渐退期 \(months) 个月，按原金额发放至 \(last) 止\(note)",
                      kind: note.isEmpty ? "success" : "error")
        }
        return req.seeOther(.household(id))
    }

    struct OpenForm: Content {
        var acceptedOn: String
        var programme: String?
        var closeRelative: String?
        /// The member applying, for programmes that assess a person (特困); empty for the household.
        var subject: String?
    }

    func openApplication(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(OpenForm.self)
        let date = try CivilDate(parsing: form.acceptedOn)
        let programme = try req.settings.programme(field: "救助项目", form.programme)
        var subject: ResidentID?
        if let text = form.subject?.nonEmpty {
            subject = try await member(req, field: "申请人", text)
        }
        let appID = try await req.applications.open(householdID: id, programme: programme, subject: subject, acceptedOn: date,
                                                    closeRelative: form.closeRelative == "on", actor: req.actor)
        req.flash("已受理\(programme.shortChinese)申请", kind: "success")
        return req.seeOther(.application(appID))
    }

    struct TekunFactsForm: Content {
        var residentID: String
        var placement: String
        var selfCareFailed: String
        var assessedOn: String
    }

    /// Records a member's 特困 placement and the county's self-care assessment (TK-2021 Arts. 20–22).
    func tekunFacts(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let form = try req.content.decode(TekunFactsForm.self)
        let residentID = try await member(req, field: "成员", form.residentID)
        guard let placement = TekunPlacement(rawValue: form.placement) else {
            throw FormError(field: "供养方式", value: form.placement, reason: "请从列表选择")
        }
        guard let failed = Int(form.selfCareFailed), (0...6).contains(failed) else {
            throw FormError(field: "自理能力评估", value: form.selfCareFailed, reason: "应为 0–6：六项指标中不能达到的项数")
        }
        let assessedOn = try FormField.date("评估日期", form.assessedOn)
        try await RegistryStore(req.db).setTekunFacts(householdID: id, residentID: residentID, placement: placement,
                                                      selfCareFailed: failed, assessedOn: assessedOn, today: s.today(),
                                                      recording: req.auditDraft("member.tekun-facts", subject: id))
        let tier = CareTier(selfCareFailed: failed)
        req.flash("已登记特困认定信息：\(placement.chinese)，\(tier.chinese)（\(failed) 项不能达到）。在保对象的金额须经复核调整。", kind: "success")
        return req.seeOther(.household(id))
    }

    struct ChildFactsForm: Content {
        var residentID: String
        var placement: String
        var father: String
        var mother: String
        var hiv: String?
        var disabilityAllowance: String?
    }

    func childFacts(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let form = try req.content.decode(ChildFactsForm.self)
        let residentID = try await member(req, field: "儿童", form.residentID)
        guard let placement = ChildPlacement(rawValue: form.placement) else {
            throw FormError(field: "养育方式", value: form.placement, reason: "请从列表选择")
        }
        guard let father = ParentSituation(rawValue: form.father) else { throw FormError(field: "父亲情况", value: form.father, reason: "请从列表选择") }
        guard let mother = ParentSituation(rawValue: form.mother) else { throw FormError(field: "母亲情况", value: form.mother, reason: "请从列表选择") }
        let allowanceText = (form.disabilityAllowance ?? "").trimmingCharacters(in: .whitespaces)
        let allowance: Money
        if allowanceText.isEmpty { allowance = .zero } else {
            guard let a = try? Money(yuan: allowanceText), a >= .zero else {
                throw FormError(field: "困难残疾人生活补贴", value: allowanceText, reason: "应为金额（元/月，最多两位小数），没有请留空")
            }
            allowance = a
        }
        let facts = ChildFacts(placement: placement, father: father, mother: mother, hivAffected: form.hiv == "on",
                               disabilityAllowance: allowance)
        try await RegistryStore(req.db).setChildFacts(householdID: id, residentID: residentID, placement: placement, father: father,
                                                      mother: mother, hivAffected: facts.hivAffected, disabilityAllowance: allowance,
                                                      today: s.today(), recording: req.auditDraft("member.child-facts", subject: id))
        let ground = facts.isOrphan == true || facts.hivAffected ? "符合孤儿（含艾滋病病毒感染儿童）条件"
            : facts.isUnsupported == true ? "符合事实无人抚养儿童条件" : "不符合孤儿或事实无人抚养儿童条件"
        req.flash("已登记儿童情况：\(placement.chinese)，父亲\(father.chinese)，母亲\(mother.chinese)（\(ground)）。在保儿童的金额须经复核调整。", kind: "success")
        return req.seeOther(.household(id))
    }

    struct DibaoTierForm: Content {
        var residentID: String
        /// A tier code, or empty to clear.
        var tier: String?
    }

    /// 分档 (ADR 0015): the tier the township assigned a member, checked against the version in force.
    func dibaoTier(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let form = try req.content.decode(DibaoTierForm.self)
        let residentID = try await member(req, field: "成员", form.residentID)
        let tier = form.tier?.trimmingCharacters(in: .whitespaces).nonEmpty
        do {
            try await RegistryStore(req.db).setDibaoTier(householdID: id, residentID: residentID, tier: tier, today: s.today(),
                                                         recording: req.auditDraft("member.dibao-tier", subject: id))
        } catch let error as StoreError {
            guard case .outOfRange(let reason) = error else { throw error }
            throw FormError(field: "档次", value: tier ?? "", reason: reason)
        }
        req.flash(tier.map { "已登记分档：\($0) 档。在保家庭的金额须经复核调整。" } ?? "已清除分档档次。", kind: "success")
        return req.seeOther(.household(id))
    }

    /// The member a form names: by member row id (the page's selects, which carry no ID number) or by ID
    /// number (other clients); the stores then check the member is of this household.
    /// - Throws: `FormError` naming the field.
    func member(_ req: Request, field: String, _ value: String) async throws -> ResidentID {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let rid = try? ResidentID(v) { return rid }
        guard (1...64).contains(v.count), let rid = try? await RegistryStore(req.db).residentID(ofMember: v) else {
            throw FormError(field: field, value: v, reason: "请从列表选择本户成员")
        }
        return rid
    }
}
