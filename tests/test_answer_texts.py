"""Issue 23: every sentence a constructor reads is true for them (POLICY.md "What an answer says").

- No missing value rendered as text: every trace note, warning, action, usage-window reason,
  calendar event and self-check PDF text (both languages) of every demo scenario and of a
  seeded sample of generated profiles (regimes, dates around the notice's cut-offs, 29 February
  births and approvals, renewals capped at 65, applications, approvals and downloads after T).
- Calendar events only for dates that still bind, citing the right clause and readings; no
  portal named for renewal applications; deadlines include their day.
- The PDF gives the next step first and says what the page says.
- Texts marked as the notice's words are verbatim; the rest is labelled a summary; every reading
  has its text; ``not_covered`` means "this notice does not cover the province".
"""

from __future__ import annotations

import io
import random
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest

from core import InvalidInput, assess
from core.demo.scenario_data import SCENARIOS
from core.demo.scenarios import assess_scenario, profile_at
from core.messages.catalogue import catalogue
from core.policy.data import POLICY
from core.policy.dates import add_years
from core.selfcheck import calendar as cal
from core.selfcheck import summary
from tests.engine_helpers import d, profile

ROOT = Path(__file__).resolve().parents[1]
# the notice's full text (此件主动公开: published), as beside POLICY.md
NOTICE = ROOT / "tests" / "fixtures" / "notice-2021-25.zh.txt"
MISSING = re.compile(r"\b(None|null|nan|NaN|NaT|undefined)\b|（\s*）|\(\s*\)|\{[a-z_]+\}")
LANGS = ("zh", "en")


# ---------------------------------------------------------------------------- the texts
def answer_texts(a: dict) -> list[tuple[str, str]]:
    """(where, text) of every engine sentence of an assessment."""
    out = []
    for s in a["specialties"]:
        for i, step in enumerate(s["trace"]):
            for lang in LANGS:
                out.append((f"{s['specialty']} trace[{i}] {step['rule']}", step[f"note_{lang}"]))
    for group in ("warnings", "actions"):
        for x in a[group]:
            out += [(f"{group} {x['code']}", x[f"message_{lang}"]) for lang in LANGS]
    w = a["usage_window"]
    if w and w.get("reason"):
        out += [("usage_window reason", w["reason"][f"message_{lang}"]) for lang in LANGS]
    return out


def calendar_texts(p: dict, a: dict) -> list[tuple[str, str]]:
    out = []
    for lang in LANGS:
        for r in cal.reminders(p, a, lang):
            out += [(f"calendar {r.kind} {lang}", r.summary),
                    (f"calendar {r.kind} {lang}", r.description)]
    return out


def content_texts(p: dict, a: dict) -> list[tuple[str, str]]:
    out = []
    for lang in LANGS:
        c = summary.content_of(p, a, lang)
        strings = [c.title, *c.meta, *c.table_header, *(x for r in c.rows for x in r), *c.window,
                   c.paper, *c.actions, *c.warnings, *c.where, *c.refs, c.footer]
        out += [(f"summary {lang}", x) for x in strings]
    return out


def pdf_text(p: dict, a: dict, lang: str) -> str:
    data = summary.make_summary(p, a, lang)
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def missing_values(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, t) for where, t in texts if not isinstance(t, str) or not t.strip()
            or MISSING.search(t)]


# ------------------------------------------------------------------ generated profiles
PROVINCES = ["北京", "上海", "浙江", "海南", "广东", "山东", "河北", "江苏", "四川", "湖北", "天津"]
CUTOFFS = [v.value for v in POLICY.dates.values()] + [POLICY.issued_on, POLICY.scope_ends]


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange((hi - lo).days + 1))


def generated(n: int, seed: int = 23):
    """``n`` valid (profile, as_of) pairs: regimes, dates near the cut-offs, 29 February,
    renewals capped at 65, events after T."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        kind = rng.choice(["plain", "feb29", "capped", "after_t", "near", "pending"])
        as_of = rng.choice(CUTOFFS) + timedelta(days=rng.choice([-1, 0, 1, 40, 400])) \
            if rng.random() < 0.5 else _day(rng, date(2021, 5, 1), date(2030, 12, 31))
        if kind == "feb29":
            birth = date(rng.choice([1960, 1964, 1968, 1980]), 2, 29)
        elif kind == "capped":
            birth = add_years(as_of, -rng.randrange(62, 66)) - timedelta(days=rng.randrange(365))
        else:
            birth = _day(rng, date(1956, 1, 1), date(1995, 12, 31))
        age65 = add_years(birth, 65)
        e = rng.choice([_day(rng, date(2019, 1, 1), date(2030, 12, 31)),
                        as_of + timedelta(days=rng.choice([-31, -1, 0, 5, 29, 30, 31, 90, 91])),
                        rng.choice(CUTOFFS) + timedelta(days=rng.choice([-1, 0, 1, 30]))])
        f = add_years(e, -3) + timedelta(days=1)
        applied = approved = downloaded = None
        if kind in ("capped", "feb29", "pending") or rng.random() < 0.3:
            applied = e - timedelta(days=rng.choice([40, 20, 1, -5, -40]))
            if kind != "pending" and rng.random() < 0.7:
                approved = applied + timedelta(days=rng.choice([0, 10, 30, 60]))
                if kind == "feb29":
                    leap = [date(y, 2, 29) for y in (2020, 2024, 2028) if date(y, 2, 29) >= applied]
                    approved = leap[0] if leap else approved
                if approved >= age65:
                    approved = None
        if kind == "after_t" or rng.random() < 0.2:
            downloaded = as_of + timedelta(days=rng.choice([-200, -10, 0, 1, 30]))
        if kind == "after_t" and applied is None:
            applied = as_of + timedelta(days=3)
        specialties = [{"specialty": rng.choice(POLICY.specialties), "valid_from": f.isoformat(),
                        "valid_until": e.isoformat(),
                        "renewal_applied_on": applied and applied.isoformat(),
                        "renewal_approved_on": approved and approved.isoformat()}]
        if rng.random() < 0.3:
            e2 = e + timedelta(days=rng.choice([-400, 120, 700]))
            other = [x for x in POLICY.specialties if x != specialties[0]["specialty"]]
            specialties.append({"specialty": rng.choice(other),
                                "valid_from": (add_years(e2, -3) + timedelta(days=1)).isoformat(),
                                "valid_until": e2.isoformat(), "renewal_applied_on": None,
                                "renewal_approved_on": None})
        p = profile(province=rng.choice(PROVINCES), birth=birth.isoformat(),
                    ce=rng.random() < 0.5,
                    downloaded=downloaded and downloaded.isoformat())
        p["specialties"] = specialties
        try:
            a = assess(p, as_of)
        except InvalidInput:
            continue
        out.append((p, as_of, a))
    return out


SAMPLE = generated(160)


def test_the_sample_reaches_every_status_and_the_cases_of_issue_23():
    statuses = {s["status"] for _, _, a in SAMPLE for s in a["specialties"]}
    assert statuses >= {"valid", "apply_now", "expired_not_lapsed", "lapsed", "renewal_pending",
                        "age_limit", "not_covered"}, statuses
    warnings = {w["code"] for _, _, a in SAMPLE for w in a["warnings"]}
    assert {"event_after_as_of", "basis_scope"} <= warnings
    actions = {x["code"] for _, _, a in SAMPLE for x in a["actions"]}
    assert {"renew_before_deadline", "apply_for_renewal", "re_register"} <= actions
    assert any(s["capped_at_65"] for _, _, a in SAMPLE for s in a["specialties"])
    assert any(s["renewed"] and s["current_valid_from"][5:] == "02-29"
               for _, _, a in SAMPLE for s in a["specialties"])


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_no_missing_value_in_any_text_of_a_scenario(sid):
    s = SCENARIOS[sid]
    p, a = profile_at(s, s.as_of), assess_scenario(s)
    texts = answer_texts(a) + calendar_texts(p, a) + content_texts(p, a)
    texts += [(f"pdf {lang}", pdf_text(p, a, lang)) for lang in LANGS]
    assert not missing_values(texts)


def test_at_least_sixteen_scenarios():
    assert len(SCENARIOS) >= 16


@pytest.mark.parametrize("i", range(0, len(SAMPLE), 20))
def test_no_missing_value_in_any_text_of_generated_profiles(i):
    for j, (p, as_of, a) in enumerate(SAMPLE[i:i + 20]):
        texts = answer_texts(a) + calendar_texts(p, a) + content_texts(p, a)
        if j % 5 == 0:  # the PDF itself for a fifth of them (each one costs a render)
            lang = "zh" if j % 2 else "en"
            texts.append((f"pdf {lang}", pdf_text(p, a, lang)))
        assert not missing_values(texts), (p, as_of.isoformat())


def test_the_check_would_see_a_rendered_none():
    assert missing_values([("x", "届满30日前（None）申请")])
    assert missing_values([("x", "apply by ()")]) and missing_values([("x", "NaT")])
    assert not missing_values([("x", "clause 3(2) · 无申请截止日")])


# ------------------------------------------------------------------------------ calendar
def test_a_deadline_before_the_notice_took_effect_gets_no_event():
    """山东, valid until 2021-08-01, at 2021-06-24: apply_by 2021-07-02 never bound."""
    p = profile(province="山东", valid_until="2021-08-01")
    a = assess(p, d("2021-06-24"))
    assert a["specialties"][0]["apply_by"] == "2021-07-02"
    assert [(r.kind, r.on.isoformat()) for r in cal.reminders(p, a)] == [
        ("lapses_on", "2022-01-01")]


def test_no_event_for_a_specialty_at_the_age_limit_or_lapsed():
    s = SCENARIOS["pilot-renewal-capped-65"]
    a = assess_scenario(s)
    assert a["specialties"][0]["status"] == "age_limit"
    assert not [r for r in cal.reminders(s.profile, a) if r.specialty]
    p = profile(province="上海", valid_until="2022-03-31")
    assert cal.reminders(p, assess(p, d("2022-04-15"))) == []


def test_pilot_events_cite_c222_and_their_readings_and_name_no_portal():
    p = profile(province="北京", valid_until="2024-06-30")
    a = assess(p, d("2024-05-01"))
    for lang in LANGS:
        events = cal.reminders(p, a, lang)
        assert {r.kind for r in events} == {"apply_by", "lapses_on"}
        for r in events:
            assert (r.rule, r.clause) == ("R-1", "C-2.2.2") and "I-3" in r.readings
            assert "I-3" in r.description and "2021-07-31" in r.description
            for word in ("政务服务门户", "政务服务平台", "Government Service", "service portal"):
                assert word not in r.description
        [deadline] = [r for r in events if r.kind == "apply_by"]
        assert ("含当日" if lang == "zh" else "on or before that day") in deadline.description
        assert "在此日之前" not in deadline.description
    [lapse] = [r for r in cal.reminders(p, a, "en") if r.kind == "lapses_on"]
    assert "If the validity has ended and no renewal application has been made" in \
        lapse.description


# ----------------------------------------------------------------------------------- PDF
def test_the_pdf_gives_the_next_step_first_for_a_deadline_five_days_away():
    p = profile(province="北京", valid_until="2024-06-06")
    a = assess(p, d("2024-05-02"))
    assert a["specialties"][0]["apply_by"] == "2024-05-07"
    zh = pdf_text(p, a, "zh")
    for wrong in ("暂时无需办理延续", "目前无需办理任何事项", "目前没有需要办理的事项"):
        assert wrong not in zh
    assert zh.index("您需要做的事") < zh.index("延续申请截止日")  # before the table
    squashed = re.sub(r"\s", "", zh)
    assert "请最迟于2024-05-07（含当日）向注册管理机构提出延续注册申请" in squashed
    assert "C-2.2.2" in zh and "C-2.2.1" not in zh and "I-3" in zh
    for line in zh.splitlines():
        if "政务服务门户" in line or "政务服务平台" in line:
            assert "延续" not in line, line
    en = re.sub(r"\s", "", pdf_text(p, a, "en"))
    assert "onorbefore2024-05-07" in en and "Nothingtodo" not in en


def test_the_pdf_of_a_capped_renewal_says_there_is_no_deadline_and_why():
    s = SCENARIOS["pilot-renewal-capped-65"]
    a = assess_scenario(s, d("2022-01-01"))
    text = re.sub(r"\s", "", pdf_text(s.profile, a, "zh"))
    assert "无申请截止日" in text and "65周岁" in text and "None" not in text


# ---------------------------------------------------------------------- the policy's words
def _squash(s: str) -> str:
    return re.sub(r"\s", "", s)


def test_clauses_marked_as_the_notice_s_words_are_verbatim():
    notice = _squash(NOTICE.read_text(encoding="utf-8")).replace("(", "（").replace(")", "）")
    for cid, c in POLICY.clauses.items():
        assert c["en"].startswith("Summary: "), cid
        if c.get("summary"):
            assert c["zh"].startswith("概述"), cid
            continue
        for part in re.split(r"……|\n", c["zh"]):
            part = _squash(part).replace("(", "（").replace(")", "）")
            assert not part or part in notice, (cid, part)


def test_c_a1_names_the_seal_and_c224_is_not_quoted_for_three_years():
    assert "行政许可专用章" in POLICY.clauses["C-A1"]["zh"]
    assert "3年" not in POLICY.clauses["C-2.2.4"]["zh"].replace("不满3年", "")
    term = POLICY.raw["days"]["renewal_term_years"]
    assert term["zh"].startswith("概述") and term["en"].startswith("Summary")


def test_every_reading_has_its_text_and_i3_its_floor():
    assert set(POLICY.readings) == {f"I-{i}" for i in range(1, 10)}
    for rid, r in POLICY.readings.items():
        assert r["zh"].strip() and r["en"].strip(), rid
    assert "2021年7月31日" in POLICY.readings["I-3"]["zh"]
    assert "never earlier than 2021-07-31" in POLICY.readings["I-3"]["en"]
    assert "approval_after_lapse" in POLICY.readings["I-9"]["en"]


def _strings(path: Path) -> list[str]:
    out = []

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str):
            out.append(x)
    walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return out


CATALOGUES = [ROOT / "assets" / "strings.toml", ROOT / "core" / "messages" / "messages.toml"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_no_catalogue_sentence_claims_what_the_notice_does_not_say(path):
    for s in _strings(path):
        assert "未启用电子注册证书" not in s and "does not use electronic certificates" not in s
        assert "暂时无需办理延续" not in s and "在此日之前" not in s
        assert "该日之后需延续注册后重新下载" not in s
        assert "Without a renewal application after the validity ends" not in s
        if "政务服务门户" in s or "国家政务服务平台" in s:
            assert "延续注册申请" not in s and "renewal application" not in s.lower(), s


def test_not_covered_means_the_notice_does_not_cover_the_province():
    a = assess_scenario(SCENARIOS["not-covered-hubei"])
    note = a["specialties"][0]["trace"][0]
    assert "本通知未涵盖该省份" in note["note_zh"]
    assert "this notice does not cover the province" in note["note_en"]
    s = SCENARIOS["not-covered-hubei"]
    assert "纸质证书不受影响" not in s.summary_zh and "unaffected" not in s.summary_en
    assert catalogue()["summary"]["window_not_covered"]["zh"].startswith("本通知未涵盖")
