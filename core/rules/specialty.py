"""The rules for one registered specialty (POLICY.md R-1 … R-5), each written once over arrays.

Every argument is a numpy array of day numbers (``core.policy.dates``), one element per
registered specialty, or a scalar that broadcasts (the as-of date T, a 65th birthday); or every
argument is a Python scalar, one specialty at a time (a profile's few rows: ``core.rules.ops``
says why). A roster and one constructor run the same lines. Optional dates come with a
``*_set`` mask. Each rule returns its values and the branch it took per row
(``core.rules.branches``), from which ``core.rules.trace`` writes the explanation. Dates and day
counts come from the policy data; there is no literal policy date here.

References: POLICY.md R-1 … R-5, I-2, I-3, I-6 … I-9; the notice 二(二)1–4.
Limitations: one validity cycle and at most one renewal per specialty are modelled; what came
before the given cycle is not in the data (status ``not_yet_valid``); re-registration (重新注册)
lies outside the notice and is only named.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.policy.data import Policy
from core.policy.dates import add_years_days
from core.rules import branches as B
from core.rules.ops import first_match, not_, where

PILOT, BATCH, NOT_COVERED = 0, 1, 2  # regime codes: positions in core.schema.roster.REGIMES
#: Status codes of R-4 (``status_at``), in the order of its first-match list, then the two
#: outside it (``age_limit`` after the list; ``not_covered`` for a province outside the notice).
STATUSES: tuple[str, ...] = (
    "not_yet_valid", "renewal_pending", "lapsed", "expired_not_lapsed", "apply_now", "valid",
    "age_limit", "not_covered",
)
STATUS = {s: i for i, s in enumerate(STATUSES)}  # status codes: positions in STATUSES
_R4_BRANCH = np.full(len(STATUSES), -1)  # status code -> its R-4 branch
_R4_BRANCH[[STATUS[s] for s in B.R4_STATUS]] = list(B.R4_STATUS.values())


# ---------------------------------------------------------------------------- the 65th birthday
def birthday_65(birth_date, policy: Policy):
    """C-2.2.4: the 65th birthday (``age_limit_years`` of the policy data) of each birth date,
    and whether it needed I-7 (born on 29 February, the birthday falls on 28 February).

    Returns (age65, i7)."""
    return add_years_days(birth_date, policy.days("age_limit_years"))


def cap_at_65(until, age65):
    """C-2.2.4: an end date capped at the 65th birthday: it ends then at the latest. ``capped``
    where ``age65 <= until`` (the birthday ends it, even when both coincide).

    Returns (until, capped)."""
    capped = age65 <= until
    return where(capped, age65, until), capped


# ------------------------------------------------------------------------------------------
def original_deadlines(regime, valid_until, policy: Policy):
    """R-1, C-2.2.1 / C-2.2.2: apply_by and lapses_on of the original cycle, by regime and E.

    pilot, E before the pilot lapse date: the extended deadline and the fixed lapse date;
    pilot otherwise: the 30-day rule by analogy, never earlier than the extended deadline (I-3),
    lapse the day after (I-6); batch2021, E before the start ("already expired", I-2): the fixed
    deadline and lapse date; batch2021, E before the batch lapse date: 30-day rule, fixed lapse
    date; batch2021 otherwise: 30-day rule, lapse the day after (I-6).
    ``deadline_before_effective``: a batch2021 deadline before the notice took effect (no time
    was given to meet it; only the lapse date binds).

    Returns (apply_by, lapses_on, branch, deadline_before_effective); not_covered rows get
    branch NOT_COVERED and meaningless dates.
    """
    e = valid_until
    lead = policy.days("renewal_lead")
    day = policy.day_numbers  # the policy's dates as day numbers
    pilot_cut, pilot_apply = day["pilot_lapses_on"], day["pilot_apply_by"]
    start, batch_lapse = day["electronic_start"], day["batch_lapses_on"]
    batch_apply = day["batch_expired_apply_by"]
    thirty = e - lead
    pilot, batch = regime == PILOT, regime == BATCH
    branch = first_match(
        [pilot & (e < pilot_cut), pilot & (thirty < pilot_apply), pilot,
         batch & (e < start), batch & (e < batch_lapse), batch],
        [B.R1_PILOT_EXPIRED, B.R1_PILOT_FLOOR, B.R1_PILOT_CURRENT,
         B.R1_BATCH_EXPIRED, B.R1_BATCH_TRANSITION, B.R1_BATCH_CURRENT], B.NOT_COVERED)
    apply_by = first_match(
        [branch == B.R1_PILOT_EXPIRED, branch == B.R1_PILOT_FLOOR,
         branch == B.R1_BATCH_EXPIRED], [pilot_apply, pilot_apply, batch_apply], thirty)
    lapses_on = first_match(
        [branch == B.R1_PILOT_EXPIRED, (branch == B.R1_BATCH_EXPIRED)
         | (branch == B.R1_BATCH_TRANSITION)], [pilot_cut, batch_lapse], e + 1)
    before_effective = batch & (apply_by < start)
    return apply_by, lapses_on, branch, before_effective


# ------------------------------------------------------------------------------------------
def renewed_cycle(approved_on, age65, policy: Policy):
    """R-2, C-2.2.4: validity from the approval date P for three whole years (I-8), capped at the
    65th birthday. The three years end on ``U``, the day before the third anniversary; for
    P = 29 February the third anniversary is itself 28 February (I-7) and U is that day
    (``add_years(P − 1 day, 3)``: three whole years, no day left uncovered).
    ``capped_at_65`` when ``age65 <= U`` (less than three full years left, even when both ends
    coincide); then the validity ends on the 65th birthday. The renewed cycle follows the
    general rule: apply_by 30 days before its end, lapse the day after (I-6).

    Returns (valid_from, valid_until, apply_by, lapses_on, capped_at_65, branch, i7) where
    ``i7`` marks approvals on 29 February whose anniversary needed I-7.
    """
    p = approved_on
    anniversary, i7 = add_years_days(p, policy.days("renewal_term_years"))
    three_years = where(i7, anniversary, anniversary - 1)  # U of I-8
    until, capped = cap_at_65(three_years, age65)
    branch = where(capped, B.R2_RENEWED_CAPPED, B.R2_RENEWED)
    return p, until, until - policy.days("renewal_lead"), until + 1, capped, branch, i7


# ------------------------------------------------------------------------------------------
def renewable(valid_until, age65, apply_by, lapses_on):
    """R-3, C-2.2.4: a cycle is renewable when it ends before the 65th birthday; one that is not
    has no apply_by and lapses the day after its end (I-6).

    Returns (can_renew, apply_by, lapses_on, branch); apply_by is meaningful where can_renew.
    """
    can = valid_until < age65
    return (can, apply_by, where(can, lapses_on, valid_until + 1),
            where(can, B.R3_RENEWABLE, B.R3_NOT_RENEWABLE))


# ------------------------------------------------------------------------------ the cycle at T
class Record(NamedTuple):
    """One registered specialty's dates on record, as day numbers, each optional date with its
    ``*_set`` mask: one element per row of a roster, or one profile's specialty as Python
    scalars."""

    valid_from: np.ndarray
    valid_until: np.ndarray
    applied_on: np.ndarray
    applied_set: np.ndarray
    approved_on: np.ndarray
    approved_set: np.ndarray


class Holder(NamedTuple):
    """What the rules need of a specialty's holder: the regime of the employer's province
    (``PILOT``, ``BATCH``, ``NOT_COVERED``) and the 65th birthday (:func:`birthday_65`), per row
    or as scalars."""

    regime: np.ndarray
    age65: np.ndarray


class Cycle(NamedTuple):
    """The cycle in force at some date, per row: what R-1, R-2 and R-3 decided (a named tuple:
    a profile makes one per specialty, and a frozen dataclass costs more to make)."""

    valid_from: np.ndarray
    valid_until: np.ndarray
    apply_by: np.ndarray        # meaningful where ``renewable``
    lapses_on: np.ndarray
    renewable: np.ndarray
    renewed: np.ndarray
    capped_at_65: np.ndarray
    original_apply_by: np.ndarray
    original_lapses_on: np.ndarray  # after R-3 on the given cycle
    r1_lapses_on: np.ndarray        # as R-1 gave it
    before_effective: np.ndarray
    approval_after_lapse: np.ndarray
    r1: np.ndarray
    r2: np.ndarray
    r3: np.ndarray
    i7_approval: np.ndarray


_NO_RENEWAL = (0, 0, 0, 0, False, -1, False)  # what ``where`` drops when no approval counts


class Given(NamedTuple):
    """What R-1 and R-3 decide about the given cycle, and R-2 about an approval on record: none
    of it depends on the as-of date, so a roster works it out once (``core.rules.roster``)."""

    apply_by: np.ndarray        # R-1, then R-3
    lapses_on: np.ndarray       # R-1, then R-3
    r1_lapses_on: np.ndarray    # as R-1 gave it
    r1: np.ndarray
    before_effective: np.ndarray
    renewal: tuple | None       # renewed_cycle(approved_on, age65); None: worked out at T


def given_cycle(record: Record, holder: Holder, policy: Policy, renewal: bool = True) -> Given:
    """The parts of :func:`current_cycle` that do not depend on the as-of date: R-1 and R-3 on
    the given cycle and, with ``renewal``, R-2 on the approval on record."""
    valid_until, approved_on, age65 = record.valid_until, record.approved_on, holder.age65
    a1, l1_r1, r1, before = original_deadlines(holder.regime, valid_until, policy)
    _, a1, l1, _ = renewable(valid_until, age65, a1, l1_r1)  # R-3 on the given cycle
    return Given(a1, l1, l1_r1, r1, before,
                 renewed_cycle(approved_on, age65, policy) if renewal else None)


def current_cycle(record: Record, holder: Holder, as_of, policy: Policy,
                  given: Given | None = None) -> Cycle:
    """The cycle in force at ``as_of``: R-1 and R-3 on the given cycle; where an approval dated on
    or before ``as_of`` is on record, R-2 then R-3 on the renewed cycle. An approval always
    renews (C-2.2.4 has no condition, I-9); ``approval_after_lapse`` marks those without an
    application made before the original lapse date (the record needs checking).
    ``given``: :func:`given_cycle` of the same rows, when already worked out."""
    valid_from, valid_until, applied_on, applied_set, approved_on, approved_set = record
    age65 = holder.age65
    counts = approved_set & (approved_on <= as_of)
    if given is None:  # a scalar row with no approval that counts skips R-2 (``where`` drops it)
        given = given_cycle(record, holder, policy, renewal=counts is not False)
    a1, l1, l1_r1, r1, before, renewal = given
    f2, e2, a2, l2, capped, r2, i7 = _NO_RENEWAL if renewal is None else renewal
    f = where(counts, f2, valid_from)
    e = where(counts, e2, valid_until)
    can, a, lp, r3 = renewable(e, age65, where(counts, a2, a1), where(counts, l2, l1))
    after_lapse = counts & not_(applied_set & (applied_on < l1))
    return Cycle(f, e, a, lp, can, counts, counts & capped, a1, l1, l1_r1, before, after_lapse, r1,
                 where(counts, r2, -1), r3, counts & i7)


# ------------------------------------------------------------------------------------------
def status_at(cycle: Cycle, applied_on, applied_set, age65, as_of):
    """R-4, C-2.2.1 / C-2.2.2 / C-2.2.4: the status at ``as_of``, first match wins:
    not_yet_valid (no approval counts and T before the cycle), renewal_pending (an application
    on or before T and before the lapse date, renewable, no approval), lapsed (T on or after the
    lapse date), expired_not_lapsed (T after the end), apply_now (T after apply_by), valid; then
    age_limit when T is after the 65th birthday, unless it lapsed before that birthday.
    An application on or after the lapse date does not count (re-registration lies outside the
    notice).

    Returns (status, late_application, branch, age_limited, application_after_lapse).
    """
    t = as_of
    applied = applied_set & (applied_on <= t) & not_(cycle.renewed)
    after_lapse = applied & (applied_on >= cycle.lapses_on)
    pending = applied & not_(after_lapse) & cycle.renewable
    status = first_match(
        [not_(cycle.renewed) & (t < cycle.valid_from), pending, t >= cycle.lapses_on,
         t > cycle.valid_until, cycle.renewable & (t > cycle.apply_by)],
        [STATUS["not_yet_valid"], STATUS["renewal_pending"], STATUS["lapsed"],
         STATUS["expired_not_lapsed"], STATUS["apply_now"]], STATUS["valid"])
    late = (status == STATUS["renewal_pending"]) & (applied_on > cycle.apply_by)
    branch = _R4_BRANCH[status]
    branch = where(late, B.R4_RENEWAL_PENDING_LATE, branch)
    aged = (t > age65) & not_((status == STATUS["lapsed"]) & (cycle.lapses_on <= age65))
    status = where(aged, STATUS["age_limit"], status)
    return status, late, branch, aged, after_lapse


# ------------------------------------------------------------------------------------------
def continuing_education_due(status, renewable_, apply_by, as_of, done, policy: Policy):
    """C-2.2.3 (R-5's reminder): renewal needs continuing education; remind when renewal is due
    or near:
    status apply_now or expired_not_lapsed, or valid with T on or after apply_by − 90 days."""
    near = (status == STATUS["valid"]) & renewable_ & (
        as_of >= apply_by - policy.days("ce_reminder"))
    due = (status == STATUS["apply_now"]) | (status == STATUS["expired_not_lapsed"]) | near
    return due & not_(done)


# Application actions of R-5, as codes per row (what the holder must do about the application).
NO_ACTION, RENEW_BEFORE_DEADLINE, APPLY_FOR_RENEWAL, RE_REGISTER = 0, 1, 2, 3
APPLICATION_ACTIONS = (None, "renew_before_deadline", "apply_for_renewal", "re_register")


def application_action(status, renewable_, apply_by, as_of, policy: Policy):
    """R-5, C-2.2.1 / C-2.2.2: the holder's next step for the application itself, one code per
    row (``APPLICATION_ACTIONS``): ``renew_before_deadline`` when the status is valid, the cycle
    is renewable and ``apply_by − 90 days <= T <= apply_by`` (the deadline is near, not passed);
    ``apply_for_renewal`` when the deadline has passed but the specialty has not lapsed
    (apply_now, expired_not_lapsed: a late application, R-4); ``re_register`` when lapsed
    (outside this notice). None while renewal_pending (wait for the decision), for a cycle more
    than 90 days from its deadline, and for age_limit, not_yet_valid and not_covered."""
    window = policy.days("renewal_reminder")
    near = ((status == STATUS["valid"]) & renewable_
            & (as_of >= apply_by - window) & (as_of <= apply_by))
    late = (status == STATUS["apply_now"]) | (status == STATUS["expired_not_lapsed"])
    return first_match([near, late, status == STATUS["lapsed"]],
                       [RENEW_BEFORE_DEADLINE, APPLY_FOR_RENEWAL, RE_REGISTER], NO_ACTION)
