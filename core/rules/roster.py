"""A whole roster through the same rule functions as one profile (numpy over day numbers).

``prepare_roster(df)`` does, once per roster, everything that does not depend on the as-of date:
the text and number checks, province folding, person ids, day numbers and the date checks that
do not need T. ``assess_prepared(prepared, as_of)`` then runs only the date rules (R-1 … R-4 of
``core.rules.specialty``) and the two checks against T; ``assess_roster(df, as_of)`` is the two
in a row (CONTRACT.md); ``assess_with_problems`` gives the rows' problems as data too;
``lapse_counts`` the lapsed rows per province. R-6 per person (``usage_windows``) is
core/rules/roster_windows.py. tests/test_rules_roster.py proves, with hypothesis, that every
row gets the answer ``assess`` gives a one-specialty profile made of it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from core.messages.problems import ProblemTable
from core.policy.data import POLICY, Policy
from core.policy.dates import day_number
from core.rules import specialty as rule
from core.rules.date_checks import DateField, check_dates, check_dates_at
from core.rules.problem_masks import Problems
from core.rules.text_checks import (
    NO_TABLE,
    SPECIALTY,
    TEXT_TABLE,
    check_flags,
    check_text,
    flag_texts,
    lookups,
    report_text,
)
from core.schema.roster import (
    DATE_COLUMNS,
    ERROR_COLUMN,
    FLAG_COLUMN,
    REGIMES,
    TEXT_COLUMNS,
    TEXT_LIMITS,
    THREADED_ROWS,
    THREADS,
)

__all__ = ["PreparedRoster", "assess_prepared", "assess_roster", "assess_with_problems",
           "fold_provinces", "lapse_counts", "later_downloads", "prepare_roster", "problems_at",
           "roster_at", "seen_at"]


def add_problems(table: ProblemTable, problems: Problems, texts, dates,
                 derived) -> ProblemTable:
    """``table`` with each problem of ``problems`` added to its rows, as data (the ``error``
    text is rendered from it at the edge, ``ProblemTable.arrow``)."""
    for _, idx, new, parts in problems.render(texts, dates, derived):
        table = table.append(idx, new, parts)
    return table


@dataclass
class PreparedRoster:
    """A roster after the work that does not depend on the as-of date."""

    frame: pd.DataFrame             # the input, unchanged
    policy: Policy
    regime: np.ndarray              # int8 code per row (NOT_COVERED where unknown)
    province: np.ndarray            # province short name per row (object; None when unknown)
    specialty: np.ndarray           # index into policy.specialties per row (-1 when unknown)
    dates: dict[str, DateField]
    age65: np.ndarray
    adult: np.ndarray
    ce_done: np.ndarray
    bad: np.ndarray                 # rows with a problem found before T
    messages: ProblemTable          # their problems (the ``error`` texts at the edge)
    texts: dict[str, pa.Array | pa.ChunkedArray]  # checked text columns (trimmed)
    # made on first use and shared with the copies of seen_at (the date rules need none of it)
    _later: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def record(self) -> rule.Record:
        """Every row's dates on record, as the rules take them."""
        d = self.dates
        a, p = d["renewal_applied_on"], d["renewal_approved_on"]
        return rule.Record(d["valid_from"].days, d["valid_until"].days, a.days, a.present,
                           p.days, p.present)

    @property
    def holder(self) -> rule.Holder:
        """Every row's holder, as the rules take it: the regime and the 65th birthday."""
        return rule.Holder(self.regime, self.age65)

    @property
    def given(self) -> rule.Given:
        """What R-1, R-3 and R-2 decide on every row without the as-of date
        (``core.rules.specialty.given_cycle``): worked out on first use, once per roster, so a
        new as-of date runs only what depends on it (issue 11 item 3)."""
        got = self._later.get("given")
        if got is None:
            got = rule.given_cycle(self.record, self.holder, self.policy)
            self._later["given"] = got
        return got

    @property
    def person(self) -> np.ndarray:
        """A person id per row: equal registration numbers, equal ids; -1 where missing."""
        got = self._later.get("person")
        if got is None:
            numbers = self.texts["registration_number"]
            got, _ = pd.factorize(numbers.to_pandas(types_mapper=pd.ArrowDtype)
                                  if len(numbers) else pd.Series([], dtype=object))
            self._later["person"] = got
        return got


def arrow_strings(s: pd.Series | None, n: int,
                  whole: bool = True) -> pa.Array | pa.ChunkedArray:
    """A text column as one arrow string array (all missing when the column is absent); with
    ``whole=False`` as the chunks it already is (a file's reader makes one per block: putting
    them together copies the column)."""
    if s is None:
        return pa.nulls(n, pa.large_string())
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        s = s.astype("string[pyarrow]")
    arr = s.array._pa_array
    if whole or arr.num_chunks == 0:
        arr = arr.combine_chunks()
    elif arr.num_chunks == 1:
        arr = arr.chunk(0)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return arr


def day_field(s: pd.Series | None, n: int) -> DateField:
    """A date column (datetime64 or ISO text) as day numbers and a present mask."""
    if s is None:
        return DateField(np.zeros(n, np.int64), np.zeros(n, bool))
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, errors="coerce", format="ISO8601")
    present = s.notna().to_numpy()
    days = s.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("1970-01-01")).astype(np.int64)
    return DateField(days, present)


def prepare_roster(df: pd.DataFrame, policy: Policy = POLICY,
                   prior: ProblemTable | None = None) -> PreparedRoster:
    """Everything of ``assess_roster`` that does not depend on the as-of date, done once.

    ``df`` has the canonical roster columns (core/roster/io.py); date columns datetime64 (or ISO
    text), the flag boolean (or yes/no text). ``prior``: the problems found while reading the
    file (``Roster.problems``), kept and extended; without it, an ``error`` column of ``df`` is
    kept (as text) and extended.
    """
    n = len(df)
    before = prior if prior is not None else _prior_texts(df)
    col = df.get
    problems = Problems()
    lk = lookups(policy)
    texts: dict[str, pa.Array | pa.ChunkedArray] = {}
    ok: dict[str, np.ndarray] = {}
    pos: dict[str, np.ndarray] = {}

    def check(c: str):  # a column with a table is looked up by Arrow, chunk by chunk
        table = TEXT_TABLE.get(c, NO_TABLE)
        return check_text(arrow_strings(col(c), n, whole=table == NO_TABLE), TEXT_LIMITS[c],
                          table, policy)

    def check_all_dates():
        dates = {c: day_field(col(c), n) for c in DATE_COLUMNS}
        found = Problems()
        unparsed = {c: before.rows_with(c, "invalid_date") for c in DATE_COLUMNS}
        derived = check_dates(found, dates, policy, unparsed)
        return dates, derived, found

    if n >= THREADED_ROWS:  # Arrow and numpy let go of the GIL: the columns side by side
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            dated = pool.submit(check_all_dates)
            checks = dict(zip(TEXT_COLUMNS, pool.map(check, TEXT_COLUMNS), strict=True))
            dates, derived, date_problems = dated.result()
    else:
        checks = {c: check(c) for c in TEXT_COLUMNS}
        dates, derived, date_problems = check_all_dates()
    for c in TEXT_COLUMNS:  # reported in column order: the error texts keep their order
        checked = checks[c]
        texts[c] = checked.arrow
        ok[c] = report_text(problems, c, checked)
        pos[c] = checked.pos
    flag = col(FLAG_COLUMN)
    if flag is None:
        ce = np.zeros(n, dtype=bool)
    elif pd.api.types.is_bool_dtype(flag.dtype):
        ce = flag.fillna(False).to_numpy(dtype=bool)
    else:
        ce, _ = check_flags(problems, flag.to_numpy(dtype=object))
        texts[FLAG_COLUMN] = flag_texts(flag.to_numpy(dtype=object))

    problems.items.extend(date_problems.items)  # after the text and flag problems

    specialty = np.where(ok["specialty"], pos["specialty"] - _specialty_offset(lk), -1)
    p = pos["employer_province"]
    known = ok["employer_province"]
    regime = np.where(known, lk.province_regime[np.where(known, p, 0)], rule.NOT_COVERED)
    province = np.where(known, lk.province_short[np.where(known, p, 0)], None)
    messages = add_problems(before, problems, texts, dates, derived)
    bad = problems.any_rows(n) | before.bad
    return PreparedRoster(df, policy, regime.astype(np.int8), province,
                          specialty.astype(np.int16), dates,
                          derived["age65"], derived["adult"], ce, bad, messages, texts)


# ------------------------------------------------------------------------------ the roster at T
def _downloads_after(roster: pd.DataFrame, as_of: date) -> tuple[pd.Series, np.ndarray] | None:
    """The roster's download dates and where they fall after ``as_of`` (None: no such column)."""
    column = "certificate_downloaded_on"
    if column not in roster.columns:
        return None
    downloaded = pd.to_datetime(roster[column], errors="coerce")
    return downloaded, (downloaded > pd.Timestamp(as_of)).to_numpy(dtype=bool)


def later_downloads(roster: pd.DataFrame, as_of: date) -> bool:
    """Whether ``roster`` holds a certificate download dated after ``as_of`` (then
    ``roster_at`` changes it)."""
    found = _downloads_after(roster, as_of)
    return found is not None and bool(found[1].any())


def roster_at(roster: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The roster as it stood at ``as_of`` (POLICY.md, Definitions: what happened after T is not
    known at T): certificate download dates after it blanked. ``seen_at`` is the same view of a
    prepared roster. (Later applications and approvals need no such view: the rules only count
    those dated on or before T.)"""
    found = _downloads_after(roster, as_of)
    if found is None or not found[1].any():
        return roster
    downloaded, later = found
    out = roster.copy(deep=False)
    out["certificate_downloaded_on"] = downloaded.mask(later)
    return out


def seen_at(prep: PreparedRoster, as_of: date) -> PreparedRoster:
    """``roster_at`` for a prepared roster: download dates after ``as_of`` count as absent.
    Costs one pass over one column, not a new ``prepare_roster``. ``person_windows`` applies it
    itself: a later download is never an error (issue 23), for a roster as for a profile."""
    d = prep.dates["certificate_downloaded_on"]
    later = d.present & (d.days > day_number(as_of))
    if not later.any():
        return prep
    dates = {**prep.dates, "certificate_downloaded_on": DateField(d.days, d.present & ~later)}
    return replace(prep, dates=dates)


def assess_prepared(prep: PreparedRoster, as_of: date) -> pd.DataFrame:
    """``assess_roster``'s answer at ``as_of`` from a prepared roster: only the date rules run."""
    return assess_with_problems(prep, as_of)[0]


def problems_at(prep: PreparedRoster, t: int) -> Problems:
    """The problems that depend on the as-of date (day number ``t``): the date checks against
    T (core.rules.date_checks.check_dates_at)."""
    late = Problems()
    check_dates_at(late, prep.dates, prep.adult, t, prep.policy)
    return late


def assess_with_problems(prep: PreparedRoster, as_of: date) -> tuple[pd.DataFrame, ProblemTable]:
    """``assess_prepared``'s answer and every row's problems as data (the import's validation
    report reads them; the ``error`` column is their text)."""
    n, t, policy = len(prep), day_number(as_of), prep.policy
    d = prep.dates
    late_problems = problems_at(prep, t)
    bad, messages = prep.bad, prep.messages
    if late_problems.items:
        bad = bad | late_problems.any_rows(n)
        messages = add_problems(messages, late_problems, prep.texts, d,
                                {"age65": prep.age65, "adult": prep.adult})
    F, E = d["valid_from"], d["valid_until"]
    A = d["renewal_applied_on"]
    cyc = rule.current_cycle(prep.record, prep.holder, t, policy, given=prep.given)
    status, late, _, _, _ = rule.status_at(cyc, A.days, A.present, prep.age65, t)
    covered = prep.regime != rule.NOT_COVERED
    status = np.where(covered, status, rule.STATUS["not_covered"])

    good = ~bad
    cov = good & covered
    out = prep.frame.copy(deep=False)
    out["regime"] = pd.Categorical.from_codes(np.where(good, prep.regime, -1),
                                              categories=list(REGIMES))
    out["status"] = pd.Categorical.from_codes(np.where(good, status, -1),
                                              categories=list(rule.STATUSES))
    out["renewed"] = _bools(cyc.renewed & covered, good)
    out["current_valid_from"] = _dates(np.where(cov, cyc.valid_from, F.days), good)
    out["current_valid_until"] = _dates(np.where(cov, cyc.valid_until, E.days), good)
    out["apply_by"] = _dates(cyc.apply_by, cov & cyc.renewable)
    out["lapses_on"] = _dates(cyc.lapses_on, cov)
    out["capped_at_65"] = _bools(cyc.capped_at_65 & covered, good)
    out["late_application"] = _bools(late & covered, good)
    out[ERROR_COLUMN] = pd.arrays.ArrowStringArray(messages.arrow())
    return out, messages


def assess_roster(df: pd.DataFrame, as_of: date, policy: Policy = POLICY, *,
                  prior: ProblemTable | None = None) -> pd.DataFrame:
    """CONTRACT.md: the same per-row answers as ``assess`` on a one-specialty profile, vectorised.
    Returns ``df``'s columns plus schema.OUTPUT_COLUMNS, same index. ``prior``: the problems
    found while reading the file (``Roster.problems``)."""
    return assess_prepared(prepare_roster(df, policy.in_force(as_of), prior), as_of)


def fold_provinces(cells: pd.Series, policy: Policy = POLICY) -> tuple[np.ndarray, list[str]]:
    """An ``employer_province`` column folded to short names, once per distinct cell: each
    row's code (-1 where empty) into ``names``, each distinct cell trimmed and, when it names a
    province (short or full name), that province's short name; any other text as written."""
    codes, uniques = pd.factorize(cells.astype("string"))
    names = [policy.province_by_name[p].short if p in policy.province_by_name else p
             for p in (str(u).strip() for u in uniques)]
    return codes, names


def lapse_counts(df: pd.DataFrame, as_of: date, policy: Policy = POLICY) -> pd.Series:
    """CONTRACT.md: every employer_province of the roster -> rows whose status is ``lapsed``.

    Provinces are reported by short name (full names are folded into it); a province that no
    row names is absent, one with no lapsed row is 0. Accepts a roster or an assessed roster.
    """
    assessed = df if "status" in df.columns else assess_roster(df, as_of, policy)
    codes, names = fold_provinces(assessed["employer_province"], policy)
    short = pd.Series(np.array([*names, None], dtype=object)[codes], index=assessed.index)
    lapsed = (assessed["status"] == "lapsed").fillna(False)
    counts = lapsed.groupby(short, dropna=True).sum().astype("int64")
    counts.index.name = "employer_province"
    counts.name = "lapsed"
    return counts.sort_index()


# ------------------------------------------------------------------------------------ helpers
def _bools(values: np.ndarray, known: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~known)


_NAT = np.datetime64("NaT").astype(np.int64)


def _dates(days: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Day numbers as datetime64[s] (NaT where not ``present``), in one pass."""
    seconds = np.asarray(days, dtype=np.int64) * 86400
    return np.where(present, seconds, _NAT).view("datetime64[s]")


def _specialty_offset(lk) -> int:
    """Where the specialty names start in the lookup keys (text_checks.lookups)."""
    return int(np.flatnonzero(lk.table == SPECIALTY)[0])


def _prior_texts(df: pd.DataFrame) -> ProblemTable:
    """The ``error`` column of a frame given from outside, kept as text."""
    if ERROR_COLUMN not in df.columns:
        return ProblemTable.none(len(df))
    return ProblemTable.of_texts(df[ERROR_COLUMN].to_numpy(dtype=object),
                                 df[ERROR_COLUMN].notna().to_numpy(dtype=bool))
