"""Builders and checks shared by the roster file tests (tests/test_roster_io.py,
tests/test_roster_export.py)."""

from __future__ import annotations

import pandas as pd

from core.roster.io import Roster
from core.schema.roster import FLAG_COLUMN, ROSTER_COLUMNS


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def check_two_rows(r: Roster) -> None:
    d = r.data
    assert list(d.columns) == [*ROSTER_COLUMNS, "error"]
    assert len(d) == 2
    assert d["name"].tolist() == ["张三", "李四"]
    assert d["registration_number"][0] == "京1112006200807445"
    assert d["employer_province"].tolist() == ["北京", "江苏"]
    assert d["birth_date"].tolist() == [ts("1970-03-15"), ts("1975-08-01")]
    assert d["valid_from"].tolist() == [ts("2018-06-01"), ts("2019-01-02")]
    assert d["valid_until"].tolist() == [ts("2021-05-31"), ts("2022-01-01")]
    assert d["renewal_applied_on"][1] == ts("2021-12-01")
    assert pd.isna(d["renewal_applied_on"][0])
    assert d[FLAG_COLUMN].tolist() == [True, False]
    assert d["error"].isna().all()
