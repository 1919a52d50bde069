import Foundation
import Vapor

/// How many searches by a full ID number an account that may not reveal numbers makes in an hour
/// (found when tried as an attacker would: the region code and birth date on a page leave at most 500
/// candidates for the rest, and search confirmed the right one in 56 requests). A clerk at the window
/// searches a few dozen people a day; 60 an hour stops an enumeration and leaves the work alone.
/// Kept in memory, like the sign-in limits (docs/security.md).
actor IdentifierSearchLimit {
    let perHour: Int
    private var searches: [String: [Date]] = [:]

    init(perHour: Int = 60) { self.perHour = perHour }

    /// Counts a search by `username`; false when the hour's allowance is spent (the search is not made).
    func allow(_ username: String, now: Date = Date()) -> Bool {
        let recent = (searches[username] ?? []).filter { now.timeIntervalSince($0) < 3_600 }
        guard recent.count < perHour else {
            searches[username] = recent
            return false
        }
        searches[username] = recent + [now]
        return true
    }
}

struct IdentifierSearchLimitKey: StorageKey {
    typealias Value = IdentifierSearchLimit
}

extension Application {
    /// Installed by `configure`.
    var identifierSearchLimit: IdentifierSearchLimit { storage[IdentifierSearchLimitKey.self]! }
}
