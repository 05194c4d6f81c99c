"""政策讲解 (policy explainer for trainers), CONTRACT.md path "/policy".

Thin: the title, then ``ui.policy.render()`` (timeline, regime map, scenario gallery with time
travel, the notice clause by clause, presentation mode). Every answer on it comes from core.
"""

import streamlit as st

from ui import policy as view
from ui.i18n import t

st.title(t("page.policy.title"))
view.render()
