"""``assess(profile, as_of)``: a constructor's details -> CONTRACT.md's assessment.

The flow: check the input (every problem at once, ``core.rules.validate``) -> the notice in
force (``basis``) -> regime (I-1) -> R-1 … R-3 and the usage window R-6 for a download on T
(``core.rules.certificate.usage_window`` on the profile's rows: its cycles are the ones in force
at T) -> R-4, R-5 per specialty (``core.rules.specialty``) -> the window of the given download,
the paper certificate R-7 -> number warnings (R-8) -> the trace of each specialty from the
branches the rules took (``core.rules.trace``). A profile's specialties run as Python scalars,
one at a time; the same rule functions assess a whole roster as arrays
(``core.rules.roster``); nothing here computes a date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from core.messages.catalogue import coded, label, text
from core.policy.data import POLICY, Policy
from core.policy.dates import day_number, iso_day
from core.rules import branches as B
from core.rules import certificate as cert
from core.rules import specialty as rule
from core.rules.trace import not_covered_trace, specialty_trace
from core.rules.validate import CheckedProfile, check_profile, number_warnings
from core.schema.roster import REGIMES


def assess(profile: Mapping, as_of: date, policy: Policy = POLICY) -> dict:
    """The assessment of CONTRACT.md; raises InvalidInput listing every problem of ``profile``."""
    policy = policy.in_force(as_of)
    return assess_checked(check_profile(profile, as_of, policy), as_of, policy)


def assess_checked(cp: CheckedProfile, as_of: date, policy: Policy) -> dict:
    p = cp.profile
    t = day_number(as_of)
    regime, age65 = cp.regime, cp.age65
    warnings = number_warnings(p.registration_number, p.employer_province, as_of, policy)
    later = events_after(cp, t)
    if later:  # ignored at T (POLICY.md, Definitions): the rules count only what came by T
        warnings.append(_later_warning(later, as_of))
        if any(path == "certificate_downloaded_on" for path, _, _ in later):
            cp = replace(cp, profile=replace(p, certificate_downloaded_on=None))
            p = cp.profile
    applying: list[tuple[int, int, dict]] = []  # (urgency, day, action): R-5's application steps
    actions: list[dict] = []
    rows = [cert.Specialties(0, d["valid_from"].days, d["valid_until"].days,
                             d["renewal_applied_on"].days, d["renewal_applied_on"].present,
                             d["renewal_approved_on"].days, d["renewal_approved_on"].present)
            for d in cp.rows]

    if regime == rule.NOT_COVERED:
        specialties = [_row(s.specialty, "not_covered", False, r.valid_from, r.valid_until, None,
                            None, False, False, not_covered_trace(p.employer_province), t)
                       for s, r in zip(p.specialties, rows, strict=True)]
        window = None
    else:
        # R-1 … for a download on T: its cycles are the ones in force at T
        now = cert.usage_window(rows, regime, age65, t, t, policy)
        specialties = []
        for s, r, cyc in zip(p.specialties, rows, now.cycle, strict=True):
            status, late, r4, aged, after_lapse = rule.status_at(cyc, r.applied_on, r.applied_set,
                                                                 age65, t)
            ce = rule.continuing_education_due(status, cyc.renewable, cyc.apply_by, t,
                                               p.continuing_education_done, policy)
            name, code = s.specialty, rule.STATUSES[status]
            apply_by = cyc.apply_by if cyc.renewable else None
            values = {"as_of": iso_day(t), "valid_from": iso_day(cyc.valid_from),
                      "valid_until": iso_day(cyc.valid_until),
                      "apply_by": None if apply_by is None else iso_day(apply_by),
                      "lapses_on": iso_day(cyc.lapses_on), "age65": iso_day(age65),
                      "applied_on": iso_day(r.applied_on) if r.applied_set else None,
                      "approved_on": iso_day(r.approved_on) if r.approved_set else None}
            r1_values = {"valid_until": iso_day(r.valid_until),
                         "apply_by": iso_day(cyc.original_apply_by),
                         "lapses_on": iso_day(cyc.r1_lapses_on),
                         "cutoff": _cutoff(cyc.r1, policy)}
            renewed = cyc.renewed
            trace = specialty_trace(
                r1=cyc.r1, r2=cyc.r2 if renewed else None, r3=cyc.r3, r4=int(r4),
                r4_after_lapse=after_lapse, aged=aged, r5=ce, values=values,
                r1_values=r1_values, r2_i7=bool(cyc.i7_approval),
                r2_i9=bool(cyc.approval_after_lapse), age65_i7=cp.age65_i7)
            if not renewed and cyc.renewable and cyc.before_effective:
                warnings.append(coded("warnings", "deadline_before_effective", specialty=name,
                                      apply_by=r1_values["apply_by"],
                                      lapses_on=values["lapses_on"],
                                      effective=policy.date("electronic_start").isoformat()))
            if after_lapse:
                warnings.append(coded("warnings", "application_after_lapse", specialty=name,
                                      applied_on=values["applied_on"],
                                      lapses_on=values["lapses_on"]))
            if cyc.approval_after_lapse:
                warnings.append(coded("warnings", "approval_after_lapse", specialty=name,
                                      approved_on=values["approved_on"],
                                      lapses_on=iso_day(cyc.original_lapses_on)))
            if ce:
                actions.append(coded("actions", "complete_continuing_education", specialty=name))
            step = application_step(status, cyc, t, policy, name, values)
            if step is not None:
                applying.append(step)
            specialties.append(_row(name, code, renewed, cyc.valid_from, cyc.valid_until,
                                    apply_by, cyc.lapses_on, cyc.capped_at_65, late, trace, t,
                                    None if step is None else step[2]["code"]))
        window = _window(cp, rows, now, t, policy, warnings, actions)
    # the holder's application steps first, the most urgent first
    actions = [a for _, _, a in sorted(applying, key=lambda x: x[:2])] + actions

    scope = scope_warning(as_of, regime == rule.NOT_COVERED, policy)
    if scope:
        warnings.append(scope)
    paper = cert.PAPER[cert.paper_certificate(regime, t, policy)]
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
    the end of the notice's scope, before the notice was issued (it did not exist yet), or the
    region is not covered; else None. (A roster's answer carries it once, with ``not_covered``
    true when any row is outside the notice.)"""
    policy = policy.in_force(as_of)
    if as_of < policy.issued_on:
        zh, en = text("warnings", "basis_scope_before_issue", notice=policy.basis["notice"],
                      issued_on=policy.issued_on.isoformat(), as_of=as_of.isoformat())
        return {"code": "basis_scope", "message_zh": zh, "message_en": en}
    if as_of >= policy.scope_ends or not_covered:
        return coded("warnings", "basis_scope", notice=policy.basis["notice"],
                     scope_ends=policy.scope_ends.isoformat())
    return None


# R-5's application steps, in order of urgency: a deadline passed, a deadline near, lapsed
_URGENCY = {rule.APPLY_FOR_RENEWAL: 0, rule.RENEW_BEFORE_DEADLINE: 1, rule.RE_REGISTER: 2}


def application_step(status: int, cyc, t: int, policy: Policy, name: str,
                     values: dict) -> tuple[int, int, dict] | None:
    """C-2.2.1 / C-2.2.2 (R-5's application actions): the holder's next step for the
    application itself (``rule.application_action``), as
    (urgency, day it is about, action) or None. The sentence says what binds for this person: a
    deadline passed (a late application, before the lapse date), a deadline near (on or before
    it, that day included), a deadline that never bound (before the notice took effect: only
    the lapse date binds) or lapsed (re-registration, outside the notice)."""
    kind = int(rule.application_action(status, cyc.renewable, cyc.apply_by, t, policy))
    code = rule.APPLICATION_ACTIONS[kind]
    if code is None:
        return None
    unbound = not cyc.renewed and cyc.before_effective  # the 30-day deadline never bound
    if kind == rule.RENEW_BEFORE_DEADLINE:
        if unbound:
            return None  # the warning deadline_before_effective says the lapse date binds
        days = int(cyc.apply_by - t)
        message = "renew_before_deadline_today" if days == 0 else "renew_before_deadline"
        out = _coded_as(code, message, specialty=name, apply_by=values["apply_by"], days=days)
        return _URGENCY[kind], int(cyc.apply_by), out
    if kind == rule.APPLY_FOR_RENEWAL:
        last_day = iso_day(cyc.lapses_on - 1)
        message = ("apply_for_renewal_open" if unbound else
                   "apply_for_renewal_in_time" if t <= cyc.apply_by else "apply_for_renewal")
        out = _coded_as(code, message, specialty=name, apply_by=values["apply_by"],
                        valid_until=values["valid_until"], last_day=last_day,
                        lapses_on=values["lapses_on"])
        return _URGENCY[kind], int(cyc.lapses_on), out
    out = coded("actions", code, specialty=name, lapses_on=values["lapses_on"])
    return _URGENCY[kind], int(cyc.lapses_on), out


def _coded_as(code: str, message: str, **values) -> dict:
    """An action whose sentence is one of several variants of its code's message."""
    out = coded("actions", message, **values)
    out["code"] = code
    return out


def events_after(cp: CheckedProfile, t: int) -> list[tuple[str, str, str]]:
    """The events of the profile dated after T (POLICY.md, Definitions): (JSON path, Chinese
    and English name with its date) per field, in the document's order."""
    p = cp.profile
    out = []
    d = p.certificate_downloaded_on
    if d is not None and day_number(d) > t:
        zh, en = label("certificate_downloaded_on")
        out.append(("certificate_downloaded_on", f"{zh}（{d.isoformat()}）",
                    f"{en} ({d.isoformat()})"))
    for i, s in enumerate(p.specialties):
        for f in ("renewal_applied_on", "renewal_approved_on"):
            v = getattr(s, f)
            if v is not None and day_number(v) > t:
                zh, en = label(f)
                name_en = POLICY.specialty_en.get(s.specialty, s.specialty)
                out.append((f"specialties[{i}].{f}", f"{s.specialty}的{zh}（{v.isoformat()}）",
                            f"{name_en}: {en.lower()} ({v.isoformat()})"))
    return out


def _later_warning(later: list[tuple[str, str, str]], as_of: date) -> dict:
    out = coded("warnings", "event_after_as_of", as_of=as_of.isoformat(),
                fields_zh="、".join(zh for _, zh, _ in later),
                fields_en="; ".join(en for _, _, en in later))
    out["fields"] = [path for path, _, _ in later]
    return out


def _window(cp: CheckedProfile, rows: list[cert.Specialties], now: cert.Windows, t: int,
            policy: Policy, warnings: list, actions: list) -> dict:
    """The profile's certificate window (by R-6): the given download, or a download on T
    (``now``)."""
    p, age65 = cp.profile, cp.age65
    given = p.certificate_downloaded_on is not None
    dl = day_number(p.certificate_downloaded_on) if given else t
    w = cert.usage_window(rows, cp.regime, age65, dl, t, policy) if given else now
    status = cert.USAGE_STATUSES[w.status]
    out = {"from": iso_day(dl), "until": None, "capped_by": None, "status": status,
           "hypothetical": not given, "specialties": [], "printed": [], "reason": None,
           "days_left": None, "rule": "R-6", "clause": "C-3.2", "readings": [],
           "outdated": False}
    if w.reason != cert.NO_REASON:
        out["reason"] = _reason(w.reason, dl, age65, policy)
        if w.reason == cert.BEFORE_START:
            out["clause"] = "C-2.1.1"
        return out
    printed = [j for j, on in enumerate(w.printed) if on]
    out.update(until=iso_day(w.until), capped_by=cert.CAPPED_BY[w.capped_by],
               specialties=[p.specialties[j].specialty for j in printed],
               printed=[{"specialty": p.specialties[j].specialty,
                         "valid_from": iso_day(w.cycle[j].valid_from),
                         "valid_until": iso_day(w.cycle[j].valid_until)} for j in printed],
               days_left=w.until - t, readings=["I-4"] + (["I-5"] if len(printed) > 1 else []))
    if not given:
        return out
    for j, outdated in enumerate(w.outdated_rows):
        if outdated:
            out["outdated"] = True
            warnings.append(coded("warnings", "certificate_outdated",
                                  specialty=p.specialties[j].specialty, downloaded_on=iso_day(dl),
                                  approved_on=iso_day(rows[j].approved_on)))
    if status == "expired" or out["outdated"]:
        if now.reason == cert.NO_REASON:  # a download today would give a certificate
            actions.append(coded("actions", "download_again"))
        else:  # no certificate can be downloaded today: say why instead of advising it
            out["reason"] = _reason(now.reason, t, age65, policy)
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


def _row(name, status, renewed, f, e, apply_by, lapses_on, capped, late, trace, t,
         action: str | None = None) -> dict:
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
        # no countdown to apply_by once an application counts (R-5: wait for the decision)
        "days_to_apply_by": (None if apply_by is None or status == "renewal_pending"
                             else int(apply_by - t)),
        "days_to_lapse": None if lapses_on is None else int(lapses_on - t),
        # the holder's application step for this specialty (its sentence is in actions)
        "action": action,
        "trace": trace,
    }
