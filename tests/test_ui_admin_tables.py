"""ui/admin_tables.py: admin tables and exports people can read (issue 14 item 3).

No raw code (``apply_now``, ``batch2021``, ``next_deadline`` …), no True/False/None, in either
language, in the table or its CSV/XLSX export; and a Chinese export reads back as a roster.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from core import assess_roster
from core.admin import dashboard as dash
from core.admin import dashboard_tables as table_data
from core.demo.roster import demo_roster
from core.roster.io import read_roster
from core.rules.certificate import USAGE_STATUSES
from core.rules.roster import roster_at
from core.rules.specialty import STATUSES
from core.schema.roster import COLUMN_LABELS_ZH, DUE_KINDS, REGIMES
from ui import admin_tables
from ui.i18n import text

AS_OF = date(2021, 9, 1)
RAW = {*STATUSES, *REGIMES, *USAGE_STATUSES, *DUE_KINDS, *dash.ACTIONS, "180_days",
       "specialty_validity", "age_65", "before_electronic_start", "after_age_65",
       "no_valid_specialty", "True", "False", "None", "nan", "NaN", "<NA>", "NaT"}


@pytest.fixture(scope="module")
def assessed() -> pd.DataFrame:
    roster = demo_roster(400, seed=3, as_of=date(2026, 11, 27))
    roster = roster.copy()
    roster.loc[0, "birth_date"] = pd.NaT  # two rows with errors
    roster.loc[1, "employer_province"] = "火星"
    return assess_roster(roster_at(roster, AS_OF), AS_OF)


def codes_table(assessed: pd.DataFrame, view: str) -> pd.DataFrame:
    return table_data.materialise(assessed, table_data.table_rows(assessed, AS_OF, view))


def cells(table: pd.DataFrame) -> set[str]:
    out = set()
    for c in table.columns:
        if not pd.api.types.is_datetime64_any_dtype(table[c].dtype):
            out |= {str(v) for v in table[c].dropna().unique()}
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", ["needs_action", "all"])
def test_headers_and_values_are_readable(assessed, lang, view):
    codes = codes_table(assessed, view)
    table = admin_tables.readable(codes, lang)
    assert len(table) == len(codes)
    assert not set(table.columns) & set(codes.columns) - {"name"}  # "Name" vs "name"
    assert all(not c.islower() or lang == "zh" for c in table.columns)
    assert not cells(table) & RAW
    status = admin_tables.header("status", lang)
    want = {text(f"admin.status.{s}", lang) for s in codes["status"].dropna().unique()}
    assert set(table[status].dropna()) == want
    if view == "needs_action":
        assert table.columns[0] == text("admin.col.action", lang)
        assert text("admin.action.fix_data", lang) in set(table.iloc[:, 0])


def test_chinese_headers_of_roster_columns_are_the_schema_labels(assessed):
    table = admin_tables.readable(codes_table(assessed, "all"), "zh")
    for column, label in COLUMN_LABELS_ZH.items():
        assert label in table.columns, column
    assert text("admin.col.status", "zh") == "状态"
    assert text("admin.status.apply_now", "zh") == "已过申请截止日（未失效）"
    assert text("admin.col.registration_number", "en") == "Registration no."


def test_booleans_are_yes_and_no_and_missing_stays_empty(assessed):
    for lang, yes, no in (("zh", "是", "否"), ("en", "Yes", "No")):
        table = admin_tables.readable(codes_table(assessed, "all"), lang)
        renewed = table[admin_tables.header("renewed", lang)]
        assert set(renewed.dropna()) <= {yes, no}
        assert renewed.isna().sum() == 2  # the two rows with errors have no answer


def test_error_cells_are_in_one_language(assessed):
    codes = codes_table(assessed, "needs_action")
    raw = codes["error"].dropna()
    assert len(raw) == 2 and all(" / " in e for e in raw)
    zh = admin_tables.readable(codes, "zh")["数据问题"].dropna()
    en = admin_tables.readable(codes, "en")["Data problems"].dropna()
    assert any(e.startswith("出生日期：") for e in zh)
    assert any(e.startswith("Birth date: ") for e in en)
    assert not any(ch.isascii() and ch.isalpha() for e in zh for ch in e.split("：")[0])
    assert all("出生" not in e and "省" not in e for e in en)


def test_error_text_keeps_unparsable_parts():
    assert admin_tables.error_text("something odd", "en") == "something odd"
    two = "birth_date: required (出生日期为必填项 / birth date is required); specialty: " \
          "unknown_specialty (未知专业“x” / unknown specialty \"x\")"
    assert admin_tables.error_text(two, "zh") == "出生日期：出生日期为必填项；注册专业：未知专业“x”"
    assert admin_tables.error_text(two, "en") == (
        'Birth date: birth date is required; Specialty: unknown specialty "x"')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_export_has_a_bom_and_the_readable_header(assessed, lang):
    table = admin_tables.readable(codes_table(assessed, "needs_action"), lang)
    data = admin_tables.csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == list(table.columns)
    assert not {str(v) for c in back.columns for v in back[c].dropna()} & RAW
    assert len(back) == len(table)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_export_has_the_readable_header_and_date_cells(assessed, lang):
    table = admin_tables.readable(codes_table(assessed, "all"), lang)
    ws = openpyxl.load_workbook(io.BytesIO(admin_tables.xlsx_bytes(table))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(table.columns)
    assert len(rows) == len(table) + 1
    values = {str(v) for r in rows[1:] for v in r if v is not None and not hasattr(v, "year")}
    assert not values & RAW
    birth = list(table.columns).index(admin_tables.header("birth_date", lang)) + 1
    assert ws.cell(row=3, column=birth).is_date


def test_a_chinese_export_reads_back_as_the_same_roster(assessed):
    table = admin_tables.readable(codes_table(assessed, "all"), "zh")
    back = read_roster(admin_tables.csv_bytes(table), "export.csv")
    original = table_data.export_frame(assessed)
    for column in ("name", "registration_number", "specialty", "valid_until",
                   "continuing_education_done"):
        got = back.data[column].reset_index(drop=True)
        want = original[column].reset_index(drop=True)
        pd.testing.assert_series_equal(got, want, check_dtype=False, check_names=False)
