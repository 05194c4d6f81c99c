"""Save the self-service form as a profile file and load one again (issue 14, item 4).

The file is CONTRACT.md's profile JSON (``core.selfcheck.profile_file``). Saving hands the form's
profile to the browser as a download (made when clicked). Loading reads the upload in memory in
the uploader's callback, before the widgets are drawn: a file that passes fills the form
(``ui.self_service_form.fill``, which also renews the uploader so the file is not kept); a file
with any problem changes nothing and the problems are listed in Chinese and English. The upload
itself is never written anywhere.
"""

from __future__ import annotations

import re

import streamlit as st

from core.messages.catalogue import label
from core.messages.errors import InvalidInput
from core.policy.dates import today_shanghai
from core.selfcheck.profile_file import (
    FILE_NAME,
    MAX_BYTES,
    MEDIA_TYPE,
    ProfileFileError,
    dump_profile,
    load_profile,
)
from ui import self_service_form as form
from ui.i18n import LANGS, t, text
from ui.text import esc

PROBLEMS = "profile_file.problems"  # (uploader key, problems) of the last refused file
LOADED = "profile_file.loaded"  # one-run flag: a file was just loaded
UPLOAD_MB = max(1, MAX_BYTES // (1024 * 1024))  # the uploader's own cap; MAX_BYTES checked after


def uploader_key() -> str:
    return f"profile_file.upload.{st.session_state.get(form.NONCE, 0)}"


def date_bounds() -> dict:
    """The ranges the form's date pickers offer: a loaded date outside them is refused."""
    return {"birth_date": (form.BIRTH_MIN, today_shanghai()), "*": (form.DATE_MIN, form.DATE_MAX)}


def section() -> None:
    key = uploader_key()
    refused = st.session_state.get(PROBLEMS)
    problems = refused[1] if refused and refused[0] == key else None  # "clear" forgets them
    open_now = bool(problems) or bool(st.session_state.get(LOADED))
    with st.expander(t("profile_file.heading"), icon=":material/save:", expanded=open_now):
        st.caption(t("profile_file.intro"))
        profile = form.profile()
        st.download_button(
            t("profile_file.save"), data=_dump(profile), file_name=FILE_NAME, mime=MEDIA_TYPE,
            on_click="ignore", icon=":material/download:", key="profile_file.save",
            disabled=form.is_empty(profile))
        # The label states the true limit (64 KB); Streamlit's own "1MB per file • JSON" line is
        # hidden by assets/a11y.css (section 5) inside this container.
        st.container(key="limit_in_label_profile").file_uploader(
            t("profile_file.load"), type=["json"], key=key, on_change=_load, args=(key,),
            max_upload_size=UPLOAD_MB)
        if st.session_state.pop(LOADED, False):
            st.success(t("profile_file.loaded"), icon=":material/check_circle:")
        if problems:
            st.error(refusal(problems), icon=":material/error:")


def _dump(profile: dict):
    profile = dict(profile)
    return lambda: dump_profile(profile)


def _load(key: str) -> None:
    """The uploader's callback: check the file, then fill the form or keep it unchanged."""
    upload = st.session_state.get(key)
    st.session_state.pop(PROBLEMS, None)
    if upload is None:
        return
    try:
        profile = load_profile(upload.getvalue(), date_bounds=date_bounds())
    except ProfileFileError as err:
        st.session_state[PROBLEMS] = (key, [{"field": None, "message_zh": err.message_zh,
                                             "message_en": err.message_en}])
        return
    except InvalidInput as err:
        st.session_state[PROBLEMS] = (key, err.errors)
        return
    form.fill(profile)
    st.session_state[LOADED] = True


def field_name(field: str | None, lang: str) -> str:
    """``specialties[1].valid_from`` -> "专业 2 · 有效期起" (or English)."""
    if not field:
        return ""
    m = re.fullmatch(r"specialties\[(\d+)\](?:\.(\w+))?", field)
    if m:
        row = text("self_service.form.specialty_n", lang, n=int(m.group(1)) + 1)
        return f"{row} · {label(m.group(2))[LANGS.index(lang)]}" if m.group(2) else row
    return label(field)[LANGS.index(lang)]


def refusal(problems: list[dict]) -> str:
    """The problems in Chinese, then in English (a file may come from anyone's hands)."""
    blocks = []
    for lang in LANGS:
        lines = [f"**{text('profile_file.refused', lang)}**"]
        for p in problems:
            where = field_name(p.get("field"), lang)
            message = _md(p.get(f"message_{lang}") or p.get("code") or "")
            lines.append(f"- {_md(where)}: {message}" if where else f"- {message}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _md(s: str) -> str:
    """Text from a file, inert in Markdown."""
    return esc(s)
