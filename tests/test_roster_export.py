"""core/roster/export.py: rosters out as CSV and XLSX (quoted, spreadsheet formulas
neutralised), read back to the same rows."""

from __future__ import annotations

import io
import os
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from core.roster.io import (
    neutralise_formulas,
    read_roster,
    to_csv_bytes,
    to_xlsx_bytes,
    write_table,
)
from tests.roster_helpers import check_two_rows, csv_text
from tests.samples import (  # one XLSX builder for both suites
    EN_HEADER,
    GOOD_ROW,
    OTHER_ROW,
    ZH_HEADER,
)

ROW_1, ROW_2 = GOOD_ROW, OTHER_ROW  # the shared sample rows (tests/samples.py)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

DANGEROUS = ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_neutralise_formulas():
    df = pd.DataFrame(
        {
            "a": DANGEROUS + ["safe", None],
            "b": pd.Series(DANGEROUS + ["a=b", pd.NA], dtype="string"),
            "=cmd": [1, -2, 3, 4, 5, 6, 7, 8],
        }
    )
    out = neutralise_formulas(df)
    assert out["a"].tolist()[:7] == ["'" + v for v in DANGEROUS] + ["safe"]
    assert out["b"].tolist()[:7] == ["'" + v for v in DANGEROUS] + ["a=b"]
    assert pd.isna(out["a"][7]) and pd.isna(out["b"][7])
    assert "'=cmd" in out.columns
    assert out["'=cmd"].tolist() == df["=cmd"].tolist()  # numbers are not text: untouched
    assert df["a"][0] == "=1+1"  # the input is not modified
    mixed = neutralise_formulas(pd.DataFrame({"m": ["=x", 1, date(2021, 8, 1), None, "ok"]}))
    assert mixed["m"].tolist()[:3] == ["'=x", 1, date(2021, 8, 1)] and mixed["m"][4] == "ok"


def test_csv_export_neutralises_and_formats_dates():
    df = pd.DataFrame(
        {
            "name": pd.Series(DANGEROUS, dtype="string"),
            "d": pd.to_datetime(["2021-08-01", None, "2021-12-31", None, None, None]).astype(
                "datetime64[s]"
            ),
            "o": [date(2021, 8, 1), None, None, None, None, None],
        }
    )
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert '"\'=1+1","2021-08-01","2021-08-01"' in text
    assert '"\'+86","",""' in text and '"\'-2","2021-12-31",""' in text
    assert '"\'@SUM(A1)"' in text
    assert "00:00:00" not in text
    assert to_csv_bytes(df, encoding="gb18030").decode("gb18030").startswith('"name","d","o"')


@pytest.mark.parametrize("cell", ["a;=1+5", "a,=1+5", "a\t=1+5", "a;@SUM(A1)", "x\n=1+5"])
def test_csv_export_keeps_a_separator_inside_its_cell(cell):
    """Issue 12: a formula after a separator inside a cell (the file opened with ';', ',' or
    tab as the separator) must stay text inside that one cell."""
    import csv as csv_module

    text = to_csv_bytes(pd.DataFrame({"name": pd.Series([cell], dtype="string"),
                                      "n": [1]})).decode("utf-8-sig")
    assert f'"{cell}",1' in text
    for sep in (",", ";", "\t"):
        rows = list(csv_module.reader(io.StringIO(text, newline=""), delimiter=sep))
        assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row), rows


def test_xlsx_export_has_no_formulas_and_date_cells():
    df = pd.DataFrame(
        {
            "name": DANGEROUS,
            "valid_until": pd.to_datetime(["2021-08-01"] * 6).astype("datetime64[s]"),
            "ok": pd.array([True, None, False, True, True, True], dtype="boolean"),
            "ctl": ["a\x00b", "", None, "x", "y", "z"],
        }
    )
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["name", "valid_until", "ok", "ctl"]
    # a carriage return is kept (written as a character reference, so XML reading keeps it)
    assert [r[0] for r in values[1:]] == ["'" + v for v in DANGEROUS[:5]] + ["'\rx"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert values[1][1] == datetime(2021, 8, 1)
    assert ws.cell(2, 2).number_format.upper() == "YYYY-MM-DD"
    assert values[2][2] is None and values[1][2] is True
    assert values[1][3] == "ab"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".CSV"])
def test_round_trip_write_table_read_roster(tmp_path, suffix):
    original = read_roster(csv_text(ZH_HEADER, [ROW_1, ROW_2]).encode("gbk"))
    out = pd.concat([original.raw, original.data[["valid_until", "error"]]], axis=1)
    out.columns = [*ZH_HEADER, "valid_until_parsed", "error"]
    path = write_table(out, tmp_path / f"out{suffix}")
    back = read_roster(path)
    check_two_rows(back)
    assert back.raw["注册编号"].tolist() == ["京1112006200807445", "苏2322007200901234"]
    assert back.raw["valid_until_parsed"].tolist() == ["2021-05-31", "2022-01-01"]
    assert back.raw["出生日期"].tolist() == ["1970-03-15", "1975/8/1"]


def test_round_trip_keeps_dangerous_text_as_text(tmp_path):
    original = read_roster(csv_text(EN_HEADER, [[*ROW_1[:4], "=1+1", *ROW_1[5:]]]).encode())
    path = write_table(original.raw, tmp_path / "out.csv")
    assert read_roster(path).data["employer"][0] == "'=1+1"


def test_write_table_refuses_other_suffixes(tmp_path):
    with pytest.raises(ValueError, match="不支持"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.json")
    assert not os.path.exists(tmp_path / "out.json")
