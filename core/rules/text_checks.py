"""The text checks, written once for a profile's few values and a roster's columns: trimmed,
present, free of control characters, within its length limit, found in its table (gender,
province, specialty; R-8's form for a registration number: ``number_pattern``) (``check_text``,
``check_cell``, ``report_text``), and the continuing-education flag (``check_flags``). Each adds
its problems to a :class:`~core.rules.problem_masks.Problems`, with the codes and messages of
``core/messages/messages.toml``. R-8's public-practice parts are warnings
(``core.rules.validate.number_warnings``).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.policy.data import POLICY, Policy
from core.rules.ops import not_
from core.rules.problem_masks import Problems
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
    the limit), the exact string functions only on those rows. tests/test_rules_validate.py pits the
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


#: The text fields that may be left empty; every other one is required.
OPTIONAL_TEXT = ("gender", "employer")


def report_text(problems: Problems, field_: str, col: TextChecked) -> np.ndarray:
    """Add the problems of one text field (required unless in OPTIONAL_TEXT, at most
    ``TEXT_LIMITS[field_]`` characters); return the mask of acceptable values."""
    if field_ not in OPTIONAL_TEXT:
        problems.add(field_, "required", not_(col.present))
    problems.add(field_, "invalid_characters", col.ctrl)
    problems.add(field_, "too_long", col.too_long, {"limit": TEXT_LIMITS[field_]})
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
