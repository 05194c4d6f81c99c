"""管理看板 (admin dashboard), CONTRACT.md path "/admin" (issue 4).

Thin: access gate (ui/admin_login.py, ui/admin_session.py) -> roster source
(ui/admin_data.py) -> dashboard (ui/admin_dashboard.py) and, for logged-in admins, import
and snapshots (ui/admin_import.py).
Access is checked here on every run, so opening /admin directly never shows real data without
a login. The fictional demo roster a fresh installation starts with is labelled as such, and
earlier snapshots can be switched to or deleted (ui/admin_snapshots.py). Without a configured
password hash the page runs in demo mode on the demo roster.
"""

import streamlit as st

from core.roster.store import StoreError
from ui import (
    admin_audit,
    admin_dashboard,
    admin_data,
    admin_import,
    admin_login,
    admin_session,
    admin_snapshots,
    basis_view,
    state,
)
from ui.i18n import t
from ui.text import bilingual


def still_logged_in() -> bool:
    """Asked by the dashboard's filter fragment before each of its reruns: the one login guard
    (browser binding, idle time, account still enabled), as a full run asks it."""
    return admin_session.guard()


st.title(t("page.admin.title"))
as_of = state.as_of()
admin_login.base_url_note()  # QR codes point at localhost while ECERT_BASE_URL is unset
basis_view.roster_basis(as_of)  # once for the page, not per row
mode = admin_login.access()
if mode is None:  # the login form: get the dashboard ready while the password is typed
    admin_dashboard.prefetch(as_of)

if mode == "demo":
    admin_login.demo_banner()
    st.caption(t("admin.source_demo", rows=admin_data.DEMO_ROWS, as_of=as_of.isoformat()))
    admin_dashboard.render(admin_data.demo_source(), as_of)

elif mode == "admin":
    admin_login.account_line()  # who, which scope, log out
    admin_session.idle_watch()  # the data leaves the screen at the idle timeout, unclicked
    scope = admin_session.scope()
    try:
        store = admin_data.store()
        info = admin_snapshots.current(store)  # id, demo roster?, rows the import rejected
        current = info.id if info is not None else None  # read each run: an import elsewhere
        # the account's scope is part of the source: every reader below sees only its rows
        source = admin_data.snapshot_source(current, scope) if current is not None else None
        if source is not None:
            admin_data.view(source, as_of)  # load and assess now, so a store error shows here
        # the rows its import rejected name persons whose province may be unknown: national only
        rejected_rows = admin_snapshots.problems(store, info) if scope.everything else None
    except StoreError as exc:
        st.error(t("admin.store_failed") + "\n\n" + bilingual(exc))
        store = source = current = info = rejected_rows = None
    national = scope.everything
    names = [t("admin.tab_dashboard")] + ([t("admin.tab_import"), t("admin.tab_audit")]
                                          if national else [])
    tab_dash, *national_tabs = st.tabs(names)
    with tab_dash:
        if source is not None:
            admin_snapshots.source_caption(info, as_of)  # the demo roster says so
            # rows an import rejected cannot be placed in a province: whole-roster scopes only
            rejected = 0 if scope.role == "province" else info.rejected
            admin_dashboard.render(source, as_of, guard=still_logged_in,
                                   rejected_at_import=rejected,
                                   rejected_rows=rejected_rows)
        elif store is not None:
            st.info(t("admin.no_snapshots"))
    if national:
        tab_import, tab_audit = national_tabs
        with tab_import:
            if store is not None:
                admin_import.import_section(store, as_of)
                st.header(t("admin.snapshots_heading"))
                admin_snapshots.section(store)
            else:
                st.info(t("admin.import_unavailable"))
        with tab_audit:
            if store is not None:
                admin_audit.section(store)
