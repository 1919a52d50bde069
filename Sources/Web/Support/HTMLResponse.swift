import Vapor

/// A rendered page. Plot values never leave the handler; only this string does.
struct HTMLPage: AsyncResponseEncodable {
    var html: String
    var status: HTTPResponseStatus = .ok

    func encodeResponse(for request: Request) async throws -> Response {
        let r = Response(status: status, body: .init(string: html))
        r.headers.contentType = .html
        r.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return r
    }
}

extension Request {
    /// The flash message left by the previous POST (shown once).
    func takeFlash() -> (kind: String, text: String)? {
        guard let text = session.data["flash"] else { return nil }
        let kind = session.data["flash_kind"] ?? "info"
        session.data["flash"] = nil
        session.data["flash_kind"] = nil
        return (kind, text)
    }

    func flash(_ text: String, kind: String = "info") {
        session.data["flash"] = text
        session.data["flash_kind"] = kind
    }

    /// Redirect after a POST (303), so a refresh never repeats the action.
    func seeOther(_ path: String) -> Response { redirect(to: path, redirectType: .normal) }
}
