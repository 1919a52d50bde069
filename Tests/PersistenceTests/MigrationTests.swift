import Persistence
import SQLKit
import TestSupport
import Testing

@Suite struct MigrationTests {
    @Test func prepareRevertPrepare() async throws {
        try await withTestDatabase { handle async throws in
            #expect(try await handle.pendingMigrations().isEmpty)
            try await handle.revertAll()
            #expect(try await handle.pendingMigrations().count == JiuzhuMigrations.all.count)
            try await handle.migrate()
            #expect(try await handle.pendingMigrations().isEmpty)
        }
    }

    @Test func migrationNamesAreExplicitAndUnique() {
        let names = JiuzhuMigrations.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.first?.isNumber == true })
    }
}
