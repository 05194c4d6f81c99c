"""The admin dashboard's test roster (tests/test_admin_dashboard*.py): the demo roster with the
provinces' full names, an unknown province, a blank-padded name and a broken row."""

from __future__ import annotations

from datetime import date

import pandas as pd

from core.demo.roster import demo_roster

GENERATED = date(2026, 11, 27)
AS_OFS = [date(2021, 7, 31), date(2021, 8, 1), date(2021, 12, 31), date(2022, 1, 1),
          date(2024, 6, 15), GENERATED]


def dashboard_roster() -> pd.DataFrame:
    df = demo_roster(3000, seed=7, as_of=GENERATED)
    # Full names, an unknown province, a blank-padded name and a broken row next to the
    # demo's short names: the dashboard folds them exactly like core.lapse_counts.
    df = df.copy()
    df.loc[0:40, "employer_province"] = "浙江省"
    df.loc[41:50, "employer_province"] = " 北京市 "
    df.loc[51:55, "employer_province"] = "火星"
    df.loc[56:60, "valid_until"] = pd.NaT
    return df
