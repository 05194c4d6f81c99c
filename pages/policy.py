"""政策讲解 (policy explainer for trainers), CONTRACT.md path "/policy".

Placeholder until the page is built: title from the catalogue only.
"""

import streamlit as st

from ui.i18n import t

st.title(t("page.policy.title"))
st.info(t("page.placeholder"))
