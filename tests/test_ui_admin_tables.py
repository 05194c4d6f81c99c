"""ui/admin_tables.py: admin tables and exports people can read (issue 14 item 3).

No raw code (``apply_now``, ``batch2021``, ``next_deadline`` …), no True/False/None, in either
language, in the table or its CSV/XLSX export; and a Chinese export reads back as a roster.
"""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core.admin import dashboard as dash
from core.admin import dashboard_tables as table_data
from core.demo.roster import demo_roster
from core.messages.catalogue import label as field_label
from core.messages.errors import Problem
from core.messages.problems import ProblemTable
from core.policy.data import POLICY
from core.roster.io import read_roster
from core.rules.certificate import USAGE_STATUSES
from core.rules.roster import assess_with_problems, prepare_roster, roster_at
from core.rules.specialty import STATUSES
from core.schema.roster import COLUMN_LABELS_ZH, DUE_KINDS, REGIMES
from ui import admin_tables
from ui.i18n import text

AS_OF = date(2021, 9, 1)
RAW = {*STATUSES, *REGIMES, *USAGE_STATUSES, *DUE_KINDS, *dash.ACTIONS, "180_days",
       "specialty_validity", "age_65", "before_electronic_start", "after_age_65",
       "no_valid_specialty", "True", "False", "None", "nan", "NaN", "<NA>", "NaT"}


@pytest.fixture(scope="module")
def assessed_with_problems() -> tuple[pd.DataFrame, ProblemTable]:
    roster = demo_roster(400, seed=3, as_of=date(2026, 11, 27))
    roster = roster.copy()
    roster.loc[0, "birth_date"] = pd.NaT  # two rows with errors
    roster.loc[1, "employer_province"] = "火星"
    roster = roster_at(roster, AS_OF)
    return assess_with_problems(prepare_roster(roster, POLICY.in_force(AS_OF)), AS_OF)


@pytest.fixture(scope="module")
def assessed(assessed_with_problems) -> pd.DataFrame:
    return assessed_with_problems[0]


def table_rows(assessed: pd.DataFrame, view: str) -> pd.DataFrame:
    return table_data.table_rows(assessed, AS_OF, view)


def codes_table(assessed: pd.DataFrame, view: str) -> pd.DataFrame:
    return table_data.materialise(assessed, table_rows(assessed, view))


def readable(assessed_with_problems, view: str, lang: str) -> pd.DataFrame:
    """The table of ``view`` as the page shows it (ui.admin_dashboard.readable_rows)."""
    assessed, problems = assessed_with_problems
    rows = table_rows(assessed, view)
    return admin_tables.readable(table_data.materialise(assessed, rows), lang,
                                 problems=problems.take(rows[dash.ROW_COLUMN]))


def cells(table: pd.DataFrame) -> set[str]:
    out = set()
    for c in table.columns:
        if not pd.api.types.is_datetime64_any_dtype(table[c].dtype):
            out |= {str(v) for v in table[c].dropna().unique()}
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", ["needs_action", "all"])
def test_headers_and_values_are_readable(assessed_with_problems, lang, view):
    codes = codes_table(assessed_with_problems[0], view)
    table = readable(assessed_with_problems, view, lang)
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


def test_chinese_headers_of_roster_columns_are_the_schema_labels(assessed_with_problems):
    table = readable(assessed_with_problems, "all", "zh")
    for column, label in COLUMN_LABELS_ZH.items():
        assert label in table.columns, column
    assert text("admin.col.status", "zh") == "状态"
    assert text("admin.status.apply_now", "zh") == "已过申请截止日（未失效）"
    assert text("admin.col.registration_number", "en") == "Registration no."


def test_booleans_are_yes_and_no_and_missing_stays_empty(assessed_with_problems):
    for lang, yes, no in (("zh", "是", "否"), ("en", "Yes", "No")):
        table = readable(assessed_with_problems, "all", lang)
        renewed = table[admin_tables.header("renewed", lang)]
        assert set(renewed.dropna()) <= {yes, no}
        assert renewed.isna().sum() == 2  # the two rows with errors have no answer


def test_error_cells_are_rendered_from_the_problems_in_one_language(assessed_with_problems):
    assessed, problems = assessed_with_problems
    codes = codes_table(assessed, "needs_action")
    assert codes["error"].notna().sum() == 2
    zh = readable(assessed_with_problems, "needs_action", "zh")["数据问题"].dropna()
    en = readable(assessed_with_problems, "needs_action", "en")["Data problems"].dropna()
    # each cell is its row's problems (data), label and message, in that language
    want_zh, want_en = set(), set()
    for row in (0, 1):
        found = [p for p in problems.records() if p.row == row]
        assert found
        want_zh.add("；".join(f"{field_label(p.field)[0]}：{p.message_zh}" for p in found))
        want_en.add("; ".join(f"{field_label(p.field)[1]}: {p.message_en}" for p in found))
    assert set(zh) == want_zh and set(en) == want_en
    assert any(e.startswith("出生日期：") for e in zh)
    assert any(e.startswith("Birth date: ") for e in en)
    assert all("出生" not in e and "省" not in e for e in en)


def test_a_problem_text_with_semicolons_and_colons_stays_whole():
    """What the old text-splitting got wrong cannot happen: nothing is parsed back."""
    odd = Problem("employer", "too_long", "单位名称过长：a: b; c: d",
                  "employer too long: a: b; c: d")
    table = ProblemTable(np.array([0, -1, 1]), [(odd,), ("given: as text (外部 / outside)",)])
    zh = admin_tables.problem_texts(table, "zh")
    en = admin_tables.problem_texts(table, "en")
    assert zh[0] == f"{field_label('employer')[0]}：单位名称过长：a: b; c: d" and zh[1] is None
    assert en[0] == f"{field_label('employer')[1]}: employer too long: a: b; c: d"
    assert zh[2] == en[2] == "given: as text (外部 / outside)"  # a text from outside, as it is


def test_an_error_column_without_its_problems_is_refused(assessed):
    with pytest.raises(ValueError):
        admin_tables.readable(codes_table(assessed, "needs_action"), "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_export_has_a_bom_and_the_readable_header(assessed_with_problems, lang):
    table = readable(assessed_with_problems, "needs_action", lang)
    data = admin_tables.csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == list(table.columns)
    assert not {str(v) for c in back.columns for v in back[c].dropna()} & RAW
    assert len(back) == len(table)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_export_has_the_readable_header_and_date_cells(assessed_with_problems, lang):
    table = readable(assessed_with_problems, "all", lang)
    ws = openpyxl.load_workbook(io.BytesIO(admin_tables.xlsx_bytes(table))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(table.columns)
    assert len(rows) == len(table) + 1
    values = {str(v) for r in rows[1:] for v in r if v is not None and not hasattr(v, "year")}
    assert not values & RAW
    birth = list(table.columns).index(admin_tables.header("birth_date", lang)) + 1
    assert ws.cell(row=3, column=birth).is_date


def test_a_chinese_export_reads_back_as_the_same_roster(assessed_with_problems):
    assessed = assessed_with_problems[0]
    table = readable(assessed_with_problems, "all", "zh")
    back = read_roster(admin_tables.csv_bytes(table), "export.csv")
    original = table_data.export_frame(assessed)
    for column in ("name", "registration_number", "specialty", "valid_until",
                   "continuing_education_done"):
        got = back.data[column].reset_index(drop=True)
        want = original[column].reset_index(drop=True)
        pd.testing.assert_series_equal(got, want, check_dtype=False, check_names=False)
