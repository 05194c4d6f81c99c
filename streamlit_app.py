"""Router only (DESIGN.md): the pages of CONTRACT.md, the language switch and the as-of date.

Pages read the two choices with ``ui.state.lang()`` / ``ui.state.as_of()`` and their strings with
``ui.i18n.t()``. Nothing here decides anything about the notice.
"""

import streamlit as st

from ui import a11y, admin_login, process, server_guard, sidebar
from ui.i18n import t
from ui.messages import show_unexpected

server_guard.install()  # once per process: metrics closed, uploads bounded, logs redacted
process.small_pages()  # once per process: large arrays on 4 KiB pages (ui/process.py says why)

st.set_page_config(page_title=t("app.name"), page_icon=sidebar.app_icon(), layout="wide")

admin_login.log_base_url_once()  # once per server process: QR links while ECERT_BASE_URL is unset
# Focus ring, 44 px tap targets, phone layout (assets/a11y.css; docs/ACCESSIBILITY.md).
a11y.inject()
# Sidebar: 中文/English and the as-of date (default today in Asia/Shanghai; ?as_of=YYYY-MM-DD).
sidebar.controls()

pages = [
    st.Page("pages/self_service.py", title=t("nav.self_service"), icon=":material/person_search:",
            default=True),
    st.Page("pages/admin.py", title=t("nav.admin"), icon=":material/dashboard:", url_path="admin"),
    st.Page("pages/policy.py", title=t("nav.policy"), icon=":material/gavel:", url_path="policy"),
    st.Page("pages/verify.py", title=t("nav.verify"), icon=":material/qr_code_scanner:",
            url_path="verify"),
]
try:
    st.navigation(pages).run()
except Exception as exc:  # a bug: a plain message, never a traceback (reruns are not Exception)
    show_unexpected(exc)

# After the first run everything long-lived is imported: keep it out of the collector's scans,
# and let its full scans come less often (ui/process.py says why).
if process.freeze_startup_heap():
    process.fewer_full_collections()
