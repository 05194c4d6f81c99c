"""Roster files in and out: CSV/XLSX reading, header aliases, date formats, safe export.

CONTRACT.md, "Roster file": one row per registered specialty; English column names or their
Chinese aliases; UTF-8 (with or without BOM) or GB18030/GBK; dates as 2021-08-01, 2021/8/1,
2021.8.1, 2021年8月1日, 20210801 or XLSX date cells.

Reading gives a :class:`Roster` with two aligned frames (index 0..n-1):

* ``raw``: the file's own columns under the file's own header names, every value as the text
  read (``"string"`` dtype, missing = ``pd.NA``). This is what output echoes as "the input
  columns".
* ``data``: exactly :data:`ROSTER_COLUMNS` plus ``error``:

  - text columns: ``"string"`` dtype (``pd.StringDtype()``, missing = ``pd.NA``), surrounding
    whitespace stripped, empty -> NA;
  - date columns: ``datetime64[s]`` (unit **seconds**, midnight of the calendar day), ``NaT``
    when missing or unparseable;
  - ``continuing_education_done``: pandas nullable ``"boolean"``;
  - ``error``: ``"string"``, NA for a clean row, else the cell problems found while parsing,
    ``"<column>: <code> (<中文> / <English>)"`` joined by ``"; "``.

  An empty cell is missing, not an error: required-ness is the validator's job.

A file that cannot be read at all raises :class:`RosterReadError` (code + Chinese + English).

Decisions (documented here because they are visible to users):

* Format is detected by content: a zip with an ``xl/`` part is XLSX, anything else is CSV.
  Legacy ``.xls`` (OLE2) and other zip formats (ODS, DOCX) are refused with a clear message.
* CSV encodings tried in order: BOM (UTF-8, UTF-16), UTF-16 without BOM (recognised by its NUL
  bytes on one side of each 2-byte unit), strict UTF-8, strict GB18030 (a superset
  of GBK/GB2312), then charset-normalizer's best guess; the first decoding whose header is
  recognisable wins. More than 3 % control bytes (NUL etc.) means binary -> ``binary_file``.
* A few NUL/control characters inside a CSV are kept in ``raw`` and give a row error
  ``<column>: control_character`` (the row is not dropped, the file is not refused).
* Delimiter: comma, semicolon or tab, chosen by which one makes the header recognisable.
* The header row is the best-recognised row among the first 20 (title rows above it are
  skipped). Header matching ignores case, surrounding/internal spaces, ``_``/``-``, full-width
  forms, a trailing ``*`` and a trailing bracketed hint such as ``出生日期(YYYY-MM-DD)``.
  When two columns map to the same field, the first one is used.
* Fully empty rows, and fully empty columns without a header name, are dropped.
* A CSV row with more fields than the header is kept (extra fields dropped from ``data``) and
  gets the row error ``row: too_many_fields``.
* XLSX: first sheet; formulas give their cached value (never evaluated; none cached -> empty);
  date cells come as dates; in date columns a number cell is an Excel serial day number
  (1899-12-30 epoch, accepted for 1900-03-01..2199-12-31); in text columns whole numbers are
  written without ``.0`` or exponent, and a number of 2**53 or more (digits already lost in the
  file) gives ``<column>: number_too_long``.
* Dates: years 1900..2199 only; a trailing time of day (``00:00:00``, ``13:05``) is ignored;
  full-width digits are accepted. Day-first forms (01/08/2021) are refused as ambiguous.
* Export neutralises spreadsheet formulas (OWASP "CSV injection"): a text cell (or header)
  starting with ``= + - @`` tab or carriage return gets a leading apostrophe.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import lzma
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO
from zlib import error as zlib_error

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.messages.catalogue import problem
from core.messages.errors import CodedError
from core.roster.schema import (
    COLUMN_LABELS_ZH,
    DATE_COLUMNS,
    ERROR_COLUMN,
    FLAG_COLUMN,
    HEADER_ALIASES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_XLSX_ROWS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
)

__all__ = [
    "Roster",
    "RosterReadError",
    "canonical_header",
    "neutralise_formulas",
    "parse_dates",
    "parse_flags",
    "read_roster",
    "roster_from_frame",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "write_table",
]

_HINT_RE = re.compile(r"\s*\([^()]*\)\s*$")
_SEPARATORS_RE = re.compile(r"[\s_\-]+")


def _header_key(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().casefold()
    text = text.rstrip("*").strip()
    stripped = _HINT_RE.sub("", text)
    if stripped:
        text = stripped
    return _SEPARATORS_RE.sub("", text.rstrip("*"))


_ALIAS_KEYS: dict[str, str] = {_header_key(k): v for k, v in HEADER_ALIASES.items()}


def canonical_header(header: object) -> str | None:
    """The canonical column a header names (``"出生日期 *"`` -> ``"birth_date"``), else None."""
    if header is None or (isinstance(header, float) and np.isnan(header)):
        return None
    return _ALIAS_KEYS.get(_header_key(header))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class RosterReadError(CodedError):
    """The file cannot be read as a roster at all (CLI exit 2). Bilingual, with a code."""


def _label(col: str) -> tuple[str, str]:
    """(Chinese, English) label of a canonical column for messages."""
    return f"{COLUMN_LABELS_ZH[col]}（{col}）", f"{col} ({COLUMN_LABELS_ZH[col]})"


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Roster:
    """A roster as read. ``raw`` and ``data`` share the index 0..n-1 (see module docstring).

    ``source_format`` is ``"csv"``, ``"xlsx"`` or ``"frame"`` (from :func:`roster_from_frame`);
    ``encoding`` is the CSV's encoding (None otherwise); ``sha256`` is the hex digest of the
    bytes read (None for a frame).
    """

    raw: pd.DataFrame
    data: pd.DataFrame
    source_format: str
    encoding: str | None = None
    file_name: str | None = None
    sha256: str | None = None

    def __len__(self) -> int:
        return len(self.data)

    @property
    def n_errors(self) -> int:
        return int(self.data[ERROR_COLUMN].notna().sum())


STRING = pd.StringDtype()  # "string": pd.NA for missing (pyarrow storage when available)
DATE_DTYPE = "datetime64[s]"

# --------------------------------------------------------------------------------------------
# Dates (vectorised)
# --------------------------------------------------------------------------------------------

_TIME = r"(?:(?:\s+|T)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?)?"
_DATE_SEPARATED = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _TIME + r"$"
)
_DATE_ISO = r"^\d{4}-\d\d-\d\d$"
_DATE_STRICT = r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"
_DATE_COMPACT = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})" + _TIME + r"$"
_MIN_YEAR, _MAX_YEAR = 1900, 2199
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_SERIAL_MIN = int((np.datetime64("1900-03-01", "D") - _EXCEL_EPOCH).astype(int))  # 61
_SERIAL_MAX = int((np.datetime64(f"{_MAX_YEAR}-12-31", "D") - _EXCEL_EPOCH).astype(int))
_DATE_LO = np.datetime64(f"{_MIN_YEAR}-01-01", "s")
_DATE_HI = np.datetime64(f"{_MAX_YEAR}-12-31", "s")
_NAT = np.datetime64("NaT", "s")


def _to_arrow_strings(series: pd.Series) -> pa.Array:
    s = series if isinstance(series.dtype, pd.StringDtype) else series.astype(STRING)
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _ints(field: pa.Array) -> np.ndarray:
    """Digits (already validated by the regex) -> int64, 0 where null."""
    return pc.fill_null(pc.cast(field, pa.int64()), 0).to_numpy(zero_copy_only=False)


def _ymd_to_datetime(y: np.ndarray, m: np.ndarray, d: np.ndarray):
    """Vectorised calendar check and build: (datetime64[s] array, valid mask)."""
    ok = (y >= _MIN_YEAR) & (y <= _MAX_YEAR) & (m >= 1) & (m <= 12) & (d >= 1)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0).astype("datetime64[M]")
    start = months.astype("datetime64[D]")
    month_len = ((months + 1).astype("datetime64[D]") - start).astype(np.int64)
    ok &= d <= month_len
    days = start + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    return np.where(ok, days.astype(DATE_DTYPE), _NAT), ok


def _scatter_ymd(parts: pa.StructArray, positions: np.ndarray, y, m, d, matched) -> None:
    hit = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False)
    if not hit.any():
        return
    where = positions[hit]
    parts = parts.filter(pa.array(hit))
    y[where] = _ints(pc.struct_field(parts, "y"))
    m[where] = _ints(pc.struct_field(parts, "m"))
    d[where] = _ints(pc.struct_field(parts, "d"))
    matched[where] = True


def _parse_date_strings(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Text -> (datetime64[s] values, present-but-invalid mask), both numpy, no Python loop.

    Cheapest first: exact ISO ``YYYY-MM-DD`` by slicing, then a strict separated form on the
    rest, then the lenient patterns (spaces, time of day, 8 digits) on what is still left.
    """
    n = len(series)
    values = np.full(n, _NAT)
    invalid = np.zeros(n, bool)
    if n == 0:
        return values, invalid
    arr = pc.utf8_trim_whitespace(_to_arrow_strings(series))
    present = pc.fill_null(pc.not_equal(arr, ""), False).to_numpy(zero_copy_only=False)
    if not present.any():
        return values, invalid
    y = np.zeros(n, np.int64)
    m = np.zeros(n, np.int64)
    d = np.zeros(n, np.int64)
    matched = np.zeros(n, bool)
    iso = pc.fill_null(pc.match_substring_regex(arr, _DATE_ISO), False).to_numpy(
        zero_copy_only=False
    )
    if iso.any():
        where = np.flatnonzero(iso)
        sub = arr.filter(pa.array(iso))
        y[where] = _ints(pc.utf8_slice_codeunits(sub, 0, 4))
        m[where] = _ints(pc.utf8_slice_codeunits(sub, 5, 7))
        d[where] = _ints(pc.utf8_slice_codeunits(sub, 8, 10))
        matched[where] = True
    for pattern in (_DATE_STRICT, _DATE_SEPARATED, _DATE_COMPACT):
        rest = np.flatnonzero(present & ~matched)
        if not len(rest):
            break
        sub = arr if len(rest) == n else arr.take(pa.array(rest))
        _scatter_ymd(pc.extract_regex(sub, pattern), rest, y, m, d, matched)
    where = np.flatnonzero(matched)
    sub_values, ok = _ymd_to_datetime(y[where], m[where], d[where])
    values[where] = sub_values
    invalid = present.copy()
    invalid[where[ok]] = False
    # Full-width digits and separators (２０２１－０８－０１): normalise the few failures only.
    retry = np.flatnonzero(invalid & ~matched)
    if len(retry):
        texts = arr.take(pa.array(retry)).to_pylist()
        folded = [unicodedata.normalize("NFKC", t) for t in texts]
        changed = [i for i, (a, b) in enumerate(zip(texts, folded, strict=True)) if a != b]
        if changed:
            sub_series = pd.Series([folded[i] for i in changed], dtype=STRING)
            sub_values, sub_invalid = _parse_date_strings(sub_series)
            idx = retry[changed]
            values[idx] = sub_values
            invalid[idx] = sub_invalid
    return values, invalid


def _serials_to_datetime(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial day numbers (1899-12-30 epoch; fraction = time of day, ignored)."""
    numbers = np.asarray(numbers, dtype=np.float64)
    ok = np.isfinite(numbers) & (numbers >= _SERIAL_MIN) & (numbers < _SERIAL_MAX + 1)
    whole = np.where(ok, np.floor(np.where(ok, numbers, 0)), 0).astype(np.int64)
    values = (_EXCEL_EPOCH + whole.astype("timedelta64[D]")).astype(DATE_DTYPE)
    return np.where(ok, values, _NAT), ok


def _datetimes_to_day(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    values = series.to_numpy().astype("datetime64[D]").astype(DATE_DTYPE)
    present = ~np.isnat(values)
    ok = present & (values >= _DATE_LO) & (values <= _DATE_HI)
    return np.where(ok, values, _NAT), present & ~ok


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_)
    )


def _element_kind(v: object) -> int:
    """0 missing, 1 text, 2 date/datetime, 3 number, 4 other (time, bool, …)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return 0
    if isinstance(v, str):
        return 1
    if isinstance(v, (datetime, date, np.datetime64)):
        return 0 if pd.isna(v) else 2
    if _is_number(v):
        return 0 if v != v else 3  # NaN
    return 4


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates of a column: ``(datetime64[s] Series, bool Series of present-but-invalid cells)``.

    Vectorised (no Python loop per row for text, datetime or numeric columns). Text accepted:
    2021-08-01, 2021/8/1, 2021.8.1, 2021年8月1日, 20210801, each optionally followed by a time
    of day; dates/datetimes as they are (time dropped); numbers are Excel serial day numbers.
    Missing or blank cells are NaT and not invalid. Both results keep ``series.index``.
    """
    index = series.index
    n = len(series)
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values, invalid = _datetimes_to_day(series)
    elif pd.api.types.is_bool_dtype(dtype):
        values, invalid = np.full(n, _NAT), series.notna().to_numpy(dtype=bool)
    elif pd.api.types.is_numeric_dtype(dtype):
        numbers = series.astype("float64").to_numpy(na_value=np.nan)
        values, ok = _serials_to_datetime(numbers)
        invalid = ~np.isnan(numbers) & ~ok
    elif isinstance(dtype, pd.StringDtype):
        values, invalid = _parse_date_strings(series)
    else:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("string", "empty"):
            values, invalid = _parse_date_strings(series.astype(STRING))
        else:
            values = np.full(n, _NAT)
            invalid = np.zeros(n, bool)
            kinds = series.map(_element_kind).to_numpy(dtype=np.int8)
            obj = series.to_numpy(dtype=object)
            for kind in (1, 2, 3, 4):
                pos = np.flatnonzero(kinds == kind)
                if not len(pos):
                    continue
                if kind == 1:
                    v, bad = _parse_date_strings(pd.Series(obj[pos], dtype=STRING))
                elif kind == 2:
                    try:
                        as_dt = pd.to_datetime(pd.Series(obj[pos]), errors="coerce")
                    except (TypeError, ValueError):  # e.g. mixed time zones
                        as_dt = pd.Series([pd.Timestamp(x).replace(tzinfo=None) for x in obj[pos]])
                    v, bad = _datetimes_to_day(as_dt)
                    bad = bad | np.isnat(v)
                elif kind == 3:
                    v, ok = _serials_to_datetime(obj[pos].astype(np.float64))
                    bad = ~ok
                else:
                    v, bad = np.full(len(pos), _NAT), np.ones(len(pos), bool)
                values[pos] = v
                invalid[pos] = bad
    return (
        pd.Series(values, index=index, dtype=DATE_DTYPE, name=series.name),
        pd.Series(invalid, index=index, dtype=bool, name=series.name),
    )


# --------------------------------------------------------------------------------------------
# Flags (vectorised)
# --------------------------------------------------------------------------------------------

_FLAG_WORDS: dict[str, bool] = {
    "是": True, "否": False,
    "true": True, "false": False,
    "1": True, "0": False,
    "yes": True, "no": False,
    "y": True, "n": False,
    "已完成": True, "未完成": False,
    "完成": True,
    "√": True, "×": False,
    "✓": True, "✔": True, "✗": False, "✘": False,
}  # fmt: skip
_FLAG_KEYS = pd.Index(list(_FLAG_WORDS))
_FLAG_VALUES = np.array(list(_FLAG_WORDS.values()), dtype=bool)


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no cells -> ``("boolean" Series, bool Series of present-but-invalid cells)``.

    是/否, true/false (any case), 1/0, yes/no, y/n, 已完成/未完成, √/×; blank -> NA, no error.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), pd.Series(False, index=series.index)
    text = series if isinstance(series.dtype, pd.StringDtype) else _to_text(series)
    key = text.str.strip().str.lower()
    key = key.mask(key.str.endswith(".0", na=False), key.str.slice(0, -2))  # 1.0 / 0.0
    codes = _FLAG_KEYS.get_indexer(key.fillna("\0missing"))
    present = (key.fillna("") != "").to_numpy(dtype=bool)
    known = codes >= 0
    values = pd.array(_FLAG_VALUES[np.where(known, codes, 0)], dtype="boolean")
    values[~known] = pd.NA
    result = pd.Series(values, index=series.index, name=series.name)
    return result, pd.Series(present & ~known, index=series.index, name=series.name)


# --------------------------------------------------------------------------------------------
# Values -> text (raw frame)
# --------------------------------------------------------------------------------------------


def _number_text(v: float | int) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if f.is_integer() and abs(f) < 1e21:
        return str(int(f))
    return repr(f)


def _cell_text(v: object) -> object:
    kind = _element_kind(v)
    if kind == 0:
        return pd.NA
    if kind == 1:
        return v
    if kind == 3:
        return _number_text(v)
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    if isinstance(v, datetime):
        if v.time() == time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.isoformat(timespec="seconds")
    if isinstance(v, timedelta):
        return str(v)
    return str(v)


def _to_text(series: pd.Series) -> pd.Series:
    """Any column -> ``"string"`` Series of its cell texts (missing = NA, '' kept)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return series if dtype == STRING else series.astype(STRING)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        stamps = values.to_numpy().astype("datetime64[s]")
        days = stamps.astype("datetime64[D]")  # floor, also before 1970
        text = pc.cast(pa.array(days), pa.string())  # ISO dates, fast
        timed = ~np.isnat(stamps) & (stamps != days)
        if timed.any():
            text = pc.if_else(pa.array(timed), pc.cast(pa.array(stamps), pa.string()), text)
        return pd.Series(text.to_pandas(types_mapper={pa.string(): STRING}.get), index=series.index)
    if pd.api.types.is_bool_dtype(dtype):
        return series.map({True: "TRUE", False: "FALSE"}).astype(STRING)
    if pd.api.types.is_integer_dtype(dtype):
        return series.astype(STRING)
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.astype("float64").to_numpy(na_value=np.nan)
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers) & (np.abs(numbers) < 1e21)
        text = pd.Series(numbers, index=series.index).map(repr).astype(STRING)
        if whole.any():
            text[whole] = pd.Series(
                [str(int(x)) for x in numbers[whole]], index=series.index[whole], dtype=STRING
            )
        return text.mask(np.isnan(numbers))
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.astype(STRING)
    return series.map(_cell_text).astype(STRING)


# --------------------------------------------------------------------------------------------
# Normalisation: raw (+ typed cells) -> data
# --------------------------------------------------------------------------------------------

_CONTROL_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_MESSAGE_VALUE_MAX = 40
def _cell_messages(column: str, code: str, values: pd.Series) -> pd.Series:
    """``'<column>: <code> (<中文> / <English>)'`` for each cell, in the words of the one message
    catalogue (core/messages/messages.toml), formatted once per distinct value."""
    v = values.astype(STRING).fillna("")
    long = v.str.len() > _MESSAGE_VALUE_MAX
    v = v.where(~long, v.str.slice(0, _MESSAGE_VALUE_MAX) + "…")
    v = v.str.replace(_CONTROL_CHARS, "\N{REPLACEMENT CHARACTER}", regex=True)
    codes, uniques = pd.factorize(v)
    table = np.array([problem(column, code, value=u).as_text() for u in uniques] + [None],
                     dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=STRING)


class _Errors:
    """Row errors collected column by column, joined with '; ' (only touched rows cost)."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.parts: list[pd.Series] = []

    def add(self, mask: np.ndarray | pd.Series, messages: pd.Series) -> None:
        """Messages (indexed like the frame, at least on the masked rows) for the masked rows."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.parts.append(messages.loc[self.index[mask]].astype(STRING))

    def add_cells(self, mask, column: str, code: str, text: pd.Series) -> None:
        """Cell messages for the masked rows, built from those rows' text only."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.parts.append(_cell_messages(column, code, text[mask].str.strip()))

    def series(self) -> pd.Series:
        out = pd.Series(pd.NA, index=self.index, dtype=STRING, name=ERROR_COLUMN)
        for part in self.parts:
            current = out.loc[part.index]
            out.loc[part.index] = current.where(current.isna(), current + "; " + part).fillna(part)
        return out


def _too_long_numbers(cells: pd.Series) -> np.ndarray:
    """Number cells of 2**53 or more: their last digits are already lost in the file."""
    if pd.api.types.is_bool_dtype(cells.dtype):
        return np.zeros(len(cells), bool)
    if pd.api.types.is_numeric_dtype(cells.dtype):
        numbers = cells.astype("float64").to_numpy(na_value=np.nan)
        return np.abs(np.nan_to_num(numbers)) >= 2**53
    if cells.dtype != object or pd.api.types.infer_dtype(cells, skipna=True) in (
        "string",
        "empty",
    ):
        return np.zeros(len(cells), bool)
    return cells.map(lambda v: _is_number(v) and v == v and abs(v) >= 2**53).to_numpy(bool)


def _column_map(columns: list[str]) -> dict[str, str]:
    """canonical -> the first raw column naming it."""
    found: dict[str, str] = {}
    for col in columns:
        canon = canonical_header(col)
        if canon is not None and canon not in found:
            found[canon] = col
    return found


def _missing_columns_error(missing: list[str]) -> RosterReadError:
    zh = "、".join(_label(c)[0] for c in missing)
    en = ", ".join(_label(c)[1] for c in missing)
    return RosterReadError(
        "missing_columns", f"缺少必需的列：{zh}", f"missing required columns: {en}"
    )


def _normalise(
    raw: pd.DataFrame,
    typed: pd.DataFrame | None = None,
    *,
    check_control: bool = False,
    row_errors: pd.Series | None = None,
) -> pd.DataFrame:
    """raw (text) and, when the source had typed cells, ``typed`` (same shape) -> ``data``."""
    mapping = _column_map(list(raw.columns))
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise _missing_columns_error(missing)
    index = raw.index
    errors = _Errors(index)
    if row_errors is not None:
        errors.add(row_errors.notna().to_numpy(), row_errors)
    data: dict[str, pd.Series] = {}
    for col in ROSTER_COLUMNS:
        source = mapping.get(col)
        if source is None:
            if col in DATE_COLUMNS:
                data[col] = pd.Series(_NAT, index=index, dtype=DATE_DTYPE)
            elif col == FLAG_COLUMN:
                data[col] = pd.Series(pd.NA, index=index, dtype="boolean")
            else:
                data[col] = pd.Series(pd.NA, index=index, dtype=STRING)
            continue
        text = raw[source]
        if col in DATE_COLUMNS:
            cells = typed[source] if typed is not None else text
            values, invalid = parse_dates(cells)
            data[col] = values.rename(None)
            errors.add_cells(invalid, col, "invalid_date", text)
        elif col == FLAG_COLUMN:
            values, invalid = parse_flags(text)
            data[col] = values.rename(None)
            errors.add_cells(invalid, col, "invalid_flag", text)
        else:
            stripped = text.str.strip()
            data[col] = stripped.mask(stripped == "").rename(None)
            if typed is not None:
                errors.add_cells(_too_long_numbers(typed[source]), col, "number_too_long", text)
        if check_control:
            bad = text.str.contains(_CONTROL_CHARS, regex=True, na=False).to_numpy(dtype=bool)
            errors.add_cells(bad, col, "control_character", text)
    frame = pd.DataFrame(data, index=index)
    frame[ERROR_COLUMN] = errors.series()
    return frame


def _blank_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        s = _to_text(frame[col])
        out[col] = s.mask(s == "")
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _header_names(cells: list[object]) -> list[str]:
    """Header cells -> unique column names (blank -> 'Unnamed: i', repeats -> 'x.1')."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        text = "" if cell is None or _element_kind(cell) == 0 else str(_cell_text(cell))
        text = text.replace("\ufeff", "").strip() or f"Unnamed: {i}"
        base = text
        while text in seen:
            seen[base] += 1
            text = f"{base}.{seen[base]}"
        seen.setdefault(base, 0)
        seen[text] = 0
        names.append(text)
    return names


def _tidy(raw: pd.DataFrame, typed: pd.DataFrame | None, extra: pd.Series | None):
    """Drop fully empty rows and fully empty unnamed columns; reset the index to 0..n-1."""
    unnamed = [c for c in raw.columns if str(c).startswith("Unnamed: ") and raw[c].isna().all()]
    if unnamed:
        raw = raw.drop(columns=unnamed)
        if typed is not None:
            typed = typed.drop(columns=unnamed)
    keep = raw.notna().any(axis=1).to_numpy() if len(raw.columns) else np.zeros(len(raw), bool)
    if not keep.all():
        raw = raw[keep]
        typed = typed[keep] if typed is not None else None
        extra = extra[keep] if extra is not None else None
    raw = raw.reset_index(drop=True)
    if typed is not None:
        typed = typed.reset_index(drop=True)
    if extra is not None:
        extra = extra.reset_index(drop=True)
    return raw, typed, extra


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

_HEADER_SCAN_ROWS = 20
_HEADER_SCAN_CHARS = 256 * 1024
_BINARY_CONTROL_SHARE = 0.03
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


def _too_large(size: int) -> RosterReadError:
    return RosterReadError(
        "file_too_large",
        f"文件过大（{size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB）",
        f"the file is too large ({size / 1048576:.0f} MB, the limit is "
        f"{MAX_FILE_BYTES // 1048576} MB)",
    )


def _read_source(source, file_name: str | None) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > MAX_FILE_BYTES:
            raise _too_large(len(source))
        return bytes(source), file_name
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            with path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > MAX_FILE_BYTES:  # refused before a byte is read
                    raise _too_large(size)
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise RosterReadError(
                "cannot_open",
                f"无法打开文件 {path.name}：{exc.strerror or exc}",
                f"cannot open file {path.name}: {exc.strerror or exc}",
            ) from exc
        if len(data) > MAX_FILE_BYTES:  # a pipe or a file still growing
            raise _too_large(len(data))
        return data, file_name or path.name
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        content = source.read(MAX_FILE_BYTES + 1)
        if isinstance(content, str):
            content = content.encode("utf-8")
        if len(content) > MAX_FILE_BYTES:
            raise _too_large(len(content))
        name = file_name or getattr(source, "name", None)
        return bytes(content), (os.path.basename(name) if isinstance(name, str) else None)
    raise TypeError(f"read_roster: unsupported source {type(source).__name__}")


def _header_score(cells: list[object]) -> int:
    return len({c for c in (canonical_header(x) for x in cells) if c is not None})


def _best_header(rows: list[list[object]]) -> tuple[int, int]:
    """(row index, score) of the best-recognised header row among ``rows``."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        score = _header_score(row)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _no_header_error() -> RosterReadError:
    return RosterReadError(
        "no_header",
        "找不到表头：第一行应为列名，例如 姓名、出生日期、注册编号、注册单位所在地、注册专业、"
        "有效期起、有效期止（或英文 name, birth_date, …）",
        "no recognisable header row: the first row should hold column names such as name, "
        "birth_date, registration_number, employer_province, specialty, valid_from, valid_until "
        "(or their Chinese aliases)",
    )


_CHUNK = 8 << 20
_PREFIX_BYTES = 1 << 20


def _to_utf8(data: memoryview, encoding: str) -> memoryview:
    """Strict decode of the whole ``data``, as UTF-8 bytes (UTF-8 input: the same bytes,
    validated chunk by chunk, never held as one big str). Raises UnicodeDecodeError."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)("strict")
    if encoding == "utf-8":
        for i in range(0, len(data), _CHUNK):
            decoder.decode(data[i : i + _CHUNK])
        decoder.decode(b"", final=True)
        return data
    parts = [
        decoder.decode(data[i : i + _CHUNK]).encode("utf-8") for i in range(0, len(data), _CHUNK)
    ]
    parts.append(decoder.decode(b"", final=True).encode("utf-8"))
    return memoryview(b"".join(parts))


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` looks like UTF-16 text saved without a BOM:
    an even length, and a NUL byte on one side of many 2-byte units (ASCII letters, digits,
    separators, line ends) and almost never on the other. Such a file is text, not binary."""
    sample = data[: 1 << 16]
    if len(data) % 2 or len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _decode_candidates(data: bytes):
    """Yield (encoding, UTF-8 bytes of the whole file) in order of preference."""
    view = memoryview(data)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            yield "utf-8-sig", _to_utf8(view[3:], "utf-8")
            return
        except UnicodeDecodeError:
            pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            yield "utf-16", _to_utf8(view, "utf-16")
            return
        except UnicodeDecodeError:
            pass
    guess = _utf16_without_bom(data)
    if guess is not None:
        try:
            yield guess, _to_utf8(view, guess)
            return
        except UnicodeDecodeError:
            pass
    try:
        yield "utf-8", _to_utf8(view, "utf-8")
        return  # strict UTF-8 almost never succeeds by accident
    except UnicodeDecodeError:
        pass
    try:
        yield "gb18030", _to_utf8(view, "gb18030")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 4 * 1024 * 1024]).best()
    except Exception:  # noqa: BLE001 - a detector failure only means "no guess"
        best = None
    if best is not None and best.encoding not in ("utf_8", "gb18030"):
        try:
            yield best.encoding, _to_utf8(view, best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _csv_prefix_rows(text: str, delimiter: str) -> list[tuple[list[str], int]]:
    """The first records of ``text``, each with the character offset just after it."""
    rows: list[tuple[list[str], int]] = []
    consumed = 0

    def lines():
        nonlocal consumed
        for match in _LINE_RE.finditer(text, 0, min(len(text), _HEADER_SCAN_CHARS)):
            line = match.group()
            if not line:
                return
            consumed = match.end()
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        for row in reader:
            rows.append((row, consumed))
            if len(rows) >= _HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass
    return rows


def _locate_csv_header(text: str) -> tuple[str, list[str], int, int]:
    """(delimiter, header cells, character offset of the data after it, score).

    The delimiter is the one of comma, semicolon, tab that makes a header recognisable (comma
    wins ties)."""
    best: tuple[str, list[str], int, int] = (",", [], 0, 0)
    for delimiter in (",", ";", "\t"):
        rows = _csv_prefix_rows(text, delimiter)
        if not rows:
            continue
        i, score = _best_header([r for r, _ in rows])
        if score > best[3]:
            best = (delimiter, rows[i][0], rows[i][1], score)
    return best


def _read_csv_arrow(body: memoryview, delimiter: str, ncols: int) -> pd.DataFrame:
    """Fast path (pyarrow.csv): every field as text, '' -> NA; raises on ragged rows."""
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(ncols)]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.large_string() for c in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    return pd.DataFrame(
        {
            i: table.column(i).to_pandas(types_mapper={pa.large_string(): STRING}.get)
            for i in range(ncols)
        }
    )


def _read_csv_pandas(body: bytes, delimiter: str, ncols: int) -> pd.DataFrame:
    """Second path (pandas C parser): tolerates rows with fewer fields; raises on extra ones."""
    frame = pd.read_csv(
        io.BytesIO(body),
        sep=delimiter,
        header=None,
        names=list(range(ncols)),
        index_col=False,
        dtype=STRING,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        engine="c",
        encoding="utf-8",
    )
    return _blank_to_na(frame)


def _first_row_too_long(body: memoryview, delimiter: str, ncols: int) -> bool:
    """True when the first data row has non-empty fields beyond the header. The pandas path
    must not see such a file: for the FIRST row only, pandas drops the extra fields with a mere
    ParserWarning instead of raising, and the row would lose data without a row error."""
    prefix = bytes(body[:_PREFIX_BYTES]).decode("utf-8", errors="ignore")
    first = next((row for row, _ in _csv_prefix_rows(prefix, delimiter) if row), None)
    return first is not None and any(x.strip() for x in first[ncols:])


def _read_csv_tolerant(body: str, delimiter: str, ncols: int):
    """Last path (csv module, a loop per row, only for files with over-long rows):
    (frame, row errors naming rows with extra non-empty fields)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # only ever raised
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    errors: list[object] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) > ncols:
                extra = row[ncols:]
                if any(x.strip() for x in extra):
                    errors.append(
                        f"row: too_many_fields (本行有 {len(row)} 个字段，表头只有 {ncols} 列 / "
                        f"this row has {len(row)} fields, the header has {ncols} columns)"
                    )
                else:
                    errors.append(pd.NA)
                row = row[:ncols]
            else:
                errors.append(pd.NA)
                row = row + [""] * (ncols - len(row))
            rows.append(row)
    except csv.Error as exc:
        raise RosterReadError(
            "malformed_csv",
            f"CSV 文件格式错误，无法读取：{exc}",
            f"malformed CSV file, cannot be read: {exc}",
        ) from exc
    frame = pd.DataFrame(rows, columns=list(range(ncols)), dtype=STRING)
    return _blank_to_na(frame), pd.Series(errors, dtype=STRING)


def _limit_error(code: str, what_zh: str, what_en: str, found: int, limit: int):
    return RosterReadError(
        code,
        f"{what_zh}超出上限：{found:,} > {limit:,}（本系统一次最多读取 {MAX_ROWS:,} 行、"
        f"{MAX_COLUMNS} 列）",
        f"{what_en} over the limit: {found:,} > {limit:,} (this system reads at most "
        f"{MAX_ROWS:,} rows and {MAX_COLUMNS} columns per file)",
    )


def _count_bytes(data, needle: bytes) -> int:
    """Occurrences of ``needle`` (one byte) in ``data`` (bytes or memoryview), chunk by chunk."""
    if isinstance(data, bytes):
        return data.count(needle)
    return sum(bytes(data[i : i + _CHUNK]).count(needle) for i in range(0, len(data), _CHUNK))


def _check_csv_lines(data: bytes) -> None:
    """More lines than MAX_ROWS (plus the header area) is refused before anything is parsed."""
    lines = data.count(b"\n") or data.count(b"\r")
    if lines > MAX_ROWS + _HEADER_SCAN_ROWS:
        raise _limit_error("too_many_rows", "行数", "number of rows", lines,
                           MAX_ROWS + _HEADER_SCAN_ROWS)


def _check_csv_shape(body, delimiter: str, ncols: int) -> None:
    if ncols > MAX_COLUMNS:
        raise _limit_error("too_many_columns", "列数", "number of columns", ncols, MAX_COLUMNS)
    fields = _count_bytes(body, delimiter.encode("ascii"))
    if fields > MAX_CELLS:
        raise _limit_error("too_many_cells", "单元格数", "number of cells", fields, MAX_CELLS)


def _read_csv(data: bytes, file_name: str | None, digest: str) -> Roster:
    _check_csv_lines(data)
    control = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if (
        data[:2] not in (b"\xff\xfe", b"\xfe\xff")
        and _utf16_without_bom(data) is None
        and control > _BINARY_CONTROL_SHARE * len(data)
    ):
        raise RosterReadError(
            "binary_file",
            "文件不是 CSV 或 XLSX 表格（看起来是二进制数据）",
            "the file is not a CSV or XLSX table (it looks like binary data)",
        )
    chosen = None
    decoded_any = False
    for encoding, utf8 in _decode_candidates(data):
        decoded_any = True
        if _is_blank(bytes(utf8[:65536])) and _is_blank(bytes(utf8)):
            raise RosterReadError("empty_file", "文件为空", "the file is empty")
        prefix = bytes(utf8[:_PREFIX_BYTES]).decode("utf-8", errors="ignore")  # cut may split
        delimiter, header, offset, score = _locate_csv_header(prefix)
        if score:
            chosen = (encoding, utf8, delimiter, header, len(prefix[:offset].encode("utf-8")))
            break
    if not decoded_any:
        raise RosterReadError(
            "unknown_encoding",
            "无法识别文件编码：请保存为 UTF-8 或 GB18030/GBK 编码的 CSV，或 XLSX",
            "unrecognised text encoding: save the file as CSV in UTF-8 or GB18030/GBK, or as XLSX",
        )
    if chosen is None:
        raise _no_header_error()
    encoding, utf8, delimiter, header, start = chosen
    names = _header_names(header)
    ncols = len(names)
    body = utf8[start:]
    _check_csv_shape(body, delimiter, ncols)
    extra = None
    if _is_blank(bytes(body[:65536])) and _is_blank(bytes(body)):
        frame = pd.DataFrame({i: pd.Series([], dtype=STRING) for i in range(ncols)})
    else:
        try:
            frame = _read_csv_arrow(body, delimiter, ncols)
        except (pa.ArrowInvalid, ValueError):
            try:
                if _first_row_too_long(body, delimiter, ncols):
                    raise pd.errors.ParserError("the first data row has extra fields")
                frame = _read_csv_pandas(bytes(body), delimiter, ncols)
            except (pd.errors.ParserError, ValueError):
                frame, extra = _read_csv_tolerant(bytes(body).decode("utf-8"), delimiter, ncols)
    frame.columns = names
    raw, _, extra = _tidy(frame, None, extra)
    data_frame = _normalise(raw, None, check_control=control > 0, row_errors=extra)
    return Roster(raw, data_frame, "csv", encoding, file_name, digest)


def _xlsx_frame(data: bytes) -> pd.DataFrame:
    problems = []
    for engine in ("calamine", "openpyxl"):
        try:
            return pd.read_excel(
                io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine=engine
            )
        except Exception as exc:  # noqa: BLE001 - any reader failure: try the next reader
            problems.append(f"{engine}: {exc}")
    raise RosterReadError(
        "bad_xlsx",
        "XLSX 文件已损坏或不是有效的 Excel 工作簿",
        "the XLSX file is damaged or not a valid Excel workbook ("
        + "; ".join(problems)[:300]
        + ")",
    )


def _read_xlsx(data: bytes, file_name: str | None, digest: str) -> Roster:
    grid = _xlsx_frame(data)
    if grid.empty or grid.isna().all().all():
        raise RosterReadError("empty_file", "第一个工作表为空", "the first worksheet is empty")
    grid = grid.reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    top = [list(grid.iloc[i]) for i in range(min(len(grid), _HEADER_SCAN_ROWS))]
    header_at, score = _best_header(top)
    if not score:
        raise _no_header_error()
    names = _header_names(top[header_at])
    typed = grid.iloc[header_at + 1 :].copy()
    typed.columns = names
    raw = _blank_to_na(typed)
    raw, typed, _ = _tidy(raw, typed, None)
    data_frame = _normalise(raw, typed)
    return Roster(raw, data_frame, "xlsx", None, file_name, digest)


def _bad_zip(exc: BaseException | None = None) -> RosterReadError:
    return RosterReadError(
        "bad_xlsx",
        "XLSX 文件已损坏（可能未完整上传）",
        "the XLSX file is damaged (perhaps not completely uploaded)",
    )


def _unpacked_too_large(limit: int = MAX_UNPACKED_BYTES) -> RosterReadError:
    return RosterReadError(
        "unpacked_too_large",
        f"文件解压后过大（上限 {limit // 1048576} MB）",
        f"the file is too large when unpacked (the limit is {limit // 1048576} MB)",
    )


_COLUMN_REF3 = re.compile(rb'<c\b[^>]{0,64}?\br="[A-Z]{3}')
_COLUMN_REF2 = re.compile(rb'<c\b[^>]{0,64}?\br="([A-Z]{2})\d')
_ROW_NUMBER = re.compile(rb'<row\b[^>]{0,64}?\br="(\d+)"')
_BIG_ROW_REF = re.compile(rb'\br="[A-Z]{0,3}(\d{7,})"')
_DIMENSION = re.compile(
    rb'<dimension\b[^>]{0,64}?\bref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_TAIL = 96  # bytes kept between chunks so a pattern cut by a chunk boundary is still seen


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_sheet(stream, budget: list[int]) -> None:
    """Stream one worksheet's XML (never held whole) and refuse it before any reader allocates
    for it: a declared ``<dimension>`` or a used area over MAX_CELLS, a column past MAX_COLUMNS,
    more rows than Excel allows, more cells than MAX_CELLS, or more unpacked bytes than left in
    ``budget``."""
    tail = b""
    rows = cells = max_row = 0
    max_col = 26  # one-letter columns: at most Z; wider ones are found below
    wide_col = 0
    first = True
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _unpacked_too_large()
        text = tail + chunk
        if first:
            first = False
            dim = _DIMENSION.search(text)
            if dim:
                c1, r1, c2, r2 = dim.groups()
                top = int(r2 or r1 or 0)
                width = _column_number(c2 or c1 or b"A")
                if width > MAX_COLUMNS or top > MAX_XLSX_ROWS or top * width > MAX_CELLS:
                    raise _limit_error("too_many_cells", "工作表声明的区域",
                                       "the sheet's declared area",
                                       top * width, MAX_CELLS)
        if _COLUMN_REF3.search(text):
            raise _limit_error("too_many_columns", "列数", "number of columns", 703, MAX_COLUMNS)
        for letters in _COLUMN_REF2.findall(text):
            wide_col = max(wide_col, _column_number(letters))
        if wide_col > MAX_COLUMNS:
            raise _limit_error("too_many_columns", "列数", "number of columns", wide_col,
                               MAX_COLUMNS)
        for number in _ROW_NUMBER.findall(text):
            max_row = max(max_row, int(number))
        for number in _BIG_ROW_REF.findall(text):
            max_row = max(max_row, int(number))
        rows += text.count(b"<row") - tail.count(b"<row")
        cells += (text.count(b"<c ") + text.count(b"<c>")) - (tail.count(b"<c ")
                                                               + tail.count(b"<c>"))
        top = max(rows, max_row)
        if top > MAX_XLSX_ROWS:
            raise _limit_error("too_many_rows", "行数", "number of rows", top, MAX_XLSX_ROWS)
        if cells > MAX_CELLS:
            raise _limit_error("too_many_cells", "单元格数", "number of cells", cells, MAX_CELLS)
        tail = text[-_TAIL:]
    width = max(max_col, wide_col)
    if max(rows, max_row) * width > MAX_CELLS:
        raise _limit_error("too_many_cells", "工作表使用的区域", "the sheet's used area",
                           max(rows, max_row) * width, MAX_CELLS)


def _check_zip(data: bytes) -> tuple[str, str | None]:
    """('xlsx', None) for a workbook within the limits, ('csv', member) for a zip holding one
    CSV; raises for anything else. Every part is unpacked once, as a stream, with its CRC
    checked and its real size counted (the sizes a zip declares can lie)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise _unpacked_too_large()
            if not any(i.filename.startswith("xl/") for i in infos):
                if len(infos) == 1 and not infos[0].filename.lower().endswith(
                        (".xml", ".xlsx", ".docx", ".pptx", ".odt", ".ods")):
                    return "csv", infos[0].filename
                raise RosterReadError(
                    "unsupported_format",
                    "不支持的文件格式：请上传 CSV 或 XLSX（Excel 工作簿），或只含一个 CSV 的 ZIP",
                    "unsupported file format: upload a CSV or an XLSX (Excel workbook), or a "
                    "ZIP holding one CSV",
                )
            budget = [MAX_UNPACKED_BYTES]
            for info in infos:
                with zf.open(info) as part:
                    if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                        _check_sheet(part, budget)
                        continue
                    while chunk := part.read(_CHUNK):
                        budget[0] -= len(chunk)
                        if budget[0] < 0:
                            raise _unpacked_too_large()
    except RosterReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError, zlib_error) as exc:
        raise _bad_zip(exc) from exc
    return "xlsx", None


def _unpack(stream, what: str) -> bytes:
    """Read a decompressing stream up to MAX_UNPACKED_BYTES (a bomb stops at the cap)."""
    try:
        data = stream.read(MAX_UNPACKED_BYTES + 1)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib_error) as exc:
        raise RosterReadError(
            "bad_archive",
            f"压缩文件（{what}）已损坏，无法解压",
            f"the compressed file ({what}) is damaged and cannot be unpacked",
        ) from exc
    if len(data) > MAX_UNPACKED_BYTES:
        raise _unpacked_too_large()
    return data


def _unpack_single(data: bytes) -> tuple[bytes, str] | None:
    """The content of a .gz, .bz2 or .xz file (one CSV compressed), else None."""
    if data.startswith(b"\x1f\x8b"):
        return _unpack(gzip.GzipFile(fileobj=io.BytesIO(data)), "gzip"), "gzip"
    if data.startswith(b"BZh") and data[4:10] == b"\x31\x41\x59\x26\x53\x59":
        return _unpack(bz2.BZ2File(io.BytesIO(data)), "bzip2"), "bzip2"
    if data.startswith(b"\xfd7zXZ\x00"):
        return _unpack(lzma.LZMAFile(io.BytesIO(data)), "xz"), "xz"
    return None


def _is_blank(data: bytes) -> bool:
    """Only whitespace, NULs and a BOM (looks at a prefix first: the file may be large)."""

    def blank(chunk: bytes) -> bool:
        return not chunk.replace(b"\xef\xbb\xbf", b"").strip(b" \t\r\n\x00")

    return blank(data[:65536]) and blank(data)


def read_roster(
    source: bytes | str | os.PathLike | BinaryIO, file_name: str | None = None
) -> Roster:
    """Read a roster CSV or XLSX (bytes, a path, or a binary file-like object).

    The format is detected from the content, never from the name. Raises
    :class:`RosterReadError` when the file cannot be read at all; cell problems go to
    ``data["error"]`` of the row instead.
    """
    data, file_name = _read_source(source, file_name)
    digest = hashlib.sha256(data).hexdigest()
    if _is_blank(data):
        raise RosterReadError("empty_file", "文件为空", "the file is empty")
    unpacked = _unpack_single(data)
    if unpacked is not None:
        data = unpacked[0]
        if _is_blank(data):
            raise RosterReadError("empty_file", "文件为空", "the file is empty")
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
            raise RosterReadError(
                "unsupported_format",
                "压缩文件里应是一个 CSV 表格，而不是另一个压缩文件",
                "the compressed file should hold one CSV table, not another archive",
            )
        return _read_csv(data, file_name, digest)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        kind, member = _check_zip(data)
        if kind == "csv":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                try:
                    inner = _unpack(zf.open(member), "zip")
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                    raise _bad_zip(exc) from exc
            if inner.startswith((b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
                raise RosterReadError(
                    "unsupported_format",
                    "ZIP 里应是一个 CSV 表格，而不是另一个压缩文件",
                    "the ZIP should hold one CSV table, not another archive",
                )
            if _is_blank(inner):
                raise RosterReadError("empty_file", "文件为空", "the file is empty")
            return _read_csv(inner, file_name, digest)
        return _read_xlsx(data, file_name, digest)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise RosterReadError(
            "xls_not_supported",
            "不支持旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再上传",
            "legacy Excel (.xls) files are not supported: save as .xlsx or CSV (UTF-8) and "
            "upload again",
        )
    return _read_csv(data, file_name, digest)


def roster_from_frame(df: pd.DataFrame) -> Roster:
    """The same normalisation for a DataFrame already in memory.

    Columns may be canonical names or aliases; cells may be text, dates, datetimes, numbers
    (Excel serials in date columns) or booleans. ``raw`` is ``df``'s cells as text.
    """
    frame = df.reset_index(drop=True).copy()
    frame.columns = _header_names(list(frame.columns))
    raw = _blank_to_na(frame)
    raw, typed, _ = _tidy(raw, frame, None)
    return Roster(raw, _normalise(raw, typed), "frame")


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

_FORMULA_START = r"^[=+\-@\t\r]"


def _neutralise_series(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.StringDtype):
        hit = s.str.contains(_FORMULA_START, regex=True, na=False)
        return s.where(~hit, "'" + s) if hit.any() else s
    if s.dtype == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "string":  # all text: vectorised, only the hits are touched
            hit = s.astype(STRING).str.contains(_FORMULA_START, regex=True, na=False)
            if not hit.any():
                return s
            out = s.copy()
            out[hit.to_numpy()] = "'" + s[hit.to_numpy()]
            return out
        if inferred in ("mixed", "mixed-integer"):  # text among other things
            return s.map(_neutralise_text)
    return s


def _neutralise_text(v: object) -> object:
    if isinstance(v, str) and re.match(_FORMULA_START, v):
        return "'" + v
    return v


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell and header starting with ``= + - @`` tab or CR gets a
    leading apostrophe, so spreadsheets show it as text instead of running it."""
    out = pd.DataFrame({i: _neutralise_series(df.iloc[:, i]) for i in range(df.shape[1])})
    out.index = df.index
    out.columns = [_neutralise_text(c) for c in df.columns]
    return out


def _dates_as_iso(s: pd.Series) -> pd.Series:
    """Date(time) columns -> ISO text (time kept only when not midnight)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _to_text(s)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in (
        "date",
        "datetime",
        "datetime64",
        "mixed",
    ):
        return s.map(lambda v: _cell_text(v) if _element_kind(v) == 2 else v)
    return s


def to_csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """CSV bytes (default UTF-8 with BOM, which Excel opens correctly): formulas neutralised,
    every text field quoted, dates as ``YYYY-MM-DD``, missing as empty, no index."""
    frame = neutralise_formulas(df)
    names = list(frame.columns)
    frame = pd.DataFrame(
        {i: _dates_as_iso(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index
    )
    frame.columns = names
    buf = io.StringIO()
    # Every text field quoted: a separator inside a cell (``a;=1+5``, ``a<TAB>=1+5``, opened
    # with ';' or tab as the separator) stays inside its cell and cannot start a formula.
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return buf.getvalue().encode(encoding)


def to_xlsx_bytes(df: pd.DataFrame) -> bytes:
    """XLSX bytes (one sheet "roster"): formulas neutralised, text as text cells, dates as date
    cells shown ``yyyy-mm-dd``, missing as empty cells, characters XML cannot hold removed
    (the streaming writer of core/roster/xlsx.py)."""
    from core.roster.xlsx import xlsx_bytes

    return xlsx_bytes(df, sheet_name="roster")


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as CSV (UTF-8 with BOM) or XLSX, chosen by the path's suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        content = to_csv_bytes(df)
    elif suffix == ".xlsx":
        content = to_xlsx_bytes(df)
    else:
        raise ValueError(
            f"不支持的输出格式 “{target.suffix}”：请用 .csv 或 .xlsx / "
            f'unsupported output format "{target.suffix}": use .csv or .xlsx'
        )
    target.write_bytes(content)
    return target
