"""Messages shared by pages: CONTRACT.md's invalid-input list, in the session's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st

from ui.i18n import pick, t


def show_errors(errors: Iterable[Mapping]) -> None:
    """One ``st.error`` naming every problem: ``field: message`` per line, never a traceback."""
    lines = [f"- `{e.get('field') or '—'}`: {pick(e, 'message') or e.get('code')}" for e in errors]
    st.error("\n".join([f"**{t('common.errors_header')}**", *lines]))
