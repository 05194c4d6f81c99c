"""The session-wide choices every page reads: UI language and as-of date.

Both live in ``st.session_state`` (keys ``LANG_KEY``, ``AS_OF_KEY``) and in the address
(``?lang=``, ``?as_of=``); the router draws the widgets that set them
(``ui.sidebar.controls``). Pages only read:

    from ui import state
    state.lang()    # "zh" (default) or "en"
    state.as_of()   # datetime.date, default today in Asia/Shanghai (core.dates.today_shanghai)
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.policy.dates import today_shanghai
from ui.routing import ensure_router

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_KEY = "lang"
AS_OF_KEY = "as_of"
AS_OF_QUERY_PARAM = "as_of"
LANG_QUERY_PARAM = "lang"
# The range the as-of date input offers (a UI bound, not a policy date).
AS_OF_MIN = date(2000, 1, 1)
AS_OF_MAX = date(2099, 12, 31)


def lang() -> str:
    """The current UI language: "zh" or "en"."""
    ensure_router()
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def as_of() -> date:
    """The as-of date T every assessment on the page uses."""
    ensure_router()
    value = st.session_state.get(AS_OF_KEY)
    return value if isinstance(value, date) else today_shanghai()


def init() -> None:
    """Give both choices their defaults once per session (before the widgets are drawn)."""
    st.session_state.setdefault(LANG_KEY, DEFAULT_LANG)
    st.session_state.setdefault(AS_OF_KEY, today_shanghai())
