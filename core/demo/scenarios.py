"""Worked scenarios for trainers (issue 5): fictional constructors that exercise the rules.

Each scenario (core/demo/scenario_data.py: ``SCENARIOS``) is a CONTRACT.md profile plus the
as-of date it is shown at; its answer is always computed by ``core.assess`` at view time, never
stored. ``get(id)`` is what ``/?scenario=ID``
uses to fill the self-service form.

Together the scenarios exercise every rule R-1…R-8 and reading I-1…I-9 of POLICY.md, including
POLICY.md's worked examples 1–9 (``example`` names the example a scenario carries).
``coverage()`` reads what each scenario's computed assessment cites; ``uncovered()`` lists the
rule and reading ids that no scenario reaches (tests/test_demo_scenarios.py keeps it empty).

How ``coverage()`` counts (decided here, tested in tests/test_demo_scenarios.py):

- every ``rule``/``clause``/``readings`` of every specialty's ``trace``;
- ``usage_window``: its ``rule`` (R-6), ``clause`` and ``readings`` whenever it is not null;
- ``paper_certificate``: its ``rule`` (R-7) and ``clause``, always present;
- R-8 (clause C-A1) for every scenario: validation applies R-8's format check to every
  registration number before any other rule runs, so every assessed profile used it;
- warnings name no rule, so each warning code is mapped to the rule and clause that raise it
  (``WARNING_REFS``); ``number_province_mismatch`` also cites I-1, as its message does;
- I-7 for a 29 February birth date comes from the trace too: the engine adds it to the steps
  that compare with the 65th birthday.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache

from core import InvalidInput
from core.demo import scenario_data
from core.demo.scenario_data import Scenario
from core.policy.data import POLICY
from core.policy.dates import add_years, parse_iso
from core.rules.assessment import assess


def get(scenario_id: str) -> Scenario | None:
    return scenario_data.SCENARIOS.get(scenario_id)


def profile_at(scenario: Scenario, as_of: date) -> dict:
    """The scenario's profile as seen at ``as_of`` (for walking it through time).

    POLICY.md, Definitions: events dated after T are ignored when evaluating at T. A certificate
    download after ``as_of`` has not happened yet, so it is dropped (the usage window is then the
    hypothetical "downloaded today" one); applications and approvals are ignored by the engine.
    """
    profile = dict(scenario.profile)
    downloaded = parse_iso(profile.get("certificate_downloaded_on"))
    if downloaded is not None and downloaded > as_of:
        profile["certificate_downloaded_on"] = None
    return profile


def assess_scenario(scenario: Scenario, as_of: date | None = None) -> dict:
    """``core.assess`` of the scenario at its own as-of date (or another one)."""

    when = scenario.as_of if as_of is None else as_of
    return assess(profile_at(scenario, when), when)


# -------------------------------------------------------------------------------------- coverage
# Warnings carry no rule id: the rule (and clause, and reading where the message cites one) that
# raises each one (core/rules/assessment.py, core/rules/validate.py).
WARNING_REFS: Mapping[str, tuple[str, ...]] = {
    "deadline_before_effective": ("R-1", "C-2.2.1"),
    "application_after_lapse": ("R-4", "C-2.2.1"),
    "approval_after_lapse": ("R-2", "C-2.2.4", "I-9"),
    "certificate_outdated": ("R-6", "C-3.5"),
    "number_province_mismatch": ("R-8", "C-A1", "I-1"),
    "number_level": ("R-8", "C-A1"),
    "number_code_unknown": ("R-8", "C-A1"),
    "number_code_char_mismatch": ("R-8", "C-A1"),
    "number_years": ("R-8", "C-A1"),
}
R8_CLAUSE = "C-A1"


def cited(assessment: Mapping) -> dict[str, set[str]]:
    """The rule, reading and clause ids an assessment cites (see the module docstring)."""
    rules, readings, clauses = {"R-8"}, set(), {R8_CLAUSE}
    for spec in assessment["specialties"]:
        for step in spec["trace"]:
            rules.add(step["rule"])
            clauses.add(step["clause"])
            readings.update(step["readings"])
    window = assessment.get("usage_window")
    if window is not None:
        rules.add(window["rule"])
        clauses.add(window["clause"])
        readings.update(window.get("readings") or ())
    paper = assessment["paper_certificate"]
    rules.add(paper["rule"])
    clauses.add(paper["clause"])
    for w in assessment["warnings"]:
        for ref in WARNING_REFS.get(w["code"], ()):
            {"R": rules, "I": readings, "C": clauses}[ref[0]].add(ref)
    return {"rules": rules, "readings": readings, "clauses": clauses}


@cache
def _coverage() -> dict[str, dict[str, frozenset[str]]]:
    out = {}
    for sid, s in scenario_data.SCENARIOS.items():
        c = cited(assess_scenario(s))
        out[sid] = {k: frozenset(v) for k, v in c.items()}
    return out


def coverage() -> dict[str, dict[str, frozenset[str]]]:
    """Per scenario id: ``{"rules": …, "readings": …, "clauses": …}`` cited by its assessment."""
    return _coverage()


def uncovered() -> set[str]:
    """Rule ids (POLICY.rules) and reading ids (POLICY.readings) that no scenario cites."""
    seen: set[str] = set()
    for c in coverage().values():
        seen |= c["rules"] | c["readings"]
    return (set(POLICY.rules) | set(POLICY.readings)) - seen


def scenarios_citing(ref: str) -> list[str]:
    """Scenario ids whose assessment cites ``ref`` (a rule, reading or clause id)."""
    return [sid for sid, c in coverage().items()
            if ref in c["rules"] or ref in c["readings"] or ref in c["clauses"]]


# ---------------------------------------------------------------------------------- time travel
def time_range(scenario: Scenario) -> tuple[date, date]:
    """A date range to walk the scenario through: from a year before its earliest validity start
    to a year after its latest lapse date (the scenario's own as-of date always inside)."""
    one_year = timedelta(days=365)
    starts = [parse_iso(s["valid_from"]) for s in scenario.profile["specialties"]]
    ends = [parse_iso(s["valid_until"]) for s in scenario.profile["specialties"]]
    probes = {scenario.as_of, *ends}
    for s in scenario.profile["specialties"]:
        if s.get("renewal_approved_on"):
            probes.add(parse_iso(s["renewal_approved_on"]))
    for when in probes:
        try:
            a = assess_scenario(scenario, when)
        except Exception:  # noqa: BLE001 - a probe outside the valid input range adds nothing
            continue
        for spec in a["specialties"]:
            ends += [parse_iso(spec[k]) for k in ("lapses_on", "current_valid_until") if spec[k]]
    lo = min(min(starts), scenario.as_of) - one_year
    hi = max(max(ends), scenario.as_of) + one_year
    birth = parse_iso(scenario.profile["birth_date"])
    adult = add_years(birth, int(POLICY.validation["min_age_at_registration"]) + 1)
    return max(lo, adult), hi


def change_dates(scenario: Scenario, start: date, end: date) -> list[date]:
    """Dates in [start, end] on which an answer may change: the input's dates and the dates the
    assessments name (and the day after each), plus the notice's dates. Between two of these the
    engine's answer is the same, so assessing at each gives exact status bands."""
    one = timedelta(days=1)
    out = {start, end}

    def add(d):
        if d is not None:
            out.update({d, d + one})

    for d in POLICY.dates.values():
        add(d.value)
    p = scenario.profile
    add(parse_iso(p.get("certificate_downloaded_on")))
    for s in p["specialties"]:
        for k in ("valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on"):
            add(parse_iso(s.get(k)))
    for _ in range(2):  # dates named by assessments at the dates found so far
        for when in sorted(d for d in out if start <= d <= end):
            try:
                a = assess_scenario(scenario, when)
            except Exception:  # noqa: BLE001
                continue
            add(parse_iso(a["age65"]))
            for spec in a["specialties"]:
                for k in ("current_valid_from", "current_valid_until", "apply_by", "lapses_on"):
                    add(parse_iso(spec[k]))
    return sorted(d for d in out if start <= d <= end)


def status_bands(scenario: Scenario, start: date, end: date) -> list[dict]:
    """Per specialty, the status over [start, end] as bands {specialty, status, start, end}
    (end inclusive), each computed by ``core.assess`` at the band's first day."""

    bands: list[dict] = []
    points = change_dates(scenario, start, end)
    one = timedelta(days=1)
    open_band: dict[str, dict] = {}
    for i, when in enumerate(points):
        last = (points[i + 1] - one) if i + 1 < len(points) else end
        try:
            a = assess_scenario(scenario, when)
            statuses = {s["specialty"]: s["status"] for s in a["specialties"]}
        except InvalidInput:
            statuses = {s["specialty"]: "invalid" for s in scenario.profile["specialties"]}
        for name, status in statuses.items():
            band = open_band.get(name)
            if band is not None and band["status"] == status:
                band["end"] = last
                continue
            band = {"specialty": name, "status": status, "start": when, "end": last}
            open_band[name] = band
            bands.append(band)
    return bands
