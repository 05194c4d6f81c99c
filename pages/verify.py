"""证书核验 (what a certificate's QR code opens), CONTRACT.md path "/verify?token=…" (issue 3).

Thin: ``?token=`` -> ``core.tokens.verify`` (key from ``core.config.secret_key``, today in
Asia/Shanghai) -> the answer (ui/verify_view.py). Never a traceback: a bad token says
无效 / invalid.
"""

import streamlit as st

from ui import verify_view
from ui.i18n import t

st.title(t("page.verify.title"))
verify_view.show()
