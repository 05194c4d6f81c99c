"""The router's sidebar: language switch and as-of date, both also from the address.

``?lang=zh|en`` and ``?as_of=YYYY-MM-DD`` in any page's address set the two choices (CONTRACT.md
"Pages"); each value is applied once, so the user's own later choice is not overwritten on every
rerun. An invalid value is ignored with a notice (Chinese and English) in the main area, where
someone who cannot read the current language, or whose sidebar is collapsed (a phone), still
sees it first.

The address follows the choices: changing either in the sidebar writes it into the address, and
every run puts a non-default choice back when the address lost it (Streamlit clears query
parameters when the user moves to another page), so a copied link reproduces the view, with
``?lang=`` and ``?as_of=`` side by side.
"""

from __future__ import annotations

import streamlit as st

from core.policy.dates import parse_iso, today_shanghai
from ui import state
from ui.i18n import both, t
from ui.text import esc

# The query-parameter values last copied into the session, so that each is applied once and
# the user's own later choice in the widget is not overwritten on every rerun.
_AS_OF_FROM_URL = "_as_of_from_url"
_LANG_FROM_URL = "_lang_from_url"


@st.cache_resource(show_spinner=False)
def app_icon():
    """The browser-tab icon, drawn here (a card with a photo box and text lines) and served by
    the app itself: a ``:material/…:`` page icon makes every visitor's browser fetch an SVG
    from Google's font servers (issue 12: the app fetches nothing from outside)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((4, 12, 60, 52), radius=6, fill="#1d4e89")
    draw.rectangle((10, 18, 24, 36), fill="#ffffff")
    for y in (20, 28, 36):
        draw.rectangle((30, y, 54, y + 3), fill="#ffffff")
    return img


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
    _keep_in_address()


def _shown(raw: str) -> str:
    """A value from the address, short and inert inside Markdown (ui.text.esc)."""
    return esc(raw[:40])


def _lang_from_url() -> None:
    raw = st.query_params.get(state.LANG_QUERY_PARAM)
    if raw is None or raw == st.session_state.get(_LANG_FROM_URL):
        return
    if raw not in state.LANGS:
        st.warning(both("sidebar.lang_invalid_query", value=_shown(raw)),
                   icon=":material/translate:")
        return
    st.session_state[_LANG_FROM_URL] = raw
    st.session_state[state.LANG_KEY] = raw


def _lang_to_url() -> None:
    value = st.session_state[state.LANG_KEY]
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
        # in the main area too (issue 15): on a phone the sidebar is collapsed
        st.warning(both("sidebar.as_of_invalid_query", value=_shown(raw)),
                   icon=":material/event_busy:")
        return
    st.session_state[_AS_OF_FROM_URL] = raw
    st.session_state[state.AS_OF_KEY] = value


def _as_of_to_url() -> None:
    """Keep the address in step with the date input, so a copied link reproduces the view."""
    value = st.session_state[state.AS_OF_KEY].isoformat()
    st.query_params[state.AS_OF_QUERY_PARAM] = value
    st.session_state[_AS_OF_FROM_URL] = value


def _keep_in_address() -> None:
    """Put a choice that differs from the default back into an address that lost it (a move to
    another page clears the query parameters), or that names another value."""
    lang = st.session_state.get(state.LANG_KEY, state.DEFAULT_LANG)
    in_url = st.query_params.get(state.LANG_QUERY_PARAM)
    if in_url != lang and (lang != state.DEFAULT_LANG or in_url in state.LANGS):
        _lang_to_url()
    as_of = st.session_state.get(state.AS_OF_KEY)
    in_url = st.query_params.get(state.AS_OF_QUERY_PARAM)
    if (hasattr(as_of, "isoformat") and as_of != today_shanghai()
            and in_url != as_of.isoformat()
            and (in_url is None or in_url == st.session_state.get(_AS_OF_FROM_URL))):
        _as_of_to_url()
