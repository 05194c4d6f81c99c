"""The trainers' scenarios (core/demo/scenario_data.py, scenarios.py): valid input, every rule
and reading covered, every R-1 row / R-4 status / usage-window cap / paper state reached,
POLICY.md's worked examples."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from core import assess
from core.demo.scenario_data import SCENARIOS
from core.demo.scenarios import (
    assess_scenario,
    change_dates,
    cited,
    coverage,
    get,
    profile_at,
    scenarios_citing,
    status_bands,
    time_range,
    uncovered,
)
from core.policy.data import POLICY
from core.policy.dates import day_number, parse_iso
from core.rules.branches import BRANCHES
from core.rules.specialty import original_deadlines
from core.rules.text_checks import number_pattern
from core.rules.validate import validate
from core.schema.roster import REGIMES

ALL = list(SCENARIOS.values())
ANSWERS = {s.id: assess_scenario(s) for s in ALL}


def specialties():
    for sid, a in ANSWERS.items():
        for spec in a["specialties"]:
            yield sid, a, spec


def test_at_least_twelve_scenarios_with_slug_ids_titles_and_summaries():
    assert len(SCENARIOS) >= 12
    for s in ALL:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.id), s.id
        assert SCENARIOS[s.id] is s and get(s.id) is s
        assert s.title_zh and s.title_en and s.summary_zh and s.summary_en, s.id
    assert get("no-such-scenario") is None


@pytest.mark.parametrize("sid", list(SCENARIOS))
def test_every_profile_is_valid_input_and_fictional(sid):
    s = SCENARIOS[sid]
    validate(s.profile, s.as_of)  # raises InvalidInput otherwise
    assert number_pattern().match(s.profile["registration_number"])
    assert "虚构" in s.profile["employer"]


def test_only_the_mismatch_scenario_has_a_registration_number_warning():
    with_number_warnings = {sid for sid, a in ANSWERS.items()
                            if any(w["code"].startswith("number_") for w in a["warnings"])}
    assert with_number_warnings == {"not-covered-hubei"}


def test_every_rule_and_reading_is_covered():
    missing = uncovered()
    assert not missing, f"no scenario exercises: {sorted(missing)}"
    every = set(POLICY.rules) | set(POLICY.readings)
    assert every == {f"R-{i}" for i in range(1, 9)} | {f"I-{i}" for i in range(1, 10)}


def test_uncovered_notices_a_missing_id(monkeypatch):
    from core.demo import scenario_data, scenarios

    only = {"pilot-expired": SCENARIOS["pilot-expired"]}
    monkeypatch.setattr(scenario_data, "SCENARIOS", only)
    scenarios._coverage.cache_clear()
    try:
        assert {"I-1", "I-5", "I-7", "R-2"} <= scenarios.uncovered()
    finally:
        monkeypatch.undo()
        scenarios._coverage.cache_clear()


def test_coverage_counts_what_the_assessment_cites():
    cov = coverage()
    assert set(cov) == set(SCENARIOS)
    for sid, c in cov.items():
        a = ANSWERS[sid]
        trace_rules = {st["rule"] for sp in a["specialties"] for st in sp["trace"]}
        assert trace_rules <= c["rules"]
        assert {"R-7", "R-8"} <= c["rules"]  # paper certificate always; R-8 validates every number
        assert ("R-6" in c["rules"]) == (a["usage_window"] is not None)
    assert "I-1" in cov["not-covered-hubei"]["readings"]
    assert "I-5" in cov["multi-specialty"]["readings"]
    assert "I-7" in cov["feb29-renewed"]["readings"]
    assert "C-2.2.2" in cov["pilot-expired"]["clauses"]
    assert "pilot-expired" in scenarios_citing("C-2.2.2")
    assert "multi-specialty" in scenarios_citing("I-5")


def test_a_29_february_birthday_alone_counts_i7():
    s = SCENARIOS["feb29-renewed"]
    profile = {**s.profile, "specialties": [{**s.profile["specialties"][0],
                                             "renewal_applied_on": None,
                                             "renewal_approved_on": None}]}
    a = assess(profile, date(2022, 1, 1))
    assert "I-7" in {r for sp in a["specialties"] for st in sp["trace"] for r in st["readings"]}
    assert "I-7" in cited(a)["readings"]


def test_every_r1_row_appears():
    rows = set()
    for _sid, a, spec in specialties():
        if a["regime"] == "not_covered":
            rows.add("not_covered")
            continue
        if spec["renewed"]:
            continue
        e = day_number(parse_iso(spec["current_valid_until"]))
        _, _, branch, _ = original_deadlines(np.array([REGIMES.index(a["regime"])]),
                                             np.array([e]), POLICY)
        rows.add(BRANCHES[int(branch[0])].note)
    assert rows == {"r1_pilot_expired", "r1_pilot_current", "r1_pilot_floor",
                    "r1_batch_expired", "r1_batch_transition", "r1_batch_current", "not_covered"}


def test_renewal_with_and_without_the_65_cap():
    renewed = {(spec["capped_at_65"]) for _, _, spec in specialties() if spec["renewed"]}
    assert renewed == {True, False}


def test_every_r4_status_and_a_late_application_appear():
    statuses = {spec["status"] for _, _, spec in specialties()}
    assert statuses == {"not_yet_valid", "renewal_pending", "lapsed", "expired_not_lapsed",
                        "apply_now", "valid", "age_limit", "not_covered"}
    late = {spec["late_application"] for _, _, spec in specialties()
            if spec["status"] == "renewal_pending"}
    assert late == {True, False}


def test_each_usage_window_cap_unavailable_and_the_paper_states_appear():
    windows = [a["usage_window"] for a in ANSWERS.values()]
    assert {w["capped_by"] for w in windows if w and w["status"] != "unavailable"} == {
        "180_days", "specialty_validity", "age_65"}
    assert {w["status"] for w in windows if w} == {"in_use", "expired", "unavailable"}
    assert None in windows  # not covered: no usage window
    assert {a["paper_certificate"]["status"] for a in ANSWERS.values()} == {
        "valid", "valid_not_issued", "void", "not_covered"}


def test_warnings_and_several_specialties_appear():
    codes = {w["code"] for a in ANSWERS.values() for w in a["warnings"]}
    assert {"deadline_before_effective", "certificate_outdated", "application_after_lapse",
            "number_province_mismatch"} <= codes
    assert any(len(a["specialties"]) > 1 for a in ANSWERS.values())
    assert any(a["usage_window"] and len(a["usage_window"]["specialties"]) > 1
               for a in ANSWERS.values())
    assert any(s.profile["birth_date"].endswith("-02-29") for s in ALL)


def test_the_worked_examples_1_to_9_are_scenarios():
    assert {s.example for s in ALL if s.example} == set(range(1, 10))


def at(sid: str, when: str) -> dict:
    return assess_scenario(SCENARIOS[sid], date.fromisoformat(when))


def one(a: dict) -> dict:
    [spec] = a["specialties"]
    return spec


def test_worked_example_1_pilot_expired():
    spec = one(at("pilot-expired", "2021-07-15"))
    assert (at("pilot-expired", "2021-07-15")["regime"], spec["apply_by"], spec["lapses_on"],
            spec["status"]) == ("pilot", "2021-07-31", "2021-08-01", "expired_not_lapsed")
    assert one(at("pilot-expired", "2021-08-01"))["status"] == "lapsed"


def test_worked_example_2_batch_transition():
    a = at("batch-transition-apply-now", "2021-09-01")
    assert a["regime"] == "batch2021"
    assert (one(a)["apply_by"], one(a)["lapses_on"], one(a)["status"]) == (
        "2021-09-15", "2022-01-01", "valid")
    assert one(at("batch-transition-apply-now", "2021-09-20"))["status"] == "apply_now"
    assert one(at("batch-transition-apply-now", "2021-11-01"))["status"] == "expired_not_lapsed"


def test_worked_example_3_and_4_renewal_pending():
    spec = one(at("batch-expired-pending", "2021-12-15"))
    assert (spec["status"], spec["late_application"]) == ("renewal_pending", False)
    spec = one(at("batch-late-application", "2023-06-20"))
    assert (spec["status"], spec["late_application"], spec["apply_by"]) == (
        "renewal_pending", True, "2023-05-31")


def test_worked_example_5_not_covered():
    a = ANSWERS["not-covered-hubei"]
    assert a["regime"] == "not_covered" and a["usage_window"] is None
    assert a["paper_certificate"]["status"] == "not_covered"
    assert one(a)["status"] == "not_covered"
    assert one(a)["apply_by"] is None and one(a)["lapses_on"] is None


def test_worked_example_6_capped_at_65():
    a = at("pilot-renewal-capped-65", "2022-01-01")
    spec = one(a)
    assert a["age65"] == "2023-09-10"
    assert (spec["current_valid_from"], spec["current_valid_until"], spec["capped_at_65"],
            spec["apply_by"]) == ("2021-09-01", "2023-09-10", True, None)
    assert one(at("pilot-renewal-capped-65", "2023-09-11"))["status"] == "age_limit"


def test_worked_example_7_29_february():
    assert ANSWERS["feb29-renewed"]["age65"] == "2045-02-28"
    assert one(ANSWERS["feb29-renewed"])["current_valid_until"] == "2027-02-28"  # I-8


def test_worked_examples_8_and_9_usage_windows():
    w = ANSWERS["usage-capped-by-validity"]["usage_window"]
    assert (w["from"], w["until"], w["capped_by"], w["status"]) == (
        "2024-09-01", "2024-12-31", "specialty_validity", "in_use")
    w = ANSWERS["usage-180-days"]["usage_window"]
    assert (w["from"], w["until"], w["capped_by"]) == ("2021-08-12", "2022-02-08", "180_days")


def test_profile_at_drops_a_download_that_has_not_happened_yet():
    s = SCENARIOS["usage-180-days"]
    assert profile_at(s, date(2021, 8, 11))["certificate_downloaded_on"] is None
    assert profile_at(s, date(2021, 8, 12))["certificate_downloaded_on"] == "2021-08-12"
    assert s.profile["certificate_downloaded_on"] == "2021-08-12"  # the scenario is unchanged


@pytest.mark.parametrize("sid", list(SCENARIOS))
def test_status_bands_agree_with_assess_on_every_day_sampled(sid):
    s = SCENARIOS[sid]
    start, end = time_range(s)
    assert start < s.as_of < end
    bands = status_bands(s, start, end)
    assert "invalid" not in {b["status"] for b in bands}
    names = [sp["specialty"] for sp in s.profile["specialties"]]
    for name in names:  # bands of a specialty tile [start, end] without gaps or overlaps
        mine = [b for b in bands if b["specialty"] == name]
        assert mine[0]["start"] == start and mine[-1]["end"] == end
        for left, right in zip(mine, mine[1:], strict=False):
            assert (right["start"] - left["end"]).days == 1
            assert left["status"] != right["status"]
    # the band status equals core.assess at each band's first and last day and around as_of
    for b in bands:
        for when in {b["start"], b["end"]}:
            a = assess_scenario(s, when)
            status = {sp["specialty"]: sp["status"] for sp in a["specialties"]}[b["specialty"]]
            assert status == b["status"], (sid, b, when)
    assert len(change_dates(s, start, end)) < 200


def test_every_clause_a_rule_implements_is_cited_by_some_scenario():
    implemented = {c for r in POLICY.rules.values() for c in r["clauses"]}
    missing = sorted(c for c in implemented if not scenarios_citing(c))
    assert not missing, f"no scenario cites: {missing}"
    assert ANSWERS["batch-before-start"]["usage_window"]["clause"] == "C-2.1.1"
