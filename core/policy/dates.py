"""Calendar conventions of POLICY.md: China Standard Time, add_years (I-7), ISO parsing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)


def today_shanghai() -> date:
    """The default as-of date T: today in Asia/Shanghai (POLICY.md, Definitions)."""
    return datetime.now(SHANGHAI).date()


def add_years(d: date, n: int) -> date:
    """Same month and day n years later; 29 February -> 28 February in a non-leap year (I-7)."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February into a non-leap year
        return d.replace(year=d.year + n, day=28)


def add_years_uses_i7(d: date, n: int) -> bool:
    """True when add_years(d, n) needed reading I-7 (29 February into a non-leap year)."""
    return d.month == 2 and d.day == 29 and add_years(d, n).day == 28


def days(n: int) -> timedelta:
    return timedelta(days=n)


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
