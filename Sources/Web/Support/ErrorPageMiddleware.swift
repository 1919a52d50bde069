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
            let (status, described) = Self.describe(error)
            // A value echoed from the request (an id in the path) never carries control characters.
            let message = String(described.unicodeScalars.filter { $0.properties.generalCategory != .control })
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
                .p(.class("flash error"), .text(message)),
                // No script (the CSP forbids it): the browser's back button, or the dashboard.
                .p(.text("请用浏览器的“后退”返回上一页，或 "), .a(.attr("href", SiteURL.home.path), .text("回到工作台")))
            ), showNav: request.staff != nil)
            return try await HTMLPage(html: html, status: status).encodeResponse(for: request)
        }
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
        case let e as ProgrammeError: return (.unprocessableEntity, e.message)
        case let e as AssessmentError: return (.unprocessableEntity, e.message)
        case let e as DocumentStore.DocumentError: return (.unprocessableEntity, e.message)
        case let e as BankFileError: return (.conflict, e.message)
        case let e as FormError: return (.unprocessableEntity, e.message)
        case let e as AssessError: return (.unprocessableEntity, e.description)
        case is DecodingError:
            return (.badRequest, "表单或请求内容缺少必填项或格式不对，请检查后重新提交 (missing or malformed field)")
        case let e as any AbortError:
            switch e.status {
            case .notFound: return (.notFound, "页面不存在 (not found)")
            case .payloadTooLarge:
                return (.payloadTooLarge, "提交的内容（或上传的文件）太大，超过系统上限 (payload too large)")
            case .badRequest:
                return (.badRequest, "表单或请求内容缺少必填项或格式不对，请检查后重新提交 (\(e.reason))")
            case .unsupportedMediaType:
                return (.unsupportedMediaType, "提交格式不支持：表单请用 application/x-www-form-urlencoded 或 multipart/form-data，接口请用 JSON")
            default: return (e.status, e.reason)
            }
        default:
            return (.internalServerError, "系统内部错误，请稍后重试或联系管理员 (internal error)")
        }
    }
}

/// A form field with a bad value: which field, which value, what to do.
struct FormError: Error {
    var field: String
    var value: String
    var reason: String

    var message: String { "“\(field)”填写有误（\(value.isEmpty ? "空" : value)）：\(reason)" }
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

    /// A resident ID number, normalised; the error says what is wrong with it.
    static func residentID(_ field: String, _ text: String) throws -> ResidentID {
        do { return try ResidentID(text) } catch { throw FormError(field: field, value: text, reason: error.message) }
    }
}
