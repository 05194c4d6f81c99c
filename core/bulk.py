"""The rules of core/rules.py over a whole roster at once (numpy/pandas, no loop over rows).

``assess_roster(df, as_of)`` gives, for every row (one registered specialty), the same answer as
``assess`` on a one-specialty profile made of that row: tests/test_bulk_equivalence.py proves it
with hypothesis, over dates drawn around every cut-off of POLICY.md. Dates are handled as int64
day numbers (days since 1970-01-01) with a separate "present" mask, so each rule is a few array
operations. Rule ids in the comments point to the scalar function that states the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.messages import problem
from core.policy import POLICY, Policy
from core.validate import CONTROL_CHARS, FLAGS, GENDERS, STRIP_CHARS, number_pattern

DATE_COLUMNS = ("birth_date", "valid_from", "valid_until", "renewal_applied_on",
                "renewal_approved_on", "certificate_downloaded_on")
TEXT_COLUMNS = ("name", "gender", "registration_number", "employer", "employer_province",
                "specialty")
OUTPUT_COLUMNS = ("regime", "status", "renewed", "current_valid_from", "current_valid_until",
                  "apply_by", "lapses_on", "capped_at_65", "late_application", "error")
REGIMES = np.array(["pilot", "batch2021", "not_covered"], dtype=object)
STATUSES = np.array(["not_yet_valid", "renewal_pending", "lapsed", "expired_not_lapsed",
                     "apply_now", "valid", "age_limit", "not_covered"], dtype=object)
(NOT_YET_VALID, RENEWAL_PENDING, LAPSED, EXPIRED_NOT_LAPSED, APPLY_NOW, VALID, AGE_LIMIT,
 NOT_COVERED) = range(len(STATUSES))
REGIME_CODE = {"pilot": 0, "batch2021": 1, "not_covered": 2}
EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    return (d - EPOCH).days


# ------------------------------------------------------------------------------ date columns
@dataclass
class DayColumn:
    """A date column as day numbers (0 where missing) and a mask of present values."""

    days: np.ndarray
    present: np.ndarray


def day_column(s: pd.Series) -> DayColumn:
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, errors="coerce", format="ISO8601")
    present = s.notna().to_numpy()
    days = s.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("1970-01-01")).astype(np.int64)
    return DayColumn(days, present)


def civil(days: np.ndarray):
    """Day numbers -> (year, month, day) arrays (H. Hinnant's civil_from_days, Gregorian)."""
    z = days + 719468
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
    """(year, month, day) arrays -> day numbers (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def add_years_ymd(ymd, n: int) -> np.ndarray:
    """I-7 over arrays: same month and day n years later, 29 Feb -> 28 Feb in non-leap years."""
    year, month, day = ymd
    y = year + n
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return from_civil(y, month, np.where((month == 2) & (day == 29) & ~leap, 28, day))


def add_years_days(days: np.ndarray, n: int) -> np.ndarray:
    return add_years_ymd(civil(days), n)


def to_dates(days: np.ndarray, present: np.ndarray) -> pd.Series:
    out = days.astype("datetime64[D]").astype("datetime64[s]")
    out[~present] = np.datetime64("NaT")
    return pd.Series(out)


# ------------------------------------------------------------------------------ validation
class _Errors:
    """Boolean masks of (field, code) problems; messages are written only for rows that have one."""

    def __init__(self, n: int):
        self.n = n
        self.masks: list[tuple[str, str, np.ndarray, object]] = []
        self.any = np.zeros(n, dtype=bool)

    def add(self, field: str, code: str, mask: np.ndarray, values=None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.masks.append((field, code, mask, values))
            self.any |= mask


def _arrow_text(s: pd.Series | None, n: int) -> pa.ChunkedArray:
    """A text column as arrow strings, trimmed like validate.strip_text (missing -> null)."""
    if s is None:
        return pa.chunked_array([pa.nulls(n, pa.string())])
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        s = s.astype("string[pyarrow]")
    arr = s.array._pa_array
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return pc.utf8_trim(arr, characters=STRIP_CHARS)


def _present(arr: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False).to_numpy()


def _check_text(err: _Errors, arr: pa.ChunkedArray, present: np.ndarray, field: str, *,
                required: bool, limit: int, fine: np.ndarray | None = None) -> np.ndarray:
    """Mirror of validate._Collector.text: required, control characters, length -> ok mask.

    ``fine`` marks rows already known good (found in a table of valid values), which are
    skipped: the checks then cost only what the rare bad rows cost.
    """
    n = len(present)
    if required:
        err.add(field, "required", ~present)
    cand = present if fine is None else present & ~fine
    rows = np.flatnonzero(cand)
    ctrl = np.zeros(n, dtype=bool)
    long_ = np.zeros(n, dtype=bool)
    if len(rows):
        sub = arr if len(rows) == n else arr.take(pa.array(rows))
        c = pc.fill_null(pc.match_substring_regex(sub, CONTROL_CHARS.pattern), False).to_numpy()
        ln = pc.fill_null(pc.utf8_length(sub), 0).to_numpy()
        ctrl[rows] = c
        long_[rows] = ~c & (ln > limit)
    err.add(field, "invalid_characters", ctrl)
    err.add(field, "too_long", long_, {"limit": limit})
    return present & ~ctrl & ~long_


def _index_in(arr: pa.ChunkedArray, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in ``keys`` (-1 when absent) and the found mask."""
    pos = pc.fill_null(pc.index_in(arr, value_set=pa.array(keys, pa.string())), -1).to_numpy()
    return pos, pos >= 0


def assess_roster(df: pd.DataFrame, as_of: date, policy: Policy = POLICY) -> pd.DataFrame:
    """CONTRACT.md: the same per-row answers as ``assess`` on a one-specialty profile, vectorised.

    ``df`` has the canonical roster columns (core/io.py); date columns datetime64 (or ISO text),
    the flag boolean. An ``error`` column already present (problems found while reading the file)
    is kept and extended. Returns ``df``'s columns plus OUTPUT_COLUMNS, same index.
    """
    n = len(df)
    t = day_number(as_of)
    err = _Errors(n)
    lim = policy.validation
    col = df.get

    if "error" in df.columns:
        has_prior = df["error"].notna().to_numpy(dtype=bool)
        prior = {int(i): str(df["error"].iloc[i]) for i in np.flatnonzero(has_prior)}
    else:
        has_prior, prior = np.zeros(n, dtype=bool), {}

    # -- text fields (validate.validate) ----------------------------------------------------
    texts = {c: _arrow_text(col(c), n) for c in TEXT_COLUMNS}
    pres = {c: _present(a) for c, a in texts.items()}
    _check_text(err, texts["name"], pres["name"], "name", required=True,
                limit=int(lim["max_name_length"]))
    _check_text(err, texts["employer"], pres["employer"], "employer", required=False,
                limit=int(lim["max_employer_length"]))

    g_keys = list(GENDERS)
    _, g_found = _index_in(pc.utf8_lower(texts["gender"]), g_keys)
    g_ok = _check_text(err, texts["gender"], pres["gender"], "gender", required=False, limit=8,
                       fine=g_found)
    err.add("gender", "invalid_gender", g_ok & ~g_found, "value:gender")

    number = texts["registration_number"]
    n_match = pc.fill_null(pc.match_substring_regex(number, number_pattern(policy).pattern),
                           False).to_numpy()
    n_ok = _check_text(err, number, pres["registration_number"], "registration_number",
                       required=True, limit=40, fine=n_match)
    err.add("registration_number", "invalid_number", n_ok & ~n_match, "value:registration_number")

    p_keys = list(policy.regime_of)
    p_regime = np.array([REGIME_CODE[policy.regime_of[k]] for k in p_keys] + [2], dtype=np.int8)
    p_pos, province_found = _index_in(texts["employer_province"], p_keys)
    p_ok = _check_text(err, texts["employer_province"], pres["employer_province"],
                       "employer_province", required=True, limit=40, fine=province_found)
    err.add("employer_province", "unknown_province", p_ok & ~province_found,
            "value:employer_province")

    _, s_found = _index_in(texts["specialty"], list(policy.specialties))
    s_ok = _check_text(err, texts["specialty"], pres["specialty"], "specialty", required=True,
                       limit=40, fine=s_found)
    err.add("specialty", "unknown_specialty", s_ok & ~s_found, "value:specialty")

    # -- flag ---------------------------------------------------------------------------------
    ce = _flag(err, col("continuing_education_done"), n)  # noqa: F841 (bulk output has no actions)

    # -- dates --------------------------------------------------------------------------------
    dates = {c: day_column(df[c]) if c in df.columns else
             DayColumn(np.zeros(n, np.int64), np.zeros(n, bool)) for c in DATE_COLUMNS}
    unparsed = _unparsed_dates(prior, n)
    B, F, E = dates["birth_date"], dates["valid_from"], dates["valid_until"]
    A, P, D = (dates["renewal_applied_on"], dates["renewal_approved_on"],
               dates["certificate_downloaded_on"])
    for c, dc in (("birth_date", B), ("valid_from", F), ("valid_until", E)):
        err.add(c, "required", ~dc.present & ~unparsed.get(c, np.zeros(n, bool)))

    earliest = day_number(lim["earliest_birth_date"])
    min_age = int(lim["min_age_at_registration"])
    b_ymd = civil(B.days)
    adult = add_years_ymd(b_ymd, min_age)
    implausible = B.present & ((B.days < earliest) | (adult > t))
    err.add("birth_date", "birth_implausible", implausible,
            {"earliest": lim["earliest_birth_date"].isoformat(), "min_age": min_age,
             "as_of": as_of.isoformat(), "value": "date:birth_date"})
    birth_ok = B.present & ~implausible
    age65 = add_years_ymd(b_ymd, policy.days("age_limit_years"))
    err.add("certificate_downloaded_on", "download_after_as_of", D.present & (D.days > t),
            {"value": "date:certificate_downloaded_on", "as_of": as_of.isoformat()})

    # check_specialty_dates, column-wise
    err.add("valid_from", "before_age_18", birth_ok & F.present & (F.days < adult),
            {"value": "date:valid_from", "min_age": min_age, "adult_on": "adult"})
    err.add("valid_until", "date_order", F.present & E.present & (E.days < F.days),
            ("valid_until", "valid_from"))
    err.add("renewal_applied_on", "date_order", A.present & F.present & (A.days < F.days),
            ("renewal_applied_on", "valid_from"))
    err.add("renewal_approved_on", "approval_without_application", P.present & ~A.present)
    err.add("renewal_approved_on", "date_order", P.present & A.present & (P.days < A.days),
            ("renewal_approved_on", "renewal_applied_on"))
    err.add("renewal_approved_on", "approval_after_age_65",
            P.present & birth_ok & (P.days >= age65), {"value": "date:renewal_approved_on"})

    bad = err.any | has_prior

    # -- R-1 … R-4 (rules.current_cycle, rules.status_at) ---------------------------------------
    rg = p_regime[p_pos]  # position -1 picks the trailing "not covered"; bad rows are masked
    lead = policy.days("renewal_lead")
    pilot_lapse, pilot_apply = (day_number(policy.date("pilot_lapses_on")),
                                day_number(policy.date("pilot_apply_by")))
    start, batch_lapse = (day_number(policy.date("electronic_start")),
                          day_number(policy.date("batch_lapses_on")))
    batch_apply = day_number(policy.date("batch_expired_apply_by"))
    e = E.days
    #
    orig_apply = np.where(
        rg == 0, np.where(e < pilot_lapse, pilot_apply, e - lead),
        np.where(e < start, batch_apply, e - lead))
    orig_lapse = np.where(
        rg == 0, np.where(e < pilot_lapse, pilot_lapse, e + 1),
        np.where(e < start, batch_lapse, np.where(e < batch_lapse, batch_lapse, e + 1)))
    #
    counted = P.present & (P.days <= t)
    full_end = add_years_days(P.days, policy.days("renewal_term_years")) - 1
    capped = counted & (age65 < full_end)
    cur_f = np.where(counted, P.days, F.days)
    cur_e = np.where(counted, np.where(capped, age65, full_end), e)
    apply0 = np.where(counted, cur_e - lead, orig_apply)
    lapse0 = np.where(counted, cur_e + 1, orig_lapse)
    #
    can_renew = cur_e < age65
    apply_by = apply0
    lapses_on = np.where(can_renew, lapse0, cur_e + 1)
    #
    applied = A.present & (A.days <= t) & ~counted
    pending = applied & (A.days < lapses_on) & can_renew
    status = np.select(
        [~counted & (t < cur_f), pending, t >= lapses_on, t > cur_e, can_renew & (t > apply_by)],
        [NOT_YET_VALID, RENEWAL_PENDING, LAPSED, EXPIRED_NOT_LAPSED, APPLY_NOW], VALID)
    late = (status == RENEWAL_PENDING) & can_renew & (A.days > apply_by)
    over_age = (t > age65) & ~((status == LAPSED) & (lapses_on <= age65))
    status = np.where(over_age, AGE_LIMIT, status)
    covered = rg != 2
    status = np.where(covered, status, NOT_COVERED)

    # -- output ---------------------------------------------------------------------------------
    good = ~bad
    cov = good & covered
    out = df.copy(deep=False)
    out["regime"] = pd.Categorical.from_codes(np.where(good, rg, -1), categories=list(REGIMES))
    out["status"] = pd.Categorical.from_codes(np.where(good, status, -1),
                                              categories=list(STATUSES))
    out["renewed"] = _bools(counted & covered, good)
    out["current_valid_from"] = _dates(np.where(cov, cur_f, F.days), good)
    out["current_valid_until"] = _dates(np.where(cov, cur_e, e), good)
    out["apply_by"] = _dates(apply_by, cov & can_renew)
    out["lapses_on"] = _dates(lapses_on, cov)
    out["capped_at_65"] = _bools(capped & covered, good)
    out["late_application"] = _bools(late & covered, good)
    messages = _messages(err, prior, bad, texts, dates, age65, adult)
    out["error"] = pd.arrays.ArrowStringArray(pa.array(messages, type=pa.string()))
    return out


def _bools(values: np.ndarray, known: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values.astype(bool), ~known)


def _dates(days: np.ndarray, present: np.ndarray) -> np.ndarray:
    out = days.astype("datetime64[D]").astype("datetime64[s]")
    out[~present] = np.datetime64("NaT")
    return out


def _flag(err: _Errors, s: pd.Series | None, n: int) -> np.ndarray:
    if s is None:
        return np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(s)
    keys = [u.strip().lower() if isinstance(u, str) else u for u in uniques]
    vals, bads = [], []
    for k in keys:
        if k == "" or k is None:
            vals.append(False)
            bads.append(False)
        else:
            try:
                vals.append(FLAGS[k])
                bads.append(False)
            except (KeyError, TypeError):
                vals.append(False)
                bads.append(True)
    vals_a = np.array(vals + [False], dtype=bool)
    bads_a = np.array(bads + [False], dtype=bool)
    err.add("continuing_education_done", "invalid_flag", bads_a[codes],
            "value:continuing_education_done")
    return vals_a[codes]


def _unparsed_dates(prior: dict[int, str], n: int) -> dict[str, np.ndarray]:
    """Date cells that core/io.py could not parse (already reported there, not 'required' too)."""
    out = {}
    for c in DATE_COLUMNS:
        m = np.zeros(n, dtype=bool)
        tag = f"{c}: invalid_date"
        for i, text in prior.items():
            if tag in text:
                m[i] = True
        out[c] = m
    return out


def _messages(err: _Errors, prior: dict[int, str], bad, texts, dates, age65, adult) -> np.ndarray:
    """The ``error`` text of each bad row: 'field: code (中文 / English)', joined by '; '."""
    out = np.full(len(bad), None, dtype=object)
    rows = np.flatnonzero(bad)
    if not len(rows):
        return out
    parts: dict[int, list[str]] = {int(i): ([prior[int(i)]] if int(i) in prior else [])
                                   for i in rows}
    for field, code, mask, values in err.masks:
        for i in np.flatnonzero(mask):
            i = int(i)
            p = problem(field, code, **_values(values, i, texts, dates, age65, adult))
            parts[i].append(f"{p.field}: {p.code} ({p.message_zh} / {p.message_en})")
    for i, ps in parts.items():
        out[i] = "; ".join(ps)
    return out


def _iso_day(days: int) -> str:
    return np.datetime64(int(days), "D").astype(object).isoformat()


def _values(values, i, texts, dates, age65, adult) -> dict:
    """Message fields for row i (only rows with a problem get here)."""
    if values is None:
        return {}
    if isinstance(values, str):  # "value:<column>" — the cell as text
        _, column = values.split(":", 1)
        if column in texts:
            return {"value": texts[column][i].as_py()}
        return {"value": str(values)}
    if isinstance(values, tuple):  # a date-order pair
        fld, other = values
        return {"label": fld, "value": _iso_day(dates[fld].days[i]),
                "other_label": other, "other": _iso_day(dates[other].days[i])}
    out = {}
    for k, v in values.items():
        if isinstance(v, str) and v.startswith("date:"):
            out[k] = _iso_day(dates[v[5:]].days[i])
        elif v == "adult":
            out[k] = _iso_day(adult[i])
        else:
            out[k] = v
    if "age65" not in out:
        out["age65"] = _iso_day(age65[i])
    return out


def lapse_counts(df: pd.DataFrame, as_of: date, policy: Policy = POLICY) -> pd.Series:
    """CONTRACT.md: every employer_province of the roster -> rows whose status is ``lapsed``.

    Provinces are reported by short name (full names are folded into it); a province that no
    row names is absent, one with no lapsed row is 0. Accepts a roster or an assessed roster.
    """
    assessed = df if "status" in df.columns else assess_roster(df, as_of, policy)
    codes, uniques = pd.factorize(assessed["employer_province"].astype("string").str.strip())
    names = np.array([policy.province_by_name[p].short if p in policy.province_by_name else p
                      for p in uniques] + [None], dtype=object)
    short = pd.Series(names[codes], index=assessed.index)
    lapsed = (assessed["status"] == "lapsed").fillna(False)
    counts = lapsed.groupby(short, dropna=True).sum().astype("int64")
    counts.index.name = "employer_province"
    counts.name = "lapsed"
    return counts.sort_index()
