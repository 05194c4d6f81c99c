"""The router's sidebar: language switch and as-of date (also from ``?as_of=YYYY-MM-DD``)."""

from __future__ import annotations

import streamlit as st

from core.policy.dates import parse_iso
from ui import state
from ui.i18n import both, t
from ui.safe_text import md_text

# The query-parameter value last copied into the session, so that it is applied once and
# the user's own later choice in the date input is not overwritten on every rerun.
_AS_OF_FROM_URL = "_as_of_from_url"


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
    _as_of_from_url()
    with st.sidebar:
        st.radio(
            t("sidebar.language"),
            state.LANGS,
            key=state.LANG_KEY,
            format_func=lambda code: t(f"lang.{code}"),
            horizontal=True,
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


def _as_of_from_url() -> None:
    raw = st.query_params.get(state.AS_OF_QUERY_PARAM)
    if raw is None or raw == st.session_state.get(_AS_OF_FROM_URL):
        return
    try:
        value = parse_iso(raw)
    except ValueError:
        value = None
    if value is None or not state.AS_OF_MIN <= value <= state.AS_OF_MAX:
        st.sidebar.warning(both("sidebar.as_of_invalid_query", value=md_text(raw)))
        return
    st.session_state[_AS_OF_FROM_URL] = raw
    st.session_state[state.AS_OF_KEY] = value


def _as_of_to_url() -> None:
    """Keep the address in step with the date input, so a copied link reproduces the view."""
    value = st.session_state[state.AS_OF_KEY].isoformat()
    st.query_params[state.AS_OF_QUERY_PARAM] = value
    st.session_state[_AS_OF_FROM_URL] = value
