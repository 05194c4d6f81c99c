"""Keep every page run behind the router, even on the first visit after a server start.

Streamlit still has its legacy "``pages/`` directory" mode: until some session has called
``st.navigation``, an app whose entry script sits next to a ``pages/`` folder runs a requested
page file *directly*. On a freshly started server the first visitor of ``/verify`` (a QR scan)
or ``/admin`` would then get the page without the router: no language switch, no as-of date,
Streamlit's file-name navigation. ``ensure_router()`` notices that mode, switches it off for the
process and reruns, so the run goes through ``streamlit_app.py``. ``ui.state.lang()`` and
``ui.state.as_of()`` call it, so every page that reads a string or the date is covered.
tests/browser/test_pages_open.py checks the first visit of a fresh server.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

try:  # Streamlit internals: if they move, the guard does nothing and the browser test says so
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # pragma: no cover
    PagesManager = None  # type: ignore[assignment,misc]


def ensure_router() -> None:
    if PagesManager is None or not getattr(PagesManager, "uses_pages_directory", False):
        return
    if get_script_run_ctx() is None:  # not inside a script run (plain unit tests)
        return
    PagesManager.uses_pages_directory = False
    st.rerun()
