"""Input checks, written once: one set of field checks for a profile (errors with JSON paths such
as ``specialties[0].valid_until``) and for a roster (errors per row), with the same codes and
the same messages (``core/messages/messages.toml``).

A check takes arrays (a roster's columns) or Python scalars (one specialty of a profile, with
its person's fields; ``core.rules.ops``) and adds ``(field, code, mask, values)`` to a
:class:`Problems` (a profile's: :class:`RowProblems`), so every check is the same line for one
constructor and for a national roster.
What only a JSON profile can get wrong (a number where text belongs, a list that is not a list,
the same specialty twice) is checked by :func:`check_profile` before the shared checks.
R-8 (the registration number's form) is an input check and lives here; its public-practice
parts are warnings (``number_warnings``).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.messages.catalogue import coded, problem
from core.messages.errors import InvalidInput, Problem
from core.policy.data import POLICY, Policy
from core.policy.dates import add_years_days, day_number, from_day, iso_day, parse_iso
from core.rules.ops import any_, maximum, minimum, not_
from core.rules.specialty import birthday_65
from core.schema.cells import utf8_buffers
from core.schema.roster import FLAG_WORDS, GENDERS, TEXT_LIMITS

# Control characters, and (issue 27) the invisible format characters that make a name read
# otherwise than it is stored: the Arabic letter mark, zero-width space/joiners, left-to-right
# and right-to-left marks, bidirectional embeddings, overrides and isolates, word joiner and
# invisible operators, the zero-width no-break space (BOM). The ASCII part as escapes, the rest
# as the characters themselves: the pattern also goes to Arrow's RE2 (check_text).
INVISIBLE_FORMAT = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f" + INVISIBLE_FORMAT + "]")
STRIP_CHARS = " \t\r\n\u3000\u00a0"  # trimmed around text: spaces, full-width space, NBSP
# Dates accepted at all: the years the roster reader (core/roster/io.py) accepts, 1900..2199.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
PERSON_FIELDS = ("name", "gender", "registration_number", "employer", "employer_province",
                 "continuing_education_done", "birth_date", "certificate_downloaded_on")
SPECIALTY_FIELDS = ("specialty", "valid_from", "valid_until", "renewal_applied_on",
                    "renewal_approved_on")
# lookup tables of text fields (index of the table a value must be found in)
NO_TABLE, GENDER, PROVINCE, SPECIALTY, NUMBER = -1, 0, 1, 2, 3
TEXT_TABLE = {"gender": GENDER, "employer_province": PROVINCE, "specialty": SPECIALTY,
              "registration_number": NUMBER}
NOT_FOUND = {"gender": "invalid_gender", "employer_province": "unknown_province",
             "specialty": "unknown_specialty", "registration_number": "invalid_number"}


def number_pattern(policy: Policy = POLICY) -> re.Pattern:
    """R-8, C-A1: one 军地代字 (a province's character or 军) then 16 digits."""
    chars = "".join(sorted(policy.number_chars))
    return re.compile(rf"^[{chars}][0-9]{{{policy.number['digits']}}}$")


# ------------------------------------------------------------------------------------- problems
class Problems:
    """Boolean masks of (field, code) problems; messages are written only for rows that have one.

    ``values`` says what the message needs: None; a dict whose entries are constants, or
    ``"date:<field>"`` (that field's day number), or a name of ``derived`` (a day-number array);
    ``"value:<field>"`` (the field's text); or a pair ``(field, other)`` for ``date_order``.
    """

    def __init__(self) -> None:
        self.items: list[tuple[str, str, np.ndarray, object]] = []

    def add(self, field_: str, code: str, mask, values=None) -> None:
        if not (isinstance(mask, np.ndarray) and mask.dtype == bool):
            mask = np.asarray(mask, dtype=bool)
        if b"\x01" in mask.tobytes():  # any(): a byte search costs less than ndarray.any's set-up
            self.items.append((field_, code, mask, values))

    def any_rows(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for _, _, mask, _ in self.items:
            out |= np.broadcast_to(mask, (n,)) if mask.shape != (n,) else mask
        return out

    def render(self, texts: Mapping[str, pa.Array], dates: Mapping[str, DateField],
               derived: Mapping[str, np.ndarray]):
        """Yield (field, rows, codes, table): ``table[codes[i]]`` is the Problem of row
        ``rows[i]``; each problem is formatted once per distinct set of values, so a million bad
        rows cost what their distinct values cost."""
        for field_, code, mask, values in self.items:
            idx = np.flatnonzero(mask)
            names, keys, is_date = _value_keys(values, idx, texts, dates, derived)
            if keys:
                codes, first = _factorize_rows(keys)
                uniques = [tuple(k[i] for k in keys) for i in first.tolist()]
            else:
                codes, uniques = np.zeros(len(idx), dtype=np.intp), [()]
            table = [problem(field_, code, **{k: (iso_day(v) if d else v)
                                              for k, v, d in zip(names, key, is_date,
                                                                 strict=True)})
                     for key in uniques]
            yield field_, idx, codes, table


class RowProblems(Problems):
    """:class:`Problems` of one profile checked one specialty at a time, with Python scalars as
    masks. ``begin(phase, row)`` says which specialty row the next checks are about; a problem
    of a person field belongs to the person (one element) and is kept once. ``finish()`` orders
    the problems as the array checks would have added them (by the check that found them), so
    ``render`` and the messages are the same either way."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k, self.phase, self.row, self.calls = k, 0, 0, 0
        self._sites: dict[tuple[int, int], tuple] = {}

    def begin(self, phase: int, row: int = 0) -> None:
        self.phase, self.row, self.calls = phase, row, 0

    def add(self, field_: str, code: str, mask, values=None) -> None:
        self.calls += 1
        if not mask:
            return
        person = field_ in PERSON_FIELDS
        if not person and self.row >= self.k:
            return  # no such specialty (a profile without any): nothing to report
        site = (self.phase, self.calls)  # the same check for every row
        item = self._sites.get(site)
        if item is None:
            item = self._sites[site] = (field_, code, np.zeros(1 if person else self.k, bool),
                                        values)
        item[2][0 if person else self.row] = True

    def finish(self) -> RowProblems:
        self.items = [self._sites[site] for site in sorted(self._sites)]
        return self


def _factorize_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of several equally long key arrays as codes of their distinct combinations, and the
    first row of each combination: each key factorized alone (a constant costs nothing more),
    the codes combined into one int64, that factorized."""
    n = len(keys[0])
    combined, size = np.zeros(n, dtype=np.int64), 1
    for k in keys:
        c, u = pd.factorize(k)
        if len(u) <= 1 and not (c < 0).any():
            continue  # one value throughout
        combined = combined * (len(u) + 1) + (c + 1)  # + 1: a missing value (-1) is a value
        size *= len(u) + 1
        if size > 2**40:  # keep the product of the sizes within an int64
            combined, u = pd.factorize(combined)
            size = len(u)
    codes, u = pd.factorize(combined)
    first = np.full(len(u), n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    return codes, first


def _value_keys(values, idx, texts, dates, derived):
    if values is None:
        return [], [], []
    if isinstance(values, str):  # "value:<field>": the cell as text
        column = values.split(":", 1)[1]
        arr = texts[column]
        cells = np.array(arr.take(pa.array(idx % len(arr))).to_pylist(), dtype=object)
        return ["value"], [cells], [False]
    if isinstance(values, tuple):  # a date-order pair
        fld, other = values
        return (["label", "value", "other_label", "other"],
                [np.full(len(idx), fld, dtype=object), dates[fld].at(idx),
                 np.full(len(idx), other, dtype=object), dates[other].at(idx)],
                [False, True, False, True])
    names, keys, is_date = [], [], []
    for k, v in values.items():
        names.append(k)
        if isinstance(v, str) and v.startswith("date:"):
            keys.append(dates[v[5:]].at(idx))
            is_date.append(True)
        elif isinstance(v, str) and v in derived:
            d = derived[v]
            keys.append(np.broadcast_to(d, (max(len(d), int(idx.max()) + 1),))[idx])
            is_date.append(True)
        else:
            keys.append(np.full(len(idx), v, dtype=object))
            is_date.append(False)
    return names, keys, is_date


# ----------------------------------------------------------------------------------- text checks
@dataclass
class TextChecked:
    """A text array after the checks of :func:`check_text` (one element per value)."""

    values: pa.Array | pa.ChunkedArray | list  # trimmed (a profile's few values: a list)
    present: np.ndarray         # not missing nor blank
    ctrl: np.ndarray            # contains a control character
    too_long: np.ndarray        # longer than its limit
    found: np.ndarray           # found in its table (R-8 form for numbers)
    pos: np.ndarray             # position in lookup_keys (-1 when not found or no table)

    @property
    def ok(self) -> np.ndarray:
        return self.present & not_(self.ctrl) & not_(self.too_long)

    @property
    def arrow(self) -> pa.Array:
        v = self.values
        return pa.array(v, pa.large_string()) if isinstance(v, list) else v

    def pylist(self) -> list:
        return self.values if isinstance(self.values, list) else self.values.to_pylist()


_WS_FIRST = np.zeros(256, dtype=bool)  # bytes that can start a STRIP_CHARS character
_WS_FIRST[[c.encode()[0] for c in STRIP_CHARS]] = True
_WS_LAST = np.zeros(256, dtype=bool)  # bytes that can end one
_WS_LAST[[c.encode()[-1] for c in STRIP_CHARS]] = True
_CONTROL_BYTE = np.zeros(256, dtype=bool)  # CONTROL_CHARS as bytes (none is part of a longer one)
_CONTROL_BYTE[[*range(0x20), 0x7F]] = True


@dataclass(frozen=True)
class Lookups:
    """The lookup tables of the text fields, as one key array (built once per policy)."""

    keys: pa.Array              # gender spellings, province names, specialty names
    table: np.ndarray           # which table each key belongs to
    gender: np.ndarray          # key position -> the gender kept (object)
    province_short: np.ndarray  # key position -> province short name (object)
    province_regime: np.ndarray  # key position -> regime code (int8)
    number_re: str
    key_index: dict[str, int]   # the same keys as a dict (the few values of one profile)


_LOOKUPS: dict[int, tuple[weakref.ref, Lookups]] = {}


def lookups(policy: Policy) -> Lookups:
    """The lookup tables of ``policy`` (built once per policy object)."""
    ref, got = _LOOKUPS.get(id(policy), (None, None))
    if ref is None or ref() is not policy:
        provinces = list(policy.province_by_name)
        keys = list(GENDERS) + provinces + list(policy.specialties)
        table = np.array([GENDER] * len(GENDERS) + [PROVINCE] * len(provinces)
                         + [SPECIALTY] * len(policy.specialties), dtype=np.int8)
        gender = np.array(list(GENDERS.values()) + [None] * (len(keys) - len(GENDERS)),
                          dtype=object)
        short = np.array([None] * len(GENDERS) + [policy.province_by_name[p].short
                                                  for p in provinces]
                         + [None] * len(policy.specialties), dtype=object)
        regime = np.array([-1] * len(GENDERS) + [policy.regimes.index(policy.regime_of[p])
                                                 for p in provinces]
                          + [-1] * len(policy.specialties), dtype=np.int8)
        got = Lookups(pa.array(keys, pa.large_string()), table, gender, short, regime,
                      number_pattern(policy).pattern, {k: i for i, k in enumerate(keys)})
        _LOOKUPS[id(policy)] = (weakref.ref(policy), got)
    return got


def check_text(arr: pa.Array | pa.ChunkedArray | list, limit, table, policy: Policy,
               small: bool | None = None) -> TextChecked:
    """The text checks of every field: trimmed of spaces, present, free of control characters,
    at most ``limit`` characters, and found in its ``table`` (GENDER, PROVINCE, SPECIALTY, or
    NUMBER for R-8's form). ``limit`` and ``table`` are scalars or one per element.

    Two loops, one set of checks: a profile's dozen values go through Python's string functions
    (Arrow's per-call set-up would cost more than the work); a roster's column through Arrow,
    where values found in their table are clean and only the others are looked at closely: the
    raw UTF-8 bytes first (a control byte, a blank-looking first or last byte, more bytes than
    the limit), the exact string functions only on those rows. tests/test_validate.py pits the
    two against each other.
    """
    n = len(arr)
    lk = lookups(policy)
    table = np.broadcast_to(np.asarray(table), (n,))
    limit = np.broadcast_to(np.asarray(limit), (n,))
    if small if small is not None else n <= _SMALL:
        return _check_text_small(arr if isinstance(arr, list) else arr.to_pylist(), limit,
                                 table, lk)
    if isinstance(arr, list):
        arr = pa.array(arr, pa.large_string())
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    found, pos = _find(arr, table, lk)
    present, ctrl, long_ = valid.copy(), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if n == 0:
        return TextChecked(arr, present, ctrl, long_, found, pos)
    if (table >= 0).all():
        # every value has a table: the found ones are clean, all others are looked at closely
        suspect = valid & ~found
    else:
        if isinstance(arr, pa.ChunkedArray):  # the byte scan reads one buffer
            arr = arr.combine_chunks()
        offsets, data = utf8_buffers(arr)
        starts, ends = offsets[:-1], offsets[1:]
        nbytes = ends - starts
        nonempty = valid & (nbytes > 0)
        first = data[np.where(nonempty, starts, 0)]
        last = data[np.where(nonempty, ends - 1, 0)]
        suspect = valid & ~found & (
            (nbytes == 0) | (nbytes > limit) | _WS_FIRST[first] | _WS_LAST[last] | (table >= 0))
        seg = data[offsets[0]:offsets[-1]] if offsets[-1] > offsets[0] else data[:0]
        # a control byte somewhere (two cheap scans rule it out in the usual case): its rows
        if len(seg) and (seg.min() < 0x20 or (seg == 0x7F).any()):
            bad = np.flatnonzero(_CONTROL_BYTE[seg])
            suspect[np.searchsorted(offsets, bad + offsets[0], side="right") - 1] = True
            suspect &= valid
        # an invisible format character may start here: its rows are looked at closely
        bad = _format_starts(seg)
        if len(bad):
            suspect[np.searchsorted(offsets, bad + offsets[0], side="right") - 1] = True
            suspect &= valid
    rows = np.flatnonzero(suspect)
    if len(rows):
        sub = arr.take(pa.array(rows))
        trimmed = pc.utf8_trim(sub, characters=STRIP_CHARS)
        length = pc.utf8_length(trimmed).to_numpy(zero_copy_only=False)
        p = length > 0
        c = p & pc.fill_null(pc.match_substring_regex(trimmed, CONTROL_CHARS.pattern),
                             False).to_numpy(zero_copy_only=False)
        present[rows], ctrl[rows], long_[rows] = p, c, p & ~c & (length > limit[rows])
        if not pc.all(pc.equal(sub, trimmed)).as_py():  # some value had spaces around it
            arr = pc.utf8_trim(arr, characters=STRIP_CHARS)
            f2, p2 = _find(arr.take(pa.array(rows)), table[rows], lk)
            found[rows], pos[rows] = f2, p2
            ctrl &= ~found  # a value of its table is clean
            long_ &= ~found
    return TextChecked(arr, present, ctrl, long_, found, pos)


def _format_starts(seg: np.ndarray) -> np.ndarray:
    """Byte positions where an INVISIBLE_FORMAT character may start in UTF-8 text: the two
    leading bytes E2 80 / E2 81 (U+2000-U+207F), EF BB (U+FEFF), D8 9C (U+061C). A superset
    (dashes and quotes start so too): the exact check runs on those rows only."""
    if len(seg) < 2:
        return np.empty(0, dtype=np.int64)
    a, b = seg[:-1], seg[1:]
    lead = (a == 0xE2) & ((b == 0x80) | (b == 0x81))
    lead |= (a == 0xEF) & (b == 0xBB)
    lead |= (a == 0xD8) & (b == 0x9C)
    return np.flatnonzero(lead)


_SMALL = 16
_NUMBER_BODY: dict[str, re.Pattern] = {}


def _check_text_small(cells: list, limit, table, lk: Lookups) -> TextChecked:
    checked = [check_cell(v, int(limit[i]), int(table[i]), lk) for i, v in enumerate(cells)]
    return TextChecked([c.values for c in checked],
                       *(np.array([getattr(c, f) for c in checked], dtype=dtype)
                         for f, dtype in (("present", bool), ("ctrl", bool), ("too_long", bool),
                                          ("found", bool), ("pos", np.int64))))


def check_cell(value: str | None, limit: int, table: int, lk: Lookups) -> TextChecked:
    """:func:`check_text`'s checks of one value, as Python scalars (a profile's field)."""
    if value is None:
        return TextChecked(None, False, False, False, False, -1)
    t = value.strip(STRIP_CHARS)
    if not t:
        return TextChecked(t, False, False, False, False, -1)
    found, pos = False, -1
    if table == NUMBER:
        number = _NUMBER_BODY.get(lk.number_re)
        if number is None:
            number = _NUMBER_BODY[lk.number_re] = re.compile(lk.number_re.strip("^$"))
        found = number.fullmatch(t) is not None
    elif table >= 0:
        k = lk.key_index.get(t.lower(), -1)
        if k >= 0 and lk.table[k] == table:
            found, pos = True, k
    if found:  # a value of its table is clean
        return TextChecked(t, True, False, False, True, pos)
    ctrl = CONTROL_CHARS.search(t) is not None
    return TextChecked(t, True, ctrl, not ctrl and len(t) > limit, False, -1)


def _find(arr: pa.Array, table: np.ndarray, lk: Lookups) -> tuple[np.ndarray, np.ndarray]:
    n = len(arr)
    found, pos = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
    lookup = table >= 0
    if lookup.any():
        keyed = table >= GENDER
        keyed &= table != NUMBER
        if keyed.any():
            p = pc.fill_null(pc.index_in(pc.utf8_lower(arr), value_set=lk.keys), -1)
            p = p.to_numpy(zero_copy_only=False).astype(np.int64)
            hit = keyed & (p >= 0)
            hit[hit] = lk.table[p[hit]] == table[hit]
            found |= hit
            pos = np.where(hit, p, pos)
        number = table == NUMBER
        if number.any():
            rows = np.flatnonzero(number)
            sub = arr if len(rows) == n else arr.take(pa.array(rows))
            m = pc.fill_null(pc.match_substring_regex(sub, lk.number_re), False)
            found[rows] = m.to_numpy(zero_copy_only=False)
    return found, pos


def report_text(problems: Problems, field_: str, col: TextChecked, *, required: bool,
                limit: int) -> np.ndarray:
    """Add the problems of one text field; return the mask of acceptable values."""
    if required:
        problems.add(field_, "required", not_(col.present))
    problems.add(field_, "invalid_characters", col.ctrl)
    problems.add(field_, "too_long", col.too_long, {"limit": limit})
    ok = col.ok
    if field_ in NOT_FOUND:
        problems.add(field_, NOT_FOUND[field_], ok & not_(col.found), f"value:{field_}")
        ok = ok & col.found
    return ok


# ----------------------------------------------------------------------------------- flag check
def flag_key(v: object) -> object:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        k = v.strip().lower()
        return k[:-2] if k.endswith(".0") else k
    if v is None or v is pd.NA:
        return ""
    return v


def check_flags(problems: Problems, values, one: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Continuing education: yes/no in any of schema.FLAG_WORDS; blank is 'no' with no error.
    Returns (value, given) per element; with ``one``, ``values`` is one cell and the answers
    are Python bools."""
    if one:
        val, given, bad = flag_value(values)
    else:
        values = _objects(values)
        codes, uniques = pd.factorize(values, use_na_sentinel=False) if len(values) > 8 else (
            np.arange(len(values)), values)
        read = np.array([flag_value(u) for u in uniques] + [(False, False, False)],
                        dtype=bool).reshape(-1, 3)[codes]
        val, given, bad = read[:, 0], read[:, 1], read[:, 2]
    problems.add("continuing_education_done", "invalid_flag", bad,
                 "value:continuing_education_done")
    return val, given


def flag_value(v: object) -> tuple[bool, bool, bool]:
    """One flag cell: (value, given, not understood)."""
    k = flag_key(v)
    if isinstance(k, bool):
        return k, True, False
    if isinstance(k, str) and k == "":
        return False, False, False
    got = FLAG_WORDS.get(k) if isinstance(k, str) else (
        {1: True, 0: False}.get(k) if type(k) in (int, float) else None)
    if got is None:
        return False, False, True
    return got, True, False


# ----------------------------------------------------------------------------------- date checks
@dataclass
class DateField:
    """A date field as day numbers (0 where missing) and a mask of the present values (arrays;
    for one specialty of a profile, an int and a bool)."""

    days: np.ndarray
    present: np.ndarray

    def at(self, idx: np.ndarray) -> np.ndarray:
        d = self.days
        return d[idx % len(d)] if len(d) else d[idx]


_LO, _HI = day_number(EARLIEST_DATE), day_number(LATEST_DATE)


@cache
def _range_values(c: str) -> dict:
    return {"value": f"date:{c}", "earliest": EARLIEST_DATE.isoformat(),
            "latest": LATEST_DATE.isoformat()}


def check_dates(problems: Problems, dates: dict[str, DateField], policy: Policy,
                unparsed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The date checks that do not depend on the as-of date: range, required, validity not
    before the holder turned 18, date order, approval before the 65th birthday (C-2.2.4).
    ``unparsed`` marks cells already reported as ``invalid_date``. Person fields may be length 1
    and broadcast against the specialty fields. Returns the derived day numbers the messages use
    (``age65``, ``adult``) and ``birth_ok``."""
    lo, hi = _LO, _HI
    for c, dc in dates.items():
        if c == "birth_date":
            continue  # its own plausibility check below
        out = dc.present & ((dc.days < lo) | (dc.days > hi))
        problems.add(c, "date_out_of_range", out, _range_values(c))
        if any_(out):  # reported once: not 'required' too
            dates[c] = DateField(dc.days, dc.present & not_(out))
            unparsed = {**unparsed, c: unparsed.get(c, False) | out}
    B, F, E = dates["birth_date"], dates["valid_from"], dates["valid_until"]
    A, P = dates["renewal_applied_on"], dates["renewal_approved_on"]
    for c in ("birth_date", "valid_from", "valid_until"):
        problems.add(c, "required", not_(dates[c].present) & not_(unparsed.get(c, False)))
    lim = policy.validation
    min_age = int(lim["min_age_at_registration"])
    birth = minimum(maximum(B.days, lo), hi)  # an absurd birth: an error, not an overflow
    adult, _ = add_years_days(birth, min_age)
    age65, age65_i7 = birthday_65(birth, policy)
    too_early = B.present & (B.days < day_number(lim["earliest_birth_date"]))
    birth_ok = B.present & not_(too_early)  # reported by check_dates_at, with the as-of date
    problems.add("valid_from", "before_age_18", birth_ok & F.present & (F.days < adult),
                 {"value": "date:valid_from", "min_age": min_age, "adult_on": "adult"})
    problems.add("valid_until", "date_order", F.present & E.present & (E.days < F.days),
                 ("valid_until", "valid_from"))
    problems.add("renewal_applied_on", "date_order", A.present & F.present & (A.days < F.days),
                 ("renewal_applied_on", "valid_from"))
    problems.add("renewal_approved_on", "date_order", P.present & A.present & (P.days < A.days),
                 ("renewal_approved_on", "renewal_applied_on"))
    problems.add("renewal_approved_on", "date_order",
                 P.present & not_(A.present) & F.present & (P.days < F.days),
                 ("renewal_approved_on", "valid_from"))
    problems.add("renewal_approved_on", "approval_after_age_65",
                 P.present & birth_ok & (P.days >= age65),
                 {"value": "date:renewal_approved_on", "age65": "age65"})
    return {"age65": age65, "adult": adult, "birth_ok": birth_ok, "age65_i7": age65_i7}


def check_dates_at(problems: Problems, dates: Mapping[str, DateField], adult: np.ndarray,
                   as_of: int, policy: Policy) -> None:
    """The date checks against the as-of date T: a plausible birth date (not before the earliest
    one, the holder at least 18 on T). An event dated after T (a download, an application, an
    approval) is no error: it is ignored at T (POLICY.md, Definitions; the assessment warns
    ``event_after_as_of``)."""
    B = dates["birth_date"]
    lim = policy.validation
    implausible = B.present & ((B.days < day_number(lim["earliest_birth_date"]))
                               | (adult > as_of))
    problems.add("birth_date", "birth_implausible", implausible,
                 _birth_values(lim, iso_day(as_of)))


def _birth_values(lim, as_of: str) -> dict:
    return {"earliest": lim["earliest_birth_date"].isoformat(),
            "min_age": int(lim["min_age_at_registration"]), "as_of": as_of,
            "value": "date:birth_date"}


def flag_texts(values) -> pa.Array:
    """The flag cells as text, for the messages of ``invalid_flag``."""
    return pa.array([None if v is None else str(v)[:40] for v in _objects(values)],
                    pa.large_string())


def _objects(values) -> np.ndarray:
    """Any sequence as a 1-d object array (a list inside stays one element)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = list(values) if not isinstance(values, np.ndarray) else values
    return out


# --------------------------------------------------------------------------------------- profile
@dataclass(frozen=True)
class SpecialtyInput:
    specialty: str
    valid_from: date
    valid_until: date
    renewal_applied_on: date | None = None
    renewal_approved_on: date | None = None


@dataclass(frozen=True)
class Profile:
    """A checked profile, normalised (trimmed text, province short name, gender 男/女)."""

    name: str
    gender: str | None
    birth_date: date
    registration_number: str
    employer: str | None
    employer_province: str
    continuing_education_done: bool
    certificate_downloaded_on: date | None
    specialties: tuple[SpecialtyInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CheckedProfile:
    """A profile that passed every check, as the rules take it: Python scalars, one specialty at
    a time (``rows``: each specialty's dates as day numbers; ``core.rules.ops`` says why)."""

    profile: Profile
    regime: int
    birth: int
    rows: tuple[dict[str, DateField], ...]  # per specialty: SPECIALTY_FIELDS[1:] -> DateField
    age65: int                  # the 65th birthday (day number) and whether it needed I-7
    age65_i7: bool


_TEXT_ORDER = ("name", "gender", "registration_number", "employer", "employer_province")
_WRONG_TYPE = TextChecked(None, True, False, False, True, -1)  # reported once, as invalid_type
_ABSENT = DateField(0, False)


def check_profile(raw: Mapping, as_of: date, policy: Policy = POLICY) -> CheckedProfile:
    """Check every field of a profile (CONTRACT.md "Profile"); raise InvalidInput listing every
    problem, each with its JSON path; else return the profile normalised, as scalars.

    The checks are the roster's (``check_cell`` = ``check_text``'s, ``report_text``,
    ``check_flags``, ``check_dates``, ``check_dates_at``), run one specialty at a time with
    Python scalars; what only a JSON document can get wrong (a number where text belongs, a
    list that is not a list, the same specialty twice) is checked here first."""
    if not isinstance(raw, Mapping):
        raise InvalidInput([problem("profile", "invalid_type", label="profile")])
    first: list[Problem] = []  # what only a JSON document can get wrong
    items = raw.get("specialties")
    if items is None or (isinstance(items, list) and not items):
        first.append(problem("specialties", "no_specialties"))
        items = []
    elif not isinstance(items, list):
        first.append(problem("specialties", "invalid_type"))
        items = []
    elif len(items) > policy.max_specialties:
        first.append(problem("specialties", "too_many_specialties", limit=policy.max_specialties))
        items = items[:policy.max_specialties]  # the rest is not read: one error says why
    rows = []  # (index in the document, mapping)
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            rows.append((i, item))
        else:
            first.append(problem(f"specialties[{i}]", "invalid_type", label="specialty"))
    k = len(rows)
    lk = lookups(policy)

    def text_of(mapping, key, path) -> TextChecked:
        v = mapping.get(key)
        if v is None or isinstance(v, str):
            return check_cell(v, TEXT_LIMITS[key], TEXT_TABLE.get(key, NO_TABLE), lk)
        first.append(problem(path, "invalid_type"))
        return _WRONG_TYPE

    problems = RowProblems(k)
    person = {f: text_of(raw, f, f) for f in _TEXT_ORDER}
    for f, c in person.items():
        report_text(problems, f, c, required=f not in ("gender", "employer"),
                    limit=TEXT_LIMITS[f])
    names: list[str | None] = []
    seen: set[str] = set()
    for j, (i, item) in enumerate(rows):
        problems.begin(1, j)
        c = text_of(item, "specialty", f"specialties[{i}].specialty")
        names.append(c.values)
        good = report_text(problems, "specialty", c, required=True,
                           limit=TEXT_LIMITS["specialty"])
        problems.add("specialty", "duplicate_specialty", good and c.values in seen,
                     "value:specialty")
        if good:
            seen.add(c.values)

    problems.begin(2)
    ce_raw = raw.get("continuing_education_done")
    ce, _ = check_flags(problems, ce_raw, one=True)

    person_dates = {f: _parse_date(raw.get(f), f, first)
                    for f in ("birth_date", "certificate_downloaded_on")}
    row_dates = [{f: _parse_date(item.get(f), f"specialties[{i}].{f}", first)
                  for f in SPECIALTY_FIELDS[1:]} for i, item in rows]
    t = day_number(as_of)
    derived: dict = {}
    for j in range(max(k, 1)):  # the person's checks run with the first row (or none)
        problems.begin(3, j)
        dates = {f: dc for f, (dc, _) in person_dates.items()}
        unparsed = {f: u for f, (_, u) in person_dates.items()}
        for f in SPECIALTY_FIELDS[1:]:
            dates[f], unparsed[f] = row_dates[j][f] if k else (_ABSENT, False)
        derived = check_dates(problems, dates, policy, unparsed)
        check_dates_at(problems, dates, derived["adult"], t, policy)

    if problems.finish().items or first:
        raise InvalidInput(_profile_errors(first, problems, rows, person, names, ce_raw,
                                           person_dates, row_dates, derived))

    province_pos = person["employer_province"].pos
    values = {f: c.values for f, c in person.items()}
    specialties = []
    for j in range(k):
        r = {f: None if not dc.present else from_day(dc.days)
             for f, (dc, _) in row_dates[j].items()}
        specialties.append(SpecialtyInput(names[j], r["valid_from"], r["valid_until"],
                                          r["renewal_applied_on"], r["renewal_approved_on"]))
    birth, d = person_dates["birth_date"][0], person_dates["certificate_downloaded_on"][0]
    prof = Profile(
        name=values["name"],
        gender=None if values["gender"] is None else lk.gender[person["gender"].pos],
        birth_date=from_day(birth.days), registration_number=values["registration_number"],
        employer=values["employer"], employer_province=lk.province_short[province_pos],
        continuing_education_done=bool(ce),
        certificate_downloaded_on=from_day(d.days) if d.present else None,
        specialties=tuple(specialties))
    return CheckedProfile(prof, int(lk.province_regime[province_pos]), birth.days,
                          tuple({f: dc for f, (dc, _) in r.items()} for r in row_dates),
                          derived["age65"], derived["age65_i7"])


def _profile_errors(first, problems: Problems, rows, person, names, ce_raw, person_dates,
                    row_dates, derived) -> list[Problem]:
    """The problems of a profile as CONTRACT.md's errors (JSON paths), in the document's order:
    the scalars put back into the arrays that ``Problems.render`` reads (only when some check
    failed)."""
    texts = {f: pa.array([c.values], pa.large_string()) for f, c in person.items()}
    texts["specialty"] = pa.array(names, pa.large_string())
    texts["continuing_education_done"] = flag_texts([ce_raw])
    dates = {f: DateField(np.array([dc.days]), np.array([dc.present]))
             for f, (dc, _) in person_dates.items()}
    for f in SPECIALTY_FIELDS[1:]:
        dates[f] = DateField(np.array([r[f][0].days for r in row_dates], dtype=np.int64),
                             np.array([r[f][0].present for r in row_dates], dtype=bool))
    arrays = {name: np.array([v]) for name, v in derived.items()}
    errors = list(first)
    for f, idx, codes, table in problems.render(texts, dates, arrays):
        for j, p in zip(idx, (table[c] for c in codes), strict=True):
            path = f if f in PERSON_FIELDS else f"specialties[{rows[j][0]}].{f}"
            errors.append(Problem(field=path, code=p.code, message_zh=p.message_zh,
                                  message_en=p.message_en))
    return sorted(errors, key=_error_order)


def validate(raw: Mapping, as_of: date, policy: Policy = POLICY) -> Profile:
    """Check every field of a profile: return it normalised, or raise InvalidInput (all of them)."""
    return check_profile(raw, as_of, policy).profile


def _parse_date(value, path: str, first: list) -> tuple[DateField, bool]:
    """One date cell as (DateField of an int and a bool, unparsed); a cell that is not a date
    is reported in ``first`` as ``invalid_date``."""
    try:
        d = parse_iso(value)
    except (ValueError, TypeError):
        first.append(problem(path, "invalid_date", value=str(value)[:40]))
        return _ABSENT, True
    return (_ABSENT, False) if d is None else (DateField(day_number(d), True), False)


_ORDER = {f: i for i, f in enumerate(("profile", *_TEXT_ORDER, "continuing_education_done",
                                      "birth_date", "certificate_downloaded_on", "specialties"))}
_SPEC_ORDER = {f: i for i, f in enumerate(SPECIALTY_FIELDS)}


def _error_order(p: Problem):
    if p.field.startswith("specialties["):
        i = int(p.field[12:p.field.index("]")])
        rest = p.field.split(".", 1)[1] if "." in p.field else ""
        return (_ORDER["specialties"], i, _SPEC_ORDER.get(rest, -1))
    return (_ORDER.get(p.field, 99), 0, 0)


def number_warnings(number: str, province: str, as_of: date, policy: Policy) -> list[dict]:
    """The public-practice parts of a registration number (R-8, C-A1): warnings, never errors."""
    out: list[dict] = []
    char, digits = number[0], number[1:]
    char_province = policy.number_chars.get(char)
    if char != policy.number["military_char"] and char_province != province:
        out.append(coded("warnings", "number_province_mismatch", char=char,
                         number_province=char_province, province=province))
    if digits[0] != policy.number["level_digit"]:
        out.append(coded("warnings", "number_level", digit=digits[0]))
    code = digits[1:3]
    if code not in policy.number_codes:
        out.append(coded("warnings", "number_code_unknown", code=code))
    elif policy.number_codes[code] != char_province:
        out.append(coded("warnings", "number_code_char_mismatch", char=char, code=code))
    qual, reg = int(digits[3:7]), int(digits[7:11])
    if not (1990 <= qual <= reg <= as_of.year):
        out.append(coded("warnings", "number_years", qual_year=qual, reg_year=reg))
    return out
