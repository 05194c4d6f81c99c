"""``assess(profile, as_of)``: a constructor's details -> CONTRACT.md's assessment.

The flow: validate (all problems at once) -> regime (I-1) -> per specialty R-1…R-5 -> usage
window R-6 -> paper certificate R-7 -> number warnings R-8. Each step comes from core/rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from core.messages.catalogue import coded
from core.policy.data import POLICY, Policy
from core.policy.dates import add_years_uses_i7, iso
from core.rules import scalar as rules
from core.rules.validate import Profile, SpecialtyInput, number_warnings, validate


def assess(profile: Mapping, as_of: date, policy: Policy = POLICY) -> dict:
    """The assessment of CONTRACT.md; raises InvalidInput listing every problem of ``profile``."""
    p = validate(profile, as_of, policy)
    return assess_valid(p, as_of, policy)


def assess_valid(p: Profile, as_of: date, policy: Policy = POLICY) -> dict:
    regime = rules.regime_of(p.employer_province, policy)
    age65 = rules.age65_of(p.birth_date, policy)
    warnings = number_warnings(p.registration_number, p.employer_province, as_of, policy)
    actions: list[dict] = []
    specialties = []
    for spec in p.specialties:
        row, w, a = assess_specialty(spec, regime, age65, as_of, p, policy)
        specialties.append(row)
        warnings += w
        actions += a

    downloaded = p.certificate_downloaded_on
    window = rules.usage_window(regime, p.specialties, age65, downloaded or as_of, as_of,
                                hypothetical=downloaded is None, policy=policy)
    if window is not None and downloaded is not None:
        for name, approved in rules.outdated_by(p.specialties, regime, age65, downloaded, as_of,
                                                policy):
            window["outdated"] = True
            warnings.append(coded("warnings", "certificate_outdated", specialty=name,
                                  downloaded_on=downloaded.isoformat(),
                                  approved_on=approved.isoformat()))
        if window["status"] == "expired" or window.get("outdated"):
            actions.append(coded("actions", "download_again"))
    if window is not None:
        window.setdefault("outdated", False)

    return {
        "as_of": as_of.isoformat(),
        "regime": regime,
        "province": p.employer_province,
        "age65": age65.isoformat(),
        "paper_certificate": rules.paper_certificate(regime, as_of, policy),
        "specialties": specialties,
        "usage_window": window,
        "warnings": warnings,
        "actions": actions,
    }


def assess_specialty(spec: SpecialtyInput, regime: str, age65: date, as_of: date, p: Profile,
                     policy: Policy = POLICY):
    """R-1 … R-5 for one specialty: (row of CONTRACT.md ``specialties``, warnings, actions)."""
    warnings: list[dict] = []
    actions: list[dict] = []
    if regime == rules.NOT_COVERED:
        step = rules.Step("R-1", "C-1", "not_covered", {"province": p.employer_province},
                          ("I-1",))
        row = _row(spec.specialty, "not_covered", False, spec.valid_from, spec.valid_until,
                   None, None, False, False, [step], as_of)
        return row, warnings, actions

    cyc = rules.current_cycle(spec, regime, age65, as_of, policy)
    status, late, steps4 = rules.status_at(cyc, spec.renewal_applied_on, age65, as_of)
    steps = list(cyc.steps) + steps4
    if add_years_uses_i7(p.birth_date, policy.days("age_limit_years")):
        # the 65th birthday of someone born on 29 February is 28 February (I-7)
        steps = [replace(s, readings=(*s.readings, "I-7")) if "age65" in s.values else s
                 for s in steps]
    name = spec.specialty
    if not cyc.renewed:
        original_apply_by = cyc.steps[0].values["apply_by"]
        if rules.deadline_before_effective(regime, cyc.apply_by, policy):
            warnings.append(coded("warnings", "deadline_before_effective", specialty=name,
                                  apply_by=iso(original_apply_by), lapses_on=iso(cyc.lapses_on),
                                  effective=iso(policy.date("electronic_start"))))
        applied = spec.renewal_applied_on
        if applied is not None and applied <= as_of and applied >= cyc.lapses_on:
            warnings.append(coded("warnings", "application_after_lapse", specialty=name,
                                  applied_on=iso(applied), lapses_on=iso(cyc.lapses_on)))
    if rules.needs_continuing_education(status, cyc.apply_by, as_of, p.continuing_education_done,
                                        policy):
        steps.append(rules.Step("R-5", "C-2.2.3", "r5_continuing_education"))
        actions.append(coded("actions", "complete_continuing_education", specialty=name))
    if status in ("apply_now", "expired_not_lapsed"):
        actions.append(coded("actions", "apply_for_renewal", specialty=name,
                             lapses_on=iso(cyc.lapses_on)))
    elif status == "lapsed":
        actions.append(coded("actions", "re_register", specialty=name,
                             lapses_on=iso(cyc.lapses_on)))
    row = _row(name, status, cyc.renewed, cyc.valid_from, cyc.valid_until, cyc.apply_by,
               cyc.lapses_on, cyc.capped_at_65, late, steps, as_of)
    return row, warnings, actions


def _row(name, status, renewed, f, e, apply_by, lapses_on, capped, late, steps, as_of) -> dict:
    return {
        "specialty": name,
        "status": status,
        "renewed": renewed,
        "current_valid_from": iso(f),
        "current_valid_until": iso(e),
        "apply_by": iso(apply_by),
        "lapses_on": iso(lapses_on),
        "capped_at_65": capped,
        "late_application": late,
        "days_to_apply_by": None if apply_by is None else (apply_by - as_of).days,
        "days_to_lapse": None if lapses_on is None else (lapses_on - as_of).days,
        "trace": [s.as_dict() for s in steps],
    }
