"""``assess(profile, as_of)``: a constructor's details -> CONTRACT.md's assessment.

The flow: check the input (every problem at once, ``core.rules.validate``) -> the notice in
force (``basis``) -> regime (I-1) -> R-1 … R-5 over the profile's specialties as arrays
(``core.rules.specialty``) -> the usage window R-6 and the paper certificate R-7
(``core.rules.certificate``) -> number warnings (R-8) -> the trace of each specialty from the
branches the rules took (``core.rules.trace``). The same rule functions assess a whole roster
(``core.rules.roster``); nothing here computes a date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from core.messages.catalogue import coded
from core.policy.data import POLICY, Policy
from core.policy.dates import day_number, iso_day
from core.roster.schema import REGIMES, STATUSES
from core.rules import branches as B
from core.rules import certificate as cert
from core.rules import specialty as rule
from core.rules.trace import not_covered_trace, specialty_trace
from core.rules.validate import CheckedProfile, check_profile, number_warnings


def assess(profile: Mapping, as_of: date, policy: Policy = POLICY) -> dict:
    """The assessment of CONTRACT.md; raises InvalidInput listing every problem of ``profile``."""
    policy = policy.in_force(as_of)
    return assess_checked(check_profile(profile, as_of, policy), as_of, policy)


def assess_checked(cp: CheckedProfile, as_of: date, policy: Policy) -> dict:
    p = cp.profile
    t = day_number(as_of)
    regime, age65 = cp.regime, cp.age65
    warnings = number_warnings(p.registration_number, p.employer_province, as_of, policy)
    actions: list[dict] = []
    d = cp.dates
    F, E = d["valid_from"].days, d["valid_until"].days
    A, P = d["renewal_applied_on"], d["renewal_approved_on"]
    k = len(F)

    if regime == rule.NOT_COVERED:
        specialties = [_row(s.specialty, "not_covered", False, F[j], E[j], None, None, False,
                            False, not_covered_trace(p.employer_province), t)
                       for j, s in enumerate(p.specialties)]
        window = None
    else:
        w = _rule_pass(cp, t, policy)
        cyc = w.cycle.rows(slice(0, k))  # person 0: the rows at T
        status, late, r4, aged, after_lapse = rule.status_at(cyc, A.days, A.present, age65, t)
        ce = rule.continuing_education_due(status, cyc.renewable, cyc.apply_by, t,
                                           p.continuing_education_done, policy)
        specialties = []
        for j, s in enumerate(p.specialties):
            name, code = s.specialty, STATUSES[status[j]]
            apply_by = cyc.apply_by[j] if cyc.renewable[j] else None
            values = {"as_of": iso_day(t), "valid_from": iso_day(cyc.valid_from[j]),
                      "valid_until": iso_day(cyc.valid_until[j]),
                      "apply_by": None if apply_by is None else iso_day(apply_by),
                      "lapses_on": iso_day(cyc.lapses_on[j]), "age65": iso_day(age65),
                      "applied_on": _iso(A, j), "approved_on": _iso(P, j)}
            r1_values = {"valid_until": iso_day(E[j]),
                         "apply_by": iso_day(cyc.original_apply_by[j]),
                         "lapses_on": iso_day(cyc.r1_lapses_on[j]),
                         "cutoff": _cutoff(cyc.r1[j], policy)}
            renewed = bool(cyc.renewed[j])
            trace = specialty_trace(
                r1=int(cyc.r1[j]), r2=int(cyc.r2[j]) if renewed else None, r3=int(cyc.r3[j]),
                r4=int(r4[j]), r4_after_lapse=bool(after_lapse[j]), aged=bool(aged[j]),
                r5=bool(ce[j]), values=values, r1_values=r1_values,
                r2_readings=(("I-7",) if cyc.i7_approval[j] else ())
                + (("I-9",) if cyc.approval_after_lapse[j] else ()),
                age65_i7=cp.age65_i7)
            if not renewed and cyc.renewable[j] and cyc.before_effective[j]:
                warnings.append(coded("warnings", "deadline_before_effective", specialty=name,
                                      apply_by=r1_values["apply_by"],
                                      lapses_on=values["lapses_on"],
                                      effective=policy.date("electronic_start").isoformat()))
            if after_lapse[j]:
                warnings.append(coded("warnings", "application_after_lapse", specialty=name,
                                      applied_on=values["applied_on"],
                                      lapses_on=values["lapses_on"]))
            if cyc.approval_after_lapse[j]:
                warnings.append(coded("warnings", "approval_after_lapse", specialty=name,
                                      approved_on=values["approved_on"],
                                      lapses_on=iso_day(cyc.original_lapses_on[j])))
            if ce[j]:
                actions.append(coded("actions", "complete_continuing_education", specialty=name))
            if code in ("apply_now", "expired_not_lapsed"):
                actions.append(coded("actions", "apply_for_renewal", specialty=name,
                                     lapses_on=values["lapses_on"]))
            elif code == "lapsed":
                actions.append(coded("actions", "re_register", specialty=name,
                                     lapses_on=values["lapses_on"]))
            specialties.append(_row(name, code, renewed, cyc.valid_from[j], cyc.valid_until[j],
                                    apply_by, cyc.lapses_on[j], bool(cyc.capped_at_65[j]),
                                    bool(late[j]), trace, t))
        window = _window(cp, w, t, policy, warnings, actions)

    scope = scope_warning(as_of, regime == rule.NOT_COVERED, policy)
    if scope:
        warnings.append(scope)
    paper = cert.PAPER[int(cert.paper_certificate(np.array([regime]), t, policy)[0])]
    return {
        "as_of": as_of.isoformat(),
        "basis": policy.basis,
        "regime": REGIMES[regime],
        "province": p.employer_province,
        "age65": iso_day(age65),
        "paper_certificate": {"status": paper, "rule": "R-7", "clause": "C-2.1.2"},
        "specialties": specialties,
        "usage_window": window,
        "warnings": warnings,
        "actions": actions,
    }


def scope_warning(as_of: date, not_covered: bool, policy: Policy = POLICY) -> dict | None:
    """POLICY.md "Basis and scope": the warning ``basis_scope`` when the as-of date is on or after
    the end of the notice's scope or the region is not covered; else None. (A roster's answer
    carries it once, with ``not_covered`` true when any row is outside the notice.)"""
    policy = policy.in_force(as_of)
    if as_of >= policy.scope_ends or not_covered:
        return coded("warnings", "basis_scope", notice=policy.basis["notice"],
                     scope_ends=policy.scope_ends.isoformat())
    return None


def _rule_pass(cp: CheckedProfile, t: int, policy: Policy) -> cert.Windows:
    """One pass of the rules R-1 … R-3 and R-6: the profile's rows as person 0, downloading on
    T (its cycle at T is the one the status reads; its window is what a download today would
    give), and again as person 1, downloading on D, when a download date was given."""
    p, d = cp.profile, cp.dates
    downloads = [t] if p.certificate_downloaded_on is None else [
        t, day_number(p.certificate_downloaded_on)]
    m, k = len(downloads), len(p.specialties)

    def rows(a):
        return a if m == 1 else np.concatenate((a, a))

    A, P = d["renewal_applied_on"], d["renewal_approved_on"]
    spec = cert.Specialties(np.repeat(np.arange(m), k), rows(d["valid_from"].days),
                            rows(d["valid_until"].days), rows(A.days), rows(A.present),
                            rows(P.days), rows(P.present))
    return cert.usage_window(spec, np.full(m, cp.regime), np.full(m, cp.age65),
                             np.array(downloads), t, policy)


def _window(cp: CheckedProfile, w: cert.Windows, t: int, policy: Policy, warnings: list,
            actions: list) -> dict:
    """The profile's certificate window (by R-6): the given download (person 1 of the rule
    pass), or a download on T (person 0)."""
    p, d = cp.profile, cp.dates
    k, age65 = len(p.specialties), cp.age65
    given = p.certificate_downloaded_on is not None
    who = 1 if given else 0
    mine = slice(who * k, (who + 1) * k)
    dl = day_number(p.certificate_downloaded_on) if given else t
    status = cert.USAGE_STATUSES[int(w.status[who])]
    out = {"from": iso_day(dl), "until": None, "capped_by": None, "status": status,
           "hypothetical": not given, "specialties": [], "printed": [], "reason": None,
           "days_left": None, "rule": "R-6", "clause": "C-3.2", "readings": [],
           "outdated": False}
    reason = int(w.reason[who])
    if reason != cert.NO_REASON:
        out["reason"] = _reason(reason, dl, age65, policy)
        if reason == cert.BEFORE_START:
            out["clause"] = "C-2.1.1"
        return out
    rows = np.flatnonzero(w.printed[mine])
    at_d = w.cycle.rows(mine)
    until = int(w.until[who])
    out.update(until=iso_day(until), capped_by=cert.CAPPED_BY[int(w.capped_by[who])],
               specialties=[p.specialties[j].specialty for j in rows],
               printed=[{"specialty": p.specialties[j].specialty,
                         "valid_from": iso_day(at_d.valid_from[j]),
                         "valid_until": iso_day(at_d.valid_until[j])} for j in rows],
               days_left=until - t, readings=["I-4"] + (["I-5"] if len(rows) > 1 else []))
    if not given:
        return out
    for j in np.flatnonzero(w.outdated_rows[mine]):
        out["outdated"] = True
        warnings.append(coded("warnings", "certificate_outdated",
                              specialty=p.specialties[j].specialty, downloaded_on=iso_day(dl),
                              approved_on=iso_day(d["renewal_approved_on"].days[j])))
    if status == "expired" or out["outdated"]:
        now = int(w.reason[0])  # person 0: a download today
        if now == cert.NO_REASON:
            actions.append(coded("actions", "download_again"))
        else:  # no certificate can be downloaded today: say why instead of advising it
            out["reason"] = _reason(now, t, age65, policy)
    return out


def _reason(code: int, day: int, age65: int, policy: Policy) -> dict:
    return coded("reasons", cert.REASONS[code], date=iso_day(day), age65=iso_day(age65),
                 effective=policy.date("electronic_start").isoformat())


def _cutoff(r1: int, policy: Policy) -> str | None:
    if r1 == B.R1_PILOT_EXPIRED:
        return policy.date("pilot_lapses_on").isoformat()
    if r1 == B.R1_BATCH_EXPIRED:
        return policy.date("electronic_start").isoformat()
    return None


def _iso(field, j: int) -> str | None:
    return iso_day(field.days[j]) if field.present[j] else None


def _row(name, status, renewed, f, e, apply_by, lapses_on, capped, late, trace, t) -> dict:
    return {
        "specialty": name,
        "status": status,
        "renewed": renewed,
        "current_valid_from": iso_day(f),
        "current_valid_until": iso_day(e),
        "apply_by": None if apply_by is None else iso_day(apply_by),
        "lapses_on": None if lapses_on is None else iso_day(lapses_on),
        "capped_at_65": capped,
        "late_application": late,
        "days_to_apply_by": None if apply_by is None else int(apply_by - t),
        "days_to_lapse": None if lapses_on is None else int(lapses_on - t),
        "trace": trace,
    }
