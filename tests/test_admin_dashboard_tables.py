"""core/admin/dashboard_tables.py: the admin page's tables (the deadline-near view, the rows that
need action) against the dashboard's own masks."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core import assess_roster
from core.admin import dashboard as d
from core.admin import dashboard_tables as table_data
from tests.dashboard_helpers import GENERATED, dashboard_roster


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return dashboard_roster()


def assessed_at(roster, as_of):
    return assess_roster(roster, as_of)



def test_the_deadline_near_view_lists_those_rows_soonest_first(roster):
    a = assessed_at(roster, GENERATED)
    rows = table_data.table_rows(a, GENERATED, "deadline_near")
    assert len(rows) == d.headline(a, GENERATED)["deadline_near"] > 0
    assert rows["next_deadline"].is_monotonic_increasing
    assert set(a["status"].iloc[rows["row"]]) == {"valid"}
    assert (rows["next_deadline"].to_numpy()
            == a["apply_by"].to_numpy(dtype="datetime64[s]")[rows["row"]]).all()


def test_needs_action(roster):
    as_of = date(2021, 9, 1)
    a = d.prepare(assessed_at(roster, as_of))
    out = table_data.needs_action(a, as_of)
    assert d.PROVINCE_COLUMN not in out and d.PERSON_COLUMN not in out
    assert list(out.columns[:2]) == ["action", "next_deadline"]
    counts = out["action"].value_counts()
    h = d.headline(a, as_of)
    assert counts["fix_data"] == h["errors"]
    assert counts["apply_now"] == h["apply_now"]
    assert counts.get("apply_before_lapse", 0) == h["expired_not_lapsed"]
    due = d.due_mask(a, as_of, d.NEEDS_ACTION_DAYS) & (a["status"] == "valid").to_numpy()
    assert counts.get("due_soon", 0) == due.sum()
    codes = out["action"].cat.codes.to_numpy()
    assert (np.diff(codes) >= 0).all()
    soon = out[out["action"] == "due_soon"]
    assert (soon["next_deadline"] >= pd.Timestamp(as_of)).all()
    assert soon["next_deadline"].is_monotonic_increasing
