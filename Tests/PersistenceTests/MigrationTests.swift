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

@Suite struct SchemaPreparationTests {
    /// SQLite migrates by itself; on PostgreSQL a schema that is behind is refused with the command to run.
    @Test func postgresNeedsAnExplicitMigrate() async throws {
        try await withTestDatabase { handle async throws in
            try await handle.revertAll()
            if handle.settings.isPostgres {
                await #expect(throws: SchemaError.behind(JiuzhuMigrations.all.map(\.name))) { try await handle.prepareSchema() }
                #expect(SchemaError.behind(["x"]).description.contains("jiuzhu migrate"))
                try await handle.migrate()
            } else {
                try await handle.prepareSchema()
            }
            #expect(try await handle.pendingMigrations().isEmpty)
        }
    }
}
