import Domain
import Persistence
import Plot
import Vapor

/// 工作台: builds `Dashboard.Model` from the stores; `Dashboard.view` renders it.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.home, use: index)
    }

    /// Each part only for a user who may read it, and every figure of the user's area.
    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let today = s.today()
        let user = req.staff!
        let scope = req.scope
        let stats = StatisticsStore(req.db)
        let month = try await stats.latestPayrollMonth(countyCode: s.countyCode) ?? today.yearMonth
        let registry = user.may(.viewRegistry), payroll = user.may(.viewPayroll)
        var sections: [Dashboard.Section] = []
        for p in s.programmes where (try? p.rules())?.cadence != .once {
            let towns = registry ? try await stats.coverage(of: p, in: scope, month: month).map {
                Dashboard.Town(code: $0.townshipCode, name: s.townshipName($0.townshipCode), households: $0.households,
                               people: $0.people, amount: $0.monthlyBenefit)
            } : []
            sections.append(Dashboard.Section(
                programme: p, monthly: (try? p.rules())?.cadence == .monthly,
                batch: payroll ? try await req.payroll.batch(countyCode: s.countyCode, programme: p, month: month) : nil, towns: towns))
        }
        let open = registry ? try await req.applications.list(in: scope, openOnly: true).map { ApplicationRow.make($0, settings: s, today: today) } : []
        var model = Dashboard.Model(month: month, today: today, sections: sections,
                                    byProgramme: registry ? try await stats.coverageByProgramme(in: scope, month: month) : [],
                                    openApplications: open.count, overdue: open.filter(\.isOverdue))
        model.areaName = s.townshipName(scope.areaCode)
        model.showsRegistry = registry
        model.showsPayroll = payroll
        model.managesUsers = user.may(.manageUsers)
        model.showsPolicy = user.may(.viewPolicy)
        if registry, s.programmes.contains(.temporary) {
            let store = TemporaryCaseStore(req.db)
            let (granted, amount) = try await store.granted(in: scope, year: today.year)
            let open = try await store.list(in: scope, openOnly: true)
                .map { TemporaryIndex.row($0, townshipName: "", today: today) }
            model.temporary = Dashboard.TemporarySummary(year: today.year, granted: granted, amount: amount, open: open.count,
                                                         overdue: open.filter(\.overdue).count)
        }
        if registry {
            model.monitoring = try await MonitoringStore(req.db, today: s.today).loop(in: scope, month: today.yearMonth)
        }
        // The relief station (救助站), for those who may read its stays.
        if user.may(.viewStation) {
            let store = ReliefStationStore(req.db)
            let figures = try await store.figures(countyCode: s.countyCode, month: today.yearMonth)
            let open = try await store.stays(countyCode: s.countyCode, from: today, through: today, openOnly: true)
            model.station = Dashboard.StationSummary(month: today.yearMonth, visits: figures.visits, people: figures.people,
                                                     inStation: open.count,
                                                     overstaying: open.filter { $0.stay.overstay(asOf: today, maxStayDays: $0.maxStayDays) }.count)
        }
        let book = try await req.policyBook()
        if (try? book.policy(region: s.countyCode, month: today.yearMonth)) == nil {
            model.policyMissing = PolicyError.noPolicyInForce(region: s.countyCode, month: today.yearMonth).message
        }
        model.policyWarnings = [book.unchangedWarning(region: s.countyCode, month: today.yearMonth)].compactMap { $0?.message }
        return HTMLPage(html: Layout.page(title: Dashboard.title, request: req, active: .dashboard, body: Dashboard.view(model)))
    }
}
