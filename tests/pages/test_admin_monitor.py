"""/admin in AppTest: tables people can read (issue 14 item 3) and the section "certificates to
download again" (issue 14 item 2), in demo mode (the demo roster, no login needed)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from core.admin import dashboard as dash
from core.admin import monitor
from core.demo.roster import DEMO_ROWS, DEMO_SEED, demo_roster
from core.policy.dates import today_shanghai
from core.rules.certificate import USAGE_STATUSES
from core.rules.roster import prepare_roster, roster_at
from core.rules.roster_windows import usage_windows
from core.rules.specialty import STATUSES
from core.schema.roster import DUE_KINDS, REGIMES
from tests.app_helpers import assert_clean, open_admin
from ui import admin_monitor, admin_tables
from ui.i18n import text

AS_OF = date(2024, 6, 15)
RAW = {*STATUSES, *REGIMES, *USAGE_STATUSES, *DUE_KINDS, *dash.ACTIONS, "next_deadline",
       "180_days", "specialty_validity", "age_65", "True", "False", "None", "nan", "<NA>"}
RAW_NAMES = ("apply_by", "lapses_on", "batch2021", "not_covered", "expired_not_lapsed",
             "apply_now", "next_deadline", "usage_until")


@pytest.fixture(autouse=True)
def isolated(isolated_app):  # tests/conftest.py: own data folder, router already ran
    return isolated_app


def set_lang(at, lang: str):
    at.radio(key="lang").set_value(lang).run()
    assert_clean(at)
    return at


def frame_values(df: pd.DataFrame) -> set[str]:
    out = {str(c) for c in df.columns}
    for c in df.columns:
        if not pd.api.types.is_datetime64_any_dtype(df[c].dtype):
            out |= {str(v) for v in df[c].dropna().unique()}
    return out


def chart_texts(at) -> list[str]:
    texts = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        title = layout.get("title", {})
        texts.append(title.get("text", "") if isinstance(title, dict) else str(title))
        texts.extend(str(trace.get("name", "")) for trace in spec["data"])
        for axis in ("xaxis", "yaxis"):
            t = layout.get(axis, {}).get("title", {})
            texts.append(t.get("text", "") if isinstance(t, dict) else str(t or ""))
    return texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_tables_charts_and_captions_show_no_raw_codes(lang):
    at = set_lang(open_admin(AS_OF), lang)
    assert at.dataframe, "no table on the page"
    check_readable(at, lang)
    table = [d.value for d in at.dataframe if text("admin.col.action", lang) in d.value.columns]
    assert table, "the needs-action table is missing"
    assert text("admin.col.registration_number", lang) in table[0].columns
    at = open_monitoring(set_lang(open_admin(), lang), lang)  # today: plenty of windows
    assert [d for d in at.dataframe if text("admin.col.usage_status", lang) in d.value.columns]
    check_readable(at, lang)


def check_readable(at, lang: str) -> None:
    for df in at.dataframe:
        assert not frame_values(df.value) & RAW, df.value.columns
    words = chart_texts(at) + [c.value for c in at.caption] + [m.label for m in at.metric]
    for word in RAW_NAMES:
        assert not [w for w in words if word in w], word


def test_english_chart_titles_are_words():
    at = set_lang(open_admin(AS_OF), "en")
    titles = chart_texts(at)
    assert "Lapses by month" in titles
    assert text("admin.chart3_title", "en", days=90) in titles
    assert "Renewal deadline" in titles and "Lapse date" in titles


# -- monitoring --------------------------------------------------------------------------------
def demo_windows(as_of: date) -> pd.DataFrame:
    roster = demo_roster(DEMO_ROWS, seed=DEMO_SEED, as_of=today_shanghai())
    return usage_windows(prepare_roster(roster_at(roster, as_of)), as_of)


def open_monitoring(at, lang: str = "zh"):
    """Select the tab "certificates to download again" (a tab switch reruns the page)."""
    at.session_state["admin_view"] = text("admin.monitor.heading", lang)
    at.run()
    assert_clean(at)
    return at


def metric(at, label: str) -> int:
    [m] = [m for m in at.metric if m.label == label]
    return int(m.value.replace(",", ""))


@pytest.mark.parametrize("as_of", [AS_OF, None])  # None: today, the page's default
def test_monitoring_section_shows_the_engine_windows_counted(as_of):
    at = open_admin(as_of)
    labels = [tab.label for tab in at.tabs]
    assert text("admin.monitor.heading", "zh") in labels
    assert not [m for m in at.metric if m.label == text("admin.monitor.m_ended", "zh")]
    open_monitoring(at)
    windows = demo_windows(as_of or today_shanghai())
    for within in (30, 90):
        if within != 30:
            at.number_input(key=admin_monitor.WITHIN_KEY).set_value(within).run()
            assert_clean(at)
        flagged = monitor.flags(monitor.index(windows), within)
        assert metric(at, text("admin.monitor.m_ended", "zh")) == flagged["ended"].sum()
        assert metric(at, text("admin.monitor.m_ending", "zh", days=within)) == \
            flagged["ending"].sum()
        assert metric(at, text("admin.monitor.m_outdated", "zh")) == flagged["outdated"].sum()
        assert metric(at, text("admin.monitor.m_persons", "zh")) == flagged["any"].sum()
    assert metric(at, text("admin.monitor.m_unavailable", "zh")) == flagged["unavailable"].sum()
    people = [d.value for d in at.dataframe if "使用状态" in d.value.columns]
    assert people and len(people[0]) == min(flagged["listed"].sum(), admin_monitor.TABLE_ROWS)
    assert not frame_values(people[0]) & RAW
    persons = text("admin.monitor.m_persons", "zh")
    by_province = [d.value for d in at.dataframe if "注册单位所在地" in d.value.columns
                   and persons in d.value.columns]
    assert by_province and by_province[0][persons].sum() == flagged["any"].sum()
    assert by_province[0]["下载日不能取得证书"].sum() == flagged["unavailable"].sum()


def test_monitoring_follows_the_page_filters():
    w = monitor.index(demo_windows(today_shanghai()))
    by_province = monitor.counts(w, monitor.flags(w, 30), "province")
    busiest = by_province["province"].iloc[0]  # the province with the most persons concerned
    at = open_monitoring(open_admin())
    at.multiselect(key="admin_f_province").set_value([busiest]).run()
    assert_clean(at)
    flagged = monitor.flags(w, 30, monitor.window_mask(w, provinces=[busiest]))
    shown = metric(at, text("admin.monitor.m_persons", "zh"))
    assert shown == flagged["any"].sum() == by_province["persons"].iloc[0] > 0
    assert shown < monitor.flags(w, 30)["any"].sum()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_monitoring_export_is_readable(lang):
    w = monitor.index(demo_windows(today_shanghai()))
    people = monitor.people(w, monitor.people_order(w, monitor.flags(w, 30)))
    table = admin_monitor.people_table(people, lang)
    assert list(table.columns)[:2] == [text("admin.col.name", lang),
                                       text("admin.col.registration_number", lang)]
    data = admin_tables.csv_bytes(table)
    back = pd.read_csv(__import__("io").BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(back) == len(people) > 0
    assert not {str(v) for c in back.columns for v in back[c].dropna()} & RAW
    assert set(back[text("admin.col.usage_status", lang)]) <= {
        text(f"admin.window_status.{s}", lang) for s in USAGE_STATUSES}


def test_switching_tabs_keeps_each_tabs_controls():
    at = open_admin(AS_OF)
    at.slider(key="admin_chart3_days").set_value(120).run()
    open_monitoring(at)
    assert not at.get("plotly_chart")  # the overview is not drawn (nor computed) meanwhile
    at.number_input(key=admin_monitor.WITHIN_KEY).set_value(45).run()
    at.session_state["admin_view"] = text("admin.view_overview", "zh")
    at.run()
    assert_clean(at)
    assert at.slider(key="admin_chart3_days").value == 120 and at.get("plotly_chart")
    open_monitoring(at)
    assert at.number_input(key=admin_monitor.WITHIN_KEY).value == 45
    assert [m for m in at.metric if m.label == text("admin.monitor.m_ending", "zh", days=45)]


def test_the_tile_and_the_list_label_each_count_and_days_read_as_words():
    """Issue 26: the tile counts persons to download again, the list also holds those whose
    download date gave no certificate: the caption names both counts, which add up to the
    list; days past a window's end read "已过 375 天", never a negative number."""
    at = open_monitoring(open_admin())
    windows = demo_windows(today_shanghai())
    flagged = monitor.flags(monitor.index(windows), 30)
    persons, unavailable = int(flagged["any"].sum()), int(flagged["unavailable"].sum())
    assert unavailable > 0 and metric(at, text("admin.monitor.m_persons", "zh")) == persons
    caption = " ".join(c.value for c in at.caption)
    total = int(flagged["listed"].sum())
    assert text("admin.monitor.caption", "zh", shown=min(total, admin_monitor.TABLE_ROWS),
                total=total, persons=persons, unavailable=unavailable) in caption
    assert f"需重新下载的 {persons} 人" in caption and f"不能取得证书的 {unavailable} 人" in caption
    [people] = [d.value for d in at.dataframe if "使用状态" in d.value.columns]
    days = people[text("admin.col.days_left", "zh")].dropna()
    assert days.str.fullmatch(r"(剩余|已过) \d+ 天|今天结束").all()
    ended = windows[windows["status"] == "expired"]["days_left"].astype(int)
    assert f"已过 {-ended.min()} 天" in set(days)
    en = admin_monitor.days_text(pd.Series([-375, 0, 12, None]), "en")
    assert list(en) == ["375 days ago", "Ends today", "12 days left", None]
