"""The self-service form's fields as drawn (issue 3, issue 15, issue 23): every widget, each
followed by the engine's errors for its field, and the readable names of those fields.

The state behind the widgets (keys, rows, the plain copy, filling and clearing, the profile the
widgets hold, which errors show and for which widget) is in ui/self_service_form.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import streamlit as st

from core.policy.data import POLICY
from ui import state
from ui.i18n import t
from ui.self_service_form import (
    FORM_KEY,
    GENDERS,
    SCALAR_FIELDS,
    add_row,
    clear,
    key,
    load_example,
    mark_checked,
    read_date,
    remove_row,
    row_ids,
    row_key,
)


def field_label(field: str) -> str:
    """A readable name for an error's field, e.g. ``专业 2 · 有效期止``."""
    m = re.fullmatch(r"specialties\[(\d+)\]\.(\w+)", field or "")
    if m:
        return f"{t('self_service.form.specialty_n', n=int(m.group(1)) + 1)} · {_label(m.group(2))}"
    return _label(field) if field in SCALAR_FIELDS else (field or "—")


def _label(field: str) -> str:
    labels = {
        "name": t("self_service.form.name"),
        "gender": t("self_service.form.gender"),
        "birth_date": t("self_service.form.birth_date"),
        "registration_number": t("self_service.form.registration_number"),
        "employer": t("self_service.form.employer"),
        "employer_province": t("self_service.form.employer_province"),
        "continuing_education_done": t("self_service.form.continuing_education_done"),
        "certificate_downloaded_on": t("self_service.form.certificate_downloaded_on"),
        "specialty": t("self_service.form.specialty"),
        "valid_from": t("self_service.form.valid_from"),
        "valid_until": t("self_service.form.valid_until"),
        "renewal_applied_on": t("self_service.form.renewal_applied_on"),
        "renewal_approved_on": t("self_service.form.renewal_approved_on"),
    }
    return labels.get(field, field)


def _field_errors(by_key: Mapping[str, list[Mapping]], k: str) -> None:
    """The field's errors, in one element right under the field. A "required" one is marked
    (class ``ecert-required``): assets/a11y.css hides it as soon as the field above holds a
    value, before any run (the fields sit in a form, so typing alone reruns nothing)."""
    lang = state.lang()
    lines = []
    for e in by_key.get(k, []):
        message = e.get(f"message_{lang}") or e.get("code") or ""
        kind = "ecert-field-error ecert-required" if e.get("code") == "required" else \
            "ecert-field-error"
        lines.append(f'<div class="{kind}" style="color:#c62828;font-size:0.85rem;'
                     f'margin-top:-0.6rem">⚠ {html.escape(str(message))}</div>')
    if lines:
        st.markdown("".join(lines), unsafe_allow_html=True)


# --- drawing -------------------------------------------------------------------------------------


def province_label(short: str, lang: str | None = None) -> str:
    """The province as the list shows it: its full name ("广东省"), which also holds the short
    one, so typing "广东" or "广东省" (as files accept both) finds it; in English with the
    English name ("Guangdong") too (issue 23)."""
    province = POLICY.province_by_name[short]
    if (lang or state.lang()) == "en":
        return f"{province.full} ({province.en})"
    return province.full


def _specialty_label(name: str) -> str:
    if state.lang() == "en":
        return f"{name} ({POLICY.specialty_en.get(name, name)})"
    return name


def _gender_label(g: str) -> str:
    return t("self_service.form.male") if g == "男" else t("self_service.form.female")


def _date(label: str, k: str, by_key, help: str | None = None) -> None:
    """A date typed as text (issue 23): any year-first spelling is read, and shown as read when
    it was not ISO; anything else is reported by the engine with the expected format. (Streamlit's
    date field silently dropped "01/06/1961", which then read as missing, and its calendar
    speaks English only.)"""
    hint = t("self_service.form.date_help")
    st.text_input(label, key=k, max_chars=20, placeholder=t("self_service.form.date_placeholder"),
                  help=f"{help}\n\n{hint}" if help else hint)
    _field_errors(by_key, k)  # right under the field (assets/a11y.css section 6)
    typed = str(st.session_state.get(k) or "").strip()
    read = read_date(typed) if typed else None
    if read is not None and read != typed:
        st.caption(t("self_service.form.date_read_as", date=read))


def draw(by_key: Mapping[str, list[Mapping]]) -> None:
    """Every widget of the form, each followed by the engine's errors for its field."""
    as_of = state.as_of()
    bar = st.container(horizontal=True)
    bar.button(t("self_service.form.load_example"), icon=":material/person_add:",
               on_click=load_example, args=(as_of,), key="self_service.load_example")
    bar.button(t("self_service.form.clear"), icon=":material/delete:", on_click=clear,
               key="self_service.clear", help=t("self_service.form.clear_help"))
    st.caption(t("self_service.form.privacy"))
    with st.form(FORM_KEY, enter_to_submit=False, border=False):
        _fields(by_key)


def _fields(by_key: Mapping[str, list[Mapping]]) -> None:
    with st.container(border=True):
        st.markdown(f"**{t('self_service.form.person')}**")
        st.text_input(t("self_service.form.name"), key=key("name"), max_chars=64)
        _field_errors(by_key, key("name"))
        c1, c2 = st.columns(2)
        with c1:
            st.selectbox(t("self_service.form.gender"), GENDERS, index=None, key=key("gender"),
                         format_func=_gender_label, placeholder=t("self_service.form.choose"))
            _field_errors(by_key, key("gender"))
        with c2:
            _date(t("self_service.form.birth_date"), key("birth_date"), by_key)
        # The example as a hint under the field, not as a placeholder that looks filled in.
        st.text_input(t("self_service.form.registration_number"), key=key("registration_number"),
                      max_chars=40, help=t("self_service.form.registration_number_help"))
        _field_errors(by_key, key("registration_number"))
        st.caption(t("self_service.form.registration_number_example",
                     example=POLICY.number["example"]))
        st.text_input(t("self_service.form.employer"), key=key("employer"), max_chars=200)
        _field_errors(by_key, key("employer"))
        st.selectbox(t("self_service.form.employer_province"),
                     [p.short for p in POLICY.provinces], index=None,
                     key=key("employer_province"), format_func=province_label,
                     filter_mode="contains",
                     placeholder=t("self_service.form.choose"),
                     help=t("self_service.form.employer_province_help"))
        _field_errors(by_key, key("employer_province"))
        st.checkbox(t("self_service.form.continuing_education_done"),
                    key=key("continuing_education_done"))
        _field_errors(by_key, key("continuing_education_done"))
        _date(t("self_service.form.certificate_downloaded_on"), key("certificate_downloaded_on"),
              by_key, help=t("self_service.form.downloaded_help"))
        if not st.session_state.get(key("certificate_downloaded_on")):
            st.caption(t("self_service.form.downloaded_absent"))

    rows = row_ids()
    for i, row in enumerate(rows):
        with st.container(border=True):
            head = st.container(horizontal=True, vertical_alignment="center")
            head.markdown(f"**{t('self_service.form.specialty_n', n=i + 1)}**")
            head.form_submit_button(t("self_service.form.remove"),
                                    key=f"self_service.remove.{row}",
                                    icon=":material/remove_circle:", type="tertiary",
                                    on_click=remove_row, args=(row,), disabled=len(rows) <= 1)
            st.selectbox(t("self_service.form.specialty"), POLICY.specialties, index=None,
                         key=row_key(row, "specialty"), format_func=_specialty_label,
                         placeholder=t("self_service.form.choose"))
            _field_errors(by_key, row_key(row, "specialty"))
            c1, c2 = st.columns(2)
            with c1:
                _date(t("self_service.form.valid_from"), row_key(row, "valid_from"), by_key)
                _date(t("self_service.form.renewal_applied_on"),
                      row_key(row, "renewal_applied_on"), by_key,
                      help=t("self_service.form.optional"))
            with c2:
                _date(t("self_service.form.valid_until"), row_key(row, "valid_until"), by_key)
                _date(t("self_service.form.renewal_approved_on"),
                      row_key(row, "renewal_approved_on"), by_key,
                      help=t("self_service.form.optional"))
    # Full width like 查询 below it: at its content width (with the help icon) it wrapped onto
    # two lines at 1366 px and 查询 overlapped it (issue 23).
    st.form_submit_button(t("self_service.form.add"), icon=":material/add:", on_click=add_row,
                          key="self_service.add", disabled=len(rows) >= POLICY.max_specialties,
                          help=t("self_service.form.add_help", n=POLICY.max_specialties),
                          width="stretch")
    st.form_submit_button(t("self_service.form.check"), icon=":material/search:", type="primary",
                          on_click=mark_checked, key="self_service.check",
                          help=t("self_service.form.check_help"), width="stretch")
