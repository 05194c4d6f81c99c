"""The rules for the certificate (POLICY.md R-6, R-7), written once over arrays.

R-6 works per certificate, that is per person: rows (registered specialties) carry a ``person``
index into the per-person arrays (regime, 65th birthday, download date), so one constructor and
every person of a national roster run the same lines.

References: POLICY.md R-6 (C-3.2, C-2.1.1, C-3.5), R-7 (C-2.1.2), I-4, I-5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.policy.data import Policy
from core.policy.dates import day_number
from core.rules.specialty import BATCH, NOT_COVERED, Cycle, current_cycle, first_match

USAGE_STATUSES = ("in_use", "expired", "unavailable")
IN_USE, EXPIRED, UNAVAILABLE = range(3)
CAPPED_BY = ("age_65", "specialty_validity", "180_days")
REASONS = (None, "before_electronic_start", "after_age_65", "no_valid_specialty")
NO_REASON, BEFORE_START, AFTER_AGE_65, NO_VALID_SPECIALTY = range(4)
PAPER = ("valid", "valid_not_issued", "void", "not_covered")
_NEVER = np.iinfo(np.int64).max  # no printed specialty: no end from I-5


@dataclass(frozen=True)
class Specialties:
    """The per-row inputs of the rules: one element per registered specialty."""

    person: np.ndarray          # index into the per-person arrays
    valid_from: np.ndarray
    valid_until: np.ndarray
    applied_on: np.ndarray
    applied_set: np.ndarray
    approved_on: np.ndarray
    approved_set: np.ndarray


@dataclass(frozen=True)
class Windows:
    """The usage window per person (``until``/``capped_by`` meaningful unless unavailable)."""

    until: np.ndarray
    capped_by: np.ndarray       # index into CAPPED_BY
    status: np.ndarray          # index into USAGE_STATUSES
    reason: np.ndarray          # index into REASONS
    printed: np.ndarray         # per row: printed on the certificate downloaded on D
    n_printed: np.ndarray
    outdated_rows: np.ndarray   # per row: an approval after D, on or before T (C-3.5)
    outdated: np.ndarray        # per person: any of its rows outdated
    cycle: Cycle                # per row: the cycle in force on its person's D (what is printed)


def usage_window(spec: Specialties, regime, age65, downloaded_on, as_of,
                 policy: Policy) -> Windows:
    """R-6, C-3.2 (C-2.1.1): the usage window of a certificate downloaded on D, per person.

    Printed: the specialties whose cycle at D (R-1 … R-3 evaluated at D) covers D, and D not after
    the 65th birthday; for batch2021 no certificate before the electronic start (C-2.1.1).
    usage_until = min(D + 180 days (I-4), earliest printed valid_until (I-5), age65); capped_by is
    the one that gave the minimum, age_65 before specialty_validity before 180_days on ties.
    Status at T: in_use when D <= T <= usage_until, expired after; unavailable (with a reason)
    when nothing can be printed or the region is not covered. ``outdated`` (C-3.5): an approval
    P with D < P <= T changed the certificate's data.
    """
    m = len(regime)
    d = np.broadcast_to(np.asarray(downloaded_on), (m,))
    row_d = d[spec.person]
    row_age65 = np.asarray(age65)[spec.person]
    row_regime = np.asarray(regime)[spec.person]
    cyc = current_cycle(row_regime, spec.valid_from, spec.valid_until, spec.applied_on,
                        spec.applied_set, spec.approved_on, spec.approved_set, row_age65, row_d,
                        policy)
    printed = (cyc.valid_from <= row_d) & (row_d <= cyc.valid_until) & (row_d <= row_age65)
    before_start = (regime == BATCH) & (d < day_number(policy.date("electronic_start")))
    printed &= ~before_start[spec.person]
    n_printed = np.bincount(spec.person[printed], minlength=m)
    earliest = np.full(m, _NEVER)
    np.minimum.at(earliest, spec.person[printed], cyc.valid_until[printed])
    by_days = d + policy.days("usage_window")
    until = np.minimum(np.minimum(by_days, earliest), age65)
    capped_by = first_match([until == age65, until == earliest], [0, 1], 2)
    reason = first_match([before_start, n_printed > 0, d > age65], [BEFORE_START, NO_REASON,
                                                                  AFTER_AGE_65],
                       NO_VALID_SPECIALTY)
    status = first_match([reason != NO_REASON, as_of > until], [UNAVAILABLE, EXPIRED], IN_USE)
    status = np.where(regime == NOT_COVERED, UNAVAILABLE, status)
    outdated_rows = spec.approved_set & (row_d < spec.approved_on) & (spec.approved_on <= as_of)
    outdated_rows &= (status != UNAVAILABLE)[spec.person]  # no certificate: nothing to outdate
    outdated = np.bincount(spec.person[outdated_rows], minlength=m) > 0
    return Windows(until, capped_by, status, reason, printed, n_printed, outdated_rows, outdated,
                   cyc)


# ------------------------------------------------------------------------------------------
def paper_certificate(regime, as_of, policy: Policy):
    """R-7, C-2.1.2: paper certificates: valid, then no longer issued, then void; not_covered
    outside the two regimes. Returns an index into PAPER."""
    t = as_of
    status = first_match([t < day_number(policy.date("paper_no_new_from")),
                        t < day_number(policy.date("paper_void_from"))], [0, 1], 2)
    return np.where(np.asarray(regime) == NOT_COVERED, 3, status)
