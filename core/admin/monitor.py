"""Usage-window monitoring for employers (issue 14 item 2): certificates to download again.

Input: ``core.rules.roster_windows.usage_windows(prepared, as_of)``, one row per person
(registration number) with a ``certificate_downloaded_on``: ``registration_number, name, employer,
employer_province, downloaded_on, usage_until, capped_by, status (in_use | expired |
unavailable), outdated, outdated_by, specialties, reason, days_left``. The window itself (R-6,
C-3.2, C-3.5) is the rule engine's; this module only sorts people into what they must do and
counts them. Never imports streamlit.

A person's certificate **needs attention** at T for one or more of these reasons:

* ``ended``: the usage window ended (status ``expired``, T > usage_until): download again;
* ``ending``: still in use and ends within N days (``0 <= days_left <= N``);
* ``outdated``: an approval after the download changed the certificate's data (C-3.5);
* ``unavailable``: the recorded download date cannot have given a certificate (``reason`` says
  why: before the region started, after the 65th birthday, no specialty valid that day): the
  roster's dates need checking. Counted and listed apart (last), not among the persons who must
  download again.

A person counts once in each reason that applies (an ended window can also be outdated) and once
in ``persons`` (ended, ending or outdated: ``any``). The people list holds those and then the
unavailable ones (``listed``).

``index(windows)`` turns the frame into codes once (status, days left, employer, province,
printed specialties); filters, flags and counts are then lookups and ``bincount`` over arrays,
and ``people`` takes only the rows it lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.admin import dashboard as dash
from core.admin.due import WITHIN_DAYS
from core.policy.data import POLICY, Policy
from core.policy.dates import within_days

__all__ = ["REASONS", "WindowIndex", "counts", "flags", "index", "people",
           "people_order", "window_mask"]

REASONS = ("ended", "ending", "outdated", "unavailable")
SEPARATOR = "、"
PEOPLE_COLUMNS = ("name", "registration_number", "employer", "employer_province",
                  "downloaded_on", "usage_until", "days_left", "status", "capped_by",
                  "outdated", "outdated_by", "specialties", "reason")
IN_USE, EXPIRED, UNAVAILABLE = 0, 1, 2
_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class WindowIndex:
    """``usage_windows``'s frame and its columns as codes (read-only; build with ``index``)."""

    windows: pd.DataFrame
    status: np.ndarray        # IN_USE, EXPIRED, UNAVAILABLE or -1
    days_left: np.ndarray     # float, NaN when there is no window
    outdated: np.ndarray      # bool
    until: np.ndarray         # int64 seconds, _NEVER when there is no window
    employer: np.ndarray      # codes into employers (-1: none)
    employers: np.ndarray
    province: np.ndarray      # codes into provinces (-1: none), short names
    provinces: np.ndarray
    printed: np.ndarray       # codes into printed (the joined printed specialties)
    printed_names: np.ndarray

    def __len__(self) -> int:
        return len(self.windows)


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(s.astype(object).where(s.notna(), None))
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def index(windows: pd.DataFrame, policy: Policy = POLICY) -> WindowIndex:
    """The codes of ``windows`` (once per windows frame)."""
    status = windows["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):
        names = [str(c) for c in status.cat.categories]
        codes = status.cat.codes.to_numpy(dtype=np.int64)
    else:
        codes_, uniques = pd.factorize(status.astype(object))
        names, codes = [str(u) for u in uniques], codes_.astype(np.int64)
    wanted = {"in_use": IN_USE, "expired": EXPIRED, "unavailable": UNAVAILABLE}
    lut = np.array([wanted.get(n, -1) for n in names] + [-1], dtype=np.int8)
    until = pd.to_datetime(windows["usage_until"]).to_numpy(dtype="datetime64[s]")
    short = dash.province_short(windows, policy)
    employer, employers = _codes(windows["employer"])
    printed, printed_names = _codes(windows["specialties"])
    return WindowIndex(
        windows=windows,
        status=lut[codes],
        days_left=pd.to_numeric(windows["days_left"], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan),
        outdated=windows["outdated"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        until=np.where(np.isnat(until), _NEVER, until.astype(np.int64)),
        employer=employer, employers=employers,
        province=short.cat.codes.to_numpy(dtype=np.int64),
        provinces=np.asarray(short.cat.categories, dtype=object),
        printed=printed, printed_names=printed_names,
    )


def _lookup(codes: np.ndarray, hits: np.ndarray) -> np.ndarray:
    return np.append(np.asarray(hits, dtype=bool), False)[codes]


def window_mask(w: WindowIndex, regimes=None, provinces=None, specialties=None,
                employer_query: str | None = None,
                policy: Policy = POLICY) -> np.ndarray | None:
    """The dashboard's filters applied to windows (None: every row kept). ``regimes`` and
    ``provinces`` follow the employer's province, ``employer_query`` is a plain-text,
    case-insensitive part of the employer, and ``specialties`` keeps a certificate that prints
    at least one of them (whole names)."""
    mask = np.ones(len(w), dtype=bool)
    if provinces:
        mask &= _lookup(w.province, np.isin(w.provinces, list(provinces)))
    if regimes:
        regime = [policy.province_by_name[p].regime if p in policy.province_by_name
                  else dash.UNKNOWN_REGIME for p in w.provinces]
        mask &= _lookup(w.province, np.isin(regime, list(regimes)))
    if specialties:
        pattern = re.compile("(?:^|" + SEPARATOR + ")(?:" + "|".join(map(re.escape, specialties))
                             + ")(?:" + SEPARATOR + "|$)")
        mask &= _lookup(w.printed, [bool(pattern.search(str(n))) for n in w.printed_names])
    query = (employer_query or "").strip().casefold()
    if query:
        mask &= _lookup(w.employer, [query in str(n).casefold() for n in w.employers])
    return None if mask.all() else mask


def flags(w: WindowIndex, within: int = WITHIN_DAYS,
          mask: np.ndarray | None = None) -> pd.DataFrame:
    """One bool column per reason (``REASONS``), ``any`` (ended, ending or outdated) and
    ``listed`` (``any`` or unavailable), one row per window (``mask``: others all False)."""
    keep = np.ones(len(w), dtype=bool) if mask is None else mask
    ending = (w.status == IN_USE) & within_days(w.days_left, 0, within)  # days left: T is day 0
    out = pd.DataFrame({
        "ended": (w.status == EXPIRED) & keep,
        "ending": ending & keep,
        "outdated": w.outdated & keep,
        "unavailable": (w.status == UNAVAILABLE) & keep,
    })
    out["any"] = out["ended"] | out["ending"] | out["outdated"]
    out["listed"] = out["any"] | out["unavailable"]
    return out


def counts(w: WindowIndex, flagged: pd.DataFrame, by: str) -> pd.DataFrame:
    """Persons per ``by`` (``"employer"`` or ``"province"``: the short name of
    ``employer_province``) in each reason, and ``persons`` (``any``); only groups with at least
    one listed, most persons first, then by name (rows without one last). Columns: the group,
    ``REASONS``, ``persons``."""
    if by == "province":
        codes, names = w.province, w.provinces
    elif by == "employer":
        codes, names = w.employer, w.employers
    else:
        raise ValueError(f"unknown grouping {by!r}")
    slot = np.where(codes >= 0, codes, len(names))  # the last slot: no group
    size = len(names) + 1
    columns = {r: np.bincount(slot[flagged[r].to_numpy(dtype=bool)], minlength=size)
               for r in (*REASONS, "any", "listed")}
    present = np.flatnonzero(columns["listed"])
    labels = np.append(names, None)[present]
    out = pd.DataFrame({by: labels, **{r: columns[r][present].astype(np.int64) for r in REASONS},
                        "persons": columns["any"][present].astype(np.int64)})
    missing = present == len(names)
    order = np.lexsort((np.array([str(x) for x in labels], dtype=object),
                        -out["persons"].to_numpy(), missing))
    return out.iloc[order].reset_index(drop=True)


def people_order(w: WindowIndex, flagged: pd.DataFrame) -> np.ndarray:
    """Positions of the listed windows: soonest ``usage_until`` first (ended windows before
    those still in use), unavailable ones (no window) last; ties in the roster's order."""
    rows = np.flatnonzero(flagged["listed"].to_numpy(dtype=bool))
    return rows[np.argsort(w.until[rows], kind="stable")]


def people(w: WindowIndex, positions: np.ndarray, limit: int | None = None) -> pd.DataFrame:
    """The windows at ``positions`` (from ``people_order``; the first ``limit``), in
    ``PEOPLE_COLUMNS``."""
    chosen = positions if limit is None else positions[:limit]
    cols = [c for c in PEOPLE_COLUMNS if c in w.windows.columns]
    return w.windows[cols].take(chosen).reset_index(drop=True)
