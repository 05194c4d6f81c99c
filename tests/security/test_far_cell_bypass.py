"""Issue 27: four ways around the XLSX pre-check (core/roster/packed.py) that the second
red-team found, each left to the cage before: ``r='XFD…'`` in single quotes, a long attribute
before ``r=``, the sheet under ``xl/worksheets/sub/``, and ``<c/>`` padding (cells without a
reference take the next column). The pre-check now finds each before any reader allocates (it
scans element starts and ``r`` attributes, not fixed patterns); the CLI, through the cage,
answers each with a coded bilingual refusal and stays under 1 GiB."""

from __future__ import annotations

import io
import zipfile

import psutil
import pytest

from core.roster import packed
from core.roster.result import RosterReadError
from tests.hostile.test_cage import GIB, run_cli_measured
from tests.samples import EN_HEADER, GOOD_ROW, bilingual, xlsx_bytes

LIMIT_CODES = {"too_many_columns", "too_many_cells", "too_many_rows"}


def _edited(extra: str = "", move_to: str | None = None, root_prefix: bool = False) -> bytes:
    """A real two-row workbook with ``extra`` XML added at the end of its sheet data, and its
    sheet moved to ``move_to`` (the relationships and content types follow)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([EN_HEADER, GOOD_ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            name = info.filename
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
                if move_to:
                    name = move_to
            elif move_to and name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"worksheets/sheet1.xml",
                                    move_to.removeprefix("xl/").encode())
            dst.writestr(name, data)
    return out.getvalue()


FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
BYPASSES = {
    "single_quotes": lambda: _edited("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"),
    "long_attribute": lambda: _edited(
        '<row r="5"><c s="0" t="n" cm="' + "1" * 200 + '" r="XFD5"><v>1</v></c></row>'),
    "sheet_in_sub_folder": lambda: _edited(FAR, move_to="xl/worksheets/sub/sheet1.xml"),
    "empty_cell_padding": lambda: _edited('<row r="4">' + "<c/>" * 20_000
                                          + '<c t="n"><v>1</v></c></row>'),
}


@pytest.mark.parametrize("name", list(BYPASSES))
def test_the_pre_check_refuses_each_before_reading(name):
    data = BYPASSES[name]()
    assert len(data) < 64 * 1024
    before = psutil.Process().memory_info().rss
    with pytest.raises(RosterReadError) as err:
        packed._check_zip(data)
    assert err.value.code in LIMIT_CODES, err.value.code
    bilingual(err.value.message_zh, err.value.message_en)
    assert psutil.Process().memory_info().rss - before < 64 * 2**20


def test_the_moved_sheet_is_a_real_workbook_the_reader_opens():
    """The sub-folder case is a workbook readers follow (not just a stray part)."""
    from core.roster.io import read_roster

    roster = read_roster(_edited(move_to="xl/worksheets/sub/sheet1.xml"))
    assert len(roster.data) == 1


def test_ordinary_workbooks_pass_with_quotes_attributes_and_padding_within_limits():
    ok = _edited("<row r='3'><c r='B3' t='n'><v>1</v></c></row>"
                 '<row r="4">' + "<c/>" * 30 + "</row>")
    assert packed._check_zip(ok) == ("xlsx", None)


@pytest.mark.parametrize("name", list(BYPASSES))
def test_the_cli_refuses_each_under_1_gib(name, tmp_path):
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(BYPASSES[name]())
    code, stderr, peak = run_cli_measured("roster", str(path), "--as-of", "2024-01-01")
    assert code == 2, (code, stderr[-500:])
    assert "Traceback" not in stderr
    zh, en = stderr.strip().split(" / ", 1)
    bilingual(zh, en)
    assert peak < GIB, f"peak memory (PSS) {peak / 2**20:.0f} MiB"
