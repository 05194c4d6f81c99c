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

import hashlib
import io
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from core.messages.problems import ProblemTable
from core.roster.decode import (
    _BINARY_CONTROL_SHARE,
    _PREFIX_BYTES,
    _check_csv_cells,
    _check_csv_lines,
    _check_csv_shape,
    _count_control_bytes,
    _decode_candidates,
    _first_row_too_long,
    _locate_csv_header,
    _read_csv_arrow,
    _read_csv_pandas,
    _read_csv_tolerant,
    _read_source,
    _utf16_without_bom,
    cell_too_long,
)
from core.roster.export import neutralise_formulas, to_csv_bytes, to_xlsx_bytes, write_table
from core.roster.headers import (
    _HEADER_SCAN_ROWS,
    _best_header,
    _column_map,
    _header_names,
    _missing_columns_error,
    _no_header_error,
    canonical_header,
)
from core.roster.packed import _bad_zip, _check_zip, _unpack, _unpack_single
from core.roster.result import Roster, RosterReadError, read_error
from core.schema.cell_text import (
    _CONTROL_CHARS,
    _blank_to_na,
    _Errors,
    _too_long_numbers,
    parse_flags,
)
from core.schema.cells import _NAT, DATE_DTYPE, STRING, parse_dates
from core.schema.roster import (
    DATE_COLUMNS,
    ERROR_COLUMN,
    FLAG_COLUMN,
    MAX_CELL_CHARS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    THREADED_ROWS,
    THREADS,
)

# The roster files' public names: reading here, writing in core/roster/export.py (re-exported).
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


def _normalise(
    raw: pd.DataFrame,
    typed: pd.DataFrame | None = None,
    *,
    check_control: bool = False,
    row_errors: pd.Series | None = None,
) -> tuple[pd.DataFrame, ProblemTable]:
    """raw (text) and, when the source had typed cells, ``typed`` (same shape) -> ``data``, and
    its cell problems as data (``data``'s ``error`` column is their text)."""
    mapping = _column_map(list(raw.columns))
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise _missing_columns_error(missing)
    index = raw.index

    def column(col: str) -> tuple[pd.Series, list[tuple[np.ndarray, str]]]:
        """One canonical column and its cell problems (mask, code), in the order found."""
        source = mapping.get(col)
        if source is None:
            if col in DATE_COLUMNS:
                return pd.Series(_NAT, index=index, dtype=DATE_DTYPE), []
            if col == FLAG_COLUMN:
                return pd.Series(pd.NA, index=index, dtype="boolean"), []
            return pd.Series(pd.NA, index=index, dtype=STRING), []
        text = raw[source]
        found = []
        if col in DATE_COLUMNS:
            values, invalid = parse_dates(typed[source] if typed is not None else text)
            found.append((invalid, "invalid_date"))
        elif col == FLAG_COLUMN:
            values, invalid = parse_flags(text)
            found.append((invalid, "invalid_flag"))
        else:
            stripped = text.str.strip()
            values = stripped.mask(stripped == "")
            if typed is not None:
                found.append((_too_long_numbers(typed[source]), "number_too_long"))
        if check_control:
            bad = text.str.contains(_CONTROL_CHARS, regex=True, na=False).to_numpy(dtype=bool)
            found.append((bad, "control_character"))
        return values.rename(None), found

    if len(raw) >= THREADED_ROWS:  # Arrow and numpy let go of the GIL: columns side by side
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            columns = list(pool.map(column, ROSTER_COLUMNS))
    else:
        columns = [column(c) for c in ROSTER_COLUMNS]
    errors = _Errors(index)
    if row_errors is not None:
        errors.add(row_errors.notna().to_numpy(), row_errors)
    for col, (_values, found) in zip(ROSTER_COLUMNS, columns, strict=True):
        for mask, code in found:  # in column order: the error texts keep their order
            errors.add_cells(mask, col, code, raw[mapping[col]])
    frame = pd.DataFrame({c: v for c, (v, _f) in zip(ROSTER_COLUMNS, columns, strict=True)},
                         index=index)
    frame[ERROR_COLUMN] = errors.series()
    return frame, errors.problems



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


def _read_csv(data: bytes, file_name: str | None, digest: str) -> Roster:
    _check_csv_lines(data)
    control = _count_control_bytes(data)
    if (
        data[:2] not in (b"\xff\xfe", b"\xfe\xff")
        and _utf16_without_bom(data) is None
        and control > _BINARY_CONTROL_SHARE * len(data)
    ):
        raise read_error("binary_file")
    chosen = None
    decoded_any = False
    for encoding, utf8 in _decode_candidates(data):
        decoded_any = True
        if _is_blank(bytes(utf8[:65536])) and _is_blank(bytes(utf8)):
            raise read_error("empty_file.file")
        prefix = bytes(utf8[:_PREFIX_BYTES]).decode("utf-8", errors="ignore")  # cut may split
        delimiter, header, offset, score = _locate_csv_header(prefix)
        if score:
            chosen = (encoding, utf8, delimiter, header, len(prefix[:offset].encode("utf-8")))
            break
    if not decoded_any:
        raise read_error("unknown_encoding")
    if chosen is None:
        raise _no_header_error()
    encoding, utf8, delimiter, header, start = chosen
    names = _header_names(header)
    ncols = len(names)
    body = utf8[start:]
    _check_csv_shape(body, delimiter, ncols)
    _check_csv_cells(body, delimiter, names)  # a cell bomb, before anything is parsed
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
    _check_cell_lengths(raw)
    data_frame, problems = _normalise(raw, None, check_control=control > 0, row_errors=extra)
    return Roster(raw, data_frame, "csv", encoding, file_name, digest, problems)


def _xlsx_frame(data: bytes) -> pd.DataFrame:
    problems = []
    for engine in ("calamine", "openpyxl"):
        try:
            return pd.read_excel(
                io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine=engine
            )
        except Exception as exc:  # noqa: BLE001 - any reader failure: try the next reader
            problems.append(f"{engine}: {exc}")
    raise read_error("bad_xlsx.unreadable", problems="; ".join(problems)[:300])


def _read_xlsx(data: bytes, file_name: str | None, digest: str) -> Roster:
    grid = _xlsx_frame(data)
    if grid.empty or grid.isna().all().all():
        raise read_error("empty_file.sheet")
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
    _check_cell_lengths(raw)
    data_frame, problems = _normalise(raw, typed)
    return Roster(raw, data_frame, "xlsx", None, file_name, digest, problems)


def _check_cell_lengths(raw: pd.DataFrame) -> None:
    """No cell longer than MAX_CELL_CHARS leaves the reader (issue 27): the first one found is
    a coded error naming its data row and column."""
    for col in raw.columns:
        values = raw[col]
        if not isinstance(values.dtype, pd.StringDtype):
            values = values.astype(STRING)
        lengths = values.str.len().fillna(0).to_numpy(dtype=np.int64)
        if len(lengths) and lengths.max() > MAX_CELL_CHARS:
            raise cell_too_long(int(np.argmax(lengths > MAX_CELL_CHARS)) + 1, str(col))


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
        raise read_error("empty_file.file")
    unpacked = _unpack_single(data)
    if unpacked is not None:
        data = unpacked[0]
        if _is_blank(data):
            raise read_error("empty_file.file")
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
            raise read_error("unsupported_format.compressed")
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
                raise read_error("unsupported_format.zip")
            if _is_blank(inner):
                raise read_error("empty_file.file")
            return _read_csv(inner, file_name, digest)
        return _read_xlsx(data, file_name, digest)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise read_error("xls_not_supported")
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
    data_frame, problems = _normalise(raw, typed)
    return Roster(raw, data_frame, "frame", problems=problems)
