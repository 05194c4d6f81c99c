"""The answer in three lines at the top of the self-service page, for a phone (issue 15).

On a narrow screen the form's columns stack and the answer starts far below the form. Once an
answer exists, ``show(assessment)`` draws, right under the page title: per specialty its status
and its next date (the engine's ``apply_by`` or ``lapses_on``, whichever is still ahead), the
certificate's usage window, and a link to the full answer (its heading's anchor). The container's
class ``st-key-phone_summary`` is shown only below 641 px (assets/a11y.css): on a wide screen the
answer already sits beside the form. Every date and status is a value of the assessment.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.i18n import pick, t
from ui.self_service_view import (
    ANSWER_ANCHOR,
    card_state,
    days_phrase,
    next_actions,
    specialty_name,
)
from ui.text import esc

KEY = "phone_summary"


def next_date(s: Mapping) -> tuple[str, str, int] | None:
    """(catalogue key of its name, ISO date, days left) of a specialty's next date still ahead:
    ``apply_by`` while it has not passed, else ``lapses_on``; None when neither is ahead, and
    while a renewal is pending (R-5: no countdown while the application counts)."""
    if s.get("status") == "renewal_pending":
        return None
    for field, days, key in (("apply_by", "days_to_apply_by", "self_service.card.apply_by"),
                             ("lapses_on", "days_to_lapse", "self_service.card.lapses_on_short")):
        if s.get(field) and s.get(days) is not None and s[days] >= 0:
            return key, s[field], s[days]
    return None


def lines(a: Mapping) -> list[str]:
    """The summary's Markdown lines (user-influenced text escaped): the next step first."""
    out = [f"- **{esc(pick(x, 'message') or x.get('code'))}**" for x in next_actions(a)[:1]]
    for s in a.get("specialties") or []:
        name_key = card_state(s, a["as_of"])[0]
        line = f"**{esc(specialty_name(s['specialty']))}**: {t(name_key)}"
        ahead = next_date(s)
        if ahead is not None:
            key, day, days = ahead
            line += f" · {t(key)} **{day}** ({days_phrase(days)})"
        out.append(f"- {line}")
    w = a.get("usage_window") or {}
    if w.get("until") and w.get("status") != "unavailable":
        out.append(f"- {t('self_service.window.until')} **{w['until']}** "
                   f"({days_phrase(w.get('days_left'))})")
    return out


def show(a: Mapping) -> None:
    with st.container(border=True, key=KEY):
        st.markdown(f"**{t('phone.summary_heading', as_of=a['as_of'])}**")
        st.markdown("\n".join(lines(a)))
        st.markdown(f"[{t('phone.summary_link')}](#{ANSWER_ANCHOR})")
