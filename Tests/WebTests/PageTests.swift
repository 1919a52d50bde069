import Domain
import Foundation
import Jobs
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

@Suite struct PageTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func loginIsRequired() async throws {
        try await withTestApp { session async throws in
            let anonymous = try await session.app.testing().sendRequest(.GET, "/households")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers.first(name: .location) == "/login")
            let login = try await session.app.testing().sendRequest(.GET, "/login")
            #expect(body(login).contains("登录"))
            #expect(try await session.app.testing().sendRequest(.GET, "/health").status == .ok)
        }
    }

    @Test func wrongPasswordIsRefused() async throws {
        try await withTestApp { session async throws in
            let r = try await session.post("/login", form: ["username": "clerk", "password": "wrong"])
            #expect(r.status == .unauthorized)
            #expect(body(r).contains("用户名或密码不正确"))
            for _ in 0..<4 { _ = try await session.post("/login", form: ["username": "clerk", "password": "wrong"]) }
            // Five failures: even the right password waits now.
            let locked = try await session.post("/login", form: ["username": "clerk", "password": "secret-pass"])
            #expect(locked.status == .tooManyRequests)
            #expect(body(locked).contains("登录失败次数过多"))
        }
    }

    /// A form's programme is refused by name: missing or unknown (listing the county's), not implemented yet,
    /// and nothing is generated.
    @Test(arguments: [(["month": "2021-07"], "应为 dibao（低保）"), (["programme": "DIBAO", "month": "2021-07"], "应为 dibao（低保）"),
                      (["programme": "vagrant-relief", "month": "2021-07"], "在救助管理站办理")] as [([String: String], String)])
    func formProgrammeIsRefusedByName(form: [String: String], message: String) async throws {
        try await withTestApp { session async throws in
            let r = try await session.post("/payroll/generate", form: form)
            #expect(r.status == .unprocessableEntity)
            #expect(body(r).contains("救助项目"))
            #expect(body(r).contains(message))
            #expect(!body(try await session.get("/payroll")).contains(">查看<"))  // no batch was generated
        }
    }

    /// A skipped month is warned about before the next one is generated: a page to confirm, nothing made
    /// until the user goes on.
    @Test func aSkippedMonthIsConfirmedFirst() async throws {
        try await withTestApp { session async throws in
            #expect(try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-07"]).status == .seeOther)
            let r = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-10"])
            #expect(r.status == .ok)
            #expect(body(r).contains("低保2021-08、2021-09尚未生成发放批次，确认跳过这些月份并生成 2021-10 吗？"))
            #expect(body(r).contains(#"name="confirmSkipped" value="1""#))
            #expect(!body(try await session.get("/payroll")).contains("2021-10"))
            let confirmed = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-10", "confirmSkipped": "1"])
            #expect(confirmed.status == .seeOther)
            #expect(body(try await session.get("/payroll")).contains("2021-10"))
            // The month in between is not skipped any more once it exists; a later month after it is fine.
            #expect(try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-11"]).status == .seeOther)
        }
    }

    @Test func formWithoutCSRFTokenIsRefused() async throws {
        try await withTestApp { session async throws in
            let r = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-07"], csrf: false)
            #expect(r.status == .forbidden)
            #expect(body(r).contains("表单已过期"))
        }
    }

    @Test func dashboardAndListsRender() async throws {
        try await withTestApp(isDemo: true) { session async throws in
            for (path, text) in [("/", "工作台"), ("/households", "家庭档案"), ("/households/new", "登记新家庭"),
                                 ("/applications", "低保审核确认"), ("/payroll", "低保资金发放"), ("/funds", "附表1")] {
                let r = try await session.get(path)
                #expect(r.status == .ok, "\(path)")
                #expect(body(r).contains(text), "\(path)")
                #expect(body(r).contains("演示数据"), "\(path) carries the demo mark")
            }
        }
    }

    /// Register a household, take its application through every step, pay it, export the bank file.
    @Test func wholeDibaoCycleThroughThePages() async throws {
        try await withTestApp { session async throws in
            var form = ["village": "510921112243", "area": "urban", "address": "三凤镇桂花村3组5号",
                        "bankName": "四川农信", "bankAccount": "6217000000000001"]
            let people = [("张某甲", "110101197503149130", "head", "900"), ("李某", "110101197708029247", "spouse", ""),
                          ("张某乙", "110101200511209150", "child", "")]
            for (i, p) in people.enumerated() {
                form["m\(i)_name"] = p.0; form["m\(i)_id"] = p.1; form["m\(i)_rel"] = p.2
                form["m\(i)_kind"] = "wage"; form["m\(i)_income"] = p.3
            }
            form["m1_dgrade"] = "2"; form["m1_dtype"] = "physical"; form["payee"] = "1"
            form["a0_kind"] = "deposit"; form["a0_desc"] = "农商行活期存款"; form["a0_value"] = "3000"
            let created = try await session.post("/households", form: form)
            #expect(created.status == .seeOther)
            let householdPath = try #require(created.headers.first(name: .location))
            let page = try await session.get(householdPath)
            #expect(body(page).contains("张某甲"))
            #expect(body(page).contains("低保金 900.00 元/月"))
            #expect(body(page).contains("农商行活期存款"))
            #expect(body(page).contains("肢体2级残疾"))
            #expect(body(page).contains("收款人</dt><dd>李某"))

            let opened = try await session.post("\(householdPath)/applications", form: ["programme": "dibao", "acceptedOn": "2021-07-01"])
            let appPath = try #require(opened.headers.first(name: .location))
            let steps: [(String, [String: String])] = [
                ("recordInformationCheck", ["date": "2021-07-02", "text": "无车辆、无工商登记"]),
                ("recordHomeVisit", ["date": "2021-07-05", "investigator1": "王", "investigator2": "李", "text": "住房简陋"]),
                ("completeInvestigation", ["date": "2021-07-06"]),
                ("townshipReview", ["date": "2021-07-07", "recommend": "yes", "text": "拟纳入"]),
                ("closePublicNotice", ["date": "2021-07-14"]),
                ("approve", ["date": "2021-07-20"]),
            ]
            for (step, fields) in steps {
                if step == "townshipReview" {
                    // A value the form does not offer is refused by name, never read as "include".
                    let odd = try await session.post("\(appPath)/\(step)", form: ["date": "2021-07-07", "recommend": "approve", "text": "拟纳入"])
                    #expect(odd.status == .unprocessableEntity)
                    #expect(body(odd).contains("是否拟纳入 recommend"))
                }
                let r = try await session.post("\(appPath)/\(step)", form: fields)
                #expect(r.status == .seeOther, "\(step): \(body(r))")
            }
            let notice = body(try await session.get("\(appPath)/notice"))
            #expect(notice.contains("张某甲"))
            #expect(notice.contains("900.00"))
            #expect(notice.contains("2021-07-07 至 2021-07-13"))
            #expect(!notice.contains("110101197503149130"), "a public notice never shows the ID number")
            let app = body(try await session.get(appPath))
            #expect(app.contains("已确认纳入"))
            #expect(app.contains("启动家庭经济状况调查：3 个工作日（民发〔2021〕57号 第15条）"))
            #expect(app.contains("900.00"))

            let generated = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-08"])
            let batchPath = try #require(generated.headers.first(name: .location))
            #expect(body(try await session.get(batchPath)).contains("900.00"))
            #expect(try await session.post("\(batchPath)/export").status == .conflict)  // not approved yet
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            let file = try await session.get("\(batchPath)/bank-file")
            #expect(file.status == .ok)
            // The designated payee (the spouse) is paid, not the head.
            #expect(body(file).contains("李某,\"=\"\"110101197708029247\"\""))
            // The file says who approved it and who produced this copy, and the download is in the audit trail.
            #expect(body(file).contains("审核人,leader\r\n制表人,clerk\r\n制表时间,"))
            let (downloads, _) = try await AuditStore(session.app.db).search(.init(actionPrefix: "download.bank-file"), limit: 5, offset: 0)
            #expect(downloads.map(\.draft.actor) == ["clerk"])
            // Asking for the month again gives the same batch.
            let again = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-08"])
            #expect(again.headers.first(name: .location) == batchPath)
            let funds = body(try await session.get("/funds?year=2021"))
            #expect(funds.contains("0.09"))  // 900.00 yuan = 0.09 万元
        }
    }

    /// A review that changes the amount from a month whose batch already lists the household at the old
    /// amount says so (the difference is owed or overpaid), never silently.
    @Test func reviewNamesMonthsAlreadyListedAtTheOldAmount() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            let july = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-07"])
            let batchPath = try #require(july.headers.first(name: .location))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            _ = try await session.post("/households/h01/members/status",
                                       form: ["residentID": "110101197708029247", "status": "deceased", "since": "2021-06-02"])
            let review = try await session.post("/households/h01/review", form: ["programme": "dibao", "date": "2021-06-20"])
            #expect(review.status == .seeOther)
            let page = body(try await session.get("/households/h01"))
            #expect(page.contains("自 2021-07 起保障金由 900.00 元调整为 300.00 元/月。注意：2021-07（已审核（冻结））的发放批次已按原金额列入本户"))
        }
    }

    /// An approval whose first month's batch is already approved and lists the household under an earlier
    /// decision says so with that amount, never "not listed, pay separately" (which would pay twice).
    @Test func approvalNamesTheAmountAnEarlierDecisionAlreadyListed() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            let august = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-08"])
            let batchPath = try #require(august.headers.first(name: .location))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            let store = ApplicationStore(session.app.db)
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: Fixtures.date("2021-07-01"),
                                          closeRelative: false, actor: "t")
            let visit = HomeVisit(date: Fixtures.date("2021-07-05"), investigators: ["王调查", "李调查"], findings: "无车辆")
            for step in [ApplicationEvent.recordInformationCheck(on: Fixtures.date("2021-07-02"), summary: "无异常"),
                         .recordHomeVisit(visit), .completeInvestigation(on: Fixtures.date("2021-07-06")),
                         .townshipReview(on: Fixtures.date("2021-07-07"), recommend: true, opinion: "拟纳入"),
                         .closePublicNotice(on: Fixtures.date("2021-07-14"))] {
                try await store.record(step, on: id, actor: "t")
            }
            let approved = try await session.post("/applications/\(id)/approve", form: ["date": "2021-07-20"])
            #expect(approved.status == .seeOther)
            let page = body(try await session.get("/applications/\(id)"))
            // Listed at the same amount: nothing to pay or take back, so nothing to warn about.
            #expect(page.contains("已确认纳入：保障 3 人，月保障金 900.00 元，自 2021-08 起发放</p>"))
            #expect(!page.contains("须另行补发"))
        }
    }

    /// An approval after several months' batches were approved without the household names every one of
    /// them as owed, not only the first.
    @Test func approvalNamesEveryMonthOwed() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.household("other", members: [Fixtures.member("110101194408169738", "钱某", .head)]),
                                                 from: "2021-01", on: session.app.db)
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            for month in ["2021-08", "2021-09"] {
                let g = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": month])
                #expect(try await session.secondPerson().post("\(try #require(g.headers.first(name: .location)))/approve").status == .seeOther)
            }
            let store = ApplicationStore(session.app.db)
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: Fixtures.date("2021-07-01"),
                                          closeRelative: false, actor: "t")
            let visit = HomeVisit(date: Fixtures.date("2021-07-05"), investigators: ["王调查", "李调查"], findings: "无车辆")
            for step in [ApplicationEvent.recordInformationCheck(on: Fixtures.date("2021-07-02"), summary: "无异常"),
                         .recordHomeVisit(visit), .completeInvestigation(on: Fixtures.date("2021-07-06")),
                         .townshipReview(on: Fixtures.date("2021-07-07"), recommend: true, opinion: "拟纳入"),
                         .closePublicNotice(on: Fixtures.date("2021-07-14"))] {
                try await store.record(step, on: id, actor: "t")
            }
            #expect(try await session.post("/applications/\(id)/approve", form: ["date": "2021-07-20"]).status == .seeOther)
            let page = body(try await session.get("/applications/\(id)"))
            #expect(page.contains("2021-08、2021-09 的发放批次已审核或导出，本户（人）未列入，须另行补发"))
        }
    }

    /// Field case C01 through the pages: a death is recorded, the next batch holds the household, a
    /// review sets the new amount.
    @Test func deathHoldsPaymentUntilReviewed() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            let death = try await session.post("/households/h01/members/status",
                                                form: ["residentID": "110101197708029247", "status": "deceased", "since": "2021-05-12"])
            #expect(death.status == .seeOther)
            let generated = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-06"])
            let batchPath = try #require(generated.headers.first(name: .location))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            // The hold is kept with the batch, also after approval.
            let batch = body(try await session.get(batchPath))
            #expect(batch.contains("暂停发放（1 户）"))
            #expect(batch.contains("MEMBERS_CHANGED"))
            let review = try await session.post("/households/h01/review", form: ["programme": "dibao", "date": "2021-06-10"])
            #expect(review.status == .seeOther)
            let page = body(try await session.get("/households/h01"))
            #expect(page.contains("自 2021-06 起保障金由 900.00 元调整为 300.00 元/月"))
            #expect(page.contains("复核调整"))
            // The head moves out: the spouse's death left 张某乙 to be paid instead.
            _ = try await session.post("/households/h01/members/status",
                                       form: ["residentID": "110101197503149130", "status": "moved-out", "since": "2021-08-01"])
            #expect(body(try await session.get("/households/h01")).contains("收款人已户籍迁出"))
            #expect(try await session.post("/households/h01/payee", form: ["residentID": "110101200511209150"]).status == .seeOther)
            #expect(body(try await session.get("/households/h01")).contains("收款人</dt><dd>张某乙"))
            let deceased = try await session.post("/households/h01/payee", form: ["residentID": "110101197708029247"])
            #expect(deceased.status == .notFound)
        }
    }

    /// A year that is not a number is refused by name, never replaced by the latest year.
    @Test func controlCharactersFromThePathAreNotEchoed() async throws {
        try await withTestApp { session async throws in
            let r = try await session.get("/households/h%00x")
            #expect(r.status == .notFound)
            #expect(body(r).contains("页面不存在"))
            #expect(!body(r).unicodeScalars.contains { $0.value == 0 })
            let q = try await session.get("/households?q=%00")
            #expect(q.status == .badRequest)
            #expect(body(q).contains("表单或请求内容"))
        }
    }

    @Test func fundYearThatIsNotANumberIsRefused() async throws {
        try await withTestApp { session async throws in
            let r = try await session.get("/funds?year=abc")
            #expect(r.status == .unprocessableEntity)
            #expect(body(r).contains("“年度”填写有误（abc）"))
        }
    }

    @Test func fundYearOutOfRangeIsExplained() async throws {
        try await withTestApp { session async throws in
            for year in ["-9223372036854775808", "9223372036854775807", "20000"] {
                let r = try await session.get("/funds?year=\(year)")
                #expect(r.status == .unprocessableEntity, "\(year)")
                #expect(body(r).contains("超出范围"))
            }
        }
    }

    @Test func refusalNoticeIsPrintable() async throws {
        try await withTestApp { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            let opened = try await session.post("/households/h01/applications", form: ["programme": "dibao", "acceptedOn": "2021-09-01"])
            let appPath = try #require(opened.headers.first(name: .location))
            #expect(try await session.get("\(appPath)/refusal").status == .conflict)
            let r = try await session.post("\(appPath)/refuse", form: ["date": "2021-09-30", "text": "家庭存款超过规定"])
            #expect(r.status == .seeOther)
            let notice = body(try await session.get("\(appPath)/refusal"))
            #expect(notice.contains("家庭存款超过规定"))
            #expect(notice.contains("2021-10-11"))
            #expect(notice.contains("行政复议"))
        }
    }

    @Test func badRegistrationNamesTheRowAndField() async throws {
        try await withTestApp { session async throws in
            let r = try await session.post("/households", form: [
                "village": "510921112243", "area": "urban", "address": "x",
                "m0_name": "张某", "m0_id": "110101199003079000", "m0_rel": "head",
            ])
            #expect(r.status == .unprocessableEntity)
            #expect(body(r).contains("第 1 行成员身份证号码"))
            #expect(body(r).contains("110101199003079000"))
            let village = try await session.post("/households", form: ["village": "510921999999", "area": "urban", "address": "x"])
            #expect(body(village).contains("510921999999"))
            let heads = try await session.post("/households", form: [
                "village": "510921112243", "area": "urban", "address": "x",
                "m0_name": "曹某", "m0_id": "110101197902259513", "m0_rel": "head",
                "m1_name": "严某", "m1_id": "110101198107139621", "m1_rel": "head",
                "m1_kind": "wage", "m1_income": "-5",
            ])
            #expect(body(heads).contains("月收入") || body(heads).contains("户主"))
            #expect(body(try await session.get("/households")).contains("没有符合条件的家庭"))
        }
    }

    @Test func userTextIsEscapedEverywhere() async throws {
        try await withTestApp { session async throws in
            let r = try await session.get("/households?q=%22%3E%3Cscript%3Ealert(9)%3C/script%3E")
            #expect(r.status == .ok)
            #expect(!body(r).contains("<script>alert(9)"))
            #expect(body(r).contains("&quot;&gt;&lt;script&gt;"))
            // A page far past the end, or a silly page number, is just an empty page.
            #expect(try await session.get("/households?page=999999").status == .ok)
            #expect(try await session.get("/households?page=-5").status == .ok)
        }
    }

    @Test func largeUploadsCarryTheirTokenAndOversizeIsExplained() async throws {
        try await withTestApp { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            func upload(_ bytes: Int) async throws -> TestingHTTPResponse {
                let boundary = "XjiuzhuBoundary"
                var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nother\r\n")
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                body.writeBytes([UInt8](repeating: 0x41, count: bytes))
                body.writeString("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(session.csrf)\r\n--\(boundary)--\r\n")
                return try await session.app.testing(method: .running(port: 0)).sendRequest(.POST, "/households/h01/documents", headers: [
                    "Cookie": session.cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)",
                ], body: body)
            }
            // The token comes after a 40 KB file part, over a real socket: still found. (The client
            // follows the redirect to the household page.)
            let ok = try await upload(40 * 1024)
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body).contains("已上传 其他材料：scan.pdf"))
            let tooLarge = try await upload(100 * 1024)
            #expect(tooLarge.status == .unprocessableEntity)
            #expect(String(buffer: tooLarge.body).contains("超过上限"))
        }
    }

    @Test func documentUploadAndDownload() async throws {
        try await withTestApp { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            let boundary = "XjiuzhuBoundary"
            var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(session.csrf)\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\npledge\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"承诺书.txt\"\r\nContent-Type: text/plain\r\n\r\n本人承诺\r\n"
            body += "--\(boundary)--\r\n"
            let r = try await session.app.testing().sendRequest(.POST, "/households/h01/documents", headers: [
                "Cookie": session.cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)",
            ], body: .init(string: body))
            #expect(r.status == .seeOther)
            let page = String(buffer: try await session.get("/households/h01").body)
            #expect(page.contains("承诺书.txt"))
            let docs = try await DocumentStore(session.app.db, directory: FileManager.default.temporaryDirectory)
                .documents(ofHousehold: "h01")
            let download = try await session.get("/households/h01/documents/\(docs[0].id)")
            #expect(String(buffer: download.body) == "本人承诺")
        }
    }

    /// A deadline the calendar cannot count to stays overdue once today is past it (or past the latest
    /// date it could fall on); before that it is "to be determined", never "not overdue".
    @Test(arguments: [
        (nil as String?, "2027-02-22" as String?, "2027-06-01", "overdue"),
        (nil, "2027-02-22", "2027-01-15", "unknown"),
        ("2026-12-20", nil, "2027-03-01", "overdue"),
    ])
    func overdueBeyondTheCalendar(deadline: String?, bound: String?, today: String, expected: String) throws {
        let settings = WebSettings(database: .sqliteMemory, dataKeys: TestDatabases.keys, dataDirectory: URL(fileURLWithPath: "/tmp"), isDemo: false,
                                   today: { Fixtures.date(today) })
        let left = ApplicationRow.left(.investigating, deadline.map(Fixtures.date), bound: bound.map(Fixtures.date), settings: settings,
                                       today: Fixtures.date(today))
        #expect(left == (expected == "overdue" ? .overdueUncounted(calendarEnds: 2026) : .unknown(calendarEnds: 2026)))
    }

    /// An application accepted and never investigated shows its overdue step in the list and on its page.
    @Test func overdueStepIsShown() async throws {
        try await withTestApp { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            let id = try await ApplicationStore(session.app.db).open(householdID: "h01", programme: .dibao,
                                                                     acceptedOn: Fixtures.date("2021-12-01"), closeRelative: false, actor: "t")
            #expect(body(try await session.get("/applications")).contains("环节超期：启动家庭经济状况调查 2021-12-06"))
            #expect(body(try await session.get("/applications/\(id)")).contains("启动家庭经济状况调查：2021-12-06（民发〔2021〕57号 第15条） 已超期"))
        }
    }
}
