"""Under the self-service answer (issue 14): add the dates to a calendar, download a one-page
summary, and where to act.

Both downloads are made by core (``core.selfcheck.calendar``, ``core.selfcheck.summary``) and
nothing is written to disk. The summary PDF (~0.4 s to make) is made only when the user clicks
(Streamlit's deferred ``download_button`` data). The calendar (~2 ms) is made with the answer,
once per answer (kept in memory only): Streamlit 1.67 stores a deferred download's file without
a session reference, and the orphan sweep that runs whenever any session ends deletes it (marked
on the first sweep, gone on the second), so on a busy server the browser's download of it
fails with 404 (``make load``: 7 of 128 at 50 sessions, 177 of 200 at 200). A file drawn with
the page is referenced by its session and stays until the page moves on. The name goes into
either file only when the user ticks the box (off by default); neither ever holds the birth
date, the registration number or the employer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import streamlit as st

from core.certificate.preview import CertificateUnavailable, missing_glyphs
from core.selfcheck import calendar, summary
from ui import state
from ui.i18n import both, t

WITH_NAME = "answer_tools.with_name"
SERVICES = ("answer_tools.where_platform", "answer_tools.where_portal",
            "answer_tools.where_wechat", "answer_tools.where_renewal")


def section(profile: Mapping, assessment: Mapping) -> None:
    lang = state.lang()
    with st.container(border=True):
        st.markdown(f"#### {t('answer_tools.heading')}")
        with_name = st.checkbox(t("answer_tools.with_name"), value=False, key=WITH_NAME,
                                help=t("answer_tools.with_name_help"))
        problem = _name_problem(str(profile.get("name") or "")) if with_name else None
        items = calendar.reminders(profile, assessment, lang, with_name)
        bar = st.container(horizontal=True)
        if items:
            bar.download_button(
                t("answer_tools.calendar"), data=_ics(profile, assessment, lang, with_name),
                file_name=calendar.FILE_NAME, mime=calendar.MEDIA_TYPE, on_click="ignore",
                icon=":material/event:", key="answer_tools.calendar", type="primary")
        bar.download_button(
            t("answer_tools.summary"), data=_pdf(profile, assessment, lang, with_name),
            file_name=summary.FILE_NAME, mime=summary.MEDIA_TYPE, on_click="ignore",
            icon=":material/print:", key="answer_tools.summary", disabled=problem is not None,
            help=t("answer_tools.summary_help"))
        if items:
            st.caption(t("answer_tools.calendar_help", n=len(items)))
        else:
            st.caption(t("answer_tools.calendar_none"))
        if problem is not None:
            st.warning(problem, icon=":material/font_download_off:")
        where()


def _name_problem(name: str) -> str | None:
    """Why the summary cannot print the name (characters the font lacks, or no font), or None."""
    try:
        missing = missing_glyphs(name) if name else []
    except CertificateUnavailable as err:  # FontMissing: the summary needs the font too
        return f"{err.message_zh}\n\n{err.message_en}"
    if missing:
        return both("answer_tools.name_unprintable",
                    chars=" ".join(f"U+{ord(c):04X}" for c in missing))
    return None


def where() -> None:
    """The official services the notice names (C-3.1, C-3.2, C-3.4): names only, no addresses."""
    st.markdown(f"**{t('answer_tools.where_heading')}**")
    st.markdown("\n".join(f"- {t(k)}" for k in SERVICES))
    st.caption(t("answer_tools.where_no_address"))


def _ics(profile: Mapping, assessment: Mapping, lang: str, with_name: bool) -> bytes:
    """The .ics of this answer (made once per answer, see the module docstring)."""
    return _ics_bytes(json.dumps(profile, sort_keys=True, ensure_ascii=False, default=str),
                      json.dumps(assessment, sort_keys=True, ensure_ascii=False, default=str),
                      lang, with_name)


# In memory only (persist=False): the profile is personal data and never reaches the disk.
@st.cache_data(max_entries=1024, ttl="1h", show_spinner=False, persist=False)
def _ics_bytes(profile_json: str, assessment_json: str, lang: str, with_name: bool) -> bytes:
    return calendar.make_ics(json.loads(profile_json), json.loads(assessment_json), lang,
                             with_name)


def _pdf(profile: Mapping, assessment: Mapping, lang: str, with_name: bool):
    profile, assessment = dict(profile), dict(assessment)
    return lambda: summary.make_summary(profile, assessment, lang, with_name)
