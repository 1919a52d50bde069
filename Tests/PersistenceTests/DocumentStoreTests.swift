import Domain
import Foundation
import Persistence
import TestSupport
import Testing

@Suite struct DocumentStoreTests {
    @Test func storesWithChecksumAndRefusesOversize() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jz-docs-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = DocumentStore(handle.db, directory: dir, maxBytes: 1024)
            let info = try await store.add(householdID: "h01", kind: .pledge, originalName: "承诺书.pdf",
                                           contentType: "application/pdf", bytes: Data("abc".utf8), actor: "t")
            #expect(info.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            let (_, data) = try await store.content(of: info.id, householdID: "h01")
            #expect(data == Data("abc".utf8))
            await #expect(throws: DocumentStore.DocumentError.tooLarge(name: "big.pdf", bytes: 2048, max: 1024)) {
                try await store.add(householdID: "h01", kind: .other, originalName: "big.pdf", contentType: "application/pdf",
                                    bytes: Data(count: 2048), actor: "t")
            }
            await #expect(throws: StoreError.self) {
                try await store.add(householdID: "nobody", kind: .other, originalName: "a.pdf", contentType: "application/pdf",
                                    bytes: Data("x".utf8), actor: "t")
            }
            #expect(try await store.documents(ofHousehold: "h01").count == 1)
            // A file changed on disk is detected.
            try Data("abd".utf8).write(to: dir.appendingPathComponent(info.storedName))
            await #expect(throws: StoreError.self) { try await store.content(of: info.id, householdID: "h01") }
        }
    }
}
