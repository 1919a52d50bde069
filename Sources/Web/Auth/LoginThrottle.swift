import Foundation
import Vapor

/// Slows password guessing (等保 2.0 8.1.4.1 b 登录失败处理; ASVS 2.2.1). Within `window`, attempts are
/// refused once the failures plus the attempts still being checked reach
/// - `perPair` for one account from one address,
/// - `perAddress` for one address over all accounts,
/// - `perAccount` for one account over all addresses (a distributed guess).
///
/// An attempt takes its slot before the password is checked (`begin`), so a hundred concurrent wrong
/// passwords are not all checked. A handful of anonymous failures from one address locks that address
/// out of that account, not the account's owner at another desk; only a distributed burst reaches
/// `perAccount`. Kept in memory: a restart clears it (ADR 0018).
actor LoginThrottle {
    let perPair: Int
    let perAddress: Int
    let perAccount: Int
    let window: TimeInterval

    private var failures: [Key: [Date]] = [:]
    private var inFlight: [Key: Int] = [:]
    private var refusalRecorded: [Key: Date] = [:]

    enum Key: Hashable { case pair(String, String), address(String), account(String) }

    struct Refusal: Sendable {
        var reason: String
        /// Recorded in the audit trail: the first refusal of an account from an address each minute (a
        /// flood of refused guesses is one entry a minute, not thousands of writes).
        var record: Bool = true
        var message: String { "登录失败次数过多，请 15 分钟后再试，或请系统管理员重置密码" }
    }

    /// A bcrypt hash of no password anyone has, checked for unknown user names so that they take as
    /// long as known ones.
    /// Made once per process, at the default cost (12) of the hashes users get.
    static let decoyHash: String = try! Bcrypt.hash(UUID().uuidString + UUID().uuidString)

    init(perPair: Int = 5, perAddress: Int = 20, perAccount: Int = 50, window: TimeInterval = 15 * 60) {
        self.perPair = perPair
        self.perAddress = perAddress
        self.perAccount = perAccount
        self.window = window
    }

    /// Takes a slot for an attempt, or refuses naming the limit reached.
    func begin(account: String, address: String, now: Date = Date()) -> Refusal? {
        let keys: [(Key, Int, String)] = [
            (.pair(account.lowercased(), address), perPair, "该账号在该地址连续失败 \(perPair) 次"),
            (.address(address), perAddress, "该地址连续失败 \(perAddress) 次"),
            (.account(account.lowercased()), perAccount, "该账号连续失败 \(perAccount) 次"),
        ]
        for (key, limit, reason) in keys where recent(key, now: now) + (inFlight[key] ?? 0) >= limit {
            let pair = keys[0].0
            let record = refusalRecorded[pair].map { now.timeIntervalSince($0) >= 60 } ?? true
            if record { refusalRecorded[pair] = now }
            return Refusal(reason: reason, record: record)
        }
        for (key, _, _) in keys { inFlight[key, default: 0] += 1 }
        return nil
    }

    /// Ends an attempt begun with `begin`. A success clears the pair's failures (not the address's or
    /// the account's: a guesser who also knows one password does not reset the others).
    func finish(account: String, address: String, success: Bool, now: Date = Date()) {
        let keys: [Key] = [.pair(account.lowercased(), address), .address(address), .account(account.lowercased())]
        for key in keys {
            inFlight[key] = max(0, (inFlight[key] ?? 1) - 1)
            if !success { failures[key] = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window } + [now] }
        }
        if success { failures[.pair(account.lowercased(), address)] = nil }
    }

    private func recent(_ key: Key, now: Date) -> Int {
        (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }.count
    }
}

struct LoginThrottleKey: StorageKey {
    typealias Value = LoginThrottle
}

extension Application {
    /// Installed by `configure`.
    var loginThrottle: LoginThrottle { storage[LoginThrottleKey.self]! }
}
