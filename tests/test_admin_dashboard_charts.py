"""core/admin/dashboard_charts.py: every chart's figures of the admin page against a slow,
obvious reference (core.lapse_counts, loops over the rows, the policy's dates)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest

from core import assess_roster, lapse_counts
from core.admin import dashboard as d
from core.admin import dashboard_charts as chart_data
from core.admin import dashboard_tables as table_data
from core.policy.data import POLICY
from tests.dashboard_helpers import AS_OFS, GENERATED, dashboard_roster


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return dashboard_roster()


def assessed_at(roster, as_of):
    return assess_roster(roster, as_of)



@pytest.mark.parametrize("as_of", AS_OFS)
@pytest.mark.parametrize("prepared", [False, True])
def test_chart1_counts_equal_lapse_counts(roster, as_of, prepared):
    a = assessed_at(roster, as_of)
    frame = d.prepare(a) if prepared else a
    got = chart_data.lapse_by_province(frame, as_of).set_index("province")["count"]
    want = lapse_counts(roster, as_of)
    assert got.sort_index().to_dict() == want.sort_index().to_dict()
    assert (got.to_numpy()[:-1] >= got.to_numpy()[1:]).all()  # sorted, largest first


@pytest.mark.parametrize("as_of", [date(2022, 1, 1), GENERATED])
def test_chart1_on_a_filtered_roster_equals_lapse_counts_of_that_roster(roster, as_of):
    a = d.prepare(assessed_at(roster, as_of))
    sub = d.filter_rows(a, regimes=["batch2021"], specialties=["建筑工程", "市政公用工程"])
    got = chart_data.lapse_by_province(sub, as_of).set_index("province")["count"].to_dict()
    assert got == lapse_counts(table_data.export_frame(sub), as_of).to_dict()


@pytest.mark.parametrize("as_of", [date(2022, 1, 1), GENERATED])
def test_chart1_toggles_distinct_persons_and_specialties(roster, as_of):
    a = assessed_at(roster, as_of)
    rows = roster.assign(short=d.province_short(a).astype(object), status=a["status"])
    lapsed = rows[rows["status"] == "lapsed"]
    persons = {p: len(set(g["registration_number"])) for p, g in lapsed.groupby("short")}
    got = chart_data.lapse_by_province(a, as_of, distinct_persons=True)
    got = got.set_index("province")["count"]
    for p, n in got.items():
        assert n == persons.get(p, 0)
    stacked = chart_data.lapse_by_province(a, as_of, by_specialty=True)
    ref = Counter(zip(lapsed["short"], lapsed["specialty"], strict=True))
    assert {(r.province, r.specialty): r.count for r in stacked.itertuples()} == dict(ref)
    # provinces keep the order of their totals, and the totals are chart 1's numbers
    totals = stacked.groupby("province", sort=False)["count"].sum()
    assert list(totals) == sorted(totals, reverse=True)
    plain = chart_data.lapse_by_province(a, as_of).set_index("province")["count"]
    assert (plain[totals.index] == totals).all()
    sp = chart_data.lapse_by_province(a, as_of, by_specialty=True, distinct_persons=True)
    refp = {k: len(set(g["registration_number"]))
            for k, g in lapsed.groupby(["short", "specialty"])}
    assert {(r.province, r.specialty): r.count for r in sp.itertuples()} == refp


def test_chart1_regime_colour_follows_the_province(roster):
    out = chart_data.lapse_by_province(assessed_at(roster, GENERATED), GENERATED)
    out = out.set_index("province")
    assert out.loc["北京", "regime"] == "pilot"
    assert out.loc["江苏", "regime"] == "batch2021"
    assert out.loc["湖北", "regime"] == "not_covered"
    assert out.loc["火星", "regime"] == "unknown"
    assert out.loc["北京", "province_en"] == "Beijing"


def test_lapses_by_month_equals_a_loop(roster):
    a = assessed_at(roster, GENERATED)
    ref = Counter()
    for row in a.itertuples():
        if pd.isna(row.lapses_on) or row.status not in ("lapsed", *d.ACTIONABLE):
            continue
        kind = "lapsed" if row.status == "lapsed" else "scheduled"
        ref[(row.lapses_on.replace(day=1).date(), row.regime, kind)] += 1
    got = chart_data.lapses_by_month(a)
    assert {(r.month.date(), r.regime, r.kind): r.count for r in got.itertuples()} == dict(ref)
    assert got["month"].is_monotonic_increasing
    # the two lapse waves of the notice show up
    waves = got[got["kind"] == "lapsed"].groupby("month")["count"].sum()
    assert waves[pd.Timestamp("2021-08-01")] > waves[pd.Timestamp("2021-07-01"):
                                                   pd.Timestamp("2021-12-01")].median()


def test_notice_markers_come_from_policy_dates(tmp_path):
    m = chart_data.notice_markers()
    days = {x.date() for x in m["date"]}
    assert days == {dated.value for dated in POLICY.dates.values()}
    row = m[m["date"] == pd.Timestamp(POLICY.date("batch_lapses_on"))].iloc[0]
    assert "C-2.2.1" in row["clauses"] and "batch_lapses_on" in row["keys"]
    from core.policy.data import load_policy
    src = (__import__("pathlib").Path(POLICY.__class__.__module__.replace(".", "/") + ".py")
           .resolve().with_name("policy.toml")).read_text(encoding="utf-8")
    moved = tmp_path / "policy.toml"
    moved.write_text(src.replace("[dates.batch_lapses_on]\nvalue = 2022-01-01",
                                 "[dates.batch_lapses_on]\nvalue = 2022-02-01"), encoding="utf-8")
    m2 = chart_data.notice_markers(load_policy(moved))
    assert pd.Timestamp("2022-02-01") in set(m2["date"])


@pytest.mark.parametrize("days", [0, 30, 180])
def test_upcoming_by_province_equals_a_loop(roster, days):
    as_of = date(2024, 6, 15)
    a = assessed_at(roster, as_of)
    short = d.province_short(a)
    ref = Counter()
    end = as_of + timedelta(days=days)
    for i, row in enumerate(a.itertuples()):
        if row.status not in d.ACTIONABLE:
            continue
        for kind in ("apply_by", "lapses_on"):
            x = getattr(row, kind)
            if not pd.isna(x) and as_of <= x.date() <= end:
                ref[(short.iloc[i], kind)] += 1
    got = chart_data.upcoming_by_province(a, as_of, days)
    assert {(r.province, r.kind): r.count for r in got.itertuples()} == dict(ref)
