"""The self-service page's "keep, print and act" (issue 14) in AppTest: the calendar and summary
downloads under the answer with the name tick box, the official services, and saving and
loading the form as a profile file (bilingual refusals, nothing changed by a bad file)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core import assess
from core.demo.roster import demo_profile
from core.demo.scenarios import get as get_scenario
from core.policy.dates import today_shanghai
from core.selfcheck import calendar
from core.selfcheck.profile_file import MAX_BYTES, dump_profile
from tests.app_helpers import APP, assert_clean
from ui import answer_tools, profile_file_view
from ui import self_service_form as form
from ui.i18n import text


@pytest.fixture
def at(isolated_app) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert_clean(app)
    return app


def downloads(at: AppTest) -> dict[str, object]:
    """Download buttons by key."""
    out = {}
    for b in at.download_button:
        for key in ("answer_tools.calendar", "answer_tools.summary", "profile_file.save",
                    "certificate.download"):
            if key in b.proto.id:
                out[key] = b
    return out


def page_text(at: AppTest) -> str:
    parts = [el.value for el in at.markdown] + [el.value for el in at.caption]
    parts += [el.value for el in at.error] + [el.value for el in at.warning]
    parts += [el.value for el in at.success]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def load_example(at: AppTest) -> dict:
    at.button(key="self_service.load_example").click().run()
    assert_clean(at)
    return demo_profile(at.session_state["as_of"])


def test_the_answer_offers_the_calendar_and_the_summary_with_the_name_box_off(at):
    at.date_input(key="as_of").set_value(date(2021, 7, 15)).run()
    p = load_example(at)
    found = downloads(at)
    assert found["answer_tools.calendar"].label == text("answer_tools.calendar", "zh")
    assert found["answer_tools.summary"].label == text("answer_tools.summary", "zh")
    assert not found["answer_tools.summary"].disabled
    assert at.checkbox(key=answer_tools.WITH_NAME).value is False
    n = len(calendar.reminders(p, assess(p, date(2021, 7, 15))))
    assert n > 0
    assert text("answer_tools.calendar_help", "zh", n=n) in page_text(at)
    for key in (*answer_tools.SERVICES, "answer_tools.where_no_address"):
        assert text(key, "zh") in page_text(at)
    assert "http" not in "".join(text(k, "zh") + text(k, "en") for k in answer_tools.SERVICES)


def test_english_labels(at):
    at.radio(key="lang").set_value("en").run()
    load_example(at)
    found = downloads(at)
    assert found["answer_tools.calendar"].label == "Add to calendar"
    assert found["answer_tools.summary"].label == text("answer_tools.summary", "en")
    assert text("answer_tools.where_wechat", "en") in page_text(at)


def test_no_calendar_button_when_nothing_is_coming(at):
    load_example(at)
    at.selectbox(key=form.key("employer_province")).set_value("湖北")
    at.button(key="self_service.check").click().run()  # the fields are one st.form
    assert "answer_tools.calendar" not in downloads(at)
    assert text("answer_tools.calendar_none", "zh") in page_text(at)
    assert "answer_tools.summary" in downloads(at)


def test_a_name_the_font_cannot_print_blocks_only_the_named_summary(at):
    load_example(at)
    at.text_input(key=form.key("name")).set_value("张\U0001f600三")
    at.button(key="self_service.check").click().run()  # the fields are one st.form
    assert not downloads(at)["answer_tools.summary"].disabled  # the box is off
    at.checkbox(key=answer_tools.WITH_NAME).check().run()
    assert_clean(at)
    assert downloads(at)["answer_tools.summary"].disabled
    assert "U+1F600" in page_text(at)
    assert "answer_tools.calendar" in downloads(at)  # the calendar has no font


# --- the profile file ---------------------------------------------------------------------------


def upload(at: AppTest, data: bytes, name: str = "me.json") -> AppTest:
    [uploader] = [u for u in at.file_uploader if u.proto.id and "profile_file.upload" in u.proto.id]
    uploader.set_value((name, data, "application/json"))
    at.run()
    assert_clean(at)
    return at


def test_save_is_offered_once_something_is_entered(at):
    assert downloads(at)["profile_file.save"].disabled
    load_example(at)
    assert not downloads(at)["profile_file.save"].disabled


def test_loading_a_saved_file_fills_the_form(at):
    scenario = get_scenario("pilot-expired")
    upload(at, dump_profile(scenario.profile))
    assert at.text_input(key=form.key("name")).value == scenario.profile["name"]
    rows = at.session_state[form.ROWS]
    assert len(rows) == len(scenario.profile["specialties"])
    first = scenario.profile["specialties"][0]
    assert at.text_input(key=form.row_key(rows[0], "valid_until")).value == first["valid_until"]
    assert text("profile_file.loaded", "zh") in page_text(at)
    assert not at.error
    # the upload is not kept: the uploader was renewed, so its file is gone
    assert all(u.value is None for u in at.file_uploader if "profile_file" in u.proto.id)


def test_a_broken_file_is_refused_in_both_languages_and_the_form_is_unchanged(at):
    p = load_example(at)
    upload(at, b"{\"name\": ")
    [error] = at.error
    assert text("profile_file.refused", "zh") in error.value
    assert text("profile_file.refused", "en") in error.value
    assert "不是有效的 JSON" in error.value and "Not valid JSON" in error.value
    assert at.text_input(key=form.key("name")).value == p["name"]


def test_invalid_fields_are_named_in_both_languages(at):
    p = load_example(at)
    bad = dict(demo_profile(date(2021, 7, 1)), gender="x", colour="red")
    bad["specialties"] = [dict(bad["specialties"][0], valid_until="2021/08/04")]
    upload(at, json.dumps(bad, ensure_ascii=False).encode("utf-8"))
    [error] = at.error
    value = error.value.replace("\\", "")
    assert "注册专业 1 · 有效期止" in value and "Specialty 1 · Valid until" in value
    assert "性别" in value and "Gender" in value
    assert "colour" in value
    assert at.text_input(key=form.key("name")).value == p["name"]  # unchanged
    # "clear" forgets the refusal
    at.button(key="self_service.clear").click().run()
    assert not at.error


def test_a_file_over_the_limit_is_refused(at):
    p = demo_profile(date(2021, 7, 1))
    p["employer"] = "x" * (MAX_BYTES + 10)
    upload(at, json.dumps(p).encode())
    [error] = at.error
    assert "64 KB" in error.value
    assert at.text_input(key=form.key("name")).value == ""


def test_a_birth_date_the_picker_cannot_show_is_refused_not_dropped(at):
    p = demo_profile(date(2021, 7, 1))
    p["birth_date"] = (today_shanghai() + timedelta(days=400)).isoformat()
    upload(at, json.dumps(p, ensure_ascii=False).encode("utf-8"))
    [error] = at.error
    assert p["birth_date"] in error.value.replace("\\", "")
    assert at.text_input(key=form.key("name")).value == ""


def test_the_field_names_of_refusals():
    zh = profile_file_view.field_name("specialties[1].valid_from", "zh")
    assert zh == "注册专业 2 · 有效期起"
    assert profile_file_view.field_name("birth_date", "en") == "Birth date"
    assert profile_file_view.field_name("specialties[0]", "en") == "Specialty 1"
    assert profile_file_view.field_name(None, "zh") == ""
