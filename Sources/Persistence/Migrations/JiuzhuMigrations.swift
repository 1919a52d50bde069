import FluentKit

/// The ordered, append-only list of migrations. Never edit or reorder an entry once released; add a
/// new one. Each has an explicit `name` equal to its file stem, so moving it never re-runs it.
public enum JiuzhuMigrations {
    public static let all: [any Migration] = [
        M0001CreateRegistry(),
        M0002CreateApplications(),
        M0003CreateEnrollments(),
        M0004CreatePayroll(),
        M0005CreateFunds(),
        M0006CreateUsersAndAudit(),
        M0007CreatePayrollHolds(),
        M0008ProgrammeSeam(),
        M0009PolicyVersions(),
        M0010TekunCaseFacts(),
        M0011CreateTerminations(),
        M0012TemporaryAssistance(),
        M0013ChildFacts(),
        M0014ReliefStation(),
        M0015BackPay(),
        M0016Access(),
        M0017AuditChain(),
        M0018PayrollGuards(),
        M0019ApiTokens(),
        M0020SealIdentifiers(),
        M0021DataKeyGuard(),
        M0022FundLedger(),
        M0023Matching(),
        M0024Monitoring(),
    ]
}
