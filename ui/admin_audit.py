"""The audit log on /admin (national accounts only): filter by day, account and action, read,
download as CSV. The log itself is core/admin/audit.py; reading it is refused below the page
to any other scope (core.admin.scope.require), and the download is guarded and audited like
every admin download (ui/admin_session.py ``guarded_download``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.admin import audit
from core.admin.scope import require
from core.policy.dates import today_shanghai
from core.roster.store import Store, StoreError
from ui import admin_session
from ui.i18n import t
from ui.text import bilingual

SHOWN_ROWS = 1_000


@st.cache_resource(show_spinner=False, max_entries=4)
def _read(_store: Store, url: str, newest: int, since, until, login, action) -> pd.DataFrame:
    """The log as filtered, read once per newest line: every run of /admin draws this tab, and
    the log only grows (append-only), so the same newest id means the same lines. Read-only."""
    return audit.read(_store, since, until, login=login, action=action)


def section(store: Store) -> None:
    require(admin_session.scope(), "audit")
    st.caption(t("admin.audit_intro"))
    c1, c2, c3, c4 = st.columns(4)
    since = c1.date_input(t("admin.audit_since"), value=None, key="admin_audit_since")
    until = c2.date_input(t("admin.audit_until"), value=today_shanghai(),
                          key="admin_audit_until")
    login = c3.text_input(t("admin.audit_login"), key="admin_audit_login").strip()
    action = c4.selectbox(t("admin.audit_action"), ["", *audit.ACTIONS], key="admin_audit_action",
                          format_func=lambda a: a or t("admin.audit_all"))
    try:
        frame = _read(store, str(store.url), audit.newest_id(store), since, until,
                      login or None, action or None)
    except StoreError as exc:
        st.error(bilingual(exc))
        return
    newest = frame.iloc[::-1].head(SHOWN_ROWS)
    st.dataframe(newest, hide_index=True, width="stretch", height=360)
    st.caption(t("admin.audit_count", rows=len(frame)))
    filters = {"since": since, "until": until, "login": login, "action": action}
    st.download_button(
        t("admin.audit_download"),
        data=admin_session.guarded_download(lambda: audit.csv_bytes(frame), "audit", len(frame),
                                         {k: str(v) for k, v in filters.items() if v}),
        file_name=f"ecert-audit-{today_shanghai().isoformat()}.csv", mime="text/csv",
        key="admin_audit_csv", on_click="ignore", icon=":material/download:",
        disabled=frame.empty)
