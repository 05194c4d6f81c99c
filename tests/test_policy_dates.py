"""core.policy.dates: I-7 (29 February + n years) and the day-number calendar."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from core.policy.dates import (
    add_years,
    add_years_days,
    add_years_uses_i7,
    as_datetime64,
    day_number,
    from_day,
    month_numbers,
    within_days,
)


@pytest.mark.parametrize("n", [-3, 1, 3, 18, 65])
def test_the_numpy_and_the_python_loop_agree_on_every_day(n):
    days = np.arange(day_number(date(1900, 1, 1)), day_number(date(2199, 12, 31)) + 1)
    big, big_i7 = add_years_days(days, n)
    small = [add_years_days(days[i:i + 7], n) for i in range(0, len(days), 7)]
    assert (np.concatenate([s[0] for s in small]) == big).all()
    assert (np.concatenate([s[1] for s in small]) == big_i7).all()
    assert big_i7.sum() > 0


@pytest.mark.parametrize("n", [-3, 3, 65])
def test_the_table_and_the_arithmetic_agree_and_dates_beyond_the_table_still_work(n):
    """Many dates inside ~1805–2298 are read from a table made once per n; outside it the
    arithmetic runs: both give what the arithmetic gives."""
    from core.policy.dates import _HIGH, _LOW, _add_years_civil
    inside = np.arange(_LOW + 1, _HIGH)
    assert all((a == b).all() for a, b in zip(add_years_days(inside, n),
                                             _add_years_civil(inside, n), strict=True))
    beyond = np.arange(_HIGH - 1000, _HIGH + 1000)  # straddles the table's end
    assert all((a == b).all() for a, b in zip(add_years_days(beyond, n),
                                             _add_years_civil(beyond, n), strict=True))
    assert add_years_days(np.array([_HIGH + 5] * 20), 1)[0][0] == _add_years_civil(
        np.array([_HIGH + 5]), 1)[0][0]


@pytest.mark.parametrize("n", [-3, 3, 18, 65])
def test_one_int_gives_what_the_arrays_give(n):
    """A profile's rows run as Python scalars: one ``int`` in, an ``int`` and a ``bool`` out,
    the same values as the array loops, inside and beyond the table."""
    from core.policy.dates import _HIGH, _LOW
    days = np.concatenate([np.arange(day_number(date(1999, 1, 1)), day_number(date(2005, 1, 1))),
                           np.arange(_LOW - 400, _LOW + 400), np.arange(_HIGH - 400, _HIGH + 400)])
    want, want_i7 = add_years_days(days, n)
    got = [add_years_days(int(v), n) for v in days]
    assert all(type(v) is int and type(f) is bool for v, f in got)
    assert [v for v, _ in got] == want.tolist()
    assert [f for _, f in got] == want_i7.tolist()


@pytest.mark.parametrize("d, n, want, i7", [
    (date(2020, 2, 28), 1, date(2021, 2, 28), False),  # the day before
    (date(2020, 2, 29), 1, date(2021, 2, 28), True),   # on it: I-7
    (date(2020, 3, 1), 1, date(2021, 3, 1), False),    # the day after
    (date(2020, 2, 29), 4, date(2024, 2, 29), False),  # into a leap year: the same day
    (date(1980, 2, 29), 65, date(2045, 2, 28), True),  # POLICY.md worked example 7
])
def test_i7(d, n, want, i7):
    assert add_years(d, n) == want
    assert add_years_uses_i7(d, n) is i7
    assert from_day(day_number(d)) == d


def _numpy_months(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def test_month_numbers_agree_with_numpy_on_every_day_of_the_table_and_beyond():
    table_days = np.arange(-59999, 120000, dtype=np.int64)  # the table's whole range
    np.testing.assert_array_equal(month_numbers(table_days), _numpy_months(table_days))
    beyond = np.array([-60000, -60001, 120000, 250000, -100000, 0, 31, -1], dtype=np.int64)
    np.testing.assert_array_equal(month_numbers(beyond), _numpy_months(beyond))
    assert month_numbers(np.array([], dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize(("d", "month"), [
    (date(1970, 1, 1), 0), (date(1969, 12, 31), -1), (date(2021, 7, 31), 618),
    (date(2021, 8, 1), 619), (date(2024, 2, 29), 649), (date(2024, 3, 1), 650)])
def test_month_numbers_at_month_edges(d, month):
    n = day_number(d)
    assert month_numbers(np.array([n - 1, n, n + 1]))[1] == month
    assert month_numbers(np.array([n]))[0] == month


def test_within_days_is_the_one_due_window_both_ends_included():
    """"Due within N days" (dashboard, ``python -m core due``, the monitor): T <= d <= T + N."""
    t = date(2026, 1, 1)
    frame_dates = np.array(["2025-12-31", "2026-01-01", "2026-01-31", "2026-02-01", "NaT"],
                           dtype="datetime64[s]")
    assert within_days(frame_dates, t, 30).tolist() == [False, True, True, False, False]
    assert within_days(frame_dates, t, 0).tolist() == [False, True, False, False, False]
    numbers = np.array([day_number(t) - 1, day_number(t), day_number(t) + 30, day_number(t) + 31])
    assert within_days(numbers, t, 30).tolist() == [False, True, True, False]
    assert within_days(numbers, day_number(t), 30).tolist() == [False, True, True, False]
    days_left = np.array([-1.0, 0.0, 30.0, 31.0, np.nan])  # a day count from T (T is day 0)
    assert within_days(days_left, 0, 30).tolist() == [False, True, True, False, False]
    assert as_datetime64(t) == np.datetime64("2026-01-01T00:00:00")
    assert as_datetime64(t).dtype == np.dtype("datetime64[s]")
