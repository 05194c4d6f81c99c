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

from core.messages.catalogue import problem
from core.policy.data import POLICY, Policy
from core.rules.validate import (
    CONTROL_CHARS,
    EARLIEST_DATE,
    FLAGS,
    GENDERS,
    LATEST_DATE,
    STRIP_CHARS,
    number_pattern,
)

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
    z = days.astype(np.int32) + 719468  # int32 halves the memory traffic; days fit easily
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
    y = (year - (month <= 2)).astype(np.int32)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468).astype(np.int64)


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


_WS_FIRST = np.zeros(256, dtype=bool)  # bytes that can start a STRIP_CHARS character
_WS_FIRST[[c.encode()[0] for c in STRIP_CHARS]] = True
_WS_LAST = np.zeros(256, dtype=bool)  # bytes that can end one
_WS_LAST[[c.encode()[-1] for c in STRIP_CHARS]] = True


@dataclass
class TextColumn:
    """A text column checked as validate._Collector.text checks one value.

    ``values``: arrow strings, trimmed like validate (STRIP_CHARS); ``present``: not missing nor
    blank; ``ctrl``: contains a control character; ``too_long``: more than ``limit`` characters.
    The checks look at the raw UTF-8 bytes first (a control byte, a blank-looking first or last
    byte, more bytes than ``limit``) and run the exact string functions only on those rows.
    """

    values: pa.Array
    present: np.ndarray
    ctrl: np.ndarray
    too_long: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.present & ~self.ctrl & ~self.too_long


def arrow_strings(s: pd.Series | None, n: int) -> pa.Array:
    """A text column as one arrow string array (all missing when the column is absent)."""
    if s is None:
        return pa.nulls(n, pa.large_string())
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        s = s.astype("string[pyarrow]")
    arr = s.array._pa_array.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return arr


def text_column(arr: pa.Array, limit: int, clean: np.ndarray | None = None) -> TextColumn:
    """``clean`` marks rows already known to be exact valid values (found in a table of them):
    only the other rows need checking."""
    n = len(arr)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    present, ctrl, long_ = valid.copy(), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if n == 0:
        return TextColumn(arr, present, ctrl, long_)
    if clean is not None:
        return _exact(arr, valid & ~clean, limit, present, ctrl, long_)
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset:arr.offset + n + 1].astype(np.int64)
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size
            else np.zeros(1, dtype=np.uint8))
    starts, ends = offsets[:-1], offsets[1:]
    nbytes = ends - starts
    nonempty = valid & (nbytes > 0)
    first = data[np.where(nonempty, starts, 0)]
    last = data[np.where(nonempty, ends - 1, 0)]
    suspect = valid & ((nbytes == 0) | (nbytes > limit) | _WS_FIRST[first] | _WS_LAST[last])
    seg = data[offsets[0]:offsets[-1]] if offsets[-1] > offsets[0] else data[:0]
    low, delete = seg < 0x20, seg == 0x7F
    if low.any() or delete.any():  # a control byte somewhere: find its rows
        bad = np.flatnonzero(low | delete)
        suspect[np.searchsorted(offsets, bad + offsets[0], side="right") - 1] = True
        suspect &= valid
    return _exact(arr, suspect, limit, present, ctrl, long_)


def _exact(arr, suspect, limit, present, ctrl, long_) -> TextColumn:
    """The exact checks (trim, blank, control characters, length) on the suspect rows."""
    rows = np.flatnonzero(suspect)
    if len(rows):
        sub = arr.take(pa.array(rows))
        trimmed = pc.utf8_trim(sub, characters=STRIP_CHARS)
        length = pc.utf8_length(trimmed).to_numpy(zero_copy_only=False)
        p = length > 0
        c = p & pc.fill_null(pc.match_substring_regex(trimmed, CONTROL_CHARS.pattern),
                             False).to_numpy(zero_copy_only=False)
        present[rows], ctrl[rows], long_[rows] = p, c, p & ~c & (length > limit)
        if not pc.all(pc.equal(sub, trimmed)).as_py():
            arr = pc.utf8_trim(arr, characters=STRIP_CHARS)
    return TextColumn(arr, present, ctrl, long_)


def _check_text(err: _Errors, col: TextColumn, field: str, *, required: bool,
                limit: int) -> np.ndarray:
    """Mirror of validate._Collector.text: required, control characters, length -> ok mask."""
    if required:
        err.add(field, "required", ~col.present)
    err.add(field, "invalid_characters", col.ctrl)
    err.add(field, "too_long", col.too_long, {"limit": limit})
    return col.ok


def _index_in(arr: pa.Array, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in ``keys`` (-1 when absent) and the found mask."""
    pos = pc.fill_null(pc.index_in(arr, value_set=pa.array(keys, arr.type)), -1)
    pos = pos.to_numpy(zero_copy_only=False)
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
    # Columns with a table of valid values are looked up first: a row found there is clean.
    raw = {c: arrow_strings(col(c), n) for c in TEXT_COLUMNS}
    lookups = {
        "gender": (list(GENDERS), pc.utf8_lower),
        "employer_province": (list(policy.regime_of), None),
        "specialty": (list(policy.specialties), None),
    }
    number_re = number_pattern(policy).pattern
    found: dict[str, np.ndarray] = {}
    pos: dict[str, np.ndarray] = {}

    def probe(c: str, values: pa.Array) -> None:
        if c == "registration_number":
            found[c] = pc.fill_null(pc.match_substring_regex(values, number_re),
                                    False).to_numpy(zero_copy_only=False)
        elif c in lookups:
            keys, transform = lookups[c]
            pos[c], found[c] = _index_in(transform(values) if transform else values, keys)

    limits = {"name": int(lim["max_name_length"]), "gender": 8,
              "employer": int(lim["max_employer_length"]), "registration_number": 40,
              "employer_province": 40, "specialty": 40}
    cols: dict[str, TextColumn] = {}
    for c in TEXT_COLUMNS:
        probe(c, raw[c])
        cols[c] = text_column(raw[c], limits[c], found.get(c))
        if cols[c].values is not raw[c]:  # some value was trimmed: look it up again
            probe(c, cols[c].values)
    texts = {c: tc.values for c, tc in cols.items()}
    ok = {c: _check_text(err, cols[c], c, required=c not in ("gender", "employer"),
                         limit=limits[c]) for c in TEXT_COLUMNS}
    err.add("gender", "invalid_gender", ok["gender"] & ~found["gender"], "value:gender")
    err.add("registration_number", "invalid_number",
            ok["registration_number"] & ~found["registration_number"], "value:registration_number")
    p_regime = np.array([REGIME_CODE[policy.regime_of[k]] for k in lookups["employer_province"][0]]
                        + [2], dtype=np.int8)
    p_pos, province_found = pos["employer_province"], found["employer_province"]
    err.add("employer_province", "unknown_province", ok["employer_province"] & ~province_found,
            "value:employer_province")
    err.add("specialty", "unknown_specialty", ok["specialty"] & ~found["specialty"],
            "value:specialty")

    # -- flag ---------------------------------------------------------------------------------
    ce = _flag(err, col("continuing_education_done"), n)  # noqa: F841 (bulk output has no actions)

    # -- dates --------------------------------------------------------------------------------
    dates = {c: day_column(df[c]) if c in df.columns else
             DayColumn(np.zeros(n, np.int64), np.zeros(n, bool)) for c in DATE_COLUMNS}
    unparsed = _unparsed_dates(prior, n)
    # validate._Collector.date: a date outside 1900..2199 is an error and then counts as absent
    # (the birth date has its own plausibility check)
    lo, hi = day_number(EARLIEST_DATE), day_number(LATEST_DATE)
    for c in DATE_COLUMNS[1:]:
        dc = dates[c]
        out_of_range = dc.present & ((dc.days < lo) | (dc.days > hi))
        if out_of_range.any():
            err.add(c, "date_out_of_range", out_of_range,
                    {"value": f"date:{c}", "earliest": EARLIEST_DATE.isoformat(),
                     "latest": LATEST_DATE.isoformat()})
            unparsed[c] = unparsed[c] | out_of_range
            dates[c] = DayColumn(dc.days, dc.present & ~out_of_range)
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
            P.present & birth_ok & (P.days >= age65),
            {"value": "date:renewal_approved_on", "age65": "age65"})

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
    # R-3 on the original cycle, then R-2: an approval counts when its application came before
    # the original lapse date (rules.approval_counts)
    orig_lapse = np.where(e < age65, orig_lapse, e + 1)
    counted = P.present & (P.days <= t) & A.present & (A.days < orig_lapse)
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
    """The ``error`` text of each bad row: 'field: code (中文 / English)', joined by '; '.

    Each (field, code) group formats one message per distinct set of values (e.g. per distinct
    download date) and hands it to all its rows, so a million bad rows cost what their distinct
    values cost.
    """
    out = np.full(len(bad), None, dtype=object)
    for i, text in prior.items():
        out[i] = text
    derived = {"age65": age65, "adult": adult}
    for field, code, mask, values in err.masks:
        idx = np.flatnonzero(mask)
        names, keys, is_date = _value_keys(values, idx, texts, dates, derived)
        if keys:
            codes, uniques = pd.MultiIndex.from_arrays(keys).factorize()
            uniques = list(uniques)
        else:
            codes, uniques = np.zeros(len(idx), dtype=np.intp), [()]
        table = np.empty(len(uniques), dtype=object)
        for u, key in enumerate(uniques):
            kv = {k: (_iso_day(v) if d else v)
                  for k, v, d in zip(names, key, is_date, strict=True)}
            p = problem(field, code, **kv)
            table[u] = f"{p.field}: {p.code} ({p.message_zh} / {p.message_en})"
        part = table[codes]
        current = out[idx]
        empty = np.equal(current, None)
        current[empty] = part[empty]
        current[~empty] = current[~empty] + "; " + part[~empty]
        out[idx] = current
    return out


def _iso_day(days: int) -> str:
    return np.datetime64(int(days), "D").astype(object).isoformat()


def _value_keys(values, idx, texts, dates, derived):
    """Message fields of a problem group: names, the values of rows ``idx`` for each, and which
    are day numbers (kept as integers until a distinct combination is formatted)."""
    if values is None:
        return [], [], []
    if isinstance(values, str):  # "value:<column>" — the cell as text
        column = values.split(":", 1)[1]
        cells = np.array(texts[column].take(pa.array(idx)).to_pylist(), dtype=object)
        return ["value"], [cells], [False]
    if isinstance(values, tuple):  # a date-order pair
        fld, other = values
        return (["label", "value", "other_label", "other"],
                [np.full(len(idx), fld, dtype=object), dates[fld].days[idx],
                 np.full(len(idx), other, dtype=object), dates[other].days[idx]],
                [False, True, False, True])
    names, keys, is_date = [], [], []
    for k, v in values.items():
        names.append(k)
        if isinstance(v, str) and v.startswith("date:"):
            keys.append(dates[v[5:]].days[idx])
            is_date.append(True)
        elif isinstance(v, str) and v in derived:
            keys.append(derived[v][idx])
            is_date.append(True)
        else:
            keys.append(np.full(len(idx), v, dtype=object))
            is_date.append(False)
    return names, keys, is_date


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
