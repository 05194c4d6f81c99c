"""The trainers' worked scenarios as data (issue 5): each a fictional constructor's CONTRACT.md
profile, the as-of date it is shown at, its titles and summary in Chinese and English, and the
POLICY.md worked example it carries. Their answers are computed at view time
(core/demo/scenarios.py, which also says how every rule and reading is covered).

Every person and employer here is fictional (employers are marked 虚构); registration numbers
follow R-8 (character + level 1 + GB/T 2260 code + qualification year + registration year +
serial), so only the one scenario meant to show a number warning has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Scenario:
    id: str
    title_zh: str
    title_en: str
    as_of: date
    profile: dict = field(repr=False)
    summary_zh: str = ""
    summary_en: str = ""
    example: int | None = None  # POLICY.md worked example this scenario carries, if any


def _p(name, birth, number, employer, province, specialties, ce=True, downloaded=None,
       gender="男") -> dict:
    return {"name": name, "gender": gender, "birth_date": birth, "registration_number": number,
            "employer": employer, "employer_province": province,
            "continuing_education_done": ce, "certificate_downloaded_on": downloaded,
            "specialties": [dict(zip(("specialty", "valid_from", "valid_until",
                                      "renewal_applied_on", "renewal_approved_on"), s, strict=True))
                            for s in specialties]}


SCENARIOS: dict[str, Scenario] = {s.id: s for s in [
    Scenario(
        "pilot-expired", "北京：试点地区已过期，最迟7月31日申请",
        "Beijing: pilot, expired, apply on or before 31 July",
        date(2021, 7, 15),
        _p("周建国", "1970-03-15", "京1112006200807445", "北京示例建设集团有限公司（虚构）", "北京",
           [("建筑工程", "2018-06-01", "2021-05-31", None, None)], ce=False),
        "试点地区，有效期2021年5月届满且未申请：申请截止延长至7月31日，8月1日起失效；此时尚无有效专业，不能下载证书；纸质证书仍有效。",
        "Pilot region, validity ended May 2021 with no application: the deadline is extended to "
        "31 July, it lapses on 1 August; no specialty is valid so no certificate can be "
        "downloaded; the paper certificate is still valid.",
        example=1),
    Scenario(
        "pilot-lapsed-late-application", "上海：届满次日失效，失效后才申请",
        "Shanghai: lapsed the day after expiry, applied too late",
        date(2022, 4, 15),
        _p("李明远", "1975-11-02", "沪1312008201000318", "上海示例机电安装有限公司（虚构）", "上海",
           [("机电工程", "2019-04-01", "2022-03-31", "2022-04-10", None)]),
        "试点地区2021年8月1日后届满，参照30日规则（I-3）；未在届满前申请，次日失效（I-6）；失效后提出的申请不能延续，需重新注册。",
        "Pilot region, expiring after 1 August 2021: the 30-day rule by analogy (I-3); no "
        "application before expiry, so it lapsed the next day (I-6); an application after the "
        "lapse does not count: re-registration is needed."),
    Scenario(
        "pilot-floor", "浙江：30日截止日早于延长的截止日，取7月31日",
        "Zhejiang: 30 days before would be earlier than the extended deadline: 31 July",
        date(2021, 7, 25),
        _p("钱文博", "1976-02-11", "浙1332007200901127", "浙江示例建工集团有限公司（虚构）", "浙江",
           [("建筑工程", "2018-08-21", "2021-08-20", None, None)]),
        "试点地区，有效期2021年8月20日届满：届满30日前是7月21日，早于延长的截止日7月31日；延长不会使截止日提前，申请截止取7月31日（I-3），届满未申请的8月21日失效。",
        "Pilot region, valid until 20 August 2021: 30 days before is 21 July, earlier than the "
        "extended deadline of 31 July; an extension never brings a deadline forward, so apply by "
        "31 July (I-3); without an application it lapses on 21 August."),
    Scenario(
        "batch-approval-after-lapse", "江苏：失效后申请，仍获批准延续",
        "Jiangsu: applied after the lapse, yet the renewal was approved",
        date(2022, 6, 1),
        _p("孙立新", "1979-06-18", "苏1322010201203345", "江苏示例安装工程有限公司（虚构）", "江苏",
           [("机电工程", "2019-04-01", "2022-03-31", "2022-04-15", "2022-05-10")]),
        "有效期2022年3月31日届满，次日失效；4月15日的申请晚于失效日，本身不能延续。但记录中有5月10日的批准：批准日起算新的3年有效期（C-2.2.4，I-9），同时提示核对记录，这可能是重新注册。",
        "Valid until 31 March 2022, lapsed the next day; the application of 15 April came after "
        "the lapse and by itself renews nothing. But an approval of 10 May is on record: the new "
        "3-year validity runs from it (C-2.2.4, I-9), with a warning to check the record (it may "
        "be a re-registration)."),
    Scenario(
        "batch-transition-apply-now", "广东：过渡期内届满，应在届满30日前申请",
        "Guangdong: expiring in the transition, apply 30 days before",
        date(2021, 9, 20),
        _p("王晓燕", "1978-05-20", "粤1442009201102156", "广东示例市政工程有限公司（虚构）", "广东",
           [("市政公用工程", "2018-10-16", "2021-10-15", None, None)], ce=False,
           gender="女"),
        "2021年启用地区，有效期2021年10月15日届满：申请截止9月15日，已过，应立即申请；届满未申请的2022年1月1日起失效。尚未完成继续教育。",
        "2021 batch, valid until 15 October 2021: the deadline was 15 September and has passed, "
        "apply now; without an application it lapses on 1 January 2022. Continuing education is "
        "not yet done.",
        example=2),
    Scenario(
        "batch-deadline-before-effective", "河北：30日截止日早于通知启用日",
        "Hebei: the 30-day deadline fell before the notice took effect",
        date(2021, 9, 10),
        _p("陈志强", "1972-01-08", "冀1132005200700921", "河北示例路桥建设有限公司（虚构）", "河北",
           [("公路工程", "2018-08-21", "2021-08-20", None, None)], ce=False),
        "有效期2021年8月20日届满，按30日规则截止日为7月21日，早于8月1日：通知未留出申请时间，只有2022年1月1日的失效日有约束力。",
        "Valid until 20 August 2021: the 30-day deadline would be 21 July, before 1 August; the "
        "notice gave no time to meet it, only the 1 January 2022 lapse date binds."),
    Scenario(
        "batch-before-start", "重庆：2021年8月1日前尚无电子证书",
        "Chongqing: no electronic certificate before 1 August 2021",
        date(2021, 7, 20),
        _p("冯嘉怡", "1987-05-05", "渝1502013201500266", "重庆示例建设工程有限公司（虚构）", "重庆",
           [("建筑工程", "2020-01-10", "2023-01-09", None, None)], gender="女"),
        "2021年启用地区在8月1日前还没有启用电子证书（C-2.1.1），此时不能下载；纸质证书仍有效。注册专业有效，申请截止为2022年12月10日（含当日）。",
        "The 2021 batch had no electronic certificates before 1 August 2021 (C-2.1.1): nothing to "
        "download yet; the paper certificate is still valid. The specialty is valid; renewal is "
        "due by 10 December 2022."),
    Scenario(
        "batch-expired-pending", "江苏：已过期，年底前提出申请",
        "Jiangsu: already expired, applied before year end",
        date(2021, 12, 15),
        _p("刘海涛", "1968-07-30", "苏1322004200600557", "江苏示例建工集团有限公司（虚构）", "江苏",
           [("建筑工程", "2018-03-02", "2021-03-01", "2021-11-30", None)]),
        "2021年8月1日前已过期（I-2）：应最迟于2021年12月31日（含当日）申请；11月30日已申请，等待审批，不算逾期。",
        "Already expired before 1 August 2021 (I-2): apply on or before 31 December 2021; "
        "applied on 30 November, awaiting approval, not late.",
        example=3),
    Scenario(
        "batch-expired-lapsed", "黑龙江：已过期且未申请，2022年1月1日失效",
        "Heilongjiang: already expired, never applied, lapsed on 1 January 2022",
        date(2022, 1, 5),
        _p("赵立新", "1966-12-12", "黑1232003200500114", "黑龙江示例矿业工程有限公司（虚构）",
           "黑龙江",
           [("矿业工程", "2017-12-01", "2020-11-30", None, None)]),
        "2021年启用地区，早已过期，截至2021年12月31日（含当日）未申请：自2022年1月1日起失效；纸质证书同日作废。",
        "2021 batch, long expired and no application on or before 31 December 2021: lapsed from "
        "1 January 2022, the same day paper certificates became void."),
    Scenario(
        "batch-late-application", "四川：在30日截止后才申请（逾期申请）",
        "Sichuan: applied after the 30-day deadline (late application)",
        date(2023, 6, 20),
        _p("孙雅琴", "1982-04-16", "川1512010201203377", "四川示例水电建设有限公司（虚构）", "四川",
           [("水利水电工程", "2020-07-01", "2023-06-30", "2023-06-10", None)], gender="女"),
        "有效期2023年6月30日届满，申请截止5月31日；6月10日才申请：在届满前申请，等待审批，但属逾期申请。",
        "Valid until 30 June 2023, deadline 31 May; applied on 10 June: before expiry, so pending, "
        "but a late application.",
        example=4),
    Scenario(
        "not-covered-hubei", "湖北：不在本通知范围内", "Hubei: outside this notice",
        date(2022, 3, 1),
        _p("吴国栋", "1974-09-09", "粤1442006200800263", "湖北示例建设有限公司（虚构）", "湖北",
           [("建筑工程", "2020-05-01", "2023-04-30", None, None)]),
        "注册单位在湖北，不属试点也不属2021年启用地区：本通知未涵盖该省份，本系统不按本通知计算使用有效期和纸质证书状态（以注册管理机构的规定为准）。注册编号代字为“粤”，但适用地区按注册单位所在地（I-1）。",
        "The employer is in Hubei, neither a pilot nor the 2021 batch: this notice does not cover "
        "the province, so no usage window or paper-certificate status is worked out from it (the "
        "registration authority's rules govern). The number starts with 粤 (Guangdong) "
        "but the regime follows the employer's province (I-1).",
        example=5),
    Scenario(
        "pilot-renewal-capped-65", "浙江：延续至65周岁当日，之后超龄",
        "Zhejiang: renewal capped at the 65th birthday, then the age limit",
        date(2023, 9, 11),
        _p("郑丽华", "1958-09-10", "浙1332001200300480", "浙江示例建设集团有限公司（虚构）", "浙江",
           [("建筑工程", "2018-09-01", "2021-08-31", "2021-07-10", "2021-09-01")],
           downloaded="2023-05-01", gender="女"),
        "2021年9月1日准予延续，距65周岁不满3年：有效期截至65周岁当日2023年9月10日，不能再延续；次日起超龄。5月1日下载的证书使用有效期也止于65周岁当日。",
        "Renewed on 1 September 2021, less than 3 years before the 65th birthday: valid until the "
        "birthday, 10 September 2023, not renewable; over the age limit the day after. The "
        "certificate downloaded on 1 May also ends on the birthday.",
        example=6),
    Scenario(
        "feb29-renewed", "山东：2月29日出生，2月29日获准延续",
        "Shandong: born on 29 February, renewed on 29 February",
        date(2024, 6, 1),
        _p("黄建平", "1980-02-29", "鲁1372007200900742", "山东示例港航工程有限公司（虚构）", "山东",
           [("港口与航道工程", "2021-03-01", "2024-02-29", "2024-01-10", "2024-02-29")]),
        "65周岁当日落在平年，取2月28日（I-7）：2045年2月28日。2024年2月29日准予延续，3个整年截至2027年2月28日（I-8、I-7），未受65周岁限制。",
        "The 65th birthday falls in a non-leap year, so 28 February (I-7): 28 February 2045. "
        "Renewed on 29 February 2024: three whole years end on 28 February 2027 (I-8, I-7), "
        "not capped at 65.",
        example=7),
    Scenario(
        "usage-capped-by-validity", "河南：使用有效期止于注册专业有效期",
        "Henan: usage window ends with the specialty's validity",
        date(2024, 10, 1),
        _p("林晓峰", "1985-06-18", "豫1412012201400589", "河南示例机电工程有限公司（虚构）", "河南",
           [("机电工程", "2022-01-01", "2024-12-31", None, None)], ce=False,
           downloaded="2024-09-01"),
        "2024年9月1日下载：180天后是2025年2月28日，但注册专业2024年12月31日届满，使用有效期止于此日；需最迟于12月1日（含当日）申请延续，并在申请前完成继续教育。",
        "Downloaded on 1 September 2024: 180 days would reach 28 February 2025, but the specialty "
        "ends on 31 December 2024, so does the usage window; apply for renewal on or before "
        "1 December (that day included), with continuing education done first.",
        example=8),
    Scenario(
        "usage-180-days", "福建：使用有效期180天", "Fujian: usage window of 180 days",
        date(2021, 9, 1),
        _p("何振宇", "1979-03-03", "闽1352008201001126", "福建示例建筑工程有限公司（虚构）", "福建",
           [("建筑工程", "2021-05-14", "2024-05-13", None, None)], downloaded="2021-08-12"),
        "2021年8月12日下载：使用有效期180天，至2022年2月8日（I-4）；纸质证书已不再发放。",
        "Downloaded on 12 August 2021: a 180-day usage window to 8 February 2022 (I-4); paper "
        "certificates are no longer issued.",
        example=9),
    Scenario(
        "multi-specialty", "安徽：三个注册专业，最早届满者限定使用有效期",
        "Anhui: three specialties, the earliest end caps the usage window",
        date(2024, 1, 10),
        _p("马春梅", "1983-10-21", "皖1342010201200812", "安徽示例建设工程有限公司（虚构）", "安徽",
           [("建筑工程", "2022-07-01", "2025-06-30", None, None),
            ("机电工程", "2021-04-01", "2024-03-31", None, None),
            ("市政公用工程", "2020-06-01", "2023-05-31", None, None)],
           ce=False, downloaded="2024-01-05", gender="女"),
        "证书只载有有效期内的两个专业；使用有效期以其中最早的有效期止2024年3月31日为限（I-5）。市政公用工程2023年届满未申请，已失效。",
        "The certificate prints the two specialties in validity; the earliest end, 31 March 2024, "
        "caps the usage window (I-5). 市政公用工程 ended in 2023 without an application and "
        "lapsed."),
    Scenario(
        "not-yet-valid", "陕西：注册尚未生效", "Shaanxi: registration not yet in force",
        date(2022, 1, 15),
        _p("高文博", "1990-08-08", "陕1612016202200035", "陕西示例铁路工程有限公司（虚构）", "陕西",
           [("铁路工程", "2022-03-01", "2025-02-28", None, None)]),
        "注册专业有效期自2022年3月1日起，基准日尚未开始：状态为尚未生效，此时不能下载证书；纸质证书已作废。",
        "The specialty's validity starts on 1 March 2022, after the as-of date: not yet valid, "
        "no certificate can be downloaded yet; paper certificates are already void."),
    Scenario(
        "outdated-certificate", "海南：下载后获准延续，证书需重新下载",
        "Hainan: renewed after the download, download again",
        date(2022, 4, 1),
        _p("罗志勇", "1976-02-14", "琼1462009201100409", "海南示例建设有限公司（虚构）", "海南",
           [("建筑工程", "2019-04-01", "2022-03-31", "2022-02-10", "2022-03-15")],
           downloaded="2022-01-20"),
        "1月20日下载的证书使用有效期止于原有效期止3月31日，已过期；3月15日准予延续（3年，至2025年3月14日），证书信息已变更，需重新下载（C-3.5）。",
        "The certificate downloaded on 20 January ran until the old validity end, 31 March, and "
        "has expired; the renewal of 15 March (3 years, to 14 March 2025) changed its data: "
        "download again (C-3.5)."),
]}
