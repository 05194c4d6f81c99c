"""Charts readable without seeing them (issue 15): every chart's summary and table restate the
data it draws; colour is never the only cue; whole-number count axes; English tile names never
broken inside a name."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import assess, assess_roster
from core.admin import dashboard as dash
from core.admin import dashboard_charts as chart_data
from core.demo import scenarios as sc
from core.demo.roster import demo_profile, demo_roster
from core.policy.data import POLICY
from core.rules.roster import roster_at
from core.schema.roster import REGIMES
from ui import admin_charts, chart_text, policy_charts
from ui.i18n import text
from ui.timeline import figure as timeline_figure

AS_OF = date(2021, 9, 1)
LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    frame = dash.prepare(demo_roster(1500, seed=11, as_of=AS_OF))
    return dash.prepare(assess_roster(roster_at(frame, AS_OF), AS_OF))


# -- English tile map ----------------------------------------------------------------------------
def test_no_english_tile_name_is_broken_inside_a_word():
    for p in POLICY.provinces:
        name = policy_charts.tile_name(p.en)
        assert "-" not in name.replace(p.en, "")  # no hyphen added
        lines = name.split("<br>")
        assert all(len(line) <= 8 for line in lines), name
        # either the name, the name split at its spaces, or a listed abbreviation
        assert (" ".join(lines) == p.en
                or policy_charts.TILE_ABBREVIATIONS.get(p.en) == name), name
    for bad in ("Zhej-", "Xinj-", "Heilon-"):
        fig = policy_charts.regime_map("en")
        assert not any(bad in str(t) for trace in fig.data for t in (trace.text or ())), bad


def test_the_map_marks_each_regime_with_more_than_colour():
    for lang in LANGS:
        fig = policy_charts.regime_map(lang)
        legend = [trace.name for trace in fig.data if trace.showlegend]
        for regime in ("pilot", "batch2021"):
            mark = policy_charts.REGIME_MARKS[regime]
            assert any(name.startswith(mark) for name in legend)
            tiles = [trace for trace in fig.data if trace.legendgroup == regime and trace.text]
            assert tiles and all(t.endswith(mark) for t in tiles[0].text)


# -- admin charts ----------------------------------------------------------------------------------
def _upcoming(counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"province": ["浙江", "上海"][: len(counts)],
                         "province_en": ["Zhejiang", "Shanghai"][: len(counts)],
                         "regime": "pilot", "kind": "apply_by", "count": counts})


def test_upcoming_deadlines_have_whole_number_ticks():
    fig = admin_charts.upcoming_chart(_upcoming([2, 1]), "zh", 30)
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tick0 == 0  # not 0.5, 1.5
    fig = admin_charts.upcoming_chart(_upcoming([250, 40]), "en", 30)
    assert fig.layout.xaxis.tickformat == ",d"


def test_admin_bars_differ_by_pattern_not_only_colour(roster):
    data = chart_data.lapse_by_province(roster, AS_OF)
    fig = admin_charts.lapse_chart(data, "zh", by_specialty=False, distinct_persons=False)
    patterns = [trace.marker.pattern.shape or "" for trace in fig.data]
    assert len(set(patterns)) == len(patterns) >= 2
    up = admin_charts.upcoming_chart(chart_data.upcoming_by_province(roster, AS_OF, 365), "en", 365)
    assert len({trace.marker.pattern.shape or "" for trace in up.data}) == len(up.data) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_admin_summaries_and_tables_hold_the_charts_numbers(roster, lang):
    data = chart_data.lapse_by_province(roster, AS_OF)
    summary, table = chart_text.lapses(data, lang, by_specialty=False, distinct_persons=False)
    assert len(table) == len(data)
    assert table[text("chart.col.count", lang)].sum() == data["count"].sum()
    assert f"{int(data['count'].sum()):,}" in summary
    top = data.iloc[0]
    assert (top["province_en"] if lang == "en" else top["province"]) in summary

    months = chart_data.lapses_by_month(roster)
    summary, table = chart_text.lapses_over_time(months, lang)
    assert table[text("chart.col.count", lang)].sum() == months["count"].sum()
    lapsed = int(months.loc[months["kind"] == "lapsed", "count"].sum())
    assert f"{lapsed:,}" in summary

    up = chart_data.upcoming_by_province(roster, AS_OF, 90)
    summary, table = chart_text.upcoming(up, lang, 90)
    assert len(table) == len(up)
    assert f"{int(up.loc[up['kind'] == 'apply_by', 'count'].sum()):,}" in summary


# -- self-service and policy charts -------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_the_timeline_summary_names_every_date_drawn(lang):
    a = assess(demo_profile(AS_OF), AS_OF)
    assert timeline_figure(a, lang) is not None
    summary, table = chart_text.timeline(a, lang)
    for s in a["specialties"]:
        for day in (s["current_valid_until"], s["apply_by"], s["lapses_on"]):
            assert day in summary
        assert text(f"policy.status.{s['status']}", lang) in summary
    assert len(table) == len(a["specialties"]) + (1 if a["usage_window"].get("until") else 0)


@pytest.mark.parametrize("lang", LANGS)
def test_policy_summaries_and_tables(lang):
    summary, table = chart_text.notice_timeline(lang)
    events = policy_charts.notice_events(lang)
    assert len(table) == len(events) and events[0]["date"].isoformat() in summary
    summary, table = chart_text.regime_map(lang)
    assert len(table) == len(POLICY.provinces)
    for regime in REGIMES:
        assert policy_charts.regime_label(regime, lang) in summary
    s = sc.get("usage-180-days")
    start, end = sc.time_range(s)
    bands = sc.status_bands(s, start, end)
    summary, table = chart_text.status_bands(bands, lang, s.as_of, str)
    assert len(table) == len(bands)
    for b in bands:
        assert policy_charts.status_label(b["status"], lang) in summary


def test_status_bands_carry_their_status_in_words():
    s = sc.get("usage-180-days")
    start, end = sc.time_range(s)
    bands = sc.status_bands(s, start, end)
    fig = policy_charts.status_bands_figure(bands, "zh", s.as_of, s.as_of, str)
    for trace, band in zip(fig.data, bands, strict=True):
        assert list(trace.text) == [policy_charts.status_label(band["status"], "zh")]


def test_the_month_charts_clause_labels_each_have_their_own_line(roster):
    """Issue 26: the notice's dates lie a day apart (2021-07-31 / 08-01, 2021-12-31 /
    2022-01-01) on an axis of years; their labels used to pile up. Each now has its own line
    in a strip above the plot (same anchor, a different pixel shift), inside the top margin."""
    markers = chart_data.notice_markers()
    fig = admin_charts.lapses_over_time_chart(chart_data.lapses_by_month(roster), markers, "zh")
    notes = fig.layout.annotations
    assert len(notes) == len(markers) == 4
    lines = [(n.y, n.yshift) for n in notes]
    assert len(set(lines)) == len(lines)
    shifts = sorted(n.yshift for n in notes)
    assert all(b - a >= 18 for a, b in zip(shifts, shifts[1:], strict=False))  # 18 px a line
    assert all(n.y == 1.0 and n.yanchor == "bottom" for n in notes)  # above the plot
    assert fig.layout.margin.t >= max(shifts) + 18 + 30  # room for them and the title
