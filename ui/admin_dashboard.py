"""The admin dashboard body: filters, headline figures, the three charts, the table and export.

Every number comes from core/admin/dashboard*.py (dashboard_charts proves chart 1 equal to
``core.lapse_counts``); this module reads widgets and draws. Each result is cached by what it
depends on: the roster (``Source.key``: snapshot), the as-of date, the filters, the chart's own
controls and the language. So a rerun with nothing changed recomputes nothing, a filter change
recomputes only the counts (on the narrow frame of ui/admin_data.py), and the filter-dependent
part is one ``st.fragment``: changing a filter reruns it alone, not the whole page. Below the
filters, two tabs: the overview and "certificates to download again" (ui/admin_monitor.py);
only the open one is computed, so the usage windows are worked out only when someone looks.
Each chart comes with a one-line summary and its data as a table (ui/chart_text.py, issue 15).

Issue 26: the headline names ``apply_now`` as "deadline passed, not lapsed" and counts the
specialties whose deadline is near (R-5, ``dash.deadline_near_mask``) apart, also a view of the
table; stacked by specialty and counting persons, chart 1 says its parts count a person once per
specialty and marks each province's distinct persons; the rows an import rejected (kept with the
snapshot, ``Store.problems``) are listed under the table with their export.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.admin import dashboard as dash
from core.admin import dashboard_charts as chart_data
from core.admin import dashboard_tables as table_data
from core.policy.data import POLICY
from ui import a11y, admin_data, admin_monitor, admin_tables, chart_text, state
from ui import admin_charts as charts
from ui.admin_data import Filters, Key, Source, View, selection, view
from ui.i18n import t

TABLE_ROWS = 1_000  # rows shown on the page; the export has them all
CHART1_KEY = "admin_chart1"


# ------------------------------------------------------------------------- cached results
@st.cache_resource(show_spinner=False, max_entries=8)
def _headline(key: Key, as_of: date, filters: Filters) -> dict[str, int]:
    return dash.headline(selection(Source(key), as_of, filters), as_of)


# A chart as drawn: the figure, its one-line summary and its data table (ui/chart_text.py).
Drawn = tuple[go.Figure, str, pd.DataFrame]


@st.cache_resource(show_spinner=False, max_entries=16)
def _chart1(key: Key, as_of: date, filters: Filters, by_specialty: bool, persons: bool,
            lang: str) -> Drawn | None:
    rows = selection(Source(key), as_of, filters)
    data = chart_data.lapse_by_province(rows, as_of, by_specialty=by_specialty,
                                  distinct_persons=persons)
    if data.empty:
        return None
    # Stacked by specialty, a person with lapsed specialties in two is in two parts of a bar:
    # the distinct persons per province come with it (a marker, and the summary's total).
    people = (chart_data.lapse_by_province(rows, as_of, distinct_persons=True)
              if by_specialty and persons else None)
    return (charts.lapse_chart(data, lang, by_specialty=by_specialty, distinct_persons=persons,
                               persons=people),
            *chart_text.lapses(data, lang, by_specialty=by_specialty, distinct_persons=persons,
                               persons=people))


@st.cache_resource(show_spinner=False, max_entries=8)
def _chart2(key: Key, as_of: date, filters: Filters, lang: str) -> Drawn:
    data = chart_data.lapses_by_month(selection(Source(key), as_of, filters))
    return (charts.lapses_over_time_chart(data, chart_data.notice_markers(), lang),
            *chart_text.lapses_over_time(data, lang))


@st.cache_resource(show_spinner=False, max_entries=16)
def _chart3(key: Key, as_of: date, filters: Filters, days: int, lang: str) -> Drawn | None:
    data = chart_data.upcoming_by_province(selection(Source(key), as_of, filters), as_of, days)
    if data.empty:
        return None
    return charts.upcoming_chart(data, lang, days), *chart_text.upcoming(data, lang, days)


@st.cache_resource(show_spinner=False, max_entries=8)
def _table_rows(key: Key, as_of: date, filters: Filters, table_view: str) -> pd.DataFrame:
    return table_data.table_rows(selection(Source(key), as_of, filters), as_of, table_view)


def readable_rows(v: View, rows: pd.DataFrame, lang: str, limit: int | None = None
                  ) -> pd.DataFrame:
    """The table of ``rows`` (from ``table_rows``; its first ``limit``) as people read it in
    ``lang``, each row's problems rendered from ``v.problems`` (data, not the ``error`` text)."""
    rows = rows if limit is None else rows.iloc[:limit]
    return admin_tables.readable(table_data.materialise(v.assessed, rows), lang,
                                 problems=v.problems.take(rows[dash.ROW_COLUMN]))


@st.cache_resource(show_spinner=False, max_entries=8)
def _table_shown(key: Key, as_of: date, filters: Filters, table_view: str,
                 lang: str) -> pd.DataFrame:
    rows = _table_rows(key, as_of, filters, table_view)
    return readable_rows(view(Source(key), as_of), rows, lang, TABLE_ROWS)


def export_rows(rows: pd.DataFrame, as_of: date, table_view: str) -> pd.DataFrame:
    """What the table shows and the export holds, as codes: ``needs_action`` rows or all
    ``rows`` (an assessed frame) in order."""
    return table_data.materialise(rows, table_data.table_rows(rows, as_of, table_view))


# ------------------------------------------------------------------------- widgets
def _filters() -> Filters:
    lang = state.lang()
    provinces = [p.short for p in POLICY.provinces]
    c1, c2, c3, c4 = st.columns([1, 1.4, 1.4, 1.2])
    regimes = c1.multiselect(t("admin.filter_regime"), ["pilot", "batch2021", "not_covered"],
                             key="admin_f_regime", placeholder=t("admin.filter_all"),
                             format_func=lambda r: t(f"admin.regime_{r}"))
    chosen = c2.multiselect(
        t("admin.filter_province"), provinces, key="admin_f_province",
        placeholder=t("admin.filter_all"),
        format_func=(lambda p: POLICY.province_by_name[p].en) if lang == "en" else str)
    specialties = c3.multiselect(
        t("admin.filter_specialty"), list(POLICY.specialties), key="admin_f_specialty",
        placeholder=t("admin.filter_all"),
        format_func=(lambda s: POLICY.specialty_en[s]) if lang == "en" else str)
    query = c4.text_input(t("admin.filter_employer"), key="admin_f_employer",
                          placeholder=t("admin.filter_employer_placeholder"))
    return Filters(tuple(regimes), tuple(chosen), tuple(specialties), (query or "").strip())


def _headline_section(key: Key, as_of: date, filters: Filters, rejected: int = 0) -> None:
    h = dict(_headline(key, as_of, filters))  # a copy: the cached dict is shared
    # Rows the import rejected are not stored: count them here too, so "数据有误" agrees with the
    # import report (only over the whole roster: a filter cannot place a rejected row).
    rejected = rejected if filters == Filters() else 0
    h["errors"] += rejected
    near = POLICY.days("renewal_reminder")  # R-5's window
    # Three rows of four: the roster, what has passed its deadline, what falls due.
    rows = [[("registrations", "admin.m_registrations"), ("persons", "admin.m_persons"),
             ("renewal_pending", "admin.m_renewal_pending"), ("errors", "admin.m_errors")],
            [("lapsed", "admin.m_lapsed"), ("expired_not_lapsed", "admin.m_expired_not_lapsed"),
             ("apply_now", "admin.m_apply_now"), ("deadline_near", "admin.m_deadline_near")],
            [("due_30", "admin.m_due_30"), ("due_60", "admin.m_due_60"),
             ("due_90", "admin.m_due_90")]]
    helps = {"due_30": "admin.m_due_help", "due_60": "admin.m_due_help",
             "due_90": "admin.m_due_help", "persons": "admin.m_persons_help",
             "errors": "admin.m_errors_help", "apply_now": "admin.m_apply_now_help",
             "deadline_near": "admin.m_deadline_near_help"}
    with st.container(key="admin_headline"):
        for row in rows:
            cols = st.columns(4)
            for col, (name, label) in zip(cols, row, strict=False):
                hint = t(helps[name], days=near) if name in helps else None
                if name == "errors" and rejected:
                    hint = f"{hint}\n\n{t('admin.m_errors_rejected', n=rejected)}"
                col.metric(t(label, days=near), f"{h[name]:,}", help=hint, border=True)


def _chart1_section(key: Key, as_of: date, filters: Filters) -> None:
    c1, c2 = st.columns(2)
    by_specialty = c1.toggle(t("admin.chart1_by_specialty"), key="admin_chart1_specialty")
    persons = c2.toggle(t("admin.chart1_distinct"), key="admin_chart1_persons",
                        help=t("admin.m_persons_help"))
    drawn = _chart1(key, as_of, filters, by_specialty, persons, state.lang())
    if drawn is None:
        st.info(t("admin.no_rows"))
        return
    fig, summary, table = drawn
    a11y.chart(fig, key=CHART1_KEY, summary=summary, table=table, config=None, width="stretch")
    st.caption(t("admin.chart1_caption", as_of=as_of.isoformat()))


def _chart2_section(key: Key, as_of: date, filters: Filters) -> None:
    fig, summary, table = _chart2(key, as_of, filters, state.lang())
    a11y.chart(fig, key="admin_chart2", summary=summary, table=table, config=None,
               width="stretch")
    st.caption(t("admin.chart2_caption"))


def _chart3_section(key: Key, as_of: date, filters: Filters) -> None:
    days = st.slider(t("admin.chart3_days"), min_value=7, max_value=365, step=1,
                     key="admin_chart3_days")
    drawn = _chart3(key, as_of, filters, int(days), state.lang())
    if drawn is None:
        st.info(t("admin.chart3_none", days=days))
        return
    fig, summary, table = drawn
    a11y.chart(fig, key="admin_chart3", summary=summary, table=table, config=None,
               width="stretch")
    st.caption(t("admin.chart3_caption"))


def _table_section(key: Key, as_of: date, filters: Filters) -> None:
    table_view = st.segmented_control(
        t("admin.table_view"), list(dash.TABLE_VIEWS), key="admin_table_view",
        format_func=lambda v: t(f"admin.table_{v}"))
    table_view = table_view or "needs_action"
    lang = state.lang()
    rows = _table_rows(key, as_of, filters, table_view)
    shown = _table_shown(key, as_of, filters, table_view, lang)
    st.dataframe(shown, hide_index=True, width="stretch", height=360,
                 column_config=admin_tables.date_columns(shown))
    st.caption(t("admin.table_caption", shown=len(shown), total=len(rows)))
    v = view(Source(key), as_of)

    def make_table() -> pd.DataFrame:
        return readable_rows(v, rows, lang)

    admin_tables.download_buttons(f"ecert-{table_view}-{as_of.isoformat()}", len(rows), make_table,
                     "admin_export")


def _rejected_section(problems: pd.DataFrame, rejected: int, as_of: date) -> None:
    """The rows the import rejected (not stored, so in no count but "数据有误"), one line per
    problem, with their CSV/XLSX export (messages in both languages)."""
    lang = state.lang()
    st.subheader(t("admin.rejected.heading", n=rejected))
    st.caption(t("admin.rejected.caption"))
    with st.container(key="admin_rejected"):
        st.dataframe(admin_tables.problems_table(problems.head(TABLE_ROWS), lang),
                     hide_index=True, width="stretch", height=min(360, 38 + 35 * len(problems)))
    admin_tables.download_buttons(
        f"ecert-rejected-{as_of.isoformat()}", len(problems),
        lambda: admin_tables.problems_table(problems, lang, both=True), "admin_rejected_export")


VIEW_KEY = "admin_view"
# Widgets of the tab that is not open are not drawn, and Streamlit would forget their values:
# they keep them in the session state, set here (their defaults too, so no widget gets both a
# default argument and a session value).
KEPT_WIDGETS = {"admin_chart1_specialty": False, "admin_chart1_persons": False,
                "admin_chart3_days": 90, "admin_table_view": "needs_action",
                admin_monitor.WITHIN_KEY: admin_monitor.monitor.WITHIN_DAYS}


def _keep_tab_widgets() -> None:
    for k, default in KEPT_WIDGETS.items():
        st.session_state[k] = st.session_state.get(k, default)


@st.fragment
def _body(source: Source, as_of: date, guard=None, rejected: int = 0,
          rejected_rows: pd.DataFrame | None = None) -> None:
    if guard is not None and not guard():
        st.rerun(scope="app")
    filters = _filters()
    key = source.key
    _keep_tab_widgets()
    # Two views over the same filters; only the open one is computed (tab switch = rerun).
    overview, monitoring = st.tabs([t("admin.view_overview"), t("admin.monitor.heading")],
                                   key=VIEW_KEY, on_change="rerun")
    if overview.open:
        with overview:
            _headline_section(key, as_of, filters, rejected)
            st.header(t("admin.chart1_heading"))  # h2 under the page's h1 (heading order)
            _chart1_section(key, as_of, filters)
            st.header(t("admin.chart2_heading"))
            _chart2_section(key, as_of, filters)
            st.header(t("admin.chart3_heading"))
            _chart3_section(key, as_of, filters)
            if source.rows_allowed:  # a viewer's account: counts and charts only
                st.header(t("admin.table_heading"))
                _table_section(key, as_of, filters)
                if rejected_rows is not None and len(rejected_rows):
                    _rejected_section(rejected_rows, rejected, as_of)
    if monitoring.open:
        with monitoring:
            admin_monitor.section(source, as_of, filters)


def prefetch(as_of: date) -> None:
    """While the login form is shown: load and assess the current snapshot in the background
    (ui.admin_data.prefetch), then work out what the overview first shows (no filter, default
    controls, the session's language)."""
    lang = state.lang()

    def first_view(source: Source) -> None:
        key, filters = source.key, Filters()
        _headline(key, as_of, filters)
        _chart1(key, as_of, filters, False, False, lang)
        _chart2(key, as_of, filters, lang)
        _chart3(key, as_of, filters, KEPT_WIDGETS["admin_chart3_days"], lang)
        _table_shown(key, as_of, filters, KEPT_WIDGETS["admin_table_view"], lang)

    admin_data.prefetch(as_of, first_view)


def render(source: Source, as_of: date, guard=None, rejected_at_import: int = 0,
           rejected_rows: pd.DataFrame | None = None) -> None:
    """The dashboard over ``source`` at ``as_of``. ``guard`` (optional) is asked at the start of
    every rerun of the filter fragment; when it says no, the whole page reruns (and shows the
    login again). ``rejected_at_import``: rows of the shown snapshot's file that its import
    rejected (not stored; counted as "数据有误" over the whole roster); ``rejected_rows``: their
    problems (``Store.problems``), shown and exported below the table."""
    _body(source, as_of, guard, rejected_at_import, rejected_rows)
