"""Messages shared by pages: CONTRACT.md's invalid-input list, in the session's language."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Mapping

import streamlit as st

from ui.i18n import both, pick, t
from ui.text import esc

log = logging.getLogger("ecert_desk")


def show_errors(errors: Iterable[Mapping]) -> None:
    """One ``st.error`` naming every problem: ``field: message`` per line, never a traceback."""
    lines = [f"- {esc(e.get('field') or '—')}: {esc(pick(e, 'message') or e.get('code'))}"
             for e in errors]
    st.error("\n".join([f"**{t('common.errors_header')}**", *lines]))


def show_unexpected(exc: BaseException) -> None:
    """The last line of defence for a bug: a plain bilingual message, never a traceback.

    The log gets the exception's type and where it was raised, not its message: a message can
    carry what a person typed, and personal data never goes to a log.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    log.error("unexpected %s at %s", type(exc).__name__, where)
    st.error(both("common.unexpected_error"), icon=":material/error:")
