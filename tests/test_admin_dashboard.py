"""core/admin/dashboard.py: the admin page's headline, filters, due windows and compact frame
against a slow, obvious reference (the charts: tests/test_admin_dashboard_charts.py; the tables:
tests/test_admin_dashboard_tables.py)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import assess_roster
from core.admin import dashboard as d
from core.admin import dashboard_charts as chart_data
from core.admin import dashboard_tables as table_data
from core.demo.roster import demo_roster
from core.policy.data import POLICY
from core.rules.roster import later_downloads, roster_at
from tests.dashboard_helpers import AS_OFS, GENERATED, dashboard_roster


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return dashboard_roster()


def assessed_at(roster, as_of):
    return assess_roster(roster, as_of)


# -- headline: the slow obvious reference --------------------------------------------------------
def reference_headline(a: pd.DataFrame, as_of: date) -> dict:
    out = {"registrations": len(a), "persons": len({n for n in a["registration_number"]
                                                      if isinstance(n, str)}),
           "errors": sum(1 for e in a["error"] if isinstance(e, str))}
    statuses = [s for s in a["status"] if isinstance(s, str)]
    for s in ("lapsed", "expired_not_lapsed", "apply_now", "renewal_pending", "valid",
              "age_limit", "not_yet_valid", "not_covered"):
        out[s] = statuses.count(s)
    for n in (30, 60, 90):
        end = as_of + timedelta(days=n)
        count = 0
        for row in a.itertuples():
            if row.status not in ("valid", "apply_now", "expired_not_lapsed"):
                continue
            dates = [x.date() for x in (row.apply_by, row.lapses_on) if not pd.isna(x)]
            if any(as_of <= x <= end for x in dates):
                count += 1
        out[f"due_{n}"] = count
    # R-5 by hand: valid, renewable (apply_by set), apply_by - 90 days <= T <= apply_by
    out["deadline_near"] = sum(
        1 for row in a.itertuples()
        if row.status == "valid" and not pd.isna(row.apply_by)
        and row.apply_by.date() - timedelta(days=90) <= as_of <= row.apply_by.date())
    return out


@pytest.mark.parametrize("as_of", AS_OFS)
def test_headline_equals_the_reference(roster, as_of):
    a = assessed_at(roster.head(600), as_of)
    assert d.headline(a, as_of) == reference_headline(a, as_of)
    assert d.headline(d.prepare(a), as_of) == reference_headline(a, as_of)


def test_due_windows_nest_and_count_something(roster):
    a = assessed_at(roster, GENERATED)
    h = d.headline(a, GENERATED)
    assert 0 < h["due_30"] <= h["due_60"] <= h["due_90"]
    assert h["persons"] < h["registrations"]


def test_deadline_near_is_r5_at_its_edges():
    a = assessed_at(demo_roster(400, seed=3, as_of=GENERATED), GENERATED)
    row = a[a["status"] == "valid"].dropna(subset=["apply_by"]).iloc[[0]]
    apply_by = row["apply_by"].iloc[0].date()
    window = POLICY.days("renewal_reminder")
    for offset, near in ((-window - 1, False), (-window, True), (0, True)):
        as_of = apply_by + timedelta(days=offset)
        assert bool(d.deadline_near_mask(row, as_of)[0]) is near, offset
    apply_now = a[a["status"] == "apply_now"]
    assert not d.deadline_near_mask(apply_now, GENERATED).any()  # passed, not near


def test_due_includes_both_ends_of_the_window():
    a = assessed_at(demo_roster(200, seed=3, as_of=GENERATED), GENERATED)
    row = a[a["status"] == "valid"].dropna(subset=["apply_by"]).iloc[[0]]
    apply_by = row["apply_by"].iloc[0].date()
    days = (apply_by - GENERATED).days
    assert d.due_mask(row, GENERATED, days).all()
    assert not d.due_mask(row, GENERATED, days - 1).any() or (
        row["lapses_on"].iloc[0].date() - GENERATED).days <= days - 1


# -- chart 2 and chart 3 -----------------------------------------------------------------------


# -- filters, table, export -------------------------------------------------------------------
def test_filter_rows(roster):
    a = d.prepare(assessed_at(roster, GENERATED))
    assert d.filter_rows(a) is a
    assert d.filter_rows(a, [], [], [], "  ") is a
    pilot = d.filter_rows(a, regimes=["pilot"])
    assert set(pilot["regime"].astype(str)) == {"pilot"}
    zj = d.filter_rows(a, provinces=["浙江"])
    assert set(zj["employer_province"].str.strip()) == {"浙江", "浙江省"}
    word = a["employer"].dropna().iloc[0][-6:]
    hit = d.filter_rows(a, employer_query=word.lower())
    assert len(hit) and hit["employer"].str.contains(word, regex=False).all()
    assert len(d.filter_rows(a, employer_query=".*")) == 0  # plain text, not a pattern
    both = d.filter_rows(a, regimes=["batch2021"], specialties=["建筑工程"])
    assert set(both["specialty"]) == {"建筑工程"}


def test_roster_at_blanks_later_downloads_only():
    from datetime import date

    from core import assess_roster
    from core.demo.roster import demo_roster

    roster = demo_roster(3_000, as_of=date(2026, 11, 27))
    past = date(2022, 3, 1)
    raw = assess_roster(roster, past)
    seen = assess_roster(roster_at(roster, past), past)
    later = roster["certificate_downloaded_on"] > pd.Timestamp(past)
    assert later.any()
    # a download after T is no input error (issue 23: ignored at T, as for a profile); the rows'
    # answers are those of the roster as it stood
    assert raw["error"].isna().all() and seen["error"].isna().all()
    pd.testing.assert_frame_equal(raw.drop(columns="certificate_downloaded_on"),
                                  seen.drop(columns="certificate_downloaded_on"))
    earlier = roster["certificate_downloaded_on"] <= pd.Timestamp(past)
    assert (roster_at(roster, past).loc[earlier, "certificate_downloaded_on"]
            == roster.loc[earlier, "certificate_downloaded_on"]).all()
    assert roster_at(roster, date(2026, 11, 27)) is roster


# -- the page's narrow frame (basis + compact) gives the same numbers as the full frame ---------
def filter_cases(roster):
    word = roster["employer"].dropna().iloc[3][-5:]
    return [dict(), dict(regimes=["pilot"]), dict(provinces=["浙江", "北京"]),
            dict(specialties=["建筑工程"]), dict(employer_query=word.lower()),
            dict(regimes=["batch2021"], specialties=["市政公用工程", "机电工程"],
                 employer_query="建设"),
            dict(provinces=["火星"])]


@pytest.mark.parametrize("as_of", [date(2021, 9, 1), date(2024, 6, 15), GENERATED])
def test_the_compact_frame_gives_the_same_numbers_as_the_full_one(roster, as_of):
    from pandas.testing import assert_frame_equal

    a = assess_roster(roster, as_of)
    narrow = d.compact(a, d.basis(roster))
    assert list(narrow.columns) == list(d.COMPACT_COLUMNS)
    for f in filter_cases(roster):
        full = d.filter_rows(d.prepare(a), **f)
        mask = d.filter_mask(narrow, **f)
        sub = narrow if mask is None else narrow[mask]
        assert len(sub) == len(full), f
        assert d.headline(sub, as_of) == d.headline(full, as_of), f
        for kw in ({}, {"by_specialty": True}, {"distinct_persons": True},
                   {"by_specialty": True, "distinct_persons": True}):
            assert_frame_equal(chart_data.lapse_by_province(sub, as_of, **kw),
                               chart_data.lapse_by_province(full, as_of, **kw))
        assert_frame_equal(chart_data.lapses_by_month(sub), chart_data.lapses_by_month(full))
        for days in (7, 90, 365):
            assert_frame_equal(chart_data.upcoming_by_province(sub, as_of, days),
                               chart_data.upcoming_by_province(full, as_of, days))
        assert_frame_equal(table_data.materialise(a, table_data.table_rows(sub, as_of)),
                           table_data.needs_action(full, as_of))
        near = full.reset_index(drop=True)
        near_rows = table_data.table_rows(near, as_of, "deadline_near")
        assert_frame_equal(table_data.materialise(a, table_data.table_rows(sub, as_of,
                                                                           "deadline_near")),
                           table_data.materialise(near, near_rows))
        assert_frame_equal(table_data.materialise(a, table_data.table_rows(sub, as_of, "all")),
                           table_data.export_frame(full).reset_index(drop=True))
        shown = table_data.materialise(a, table_data.table_rows(sub, as_of), limit=5)
        assert_frame_equal(shown, table_data.needs_action(full, as_of).head(5))


def test_later_downloads_says_when_roster_at_changes_the_roster(roster):
    last = pd.to_datetime(roster["certificate_downloaded_on"]).max().date()
    assert not later_downloads(roster, last)
    assert later_downloads(roster, last - timedelta(days=1))
    assert roster_at(roster, last) is roster


# ------------------------------------------------------------------- due counts in one pass
_STATUSES = ["valid", "apply_now", "expired_not_lapsed", "lapsed", "renewal_pending",
             "age_limit", "not_yet_valid", "not_covered", None]


def _due_frame(rows: list[tuple[int | None, int | None, int | None]], t: date) -> pd.DataFrame:
    def day(offset: int | None):
        return np.datetime64("NaT", "s") if offset is None else np.datetime64(
            t + timedelta(days=offset), "s")

    return pd.DataFrame({
        "status": pd.Categorical([_STATUSES[s] if s is not None else None for s, _, _ in rows],
                                 categories=[s for s in _STATUSES if s]),
        "apply_by": np.array([day(a) for _, a, _ in rows], dtype="datetime64[s]"),
        "lapses_on": np.array([day(lp) for _, _, lp in rows], dtype="datetime64[s]"),
    })


def test_due_counts_at_the_window_edges():
    t = date(2026, 6, 30)
    # apply_by / lapses_on: the day before T, T itself, T + 30, T + 31, both dates, none
    rows = [(0, -1, None), (0, 0, None), (0, 30, None), (0, 31, None), (0, None, 30),
            (0, -5, 31), (0, -5, 90), (0, 91, 95), (1, None, 60), (2, -1, 61),
            (3, 0, 0), (8, 5, 5), (None, 5, 5), (0, None, None)]
    df = _due_frame(rows, t)
    assert d.due_counts(df, t) == {30: 3, 60: 6, 90: 8}
    assert d.due_counts(df, t) == {n: int(d.due_mask(df, t, n).sum()) for n in d.DUE_WINDOWS}


_offset = st.one_of(st.none(), st.integers(-400, 400))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, len(_STATUSES) - 2)),
                          _offset, _offset), max_size=40),
       st.lists(st.integers(0, 400), min_size=1, max_size=4))
def test_due_counts_equal_the_masks(rows, windows):
    t = date(2026, 6, 30)
    df = _due_frame(rows, t)
    assert d.due_counts(df, t, windows) == {n: int(d.due_mask(df, t, n).sum())
                                            for n in windows}
