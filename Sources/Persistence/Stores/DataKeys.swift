import Domain
import Crypto
import FluentKit
import Foundation

/// The keys that protect sensitive columns at rest (ADR 0021): ID numbers and bank account numbers are
/// stored sealed with AES-256-GCM, and found by a blind index (HMAC-SHA-256) instead of their text.
///
/// A key is 32 random bytes written as base64 (44 characters, `jiuzhu key new`), given to the process in
/// `JIUZHU_DATA_KEY` or in a file named by `JIUZHU_DATA_KEY_FILE`; during a rotation the keys replaced are in `JIUZHU_DATA_KEY_PREVIOUS`
/// (comma-separated) until `jiuzhu key rotate` has resealed every value. From each key two are derived
/// with HKDF-SHA-256: one seals, one indexes; its id is the first 8 hex digits of a third derivation, stored
/// with every sealed value so the right key is chosen and a missing one is named.
public struct DataKeys: Sendable {
    public struct Key: Sendable {
        public let id: String
        let sealing: SymmetricKey
        let index: SymmetricKey

        /// - Throws: `DataKeyError.malformed` when the text is not base64 of exactly 32 bytes.
        public init(text: String, name: String) throws {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw DataKeyError.malformed(name)
            }
            let master = SymmetricKey(data: data)
            func derive(_ info: String) -> SymmetricKey {
                HKDF<SHA256>.deriveKey(inputKeyMaterial: master, salt: Data("jiuzhu".utf8), info: Data(info.utf8), outputByteCount: 32)
            }
            sealing = derive("jiuzhu sealed column v1")
            index = derive("jiuzhu blind index v1")
            id = derive("jiuzhu key id v1").withUnsafeBytes { Data($0) }.prefix(4).map { String(format: "%02x", $0) }.joined()
        }
    }

    public let current: Key
    /// Keys being replaced: named in messages, and opened only by a rotation (`forRotation()`), so a
    /// retired key left in the environment opens nothing in daily work.
    public let previous: [Key]
    private var opensPrevious = false

    public init(current: Key, previous: [Key] = []) {
        self.current = current
        self.previous = previous
    }

    /// The same keys, opening values sealed with a previous key too: for `jiuzhu key rotate` only.
    public func forRotation() -> DataKeys {
        var k = self
        k.opensPrevious = true
        return k
    }

    /// The variable that holds the current key, and the one that holds the keys being replaced.
    public static let variable = "JIUZHU_DATA_KEY"
    public static let previousVariable = "JIUZHU_DATA_KEY_PREVIOUS"
    public static let fileVariable = "JIUZHU_DATA_KEY_FILE"

    /// The keys in `environment`: `JIUZHU_DATA_KEY`, else the file `JIUZHU_DATA_KEY_FILE` names; nil when
    /// neither is set.
    /// - Throws: `DataKeyError.malformed` naming the variable (or file) whose value is not a key (an
    ///   empty file too), `.unreadableFile` for a key file that cannot be read, `.twoSources` when both
    ///   are set, `.missing` when only previous keys are.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DataKeys? {
        var text = environment[variable] ?? ""
        var name = variable
        let path = environment[fileVariable] ?? ""
        if !text.isEmpty && !path.isEmpty { throw DataKeyError.twoSources }
        if text.isEmpty && !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path), let t = String(data: data, encoding: .utf8) else {
                throw DataKeyError.unreadableFile(path)
            }
            text = t
            name = "\(fileVariable) (\(path))"
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw DataKeyError.malformed(name) }
        }
        guard !text.isEmpty else {
            if !(environment[previousVariable] ?? "").isEmpty { throw DataKeyError.missing }
            return nil
        }
        let previous = try (environment[previousVariable] ?? "").split(separator: ",").enumerated().map { i, t in
            try Key(text: String(t), name: "\(previousVariable) (key \(i + 1))")
        }
        return DataKeys(current: try Key(text: text, name: name), previous: previous)
    }

    /// A new random key as base64 (what `jiuzhu key new` prints).
    public static func newKeyText() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    /// What a sealed value is: its associated data, so a value moved from one kind of column to another
    /// does not open.
    public enum Kind: String, Sendable {
        case residentID = "resident-id"
        case bankAccount = "bank-account"
        case record = "record"
    }

    static let prefix = "e1:"

    /// `e1:KEYID:base64(nonce ‖ ciphertext ‖ tag)`, with a fresh random nonce.
    public func seal(_ plaintext: String, as kind: Kind) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.sealing, authenticating: Data(kind.rawValue.utf8))
        guard let combined = box.combined else { throw DataKeyError.sealFailed }
        return Self.prefix + current.id + ":" + combined.base64EncodedString()
    }

    /// The text of a sealed value.
    /// - Throws: `DataKeyError.notSealed` (a value stored in the clear), `.unknownKey` (sealed with a key
    ///   not given), `.damaged` (it does not authenticate), each naming `place` (table.column and row).
    public func open(_ stored: String, as kind: Kind, place: String) throws -> String {
        guard stored.hasPrefix(Self.prefix) else { throw DataKeyError.notSealed(place) }
        let parts = stored.dropFirst(Self.prefix.count).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let data = Data(base64Encoded: String(parts[1])) else { throw DataKeyError.damaged(place) }
        let keyID = String(parts[0])
        guard let key = ([current] + (opensPrevious ? previous : [])).first(where: { $0.id == keyID }) else {
            throw DataKeyError.unknownKey(keyID, place + " ", given: current.id)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plain = try AES.GCM.open(box, using: key.sealing, authenticating: Data(kind.rawValue.utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw DataKeyError.damaged(place) }
            return text
        } catch let e as DataKeyError {
            throw e
        } catch {
            throw DataKeyError.damaged(place)
        }
    }

    /// The key id a sealed value names (nil for a value in the clear).
    public static func keyID(of stored: String) -> String? {
        guard stored.hasPrefix(prefix) else { return nil }
        return stored.dropFirst(prefix.count).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// The blind index of a value under the current key: 32 hex digits of HMAC-SHA-256 over the kind and
    /// the text. Equal texts of one kind have equal indexes; the text cannot be read back from it.
    public func index(_ plaintext: String, as kind: Kind) -> String {
        Self.index(plaintext, as: kind, key: current)
    }

    /// An account number is indexed as `PayeeChecks.accountKey` reduces it, so one account written with or
    /// without separators has one index (field case C20).
    static func index(_ plaintext: String, as kind: Kind, key: Key) -> String {
        let text = kind == .bankAccount ? PayeeChecks.accountKey(plaintext) : plaintext
        let mac = HMAC<SHA256>.authenticationCode(for: Data((kind.rawValue + "\u{0}" + text).utf8), using: key.index)
        return Data(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

public enum DataKeyError: Error, Equatable, CustomStringConvertible {
    /// No key was given to a process that reads or writes a sensitive column.
    case missing
    case malformed(String)
    case unreadableFile(String)
    /// Both `JIUZHU_DATA_KEY` and `JIUZHU_DATA_KEY_FILE` are set.
    case twoSources
    case sealFailed
    case notSealed(String)
    /// A value (or the database) sealed with key `id`, where the key given is `given`.
    case unknownKey(String, String, given: String)
    case damaged(String)
    /// Values are still sealed with a key being replaced.
    case rotationPending(String)
    /// A rotation was asked to make current a key the database was rotated away from.
    case retiredKey(String)

    public var description: String {
        switch self {
        case .missing:
            return "未提供数据密钥：请把加密本数据库所用的密钥设在 \(DataKeys.variable)（或以 \(DataKeys.fileVariable) 指向密钥文件；演示数据库的密钥文件在它旁边，如 jiuzhu-demo.sqlite.key）；新数据库可用 `jiuzhu key new` 生成，密钥须与数据库分开保管（docs/security.md）(no data key)"
        case .malformed(let name): return "\(name) 不是数据密钥：应为 32 字节的 base64（44 个字符，由 `jiuzhu key new` 生成）(not a data key)"
        case .twoSources: return "\(DataKeys.variable) 与 \(DataKeys.fileVariable) 只能设一个 (both set)"
        case .unreadableFile(let path): return "无法读取密钥文件 \(path)（\(DataKeys.fileVariable)）(key file unreadable)"
        case .sealFailed: return "加密失败 (sealing failed)"
        case .notSealed(let place): return "\(place) 是明文，此处应为加密值：数据被绕过本系统改动过 (stored in the clear)"
        case .unknownKey(let id, let place, let given):
            return "\(place)以密钥 \(id) 加密，而给出的密钥是 \(given)（\(DataKeys.variable) 或 \(DataKeys.fileVariable)）：请用加密本数据库的密钥（`jiuzhu key id` 显示密钥编号；\(DataKeys.previousVariable) 只在 jiuzhu key rotate 中使用）(sealed with another key)"
        case .damaged(let place): return "\(place) 无法用其密钥解密：存储的值被改动或损坏 (altered or damaged)"
        case .retiredKey(let id):
            return "密钥 \(id) 已在以前的轮换中停用，不能再作为当前密钥：请检查 \(DataKeys.variable) 与 \(DataKeys.previousVariable) 是否写反 (retired key)"
        case .rotationPending(let id):
            return "仍有数据用旧密钥 \(id) 加密：请先停止服务，运行 `jiuzhu key rotate` (key rotation not finished)"
        }
    }
}

/// A database configuration that carries the data keys with the database, so every store that reads or
/// writes a sealed column finds them on the `Database` it is given (no global state, no default key).
struct KeyedConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let keys: DataKeys?

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver { base.makeDriver(for: databases) }
}

extension Database {
    /// The data keys of this database.
    /// - Throws: `DataKeyError.missing` when it was opened without them.
    public func dataKeys() throws -> DataKeys {
        guard let keys = (context.configuration as? KeyedConfiguration)?.keys else { throw DataKeyError.missing }
        return keys
    }
}

/// A sealed column: its table, what its values are, and the blind-index column it feeds.
struct SealedColumn: Sendable {
    var table: String
    var column: String
    var kind: DataKeys.Kind
    var index: String?
    /// The table's key column (`id` unless it has another).
    var key: String = "id"

    /// The columns migration 0020 sealed (frozen: a later migration that seals more adds its own list).
    static let sealedBy0020: [SealedColumn] = [
        .init(table: "members", column: "resident_id", kind: .residentID, index: "resident_id_index"),
        .init(table: "households", column: "payee_resident_id", kind: .residentID, index: "payee_resident_index"),
        .init(table: "households", column: "bank_account", kind: .bankAccount),
        .init(table: "payroll_lines", column: "payee_resident_id", kind: .residentID),
        .init(table: "payroll_lines", column: "bank_account", kind: .bankAccount),
        .init(table: "temporary_cases", column: "applicant_resident_id", kind: .residentID, index: "applicant_resident_index"),
        .init(table: "decisions", column: "input", kind: .record),
        .init(table: "station_stays", column: "snapshot", kind: .record),
    ]

    /// Every sealed column (what rotation reseals and reindexes): migration 0022 indexes household accounts
    /// and seals the bank files handed over.
    static var all: [SealedColumn] {
        sealedBy0020.map { c in
            var c = c
            if c.table == "households" && c.column == "bank_account" { c.index = "bank_account_index" }
            return c
        } + [.init(table: "bank_files", column: "content", kind: .record, key: "batch_id")] + M0023Matching.sealed + M0024Monitoring.sealed
    }
}

/// The one place sealed columns are written and read (ADR 0021): a resident ID is stored sealed beside its
/// blind index (`…_index`), which every lookup, join and uniqueness check uses; bank account numbers and
/// records that carry ID numbers (assessment inputs, stay snapshots) are stored sealed.
struct Sealed: Sendable {
    let keys: DataKeys

    /// - Throws: `DataKeyError.missing` when the database was opened without keys.
    init(_ db: any Database) throws { keys = try db.dataKeys() }
    init(_ keys: DataKeys) { self.keys = keys }

    func index(_ id: ResidentID) -> String { keys.index(id.value, as: .residentID) }
    func index(_ id: ResidentID?) -> String? { id.map(index) }
    func indexes(_ ids: [String]) -> [String] { ids.map { keys.index($0, as: .residentID) } }

    func seal(_ id: ResidentID) throws -> String { try keys.seal(id.value, as: .residentID) }
    func seal(_ id: ResidentID?) throws -> String? { try id.map(seal) }
    func seal(account: String?) throws -> String? { try account.map { try keys.seal($0, as: .bankAccount) } }
    /// The blind index of an account number (`households.bank_account_index`, `payee_releases.account_index`).
    func index(account: String) -> String { keys.index(account, as: .bankAccount) }
    func index(account: String?) -> String? { account.map { index(account: $0) } }
    func seal(record: String?) throws -> String? { try record.map { try keys.seal($0, as: .record) } }

    /// The resident ID in a sealed column of `table`, named with the row in any error.
    /// - Throws: `DataKeyError` when it does not open; `StoreError.unreadable` when it opens to text that
    ///   is not an ID number.
    func residentID(_ table: String, _ column: String, _ stored: String, row: String) throws -> ResidentID {
        let text = try keys.open(stored, as: .residentID, place: "\(table).\(column) (\(row))")
        return try Self.redacted(row: row) { try Stored(table).residentID(column, text) }
    }

    /// `body`'s result; a value it finds unreadable is named by table, column and row, never shown: it was
    /// sealed (found when tried as an attacker would: an error page printed the opened ID number).
    static func redacted<T>(row: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch StoreError.unreadable(let table, let column, _) {
            throw StoreError.unreadable(table: table, column: column, value: "（加密存储的值，不显示；行 \(row)）")
        }
    }

    /// The record in a sealed column, decoded.
    func json<T: Decodable>(_ type: T.Type, _ table: String, _ column: String, _ stored: String, row: String) throws -> T {
        let text = try record(table, column, stored, row: row)
        return try Self.redacted(row: row) { try Stored(table).json(type, column, text) }
    }

    func residentID(_ table: String, _ column: String, _ stored: String?, row: String) throws -> ResidentID? {
        try stored.map { try residentID(table, column, $0, row: row) }
    }

    func account(_ table: String, _ column: String, _ stored: String?, row: String) throws -> String? {
        try stored.map { try keys.open($0, as: .bankAccount, place: "\(table).\(column) (\(row))") }
    }

    /// Bytes sealed as the base64 of them (a bank file).
    func seal(bytes: Data) throws -> String { try keys.seal(bytes.base64EncodedString(), as: .record) }

    func bytes(_ table: String, _ column: String, _ stored: String, row: String) throws -> Data {
        guard let d = Data(base64Encoded: try record(table, column, stored, row: row)) else {
            throw DataKeyError.damaged("\(table).\(column) (\(row))")
        }
        return d
    }

    func record(_ table: String, _ column: String, _ stored: String, row: String) throws -> String {
        try keys.open(stored, as: .record, place: "\(table).\(column) (\(row))")
    }
}
