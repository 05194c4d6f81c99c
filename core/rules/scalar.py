"""The rules of 建办市〔2021〕25号 for one registered specialty and one certificate.

One small function per rule of POLICY.md; each docstring starts with its rule id and clause, each
returns its answer and a :class:`Step` of the trace (rule, clause, readings, note in Chinese and
English). Dates and day counts come from ``core/policy.toml`` through a :class:`Policy`; there is
no literal policy date in this file. The bulk path (core/bulk.py) is the same rules over columns.

References: POLICY.md (R-1 … R-8, I-1 … I-8), policy/notice-2021-25.zh.txt.
Limitations: one validity cycle and at most one renewal per specialty are modelled; what came
before the given cycle is not in the data (status ``not_yet_valid``); re-registration (重新注册)
lies outside the notice and is only named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.messages.catalogue import coded, text
from core.policy.data import POLICY, Policy
from core.policy.dates import ONE_DAY, add_years, add_years_uses_i7, days
from core.rules.validate import SpecialtyInput

PILOT, BATCH, NOT_COVERED = "pilot", "batch2021", "not_covered"


@dataclass(frozen=True)
class Step:
    """One entry of a specialty's trace (CONTRACT.md ``trace``)."""

    rule: str
    clause: str
    note: str
    values: dict = field(default_factory=dict)
    readings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        values = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.values.items()}
        zh, en = text("notes", self.note, **values)
        return {"rule": self.rule, "clause": self.clause, "readings": list(self.readings),
                "note_zh": zh, "note_en": en}


# --------------------------------------------------------------------------------------- regime
def regime_of(province: str, policy: Policy = POLICY) -> str:
    """I-1, C-1: the regime follows the employer's province (注册单位所在地), short or full name."""
    return policy.regime_of[province]


def age65_of(birth_date: date, policy: Policy = POLICY) -> date:
    """C-2.2.4: the 65th birthday (65周岁当日), with I-7 for 29 February."""
    return add_years(birth_date, policy.days("age_limit_years"))


# ------------------------------------------------------------------------------------------
def original_deadlines(regime: str, valid_until: date, policy: Policy = POLICY):
    """R-1, C-2.2.1 / C-2.2.2: apply_by and lapses_on of the original cycle, by regime and E.

    pilot, E before the pilot lapse date: extended deadline, fixed lapse date (C-2.2.2);
    pilot otherwise: the 30-day rule by analogy (I-3), lapse the day after (I-6);
    batch2021, E before the start (already expired, I-2): fixed deadline and lapse date;
    batch2021, E before the batch lapse date: 30-day rule, fixed lapse date (C-2.2.1);
    batch2021 otherwise: 30-day rule, lapse the day after (I-6).
    Returns (apply_by, lapses_on, step).
    """
    e = valid_until
    lead = days(policy.days("renewal_lead"))
    v = {"valid_until": e}
    if regime == PILOT:
        cutoff = policy.date("pilot_lapses_on")
        if e < cutoff:
            a, lp = policy.date("pilot_apply_by"), policy.date("pilot_lapses_on")
            return a, lp, Step("R-1", "C-2.2.2", "r1_pilot_expired",
                               {**v, "cutoff": cutoff, "apply_by": a, "lapses_on": lp})
        a, lp = e - lead, e + ONE_DAY
        return a, lp, Step("R-1", "C-2.2.1", "r1_pilot_current",
                           {**v, "apply_by": a, "lapses_on": lp}, ("I-3", "I-6"))
    if regime == BATCH:
        start, lapse = policy.date("electronic_start"), policy.date("batch_lapses_on")
        if e < start:
            a = policy.date("batch_expired_apply_by")
            return a, lapse, Step("R-1", "C-2.2.1", "r1_batch_expired",
                                  {**v, "cutoff": start, "apply_by": a, "lapses_on": lapse},
                                  ("I-2",))
        if e < lapse:
            a = e - lead
            return a, lapse, Step("R-1", "C-2.2.1", "r1_batch_transition",
                                  {**v, "apply_by": a, "lapses_on": lapse})
        a, lp = e - lead, e + ONE_DAY
        return a, lp, Step("R-1", "C-2.2.1", "r1_batch_current",
                           {**v, "apply_by": a, "lapses_on": lp}, ("I-6",))
    raise ValueError(f"no deadline rule for regime {regime!r}")  # not_covered never gets here


def deadline_before_effective(regime: str, apply_by: date | None, policy: Policy = POLICY) -> bool:
    """R-1, C-2.2.1: a batch2021 deadline before the notice took effect could not be met."""
    return regime == BATCH and apply_by is not None and apply_by < policy.date("electronic_start")


# ------------------------------------------------------------------------------------------
def renewed_cycle(approved_on: date, age65: date, policy: Policy = POLICY):
    """R-2, C-2.2.4: validity from the approval date, 3 years (I-8), capped at the 65th birthday.

    Returns (valid_from, valid_until, capped_at_65, step).
    """
    years = policy.days("renewal_term_years")
    full_term_end = add_years(approved_on, years) - ONE_DAY
    capped = age65 < full_term_end
    until = age65 if capped else full_term_end
    readings = ("I-8", "I-7") if add_years_uses_i7(approved_on, years) else ("I-8",)
    note = "r2_renewed_capped" if capped else "r2_renewed"
    return approved_on, until, capped, Step(
        "R-2", "C-2.2.4", note,
        {"approved_on": approved_on, "valid_from": approved_on, "valid_until": until}, readings)


def general_deadlines(valid_until: date, policy: Policy = POLICY):
    """R-2, C-2.2.1 (I-6): a renewed cycle's apply_by (30 days before) and lapses_on (day after)."""
    a, lp = valid_until - days(policy.days("renewal_lead")), valid_until + ONE_DAY
    return a, lp, Step("R-2", "C-2.2.1", "r2_deadlines", {"apply_by": a, "lapses_on": lp}, ("I-6",))


# ------------------------------------------------------------------------------------------
def renewable(valid_until: date, age65: date) -> bool:
    """R-3, C-2.2.4: a cycle is renewable when it ends before the 65th birthday."""
    return valid_until < age65


def apply_renewable(valid_until: date, age65: date, apply_by: date, lapses_on: date):
    """R-3, C-2.2.4: a cycle that is not renewable has no apply_by and lapses the day after.

    Returns (apply_by, lapses_on, step).
    """
    if renewable(valid_until, age65):
        return apply_by, lapses_on, Step("R-3", "C-2.2.4", "r3_renewable",
                                         {"valid_until": valid_until, "age65": age65})
    lp = valid_until + ONE_DAY
    return None, lp, Step("R-3", "C-2.2.4", "r3_not_renewable",
                          {"valid_until": valid_until, "age65": age65, "lapses_on": lp}, ("I-6",))


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cycle:
    """A specialty's current cycle at some date: what R-1…R-3 decided."""

    valid_from: date
    valid_until: date
    apply_by: date | None
    lapses_on: date
    renewed: bool
    capped_at_65: bool
    steps: tuple[Step, ...]


def original_cycle(spec: SpecialtyInput, regime: str, age65: date,
                   policy: Policy = POLICY) -> Cycle:
    """R-1, R-3: the given cycle with its deadlines, before any renewal."""
    e = spec.valid_until
    a, lp, s1 = original_deadlines(regime, e, policy)
    a, lp, s3 = apply_renewable(e, age65, a, lp)
    return Cycle(spec.valid_from, e, a, lp, False, False, (s1, s3))


def approval_counts(spec: SpecialtyInput, original: Cycle, as_of: date) -> bool:
    """R-2, R-4 (C-2.2.1 / C-2.2.2): an approval counts when it is dated on or before ``as_of``
    and answers an application made before the lapse date. An application on or after the
    lapse date does not count (re-registration, 重新注册, lies outside the notice), and so
    neither does its approval: the specialty stays lapsed."""
    approved, applied = spec.renewal_approved_on, spec.renewal_applied_on
    return (approved is not None and approved <= as_of and applied is not None
            and applied < original.lapses_on)


def current_cycle(spec: SpecialtyInput, regime: str, age65: date, as_of: date,
                  policy: Policy = POLICY) -> Cycle:
    """R-1 … R-3: the cycle in force at ``as_of``: the renewed one when the approval counts."""
    original = original_cycle(spec, regime, age65, policy)
    if not approval_counts(spec, original, as_of):
        return original
    f, e, capped, s2 = renewed_cycle(spec.renewal_approved_on, age65, policy)
    a, lp, s2b = general_deadlines(e, policy)
    a, lp, s3 = apply_renewable(e, age65, a, lp)
    return Cycle(f, e, a, lp, True, capped, (s2, s2b, s3))


def status_at(cycle: Cycle, applied_on: date | None, age65: date, as_of: date):
    """R-4, C-2.2.1 / C-2.2.2 / C-2.2.4: the status at ``as_of``, first match wins.

    Returns (status, late_application, steps).
    """
    t = as_of
    v = {"as_of": t, "valid_from": cycle.valid_from, "valid_until": cycle.valid_until,
         "apply_by": cycle.apply_by, "lapses_on": cycle.lapses_on, "age65": age65,
         "applied_on": applied_on}
    applied = applied_on is not None and applied_on <= t and not cycle.renewed
    steps: list[Step] = []
    late = False
    if applied and applied_on >= cycle.lapses_on:
        steps.append(Step("R-4", "C-2.2.1", "r4_application_after_lapse", v))
    if not cycle.renewed and t < cycle.valid_from:
        status, note = "not_yet_valid", "r4_not_yet_valid"
    elif applied and applied_on < cycle.lapses_on and renewable(cycle.valid_until, age65):
        late = cycle.apply_by is not None and applied_on > cycle.apply_by
        status, note = "renewal_pending", ("r4_renewal_pending_late" if late else
                                           "r4_renewal_pending")
    elif t >= cycle.lapses_on:
        status, note = "lapsed", "r4_lapsed"
    elif t > cycle.valid_until:
        status, note = "expired_not_lapsed", "r4_expired_not_lapsed"
    elif cycle.apply_by is not None and t > cycle.apply_by:
        status, note = "apply_now", "r4_apply_now"
    else:
        status, note = "valid", "r4_valid"
    steps.append(Step("R-4", cycle.steps[0].clause, note, v))
    if t > age65 and not (status == "lapsed" and cycle.lapses_on <= age65):
        status = "age_limit"
        steps.append(Step("R-4", "C-2.2.4", "r4_age_limit", v))
    return status, late, steps


# ------------------------------------------------------------------------------------------
def needs_continuing_education(status: str, apply_by: date | None, as_of: date, ce_done: bool,
                               policy: Policy = POLICY) -> bool:
    """R-5, C-2.2.3: renewal needs continuing education; remind when renewal is near or due."""
    if ce_done:
        return False
    if status in ("apply_now", "expired_not_lapsed"):
        return True
    return (status == "valid" and apply_by is not None
            and as_of >= apply_by - days(policy.days("ce_reminder")))


# ------------------------------------------------------------------------------------------
def usage_window(regime: str, specialties, age65: date, downloaded_on: date, as_of: date,
                 hypothetical: bool, policy: Policy = POLICY) -> dict | None:
    """R-6, C-3.2 (C-2.1.1, C-3.5): the usage window of a certificate downloaded on D.

    Printed: the specialties whose cycle at D covers D, and D not after the 65th birthday.
    usage_until = min(D + 180 days (I-4), earliest printed valid_until (I-5), age65).
    """
    if regime == NOT_COVERED:
        return None
    d = downloaded_on
    out = {"from": d.isoformat(), "until": None, "capped_by": None, "status": "unavailable",
           "hypothetical": hypothetical, "specialties": [], "printed": [], "reason": None,
           "days_left": None, "rule": "R-6", "clause": "C-3.2", "readings": []}
    start = policy.date("electronic_start")
    if regime == BATCH and d < start:
        out["reason"] = coded("reasons", "before_electronic_start", date=d.isoformat(),
                              effective=start.isoformat())
        out["clause"] = "C-2.1.1"
        return out
    printed = []
    for spec in specialties:
        cyc = current_cycle(spec, regime, age65, d, policy)
        if cyc.valid_from <= d <= cyc.valid_until and d <= age65:
            printed.append((spec.specialty, cyc.valid_from, cyc.valid_until))
    if not printed:
        code = "after_age_65" if d > age65 else "no_valid_specialty"
        out["reason"] = coded("reasons", code, date=d.isoformat(), age65=age65.isoformat())
        return out
    by_days = d + days(policy.days("usage_window"))
    by_validity = min(p[2] for p in printed)
    until = min(by_days, by_validity, age65)
    capped_by = ("age_65" if until == age65 else
                 "specialty_validity" if until == by_validity else "180_days")
    readings = ["I-4"] + (["I-5"] if len(printed) > 1 else [])
    out.update(
        until=until.isoformat(), capped_by=capped_by,
        status="in_use" if d <= as_of <= until else "expired",
        specialties=[p[0] for p in printed],
        printed=[{"specialty": s, "valid_from": f.isoformat(), "valid_until": e.isoformat()}
                 for s, f, e in printed],
        days_left=(until - as_of).days, readings=readings,
    )
    return out


def outdated_by(specialties, regime: str, age65: date, downloaded_on: date, as_of: date,
                policy: Policy = POLICY) -> list[tuple[str, date]]:
    """R-6, C-3.5: approvals that count, dated after the download, changed the certificate."""
    return [(s.specialty, s.renewal_approved_on) for s in specialties
            if s.renewal_approved_on is not None and downloaded_on < s.renewal_approved_on
            and approval_counts(s, original_cycle(s, regime, age65, policy), as_of)]


# ------------------------------------------------------------------------------------------
def paper_certificate(regime: str, as_of: date, policy: Policy = POLICY) -> dict:
    """R-7, C-2.1.2: paper certificates: valid, then no longer issued, then void."""
    if regime == NOT_COVERED:
        status = "not_covered"
    elif as_of < policy.date("paper_no_new_from"):
        status = "valid"
    elif as_of < policy.date("paper_void_from"):
        status = "valid_not_issued"
    else:
        status = "void"
    return {"status": status, "rule": "R-7", "clause": "C-2.1.2"}
