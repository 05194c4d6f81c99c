"""Accessibility helpers shared by the pages (issue 15, docs/ACCESSIBILITY.md).

- ``inject()``: the static stylesheet ``assets/a11y.css`` (focus ring, 44 px tap targets, tables
  that fit a phone, the phone-only answer summary), once per run from the router.
- ``chart(fig, key=…, summary=…, table=…)``: a plotly chart that can be read without seeing it:
  the chart with ``summary`` as its accessible name, the one-line summary as text under it and
  the data it draws as a table behind an expander.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui import state
from ui.i18n import t, text

CSS_FILE = Path(__file__).resolve().parent.parent / "assets" / "a11y.css"
PLOTLY_CONFIG = {"displayModeBar": False}


@cache
def css() -> str:
    """The stylesheet's text, read once per process (like ui.i18n's catalogue)."""
    return CSS_FILE.read_text("utf-8")


def inject() -> None:
    """Put the stylesheet on the page (an ``st.html`` of only a style block takes no space),
    with the words that replace Streamlit's fixed English ones in the session's language (the
    stylesheet's section 5)."""
    st.html(f"<style>{css()}\n{css_words(state.lang())}</style>")


@cache
def css_words(lang: str) -> str:
    """``:root`` custom properties holding catalogue words for CSS ``content`` (as CSS strings:
    JSON string syntax is valid CSS string syntax for these texts)."""
    words = {"--ecert-upload": "a11y.upload_button", "--ecert-no-results": "a11y.no_results"}
    decls = "".join(f"{name}:{json.dumps(text(k, lang), ensure_ascii=False)};"
                    for name, k in words.items())
    return f":root{{{decls}}}"


def chart(fig: go.Figure, *, key: str, summary: str, table: pd.DataFrame,
          config: dict | None = PLOTLY_CONFIG, **kwargs) -> None:
    """``fig`` with its one-line ``summary`` (accessible name and visible caption) and its data
    as a table in an expander (closed). ``config``: plotly's (default: no mode bar)."""
    st.plotly_chart(fig, key=key, config=config, alt=summary, **kwargs)
    st.caption(summary)
    with st.expander(t("a11y.chart_data"), icon=":material/table:"):
        if table.empty:
            st.caption(t("a11y.chart_no_data"))
        else:
            st.table(table, hide_index=True, border="horizontal")
