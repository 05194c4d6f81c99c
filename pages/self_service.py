"""自助查询 (constructor self-service), CONTRACT.md path "/".

Placeholder until the page is built: title from the catalogue only.
"""

import streamlit as st

from ui.i18n import t

st.title(t("page.self_service.title"))
st.info(t("page.placeholder"))
