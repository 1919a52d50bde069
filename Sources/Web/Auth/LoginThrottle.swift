import Foundation
import Vapor

/// Slows password guessing: after `limit` failures for one user name within `window`, further
/// attempts for that name are refused until the window has passed.
actor LoginThrottle {
    let limit: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    func isLocked(_ username: String, now: Date = Date()) -> Bool {
        recent(username, now: now).count >= limit
    }

    func recordFailure(_ username: String, now: Date = Date()) {
        failures[username] = recent(username, now: now) + [now]
    }

    func reset(_ username: String) {
        failures[username] = nil
    }

    private func recent(_ username: String, now: Date) -> [Date] {
        (failures[username] ?? []).filter { now.timeIntervalSince($0) < window }
    }
}

struct LoginThrottleKey: StorageKey {
    typealias Value = LoginThrottle
}

extension Application {
    /// Installed by `configure`.
    var loginThrottle: LoginThrottle { storage[LoginThrottleKey.self]! }
}
