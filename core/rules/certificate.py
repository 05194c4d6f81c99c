"""The rules for the certificate (POLICY.md R-6, R-7), written once over arrays.

R-6 works per certificate, that is per person: rows (registered specialties) carry a ``person``
index into the per-person arrays (regime, 65th birthday, download date). Every person of a
national roster runs through ``usage_window`` as arrays, one constructor as Python scalars
(``core.rules.ops``); both run the same steps, each written once.

References: POLICY.md R-6 (C-3.2, C-2.1.1, C-3.5), R-7 (C-2.1.2), I-4, I-5.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.policy.data import Policy
from core.rules.ops import first_match, minimum, not_, where
from core.rules.specialty import (
    BATCH,
    NOT_COVERED,
    Cycle,
    Holder,
    Record,
    cap_at_65,
    current_cycle,
)

#: Status codes of R-6 (``usage_window``): the electronic certificate in use, past its usage
#: window, or never usable.
USAGE_STATUSES: tuple[str, ...] = ("in_use", "expired", "unavailable")
IN_USE, EXPIRED, UNAVAILABLE = range(3)
CAPPED_BY = ("age_65", "specialty_validity", "180_days")
REASONS = (None, "before_electronic_start", "after_age_65", "no_valid_specialty")
NO_REASON, BEFORE_START, AFTER_AGE_65, NO_VALID_SPECIALTY = range(4)
PAPER = ("valid", "valid_not_issued", "void", "not_covered")
_NEVER = np.iinfo(np.int64).max  # no printed specialty: no end from I-5


class Specialties(NamedTuple):
    """The per-row inputs of the rules: one element per registered specialty (or, for one
    profile, one specialty's values as Python scalars)."""

    person: np.ndarray          # index into the per-person arrays
    valid_from: np.ndarray
    valid_until: np.ndarray
    applied_on: np.ndarray
    applied_set: np.ndarray
    approved_on: np.ndarray
    approved_set: np.ndarray

    @property
    def record(self) -> Record:
        """The dates on record (``core.rules.specialty.Record``), without ``person``."""
        return Record(*self[1:])


class Windows(NamedTuple):
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

    ``spec``: Specialties of arrays whose ``person`` indexes the per-person arrays ``regime``,
    ``age65``, ``downloaded_on`` (a roster, many persons at once); or a list of Specialties of
    Python scalars, the rows of ONE person whose ``regime``, ``age65`` and ``downloaded_on``
    are scalars (one profile; then ``printed``, ``outdated_rows`` and ``cycle`` are lists).
    Both run the same steps below, written once.
    """
    if isinstance(spec, list):
        return _one_person(spec, regime, age65, downloaded_on, as_of, policy)
    m = len(regime)
    d = np.broadcast_to(np.asarray(downloaded_on), (m,))
    row_d = d[spec.person]
    row_age65 = np.asarray(age65)[spec.person]
    row_regime = np.asarray(regime)[spec.person]
    cyc = current_cycle(spec.record, Holder(row_regime, row_age65), row_d, policy)
    early = _before_start(regime, d, policy)
    printed = _printed(cyc, row_d, row_age65, early[spec.person])
    n_printed, earliest = _earliest_printed(cyc.valid_until, printed, spec.person, m)
    until, capped_by, status, reason = _window(d, regime, age65, n_printed, earliest, early,
                                               as_of, policy)
    outdated_rows = _outdated(spec.approved_on, spec.approved_set, row_d, as_of,
                              (status != UNAVAILABLE)[spec.person])
    outdated = np.bincount(spec.person[outdated_rows], minlength=m) > 0
    return Windows(until, capped_by, status, reason, printed, n_printed, outdated_rows, outdated,
                   cyc)


def _one_person(rows: list[Specialties], regime: int, age65: int, downloaded_on: int,
                as_of: int, policy: Policy) -> Windows:
    """``usage_window`` of one person whose rows are Python scalars: the same steps, one row at
    a time."""
    d = downloaded_on
    early = _before_start(regime, d, policy)
    holder = Holder(regime, age65)
    cycles = [current_cycle(s.record, holder, d, policy) for s in rows]
    printed = [_printed(c, d, age65, early) for c in cycles]
    n_printed, earliest = _earliest_printed([c.valid_until for c in cycles], printed)
    until, capped_by, status, reason = _window(d, regime, age65, n_printed, earliest, early,
                                               as_of, policy)
    outdated_rows = [_outdated(s.approved_on, s.approved_set, d, as_of, status != UNAVAILABLE)
                     for s in rows]
    return Windows(until, capped_by, status, reason, printed, n_printed, outdated_rows,
                   any(outdated_rows), cycles)


# The steps of R-6, each written once for arrays and scalars alike (core.rules.ops).
def _before_start(regime, downloaded_on, policy: Policy):
    """C-2.1.1: a batch2021 certificate downloaded before the electronic start: none."""
    return (regime == BATCH) & (downloaded_on < policy.day_numbers["electronic_start"])


def _printed(cycle: Cycle, downloaded_on, age65, early):
    """C-3.2: a specialty is printed when its cycle at D covers D, D is not after the 65th
    birthday and the certificate is not ``early`` (``_before_start``)."""
    d = downloaded_on
    return (cycle.valid_from <= d) & (d <= cycle.valid_until) & (d <= age65) & not_(early)


def _earliest_printed(valid_until, printed, person=None, m: int = 1):
    """I-5: per person, how many specialties are printed and the earliest printed end
    (``_NEVER`` when none). Arrays with ``person`` indexing ``m`` persons; or one person's rows
    as sequences of scalars (two loops, one reading: the equivalence tests pit them)."""
    if person is None:
        ends = [e for e, p in zip(valid_until, printed, strict=True) if p]
        return len(ends), min(ends, default=_NEVER)
    n_printed = np.bincount(person[printed], minlength=m)
    earliest = np.full(m, _NEVER)
    np.minimum.at(earliest, person[printed], valid_until[printed])
    return n_printed, earliest


def _window(downloaded_on, regime, age65, n_printed, earliest, early, as_of, policy: Policy):
    """C-3.2, I-4, I-5: per person, the window's end, what capped it (age_65 before
    specialty_validity before 180_days on ties), its status at T and the reason none can be
    had. Returns (until, capped_by, status, reason)."""
    d = downloaded_on
    until, by_age = cap_at_65(minimum(d + policy.days("usage_window"), earliest), age65)
    capped_by = first_match([by_age, until == earliest], [0, 1], 2)
    reason = first_match([early, n_printed > 0, d > age65],
                         [BEFORE_START, NO_REASON, AFTER_AGE_65], NO_VALID_SPECIALTY)
    status = first_match([reason != NO_REASON, as_of > until], [UNAVAILABLE, EXPIRED], IN_USE)
    status = where(regime == NOT_COVERED, UNAVAILABLE, status)
    return until, capped_by, status, reason


def _outdated(approved_on, approved_set, downloaded_on, as_of, available):
    """C-3.5: an approval P with D < P <= T changed the data of an ``available``
    certificate (no certificate: nothing to outdate)."""
    return (approved_set & (downloaded_on < approved_on) & (approved_on <= as_of)) & available


# ------------------------------------------------------------------------------------------
def paper_certificate(regime, as_of, policy: Policy):
    """R-7, C-2.1.2: paper certificates: valid, then no longer issued, then void; not_covered
    outside the two regimes. Returns an index into PAPER."""
    t = as_of
    status = first_match([t < policy.day_numbers["paper_no_new_from"],
                        t < policy.day_numbers["paper_void_from"]], [0, 1], 2)
    return where(regime == NOT_COVERED, 3, status)
