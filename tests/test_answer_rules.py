"""Issue 23, the engine: R-5's application actions in the assessment, events after T, I-8 for
29 February approvals, ``basis_scope`` before the notice existed, and the trace's citations.

Each test fails on the code before issue 23 (see the issue) and names the POLICY.md id it proves.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from core import assess, assess_roster
from core.policy.data import POLICY
from tests.engine_helpers import d, full, one, profile
from tests.test_rules_roster import _frame


def codes(items: list[dict]) -> list[str]:
    return [x["code"] for x in items]


# ---------------------------------------------------------------------------------------
# 北京, valid until 2024-06-30: apply_by 2024-05-31 (I-3: max(E − 30, 2021-07-31))
BJ = dict(province="北京", valid_until="2024-06-30")
APPLY_BY = date(2024, 5, 31)


@pytest.mark.parametrize("offset, status, action", [
    (-91, "valid", None),
    (-90, "valid", "renew_before_deadline"),
    (-5, "valid", "renew_before_deadline"),
    (0, "valid", "renew_before_deadline"),
    (1, "apply_now", "apply_for_renewal"),
])
def test_r5_renew_before_deadline_boundaries(offset, status, action):
    as_of = APPLY_BY + timedelta(days=offset)
    a = assess(profile(**BJ), as_of)
    assert a["specialties"][0]["status"] == status
    got = [x for x in a["actions"] if x["code"] in (
        "renew_before_deadline", "apply_for_renewal", "re_register")]
    assert codes(got) == ([action] if action else [])
    if action:
        assert a["actions"][0]["code"] == action  # the holder's next step comes first
        zh, en = got[0]["message_zh"], got[0]["message_en"]
        assert "注册管理机构" in zh and "registration authority" in en
        assert "门户" not in zh and "平台" not in zh and "portal" not in en.lower()
        if offset:
            assert "含当日" in zh and "that day included" in en


def test_r5_a_deadline_five_days_away_says_so_with_its_day_counted():
    a = assess(profile(**BJ, ce=False), APPLY_BY - timedelta(days=5))
    first = a["actions"][0]
    assert first["code"] == "renew_before_deadline"
    assert "2024-05-31（含当日）" in first["message_zh"] and "5 天" in first["message_zh"]
    assert "on or before 2024-05-31" in first["message_en"] and "5 days" in first["message_en"]
    assert codes(a["actions"]) == ["renew_before_deadline", "complete_continuing_education"]


def test_r5_on_the_deadline_itself_today_is_the_last_day():
    a = assess(profile(**BJ), APPLY_BY)
    assert "今天" in a["actions"][0]["message_zh"] and "today" in a["actions"][0]["message_en"]


def test_r5_apply_for_renewal_after_the_deadline_names_the_last_day_and_the_lapse():
    a = assess(profile(province="广东", specialty="市政公用工程", valid_until="2021-10-15"),
               d("2021-09-20"))  # worked example 2: apply_now
    x = a["actions"][0]
    assert x["code"] == "apply_for_renewal"
    assert "2021-09-15" in x["message_zh"] and "已过" in x["message_zh"]
    assert "2021-12-31（含当日）" in x["message_zh"] and "2022-01-01" in x["message_zh"]


def test_r5_already_expired_before_its_deadline_is_not_called_late():
    """2021 batch, expired before 2021-08-01 (I-2), at 2021-09-01: expired_not_lapsed, and the
    deadline 2021-12-31 has not passed: apply_for_renewal without 'deadline passed'."""
    a = assess(profile(province="江苏", valid_until="2021-03-01"), d("2021-09-01"))
    assert a["specialties"][0]["status"] == "expired_not_lapsed"
    x = a["actions"][0]
    assert x["code"] == "apply_for_renewal"
    assert "已过" not in x["message_zh"] and "逾期" not in x["message_zh"]
    assert "2021-12-31（含当日）" in x["message_zh"]


def test_r5_a_deadline_that_never_bound_gets_no_countdown():
    """deadline_before_effective: only the lapse date binds; no renew_before_deadline, and after
    the 30-day date the action is not called late."""
    a = assess(profile(province="河北", valid_until="2021-08-20"), d("2021-07-01"))
    assert "deadline_before_effective" in codes(a["warnings"])
    assert "renew_before_deadline" not in codes(a["actions"])
    a = assess(profile(province="河北", valid_until="2021-08-20"), d("2021-07-25"))
    x = [y for y in a["actions"] if y["code"] == "apply_for_renewal"][0]
    assert "逾期" not in x["message_zh"] and "2021-12-31（含当日）" in x["message_zh"]


def test_r5_no_application_action_while_pending_at_the_age_limit_or_not_covered():
    assert not {"renew_before_deadline", "apply_for_renewal"} & set(codes(
        full("2024-05-26", applied="2024-05-20", **BJ)["actions"]))
    a = full("2023-09-11", province="浙江", birth="1958-09-10", valid_until="2021-05-31",
             applied="2021-07-01", approved="2021-09-01")
    assert a["specialties"][0]["status"] == "age_limit" and a["actions"] == []
    a = full("2024-05-26", province="湖北", valid_until="2024-06-30")
    assert a["actions"] == []


def test_r5_no_countdown_to_apply_by_while_pending():
    s = one("2024-05-26", applied="2024-05-20", **BJ)
    assert s["status"] == "renewal_pending" and s["apply_by"] == "2024-05-31"
    assert s["days_to_apply_by"] is None and s["days_to_lapse"] == 36


def test_r5_re_register_when_lapsed():
    a = full("2022-04-15", province="上海", valid_until="2022-03-31")
    assert codes(a["actions"])[0] == "re_register"


def test_r5_the_most_urgent_application_step_comes_first():
    extra = ({"specialty": "公路工程", "valid_from": "2019-10-01", "valid_until": "2022-09-30",
              "renewal_applied_on": None, "renewal_approved_on": None},)
    a = assess(profile(province="广东", valid_until="2022-06-30", extra_specialties=extra),
               d("2022-06-10"))  # 建筑工程 apply_by 05-31 passed; 公路工程 apply_by 08-31 near
    assert codes(a["actions"])[:2] == ["apply_for_renewal", "renew_before_deadline"]


# ------------------------------------------------------------------------- events after T
@pytest.mark.parametrize("field, kw", [
    ("certificate_downloaded_on", dict(downloaded="2024-03-02")),
    ("specialties[0].renewal_applied_on", dict(applied="2024-03-02")),
    ("specialties[0].renewal_approved_on", dict(applied="2024-02-01", approved="2024-03-02")),
])
def test_an_event_after_t_is_ignored_with_one_warning_naming_it(field, kw):
    as_of = d("2024-03-01")
    base = dict(province="广东", valid_until="2024-05-31")
    a = assess(profile(**base, **kw), as_of)
    later = [w for w in a["warnings"] if w["code"] == "event_after_as_of"]
    assert len(later) == 1 and later[0]["fields"] == [field]
    assert "2024-03-02" in later[0]["message_zh"] and "2024-03-02" in later[0]["message_en"]
    # the answer is the one without the later event (earlier events kept)
    seen = {k: v for k, v in kw.items() if k == "applied" and v < "2024-03-02"}
    b = assess(profile(**base, **seen), as_of)
    assert a["specialties"] == b["specialties"]
    assert a["usage_window"] == b["usage_window"]


def test_several_events_after_t_give_one_warning():
    a = assess(profile(province="广东", valid_until="2024-05-31", applied="2024-03-05",
                       approved="2024-03-09", downloaded="2024-03-10"), d("2024-03-01"))
    later = [w for w in a["warnings"] if w["code"] == "event_after_as_of"]
    assert len(later) == 1
    assert later[0]["fields"] == ["certificate_downloaded_on",
                                  "specialties[0].renewal_applied_on",
                                  "specialties[0].renewal_approved_on"]


def test_a_profile_and_a_one_row_roster_answer_alike_with_events_after_t():
    p = profile(province="广东", valid_until="2024-05-31", applied="2024-04-20",
                approved="2024-05-20", downloaded="2024-06-01")
    as_of = d("2024-04-25")
    a = assess(p, as_of)["specialties"][0]
    row = {**{k: v for k, v in p.items() if k != "specialties"}, **p["specialties"][0]}
    for k in ("birth_date", "valid_from", "valid_until", "renewal_applied_on",
              "renewal_approved_on", "certificate_downloaded_on"):
        row[k] = date.fromisoformat(row[k]) if row[k] else None
    out = assess_roster(_frame([row]), as_of).iloc[0]
    assert out["error"] is pd.NA
    assert (str(out["status"]), out["apply_by"].date().isoformat()) == (a["status"],
                                                                       a["apply_by"])
    assert a["status"] == "renewal_pending"


# ------------------------------------------------------------------------------ I-8, R-2
@pytest.mark.parametrize("birth, until, capped", [
    ("1970-03-15", "2027-02-28", False),  # far from 65: three whole years, to 28 February
    ("1962-03-01", "2027-02-28", False),  # age65 2027-03-01, the day after U: not capped
    ("1962-02-28", "2027-02-28", True),   # age65 2027-02-28 = U: less than three full years
    ("1962-02-27", "2027-02-27", True),   # age65 before U: ends on it
])
def test_i8_approval_on_29_february(birth, until, capped):
    s = one("2024-06-01", province="山东", birth=birth, valid_until="2024-02-29",
            valid_from="2021-03-01", applied="2024-01-10", approved="2024-02-29")
    assert (s["current_valid_until"], s["capped_at_65"]) == (until, capped)
    readings = {r for step in s["trace"] if step["rule"] == "R-2" for r in step["readings"]}
    assert ("I-8" in readings) is (not capped)


@pytest.mark.parametrize("approved, until", [
    ("2021-05-14", "2024-05-13"),  # the day before the third anniversary
    ("2024-02-28", "2027-02-27"),
    ("2024-03-01", "2027-02-28"),
    ("2023-03-01", "2026-02-28"),
    # 1 March before a 29 February: the third year runs to 2028-02-29, the day before the third
    # anniversary (POLICY.md R-2: "for every P but 29 February, U = add_years(P, 3) − 1 day", no
    # day left uncovered; add_years(P − 1 day, 3) would give 2028-02-28 here)
    ("2025-03-01", "2028-02-29"),
])
def test_i8_other_approvals_answer_as_before(approved, until):
    s = one("2026-01-01", province="广东", valid_until="2021-06-30", valid_from="2018-07-01",
            applied="2021-05-01", approved=approved)
    assert s["current_valid_until"] == until


# ------------------------------------------------------------------------ basis and scope
@pytest.mark.parametrize("as_of, warned", [
    ("2021-06-23", True),   # the day before the notice was issued: it did not exist
    ("2021-06-24", False),  # issued that day
    ("2021-12-31", False),
    ("2022-01-01", True),
])
def test_basis_scope_before_the_notice_was_issued(as_of, warned):
    a = full(as_of, province="广东", valid_until="2024-05-31")
    assert ("basis_scope" in codes(a["warnings"])) is warned
    if as_of == "2021-06-23":
        w = [x for x in a["warnings"] if x["code"] == "basis_scope"][0]
        assert "2021-06-24" in w["message_zh"] and "did not exist" in w["message_en"]


def test_the_issue_date_is_policy_data(tmp_path):
    from tests.test_policy_data import _edited
    edited = _edited(tmp_path, "issued_on = 2021-06-24", "issued_on = 2021-06-20")
    a = assess(profile(province="广东", valid_until="2024-05-31"), d("2021-06-21"), edited)
    assert "basis_scope" not in codes(a["warnings"])
    assert POLICY.issued_on == date(2021, 6, 24)


# ------------------------------------------------------------------- the trace's citations
def steps(s: dict, rule: str) -> list[dict]:
    return [x for x in s["trace"] if x["rule"] == rule]


def test_a_pilot_cites_c222_for_its_deadlines_and_a_late_application():
    s = one("2022-04-15", province="上海", valid_until="2022-03-31", applied="2022-04-10")
    assert steps(s, "R-1")[0]["clause"] == "C-2.2.2"
    assert {x["clause"] for x in steps(s, "R-4")} == {"C-2.2.2"}
    assert "I-3" in steps(s, "R-1")[0]["readings"]
    s = one("2021-06-01", province="广东", valid_until="2024-03-31")
    assert steps(s, "R-1")[0]["clause"] == "C-2.2.1" and "I-3" not in steps(s, "R-1")[0][
        "readings"]


def test_a_capped_renewal_renders_no_missing_value_and_cites_no_i8():
    s = one("2022-01-01", province="浙江", birth="1958-09-10", valid_until="2021-05-31",
            applied="2021-07-01", approved="2021-09-01")  # worked example 6
    for x in s["trace"]:
        for text in (x["note_zh"], x["note_en"]):
            assert "None" not in text and "（）" not in text and "()" not in text, text
        if x["rule"] == "R-2":
            assert "I-8" not in x["readings"]
    r2 = steps(s, "R-2")
    assert "无申请截止日" in r2[1]["note_zh"] and "no application deadline" in r2[1]["note_en"]
    assert "65" in r2[1]["note_zh"]


def test_i9_only_for_an_approval_after_the_lapse():
    s = one("2022-06-01", province="江苏", valid_until="2022-03-31", valid_from="2019-04-01",
            applied="2022-04-15", approved="2022-05-10")
    assert "I-9" in steps(s, "R-2")[0]["readings"]
    s = one("2022-06-01", province="江苏", valid_until="2022-03-31", valid_from="2019-04-01",
            applied="2022-02-15", approved="2022-05-10")
    assert all("I-9" not in x["readings"] for x in s["trace"])
    a = full("2022-06-01", province="广东", valid_until="2022-03-31", valid_from="2019-04-01",
             applied="2022-02-15", approved="2022-05-10")
    assert "approval_after_lapse" not in codes(a["warnings"])


def test_a_pilot_renewed_cycle_cites_c222_and_i3_for_its_deadlines():
    s = one("2024-06-01", province="北京", valid_until="2022-03-31", valid_from="2019-04-01",
            applied="2022-02-15", approved="2022-03-10")
    r2 = steps(s, "R-2")
    assert r2[0]["clause"] == "C-2.2.4" and "I-8" in r2[0]["readings"]
    assert r2[1]["clause"] == "C-2.2.2" and "I-3" in r2[1]["readings"]
