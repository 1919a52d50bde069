import Domain
import FluentKit
import Foundation
import Persistence

/// `jiuzhu match --dataset KIND FILE` and the matching page: picks the column mapping, opens the file, and
/// imports and matches it with progress (docs/matching.md).
public enum DatasetImport {
    /// Which mapping to use: `mappingText` (a mapping file, saved for its source once the import succeeds),
    /// else the one saved for `source`, else the kind's standard headings (under `source` when given).
    /// - Throws: `DatasetError.badMapping`, `StoreError.unreadable` (a saved mapping that no longer parses).
    public static func mapping(kind: DatasetKind, source: String?, mappingText: String?, countyCode: String,
                               store: MatchStore) async throws -> (mapping: DatasetMapping, save: Bool) {
        if let mappingText {
            let m = try DatasetMapping.parse(mappingText, expected: kind)
            if let source, source.trimmingWhitespace() != m.source {
                throw DatasetError.badMapping("对照表的 source 为“\(m.source)”，命令指定的来源为“\(source)” (source differs)")
            }
            return (m, true)
        }
        if let source, let saved = try await store.mapping(kind: kind, source: source.trimmingWhitespace(), countyCode: countyCode) {
            return (saved.mapping, false)
        }
        return (DatasetMapping.standard(kind, source: source?.trimmingWhitespace()), false)
    }

    /// Imports and matches `file` as `kind`, in one transaction; the same file again changes nothing. `fileName`:
    /// the name recorded (an upload's own name), else the file's.
    public static func run(kind: DatasetKind, file: URL, fileName: String? = nil, source: String?, mappingText: String?, countyCode: String, actor: String,
                           database: any Database, today: @escaping @Sendable () -> CivilDate,
                           progress: Progress = .silent) async throws -> DatasetImportResult {
        let store = MatchStore(database, today: today)
        let (mapping, save) = try await mapping(kind: kind, source: source, mappingText: mappingText, countyCode: countyCode, store: store)
        let opened = try DatasetFiles.open(file)
        defer { opened.close() }
        let total = opened.estimate
        let result = try await store.importDataset(opened.rows, mapping: mapping, fileName: fileName ?? file.lastPathComponent, sha256: opened.sha256,
                                                   countyCode: countyCode, actor: actor) { n in
            progress.report(min(n, max(total, n)), max(total, n), "行 (rows)")
        }
        progress.report(result.rows, result.rows, "行 (rows)")
        if save { try await store.save(mapping, countyCode: countyCode, actor: actor) }
        return result
    }
}
