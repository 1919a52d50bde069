import Domain
import Foundation

/// The demo county's policy file, derived from the bundled Pengxi 2021 file (演示假设, docs/adr/0016).
///
/// The seed reports only the year's standards (urban 600, rural 420). The demo models the mid-year raise
/// that back pay (补发) exists for: rural 400 from January (an assumption: the earlier 2021 value is not
/// in the seed), raised to the seed's 420 from July by a decision signed on 2021-09-10, so July and
/// August are paid at 400 first and owed the difference.
///
/// The programmes the bundled file cannot configure, because Pengxi's figures are not known (rules.md §7),
/// get demo values so the demo can run every programme — each an assumption, never the bundled file's:
/// 特困 care standards (the Hefei-area monthly figures of rules.md §8 example 13, self-care dispersed 0),
/// 事实无人抚养儿童 900 (the scattered orphan standard it is tied to, 民发〔2019〕62号), and a 临时救助 section
/// (base urban 低保; emergency 2–4, expenditure 5–12 months; township up to 2 months; yearly cap 3,000;
/// procedure 15 WD; paperwork after 先行救助 5 WD).
public enum DemoPolicy {
    public static let region = "510921"
    /// The assumed January rural standard, yuan.
    public static let januaryRural = "400.00"
    public static let raiseEffective = YearMonth(year: 2021, month: 7)!
    public static let raiseSigned = CivilDate(year: 2021, month: 9, day: 10)!

    /// The file as the county had it in January: the 2021-01 version only.
    public static let january: (file: PolicyFile, text: String) = make(withRaise: false)
    /// The file after the raise was signed: 2021-01 and 2021-07.
    public static let afterRaise: (file: PolicyFile, text: String) = make(withRaise: true)

    /// The January version, which the demo's households are decided under.
    public static var januaryPolicy: Policy { january.file.versions[0] }

    static func make(withRaise: Bool) -> (file: PolicyFile, text: String) {
        let bundled = PolicyBook.bundledFile(region: region)!.text
        var root = try! JSONSerialization.jsonObject(with: Data(bundled.utf8)) as! [String: Any]
        var base = (root["versions"] as! [[String: Any]])[0]
        var tekun = base["tekun"] as! [String: Any]
        tekun["care"] = [
            "dispersed": ["full": "721.00", "partial": "412.00", "none": "0.00"],
            "centralized": ["full": "1030.00", "partial": "618.00", "none": "82.42"],
        ]
        base["tekun"] = tekun
        base["unsupportedChild"] = ["amount": "900.00"]
        base["temporary"] = [
            "base": "urban-dibao",
            "types": ["emergency": ["minMonths": "2", "maxMonths": "4"], "expenditure": ["minMonths": "5", "maxMonths": "12"]],
            "townshipLimit": ["months": "2"], "yearlyCap": ["amount": "3000.00"],
            "procedureWorkingDays": 15, "paperworkWorkingDays": 5,
        ] as [String: Any]
        var january = base
        var dibao = january["dibao"] as! [String: Any]
        var standard = dibao["standard"] as! [String: Any]
        standard["rural"] = januaryRural
        dibao["standard"] = standard
        january["dibao"] = dibao
        january["document"] = "演示假设：2021 年 1–6 月农村低保标准 400 元（种子报告未载）；特困护理、事实无人抚养、临时救助为演示值"
        var versions = [january]
        if withRaise {
            var july = base
            july["effective"] = raiseEffective.description
            july["signed"] = raiseSigned.description
            july["document"] = "演示假设：农村低保标准自 2021-07 起 400 → 420 元，2021-09-10 签发"
            versions.append(july)
        }
        root["versions"] = versions
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        let text = String(decoding: data, as: UTF8.self)
        return (try! PolicyFile.parse(data), text)
    }
}
