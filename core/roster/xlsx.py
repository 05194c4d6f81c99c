"""A streaming XLSX writer: one DataFrame into one worksheet, a chunk of rows at a time.

Per-cell writers (openpyxl's write-only mode, xlsxwriter) spend 5–10 µs of Python per cell: an
export of 100,000 rows × 25 columns takes 10–20 s. This writer builds the sheet's XML column by
column with arrow string kernels (no Python object per cell) and streams it, chunk by chunk, into
the zip member through ``zipfile``'s deflate stream, so memory stays bounded by one chunk whatever
the row count.

The file is a minimal, valid SpreadsheetML package (ECMA-376): ``[Content_Types].xml``,
``_rels/.rels``, ``docProps/app.xml``, ``xl/workbook.xml`` and its relationships,
``xl/styles.xml`` and ``xl/worksheets/sheet1.xml``. Cells:

* text (string, categorical, object): inline strings (``t="inlineStr"``, no shared-string table
  to hold in memory), XML-escaped, with the characters XML 1.0 cannot hold removed and longer
  values cut at Excel's 32,767-character cell limit; a carriage return is written as ``&#13;``
  (XML readers turn a literal one into a line feed), and a literal text that looks like the
  format's own ``_xHHHH_`` escape is escaped as ECMA-376 says (so Excel shows it as written). A
  value starting with ``= + - @`` tab or carriage return gets a leading apostrophe (as
  ``core.roster.io.neutralise_formulas``), so a spreadsheet shows it as text; headers too;
* dates (datetime64): serial day numbers with a ``yyyy-mm-dd`` format (``yyyy-mm-dd hh:mm`` when a
  column holds a time of day), timezone dropped;
* booleans: boolean cells; other numbers: number cells (NaN and infinities left empty);
* missing values and empty text: no cell at all.

The header row is bold and frozen. Never imports streamlit.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CHUNK_ROWS", "MAX_ROWS", "write_xlsx", "xlsx_bytes"]

CHUNK_ROWS = 20_000
MAX_ROWS = 1_048_575  # Excel's sheet limit, minus the header row
MAX_CELL_CHARS = 32_767
EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial day (1900 date system)
# XML 1.0 forbids these (tab, LF and CR are allowed); arrow strings hold no surrogates.
_ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_FORMULA_START = r"^[=+\-@\t\r]"
# cellXfs indices of styles.xml
_STYLE_DATE, _STYLE_HEADER, _STYLE_DATETIME = 1, 2, 3

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _override(part: str, content_type: str) -> str:
    return f'<Override PartName="{part}" ContentType="{content_type}"/>'


def _relationship(rid: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{rid}" Type="{_OFFICE}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = _HEAD + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", f"{_SHEET_TYPE}.sheet.main+xml")
    + _override("/xl/worksheets/sheet1.xml", f"{_SHEET_TYPE}.worksheet+xml")
    + _override("/xl/styles.xml", f"{_SHEET_TYPE}.styles+xml")
    + _override("/docProps/app.xml",
                "application/vnd.openxmlformats-officedocument.extended-properties+xml")
    + "</Types>")
_ROOT_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG_REL}">'
    + _relationship("rId1", "officeDocument", "xl/workbook.xml")
    + _relationship("rId2", "extended-properties", "docProps/app.xml")
    + "</Relationships>")
_APP = _HEAD + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>ecert-desk</Application></Properties>')
_WORKBOOK_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG_REL}">'
    + _relationship("rId1", "worksheet", "worksheets/sheet1.xml")
    + _relationship("rId2", "styles", "styles.xml")
    + "</Relationships>")
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = _HEAD + (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of arrays and literal strings (null when any part is null)."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.large_string()))


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if c in '[]:*?/\\' else c for c in str(name)).strip("'") or "Sheet1"
    return cleaned[:31]


# ----------------------------------------------------------------------------- values -> text
def _text_values(s: pd.Series) -> pa.Array:
    """A column as arrow strings: cleaned, escaped, formulas neutralised; null when empty."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = _text_values(pd.Series(s.cat.categories.astype(str), dtype=object))
        codes = s.cat.codes.to_numpy()
        arr = cats.take(pa.array(np.where(codes < 0, 0, codes), mask=codes < 0))
        return arr
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        arr = s.array._pa_array.combine_chunks()
    else:
        values = s.to_numpy(dtype=object, na_value=None)
        arr = pa.array([None if v is None or (isinstance(v, float) and v != v) else
                        v if isinstance(v, str) else str(v) for v in values], type=pa.string())
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    arr = pc.replace_substring_regex(arr, _ILLEGAL_XML, "")
    arr = pc.utf8_slice_codeunits(arr, 0, MAX_CELL_CHARS)
    formula = pc.match_substring_regex(arr, _FORMULA_START)
    arr = pc.if_else(formula, _join("'", arr), arr)
    arr = pc.utf8_slice_codeunits(arr, 0, MAX_CELL_CHARS)
    # ECMA-376 escapes characters as _xHHHH_: a literal "_x0041_" must not turn into "A"
    arr = pc.replace_substring_regex(arr, r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1")
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        arr = pc.replace_substring(arr, raw, entity)
    return pc.if_else(pc.equal(arr, pa.scalar("", arr.type)), pa.scalar(None, arr.type), arr)


def _number_text(values: np.ndarray, present: np.ndarray) -> pa.Array:
    text = np.where(present, values, 0).astype(str)  # shortest round-trip form for floats
    return pa.array(text, type=pa.large_string(), mask=~present)


def _cells(s: pd.Series, letter: str, rows: pa.Array) -> pa.Array:
    """One chunk of one column as cell XML strings ("" for no cell)."""
    ref = f'<c r="{letter}'
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        ns = s.to_numpy(dtype="datetime64[ns]")
        present = ~np.isnat(ns)
        stamps = ns.astype(np.int64)
        day_ns = 86_400 * 10**9
        whole = (stamps % day_ns == 0) | ~present
        if whole.all():
            serial = _number_text(stamps // day_ns + EXCEL_EPOCH_DAYS, present)
            style = _STYLE_DATE
        else:
            serial = _number_text(stamps / day_ns + EXCEL_EPOCH_DAYS, present)
            style = _STYLE_DATETIME
        cells = _join(ref, rows, f'" s="{style}"><v>', serial, "</v></c>")
    elif pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.BooleanDtype):
        values = s.to_numpy(dtype=object, na_value=None)
        present = np.array([v is not None for v in values], dtype=bool)
        flags = np.array(["1" if v else "0" for v in values], dtype=object)
        text = pa.array(flags, type=pa.large_string(), mask=~present)
        cells = _join(ref, rows, '" t="b"><v>', text, "</v></c>")
    elif pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        present = s.notna().to_numpy(dtype=bool)
        if pd.api.types.is_integer_dtype(dtype):
            values = s.to_numpy(dtype="int64", na_value=0)
        else:
            values = s.to_numpy(dtype="float64", na_value=np.nan)
            present = present & np.isfinite(values)
        text = _number_text(values, present)
        cells = _join(ref, rows, '"><v>', text, "</v></c>")
    else:
        text = _text_values(s)
        cells = _join(ref, rows, '" t="inlineStr"><is><t xml:space="preserve">', text,
                      "</t></is></c>")
    return pc.fill_null(cells, pa.scalar("", pa.large_string()))


def _joined(arr: pa.Array) -> memoryview:
    """The concatenation of a string array's values, straight from its data buffer."""
    arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(arr.type) else arr
    if len(arr) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]):int(offsets[-1])]


def _header_xml(columns: Sequence[object]) -> str:
    header = pd.Series([None if c is None else str(c) for c in columns], dtype=object)
    text = _text_values(header).to_pylist()
    cells = "".join(
        f'<c r="{_column_letter(i)}1" s="{_STYLE_HEADER}" t="inlineStr"><is>'
        f'<t xml:space="preserve">{v}</t></is></c>'
        for i, v in enumerate(text) if v is not None)
    return f'<row r="1">{cells}</row>'


def _sheet_start(n_rows: int, n_cols: int) -> str:
    last = f"{_column_letter(max(n_cols, 1) - 1)}{n_rows + 1}"
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="16" customWidth="1"/>'
                   for i in range(n_cols))
    return _HEAD + (
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_OFFICE}">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if n_cols else "") + "<sheetData>")


def write_xlsx(df: pd.DataFrame, target: str | os.PathLike | BinaryIO, *,
               sheet_name: str = "roster", chunk_rows: int = CHUNK_ROWS,
               compresslevel: int = 1) -> None:
    """Write ``df`` (columns as the header row, no index) as an XLSX file to ``target`` (a path
    or a writable binary file object). Raises ValueError beyond Excel's 1,048,575 data rows."""
    if len(df) > MAX_ROWS:
        raise ValueError(f"{len(df)} rows: more than one Excel sheet holds ({MAX_ROWS})")
    letters = [_column_letter(i) for i in range(df.shape[1])]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=compresslevel) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("docProps/app.xml", _APP)
        zf.writestr("xl/workbook.xml", _HEAD + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE}"><sheets>'
            f'<sheet name="{escape(_sheet_name(sheet_name), {chr(34): "&quot;"})}" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_sheet_start(len(df), df.shape[1]) + _header_xml(df.columns)).encode())
            for start in range(0, len(df), max(int(chunk_rows), 1)):
                part = df.iloc[start:start + chunk_rows]
                rows = pa.array(np.arange(start + 2, start + 2 + len(part)).astype(str),
                                type=pa.large_string())
                cells = [_cells(part.iloc[:, i], letters[i], rows) for i in range(df.shape[1])]
                xml = _join('<row r="', rows, '">', *cells, "</row>")
                sheet.write(_joined(xml))
            sheet.write(b"</sheetData></worksheet>")


def xlsx_bytes(df: pd.DataFrame, **kwargs) -> bytes:
    """``write_xlsx`` into memory (for small tables and tests)."""
    buf = io.BytesIO()
    write_xlsx(df, buf, **kwargs)
    return buf.getvalue()


def write_xlsx_file(df: pd.DataFrame, path: str | os.PathLike, **kwargs) -> Path:
    """``write_xlsx`` to ``path``; returns it."""
    target = Path(path)
    with open(target, "wb") as f:
        write_xlsx(df, f, **kwargs)
    return target
