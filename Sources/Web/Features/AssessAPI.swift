import Domain
import Foundation
import Vapor

/// `POST /api/v1/assess`: the assess contract (docs/assess-format.md) for other departments' systems.
struct AssessAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, .assessAPI, body: .collect(maxSize: "1mb"), use: assess)
    }

    func assess(req: Request) async throws -> Response {
        guard let buffer = req.body.data else {
            throw AssessError(key: "(body)", value: "", reason: "请求体为空 (empty body)")
        }
        let s = req.settings
        let response = try AssessContract.evaluate(json: Data(buffer: buffer), policyBook: await req.policyBook(),
                                                   defaultRegion: s.countyCode)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let r = Response(status: .ok, body: .init(data: try encoder.encode(response)))
        r.headers.contentType = .json
        return r
    }
}
