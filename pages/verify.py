"""证书核验 (what a certificate's QR code opens), CONTRACT.md path "/verify?token=…".

Placeholder until the page is built: title from the catalogue only.
"""

import streamlit as st

from ui.i18n import t

st.title(t("page.verify.title"))
st.info(t("page.placeholder"))
