@testable import Domain

/// Builds members tersely for rule tables. IDs are the made-up ones of the field cases.
func member(_ id: String, _ name: String, _ rel: Relationship, status: MemberStatus = .active,
            monthly: [(IncomeKind, String)] = [], annual: [(IncomeKind, String)] = []) -> Member {
    let items = monthly.map { IncomeItem(kind: $0.0, period: .monthly, amount: try! Money(yuan: $0.1)) }
        + annual.map { IncomeItem(kind: $0.0, period: .annual, amount: try! Money(yuan: $0.1)) }
    return Member(residentID: try! ResidentID(id), name: name, relationship: rel, status: status, income: items)
}

/// A policy like Pengxi 2021 with another urban standard, for the worked examples of other places.
func policy(urban: Int64 = 600, rural: Int64 = 420) -> Policy {
    var p = Policy.pengxi2021
    p.dibao!.standard = [.urban: .yuan(urban), .rural: .yuan(rural)]
    return p
}

let month2021_07 = YearMonth(year: 2021, month: 7)!

/// Synthetic, checksum-valid IDs (prefix 110101) for households of any size.
let ids = ["110101197503149130", "110101197708029247", "110101200511209150", "110101199003079163",
           "11010119720528959X", "110101197902259513", "110101198107139621"]
