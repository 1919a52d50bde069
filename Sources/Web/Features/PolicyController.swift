import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 政策标准: builds `PolicyIndex.Model` from `PolicyStore`; imports an uploaded policy file.
struct PolicyController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.policies, use: index)
        routes.on(.POST, .policies, body: .collect(maxSize: "1mb"), use: upload)
        routes.post(.policyAdjust, use: adjust)
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let today = s.today()
        let records = try await PolicyStore(req.db).versions()
        let book = PolicyBook(records.map(\.policy))
        let current = try? book.policy(region: s.countyCode, month: today.yearMonth)
        let model = PolicyIndex.Model(
            region: s.countyCode, today: today,
            versions: records.map {
                PolicyIndex.Version(policy: $0.policy, enteredBy: $0.enteredBy, enteredAt: ChinaClock.beijingTime($0.enteredAt),
                                    decisions: $0.decisions, inForce: $0.policy == current)
            },
            warnings: Self.warnings(book: book, region: s.countyCode, month: today.yearMonth).map(\.message),
            missing: current == nil ? PolicyError.noPolicyInForce(region: s.countyCode, month: today.yearMonth).message : nil,
            monthlyProgrammes: s.programmes.filter { (try? $0.rules())?.cadence == .monthly })
        return HTMLPage(html: Layout.page(title: PolicyIndex.title, request: req, active: .policies,
                                          body: PolicyIndex.view(model, csrf: req.csrfToken)))
    }

    /// The warnings that stand for `region` in `month`: those of the version in force and of later
    /// ones (a superseded version's are history), and "unchanged since".
    static func warnings(book: PolicyBook, region: String, month: YearMonth) -> [PolicyWarning] {
        let versions = book.policies.filter { $0.region == region }
        let current = try? book.policy(region: region, month: month)
        let standing = Set(versions.filter { current == nil || $0.effective >= current!.effective }.map(\.version))
        return PolicyFile.warnings(versions).filter { standing.contains($0.version) }
            + [book.unchangedWarning(region: region, month: month)].compactMap { $0 }
    }

    struct UploadForm: Content {
        var file: File
    }

    func upload(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(UploadForm.self)
        let data = Data(buffer: form.file.data)
        let file: PolicyFile
        do { file = try PolicyFile.parse(data) } catch {
            throw FormError(field: "政策文件", value: form.file.filename, reason: error.description)
        }
        guard file.region == s.countyCode else {
            throw FormError(field: "政策文件 region", value: file.region,
                            reason: "本系统安装的地区为 \(s.countyCode)，不能导入其他地区的政策")
        }
        let r = try await PolicyStore(req.db).importFile(file, fileSHA256: Checksum.sha256Hex(data), actor: req.actor)
        var parts: [String] = []
        if !r.added.isEmpty { parts.append("新增 " + r.added.joined(separator: "、")) }
        if !r.replaced.isEmpty { parts.append("替换 " + r.replaced.joined(separator: "、")) }
        if !r.unchanged.isEmpty { parts.append("未变 " + r.unchanged.joined(separator: "、")) }
        let warnings = r.warnings.map(\.message)
        req.flash("已导入政策文件 \(form.file.filename)：" + parts.joined(separator: "；")
                  + (warnings.isEmpty ? "" : "。提示：" + warnings.joined(separator: "；")), kind: "success")
        return req.seeOther(.policies)
    }

    struct AdjustForm: Content {
        var version: String
        var programme: String?
        var date: String
    }

    /// 调标: re-decides the programme's enrollments under the version (docs/adr/0016).
    func adjust(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(AdjustForm.self)
        let programme = try s.programme(field: "救助项目", form.programme)
        let date = try FormField.date("调标日期", form.date)
        let known = try await PolicyStore(req.db).versions().map(\.policy).filter { $0.region == s.countyCode }.map(\.version)
        guard known.contains(form.version) else {
            throw FormError(field: "版本", value: form.version, reason: "本县没有该政策版本；可选 " + known.joined(separator: "、"))
        }
        let r = try await EnrollmentStore(req.db).adjustStandard(programme: programme, countyCode: s.countyCode, version: form.version,
                                                                 on: date, actor: req.actor, today: s.today())
        let review = r.needsReview.isEmpty ? "" : "；\(r.needsReview.count) 户（人）须逐户复核：" + r.needsReview.prefix(5)
            .map { "\($0.householdID)（\($0.reason)）" }.joined(separator: "、") + (r.needsReview.count > 5 ? "等" : "")
        req.flash("已按 \(r.version) 调标\(programme.shortChinese)：\(r.changed) 户（人）金额调整，每月合计变动 \(r.monthlyChange.groupedYuanString) 元，\(r.unchanged) 户（人）金额不变\(review)。已按旧标准发放的月份请在“资金发放”生成补发批次", kind: "success")
        return req.seeOther(.policies)
    }
}
