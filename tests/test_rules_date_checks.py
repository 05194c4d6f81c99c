"""core/rules/date_checks.py: the date checks over a roster's columns (day numbers and a present
mask), each row caught by its own check and no other: range (then not also "required"),
required, validity before the 18th birthday, date order, approval on or after the 65th birthday
(C-2.2.4), and the birth date's plausibility at the as-of date."""

from __future__ import annotations

from datetime import date

import numpy as np

from core.policy.data import POLICY
from core.policy.dates import day_number
from core.rules.date_checks import DateField, check_dates, check_dates_at
from core.rules.problem_masks import Problems

FIELDS = ("birth_date", "valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on",
          "certificate_downloaded_on")
GOOD = {"birth_date": date(1970, 3, 15), "valid_from": date(2018, 6, 1),
        "valid_until": date(2021, 5, 31)}
ROWS = [
    GOOD,                                                                  # 0: clean
    {**GOOD, "valid_until": date(2018, 5, 31)},                            # 1: until < from
    {**GOOD, "birth_date": date(2005, 1, 1)},                              # 2: valid before 18
    {**GOOD, "valid_from": date(1800, 1, 1), "valid_until": None},         # 3: range, required
    {"birth_date": date(1950, 1, 1), "valid_from": date(2013, 1, 1),
     "valid_until": date(2016, 1, 1), "renewal_applied_on": date(2015, 5, 1),
     "renewal_approved_on": date(2015, 6, 1)},                             # 4: approved at 65+
    {**GOOD, "renewal_applied_on": date(2021, 5, 1),
     "renewal_approved_on": date(2021, 4, 1)},                             # 5: approved < applied
]


def _dates() -> dict[str, DateField]:
    out = {}
    for f in FIELDS:
        values = [r.get(f) for r in ROWS]
        out[f] = DateField(np.array([day_number(v) if v else 0 for v in values], dtype=np.int64),
                           np.array([v is not None for v in values]))
    return out


def _found(problems: Problems) -> dict[tuple[str, str], list[int]]:
    return {(f, c): np.flatnonzero(m).tolist() for f, c, m, _ in problems.items}


def test_each_row_is_caught_by_its_own_check_and_no_other():
    problems = Problems()
    derived = check_dates(problems, _dates(), POLICY, {})
    assert _found(problems) == {
        ("valid_from", "date_out_of_range"): [3],
        ("valid_until", "required"): [3],
        ("valid_until", "date_order"): [1],
        ("valid_from", "before_age_18"): [2],
        ("renewal_approved_on", "date_order"): [5],
        ("renewal_approved_on", "approval_after_age_65"): [4],
    }
    assert derived["age65"][4] == day_number(date(2015, 1, 1))
    assert derived["adult"][2] == day_number(date(2023, 1, 1))
    assert derived["birth_ok"].all()


def test_an_unparsed_cell_is_not_also_required():
    problems = Problems()
    unparsed = {"valid_until": np.array([False, False, False, True, False, False])}
    check_dates(problems, _dates(), POLICY, unparsed)
    assert ("valid_until", "required") not in _found(problems)


def test_a_birth_date_is_implausible_when_the_holder_is_under_18_at_the_as_of_date():
    dates = _dates()
    derived = check_dates(Problems(), dates, POLICY, {})
    problems = Problems()
    check_dates_at(problems, dates, derived["adult"], day_number(date(2022, 12, 31)), POLICY)
    assert _found(problems) == {("birth_date", "birth_implausible"): [2]}
    problems = Problems()
    check_dates_at(problems, dates, derived["adult"], day_number(date(2023, 1, 1)), POLICY)
    assert _found(problems) == {}  # 18 on that day
