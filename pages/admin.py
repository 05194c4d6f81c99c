"""管理看板 (admin dashboard), CONTRACT.md path "/admin".

Placeholder until the page is built: title from the catalogue only.
"""

import streamlit as st

from ui.i18n import t

st.title(t("page.admin.title"))
st.info(t("page.placeholder"))
