import Domain
import Foundation
import Jobs
import Persistence
import Vapor

/// Imports started from the 信息比对 page run in the background and show their progress on a page that
/// refreshes itself (no script: the CSP forbids it). An import is one transaction: stopped (the server
/// restarted), nothing of it remains, and the same file can simply be imported again.
actor ImportJobs {
    enum State: Sendable, Equatable {
        case running
        case done(summary: String, alreadyImported: Bool)
        case failed([String])
    }

    struct Job: Sendable, Equatable {
        var id: String
        var countyCode: String
        var actor: String
        var kind: DatasetKind
        var fileName: String
        var startedAt: Date
        var rowsRead: Int
        var rowsEstimate: Int
        var state: State
    }

    private var jobs: [String: Job] = [:]
    private var order: [String] = []

    func start(_ job: Job) {
        jobs[job.id] = job
        order.append(job.id)
        // The latest 50 are kept for their pages.
        while order.count > 50 { jobs[order.removeFirst()] = nil }
    }

    func progress(_ id: String, read: Int, estimate: Int) {
        jobs[id]?.rowsRead = read
        jobs[id]?.rowsEstimate = estimate
    }

    func finish(_ id: String, _ state: State) { jobs[id]?.state = state }

    func job(_ id: String) -> Job? { jobs[id] }
}

struct ImportJobsKey: StorageKey {
    typealias Value = ImportJobs
}

extension Application {
    /// Installed by `configure`.
    var importJobs: ImportJobs { storage[ImportJobsKey.self]! }
}
