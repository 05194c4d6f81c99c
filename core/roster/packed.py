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

from core.roster.decode import _CHUNK
from core.roster.result import RosterReadError, _limit_error
from core.schema.roster import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_UNPACKED_BYTES,
    MAX_XLSX_ROWS,
)


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
