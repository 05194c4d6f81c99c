"""Calendar conventions of POLICY.md: China Standard Time, ``add_years`` (I-7), day numbers.

The rules compute over arrays of *day numbers* (int64 days since 1970-01-01), so one
constructor and a national roster run the same code. ``add_years_days`` is the only
implementation of I-7 (29 February + n years in a non-leap year is 28 February); the scalar
``add_years`` calls it. Civil-date conversion follows H. Hinnant's ``days_from_civil`` /
``civil_from_days`` (proleptic Gregorian), exact for every year the validators accept.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)
EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()


def today_shanghai() -> date:
    """The default as-of date T: today in Asia/Shanghai (POLICY.md, Definitions)."""
    return datetime.now(SHANGHAI).date()


# -- day numbers --------------------------------------------------------------------------------
def day_number(d: date) -> int:
    """A date as days since 1970-01-01."""
    return d.toordinal() - _EPOCH_ORDINAL


def from_day(n: int) -> date:
    """A day number back to a date."""
    return date.fromordinal(int(n) + _EPOCH_ORDINAL)


def as_datetime64(d: date) -> np.datetime64:
    """A date as numpy ``datetime64[s]``, the unit of a roster frame's date columns (to compare
    with them; a day number is :func:`day_number`)."""
    return np.datetime64(d, "s")


def within_days(dates: np.ndarray, as_of: date | int, days: int) -> np.ndarray:
    """Where ``dates`` fall due within ``days`` days of the as-of date T: ``T <= d <= T + days``,
    both ends included (the admin's "due within N days": the dashboard, ``python -m core due``,
    the certificates' monitor). ``dates`` are numpy ``datetime64`` (any unit; NaT is never
    within) or day numbers; ``as_of`` is a date or a day number."""
    t = as_of if isinstance(as_of, (int, np.integer)) else day_number(as_of)
    dates = np.asarray(dates)
    lo = np.datetime64(int(t), "D") if np.issubdtype(dates.dtype, np.datetime64) else t
    with np.errstate(invalid="ignore"):  # NaN (a float day count without a date) is never within
        return (dates >= lo) & (dates <= lo + int(days))


def civil(days: np.ndarray):
    """Day numbers -> (year, month, day) arrays (Hinnant's civil_from_days)."""
    z = np.asarray(days).astype(np.int32) + 719468  # int32 halves the memory traffic
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """(year, month, day) arrays -> day numbers (Hinnant's days_from_civil)."""
    y = (year - (month <= 2)).astype(np.int32)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468).astype(np.int64)


def add_years_days(days: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """I-7 over arrays: same month and day ``n`` years later; 29 February -> 28 February in a
    non-leap year. Returns the day numbers and a mask of the values that needed I-7 (for one
    ``int``: an ``int`` and a ``bool``).

    Two loops, one reading: numpy for many dates (Hinnant's arithmetic, tabled once per ``n``
    over about 1805–2298 so that a roster's dates cost one gather), Python's calendar for a
    profile's few (numpy's set-up per call costs more than the work there: ~30 µs against ~3 µs
    per call, measured). tests/test_policy_dates.py proves the two agree on every day of 1900–2199.
    """
    if days.__class__ is int:  # one date (a profile's row run as scalars): an int and a bool
        if _LOW < days < _HIGH:
            return _add_years_one(days, n)
        out, i7 = _add_years_civil(np.array([days]), n)
        return int(out[0]), bool(i7[0])
    days = np.asarray(days)
    if days.size > _SMALL:
        if days.min() > _LOW and days.max() < _HIGH:  # the usual case: a gather from the table
            table, i7 = _shifted_table(n)
            k = days - (_LOW + 1)
            return table[k], i7[k]
        return _add_years_civil(days, n)
    if not ((days > _LOW) & (days < _HIGH)).all():
        return _add_years_civil(days, n)
    pairs = [_add_years_one(v, n) for v in days.ravel().tolist()]
    return (np.array([v for v, _ in pairs], dtype=np.int64).reshape(days.shape),
            np.array([f for _, f in pairs], dtype=bool).reshape(days.shape))


def _add_years_one(v: int, n: int) -> tuple[int, bool]:
    """One day number through Python's calendar (the loop of ``add_years_days``)."""
    d = date.fromordinal(v + _EPOCH_ORDINAL)
    try:
        return d.replace(year=d.year + n).toordinal() - _EPOCH_ORDINAL, False
    except ValueError:  # 29 February into a non-leap year
        return d.replace(year=d.year + n, day=28).toordinal() - _EPOCH_ORDINAL, True


_SMALL = 16
_LOW, _HIGH = -60000, 120000  # about 1805 … 2298: the Python loop stays far from year 1 / 9999


def _add_years_civil(days: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    year, month, day = civil(days)
    y = year + n
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    i7 = (month == 2) & (day == 29) & ~leap
    return from_civil(y, month, np.where(i7, 28, day)), i7


@lru_cache(maxsize=16)
def _shifted_table(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``_add_years_civil`` of every day between _LOW and _HIGH, once per ``n`` (1.6 MB): a
    million dates then cost one gather instead of ~30 array operations."""
    table, i7 = _add_years_civil(np.arange(_LOW + 1, _HIGH, dtype=np.int64), n)
    table.flags.writeable = False
    i7.flags.writeable = False
    return table, i7


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Day numbers -> months since January 1970 (int64: 1970-01 is 0, 1969-12 is -1). Within
    _LOW … _HIGH a gather from a table made once (numpy's ``astype("datetime64[M]")`` works out
    the calendar per value: 35 ms for a million dates, the gather 4 ms); outside it ``civil``.
    tests/test_policy_dates.py checks it against numpy on every day of the table and beyond."""
    days = np.asarray(days, dtype=np.int64)
    if days.size and days.min() > _LOW and days.max() < _HIGH:
        return _month_table()[days - (_LOW + 1)]
    year, month, _ = civil(days)
    return (year.astype(np.int64) - 1970) * 12 + (month.astype(np.int64) - 1)


@lru_cache(maxsize=1)
def _month_table() -> np.ndarray:
    year, month, _ = civil(np.arange(_LOW + 1, _HIGH, dtype=np.int64))
    table = (year.astype(np.int64) - 1970) * 12 + (month.astype(np.int64) - 1)
    table.flags.writeable = False
    return table


def add_years(d: date, n: int) -> date:
    """``add_years_days`` for one date (I-7)."""
    out, _ = add_years_days(day_number(d), n)
    return from_day(out)


def add_years_uses_i7(d: date, n: int) -> bool:
    """True when add_years(d, n) needed reading I-7 (29 February into a non-leap year)."""
    _, i7 = add_years_days(day_number(d), n)
    return i7


def days(n: int) -> timedelta:
    return timedelta(days=n)


# -- text ----------------------------------------------------------------------------------------
def parse_iso(value: object) -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` string; None for None/''; else ValueError."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if len(s) != 10 or s[4] != "-" or s[7] != "-":
            raise ValueError(s)
        return date.fromisoformat(s)
    raise ValueError(repr(value))


def iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


@lru_cache(maxsize=65536)
def iso_day(n: int) -> str:
    """A day number as ``YYYY-MM-DD``."""
    return from_day(n).isoformat()
