"""The red-team's hostile roster files (issue 12), generated on demand, never committed.

Each builder returns bytes (or writes a path) small enough to upload, whose naive reading costs
gigabytes or aborts the process:

* :func:`xlsx_far_cell` a real one-row workbook whose sheet XML gains one cell at XFD1048576
  (the last cell of a sheet): a dense reader asks for 16,384 x 1,048,576 cells (512 GiB);
* :func:`xlsx_row_bomb` a workbook whose sheet holds millions of tiny rows, deflated to a few MB;
* :func:`xlsx_padded` a workbook whose sheet XML is padded with a huge run of spaces;
* :func:`csv_tiny_rows` a CSV of millions of one-character rows (20 MB for 10 M rows).
"""

from __future__ import annotations

import io
import re
import zipfile

from tests.samples import EN_HEADER, GOOD_ROW, xlsx_bytes

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="roster" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _inline_row(n: int, cells: list[str]) -> str:
    out = [f'<row r="{n}">']
    for i, value in enumerate(cells):
        col = chr(ord("A") + i)
        out.append(f'<c r="{col}{n}" t="inlineStr"><is><t>{value}</t></is></c>')
    out.append("</row>")
    return "".join(out)


def _workbook(sheet_chunks, level: int = 9) -> bytes:
    """A minimal XLSX whose one sheet's XML is the concatenation of ``sheet_chunks`` (bytes),
    streamed into the zip so the test never holds the unpacked XML."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk)
    return buf.getvalue()


def xlsx_far_cell() -> bytes:
    """A real workbook (header + one good row) plus one cell at XFD1048576, added by editing
    the sheet XML inside the zip. ~2 KB."""
    original = xlsx_bytes([EN_HEADER, GOOD_ROW])
    src = zipfile.ZipFile(io.BytesIO(original))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>',
                              text)
                text = text.replace(
                    "</sheetData>",
                    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return out.getvalue()


def xlsx_row_bomb(rows: int = 6_000_000) -> bytes:
    """A header, then ``rows`` rows of one one-character cell each (no row numbers): the
    deflated sheet is a few MB, the unpacked XML hundreds."""
    def chunks():
        yield (_SHEET_HEAD + _inline_row(1, EN_HEADER)).encode()
        block = ('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000).encode()
        for _ in range(rows // 10_000):
            yield block
        yield _SHEET_TAIL.encode()
    return _workbook(chunks())


def xlsx_padded(pad_bytes: int = 1_800 * 1024**2) -> bytes:
    """A valid header and row, then ``pad_bytes`` of spaces inside the sheet XML (whitespace
    between elements is legal XML): ~1.8 MB deflated for 1.8 GB of XML."""
    def chunks():
        yield (_SHEET_HEAD + _inline_row(1, EN_HEADER) + _inline_row(2, GOOD_ROW)).encode()
        block = b" " * (16 * 1024**2)
        left = pad_bytes
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield _SHEET_TAIL.encode()
    return _workbook(chunks())


def csv_tiny_rows(rows: int = 10_000_000) -> bytes:
    """The roster header, then ``rows`` lines of one character: 20 MB for 10 M rows."""
    return (",".join(EN_HEADER) + "\n").encode() + b"x\n" * rows


#: name -> builder, for the parametrised tests (the sizes the red-team used)
HOSTILE = {
    "far_cell.xlsx": xlsx_far_cell,
    "row_bomb.xlsx": xlsx_row_bomb,
    "padded.xlsx": xlsx_padded,
    "tiny_rows.csv": csv_tiny_rows,
}
