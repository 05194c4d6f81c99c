"""The roster reader's typed cells: dates in every accepted form (and XLSX serials), read
column by column without a Python loop per row (``parse_dates``), and what every cell reader
shares (the string dtype, UTF-8 buffers, ``take_rows``, a cell's kind). Flags, text from any
cell type and the cell problems are core/schema/cell_text.py; core/roster/io.py documents the
accepted forms; what reading gives or raises (``Roster``, ``RosterReadError``) is
core/roster/result.py."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def utf8_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's offsets (int64, one more than its length) and its UTF-8 bytes, as numpy
    views: what the byte-level readers of dates (here) and text checks
    (``core.rules.text_checks``) scan."""
    n = len(arr)
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset:arr.offset + n + 1].astype(np.int64)
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size
            else np.zeros(1, dtype=np.uint8))
    return offsets, data


def take_rows(arr: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``arr.take(rows)`` for ascending ``rows``, chunk by chunk: Arrow's take from a chunked
    array (a file reader's column) first joins every chunk, a copy of the whole column."""
    if not isinstance(arr, pa.ChunkedArray):
        return arr.take(pa.array(rows, pa.int64()))
    lengths = [len(c) for c in arr.chunks]
    starts = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    cut = np.searchsorted(rows, starts)
    pieces = [chunk.take(pa.array(rows[a:b] - start, pa.int64()))
              for chunk, start, a, b in zip(arr.chunks, starts[:-1].tolist(), cut[:-1].tolist(),
                                            cut[1:].tolist(), strict=True) if b > a]
    return pa.concat_arrays(pieces) if pieces else pa.array([], arr.type)


def _iso_cells(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cells that are exactly ``YYYY-MM-DD`` in ASCII digits (the form ``_DATE_ISO``
    describes, most cells of most files): (row positions, y, m, d), read from the UTF-8 bytes
    (a regex and three slices per column cost ~5x as much). The calendar check comes later."""
    n = len(arr)
    empty = np.zeros(0, np.int64)
    if n == 0:
        return empty, empty, empty, empty
    offsets, data = utf8_buffers(arr)
    if offsets[-1] == offsets[0]:  # no text at all
        return empty, empty, empty, empty
    ten = offsets[1:] - offsets[:-1] == 10
    if arr.null_count:
        ten &= arr.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(ten)
    starts = offsets[rows]
    # one byte position at a time: ten small gathers, no (cells x 10) index array
    ok = (data[starts + 4] == 45) & (data[starts + 7] == 45)  # "-"
    number = []
    for first, last in ((0, 4), (5, 7), (8, 10)):
        value = np.zeros(len(rows), dtype=np.int32)
        for k in range(first, last):
            digit = data[starts + k] - np.uint8(48)  # below "0" wraps round to > 9
            ok &= digit <= 9
            value *= 10
            value += digit
        number.append(value)
    rows = rows[ok]
    return (rows, *(v[ok].astype(np.int64) for v in number))


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
    where, iso_y, iso_m, iso_d = _iso_cells(arr)
    y[where], m[where], d[where] = iso_y, iso_m, iso_d
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
