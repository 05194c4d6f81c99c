"""Fictional demo data: a roster of first-class constructors and one self-service profile.

Everything here is invented. Names are random combinations of common Chinese surname and
given-name characters; employers are random combinations of a city, a word and a company suffix;
registration numbers follow the pattern of POLICY.md R-8 with random serials. Any resemblance to
a real person, company or registration is coincidental.

``demo_roster(n_rows, seed, as_of)`` is vectorised with numpy (a million rows in a few seconds)
and deterministic: the same ``n_rows``, ``seed`` and ``as_of`` give an identical frame. The
frame has the canonical roster columns of CONTRACT.md ("Roster file"), one row per registered
specialty; text columns use the pandas ``string`` dtype, dates ``datetime64[s]`` (NaT when
missing), ``continuing_education_done`` the nullable ``boolean`` dtype.

Every row is valid input for the rules (core/rules/validate.py): valid_from <= valid_until, an
application on or after valid_from, an approval 5–60 days after its application and before the
65th birthday, age >= 18 at valid_from, and no event (application, approval, download) after
``as_of``. The dates are spread so that the two lapse waves of the notice show up: pilot
provinces on 2021-08-01 (C-2.2.2) and batch2021 provinces on 2022-01-01 (C-2.2.1).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from core.policy.data import POLICY
from core.policy.dates import add_years, add_years_days, day_number, today_shanghai
from core.rules.specialty import NOT_COVERED, birthday_65, cap_at_65, original_deadlines
from core.schema.roster import REGIMES, ROSTER_COLUMNS

__all__ = ["PROVINCE_WEIGHTS", "demo_profile", "demo_roster"]

# Rough illustrative weights: the relative size of each province's construction sector (in the
# spirit of construction output / number of registered constructors, rounded by hand). They only
# shape the demo; they are not statistics and nothing is computed from them.
PROVINCE_WEIGHTS = {
    "江苏": 14.0, "浙江": 11.0, "广东": 9.0, "山东": 7.0, "四川": 6.5, "湖北": 6.5, "河南": 6.0,
    "福建": 5.5, "湖南": 4.5, "北京": 4.0, "安徽": 4.0, "上海": 3.5, "重庆": 3.0, "陕西": 3.0,
    "河北": 3.0, "江西": 3.0, "云南": 2.5, "广西": 2.0, "贵州": 2.0, "辽宁": 2.0, "天津": 1.5,
    "山西": 1.5, "新疆": 1.2, "甘肃": 1.0, "内蒙古": 1.0, "吉林": 0.8, "黑龙江": 0.8, "海南": 0.6,
    "宁夏": 0.3, "青海": 0.3, "西藏": 0.2,
}

# Three city names per province, used as employer-name prefixes.
_CITIES = {
    "北京": "北京 海淀 丰台", "天津": "天津 滨海 津南", "河北": "石家庄 唐山 保定",
    "山西": "太原 大同 晋中", "内蒙古": "呼和浩特 包头 鄂尔多斯", "辽宁": "沈阳 大连 鞍山",
    "吉林": "长春 吉林 延边", "黑龙江": "哈尔滨 大庆 齐齐哈尔", "上海": "上海 浦东 闵行",
    "江苏": "南京 苏州 南通", "浙江": "杭州 宁波 绍兴", "安徽": "合肥 芜湖 安庆",
    "福建": "福州 厦门 泉州", "江西": "南昌 赣州 九江", "山东": "济南 青岛 潍坊",
    "河南": "郑州 洛阳 南阳", "湖北": "武汉 宜昌 襄阳", "湖南": "长沙 株洲 岳阳",
    "广东": "广州 深圳 佛山", "广西": "南宁 柳州 桂林", "海南": "海口 三亚 儋州",
    "重庆": "重庆 渝北 万州", "四川": "成都 绵阳 宜宾", "贵州": "贵阳 遵义 六盘水",
    "云南": "昆明 曲靖 大理", "西藏": "拉萨 日喀则 林芝", "陕西": "西安 宝鸡 咸阳",
    "甘肃": "兰州 天水 酒泉", "青海": "西宁 海东 格尔木", "宁夏": "银川 石嘴山 吴忠",
    "新疆": "乌鲁木齐 克拉玛依 伊犁",
}
_COMPANY_WORDS = (
    "宏达 恒泰 鼎盛 华宇 远航 广厦 金石 瑞丰 安澜 嘉诚 盛世 启明 长青 通衢 江川 蓝图 恒信 聚力 "
    "同舟 正和 诚筑 新程 卓越 永固 汇通 博远 天成 兴业 明达 信和"
).split()
_COMPANY_SUFFIXES = (
    "建设集团有限公司", "建工集团有限公司", "建筑工程有限公司", "路桥工程有限公司",
    "市政建设有限公司", "机电安装工程有限公司",
)

_SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
    "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 "
    "石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 "
    "万 钱 严 覃 武 戴 莫 孔 向 汤"
).split()
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
_GIVEN_MALE = (
    "伟 强 军 磊 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 "
    "峰 建 国 志 文 海 东 明 亮 成 晨 阳 云 天 斌 博 晓 振 兴 家 德 春 永 庆 福"
).split()
_GIVEN_FEMALE = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀 玲 桂 英 燕 红 萍 雪 琳 洁 婷 慧 颖 倩 玉 兰 梅 佳 欣 晶 丹 "
    "月 彤 悦 琴 蕾 菲 琪 薇 晓 文 华 春 宁"
).split()
_GIVEN_RARE = "堃 喆 犇 淼 赟 昇 玥 珺 翀 燚".split()

# Relative frequency of the 10 specialties (POLICY.specialties order); illustrative as well.
_SPECIALTY_WEIGHTS = {
    "建筑工程": 40.0, "公路工程": 8.0, "铁路工程": 2.0, "民航机场工程": 0.5, "港口与航道工程": 1.0,
    "水利水电工程": 7.0, "矿业工程": 2.0, "机电工程": 14.0, "市政公用工程": 24.0,
    "通信与广电工程": 1.5,
}



def _add_years_days(days: np.ndarray, n: int) -> np.ndarray:
    return add_years_days(days, n)[0]  # I-7, the rules' own date arithmetic


def _to_datetime(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    out = (days.astype(np.int64) * 86400).astype("datetime64[s]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return out


def _arrow(values) -> pa.Array:
    """Python strings (object array) -> Arrow strings; frees the Python objects sooner."""
    return values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())


def _lapses_on_days(regime: np.ndarray, until: np.ndarray) -> np.ndarray:
    """The original cycle's lapse date, from the R-1 function itself; -1 where not covered."""
    codes = np.select([regime == r for r in REGIMES], list(range(len(REGIMES))), NOT_COVERED)
    _, lapses_on, _, _ = original_deadlines(codes, until, POLICY)
    return np.where(codes == NOT_COVERED, -1, lapses_on)


#: The demo roster every default uses (the admin page's first snapshot, ``make bench``): 30,000
#: rows, seed 2021.
DEMO_ROWS, DEMO_SEED = 30_000, 2021
#: A validity's length and the youngest age at registration, from the policy data.
TERM_YEARS = POLICY.days("renewal_term_years")
MIN_AGE = int(POLICY.validation["min_age_at_registration"])


def demo_roster(n_rows: int = DEMO_ROWS, seed: int = DEMO_SEED,
                as_of: date | None = None) -> pd.DataFrame:
    """A fictional roster of ``n_rows`` rows (one per registered specialty); see the module doc.

    ``as_of`` (default: today in Asia/Shanghai) bounds every event: applications, approvals
    and downloads dated after it are left out, and initial registrations start by then.
    """
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    as_of = as_of or today_shanghai()
    rng = np.random.default_rng(seed)
    provinces = POLICY.provinces
    n_prov = len(provinces)
    t = day_number(as_of)

    # -- people -----------------------------------------------------------------------------
    n_people = max(int(n_rows / 1.3) + 64, n_prov)  # 1.48 rows per person on average
    w = np.array([PROVINCE_WEIGHTS[p.short] for p in provinces])
    prov = rng.choice(n_prov, size=n_people, p=w / w.sum())
    prov[:n_prov] = np.arange(n_prov)  # every province present even in a small roster
    shorts = np.array([p.short for p in provinces], dtype=object)
    regimes_by_prov = np.array([p.regime for p in provinces], dtype=object)

    male = rng.random(n_people) < 0.86
    gender = np.where(male, "男", "女").astype(object)

    surname = np.array(_SURNAMES, dtype=object)[
        np.minimum(rng.geometric(0.045, n_people) - 1, len(_SURNAMES) - 1)]
    compound = rng.random(n_people) < 0.004
    surname[compound] = np.array(_COMPOUND_SURNAMES, dtype=object)[
        rng.integers(0, len(_COMPOUND_SURNAMES), compound.sum())]

    def given_char() -> np.ndarray:
        m = np.array(_GIVEN_MALE, dtype=object)[rng.integers(0, len(_GIVEN_MALE), n_people)]
        f = np.array(_GIVEN_FEMALE, dtype=object)[rng.integers(0, len(_GIVEN_FEMALE), n_people)]
        out = np.where(male, m, f)
        rare = rng.random(n_people) < 0.006
        rare_chars = np.array(_GIVEN_RARE, dtype=object)
        out[rare] = rare_chars[rng.integers(0, len(rare_chars), rare.sum())]
        return out

    g1, g2 = given_char(), given_char()
    two_char = rng.random(n_people) < 0.7
    name = _arrow(surname + g1 + np.where(two_char, g2, ""))
    del surname, g1, g2

    # Birth dates 1956–1995: a group near 65 (born 1956–1961) and a broad middle.
    lo_old, hi_old = day_number(date(1956, 1, 1)), day_number(date(1961, 12, 31))
    lo_mid, hi_mid = day_number(date(1962, 1, 1)), day_number(date(1995, 12, 31))
    old = rng.random(n_people) < 0.14
    mid = lo_mid + (rng.triangular(0, 0.45, 1, n_people) * (hi_mid - lo_mid)).astype(np.int64)
    birth = np.where(old, rng.integers(lo_old, hi_old + 1, n_people), mid)
    leap_years = np.arange(1956, 1996, 4)
    feb29 = rng.random(n_people) < 0.003
    feb29[min(5, n_people - 1)] = True  # at least one leap-day birth in every roster
    feb29_days = np.array([day_number(date(int(y), 2, 29)) for y in leap_years])
    birth[feb29] = feb29_days[rng.integers(0, len(leap_years), feb29.sum())]
    age65, _ = birthday_65(birth, POLICY)
    birth_year = (birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)

    # Employer: a city of the employer's province, a word, a suffix.
    cities = np.array([_CITIES[p.short].split() for p in provinces], dtype=object)
    employer = (cities[prov, rng.integers(0, 3, n_people)]
                + np.array(_COMPANY_WORDS, dtype=object)[
                    rng.integers(0, len(_COMPANY_WORDS), n_people)]
                + np.array(_COMPANY_SUFFIXES, dtype=object)[
                    rng.choice(len(_COMPANY_SUFFIXES), n_people, p=[.3, .15, .25, .1, .12, .08])])
    employer = _arrow(employer)

    ce_done = rng.random(n_people) < 0.88
    regime_p = regimes_by_prov[prov]

    # -- specialties: 1–3 per person, none twice (weighted sampling without replacement) ----------
    k = rng.choice(3, size=n_people, p=[0.62, 0.28, 0.10]) + 1
    sw = np.array([_SPECIALTY_WEIGHTS[s] for s in POLICY.specialties])
    keys = np.log(sw) + rng.gumbel(size=(n_people, len(sw)))
    top = np.argsort(-keys, axis=1)[:, :3].astype(np.int8)
    del keys
    person = np.repeat(np.arange(n_people), k)
    slot = np.arange(len(person)) - np.repeat(np.cumsum(k) - k, k)
    person, slot = person[:n_rows], slot[:n_rows]
    if len(person) < n_rows:  # cannot happen with the sizes above; guard anyway
        raise AssertionError("demo_roster: not enough people")
    spec = np.array(POLICY.specialties, dtype=object)[top[person, slot]]
    n = len(person)

    # -- validity: valid_until spread over 2019–2029, valid_from = valid_until - 3 years + 1 day --
    lo_e = day_number(date(2019, 1, 1))
    hi_e = min(day_number(date(2029, 12, 31)), day_number(add_years(as_of, TERM_YEARS)) - 1)
    hi_e = max(hi_e, lo_e + 30)
    base_until = rng.integers(lo_e, hi_e + 1, n_people)
    shared = rng.random(n) < 0.65  # most specialties of a person share one validity
    until = np.where(shared | (slot == 0), base_until[person], rng.integers(lo_e, hi_e + 1, n))
    until, _ = cap_at_65(until, age65[person])  # a validity ends at the 65th birthday at the latest
    valid_from = _add_years_days(until, -TERM_YEARS) + 1
    adult = _add_years_days(birth, MIN_AGE)[person]
    too_young = valid_from < adult  # cannot happen for births <= 1995; keep rows valid anyway
    valid_from = np.where(too_young, adult, valid_from)
    until = np.maximum(until, valid_from)

    # -- registration number: char + "1" + code + qualification year + initial year + serial.
    moved = rng.random(n_people) < 0.06
    num_prov = np.where(moved, rng.integers(0, n_prov, n_people), prov)
    military = rng.random(n_people) < 0.003
    first_chars = np.array([p.chars[0] for p in provinces], dtype=object)
    char = first_chars[num_prov]
    alt = rng.random(n_people) < 0.05  # alternates 蜀 黔 滇 陇 where a province has one
    for i, p in enumerate(provinces):
        if len(p.chars) > 1:
            sel = alt & (num_prov == i)
            char[sel] = p.chars[1]
    codes = np.array([int(p.code) for p in provinces])[num_prov]
    codes = np.where(military, int(POLICY.number["military_code"]), codes)
    char[military] = POLICY.number["military_char"]
    # Qualification from 2004 (mostly early), at 23 or older; the initial registration follows
    # within a few years and, where the dates allow, not after the person's earliest validity.
    first_from_year = np.full(n_people, 9999, dtype=np.int64)
    from_year = valid_from.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    np.minimum.at(first_from_year, person, from_year)
    last_year = np.clip(np.minimum(first_from_year, as_of.year), 2004, None)
    qual_lo = np.minimum(np.maximum(2004, birth_year + 23), last_year)
    qual = qual_lo + (rng.beta(1.2, 2.5, n_people) * (last_year - qual_lo + 1)).astype(np.int64)
    qual = np.minimum(qual, last_year)
    init = np.maximum(qual, np.minimum(qual + rng.geometric(0.6, n_people) - 1, last_year))
    # Serial: unique within (code, qualification year, initial year), so numbers never collide.
    key = (codes * 10_000 + qual) * 10_000 + init
    order = np.argsort(key, kind="stable")
    sk = key[order]
    starts = np.r_[0, np.flatnonzero(sk[1:] != sk[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(sk)]))
    rank = np.empty(n_people, dtype=np.int64)
    rank[order] = np.arange(n_people) - run_start
    stride = max(1, 99_990 // max(1, int(rank.max()) + 1))
    serial = 1 + rank * stride + rng.integers(0, stride, n_people)
    digits = (10**15 + codes * 10**13 + qual * 10**9 + init * 10**5 + serial)
    number = _arrow(char + pd.Series(digits).astype(str).to_numpy(dtype=object))
    del digits, char

    # -- renewal applications ----------------------------------------------------------------
    regime = regime_p[person]
    start = day_number(POLICY.date("electronic_start"))
    renewable = until < age65[person]
    old_cycle = (until < start) & (regime != "not_covered")
    r = rng.random(n)
    p_none = np.where(old_cycle, 0.34, 0.22)  # the lapse waves: many old cycles never applied
    cat = np.select([r < p_none, r < p_none + 0.46, r < p_none + 0.46 + 0.20], [0, 1, 2], 3)
    applied = np.full(n, -1, dtype=np.int64)
    on_time = until - rng.integers(31, 151, n)
    late = until + rng.integers(-29, 31, n)  # within 30 days before or after valid_until
    after = until + rng.integers(31, 401, n)  # after the cycle ended (often after the lapse)
    applied = np.select([cat == 1, cat == 2, cat == 3], [on_time, late, after], -1)
    # Transitional catch-up applications under the notice's own deadlines (C-2.2.1, C-2.2.2).
    catch_up = old_cycle & (cat >= 2) & (rng.random(n) < 0.5)
    pilot_window = rng.integers(day_number(POLICY.notice["issued_on"]),
                                day_number(POLICY.date("pilot_apply_by")) + 1, n)
    batch_window = rng.integers(start, day_number(POLICY.date("batch_expired_apply_by")) + 1, n)
    applied = np.where(catch_up & (regime == "pilot"), pilot_window, applied)
    applied = np.where(catch_up & (regime == "batch2021"), batch_window, applied)
    del on_time, late, after, pilot_window, batch_window
    applied = np.where(renewable, applied, -1)
    applied = np.where(applied >= 0, np.maximum(applied, valid_from), -1)
    applied = np.where(applied > t, -1, applied)

    # -- approvals: 5–60 days after a timely application, before the 65th birthday -------------
    lapses_on = _lapses_on_days(regime, until)
    approvable = (applied >= 0) & ((lapses_on < 0) | (applied < lapses_on))
    approved = applied + rng.integers(5, 61, n)
    ok = approvable & (rng.random(n) < 0.8) & (approved < age65[person]) & (approved <= t)
    approved = np.where(ok, approved, -1)

    # -- certificate downloads: pilot and batch2021 only, from 2021-08-01, by as_of -------------
    covered = regime_p != "not_covered"
    has_dl = covered & (rng.random(n_people) < 0.55) & (t >= start)
    dl = t - np.minimum(rng.exponential(150, n_people).astype(np.int64), 3000)
    dl = np.maximum(dl, start)
    dl = np.where(has_dl, dl, -1)

    take = pa.array(person)

    def text(values, rows: pa.Array | None = take) -> pd.arrays.ArrowStringArray:
        """Person-level (or row-level) strings -> a ``string`` column, via Arrow."""
        arr = _arrow(values)
        return pd.arrays.ArrowStringArray(arr if rows is None else arr.take(rows))

    data = {
        "name": text(name),
        "gender": text(gender),
        "birth_date": _to_datetime(birth[person]),
        "registration_number": text(number),
        "employer": text(employer),
        "employer_province": text(shorts[prov]),
        "specialty": text(spec, None),
        "valid_from": _to_datetime(valid_from),
        "valid_until": _to_datetime(until),
        "renewal_applied_on": _to_datetime(applied, applied < 0),
        "renewal_approved_on": _to_datetime(approved, approved < 0),
        "continuing_education_done": pd.array(ce_done[person], dtype="boolean"),
        "certificate_downloaded_on": _to_datetime(dl[person], dl[person] < 0),
    }
    return pd.DataFrame(data, columns=list(ROSTER_COLUMNS))


def demo_profile(as_of: date | None = None) -> dict:
    """A fictional self-service profile (CONTRACT.md "Profile"): 广东 (batch2021), 2 specialties.

    The person, the employer and the registration number are invented. The dates are placed
    relative to ``as_of`` (default today in Asia/Shanghai) so that the answer stays interesting
    on any day: 建筑工程 ends in 20 days without an application (``apply_now``), 市政公用工程 ends
    in 75 days with an application made 10 days ago (``renewal_pending``). Born on 29 February
    (the 65th birthday falls on 28 February, I-7); the certificate was downloaded 40 days ago when
    that is on or after 2021-08-01 (its usage window is capped by the earliest validity end).
    """
    t = as_of or today_shanghai()
    e1 = t + timedelta(days=20)
    e2 = t + timedelta(days=75)
    f1 = add_years(e1, -TERM_YEARS) + timedelta(days=1)
    f2 = add_years(e2, -TERM_YEARS) + timedelta(days=1)
    downloaded = t - timedelta(days=40)
    if downloaded < POLICY.date("electronic_start"):
        downloaded = None
    return {
        "name": "林嘉喆",
        "gender": "男",
        "birth_date": "1968-02-29",
        "registration_number": "粤1442008200912345",
        "employer": "佛山恒泰建设集团有限公司",
        "employer_province": "广东",
        "continuing_education_done": True,
        "certificate_downloaded_on": downloaded.isoformat() if downloaded else None,
        "specialties": [
            {"specialty": "建筑工程", "valid_from": f1.isoformat(), "valid_until": e1.isoformat(),
             "renewal_applied_on": None, "renewal_approved_on": None},
            {"specialty": "市政公用工程", "valid_from": f2.isoformat(),
             "valid_until": e2.isoformat(),
             "renewal_applied_on": (t - timedelta(days=10)).isoformat(),
             "renewal_approved_on": None},
        ],
    }
