import Domain
import Foundation
import Persistence
import Plot

/// 政策标准: the versions entered, who entered them and when, how many decisions use each, the warnings
/// that stand, and the form to import a policy file.
enum PolicyIndex {
    struct Version: Equatable, Sendable {
        var policy: Policy
        var enteredBy: String
        var enteredAt: String
        var decisions: Int
        var inForce: Bool
    }

    struct Model: Equatable, Sendable {
        var region: String
        var today: CivilDate
        var versions: [Version]
        /// "Standards unchanged since …", the 特困 ratio, lowered standards.
        var warnings: [String]
        /// No version in force this month: nothing can be computed.
        var missing: String?
        /// Programmes with monthly amounts the county runs (调标 applies to them).
        var monthlyProgrammes: [Programme] = []
    }

    static let title = "政策标准"

    static func view(_ m: Model, csrf: String) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("保障标准按地区、生效月份分版本录入（政策文件格式见 docs/policy-format.md）；每笔决定记录其所用版本。")),
            .unwrap(m.missing) { .p(.class("flash error"), .text($0)) },
            .forEach(m.warnings) { .p(.class("flash"), .text("提示：" + $0)) },
            .table(
                .tr(.th("版本"), .th("生效月份"), .th(.class("num"), .text("低保 城市/农村")), .th(.class("num"), .text("特困 城市/农村")),
                    .th(.class("num"), .text("孤儿 机构/散居")), .th("临时救助"), .th("签发日期"), .th("文号"), .th("录入人"), .th("录入时间（北京时间）"),
                    .th(.class("num"), .text("使用决定数"))),
                .forEach(m.versions) { v in
                    let p = v.policy
                    return .tr(
                        .td(.text(p.version), .if(v.inForce, .span(.class("badge ok"), .text("现行")))),
                        .td(.text(p.effective.description)),
                        .td(.class("num"), .text(p.dibao.map { "\($0.standard(for: .urban).yuanString) / \($0.standard(for: .rural).yuanString)" } ?? "未配置")),
                        .td(.class("num"), .text(p.tekun.map { "\($0.basic(for: .urban).yuanString) / \($0.basic(for: .rural).yuanString)" } ?? "未配置"),
                            .unwrap(p.tekun) { .div(.class("muted"), .text($0.careSummary)) }),
                        .td(.class("num"), .text(p.orphan.map { "\($0.institutional.yuanString) / \($0.scattered.yuanString)" } ?? "未配置")),
                        .td(.class("muted"), .text(p.temporary?.summary ?? "未配置")),
                        .td(.text(p.signed?.description ?? "未录入")), .td(.text(p.document ?? "未录入")),
                        .td(.text(v.enteredBy)), .td(.text(v.enteredAt)), .td(.class("num"), .text("\(v.decisions)")))
                }
            ),
            .h2("调标"),
            .p(.class("muted"), .text("新标准签发晚于其生效月份时：按所选版本对在保对象逐户重新核定（以原决定保存的测算依据，自该版本生效月份起），再到“资金发放”生成补发批次，补发已按旧标准发放的月份差额。重复执行不会重复调整。")),
            .form(.class("inline"), .method(.post), .attr("action", SiteURL.policyAdjust.path),
                  .input(.type(.hidden), .name("_csrf"), .attr("value", csrf)),
                  .label(.text("版本 "), Controls.select("version", m.versions.filter { $0.policy.region == m.region }.reversed()
                      .map { Controls.option($0.policy.version, $0.policy.version) })),
                  .label(.text(" 项目 "), Controls.select("programme", m.monthlyProgrammes.map { Controls.option($0.rawValue, $0.shortChinese) })),
                  .label(.text(" 调标日期 "), .input(.type(.text), .name("date"), .attr("value", m.today.description), .required(true))),
                  .button(.type(.submit), .text("按此版本调标"))),
            .h2("导入政策文件"),
            .p(.class("muted"), .text("先核对文件：与命令 jiuzhu policy check 相同的检查，任何未知的键、倒退的月份、为零的标准都会拒绝并指明版本和键；已被决定使用的版本不能修改，请以新的生效月份录入。")),
            .form(.class("inline"), .method(.post), .attr("action", SiteURL.policies.path), .attr("enctype", "multipart/form-data"),
                  .input(.type(.hidden), .name("_csrf"), .attr("value", csrf)),
                  .input(.type(.file), .name("file"), .attr("accept", ".json,application/json"), .required(true)),
                  .button(.type(.submit), .text("核对并导入")))
        )
    }
}
