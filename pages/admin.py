"""管理看板 (admin dashboard), CONTRACT.md path "/admin" (issue 4).

Thin: access gate (ui/admin_auth.py) -> roster source (ui/admin_data.py) -> dashboard
(ui/admin_dashboard.py) and, for logged-in admins, import and snapshots (ui/admin_import.py).
Access is checked here on every run, so opening /admin directly never shows real data without
a login. The fictional demo roster a fresh installation starts with is labelled as such, and
earlier snapshots can be switched to or deleted (ui/admin_snapshots.py). Without a configured
password hash the page runs in demo mode on the demo roster.
"""

import streamlit as st

from core.roster.store import StoreError
from ui import (
    admin_auth,
    admin_dashboard,
    admin_data,
    admin_import,
    admin_snapshots,
    basis_view,
    state,
)
from ui.i18n import t
from ui.text import bilingual


def still_logged_in() -> bool:
    """Asked by the dashboard's filter fragment before it reruns on its own (logout clears it)."""
    return st.session_state.get(admin_auth.SESSION_FLAG) is not None


st.title(t("page.admin.title"))
as_of = state.as_of()
admin_auth.base_url_note()  # QR codes point at localhost while ECERT_BASE_URL is unset
basis_view.roster_basis(as_of)  # once for the page, not per row
mode = admin_auth.access()
if mode is None:  # the login form: get the dashboard ready while the password is typed
    admin_dashboard.prefetch(as_of)

if mode == "demo":
    admin_auth.demo_banner()
    st.caption(t("admin.source_demo", rows=admin_data.DEMO_ROWS, as_of=as_of.isoformat()))
    admin_dashboard.render(admin_data.demo_source(), as_of)

elif mode == "admin":
    admin_auth.logout_button()
    try:
        store = admin_data.store()
        info = admin_snapshots.current(store)  # id, demo roster?, rows the import rejected
        current = info.id if info is not None else None  # read each run: an import elsewhere
        source = admin_data.snapshot_source(current) if current is not None else None
        if source is not None:
            admin_data.view(source, as_of)  # load and assess now, so a store error shows here
        rejected_rows = admin_snapshots.problems(store, info)  # the rows its import rejected
    except StoreError as exc:
        st.error(t("admin.store_failed") + "\n\n" + bilingual(exc))
        store = source = current = info = rejected_rows = None
    tab_dash, tab_import = st.tabs([t("admin.tab_dashboard"), t("admin.tab_import")])
    with tab_dash:
        if source is not None:
            admin_snapshots.source_caption(info, as_of)  # the demo roster says so
            admin_dashboard.render(source, as_of, guard=still_logged_in,
                                   rejected_at_import=info.rejected,
                                   rejected_rows=rejected_rows)
        elif store is not None:
            st.info(t("admin.no_snapshots"))
    with tab_import:
        if store is not None:
            admin_import.import_section(store, as_of)
            st.header(t("admin.snapshots_heading"))
            admin_snapshots.section(store)
        else:
            st.info(t("admin.import_unavailable"))
