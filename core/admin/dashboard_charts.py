"""The admin dashboard's charts' numbers (issue 4), over an assessed roster (the definitions are
core/admin/dashboard.py's): chart 1 lapses per province (``lapse_by_province``, equal to
``core.lapse_counts``), chart 2 lapses per month with the notice's markers
(``lapses_by_month``, ``notice_markers``), chart 3 what falls due per province
(``upcoming_by_province``). Pure pandas/numpy; never imports streamlit.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.admin.dashboard import (
    ACTIONABLE,
    NO_MONTH,
    _dates,
    _distinct,
    _months,
    _order_by_total,
    _status_in,
    _with_province_info,
    person_ids,
    province_short,
)
from core.policy.data import POLICY, Policy
from core.policy.dates import within_days

__all__ = ["lapse_by_province", "lapses_by_month", "notice_markers", "upcoming_by_province"]


# ------------------------------------------------------------------------------ chart 1
def lapse_by_province(assessed: pd.DataFrame, as_of: date, by_specialty: bool = False,
                      distinct_persons: bool = False, policy: Policy = POLICY) -> pd.DataFrame:
    """Chart 1: lapsed registrations (or persons) per province, largest first.

    Columns ``province, province_en, regime, [specialty,] count``. Without ``by_specialty``
    there is one row per province named in ``assessed`` (0 included), and with
    ``distinct_persons`` false the counts are exactly ``core.lapse_counts(assessed, as_of)``.
    ``distinct_persons`` counts registration numbers with at least one lapsed row (per province,
    or per province and specialty). ``by_specialty`` gives one row per province and specialty
    with a count above 0; provinces keep the order of their totals. ``as_of`` must be the date
    ``assessed`` was assessed at (statuses already depend on it).
    """
    prov = province_short(assessed, policy)
    lapsed = _status_in(assessed, ["lapsed"])
    pcode = prov.cat.codes.to_numpy(dtype=np.int64)
    categories = prov.cat.categories
    named = pcode >= 0
    present = np.flatnonzero(np.bincount(pcode[named], minlength=len(categories)))
    if by_specialty:
        spec = assessed["specialty"]
        if isinstance(spec.dtype, pd.CategoricalDtype):
            scode, snames = spec.cat.codes.to_numpy(dtype=np.int64), spec.cat.categories
        else:
            scode, snames = pd.factorize(spec.astype("string"))
            scode = scode.astype(np.int64)
    keep = lapsed & (pcode >= 0)
    if by_specialty:
        keep &= scode >= 0
    if distinct_persons:
        person = person_ids(assessed)
        keep &= person >= 0
        parts = [pcode[keep], person[keep]] + ([scode[keep]] if by_specialty else [])
        first = _distinct(*parts)
    else:
        first = np.ones(int(keep.sum()), dtype=bool)
    if not by_specialty:
        counts = np.bincount(pcode[keep][first], minlength=len(categories))[present]
        out = pd.DataFrame({"province": [str(categories[i]) for i in present],
                            "count": counts.astype("int64")})
    else:
        n_spec = max(len(snames), 1)
        combo = pcode[keep][first] * n_spec + scode[keep][first]
        keys, counts = np.unique(combo, return_counts=True)
        out = pd.DataFrame({"province": [str(categories[k // n_spec]) for k in keys],
                            "specialty": [str(snames[k % n_spec]) for k in keys],
                            "count": counts.astype("int64")})
    out = _with_province_info(out, policy)
    if out.empty:
        return out
    return _order_by_total(out)


# ------------------------------------------------------------------------------ chart 2
def lapses_by_month(assessed: pd.DataFrame) -> pd.DataFrame:
    """Chart 2: rows by month of ``lapses_on``, regime and kind.

    ``kind`` is ``lapsed`` (status lapsed: the lapse happened by T) or ``scheduled`` (an
    actionable row: it lapses on that day unless a renewal application comes first). Columns
    ``month`` (first day, datetime64), ``regime``, ``kind``, ``count``; months ascending.
    """
    lapsed = _status_in(assessed, ["lapsed"])
    scheduled = _status_in(assessed, ACTIONABLE)
    month_all = _months(assessed)
    regime = assessed["regime"].cat.codes.to_numpy(dtype=np.int64)
    keep = (lapsed | scheduled) & (month_all != NO_MONTH) & (regime >= 0)
    if not keep.any():
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[s]"),
                             "regime": pd.Series(dtype=str), "kind": pd.Series(dtype=str),
                             "count": pd.Series(dtype="int64")})
    month = month_all[keep]
    m0 = int(month.min())
    n_reg = len(assessed["regime"].cat.categories)
    key = ((month - m0) * n_reg + regime[keep]) * 2 + lapsed[keep]
    counts = np.bincount(key)
    keys = np.flatnonzero(counts)
    names = np.asarray(assessed["regime"].cat.categories, dtype=object)
    out = pd.DataFrame({
        "month": (keys // 2 // n_reg + m0).astype("datetime64[M]").astype("datetime64[s]"),
        "regime": names[(keys // 2) % n_reg].astype(str),
        "kind": np.where(keys % 2 == 1, "lapsed", "scheduled"),
        "count": counts[keys].astype("int64"),
    })
    return out.sort_values(["month", "kind", "regime"]).reset_index(drop=True)


def notice_markers(policy: Policy = POLICY) -> pd.DataFrame:
    """The notice's dates (``POLICY.dates``) for chart 2, one row per distinct day.

    Columns ``date`` (datetime64), ``keys`` (the policy.toml names), ``clauses`` (C-… ids,
    "C-2.1.1 C-2.1.2"), ``zh`` and ``en`` (the dated entries' own texts joined by "；" / "; ").
    """
    rows: dict[date, dict] = {}
    for key, dated in policy.dates.items():
        row = rows.setdefault(dated.value, {"keys": [], "clauses": [], "zh": [], "en": []})
        row["keys"].append(key)
        if dated.clause and dated.clause not in row["clauses"]:
            row["clauses"].append(dated.clause)
        row["zh"].append(dated.zh)
        row["en"].append(dated.en)
    days = sorted(rows)
    return pd.DataFrame({
        "date": pd.to_datetime(days).astype("datetime64[s]"),
        "keys": [" ".join(rows[d]["keys"]) for d in days],
        "clauses": [" ".join(sorted(rows[d]["clauses"])) for d in days],
        "zh": ["；".join(rows[d]["zh"]) for d in days],
        "en": ["; ".join(rows[d]["en"]) for d in days],
    })


# ------------------------------------------------------------------------------ chart 3
def upcoming_by_province(assessed: pd.DataFrame, as_of: date, days: int,
                         policy: Policy = POLICY) -> pd.DataFrame:
    """Chart 3: actionable rows whose ``apply_by`` / ``lapses_on`` falls in ``[T, T + days]``.

    Columns ``province, province_en, regime, kind`` (``apply_by`` or ``lapses_on``; a row with
    both dates in the window counts once in each), ``count`` (> 0 only); provinces by total.
    """
    act = _status_in(assessed, ACTIONABLE)
    prov = province_short(assessed, policy)
    pcode = prov.cat.codes.to_numpy(dtype=np.int64)
    categories = prov.cat.categories
    parts = []
    for kind in ("apply_by", "lapses_on"):
        d = _dates(assessed, kind)
        hit = act & within_days(d, as_of, days) & (pcode >= 0)
        if hit.any():
            counts = np.bincount(pcode[hit], minlength=len(categories))
            nz = np.flatnonzero(counts)
            parts.append(pd.DataFrame({"province": [str(categories[i]) for i in nz],
                                       "kind": kind, "count": counts[nz].astype("int64")}))
    if not parts:
        out = pd.DataFrame({"province": pd.Series(dtype=str), "kind": pd.Series(dtype=str),
                            "count": pd.Series(dtype="int64")})
        return _with_province_info(out, policy)
    out = _with_province_info(pd.concat(parts, ignore_index=True), policy)
    return _order_by_total(out)
