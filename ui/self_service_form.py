"""The self-service form (issue 3): widgets <-> a CONTRACT.md profile, in st.session_state only.

Personal data never leaves the session: no file, no database, no log, no cache. The widgets keep
their values under the keys below; a plain copy (``STORE``) survives a visit to another page
(Streamlit drops the state of widgets that a run does not draw) and is put back before the
widgets are drawn again.

Nothing here decides anything about the notice: the form only collects values and shows the
engine's errors (``InvalidInput.errors``) beside the widget of their ``field``. This module holds
the state behind the widgets (keys, rows, the plain copy, filling and clearing, the profile the
widgets hold, which errors show and for which widget); ui/self_service_fields.py draws them.

The fields sit in one ``st.form`` (issue 15): leaving a text or date field does not rerun the
page, so nothing moves under the finger and the next dropdown opens at the first tap; the page
reruns on "查询 / Check" (and on adding or removing a specialty). Errors are shown for fields the
user has filled in, and for every field only after an explicit check of exactly these values
("查询", or loading the example or a scenario): typing a name alone never paints the other
fields red.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

import streamlit as st

from core.demo import scenarios
from core.demo.roster import demo_profile
from core.policy.data import POLICY
from core.policy.dates import parse_iso
from ui import state

# Session-state keys (all under "self_service.").
ROWS = "self_service.rows"  # ids of the specialty rows on the form, in order
NEXT_ROW = "self_service.next_row"
STORE = "self_service.store"  # plain copy of the widget values (survives page switches)
SCENARIO_APPLIED = "self_service.scenario_applied"
SCENARIO_UNKNOWN = "self_service.scenario_unknown"
NONCE = "self_service.nonce"  # changes on "clear": gives the photo uploader a fresh key
CHECKED = "self_service.checked"  # the profile as it was at the last explicit check
FORM_KEY = "self_service.form"
SCENARIO_QUERY_PARAM = "scenario"

SCALAR_FIELDS = (
    "name", "gender", "birth_date", "registration_number", "employer", "employer_province",
    "continuing_education_done", "certificate_downloaded_on",
)
SPECIALTY_FIELDS = (
    "specialty", "valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on",
)
DATE_FIELDS = {
    "birth_date", "certificate_downloaded_on", "valid_from", "valid_until", "renewal_applied_on",
    "renewal_approved_on",
}
GENDERS = ("男", "女")

# Ranges a loaded profile file's dates must fall in (ui.profile_file_view; UI bounds, not policy
# dates: the engine validates the values).
BIRTH_MIN = POLICY.validation["earliest_birth_date"]
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2110, 12, 31)


def key(field: str) -> str:
    return f"self_service.f.{field}"


def row_key(row: int, field: str) -> str:
    return f"self_service.s{row}.{field}"


def row_ids() -> list[int]:
    return st.session_state[ROWS]


def widget_keys() -> list[str]:
    keys = [key(f) for f in SCALAR_FIELDS]
    for row in row_ids():
        keys += [row_key(row, f) for f in SPECIALTY_FIELDS]
    return keys


# --- state ---------------------------------------------------------------------------------------


def init() -> None:
    """Give the form its rows and put back the values kept while another page was shown.

    Streamlit drops the state of widgets a run did not draw, so a missing name widget means the
    page was just opened (first visit, or back from another page): a ``?scenario=`` link may then
    fill the form again, even with the scenario it filled before.
    """
    if key("name") not in st.session_state:
        st.session_state.pop(SCENARIO_APPLIED, None)
    st.session_state.setdefault(ROWS, [0])
    st.session_state.setdefault(NEXT_ROW, 1)
    st.session_state.setdefault(NONCE, 0)
    for k, value in st.session_state.get(STORE, {}).items():
        if k not in st.session_state:
            st.session_state[k] = value


def save() -> None:
    """Keep a plain copy of the widget values (memory only) for the next visit of the page."""
    st.session_state[STORE] = {k: st.session_state.get(k) for k in widget_keys()}


_FORM_KEY = re.compile(r"self_service\.(f|s\d+)\.")


def empty_value(field: str) -> object:
    """What a widget of ``field`` holds when nothing is entered."""
    if field in ("gender", "employer_province", "specialty"):
        return None
    return False if field == "continuing_education_done" else ""


def _reset() -> None:
    """Every field empty. The person fields are set to their empty values, not deleted: a
    deleted key leaves the browser showing (and the next 查询 sending) what was typed, since the
    widget keeps its identity; a value set here is sent to the browser. Specialty rows get new
    ids (new widgets)."""
    for k in list(st.session_state.keys()):
        if isinstance(k, str) and _FORM_KEY.match(k):
            del st.session_state[k]
    for field in SCALAR_FIELDS:
        st.session_state[key(field)] = empty_value(field)
    st.session_state[STORE] = {}
    st.session_state[ROWS] = []
    st.session_state[NONCE] = st.session_state.get(NONCE, 0) + 1
    st.session_state.pop("certificate.preview", None)
    st.session_state.pop(CHECKED, None)


def _new_row() -> int:
    row = st.session_state.get(NEXT_ROW, 1)
    st.session_state[NEXT_ROW] = row + 1
    st.session_state[ROWS] = [*st.session_state.get(ROWS, []), row]
    return row


def clear() -> None:
    """ "Clear my data": every field empty, one empty specialty row, no preview, no photo."""
    _reset()
    _new_row()


def fill(profile: Mapping) -> None:
    """Put a CONTRACT.md profile into the widgets (example, scenario)."""
    _reset()
    for field in SCALAR_FIELDS:
        st.session_state[key(field)] = _widget_value(field, profile.get(field))
    for item in (profile.get("specialties") or [])[: POLICY.max_specialties] or [{}]:
        row = _new_row()
        for field in SPECIALTY_FIELDS:
            st.session_state[row_key(row, field)] = _widget_value(field, item.get(field))
    mark_checked()  # an example or a scenario is complete: its errors (if any) show at once


def _widget_value(field: str, value: object) -> object:
    if field in DATE_FIELDS:  # typed text: a date from a file or a scenario is ISO already
        try:
            d = parse_iso(value)
        except ValueError:
            return "" if value is None else str(value)
        return "" if d is None else d.isoformat()
    if field == "continuing_education_done":
        return bool(value)
    if field == "employer_province":
        p = POLICY.province_by_name.get(str(value)) if value else None
        return p.short if p else None
    if field == "gender":
        return value if value in GENDERS else None
    if field == "specialty":
        return value if value in POLICY.specialties else None
    return "" if value is None else str(value)


def load_example(as_of: date) -> None:
    fill(demo_profile(as_of))


def add_row() -> None:
    if len(row_ids()) < POLICY.max_specialties:
        _new_row()


def remove_row(row: int) -> None:
    rows = row_ids()
    if row in rows and len(rows) > 1:
        st.session_state[ROWS] = [r for r in rows if r != row]
        for field in SPECIALTY_FIELDS:
            st.session_state.pop(row_key(row, field), None)


def apply_scenario_from_url() -> None:
    """``/?scenario=ID`` fills the form once with that scenario and sets the as-of date.

    The as-of date goes through the sidebar's own ``?as_of=`` handling (a rerun applies it before
    the date input is drawn), unless the address already names an as-of date.
    """
    scenario_id = st.query_params.get(SCENARIO_QUERY_PARAM)
    if not scenario_id or st.session_state.get(SCENARIO_APPLIED) == scenario_id:
        return
    st.session_state[SCENARIO_APPLIED] = scenario_id
    scenario = scenarios.get(scenario_id)
    if scenario is None:
        st.session_state[SCENARIO_UNKNOWN] = scenario_id
        return
    st.session_state.pop(SCENARIO_UNKNOWN, None)
    fill(scenario.profile)
    if state.AS_OF_QUERY_PARAM not in st.query_params:
        st.query_params[state.AS_OF_QUERY_PARAM] = scenario.as_of.isoformat()
        st.rerun()


# --- profile -------------------------------------------------------------------------------------


def _text(k: str) -> str | None:
    value = st.session_state.get(k)
    if isinstance(value, str):
        value = value.strip()
    return value or None


# A typed date, year first: 1961-06-01, 1961/6/1, 1961.6.1, 1961年6月1日, 19610601 (full-width
# digits too). Day- or month-first spellings (01/06/1961) are ambiguous and are not guessed: they
# reach the engine as typed and come back as ``invalid_date`` with the expected format.
_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def read_date(typed: object) -> str | None:
    """The ISO date a typed date stands for, or None when it is not a year-first date."""
    if isinstance(typed, date):
        return typed.isoformat()
    s = unicodedata.normalize("NFKC", str(typed or "")).strip()
    m = _YEAR_FIRST.fullmatch(s) or _COMPACT.fullmatch(s)
    if m is None:
        return None
    try:
        return date(*(int(g) for g in m.groups())).isoformat()
    except ValueError:
        return None


def _iso(k: str) -> str | None:
    """The date a date field holds, as the engine reads it: ISO when it is a year-first date
    (``read_date``); otherwise the text as typed, so the engine reports it as not a valid date,
    with the expected format (never silently emptied and then called missing)."""
    value = st.session_state.get(k)
    if isinstance(value, date):
        return value.isoformat()
    typed = str(value or "").strip()
    if not typed:
        return None
    return read_date(typed) or typed


def profile() -> dict:
    """The CONTRACT.md profile the widgets hold (unknown values are None)."""
    return {
        "name": _text(key("name")),
        "gender": st.session_state.get(key("gender")),
        "birth_date": _iso(key("birth_date")),
        "registration_number": _text(key("registration_number")),
        "employer": _text(key("employer")),
        "employer_province": st.session_state.get(key("employer_province")),
        "continuing_education_done": bool(st.session_state.get(key("continuing_education_done"))),
        "certificate_downloaded_on": _iso(key("certificate_downloaded_on")),
        "specialties": [
            {
                "specialty": st.session_state.get(row_key(row, "specialty")),
                "valid_from": _iso(row_key(row, "valid_from")),
                "valid_until": _iso(row_key(row, "valid_until")),
                "renewal_applied_on": _iso(row_key(row, "renewal_applied_on")),
                "renewal_approved_on": _iso(row_key(row, "renewal_approved_on")),
            }
            for row in row_ids()
        ],
    }


def mark_checked() -> None:
    """"查询 / Check" (the form's submit button): show every error of the values as they are."""
    st.session_state[CHECKED] = profile()


def checked(p: Mapping) -> bool:
    """The user asked for a check of exactly these values."""
    return st.session_state.get(CHECKED) == p


def _filled(k: str) -> bool:
    value = st.session_state.get(k)
    return value not in (None, "", False) and not (isinstance(value, str) and not value.strip())


def visible_errors(errors: list[Mapping], p: Mapping) -> list[Mapping]:
    """The errors to show now: all of them after an explicit check of ``p``; before it only
    those of fields the user has filled in (a wrong date, a malformed number), never a
    "required" for a field not reached yet."""
    if checked(p):
        return list(errors)
    by_key, _rest = errors_by_widget(errors)
    return [e for k, items in by_key.items() if _filled(k) for e in items]


def is_empty(p: Mapping) -> bool:
    """Nothing entered yet (then the page shows no errors, only how to start)."""
    scalars = [v for f, v in p.items() if f not in ("specialties", "continuing_education_done")]
    specs = [v for item in p.get("specialties", []) for v in item.values()]
    return not any(scalars) and not any(specs) and not p.get("continuing_education_done")


# --- errors --------------------------------------------------------------------------------------


def errors_by_widget(errors: list[Mapping]) -> tuple[dict[str, list[Mapping]], list[Mapping]]:
    """Split the engine's errors into {widget key: errors} and the ones no widget owns."""
    rows = row_ids()
    by_key: dict[str, list[Mapping]] = {}
    rest: list[Mapping] = []
    for e in errors:
        field = str(e.get("field") or "")
        k = None
        if field in SCALAR_FIELDS:
            k = key(field)
        else:
            m = re.fullmatch(r"specialties\[(\d+)\]\.(\w+)", field)
            if m and int(m.group(1)) < len(rows) and m.group(2) in SPECIALTY_FIELDS:
                k = row_key(rows[int(m.group(1))], m.group(2))
        if k is None:
            rest.append(e)
        else:
            by_key.setdefault(k, []).append(e)
    return by_key, rest
