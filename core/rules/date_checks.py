"""The date checks, over arrays (a roster's columns) or Python scalars (one specialty of a
profile): range, required, validity not before the holder turned 18, date order, approval
before the 65th birthday (C-2.2.4) (``check_dates``), and the checks against the as-of date T
(``check_dates_at``). A date field is :class:`DateField` (day numbers and a present mask).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from core.policy.data import Policy
from core.policy.dates import add_years_days, day_number, iso_day
from core.rules.ops import any_, maximum, minimum, not_
from core.rules.problem_masks import Problems
from core.rules.specialty import birthday_65

# Dates accepted at all: the years the roster reader (core/roster/io.py) accepts, 1900..2199.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)


@dataclass
class DateField:
    """A date field as day numbers (0 where missing) and a mask of the present values (arrays;
    for one specialty of a profile, an int and a bool)."""

    days: np.ndarray
    present: np.ndarray

    def at(self, idx: np.ndarray) -> np.ndarray:
        d = self.days
        return d[idx % len(d)] if len(d) else d[idx]


_LO, _HI = day_number(EARLIEST_DATE), day_number(LATEST_DATE)


@cache
def _range_values(c: str) -> dict:
    return {"value": f"date:{c}", "earliest": EARLIEST_DATE.isoformat(),
            "latest": LATEST_DATE.isoformat()}


def check_dates(problems: Problems, dates: dict[str, DateField], policy: Policy,
                unparsed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The date checks that do not depend on the as-of date: range, required, validity not
    before the holder turned 18, date order, approval before the 65th birthday (C-2.2.4).
    ``unparsed`` marks cells already reported as ``invalid_date``. Person fields may be length 1
    and broadcast against the specialty fields. Returns the derived day numbers the messages use
    (``age65``, ``adult``) and ``birth_ok``."""
    lo, hi = _LO, _HI
    for c, dc in dates.items():
        if c == "birth_date":
            continue  # its own plausibility check below
        out = dc.present & ((dc.days < lo) | (dc.days > hi))
        problems.add(c, "date_out_of_range", out, _range_values(c))
        if any_(out):  # reported once: not 'required' too
            dates[c] = DateField(dc.days, dc.present & not_(out))
            unparsed = {**unparsed, c: unparsed.get(c, False) | out}
    B, F, E = dates["birth_date"], dates["valid_from"], dates["valid_until"]
    A, P = dates["renewal_applied_on"], dates["renewal_approved_on"]
    for c in ("birth_date", "valid_from", "valid_until"):
        problems.add(c, "required", not_(dates[c].present) & not_(unparsed.get(c, False)))
    lim = policy.validation
    min_age = int(lim["min_age_at_registration"])
    birth = minimum(maximum(B.days, lo), hi)  # an absurd birth: an error, not an overflow
    adult, _ = add_years_days(birth, min_age)
    age65, age65_i7 = birthday_65(birth, policy)
    too_early = B.present & (B.days < day_number(lim["earliest_birth_date"]))
    birth_ok = B.present & not_(too_early)  # reported by check_dates_at, with the as-of date
    problems.add("valid_from", "before_age_18", birth_ok & F.present & (F.days < adult),
                 {"value": "date:valid_from", "min_age": min_age, "adult_on": "adult"})
    problems.add("valid_until", "date_order", F.present & E.present & (E.days < F.days),
                 ("valid_until", "valid_from"))
    problems.add("renewal_applied_on", "date_order", A.present & F.present & (A.days < F.days),
                 ("renewal_applied_on", "valid_from"))
    problems.add("renewal_approved_on", "date_order", P.present & A.present & (P.days < A.days),
                 ("renewal_approved_on", "renewal_applied_on"))
    problems.add("renewal_approved_on", "date_order",
                 P.present & not_(A.present) & F.present & (P.days < F.days),
                 ("renewal_approved_on", "valid_from"))
    problems.add("renewal_approved_on", "approval_after_age_65",
                 P.present & birth_ok & (P.days >= age65),
                 {"value": "date:renewal_approved_on", "age65": "age65"})
    return {"age65": age65, "adult": adult, "birth_ok": birth_ok, "age65_i7": age65_i7}


def check_dates_at(problems: Problems, dates: Mapping[str, DateField], adult: np.ndarray,
                   as_of: int, policy: Policy) -> None:
    """The date checks against the as-of date T: a plausible birth date (not before the earliest
    one, the holder at least 18 on T). An event dated after T (a download, an application, an
    approval) is no error: it is ignored at T (POLICY.md, Definitions; the assessment warns
    ``event_after_as_of``)."""
    B = dates["birth_date"]
    lim = policy.validation
    implausible = B.present & ((B.days < day_number(lim["earliest_birth_date"]))
                               | (adult > as_of))
    problems.add("birth_date", "birth_implausible", implausible,
                 _birth_values(lim, iso_day(as_of)))


def _birth_values(lim, as_of: str) -> dict:
    return {"earliest": lim["earliest_birth_date"].isoformat(),
            "min_age": int(lim["min_age_at_registration"]), "as_of": as_of,
            "value": "date:birth_date"}
