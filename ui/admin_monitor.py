"""The admin page's section "certificates to download again" (issue 14 item 2).

Numbers from core/admin/monitor.py over ``usage_windows`` (ui/admin_data.py, cached per
snapshot and as-of date); the page's filters apply (employer province, regime, employer, printed
specialty). Counts by employer and by province, the people concerned with their window, and
their CSV/XLSX export, all readable in the session's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from core.admin import monitor
from core.policy.data import POLICY
from ui import admin_data, admin_tables, state
from ui.admin_data import Filters, Key, Source
from ui.i18n import t, text

TABLE_ROWS = 1_000
WITHIN_KEY = "admin_monitor_within"
GROUPS = {"status": "admin.window_status"}


@dataclass(frozen=True)
class Monitor:
    totals: dict[str, int]
    by_employer: pd.DataFrame
    by_province: pd.DataFrame
    order: np.ndarray  # positions of the listed windows, in list order


@st.cache_resource(show_spinner=False, max_entries=8)
def _monitor(key: Key, as_of: date, filters: Filters, within: int) -> Monitor:
    w = admin_data.window_index(Source(key), as_of)
    mask = monitor.window_mask(w, filters.regimes, filters.provinces, filters.specialties,
                               filters.employer)
    flagged = monitor.flags(w, within, mask)
    totals = {r: int(flagged[r].sum()) for r in monitor.REASONS}
    totals["persons"] = int(flagged["any"].sum())
    totals["listed"] = int(flagged["listed"].sum())
    totals["windows"] = len(w) if mask is None else int(mask.sum())
    return Monitor(totals, monitor.counts(w, flagged, "employer"),
                   monitor.counts(w, flagged, "province"), monitor.people_order(w, flagged))


def days_text(days_left: pd.Series, lang: str) -> pd.Series:
    """Days to the window's end as words: "剩余 12 天" / "已过 375 天" (never a negative
    number); empty where there is no window."""
    days = pd.to_numeric(days_left, errors="coerce")

    def one(n: float) -> str | None:
        if pd.isna(n):
            return None
        n = int(n)
        if n > 0:
            return text("admin.monitor.days_left", lang, n=n)
        return text("admin.monitor.days_today", lang) if n == 0 else text(
            "admin.monitor.days_ago", lang, n=-n)

    return pd.Series([one(n) for n in days], index=days_left.index, dtype=object)


def people_table(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The people concerned as a readable table (the window's status under its own header,
    days to the window's end as words)."""
    out = people.rename(columns={"status": "usage_status"})
    if "days_left" in out.columns:
        out = out.assign(days_left=days_text(out["days_left"], lang))
    return admin_tables.readable(out, lang)


def counts_table(counts: pd.DataFrame, lang: str, within: int) -> pd.DataFrame:
    group = counts.columns[0]
    values = counts[group]
    if group == "province" and lang == "en":
        values = values.map(lambda p: POLICY.province_by_name[p].en
                            if p in POLICY.province_by_name else p)
    return pd.DataFrame({
        admin_tables.header(group, lang): values,
        text("admin.monitor.m_ended", lang): counts["ended"],
        text("admin.monitor.m_ending", lang, days=within): counts["ending"],
        text("admin.monitor.m_outdated", lang): counts["outdated"],
        text("admin.monitor.m_unavailable", lang): counts["unavailable"],
        text("admin.monitor.m_persons", lang): counts["persons"],
    })


@st.cache_resource(show_spinner=False, max_entries=8)
def _shown(key: Key, as_of: date, filters: Filters, within: int, lang: str):
    m = _monitor(key, as_of, filters, within)
    w = admin_data.window_index(Source(key), as_of)
    return (counts_table(m.by_employer, lang, within), counts_table(m.by_province, lang, within),
            people_table(monitor.people(w, m.order, TABLE_ROWS), lang))


def section(source: Source, as_of: date, filters: Filters) -> None:
    st.caption(t("admin.monitor.intro"))
    within = int(st.columns([1, 3])[0].number_input(
        t("admin.monitor.within"), min_value=0, max_value=365, step=1,
        key=WITHIN_KEY))  # its default: ui.admin_dashboard.KEPT_WIDGETS
    lang = state.lang()
    m = _monitor(source.key, as_of, filters, within)
    if m.totals["windows"] == 0:
        st.info(t("admin.monitor.no_downloads"))
        return
    cells = [("ended", t("admin.monitor.m_ended"), None),
             ("ending", t("admin.monitor.m_ending", days=within), None),
             ("outdated", t("admin.monitor.m_outdated"), None),
             ("unavailable", t("admin.monitor.m_unavailable"),
              t("admin.monitor.m_unavailable_help")),
             ("persons", t("admin.monitor.m_persons"), t("admin.monitor.m_persons_help"))]
    for col, (name, label, helptext) in zip(st.columns(len(cells)), cells, strict=True):
        col.metric(label, f"{m.totals[name]:,}", help=helptext, border=True)
    if m.totals["listed"] == 0:
        st.success(t("admin.monitor.none"))
        return
    by_employer, by_province, shown = _shown(source.key, as_of, filters, within, lang)
    tab_e, tab_p = st.tabs([t("admin.monitor.by_employer"), t("admin.monitor.by_province")])
    tab_e.dataframe(by_employer, hide_index=True, width="stretch", height=300)
    tab_p.dataframe(by_province, hide_index=True, width="stretch", height=300)
    if not source.rows_allowed:  # a viewer's account: counts only, no people
        return
    st.markdown(f"**{t('admin.monitor.people')}**")
    with st.container(key="admin_monitor_people"):
        st.dataframe(shown, hide_index=True, width="stretch", height=360,
                     column_config=admin_tables.date_columns(shown))
    st.caption(t("admin.monitor.caption", shown=len(shown), total=len(m.order),
                 persons=m.totals["persons"], unavailable=m.totals["unavailable"]))
    w = admin_data.window_index(source, as_of)
    admin_tables.download_buttons(f"ecert-download-again-{as_of.isoformat()}", len(m.order),
                                  lambda: people_table(monitor.people(w, m.order), lang),
                                  "admin_monitor_export")
