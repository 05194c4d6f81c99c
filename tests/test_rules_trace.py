"""core/rules/trace.py through the assessment: each specialty's trace lists the rules in order,
in both languages, with the readings it relied on."""

from __future__ import annotations

import pytest

from tests.engine_helpers import full, one

# ------------------------------------------------------------------------ trace

def test_trace_lists_rules_in_order_with_both_languages():
    s = one("2021-09-20", province="广东", valid_until="2021-10-15", ce=False)
    assert [t["rule"] for t in s["trace"]] == ["R-1", "R-3", "R-4", "R-5"]
    assert all(t["note_zh"] and t["note_en"] for t in s["trace"])


def test_i7_leap_day_birth_traced_where_the_65th_birthday_decides():
    s = one("2045-03-01", province="山东", birth="1980-02-29", valid_from="2042-03-01",
            valid_until="2045-02-27")
    traced = {t["rule"]: t["readings"] for t in s["trace"]}
    assert "I-7" in traced["R-3"] and "I-7" in traced["R-4"]
    s = one("2045-03-01", province="山东", birth="1980-03-01", valid_from="2042-03-01",
            valid_until="2045-02-27")
    assert all("I-7" not in t["readings"] for t in s["trace"])


@pytest.mark.parametrize("applied, after_lapse", [
    ("2024-05-31", False),  # the day before the lapse date: an ordinary renewal
    ("2024-06-01", True),   # on the lapse date: the application does not count ...
    ("2024-06-02", True),   # ... after it neither; the approval renews all the same (I-9)
])
def test_i9_an_approval_always_renews(applied, after_lapse):
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", applied=applied,
             approved="2024-06-20")
    s = a["specialties"][0]
    assert (s["status"], s["renewed"], s["current_valid_from"]) == ("valid", True, "2024-06-20")
    codes = [w["code"] for w in a["warnings"]]
    assert ("approval_after_lapse" in codes) is after_lapse
    assert "application_after_lapse" not in codes
    r2 = next(st for st in s["trace"] if st["rule"] == "R-2")
    assert ("I-9" in r2["readings"]) is after_lapse


def test_i9_an_approval_with_no_application_on_record_renews_with_the_warning():
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", approved="2024-05-20")
    s = a["specialties"][0]
    assert (s["status"], s["renewed"]) == ("valid", True)
    assert "approval_after_lapse" in [w["code"] for w in a["warnings"]]


def test_r4_a_late_application_without_approval_stays_lapsed():
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", applied="2024-06-01")
    s = a["specialties"][0]
    assert (s["status"], s["renewed"], s["lapses_on"]) == ("lapsed", False, "2024-06-01")
    assert "application_after_lapse" in [w["code"] for w in a["warnings"]]
    # the approval is not known yet on the as-of date: still lapsed
    a = full("2024-06-10", province="广东", valid_until="2024-05-31", applied="2024-06-01",
             approved="2024-06-20")
    assert a["specialties"][0]["status"] == "lapsed"


def test_r6_an_approval_after_a_late_application_outdates_the_certificate():
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", applied="2024-06-01",
             approved="2024-06-20", downloaded="2024-05-01")
    assert "certificate_outdated" in [w["code"] for w in a["warnings"]]
