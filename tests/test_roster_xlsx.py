"""core/roster/xlsx.py: the streaming XLSX writer, read back by two independent readers
(openpyxl and python-calamine)."""

from __future__ import annotations

import io
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from core.roster import xlsx
from core.roster.xlsx import xlsx_bytes


def read_openpyxl(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in wb.active.iter_rows(values_only=True)]


def read_calamine(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def mixed() -> pd.DataFrame:
    return pd.DataFrame({
        "text": pd.Series(["张三", "a<b>&\"c'", "  spaced  ", None, ""], dtype="string"),
        "formula": pd.Series(["=1+1", "+86", "-x", "@SUM(A1)", "\tTab"], dtype=object),
        "control": pd.Series(["a\x00b\x07c", "x\x1fy", "ok\nline", "\ufffe", "fine"],
                             dtype="string[pyarrow]"),
        "category": pd.Categorical(["valid", None, "lapsed", "valid", "<x>"]),
        "day": pd.to_datetime(["2021-08-01", None, "1900-03-01", "2199-12-31", "2024-02-29"])
        .astype("datetime64[s]"),
        "flag": pd.array([True, False, None, True, False], dtype="boolean"),
        "count": pd.array([1, None, -3, 0, 2**40], dtype="Int64"),
        "ratio": [0.5, np.nan, np.inf, -1.25, 1e20],
        "plain_bool": [True, False, True, False, True],
    })


EXPECTED = [
    ["张三", "'=1+1", "abc", "valid", date(2021, 8, 1), True, 1, 0.5, True],
    ["a<b>&\"c'", "'+86", "xy", None, None, False, None, None, False],
    ["  spaced  ", "'-x", "ok\nline", "lapsed", date(1900, 3, 1), None, -3, None, True],
    [None, "'@SUM(A1)", None, "valid", date(2199, 12, 31), True, 0, -1.25, False],
    [None, "'\tTab", "fine", "<x>", date(2024, 2, 29), False, 2**40, 1e20, True],
]


def normal(v):
    if isinstance(v, datetime):
        assert v.time() == datetime.min.time()
        return v.date()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return None if v == "" else v


def test_values_round_trip_through_two_readers():
    data = xlsx_bytes(mixed())
    for rows in (read_openpyxl(data), read_calamine(data)):
        assert list(rows[0]) == list(mixed().columns)
        got = [[normal(v) for v in r] for r in rows[1:]]
        # calamine reports bool cells as bools and numbers as floats; openpyxl the same here
        assert got == [[normal(v) for v in r] for r in EXPECTED]


def test_dates_are_date_cells_and_header_is_bold_and_frozen():
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(mixed())))
    ws = wb.active
    assert ws.title == "roster" and ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    cell = ws["E2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert ws["A2"].data_type == "s" and ws["F2"].data_type == "b"


def test_time_of_day_is_kept_with_a_datetime_format():
    df = pd.DataFrame({"at": pd.to_datetime(["2021-08-01 13:05", None])})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(df))).active
    assert ws["A2"].value == datetime(2021, 8, 1, 13, 5)
    assert ws["A2"].number_format == "yyyy-mm-dd hh:mm" and ws["A3"].value is None


def test_headers_are_neutralised_and_escaped():
    df = pd.DataFrame([[1, 2, 3]], columns=["=cmd", "a&b", "姓名"])
    assert read_openpyxl(xlsx_bytes(df))[0] == ("'=cmd", "a&b", "姓名")


def test_chunks_do_not_change_the_file_content():
    df = pd.concat([mixed()] * 7, ignore_index=True)
    whole = read_calamine(xlsx_bytes(df, chunk_rows=10_000))
    for chunk in (1, 3, 34, 35, 36):
        assert read_calamine(xlsx_bytes(df, chunk_rows=chunk)) == whole
    assert len(whole) == 36


def test_no_rows_and_many_columns():
    df = pd.DataFrame({f"c{i}": pd.Series(dtype="string") for i in range(30)})
    rows = read_openpyxl(xlsx_bytes(df))
    assert rows == [tuple(f"c{i}" for i in range(30))]
    wide = pd.DataFrame([[i for i in range(30)]], columns=[f"c{i}" for i in range(30)])
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(wide))).active
    assert ws["AD2"].value == 29 and ws["AD1"].value == "c29"


def test_long_text_is_cut_at_the_cell_limit():
    df = pd.DataFrame({"t": ["长" * 40_000, "=" + "x" * 40_000]})
    rows = read_openpyxl(xlsx_bytes(df))
    assert rows[1][0] == "长" * 32_767
    assert len(rows[2][0]) == 32_767 and rows[2][0].startswith("'=x")


def test_more_rows_than_a_sheet_holds_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(ValueError):
        xlsx_bytes(pd.DataFrame({"a": range(4)}))
    assert len(read_openpyxl(xlsx_bytes(pd.DataFrame({"a": range(3)})))) == 4


def test_sheet_name_is_cleaned():
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(mixed(), sheet_name="a/b:c*" + "x" * 40)))
    assert wb.sheetnames == ["a_b_c_" + "x" * 25]


def test_writes_to_a_path(tmp_path):
    path = xlsx.write_xlsx_file(mixed(), tmp_path / "out.xlsx")
    assert read_calamine(path.read_bytes())[1][0] == "张三"


CLEAN = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.lists(st.sampled_from(["_x0041_", "_x000D_", "_x", "\r", "\n", "&", "<", "a", " "]),
             max_size=6).map("".join))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), CLEAN), min_size=1, max_size=20))
def test_any_text_round_trips_as_the_cleaned_text(values):
    got = [r[0] for r in read_calamine(xlsx_bytes(pd.DataFrame({"t": values}, dtype=object)))[1:]]
    want = []
    for v in values:
        if v is None:
            want.append("")
            continue
        v = "".join(c for c in v if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff"))
        if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            v = "'" + v
        want.append(v)
    # calamine drops trailing empty rows: compare what is there, then that the rest is empty
    assert got == want[:len(got)] and all(w == "" for w in want[len(got):])
