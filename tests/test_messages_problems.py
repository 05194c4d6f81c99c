"""A roster's problems are data from the checks to the report (issue 24): the import's
validation report holds exactly the Problems the checks made (no text split back), and the
CLI's ``error`` column, rendered from them at the edge, is the text it was before."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.admin.importing import REPORT_COLUMNS, check_job, validation_report
from core.demo.roster import demo_roster
from core.messages.errors import Problem
from core.messages.problems import ProblemTable, RowProblem, entry_text
from core.policy.data import POLICY
from core.roster.io import read_roster
from core.rules.roster import assess_roster, assess_with_problems, prepare_roster, roster_at
from tests.error_column_cases import AS_OF, CASES, FOLDER, error_column, hostile_csv


def _checked(csv: bytes, as_of: date = AS_OF):
    roster = read_roster(csv, "hostile.csv")
    prepared = prepare_roster(roster_at(roster.data, as_of), POLICY.in_force(as_of),
                              roster.problems)
    assessed, problems = assess_with_problems(prepared, as_of)
    return roster, assessed, problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_error_column_is_the_text_it_was(name):
    """python -m core roster: the error column equals the one the code wrote before problems
    became data (tests/fixtures/error_column, from tests/error_column_cases.py)."""
    expected = json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    assert error_column(CASES[name]()) == expected


def test_in_process_error_column_is_rendered_from_the_problems():
    roster, assessed, problems = _checked(hostile_csv())
    expected = json.loads((FOLDER / "hostile.json").read_text(encoding="utf-8"))
    got = assessed["error"].astype(object).where(assessed["error"].notna(), "").tolist()
    assert got == expected
    texts = problems.texts()
    assert [t or "" for t in texts] == expected
    # every row's text is its records' texts joined, in the order found
    by_row: dict[int, list[str]] = {}
    for r in problems.records():
        by_row.setdefault(r.row, []).append(
            entry_text(Problem(r.field, r.code, r.message_zh, r.message_en)))
    assert {i: "; ".join(v) for i, v in by_row.items()} == {
        i: t for i, t in enumerate(expected) if t}


def test_report_records_equal_the_checks_problems():
    _, _, problems = _checked(hostile_csv())
    checks = [(r.row + 1, r.field, r.code, r.message_zh, r.message_en)
              for r in problems.records()]
    report = validation_report(problems)
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert list(report.itertuples(index=False, name=None)) == checks
    # every entry is a Problem the checks made (none is text split back)
    assert all(isinstance(e, Problem) for entries in problems.table for e in entries)
    # the cell problems of the reading come first, then the validation's, row by row
    assert {c for _, _, c, _, _ in checks} >= {
        "invalid_date", "control_character", "invalid_characters", "too_long", "required",
        "unknown_province", "unknown_specialty", "invalid_gender", "invalid_number",
        "invalid_flag", "date_order", "approval_after_age_65", "birth_implausible",
        "before_age_18", "too_many_fields"}


def test_values_that_look_like_the_error_text_stay_one_problem():
    """A value holding "; x: y (a / b)" made the text parser see a second problem; as data
    it is the one problem the check found, with its whole message in each language."""
    _, _, problems = _checked(hostile_csv())
    report = validation_report(problems, headers={"employer_province": "省份"})
    rows = report[report["problem_en"].str.contains("gender: bad", regex=False)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["column"], row["header"], row["code"]) == (
        "employer_province", "省份", "unknown_province")
    assert row["problem_zh"].startswith("无法识别的省份：“北京 / 北京市; gender: bad (假 / fake)”")
    assert row["problem_en"].startswith('Unknown province: "北京 / 北京市; gender: bad')
    spec = report[report["code"] == "unknown_specialty"]
    assert len(spec) == 1
    assert report.loc[report["column"] == "name", "code"].tolist() == [
        "control_character", "invalid_characters", "too_long", "required"]


def test_check_job_report_is_the_checks_problems_with_identity():
    roster, _, problems = _checked(hostile_csv())
    out = check_job(roster, AS_OF)
    report = out["report"]
    pd.testing.assert_frame_equal(
        report[["row", "column", "code", "problem_zh", "problem_en"]].reset_index(drop=True),
        validation_report(problems), check_dtype=False)
    assert len(out["valid"]) == int((~problems.bad).sum())


def test_report_of_a_demo_roster_with_unknown_provinces():
    df = demo_roster(500, seed=7, as_of=date(2026, 11, 27))
    df.loc[[3, 9], "employer_province"] = "火星"
    df.loc[[9], "valid_until"] = pd.NaT
    _, problems = assess_with_problems(prepare_roster(df), date(2026, 11, 27))
    r = validation_report(problems)
    assert r[["row", "column", "code"]].values.tolist() == [
        [4, "employer_province", "unknown_province"],
        [10, "employer_province", "unknown_province"], [10, "valid_until", "required"]]


def test_a_text_error_column_from_outside_is_kept_as_text():
    """assess_roster(df) with an ``error`` column of text (a frame from outside): kept as it is,
    extended by the checks; the report shows it whole."""
    df = demo_roster(20, seed=1, as_of=date(2026, 11, 27))
    df["error"] = None
    df.loc[2, "error"] = "valid_from: invalid_date (某 / some)"
    out = assess_roster(df, date(2026, 11, 27))
    assert out["error"].iloc[2] == "valid_from: invalid_date (某 / some)"
    table = prepare_roster(df).messages
    assert table.rows_with("valid_from", "invalid_date").tolist() == [i == 2 for i in range(20)]
    assert validation_report(table).values.tolist() == [
        [3, "", "", "valid_from: invalid_date (某 / some)", "valid_from: invalid_date (某 / some)"]]


def test_problem_table_append_keeps_order_and_shares_rows():
    p = [Problem("a", "x", "甲", "A"), Problem("b", "y", "乙", "B")]
    t = ProblemTable.none(4).append(np.array([0, 2, 3]), np.array([0, 0, 1]), p)
    t = t.append(np.array([2]), np.array([0]), [p[1]])
    assert t.bad.tolist() == [True, False, True, True]
    assert t.records() == [RowProblem(0, "a", "x", "甲", "A"), RowProblem(2, "a", "x", "甲", "A"),
                           RowProblem(2, "b", "y", "乙", "B"), RowProblem(3, "b", "y", "乙", "B")]
    assert t.texts().tolist() == ["a: x (甲 / A)", None, "a: x (甲 / A); b: y (乙 / B)",
                                  "b: y (乙 / B)"]
    assert t.arrow().to_pylist() == t.texts().tolist()


def test_problem_table_take_and_rendered_follow_the_rows_given():
    p = [Problem("a", "x", "甲", "A"), Problem("b", "y", "乙", "B")]
    t = ProblemTable.none(4).append(np.array([0, 2, 3]), np.array([0, 0, 1]), p)
    t = t.append(np.array([2]), np.array([0]), [p[1]])
    picked = t.take([3, 1, 2, 2])
    assert len(picked) == 4
    assert picked.rendered(lambda e: e.message_en, " + ").tolist() == ["B", None, "A + B",
                                                                      "A + B"]
    assert picked.texts().tolist() == [t.texts()[i] for i in (3, 1, 2, 2)]


def test_the_page_renders_a_rosters_problems_from_the_records():
    """ui.admin_tables.problem_texts over the assessment's ProblemTable: for every row, its
    problems in the order found, label and message in one language."""
    from core.messages.catalogue import label
    from ui.admin_tables import problem_texts

    roster = demo_roster(300, seed=5, as_of=AS_OF).copy()
    roster.loc[[3, 7], "birth_date"] = pd.NaT
    roster.loc[[7, 9], "specialty"] = "火星工程"
    _, problems = assess_with_problems(prepare_roster(roster_at(roster, AS_OF),
                                                      POLICY.in_force(AS_OF)), AS_OF)
    en = problem_texts(problems, "en")
    by_row: dict[int, list[str]] = {}
    for r in problems.records():
        by_row.setdefault(r.row, []).append(f"{label(r.field)[1]}: {r.message_en}")
    assert set(by_row) >= {3, 7, 9}
    assert {i: v for i, v in enumerate(en) if v is not None} == {
        row: "; ".join(parts) for row, parts in by_row.items()}
