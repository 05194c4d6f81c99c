"""The router's sidebar: language switch and as-of date, both also in the address.

``?lang=zh|en`` and ``?as_of=YYYY-MM-DD`` (CONTRACT.md "Pages") are read once per new value;
changing either control writes it back, and a non-default language is put back into the address
on every run (a page switch drops the query string), so a reload or a copied link keeps both.
A value in the address that cannot be used is ignored with a notice in the main area (the
sidebar is collapsed on a phone).
"""

from __future__ import annotations

import streamlit as st

from core.policy.dates import parse_iso
from ui import state
from ui.i18n import both, t

# The query-parameter values last copied into the session, so that each is applied once and
# the user's own later choice in the controls is not overwritten on every rerun.
_AS_OF_FROM_URL = "_as_of_from_url"
_LANG_FROM_URL = "_lang_from_url"


def controls() -> None:
    state.init()
    _lang_from_url()
    _as_of_from_url()
    with st.sidebar:
        st.radio(
            t("sidebar.language"),
            state.LANGS,
            key=state.LANG_KEY,
            format_func=lambda code: t(f"lang.{code}"),
            horizontal=True,
            on_change=_lang_to_url,
        )
        st.date_input(
            t("sidebar.as_of"),
            key=state.AS_OF_KEY,
            min_value=state.AS_OF_MIN,
            max_value=state.AS_OF_MAX,
            format="YYYY-MM-DD",
            help=t("sidebar.as_of_help"),
            on_change=_as_of_to_url,
        )
    _keep_lang_in_url()


def _lang_from_url() -> None:
    raw = st.query_params.get(state.LANG_QUERY_PARAM)
    if raw is None or raw == st.session_state.get(_LANG_FROM_URL):
        return
    if raw not in state.LANGS:
        st.warning(both("sidebar.lang_invalid_query", value=raw), icon=":material/translate:")
        return
    st.session_state[_LANG_FROM_URL] = raw
    st.session_state[state.LANG_KEY] = raw


def _lang_to_url() -> None:
    value = st.session_state[state.LANG_KEY]
    st.query_params[state.LANG_QUERY_PARAM] = value
    st.session_state[_LANG_FROM_URL] = value


def _keep_lang_in_url() -> None:
    """A page switch drops the query string: put a chosen non-default language back."""
    value = state.lang()
    if value != state.DEFAULT_LANG and st.query_params.get(state.LANG_QUERY_PARAM) is None:
        st.query_params[state.LANG_QUERY_PARAM] = value
        st.session_state[_LANG_FROM_URL] = value


def _as_of_from_url() -> None:
    raw = st.query_params.get(state.AS_OF_QUERY_PARAM)
    if raw is None or raw == st.session_state.get(_AS_OF_FROM_URL):
        return
    try:
        value = parse_iso(raw)
    except ValueError:
        value = None
    if value is None or not state.AS_OF_MIN <= value <= state.AS_OF_MAX:
        # in the main area, above the page: on a phone the sidebar is collapsed
        st.warning(both("sidebar.as_of_invalid_query", value=raw), icon=":material/event_busy:")
        return
    st.session_state[_AS_OF_FROM_URL] = raw
    st.session_state[state.AS_OF_KEY] = value


def _as_of_to_url() -> None:
    """Keep the address in step with the date input, so a copied link reproduces the view."""
    value = st.session_state[state.AS_OF_KEY].isoformat()
    st.query_params[state.AS_OF_QUERY_PARAM] = value
    st.session_state[_AS_OF_FROM_URL] = value
