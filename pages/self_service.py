"""自助查询 (constructor self-service), CONTRACT.md path "/" (issue 3).

Thin: the form's values -> ``core.assess(profile, as_of)`` -> the answer, its calendar and
summary downloads (ui/answer_tools.py) and the certificate preview; under the form, the profile
file (ui/profile_file_view.py). Errors of ``InvalidInput`` are shown beside their fields.
Personal data stays in ``st.session_state`` (see ui/self_service_form.py; the fields are drawn by
ui/self_service_fields.py).
"""

import streamlit as st

from core import InvalidInput, assess
from ui import answer_tools, certificate_view, phone_summary, profile_file_view, state
from ui import self_service_fields as fields
from ui import self_service_form as form
from ui import self_service_view as view
from ui.i18n import pick, t
from ui.text import esc

st.title(t("page.self_service.title"))
as_of = state.as_of()

form.init()
form.apply_scenario_from_url()
if st.session_state.get(form.SCENARIO_UNKNOWN):
    st.warning(t("self_service.scenario_unknown",
                 id=view.esc(st.session_state[form.SCENARIO_UNKNOWN])))

profile = form.profile()
empty = form.is_empty(profile)
assessment, errors, failed = None, [], False
if not empty:
    try:
        assessment = assess(profile, as_of)
    except InvalidInput as err:
        errors = list(err.errors)
    except Exception:  # noqa: BLE001 - never a traceback on the page (and nothing personal logged)
        failed = True
if assessment is not None:  # on a phone: status and next dates first, a link to the details
    phone_summary.show(assessment)

# Only errors of fields filled in, or every error after "查询 / Check" (issue 15).
shown = form.visible_errors(errors, profile)
by_key, _unowned = form.errors_by_widget(shown)  # all of them are listed in the summary too

left, right = st.columns([1, 1], gap="medium")
with left:
    st.header(t("self_service.form.heading"), anchor="form")
    fields.draw(by_key)
    profile_file_view.section()  # save the form as a file, load one (issue 14)
form.save()

with right:
    if empty:
        st.info(t("self_service.intro", as_of=as_of.isoformat()), icon=":material/info:")
    elif failed:
        st.error(t("self_service.internal_error"), icon=":material/error:")
    elif shown:
        lines = [f"- **{esc(fields.field_label(e.get('field')))}**: "
                 f"{esc(pick(e, 'message') or e.get('code'))}" for e in shown]
        st.error("\n".join([f"**{t('self_service.errors_header')}**", *lines]),
                 icon=":material/edit_note:")
    elif errors:  # only fields not reached yet: no red before the user asks for a check
        st.info(t("self_service.fill_then_check"), icon=":material/edit_note:")
    else:
        view.answer(assessment)
        answer_tools.section(profile, assessment)  # calendar, summary PDF, where to act
answered = not empty and not failed and not shown and not errors
if answered:  # across the whole width: the preview image large enough to read (issue 23)
    certificate_view.section(profile, assessment)
