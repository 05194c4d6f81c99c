"""The admin dashboard body: filters, headline figures, the three charts, the table and export.

Every number comes from core/dashboard.py (which proves chart 1 equal to ``core.lapse_counts``);
this module reads widgets and draws.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.admin import dashboard as dash
from core.policy.data import POLICY
from core.roster.io import to_csv_bytes, to_xlsx_bytes
from ui import a11y, chart_text, state
from ui import admin_charts as charts
from ui.i18n import t

TABLE_ROWS = 1_000  # rows shown on the page; the export has them all
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, minus the header
CHART1_KEY = "admin_chart1"


def _filters(frame: pd.DataFrame) -> pd.DataFrame:
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
    return dash.filter_rows(frame, regimes, chosen, specialties, query)


def _headline(rows: pd.DataFrame, as_of: date, rejected_at_import: int = 0) -> None:
    h = dash.headline(rows, as_of)
    # Rows the import rejected are not stored: count them here too, so "数据有误" agrees with the
    # import report (only over the whole roster: a filter cannot place a rejected row).
    h["errors"] += rejected_at_import
    cells = [("registrations", "admin.m_registrations"), ("persons", "admin.m_persons"),
             ("lapsed", "admin.m_lapsed"), ("expired_not_lapsed", "admin.m_expired_not_lapsed"),
             ("apply_now", "admin.m_apply_now"), ("due_30", "admin.m_due_30"),
             ("due_60", "admin.m_due_60"), ("due_90", "admin.m_due_90"),
             ("renewal_pending", "admin.m_renewal_pending"), ("errors", "admin.m_errors")]
    helps = {"due_30": "admin.m_due_help", "due_60": "admin.m_due_help",
             "due_90": "admin.m_due_help", "persons": "admin.m_persons_help",
             "errors": "admin.m_errors_help"}
    for start in (0, 5):
        cols = st.columns(5)
        for col, (name, key) in zip(cols, cells[start:start + 5], strict=True):
            hint = t(helps[name]) if name in helps else None
            if name == "errors" and rejected_at_import:
                hint = f"{hint}\n\n{t('admin.m_errors_rejected', n=rejected_at_import)}"
            col.metric(t(key), f"{h[name]:,}", help=hint, border=True)


def _chart1(rows: pd.DataFrame, as_of: date) -> None:
    c1, c2 = st.columns(2)
    by_specialty = c1.toggle(t("admin.chart1_by_specialty"), key="admin_chart1_specialty")
    persons = c2.toggle(t("admin.chart1_distinct"), key="admin_chart1_persons",
                        help=t("admin.m_persons_help"))
    data = dash.lapse_by_province(rows, as_of, by_specialty=by_specialty,
                                  distinct_persons=persons)
    if data.empty:
        st.info(t("admin.no_rows"))
        return
    fig = charts.lapse_chart(data, state.lang(), by_specialty=by_specialty,
                             distinct_persons=persons)
    summary, table = chart_text.lapses(data, state.lang(), by_specialty=by_specialty,
                                       distinct_persons=persons)
    a11y.chart(fig, key=CHART1_KEY, summary=summary, table=table, config=None, width="stretch")
    st.caption(t("admin.chart1_caption", as_of=as_of.isoformat()))


def _chart2(rows: pd.DataFrame) -> None:
    by_month = dash.lapses_by_month(rows)
    fig = charts.lapses_over_time_chart(by_month, dash.notice_markers(), state.lang())
    summary, table = chart_text.lapses_over_time(by_month, state.lang())
    a11y.chart(fig, key="admin_chart2", summary=summary, table=table, config=None,
               width="stretch")
    st.caption(t("admin.chart2_caption"))


def _chart3(rows: pd.DataFrame, as_of: date) -> None:
    days = st.slider(t("admin.chart3_days"), min_value=7, max_value=365, value=90, step=1,
                     key="admin_chart3_days")
    data = dash.upcoming_by_province(rows, as_of, days)
    if data.empty:
        st.info(t("admin.chart3_none", days=days))
        return
    summary, table = chart_text.upcoming(data, state.lang(), days)
    a11y.chart(charts.upcoming_chart(data, state.lang(), days), key="admin_chart3",
               summary=summary, table=table, config=None, width="stretch")
    st.caption(t("admin.chart3_caption"))


def export_rows(rows: pd.DataFrame, as_of: date, view: str) -> pd.DataFrame:
    """What the table shows and the export holds: ``needs_action`` rows or all filtered rows."""
    if view == "needs_action":
        return dash.needs_action(rows, as_of)
    return dash.export_frame(rows).reset_index(drop=True)


def _table(rows: pd.DataFrame, as_of: date) -> None:
    view = st.segmented_control(
        t("admin.table_view"), ["needs_action", "all"], key="admin_table_view",
        default="needs_action", format_func=lambda v: t(f"admin.table_{v}"))
    view = view or "needs_action"
    table = export_rows(rows, as_of, view)
    shown = table.head(TABLE_ROWS)
    dates = {c: st.column_config.DateColumn(c, format="YYYY-MM-DD") for c in shown.columns
             if pd.api.types.is_datetime64_any_dtype(shown[c].dtype)}
    st.dataframe(shown, hide_index=True, width="stretch", height=360, column_config=dates)
    st.caption(t("admin.table_caption", shown=min(len(table), TABLE_ROWS), total=len(table)))
    stamp = as_of.isoformat()
    name = f"ecert-{view}-{stamp}"
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(t("admin.export_csv"), data=lambda: to_csv_bytes(table),
                       file_name=f"{name}.csv", mime="text/csv", key="admin_export_csv",
                       icon=":material/download:", on_click="ignore", disabled=table.empty)
    too_big = len(table) > XLSX_MAX_ROWS
    c2.download_button(
        t("admin.export_xlsx"), data=lambda: to_xlsx_bytes(table), file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="admin_export_xlsx", icon=":material/download:", on_click="ignore",
        disabled=table.empty or too_big,
        help=t("admin.export_xlsx_too_big") if too_big else t("admin.export_help"))


def render(frame: pd.DataFrame, as_of: date, rejected_at_import: int = 0) -> None:
    """The dashboard over ``frame`` (a prepared assessment at ``as_of``); ``rejected_at_import``:
    rows of the shown snapshot's file that its import rejected (counted as "数据有误")."""
    rows = _filters(frame)
    _headline(rows, as_of, rejected_at_import if len(rows) == len(frame) else 0)
    st.header(t("admin.chart1_heading"))
    _chart1(rows, as_of)
    st.header(t("admin.chart2_heading"))
    _chart2(rows)
    st.header(t("admin.chart3_heading"))
    _chart3(rows, as_of)
    st.header(t("admin.table_heading"))
    _table(rows, as_of)
