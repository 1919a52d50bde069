import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 家庭档案 (一户一档): search, register, the household page, documents, member status.
struct HouseholdsController: RouteCollection {
    static let perPage = 50
    static let memberRows = 6
    static let assetRows = 3

    func boot(routes: any RoutesBuilder) throws {
        let h = routes.grouped("households")
        h.get(use: index)
        h.get("new", use: newForm)
        h.post(use: create)
        h.get(":id", use: show)
        h.on(.POST, ":id", "documents", body: .collect(maxSize: "12mb"), use: upload)
        h.get(":id", "documents", ":doc", use: download)
        h.post(":id", "members", "status", use: memberStatus)
        h.post(":id", "applications", use: openApplication)
        h.post(":id", "review", use: review)
    }

    // MARK: list

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let q = req.query[String.self, at: "q"]
        let town = req.query[String.self, at: "town"]
        let programme = req.query[String.self, at: "programme"].flatMap(Programme.init(rawValue:))
        let page = min(max(1, req.query[Int.self, at: "page"] ?? 1), 100_000)
        let month = try await StatisticsStore(req.db).latestPayrollMonth(countyCode: s.countyCode) ?? s.today().yearMonth
        let (rows, total) = try await RegistryStore(req.db, divisions: s.divisions).search(
            text: q, townshipCode: town, programme: programme, month: month, limit: Self.perPage,
            offset: (page - 1) * Self.perPage)
        func link(_ p: Int) -> String {
            var items = ["page=\(p)"]
            if let q, !q.isEmpty { items.append("q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
            if let town, !town.isEmpty { items.append("town=\(town)") }
            if let programme { items.append("programme=\(programme.rawValue)") }
            return "/households?" + items.joined(separator: "&")
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("家庭档案"),
            .form(.class("inline"), .method(.get), .attr("action", "/households"),
                  .label(.text("姓名或身份证号 "), .input(.type(.search), .name("q"), .attr("value", q ?? ""))),
                  .label(.text("乡镇 "), Controls.select("town", [Controls.option("", "全部")] + s.divisions.townships.map {
                                      Controls.option($0.code.value, $0.name, selected: $0.code.value == town)
                                  })),
                  .label(.text("救助项目 "), Controls.select("programme", [Controls.option("", "全部"),
                                                               Controls.option("dibao", "低保", selected: programme == .dibao)])),
                  .button(.type(.submit), .text("查询"))),
            .p(.a(.attr("href", "/households/new"), .text("＋ 登记新家庭"))),
            .p(.class("muted"), .text("在保状态与金额按 \(month)。")),
            .table(
                .tr(.th("户主"), .th("身份证号"), .th("乡镇"), .th("村（社区）"), .th("城乡"), .th(.class("num"), .text("人数")),
                    .th("在保项目"), .th(.class("num"), .text("月保障金（元）"))),
                .forEach(rows) { r in
                    .tr(.td(.a(.attr("href", "/households/\(r.id)"), .text(r.headName))), .td(.text(r.headResidentID.masked)),
                        .td(.text(s.townshipName(r.townshipCode))), .td(.text(s.townshipName(r.villageCode))),
                        .td(.text(r.area.chinese)), .td(.class("num"), .text("\(r.memberCount)")),
                        .td(.text(r.activeProgrammes.map(\.shortChinese).joined(separator: "、"))),
                        .td(.class("num"), .text(r.monthlyBenefit?.groupedYuanString ?? "—")))
                }
            ),
            .if(rows.isEmpty, .p(.class("muted"), .text("没有符合条件的家庭。"))),
            Layout.pager(total: total, page: page, perPage: Self.perPage, link: link)
        )
        return HTMLPage(html: Layout.page(title: "家庭档案", request: req, active: .households, body: body))
    }

    // MARK: register

    func newForm(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let body: Node<HTML.BodyContext> = .div(
            .h1("登记新家庭（一户一档）"),
            .form(.class("stack"), .method(.post), .attr("action", "/households"),
                  Layout.csrf(req),
                  .div(.class("grid2"),
                       .label(.text("村（社区） "), Controls.select("village", [Controls.option("", "请选择")] + s.divisions.villages.map { v in
                              Controls.option(v.code.value,
                                              "\(s.townshipName(v.code.townshipCode.value)) \(v.name)\(v.isSynthetic ? "（演示）" : "")")
                          }, required: true)),
                       .label(.text("城乡属性 "), Controls.select("area", [Controls.option("rural", "农村"), Controls.option("urban", "城市")])),
                       .label(.text("家庭住址 "), .input(.type(.text), .name("address"), .required(true))),
                       .label(.text("联系电话 "), .input(.type(.text), .name("phone"))),
                       .label(.text("开户银行 "), .input(.type(.text), .name("bankName"), .placeholder("如：四川农信"))),
                       .label(.text("收款账号（户主社保卡/一卡通） "), .input(.type(.text), .name("bankAccount")))),
                  .h2("家庭成员"),
                  .p(.class("muted"), .text("第一行为户主。不用的行留空。收入填每月金额（元）；基础养老金、奖学金等豁免收入请选对应类别，系统不计入。")),
                  .table(
                      .tr(.th("#"), .th("姓名"), .th("身份证号码"), .th("与户主关系"), .th("收入类别"), .th("月收入（元）"),
                          .th("残疾等级"), .th("残疾类别"), .th("重病"), .th("在学"), .th("劳动能力"), .th("收款人")),
                      .forEach(0..<Self.memberRows) { memberRow($0) }
                  ),
                  .h2("家庭财产（申报）"),
                  .table(
                      .tr(.th("#"), .th("类别"), .th("说明"), .th("估值（元）")),
                      .forEach(0..<Self.assetRows) { assetRow($0) }
                  ),
                  .button(.type(.submit), .text("保存")))
        )
        return HTMLPage(html: Layout.page(title: "登记新家庭", request: req, active: .households, body: body))
    }

    /// One member row of the registration form (field names `m<i>_…`, read by `parseHousehold`).
    func memberRow(_ i: Int) -> Node<HTML.TableContext> {
        let relationships = Relationship.allCases.map { r in
            Controls.option(r.rawValue, r.chinese, selected: i == 0 ? r == .head : r == .child)
        }
        let kinds = IncomeKind.allCases.map { Controls.option($0.rawValue, $0.chinese) }
        let grades = [Controls.option("", "无")] + (1...4).map { Controls.option("\($0)", "\($0)级") }
        let types = DisabilityType.allCases.map { Controls.option($0.rawValue, $0.chinese) }
        let schooling = [Controls.option("", "否")] + Schooling.allCases.map { Controls.option($0.rawValue, $0.chinese) }
        let work = WorkCapacity.allCases.map { Controls.option($0.rawValue, $0.chinese) }
        let cells: [Node<HTML.TableRowContext>] = [
            .td(.text("\(i + 1)")),
            .td(.input(.type(.text), .name("m\(i)_name"), .attribute(named: "size", value: "8"))),
            .td(.input(.type(.text), .name("m\(i)_id"), .attribute(named: "size", value: "20"))),
            .td(Controls.select("m\(i)_rel", relationships)),
            .td(Controls.select("m\(i)_kind", kinds)),
            .td(.input(.type(.text), .name("m\(i)_income"), .placeholder("0.00"), .attribute(named: "size", value: "8"))),
            .td(Controls.select("m\(i)_dgrade", grades)),
            .td(Controls.select("m\(i)_dtype", types)),
            .td(.input(.type(.checkbox), .name("m\(i)_ill"), .attr("value", "on"))),
            .td(Controls.select("m\(i)_school", schooling)),
            .td(Controls.select("m\(i)_work", work)),
            .td(.input(.type(.radio), .name("payee"), .attr("value", "\(i)"), .checked(i == 0))),
        ]
        return .tr(.group(cells))
    }

    func assetRow(_ i: Int) -> Node<HTML.TableContext> {
        let kinds = AssetKind.allCases.map { Controls.option($0.rawValue, $0.chinese) }
        let cells: [Node<HTML.TableRowContext>] = [
            .td(.text("\(i + 1)")),
            .td(Controls.select("a\(i)_kind", kinds)),
            .td(.input(.type(.text), .name("a\(i)_desc"))),
            .td(.input(.type(.text), .name("a\(i)_value"), .placeholder("0.00"))),
        ]
        return .tr(.group(cells))
    }

    func create(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode([String: String].self)
        let file = try Self.parseHousehold(form, settings: s)
        try await RegistryStore(req.db, divisions: s.divisions).register([file])
        try await AuditLog.record(req, action: "household.register", subject: file.id)
        req.flash("已登记家庭：户主 \(file.head.name)，\(file.composition.members.count) 人", kind: "success")
        return req.seeOther("/households/\(file.id)")
    }

    /// Reads the registration form; every error names the row and field.
    static func parseHousehold(_ form: [String: String], settings s: WebSettings) throws -> HouseholdFile {
        func value(_ k: String) -> String { (form[k] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        let village = try s.divisions.village(value("village"))
        guard let area = Area(rawValue: value("area")) else {
            throw FormError(field: "城乡属性", value: value("area"), reason: "请选择城市或农村")
        }
        guard !value("address").isEmpty else { throw FormError(field: "家庭住址", value: "", reason: "必填") }
        let account = value("bankAccount").replacingOccurrences(of: " ", with: "")
        if !account.isEmpty, !(account.allSatisfy { $0.isASCII && $0.isNumber }) || !(12...30).contains(account.count) {
            throw FormError(field: "收款账号", value: account, reason: "应为 12–30 位数字")
        }
        var members: [Member] = []
        var payee: ResidentID?
        for i in 0..<memberRows {
            let name = value("m\(i)_name"), idText = value("m\(i)_id")
            if name.isEmpty && idText.isEmpty { continue }
            let row = "第 \(i + 1) 行成员"
            guard !name.isEmpty else { throw FormError(field: "\(row)姓名", value: "", reason: "必填") }
            let id: ResidentID
            do { id = try ResidentID(idText) } catch {
                throw FormError(field: "\(row)身份证号码", value: idText, reason: error.message)
            }
            guard id.birthDate <= s.today() else {
                throw FormError(field: "\(row)身份证号码", value: idText, reason: "出生日期 \(id.birthDate) 晚于今天")
            }
            guard let rel = Relationship(rawValue: value("m\(i)_rel")) else {
                throw FormError(field: "\(row)与户主关系", value: value("m\(i)_rel"), reason: "请从列表选择")
            }
            var income: [IncomeItem] = []
            let amountText = value("m\(i)_income")
            if !amountText.isEmpty {
                let amount: Money
                do { amount = try Money(yuan: amountText) } catch {
                    throw FormError(field: "\(row)月收入", value: amountText, reason: "应为金额，如 900.00")
                }
                guard amount >= .zero else { throw FormError(field: "\(row)月收入", value: amountText, reason: "收入不能为负数") }
                guard let kind = IncomeKind(rawValue: value("m\(i)_kind")) else {
                    throw FormError(field: "\(row)收入类别", value: value("m\(i)_kind"), reason: "请从列表选择")
                }
                if amount > .zero { income.append(IncomeItem(kind: kind, period: .monthly, amount: amount)) }
            }
            var member = Member(residentID: id, name: name, relationship: rel, income: income)
            if !value("m\(i)_dgrade").isEmpty {
                guard let grade = Int(value("m\(i)_dgrade")), (1...4).contains(grade),
                      let type = DisabilityType(rawValue: value("m\(i)_dtype")) else {
                    throw FormError(field: "\(row)残疾等级/类别", value: value("m\(i)_dgrade"), reason: "等级为 1–4 级，并选择类别")
                }
                member.disability = Disability(grade: grade, type: type)
            }
            member.seriousIllness = value("m\(i)_ill") == "on"
            member.schooling = Schooling(rawValue: value("m\(i)_school"))
            member.workCapacity = WorkCapacity(rawValue: value("m\(i)_work")) ?? .full
            if value("payee") == "\(i)" { payee = id }
            members.append(member)
        }
        var assets: [Asset] = []
        for i in 0..<assetRows {
            let desc = value("a\(i)_desc"), amountText = value("a\(i)_value")
            if desc.isEmpty && amountText.isEmpty { continue }
            let row = "第 \(i + 1) 行财产"
            guard let kind = AssetKind(rawValue: value("a\(i)_kind")) else {
                throw FormError(field: "\(row)类别", value: value("a\(i)_kind"), reason: "请从列表选择")
            }
            let amount: Money
            do { amount = try Money(yuan: amountText.isEmpty ? "0" : amountText) } catch {
                throw FormError(field: "\(row)估值", value: amountText, reason: "应为金额，如 20000.00")
            }
            guard amount >= .zero else { throw FormError(field: "\(row)估值", value: amountText, reason: "不能为负数") }
            assets.append(Asset(kind: kind, description: desc, value: amount))
        }
        let composition = try HouseholdComposition(area: area, members: members)
        return HouseholdFile(id: UUID().uuidString.lowercased(), countyCode: s.countyCode,
                             townshipCode: village.code.townshipCode, villageCode: village.code, address: value("address"),
                             phone: value("phone").isEmpty ? nil : value("phone"),
                             bankName: value("bankName").isEmpty ? nil : value("bankName"),
                             bankAccount: account.isEmpty ? nil : account,
                             payeeResidentID: payee == composition.head.residentID ? nil : payee,
                             composition: composition, assets: assets)
    }

    // MARK: household page

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        guard let h = try await RegistryStore(req.db, divisions: s.divisions).household(id) else {
            throw StoreError.notFound(what: "家庭", id: id)
        }
        let enrollment = EnrollmentStore(req.db)
        let decisions = try await enrollment.decisions(ofHousehold: id)
        let enrollments = try await enrollment.enrollments(ofHousehold: id)
        let documents = try await DocumentStore(req.db, directory: documentsDirectory(s)).documents(ofHousehold: id)
        let payments = try await req.payroll.payments(ofHousehold: id)
        let applications = try await req.applications.list(openOnly: false, householdID: id)
        let today = s.today()
        let assessMonth = today.yearMonth
        let preview = (try? s.policyBook.policy(region: s.countyCode, month: assessMonth)).map {
            DibaoAssessment.assess(h.composition, month: assessMonth, policy: $0)
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("家庭档案：\(h.head.name)户"),
            .if(h.isDemo, .p(Layout.badge("演示数据", "warn"))),
            .dl(.class("facts"),
                .dt("乡镇 / 村（社区）"), .dd(.text("\(s.townshipName(h.townshipCode.value)) \(s.townshipName(h.villageCode.value))")),
                .dt("城乡属性"), .dd(.text(h.area.chinese)),
                .dt("住址"), .dd(.text(h.address)),
                .dt("联系电话"), .dd(.text(h.phone ?? "—")),
                .dt("收款人"), .dd(.text("\(h.payee.name)（\(h.payee.residentID.masked)）")),
                .dt("收款账号"), .dd(.text([h.bankName, h.bankAccount].compactMap { $0 }.joined(separator: " ").nonEmpty ?? "未登记"))),
            .h2("家庭成员"),
            .table(
                .tr(.th("姓名"), .th("身份证号码"), .th("性别"), .th("出生日期"), .th("与户主关系"), .th("状态"), .th("残疾/大病/在学"), .th("收入")),
                .forEach(h.composition.members) { m in
                    .tr(.td(.text(m.name)), .td(.text(m.residentID.value)), .td(.text(m.residentID.sex.chinese)),
                        .td(.text(m.residentID.birthDate.description)), .td(.text(m.relationship.chinese)),
                        .td(m.status.counts ? Layout.badge(m.status.chinese, "ok")
                                            : Layout.badge(m.status.chinese + (m.statusSince.map { " \($0)" } ?? ""), "bad")),
                        .td(.text([m.disability.map { "\($0.type.chinese)\($0.grade)级残疾" },
                                   m.seriousIllness ? "重病" : nil, m.schooling?.chinese].compactMap { $0 }.joined(separator: "、"))),
                        .td(.text(m.income.map { "\($0.kind.chinese) \($0.amount.groupedYuanString)元/\($0.period == .monthly ? "月" : "年")" }
                            .joined(separator: "；"))))
                }
            ),
            .form(.class("inline"), .method(.post), .attr("action", "/households/\(id)/members/status"), Layout.csrf(req),
                  .label(.text("成员 "), Controls.select("residentID", h.composition.members.map { Controls.option($0.residentID.value, $0.name) })),
                  .label(.text("变更为 "), Controls.select("status", MemberStatus.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                  .label(.text("自 "), .input(.type(.date), .name("since"))),
                  .button(.class("secondary"), .type(.submit), .text("登记成员变动"))),
            .unwrap(preview) { d in
                .p(.class("muted"), .text("按 \(assessMonth) 的政策和当前登记信息测算：计入 \(d.householdSize) 人，月人均收入 \(d.perCapitaIncome.roundedHalfUp().groupedYuanString) 元，"
                    + (d.eligible ? "低保金 \(d.monthlyBenefit.groupedYuanString) 元/月。" : "不符合低保条件。")))
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
                       .tr(.td(.text(e.programme.shortChinese + "（\(e.area.chinese)）")), .td(.text(e.startMonth.description)),
                           .td(.text(e.endMonth?.description ?? "—")), .td(.class("num"), .text("\(e.householdSize)")),
                           .td(.class("num"), .text(e.monthlyBenefit.groupedYuanString)))
                   }),
            .if(enrollments.contains { $0.programme == .dibao && ($0.endMonth == nil || $0.endMonth! >= today.yearMonth) },
                .form(.class("inline"), .method(.post), .attr("action", "/households/\(id)/review"), Layout.csrf(req),
                      .label(.text("复核日期 "), .input(.type(.date), .name("date"), .attr("value", today.description), .required(true))),
                      .button(.type(.submit), .text("复核：按当前成员和收入重新核定（次月起调整）")),
                      .span(.class("muted"), .text("成员死亡、迁出或收入变化后，发放会暂停，复核后恢复")))),
            .h2("申请"),
            .if(applications.isEmpty, .p(.class("muted"), .text("没有申请记录。")),
                else: ApplicationsController.table(applications, settings: s, today: today)),
            .form(.class("inline"), .method(.post), .attr("action", "/households/\(id)/applications"), Layout.csrf(req),
                  .label(.text("受理日期 "), .input(.type(.date), .name("acceptedOn"), .attr("value", today.description), .required(true))),
                  .label(.input(.type(.checkbox), .name("closeRelative"), .attr("value", "on")),
                         .text(" 成员为经办人员或村干部的近亲属（单独登记备案）")),
                  .button(.type(.submit), .text("受理低保申请"))),
            .h2("审核确认决定及计算过程"),
            .if(decisions.isEmpty, .p(.class("muted"), .text("没有决定。"))),
            .forEach(decisions) { d in
                .div(.p(.strong(.text("\(d.decidedOn) \(d.programme.shortChinese) \(Self.outcomeLabel(d.outcome))")),
                        .text(["approved", "adjusted", "reviewed"].contains(d.outcome) ? "：自 \(d.firstMonth?.description ?? "") 起每月 \(d.monthlyBenefit.groupedYuanString) 元，保障 \(d.householdSize) 人；政策版本 \(d.policyVersion)" : "")),
                     .details(.summary("计算过程（\(d.trace.count) 步）"),
                              .ol(.class("trace"), .forEach(d.trace) { t in .li(.text(t.description)) })))
            },
            .h2("发放记录"),
            .table(.tr(.th("月份"), .th("批次状态"), .th(.class("num"), .text("金额（元）"))),
                   .forEach(payments.prefix(24)) { p in
                       .tr(.td(.text(p.month.description)), .td(.text(p.state.chinese)), .td(.class("num"), .text(p.amount.groupedYuanString)))
                   }),
            .h2("档案材料"),
            .table(.tr(.th("类别"), .th("文件名"), .th(.class("num"), .text("大小")), .th("SHA-256"), .th("上传人")),
                   .forEach(documents) { d in
                       .tr(.td(.text(d.kind.chinese)),
                           .td(.a(.attr("href", "/households/\(id)/documents/\(d.id)"), .text(d.originalName))),
                           .td(.class("num"), .text("\(max(1, d.sizeBytes / 1024)) KB")),
                           .td(.class("muted"), .text(String(d.sha256.prefix(16)) + "…")), .td(.text(d.uploadedBy)))
                   }),
            .form(.class("inline"), .method(.post), .attr("action", "/households/\(id)/documents"),
                  .enctype(.multipartData), Layout.csrf(req),
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
        default: return outcome
        }
    }

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
        return req.seeOther("/households/\(id)")
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
        let residentID = try ResidentID(form.residentID)
        guard let h = try await RegistryStore(req.db).household(id),
              h.composition.members.contains(where: { $0.residentID == residentID })
        else { throw StoreError.notFound(what: "本户成员", id: residentID.masked) }
        try await RegistryStore(req.db).setStatus(of: residentID, to: status, since: since)
        try await AuditLog.record(req, action: "member.status", subject: id, detail: "\(residentID.masked) → \(status.rawValue)")
        req.flash("已登记成员变动：\(status.chinese)。在保家庭的金额须经复核调整。", kind: "success")
        return req.seeOther("/households/\(id)")
    }

    struct ReviewForm: Content { var date: String }

    func review(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let date = try CivilDate(parsing: try req.content.decode(ReviewForm.self).date)
        let outcome = try await EnrollmentStore(req.db).review(householdID: id, on: date, actor: req.actor,
                                                               policyBook: s.policyBook, today: s.today())
        switch outcome {
        case .unchanged(let m): req.flash("复核完成：无实质变化，保障金维持 \(m.groupedYuanString) 元/月", kind: "success")
        case let .adjusted(from, old, new):
            req.flash("复核完成：自 \(from) 起保障金由 \(old.groupedYuanString) 元调整为 \(new.groupedYuanString) 元/月", kind: "success")
        case .stopped(let last): req.flash("复核完成：已不符合条件，发放至 \(last) 止", kind: "success")
        }
        return req.seeOther("/households/\(id)")
    }

    struct OpenForm: Content {
        var acceptedOn: String
        var closeRelative: String?
    }

    func openApplication(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(OpenForm.self)
        let date = try CivilDate(parsing: form.acceptedOn)
        let appID = try await req.applications.open(householdID: id, acceptedOn: date, closeRelative: form.closeRelative == "on", actor: req.actor)
        req.flash("已受理低保申请", kind: "success")
        return req.seeOther("/applications/\(appID)")
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
