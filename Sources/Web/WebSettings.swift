import Domain
import Foundation
import Jobs
import Persistence

/// Everything the web layer needs, read once at start-up and passed in.
public struct WebSettings: Sendable {
    public var database: DatabaseSettings
    /// The keys of the sealed columns (ADR 0021).
    public var dataKeys: DataKeys
    /// The installed county (`510921`).
    public var countyCode: String
    public var divisions: Divisions
    public var calendar: WorkCalendar
    /// Where uploaded documents and bank files are kept.
    public var dataDirectory: URL
    /// Shows the 演示数据 mark on every page and export.
    public var isDemo: Bool
    /// Today in China (deadlines are counted in Beijing time); replaceable in tests.
    public var today: @Sendable () -> CivilDate
    /// Largest upload, in bytes.
    public var maxUploadBytes: Int
    /// The bureau's complaint and report telephone, printed on notices (DB-2021 Art. 36; the county
    /// report gives (0825)5435019), besides the national 12349 hotline.
    public var hotline = "(0825)5435019"
    /// The programmes this county runs in Jiuzhu, in the order pages show them.
    public var programmes: [Programme]
    /// Session cookies marked `Secure` (sent over HTTPS only; browsers treat http://localhost as
    /// secure). Off only for a plain-HTTP office network (`serve --insecure-cookies`).
    public var secureCookies = true
    /// How long a session lives without a request, and in all.
    public var sessionLifetime = SessionStore.Lifetime.standard
    /// The address of a reverse proxy whose `X-Forwarded-For` names the client (nil: none trusted).
    public var trustedProxy: String?

    public init(database: DatabaseSettings, dataKeys: DataKeys, countyCode: String = "510921", divisions: Divisions = .pengxi,
                calendar: WorkCalendar = .china, dataDirectory: URL,
                isDemo: Bool = false, today: @escaping @Sendable () -> CivilDate = ChinaClock.today,
                maxUploadBytes: Int = 10 * 1024 * 1024, programmes: [Programme] = Programme.managed) {
        self.database = database
        self.dataKeys = dataKeys
        self.countyCode = countyCode
        self.divisions = divisions
        self.calendar = calendar
        self.dataDirectory = dataDirectory
        self.isDemo = isDemo
        self.today = today
        self.maxUploadBytes = maxUploadBytes
        self.programmes = programmes
    }

    /// The programme named by a form or query field.
    /// - Throws: `FormError` naming the field and value unless it is one this county runs; a programme
    ///   Jiuzhu does not implement yet, or that this county does not run, is said so by name.
    func programme(field: String, _ text: String?) throws -> Programme {
        let value = text ?? ""
        let expected = "应为 " + programmes.map { "\($0.rawValue)（\($0.shortChinese)）" }.joined(separator: "、")
        guard let p = Programme(rawValue: value) else { throw FormError(field: field, value: value, reason: expected) }
        do { _ = try p.rules() } catch { throw FormError(field: field, value: value, reason: error.message) }
        guard programmes.contains(p) else {
            throw FormError(field: field, value: value, reason: "本县未在系统中开展\(p.shortChinese)；\(expected)")
        }
        return p
    }

    public func townshipName(_ code: String) -> String {
        DivisionCode(code).flatMap { divisions.division($0)?.name } ?? code
    }
}
