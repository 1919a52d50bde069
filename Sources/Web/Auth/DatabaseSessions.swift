import Persistence
import Vapor

/// Vapor sessions kept by `SessionStore` (ADR 0018): they survive a restart, expire when idle or old,
/// and are deleted by logout, a password change or a disabled account. Vapor's Fluent driver keeps no
/// user, address or times, so an account's sessions could not be ended together; this driver is ours.
struct DatabaseSessions: SessionDriver {
    let lifetime: SessionStore.Lifetime

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let id = try await SessionStore(request.db).create(
                data: data.snapshot, userID: data[SessionKeys.userID], address: request.clientAddress, lifetime: lifetime)
            return SessionID(string: id)
        }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask {
            // A cookie that is not one of ours (too long, odd characters) is no session.
            guard sessionID.string.count <= 64 else { return nil }
            let record = try await SessionStore(request.db).read(sessionID.string, lifetime: lifetime)
            request.storage[ReadSessionKey.self] = record
            return record.map { SessionData(initialData: $0.data) }
        }
    }

    /// Written when the data or user changed, or a minute after the last write (`SessionStore.touchInterval`):
    /// pages that only read do not each take SQLite's one writer.
    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let userID = data[SessionKeys.userID]
            if let read = request.storage[ReadSessionKey.self] ?? nil,
               !SessionStore.needsWrite(after: read, data: data.snapshot, userID: userID) {
                return sessionID
            }
            try await SessionStore(request.db).update(sessionID.string, data: data.snapshot, userID: userID)
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask {
            try await SessionStore(request.db).delete(sessionID.string)
        }
    }
}

/// The session as read at the start of the request.
struct ReadSessionKey: StorageKey {
    typealias Value = SessionStore.Record?
}

extension Request {
    /// The client's address for sign-in limits and the audit log: the socket peer. A deployment behind a
    /// reverse proxy sets `WebSettings.trustedProxy` so the proxy's `X-Forwarded-For` is used instead.
    var clientAddress: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        if let proxy = settings.trustedProxy, peer == proxy,
           let forwarded = headers.first(name: .xForwardedFor)?.split(separator: ",").last {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return peer
    }
}
