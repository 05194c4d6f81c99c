"""The admin dashboard's numbers (issue 4), over an assessed roster: pure pandas/numpy.

Every function takes the output of ``core.assess_roster(df, as_of)`` (one row per registered
specialty, with ``regime``, ``status``, ``apply_by``, ``lapses_on``, ``error`` …) and, where
the question depends on it, the same ``as_of`` date ``T``. Nothing here recomputes a status or a
date: the rules live in core/rules/; this module only counts. ``prepare`` adds the helper columns
(``province_short``, ``person_id``) so that repeated filtering of a large roster does not fold
province names again; every function also works without them.

The admin page works on a narrow frame instead (``basis`` + ``compact``): ``basis(roster)`` is
what does not depend on the as-of date (province folded, person id, specialty and employer as
categoricals), computed once per snapshot; ``compact(assessed, basis)`` adds the assessment's
``status``, ``regime``, ``apply_by``, ``lapses_on`` (and its month), ``has_error`` and the
``row`` position in the assessed frame. Filtering and counting it touches a few numeric arrays
instead of a million-row frame of text; ``dashboard_tables.table_rows`` orders the table by
positions, and ``dashboard_tables.materialise`` takes only the rows shown or exported from the
full frame.

This module holds the definitions below, the helper columns (``prepare``, ``basis``,
``compact``), the filters and the headline counts; the charts' numbers are
``dashboard_charts``, the tables and exports ``dashboard_tables``.

Definitions (shown to users through the page's help texts):

* **province**: the short name of ``employer_province`` (full names folded, POLICY.md), exactly
  as ``core.lapse_counts`` reports it; an unknown name is kept as written (trimmed).
* **person**: one ``registration_number`` (a person holds one number for all their specialties).
* **actionable**: status ``valid``, ``apply_now`` or ``expired_not_lapsed``: the specialty is
  still alive and no renewal application is pending, so its dates are deadlines someone must
  meet. ``renewal_pending``, ``lapsed``, ``age_limit``, ``not_yet_valid``, ``not_covered`` and
  rows with an ``error`` are never "due".
* **due within N days**: an actionable row whose ``apply_by`` or ``lapses_on`` falls in
  ``T <= date <= T + N days``. The windows nest: due within 30 ⊆ 60 ⊆ 90.
* **the roster at T** (``core.rules.roster.roster_at``): what had happened by ``T`` (POLICY.md,
  Definitions: events dated after T are ignored). The engine already ignores later
  applications and approvals; a certificate download dated after ``T`` is blanked too, so that
  looking back in time does not turn later downloads into input errors.
* **deadline near** (``deadline_near``): R-5's ``renew_before_deadline``
  (``core.rules.specialty.application_action``): status ``valid``, the cycle renewable and
  ``apply_by − 90 days <= T <= apply_by`` (the window is ``POLICY.days("renewal_reminder")``).
  ``apply_now`` is the other side of that deadline: passed, the specialty not lapsed yet.
* **needs action** (export): rows with an ``error`` (fix the data), ``apply_now``,
  ``expired_not_lapsed`` (apply before the lapse date), and ``valid`` rows due within 90 days.

Never imports streamlit.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.policy.data import POLICY, Policy
from core.policy.dates import as_datetime64, month_numbers, within_days
from core.rules import specialty as rule
from core.rules.roster import fold_provinces
from core.rules.specialty import STATUSES

__all__ = [
    "ACTIONABLE", "DUE_WINDOWS", "NEEDS_ACTION_DAYS", "PROVINCE_COLUMN", "TABLE_VIEWS", "basis",
    "compact", "deadline_near_mask", "due_counts", "due_mask", "filter_rows", "headline",
    "prepare", "province_short", "text_basis", "with_person",
]

ACTIONABLE = ("valid", "apply_now", "expired_not_lapsed")
DUE_WINDOWS = (30, 60, 90)
NEEDS_ACTION_DAYS = 90
PROVINCE_COLUMN = "province_short"
PERSON_COLUMN = "person_id"
ROW_COLUMN = "row"
HAS_ERROR_COLUMN = "has_error"
LAPSES_MONTH_COLUMN = "lapses_month"
HELPER_COLUMNS = (PROVINCE_COLUMN, PERSON_COLUMN)
#: The columns of ``compact``: what the page's counts, charts and table order read.
COMPACT_COLUMNS = (PROVINCE_COLUMN, PERSON_COLUMN, "specialty", "employer", "status", "regime",
                   "apply_by", "lapses_on", LAPSES_MONTH_COLUMN, HAS_ERROR_COLUMN, ROW_COLUMN)
UNKNOWN_REGIME = "unknown"
# needs_action's action codes, in the order the export lists them.
ACTIONS = ("fix_data", "apply_now", "apply_before_lapse", "due_soon")
#: The table's views: rows to act on, the specialties whose deadline is near (R-5), all rows.
TABLE_VIEWS = ("needs_action", "deadline_near", "all")


# ------------------------------------------------------------------------------ helpers
def _dates(df: pd.DataFrame, column: str) -> np.ndarray:
    return df[column].to_numpy(dtype="datetime64[s]")


def _status_in(df: pd.DataFrame, statuses) -> np.ndarray:
    s = df["status"]
    if isinstance(s.dtype, pd.CategoricalDtype):  # a lookup on the codes (-1 -> False)
        lut = np.zeros(len(s.cat.categories) + 1, dtype=bool)
        for name in statuses:
            if name in s.cat.categories:
                lut[s.cat.categories.get_loc(name)] = True
        return lut[s.cat.codes.to_numpy(dtype=np.int64)]
    return s.isin(statuses).to_numpy(dtype=bool)


def _has_error(df: pd.DataFrame) -> np.ndarray:
    if HAS_ERROR_COLUMN in df.columns:
        return df[HAS_ERROR_COLUMN].to_numpy(dtype=bool)
    if "error" in df.columns:
        return df["error"].notna().to_numpy(dtype=bool)
    return np.zeros(len(df), dtype=bool)


def _categorical(s: pd.Series) -> pd.Series:
    """A text column as a categorical of its trimmed values (missing -> NaN)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s
    codes, uniques = pd.factorize(s.astype("string"))
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object)),
                     index=s.index, name=s.name)


def province_short(df: pd.DataFrame, policy: Policy = POLICY) -> pd.Series:
    """The short province name of every row (categorical), folded like ``core.lapse_counts``."""
    if PROVINCE_COLUMN in df.columns:
        return df[PROVINCE_COLUMN]
    codes, names = fold_provinces(df["employer_province"], policy)  # once per distinct cell
    categories = list(dict.fromkeys(names))
    position = {name: i for i, name in enumerate(categories)}
    lookup = np.array([position[name] for name in names] + [-1], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(lookup[codes], categories=categories),
                     index=df.index, name=PROVINCE_COLUMN)


def person_ids(df: pd.DataFrame) -> np.ndarray:
    """An int64 code per distinct ``registration_number`` (-1 when missing)."""
    if PERSON_COLUMN in df.columns:
        return df[PERSON_COLUMN].to_numpy(dtype=np.int64)
    codes, _ = pd.factorize(df["registration_number"].astype("string").str.strip())
    return codes.astype(np.int64)


def prepare(assessed: pd.DataFrame, policy: Policy = POLICY) -> pd.DataFrame:
    """``assessed`` plus the helper columns ``province_short`` and ``person_id`` (a shallow
    copy; cache it: filters and counts on it then skip folding names and numbers again)."""
    out = assessed.copy(deep=False)
    out[PROVINCE_COLUMN] = province_short(assessed, policy)
    out[PERSON_COLUMN] = person_ids(assessed)
    return out


def basis(roster: pd.DataFrame, policy: Policy = POLICY,
          person: np.ndarray | None = None) -> pd.DataFrame:
    """What the page's counts need that does not depend on the as-of date, once per snapshot:
    ``province_short``, ``person_id`` (``person``: ids already made, e.g. by
    ``prepare_roster``), and ``specialty`` and ``employer`` as categoricals."""
    return with_person(text_basis(roster, policy),
                       person_ids(roster) if person is None else person)


def text_basis(roster: pd.DataFrame, policy: Policy = POLICY) -> pd.DataFrame:
    """``basis`` without ``person_id``: needs only the roster's text columns, so it can be made
    beside ``prepare_roster`` (which makes the person ids)."""
    def text(column: str) -> pd.Series:
        if column in roster:
            return _categorical(roster[column])
        return pd.Series(pd.Categorical.from_codes(np.full(len(roster), -1), categories=[]),
                         index=roster.index)

    return pd.DataFrame({
        PROVINCE_COLUMN: province_short(roster, policy),
        "specialty": text("specialty"),
        "employer": text("employer"),
    }, index=roster.index)


def with_person(text_frame: pd.DataFrame, person: np.ndarray) -> pd.DataFrame:
    """``text_basis`` plus the ``person_id`` column: ``basis``."""
    out = text_frame.copy(deep=False)
    out.insert(1, PERSON_COLUMN, np.asarray(person, np.int64))
    return out


def compact(assessed: pd.DataFrame, basis_frame: pd.DataFrame) -> pd.DataFrame:
    """The narrow frame of the page (``COMPACT_COLUMNS``): ``basis_frame`` (of the roster
    ``assessed`` was made from, same rows) plus the assessment's columns and ``row``, the
    position of each row in ``assessed``."""
    if len(basis_frame) != len(assessed):
        raise ValueError("basis and assessment differ in length")
    out = {c: basis_frame[c].to_numpy() if c == PERSON_COLUMN else basis_frame[c].array
           for c in basis_frame.columns}
    out.update({
        "status": assessed["status"].array,
        "regime": assessed["regime"].array,
        "apply_by": assessed["apply_by"].to_numpy(dtype="datetime64[s]"),
        "lapses_on": assessed["lapses_on"].to_numpy(dtype="datetime64[s]"),
        LAPSES_MONTH_COLUMN: _months(assessed),
        HAS_ERROR_COLUMN: _has_error(assessed),
        ROW_COLUMN: np.arange(len(assessed), dtype=np.int64),
    })
    return pd.DataFrame(out, copy=False)


def _count_distinct(ids: np.ndarray) -> int:
    """How many distinct non-negative codes (codes are dense, from ``pd.factorize``)."""
    ids = ids[ids >= 0]
    return int(np.count_nonzero(np.bincount(ids))) if len(ids) else 0


def _distinct(*codes: np.ndarray) -> np.ndarray:
    """Rows that are the first of their combination of integer codes."""
    frame = pd.DataFrame({f"k{i}": c for i, c in enumerate(codes)})
    return ~frame.duplicated().to_numpy()


def _regime_of(province: str, policy: Policy) -> str:
    p = policy.province_by_name.get(province)
    return p.regime if p is not None else UNKNOWN_REGIME


def _province_en(province: str, policy: Policy) -> str:
    p = policy.province_by_name.get(province)
    return p.en if p is not None else province


def _with_province_info(out: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    provinces = out["province"].astype(str)
    out.insert(1, "province_en", [_province_en(p, policy) for p in provinces])
    out.insert(2, "regime", [_regime_of(p, policy) for p in provinces])
    return out


def _order_by_total(out: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """Provinces by their total ``value``, largest first, then by name; rows keep that order."""
    totals = out.groupby("province", sort=False, observed=True)[value].sum()
    order = sorted(totals.index, key=lambda p: (-int(totals[p]), str(p)))
    rank = {p: i for i, p in enumerate(order)}
    keys = [c for c in ("specialty", "kind") if c in out.columns]
    out = out.assign(_rank=out["province"].map(rank).astype(int))
    return out.sort_values(["_rank", *keys], kind="stable").drop(columns="_rank").reset_index(
        drop=True)


NO_MONTH = np.iinfo(np.int64).min


def _months(assessed: pd.DataFrame) -> np.ndarray:
    """Month of ``lapses_on`` (months since 1970-01; ``NO_MONTH`` when missing)."""
    if LAPSES_MONTH_COLUMN in assessed.columns:
        return assessed[LAPSES_MONTH_COLUMN].to_numpy(dtype=np.int64)
    lapses_on = _dates(assessed, "lapses_on")
    missing = np.isnat(lapses_on)
    days = lapses_on.view(np.int64) // 86400
    days[missing] = 0
    months = month_numbers(days)
    months[missing] = NO_MONTH
    return months


# ------------------------------------------------------------------------------ filters
def filter_rows(assessed: pd.DataFrame, regimes=None, provinces=None, specialties=None,
                employer_query: str | None = None, policy: Policy = POLICY) -> pd.DataFrame:
    """The rows matching every given filter; an empty or None filter matches everything.

    ``regimes``: regime codes (rows with an error have no regime and drop out once this filter
    is set); ``provinces``: short names; ``specialties``: specialty names; ``employer_query``:
    case-insensitive substring of ``employer`` (plain text, not a pattern).
    """
    mask = filter_mask(assessed, regimes, provinces, specialties, employer_query, policy)
    return assessed if mask is None else assessed[mask]


def _in(s: pd.Series, values) -> np.ndarray:
    """``s.isin(values)`` as a bool array; on a categorical, a lookup on its codes."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        lut = np.append(s.cat.categories.isin(list(values)), False)
        return lut[s.cat.codes.to_numpy(dtype=np.int64)]
    return s.isin(list(values)).fillna(False).to_numpy(dtype=bool)


def filter_mask(assessed: pd.DataFrame, regimes=None, provinces=None, specialties=None,
                employer_query: str | None = None,
                policy: Policy = POLICY) -> np.ndarray | None:
    """The rows ``filter_rows`` keeps, as a bool array; None when every row is kept."""
    mask = np.ones(len(assessed), dtype=bool)
    if regimes:
        mask &= _in(assessed["regime"], regimes)
    if provinces:
        mask &= _in(province_short(assessed, policy), provinces)
    if specialties:
        mask &= _in(assessed["specialty"], specialties)
    query = (employer_query or "").strip()
    if query:
        employer = assessed["employer"]
        if isinstance(employer.dtype, pd.CategoricalDtype):  # search each employer once
            names = pd.Series(employer.cat.categories, dtype="string")
            hit = names.str.contains(query, case=False, regex=False, na=False)
            lut = np.append(hit.to_numpy(dtype=bool), False)
            mask &= lut[employer.cat.codes.to_numpy(dtype=np.int64)]
        else:
            hit = employer.astype("string").str.contains(query, case=False, regex=False,
                                                         na=False)
            mask &= hit.to_numpy(dtype=bool)
    return None if mask.all() else mask


# ------------------------------------------------------------------------------ headline
def due_mask(assessed: pd.DataFrame, as_of: date, days: int) -> np.ndarray:
    """Actionable rows whose ``apply_by`` or ``lapses_on`` lies in ``[T, T + days]``."""
    apply_by, lapses_on = _dates(assessed, "apply_by"), _dates(assessed, "lapses_on")
    within = within_days(apply_by, as_of, days) | within_days(lapses_on, as_of, days)
    return _status_in(assessed, ACTIONABLE) & within  # NaT is never within


def _status_codes(df: pd.DataFrame) -> np.ndarray:
    """Each row's status as its position in ``STATUSES`` (-1 when missing): the codes of
    ``core.rules.specialty.STATUS``."""
    s = df["status"]
    if isinstance(s.dtype, pd.CategoricalDtype):
        lut = np.array([STATUSES.index(c) if c in STATUSES else -1 for c in s.cat.categories]
                       + [-1], dtype=np.int64)
        return lut[s.cat.codes.to_numpy(dtype=np.int64)]
    position = {name: i for i, name in enumerate(STATUSES)}
    return np.array([position.get(v, -1) for v in s.astype(object)], dtype=np.int64)


def deadline_near_mask(assessed: pd.DataFrame, as_of: date,
                       policy: Policy = POLICY) -> np.ndarray:
    """Rows whose renewal deadline is near: R-5's ``renew_before_deadline``
    (``core.rules.specialty.application_action``, not a second copy of the rule) over the
    assessment's ``status`` and ``apply_by`` (set only where the cycle is renewable)."""
    apply_by = _dates(assessed, "apply_by").astype("datetime64[D]")
    renewable = ~np.isnat(apply_by)
    days = np.where(renewable, apply_by.view(np.int64), 0)
    t = np.datetime64(as_of, "D").astype(np.int64)
    action = rule.application_action(_status_codes(assessed), renewable, days, t, policy)
    return np.asarray(action) == rule.RENEW_BEFORE_DEADLINE


def headline(assessed: pd.DataFrame, as_of: date) -> dict[str, int]:
    """The headline figures: ``registrations`` (rows), ``persons`` (distinct registration
    numbers), one count per status (``lapsed``, ``expired_not_lapsed``, ``apply_now``,
    ``renewal_pending``, ``valid``, ``age_limit``, ``not_yet_valid``, ``not_covered``),
    ``due_30``/``due_60``/``due_90``, ``deadline_near`` (see the module doc) and ``errors``
    (rows with an error)."""
    by_status = assessed["status"].value_counts(dropna=True)
    out = {
        "registrations": int(len(assessed)),
        "persons": _count_distinct(person_ids(assessed)),
    }
    for s in ("lapsed", "expired_not_lapsed", "apply_now", "renewal_pending", "valid",
              "age_limit", "not_yet_valid", "not_covered"):
        out[s] = int(by_status.get(s, 0))
    out.update({f"due_{n}": c for n, c in due_counts(assessed, as_of, DUE_WINDOWS).items()})
    out["deadline_near"] = int(np.count_nonzero(deadline_near_mask(assessed, as_of)))
    out["errors"] = int(_has_error(assessed).sum())
    return out


def due_counts(assessed: pd.DataFrame, as_of: date, windows=DUE_WINDOWS) -> dict[int, int]:
    """``int(due_mask(assessed, as_of, n).sum())`` for every ``n`` of ``windows``, in one pass:
    a row is due within n days exactly when the first of its ``apply_by`` and ``lapses_on`` that
    falls on or after T falls on or before T + n."""
    t = as_datetime64(as_of)
    first = np.full(len(assessed), np.datetime64("NaT"), dtype="datetime64[s]")
    for column in ("apply_by", "lapses_on"):
        d = _dates(assessed, column)
        sooner = (d >= t) & (np.isnat(first) | (d < first))  # NaT is never on or after T
        first = np.where(sooner, d, first)
    first[~_status_in(assessed, ACTIONABLE)] = np.datetime64("NaT")
    return {n: int(np.count_nonzero(within_days(first, as_of, n))) for n in windows}
