import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 登记新家庭: the registration form and its parsing.
extension HouseholdsController {
    func newForm(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let body: Node<HTML.BodyContext> = .div(
            .h1("登记新家庭（一户一档）"),
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.households.path),
                  Layout.csrf(req),
                  .div(.class("grid2"),
                       .label(.text("村（社区） "), Controls.select("village", [Controls.option("", "请选择")] + s.divisions.villages.filter { req.scope.contains(village: $0.code) }.map { v in
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
                  .label(.input(.type(.checkbox), .name("idChecked"), .attr("value", "on")),
                         .text(" 末三位为 000 的身份证号码已对照居民身份证核实无误（表格软件按数字保存会把末几位变成 0）")),
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
        try req.requireInScope(village: file.villageCode, field: "村（社区）")
        // A number that passes every check but ends in 000 may be a spreadsheet's damage (field case C10):
        // accepted only when the clerk says it was compared with the card, never silently.
        if form["idChecked"] != "on", let suspect = file.composition.members.first(where: { $0.residentID.looksSpreadsheetDamaged }) {
            throw FormError(field: "\(suspect.name)的身份证号码", value: suspect.residentID.masked,
                            reason: "末三位为 000，可能被表格软件损坏：请对照居民身份证核实，无误后勾选“已对照证件核实号码”再提交")
        }
        try await RegistryStore(req.db, divisions: s.divisions).register([file], recording: req.auditDraft("household.register", subject: file.id))
        req.flash("已登记家庭：户主 \(file.head.name)，\(file.composition.members.count) 人", kind: "success")
        return req.seeOther(.household(file.id))
    }

    /// Reads the registration form; every error names the row and field.
    static func parseHousehold(_ form: [String: String], settings s: WebSettings) throws -> HouseholdFile {
        func value(_ k: String) -> String { (form[k] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        let village = try s.divisions.village(value("village"))
        guard let area = Area(rawValue: value("area")) else {
            throw FormError(field: "城乡属性", value: value("area"), reason: "请选择城市或农村")
        }
        let address = try FormField.text("家庭住址", form["address"], max: 200)!
        let phone = try FormField.phone("联系电话", value("phone"))
        let bankName = try FormField.text("开户银行", form["bankName"], max: 40, required: false)
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
            guard let name = try FormField.text("\(row)姓名", name, max: 40) else { throw FormError(field: "\(row)姓名", value: "", reason: "必填") }
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
            let descText = value("a\(i)_desc"), amountText = value("a\(i)_value")
            if descText.isEmpty && amountText.isEmpty { continue }
            let row = "第 \(i + 1) 行财产"
            let desc = try FormField.text("\(row)说明", descText, max: 200, required: false) ?? ""
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
                             townshipCode: village.code.townshipCode, villageCode: village.code, address: address,
                             phone: phone, bankName: bankName,
                             bankAccount: account.isEmpty ? nil : account,
                             payeeResidentID: payee == composition.head.residentID ? nil : payee,
                             composition: composition, assets: assets)
    }
}
