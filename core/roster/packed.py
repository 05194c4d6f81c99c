"""Packed files before they are unpacked: an XLSX workbook's declared and used dimensions, rows
and cells checked while streaming its sheet XML, the real unpacked size capped, and a roster
CSV inside gzip, bzip2, xz or a one-file ZIP unpacked within the same caps."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import zipfile
from zlib import error as zlib_error

import numpy as np

from core.roster.decode import _CHUNK
from core.roster.result import RosterReadError, _limit_error, read_error
from core.schema.roster import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_UNPACKED_BYTES,
    MAX_XLSX_ROWS,
)


def _bad_zip(exc: BaseException | None = None) -> RosterReadError:
    return read_error("bad_xlsx.damaged")


def _unpacked_too_large(limit: int = MAX_UNPACKED_BYTES) -> RosterReadError:
    return read_error("unpacked_too_large", mb=limit // 1048576)


_DIMENSION = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*["\']\s*'
    rb'([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})(\d+))?')
# the root element of a part: a worksheet (or another sheet kind), with its namespace prefix
_SHEET_ROOT = re.compile(
    rb'<(?:([A-Za-z_][\w.-]*):)?(?:worksheet|dialogsheet|macrosheet|chartsheet)\b')
_TAIL = 96  # bytes carried between chunks: an element or a reference cut by a chunk boundary
_REF_WINDOW = 16  # bytes read after r=" : up to 4 letters and 8 digits (and a little slack)

_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True
_NAME_END = _WS.copy()  # what may follow an element's name: space, > or /
_NAME_END[[ord(">"), ord("/")]] = True
_ATTR_BEFORE = _WS  # what comes before an attribute name (not ":": xmlns:r="http…" is no cell)
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[[ord('"'), ord("'")]] = True
_LETTER = np.zeros(256, dtype=bool)
_LETTER[list(range(65, 91)) + list(range(97, 123))] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[list(range(48, 58))] = True


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _starts(arr: np.ndarray, pattern: bytes) -> np.ndarray:
    """Positions where ``pattern`` starts in ``arr`` (bytes as uint8)."""
    k = len(pattern)
    if len(arr) < k:
        return np.empty(0, dtype=np.int64)
    idx = np.flatnonzero(arr[:len(arr) - k + 1] == pattern[0])
    for j in range(1, k):
        idx = idx[arr[idx + j] == pattern[j]]
    return idx


def _elements(arr: np.ndarray, tag: bytes, cut: int) -> np.ndarray:
    """Positions before ``cut`` of the start tags ``tag`` (``<c``, ``<x:row``…) followed by a
    space, > or /."""
    idx = _starts(arr, tag)
    idx = idx[(idx < cut) & (idx + len(tag) < len(arr))]
    return idx[_NAME_END[arr[idx + len(tag)]]]


def _references(arr: np.ndarray, cut: int) -> tuple[int, int]:
    """(largest column, largest row) of every ``r="…"`` / ``r='…'`` attribute starting before
    ``cut`` in ``arr`` (spaces around ``=`` allowed), vectorised: a cell's ``A1``-style
    reference or a row's number. An attribute ``r`` of any element counts (a decoy can only
    make the area larger)."""
    n = len(arr)
    idx = np.flatnonzero(arr[:cut] == ord("r"))
    idx = idx[(idx > 0) & (idx + 2 < n)]
    idx = idx[_ATTR_BEFORE[arr[idx - 1]]]
    j = idx + 1
    for _ in range(2):  # spaces before =
        j = np.where((j < n - 1) & _WS[arr[np.minimum(j, n - 1)]], j + 1, j)
    keep = (j < n - 1) & (arr[np.minimum(j, n - 1)] == ord("="))
    j = j[keep] + 1
    for _ in range(2):  # spaces after =
        j = np.where((j < n - 1) & _WS[arr[np.minimum(j, n - 1)]], j + 1, j)
    j = j[(j < n - 1) & _QUOTE[arr[np.minimum(j, n - 1)]]] + 1
    if not len(j):
        return 0, 0
    at = j[:, None] + np.arange(_REF_WINDOW)
    window = np.where(at < n, arr[np.minimum(at, n - 1)], 0)  # past the end: no letter, digit
    letter = _LETTER[window]
    n_letters = np.where(letter.all(axis=1), _REF_WINDOW, np.argmin(letter, axis=1))
    col = np.zeros(len(j), dtype=np.int64)
    for k in range(4):  # up to 4 letters (XFD is 3; more is past any limit anyway)
        ch = (window[:, k].astype(np.int64) & ~32) - 64  # upper case, A = 1
        col = np.where(k < n_letters, col * 26 + ch, col)
    col = np.where(n_letters > 4, 1 << 40, col)
    digits = np.zeros(len(j), dtype=np.int64)
    more = np.ones(len(j), dtype=bool)
    rows = np.arange(len(j))
    for k in range(9):  # up to 9 digits (Excel's last row has 7)
        pos = np.minimum(n_letters + k, _REF_WINDOW - 1)
        ch = window[rows, pos]
        more &= _DIGIT[ch] & (n_letters + k < _REF_WINDOW)
        digits = np.where(more, digits * 10 + (ch.astype(np.int64) - 48), digits)
    return int(col.max()), int(digits.max())


class _SheetState:
    def __init__(self) -> None:
        self.rows = self.cells = self.max_row = self.widest_row = 0
        self.max_col = 0
        self.in_row = 0  # cells of the row still open at the end of the last piece


def _scan(arr: np.ndarray, cut: int, prefix: bytes, st: _SheetState) -> None:
    """Count rows, cells, cells per row and the largest reference of one piece of sheet XML:
    what starts before ``cut`` (the rest is carried into the next piece)."""
    row_at = _elements(arr, b"<" + prefix + b"row", cut)
    cell_at = _elements(arr, b"<" + prefix + b"c", cut)
    st.rows += len(row_at)
    st.cells += len(cell_at)
    if len(cell_at):  # cells per row: a cell without r="…" takes the next column (padding)
        owner = np.searchsorted(row_at, cell_at)  # 0: the row open before this piece
        per_row = np.bincount(owner, minlength=len(row_at) + 1)
        per_row[0] += st.in_row
        st.widest_row = max(st.widest_row, int(per_row.max()))
        st.in_row = int(per_row[-1]) if len(row_at) else int(per_row[0])
    elif len(row_at):
        st.in_row = 0
    col, row = _references(arr, cut)
    st.max_col, st.max_row = max(st.max_col, col), max(st.max_row, row)


def _check_sheet(stream, budget: list[int], first: bytes = b"") -> None:
    """Stream one worksheet's XML (never held whole) and refuse it before any reader allocates
    for it: a declared ``<dimension>`` or a used area over MAX_CELLS, a column past MAX_COLUMNS
    (by reference, or by the number of cells in one row: ``<c/>`` padding), more rows than
    Excel allows, more cells than MAX_CELLS, or more unpacked bytes than left in ``budget``.

    Element starts and ``r`` attributes are found with numpy over each piece, whatever the
    quotes, the spaces around ``=``, the other attributes before it or the namespace prefix of
    the sheet (issue 27); ``first`` is the part's first piece, already read. What this cannot
    see (an XML character reference in a name, a comment hiding the root…) is left to the cage
    (core.roster.cage), which bounds the reader's memory and time whatever the file."""
    st = _SheetState()
    carry = b""
    prefix: bytes | None = None
    chunk = first
    if not chunk:
        chunk = stream.read(_CHUNK)
        budget[0] -= len(chunk)
    while True:
        if budget[0] < 0:
            raise _unpacked_too_large()
        text = carry + chunk
        if prefix is None:
            root = _SHEET_ROOT.search(text)
            prefix = root.group(1) + b":" if root and root.group(1) else b""
            dim = _DIMENSION.search(text)
            if dim:
                c1, r1, c2, r2 = dim.groups()
                top = int(r2 or r1 or 0)
                width = _column_number(c2 or c1 or b"A")
                if width > MAX_COLUMNS or top > MAX_XLSX_ROWS or top * width > MAX_CELLS:
                    raise _limit_error("too_many_cells", "declared_area", top * width,
                                       MAX_CELLS)
        nxt = stream.read(_CHUNK) if chunk else b""
        budget[0] -= len(nxt)
        last = not nxt
        cut = len(text) if last else max(0, len(text) - _TAIL)
        _scan(np.frombuffer(text, dtype=np.uint8), cut, prefix, st)
        carry, chunk = text[cut:], nxt
        width = max(st.max_col, st.widest_row)
        if width > MAX_COLUMNS:
            raise _limit_error("too_many_columns", "columns", width, MAX_COLUMNS)
        top = max(st.rows, st.max_row)
        if top > MAX_XLSX_ROWS:
            raise _limit_error("too_many_rows", "rows", top, MAX_XLSX_ROWS)
        if st.cells > MAX_CELLS:
            raise _limit_error("too_many_cells", "cells", st.cells, MAX_CELLS)
        if last:
            break
    width = max(26, st.max_col, st.widest_row)  # one-letter columns: at most Z
    top = max(st.rows, st.max_row)
    if top * width > MAX_CELLS:
        raise _limit_error("too_many_cells", "used_area", top * width, MAX_CELLS)


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
                raise read_error("unsupported_format.other")
            budget = [MAX_UNPACKED_BYTES]
            for info in infos:
                with zf.open(info) as part:
                    first = part.read(_CHUNK)
                    budget[0] -= len(first)
                    # a sheet wherever it lies (xl/worksheets/sub/…, any name): by its root
                    # element, or by its folder
                    if _SHEET_ROOT.search(first[:65536]) or info.filename.startswith(
                            "xl/worksheets/"):
                        _check_sheet(part, budget, first)
                        continue
                    if budget[0] < 0:
                        raise _unpacked_too_large()
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
    """Read a decompressing stream up to MAX_UNPACKED_BYTES (a bomb stops at the cap).

    Piece by piece into one growing buffer: the content is held once. (One ``read`` of the
    cap asked the reader for a buffer of the whole cap, and the decompressed data then sat
    in two places while it was copied.)"""
    out = io.BytesIO()
    try:
        while chunk := stream.read(_CHUNK):
            out.write(chunk)
            if out.tell() > MAX_UNPACKED_BYTES:
                raise _unpacked_too_large()
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib_error) as exc:
        raise read_error("bad_archive", what=what) from exc
    return out.getvalue()


def _unpack_single(data: bytes) -> tuple[bytes, str] | None:
    """The content of a .gz, .bz2 or .xz file (one CSV compressed), else None."""
    if data.startswith(b"\x1f\x8b"):
        return _unpack(gzip.GzipFile(fileobj=io.BytesIO(data)), "gzip"), "gzip"
    if data.startswith(b"BZh") and data[4:10] == b"\x31\x41\x59\x26\x53\x59":
        return _unpack(bz2.BZ2File(io.BytesIO(data)), "bzip2"), "bzip2"
    if data.startswith(b"\xfd7zXZ\x00"):
        return _unpack(lzma.LZMAFile(io.BytesIO(data)), "xz"), "xz"
    return None
