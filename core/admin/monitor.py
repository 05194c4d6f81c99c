"""Usage-window monitoring for employers (issue 14 item 2): certificates to download again.

Input: ``core.rules.roster.usage_windows(prepared, as_of)``, one row per person (registration
number) with a ``certificate_downloaded_on``: ``registration_number, name, employer,
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
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.admin import dashboard as dash
from core.policy.data import POLICY, Policy

__all__ = ["REASONS", "WITHIN_DAYS", "counts", "flags", "people", "window_mask"]

WITHIN_DAYS = 30
REASONS = ("ended", "ending", "outdated", "unavailable")
SEPARATOR = "、"
PEOPLE_COLUMNS = ("name", "registration_number", "employer", "employer_province",
                  "downloaded_on", "usage_until", "days_left", "status", "capped_by",
                  "outdated", "outdated_by", "specialties", "reason")


def _status(windows: pd.DataFrame, value: str) -> np.ndarray:
    s = windows["status"]
    if isinstance(s.dtype, pd.CategoricalDtype):  # compare codes, not a million strings
        if value not in s.cat.categories:
            return np.zeros(len(s), dtype=bool)
        return s.cat.codes.to_numpy() == s.cat.categories.get_loc(value)
    return pd.array(s == value, dtype="boolean").fillna(False).to_numpy(dtype=bool)


def flags(windows: pd.DataFrame, within: int = WITHIN_DAYS) -> pd.DataFrame:
    """One bool column per reason (``REASONS``), ``any`` (ended, ending or outdated) and
    ``listed`` (``any`` or unavailable), aligned with ``windows``."""
    days_left = pd.to_numeric(windows["days_left"], errors="coerce").to_numpy(dtype=float)
    in_use = _status(windows, "in_use")
    out = pd.DataFrame({
        "ended": _status(windows, "expired"),
        "ending": in_use & (days_left >= 0) & (days_left <= int(within)),
        "outdated": windows["outdated"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        "unavailable": _status(windows, "unavailable"),
    }, index=windows.index)
    out["any"] = out["ended"] | out["ending"] | out["outdated"]
    out["listed"] = out["any"] | out["unavailable"]
    return out


def window_mask(windows: pd.DataFrame, regimes=None, provinces=None, specialties=None,
                employer_query: str | None = None,
                policy: Policy = POLICY) -> np.ndarray | None:
    """The dashboard's filters applied to windows (None: every row kept). ``regimes`` and
    ``provinces`` follow the employer's province, ``employer_query`` is a plain-text,
    case-insensitive part of the employer, and ``specialties`` keeps a certificate that prints
    at least one of them."""
    mask = np.ones(len(windows), dtype=bool)
    if regimes or provinces:
        short = dash.province_short(windows, policy)
        if provinces:
            mask &= short.isin(list(provinces)).to_numpy(dtype=bool)
        if regimes:
            names = list(short.cat.categories)
            regime = [policy.province_by_name[p].regime if p in policy.province_by_name
                      else dash.UNKNOWN_REGIME for p in names]
            lut = np.append(np.isin(regime, list(regimes)), False)
            mask &= lut[short.cat.codes.to_numpy(dtype=np.int64)]
    if specialties:
        pattern = "(?:^|" + SEPARATOR + ")(?:" + "|".join(re.escape(s) for s in specialties) \
            + ")(?:" + SEPARATOR + "|$)"
        hit = windows["specialties"].astype("string").str.contains(pattern, regex=True, na=False)
        mask &= hit.to_numpy(dtype=bool)
    query = (employer_query or "").strip()
    if query:
        hit = windows["employer"].astype("string").str.contains(query, case=False, regex=False,
                                                                na=False)
        mask &= hit.to_numpy(dtype=bool)
    return None if mask.all() else mask


def counts(windows: pd.DataFrame, flagged: pd.DataFrame, by: str,
           policy: Policy = POLICY) -> pd.DataFrame:
    """Persons per ``by`` (``"employer"`` or ``"province"``: the short name of
    ``employer_province``) in each reason, and ``persons`` (any reason); only groups with at
    least one listed, most persons first, then by name. Columns: the group, ``REASONS``,
    ``persons``."""
    if by == "province":
        group = dash.province_short(windows, policy).astype(object)
        name = "province"
    elif by == "employer":
        group = windows["employer"].astype(object)
        name = "employer"
    else:
        raise ValueError(f"unknown grouping {by!r}")
    keep = flagged["listed"].to_numpy(dtype=bool)
    codes, uniques = pd.factorize(group[keep])
    columns = {}
    valid = codes >= 0
    for reason in (*REASONS, "any"):
        hit = flagged[reason].to_numpy(dtype=bool)[keep] & valid
        columns[reason] = np.bincount(codes[hit], minlength=len(uniques)).astype(np.int64)
    out = pd.DataFrame({name: [str(u) for u in uniques], **{r: columns[r] for r in REASONS},
                        "persons": columns["any"]})
    if valid.size and not valid.all():  # rows without an employer / province
        missing = {r: int(flagged[r].to_numpy(dtype=bool)[keep][~valid].sum()) for r in REASONS}
        persons = int(flagged["any"].to_numpy(dtype=bool)[keep][~valid].sum())
        extra = pd.DataFrame({name: [None], **{r: [v] for r, v in missing.items()},
                              "persons": [persons]})
        out = pd.concat([out, extra], ignore_index=True)
    order = np.lexsort((out[name].fillna("").astype(str).to_numpy(),
                        -out["persons"].to_numpy(dtype=np.int64)))
    return out.iloc[order].reset_index(drop=True)


def people(windows: pd.DataFrame, flagged: pd.DataFrame) -> pd.DataFrame:
    """The persons listed, with their window (``PEOPLE_COLUMNS``): soonest ``usage_until``
    first (ended windows before those still in use), unavailable ones (no window) last, then
    by name and registration number."""
    keep = flagged["listed"].to_numpy(dtype=bool)
    rows = windows[keep]
    cols = [c for c in PEOPLE_COLUMNS if c in rows.columns]
    until = pd.to_datetime(rows["usage_until"]).to_numpy(dtype="datetime64[s]")
    big = np.iinfo(np.int64).max
    key_until = np.where(np.isnat(until), big, until.astype(np.int64))
    order = np.lexsort((rows["registration_number"].astype(str).to_numpy(),
                        rows["name"].astype(str).to_numpy(), key_until))
    return rows[cols].iloc[order].reset_index(drop=True)
