import Domain
import Jobs
import Persistence
import Plot
import Vapor

/// Turns errors into a Chinese page (or JSON under /api) that says what went wrong and what to do.
/// Domain errors carry their own message; anything unexpected is logged with the request id and
/// shown as a generic message, never with internal details (SQL, paths).
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            var (status, described) = Self.describe(error)
            if let neutral = try? await Self.outOfArea(error, request) { (status, described) = neutral }
            // A value echoed from the request (an id in the path) never carries control characters.
            // Line breaks separate a refused file's rows; each is shown on its own line.
            let lines = described.split(separator: "\n").map { String($0.unicodeScalars.filter { $0.properties.generalCategory != .control }) }
            let message = lines.joined(separator: " ")
            if status.code >= 500 {
                request.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            if request.isAPI {
                let body = try JSONEncoder().encode(["error": ["code": "\(status.code)", "message": message]])
                let r = Response(status: status, body: .init(data: body))
                r.headers.contentType = .json
                return r
            }
            let html = Layout.page(title: "出错了", request: request, active: nil, body: .div(
                .h1("无法完成操作"),
                .div(.class("flash error"), .forEach(lines) { .p(.text($0)) }),
                // No script (the CSP forbids it): the browser's back button, or the dashboard.
                .p(.text("请用浏览器的“后退”返回上一页，或 "), .a(.attr("href", SiteURL.home.path), .text("回到工作台")))
            ), showNav: request.staff != nil)
            return try await HTMLPage(html: html, status: status).encodeResponse(for: request)
        }
    }

    /// A refusal that would name a person or household outside the user's area (a duplicate ID number
    /// registered in another town) says only that, never who or where.
    static func outOfArea(_ error: any Error, _ request: Request) async throws -> (HTTPResponseStatus, String)? {
        guard let scope = request.staff?.scope else { return nil }
        let other: String
        switch error {
        case let TemporaryCaseStoreError.registeredMember(householdID, _): other = householdID
        case let RegistryError.memberInAnotherHousehold(_, household): other = household
        default: return nil
        }
        guard let place = try await AccessStore(request.db).place(of: .household, id: other), !place.isVisible(in: scope) else { return nil }
        return (.conflict, "该身份证号已登记为本县其他地区家庭的成员，不能在此登记或受理：请联系县民政局核实 (registered in another area)")
    }

    /// The status and the message for staff.
    static func describe(_ error: any Error) -> (HTTPResponseStatus, String) {
        switch error {
        case let e as RegistryError: return (.unprocessableEntity, e.message)
        case let e as WorkflowError: return (.conflict, e.message)
        case let e as PayrollError:
            if case .batchNotFound = e { return (.notFound, e.message) }
            return (.conflict, e.message)
        case let e as PolicyError: return (.unprocessableEntity, e.message)
        case let e as ResidentIDError: return (.unprocessableEntity, e.message)
        case let e as DomainInputError: return (.unprocessableEntity, e.message)
        case let e as WorkCalendarError: return (.unprocessableEntity, e.message)
        case let e as ApplicationStoreError: return (.conflict, e.message)
        case let e as MatchError:
            if case .hitNotFound = e { return (.notFound, e.message) }
            return (.conflict, e.message)
        case let e as NoticeError: return (.unprocessableEntity, e.message)
        case let e as MonitoringError:
            if case .notFound = e { return (.notFound, e.message) }
            return (.unprocessableEntity, e.message)
        case let e as DatasetError: return (.unprocessableEntity, e.message)
        case let e as TemporaryCaseError: return (.conflict, e.message)
        case let e as TemporaryCaseStoreError: return (.conflict, e.message)
        case let e as ReserveFundError: return (.conflict, e.message)
        case let e as StayError: return (.conflict, e.message)
        case let e as AccessError: return (.unprocessableEntity, e.description)
        case let e as UserError:
            if case .notFound = e { return (.notFound, e.description) }
            return (.conflict, e.description)
        case let e as StoreError:
            switch e {
            case .notFound: return (.notFound, e.message)
            case .outOfRange: return (.unprocessableEntity, e.message)
            case .conflict: return (.conflict, e.message)
            // A stored value that does not parse is the system's fault, but staff must see what and where.
            case .unreadable: return (.internalServerError, e.message)
            }
        // A sealed value that does not open names its table, column and row (never its text), for the
        // administrator to find (ADR 0021).
        case let e as DataKeyError: return (.internalServerError, e.description)
        case let e as ProgrammeError: return (.unprocessableEntity, e.message)
        case let e as AssessmentError: return (.unprocessableEntity, e.message)
        case let e as DocumentStore.DocumentError: return (.unprocessableEntity, e.message)
        case let e as BankFileError: return (.conflict, e.message)
        case let e as BankFormatError: return (.unprocessableEntity, e.message)
        case let e as BankReturnError:
            switch e {
            case .conflicts, .closedBatch, .noBankFile: return (.conflict, e.message)
            default: return (.unprocessableEntity, e.message)
            }
        case let e as RecoveryError: return (.unprocessableEntity, e.message)
        case let e as AllocationPlanError: return (.conflict, e.message)
        case let e as EvaluationError:
            if case .missingReasons = e { return (.conflict, e.message) }
            if case .finalised = e { return (.conflict, e.message) }
            return (.unprocessableEntity, e.message)
        case let e as FormError: return (.unprocessableEntity, e.message)
        case let e as AssessError: return (.unprocessableEntity, e.description)
        // A multipart body that does not parse (the parser's error type is private).
        case let e where String(reflecting: type(of: e)).contains("MultipartParser"):
            return (.unprocessableEntity, "上传内容的格式有误（multipart），请重新选择文件后提交 (malformed multipart body)")
        case let e as DecodingError:
            return (.unprocessableEntity, FormError(field: fieldName(e), value: "", reason: "缺少此项或格式不对，请检查后重新提交").message)
        case let e as any AbortError:
            switch e.status {
            case .notFound: return (.notFound, "页面不存在 (not found)")
            case .payloadTooLarge:
                return (.payloadTooLarge, "提交的内容（或上传的文件）太大，超过系统上限 (payload too large)")
            case .badRequest:
                // Vapor's form decoder says which key: "Value required for key 'date'."
                if let r = e.reason.range(of: "key '"), let end = e.reason[r.upperBound...].firstIndex(of: "'") {
                    let key = String(e.reason[r.upperBound..<end])
                    return (.unprocessableEntity, FormError(field: key, value: "", reason: "缺少此项或格式不对，请检查后重新提交").message)
                }
                return (.badRequest, "表单或请求内容缺少必填项或格式不对，请检查后重新提交 (\(e.reason))")
            case .unsupportedMediaType:
                return (.unsupportedMediaType, "提交格式不支持：表单请用 application/x-www-form-urlencoded 或 multipart/form-data，接口请用 JSON")
            default: return (e.status, e.reason)
            }
        // The database refused a value sealed with a key not its own (migration 0021): this server still runs
        // with a key rotated away from.
        case let e where String(reflecting: e).contains("is not sealed with the database's key"):
            return (.internalServerError, "数据密钥已更换，本服务仍在使用旧密钥，未写入任何数据：请管理员用新密钥重新启动服务 (data key rotated; restart the server)")
        default:
            return (.internalServerError, "系统内部错误，请稍后重试或联系管理员 (internal error)")
        }
    }
}

/// The field a decoding error is about: its coding path (`members.0.income`), or "请求内容" for the whole.
func fieldName(_ e: DecodingError) -> String {
    let path: [any CodingKey]
    switch e {
    case let .keyNotFound(key, ctx): path = ctx.codingPath + [key]
    case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .dataCorrupted(ctx): path = ctx.codingPath
    @unknown default: path = []
    }
    let name = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    return name.isEmpty ? "请求内容" : name
}

/// A form field with a bad value: which field, which value, what to do.
struct FormError: Error {
    var field: String
    var value: String
    var reason: String

    /// The value is echoed at most 60 characters long (a pasted file is not repeated back).
    var message: String {
        let shown = value.count > 60 ? String(value.prefix(60)) + "…" : value
        return "“\(field)”填写有误（\(shown.isEmpty ? "空" : shown)）：\(reason)"
    }
}

/// Every value a request carries has a length (issue 6: a 50,000-character search once answered 500):
/// a query value longer than `maxQuery` or a form value longer than `maxForm` characters is refused
/// by name before any handler. Handlers check their own fields more closely (`FormField.text`).
struct InputLimitsMiddleware: AsyncMiddleware {
    static let maxQuery = 200
    static let maxForm = 4_000

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let query = request.url.query {
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let value = parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[1]) : ""
                if value.count > Self.maxQuery {
                    throw FormError(field: parts[0].removingPercentEncoding ?? parts[0], value: value,
                                    reason: "过长：\(value.count) 个字符，最多 \(Self.maxQuery) 个")
                }
            }
        }
        if request.method == .POST {
            let type = request.headers.contentType
            let isForm = type == .urlEncodedForm
            let isMultipart = type?.type == "multipart" && type?.subType == "form-data"
            let isJSON = type == .json
            // Pages take forms; uploads take multipart; only the API takes JSON.
            let upload = (request.route?.userInfo[SiteURL.routeKey] as? SiteURL)?.takesUpload ?? false
            let empty = (request.body.data?.readableBytes ?? 0) == 0
            if !empty, request.isAPI ? !isJSON : !(isForm || (isMultipart && upload)) {
                throw Abort(.unsupportedMediaType)
            }
            if isForm, let body = request.body.string {
                // Every pair as sent (nested keys too), not only what a decoder keeps.
                for pair in body.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
                    let key = parts[0].removingPercentEncoding ?? parts[0]
                    let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
                    if value.count > Self.maxForm {
                        throw FormError(field: key, value: value, reason: "过长：\(value.count) 个字符，最多 \(Self.maxForm) 个")
                    }
                    if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !["\n", "\r", "\t"].contains($0) }) {
                        throw FormError(field: key, value: "", reason: FreeText.Problem.controlCharacter.message)
                    }
                }
            }
        }
        return try await next.respond(to: request)
    }
}

/// A path or query carrying control characters (a NUL byte, say) is refused before any handler or
/// database sees it: no record has such an id, and PostgreSQL refuses NUL in text outright.
struct ControlCharacterMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        func hasControl(_ s: String?) -> Bool {
            (s?.removingPercentEncoding ?? s)?.unicodeScalars.contains { $0.properties.generalCategory == .control } ?? false
        }
        if hasControl(request.url.path) { throw Abort(.notFound) }
        if hasControl(request.url.query) {
            throw Abort(.badRequest, reason: "请求中含有控制字符 (control characters in the query)")
        }
        return try await next.respond(to: request)
    }
}

/// Form values every page parses the same way, refused as `FormError` naming the field and the value.
enum FormField {
    /// A `YYYY-MM` month.
    static func month(_ field: String, _ text: String) throws -> YearMonth {
        do { return try YearMonth(parsing: text) } catch {
            throw FormError(field: field, value: text, reason: "应为 YYYY-MM")
        }
    }

    /// A `YYYY-MM-DD` date.
    static func date(_ field: String, _ text: String) throws -> CivilDate {
        do { return try CivilDate(parsing: text) } catch { throw FormError(field: field, value: text, reason: "应为 YYYY-MM-DD") }
    }

    /// A date that must be filled in: absent or empty is "必填".
    static func requiredDate(_ field: String, _ text: String?) throws -> CivilDate {
        guard let text, !text.isEmpty else { throw FormError(field: field, value: "", reason: "必填") }
        return try date(field, text)
    }

    /// Text a person types (a name, an address, an opinion): trimmed, at most `max` characters, no control
    /// characters; `required` refuses a blank one, else blank is nil.
    static func text(_ field: String, _ text: String?, max: Int, required: Bool = true) throws -> String? {
        let raw = text ?? ""
        if FreeText.isBlank(raw) {
            if required { throw FormError(field: field, value: "", reason: "必填") }
            return nil
        }
        do { return try FreeText.check(raw, maxLength: max) } catch {
            throw FormError(field: field, value: raw, reason: error.message)
        }
    }

    /// A telephone number: digits with `+ - ( )` and spaces, 7–20 characters, at least 7 digits
    /// (`13800000000`, `(0825)5435019`, `+86 138 0000 0000`).
    static func phone(_ field: String, _ text: String) throws -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        let allowed = t.allSatisfy { ($0.isASCII && $0.isNumber) || "+-() ".contains($0) }
        guard allowed, (7...20).contains(t.count), t.filter({ $0.isASCII && $0.isNumber }).count >= 7 else {
            throw FormError(field: field, value: t, reason: "应为电话号码，如 13800000000 或 (0825)5435019")
        }
        return t
    }

    /// A resident ID number, normalised; the error says what is wrong with it.
    static func residentID(_ field: String, _ text: String) throws -> ResidentID {
        do { return try ResidentID(text) } catch { throw FormError(field: field, value: text, reason: error.message) }
    }
}
