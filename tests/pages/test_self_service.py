"""The self-service page (issue 3) in Streamlit's AppTest: the form, the engine's answer, errors
beside their fields, the certificate preview and its download."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import assess
from core.demo.roster import demo_profile
from core.demo.scenario_data import SCENARIOS
from core.demo.scenarios import get as get_scenario
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from tests.app_helpers import plain
from ui import certificate_view, i18n, phone_summary, verify_view
from ui import self_service_form as form
from ui import self_service_view as view

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def run_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def check(at: AppTest) -> AppTest:
    """Press "查询 / Check": the form's fields reach the page only with a submit (st.form)."""
    return click(at, "self_service.check")


def certificate_downloads(at: AppTest) -> list:
    """The certificate's download button (the answer and the form have downloads of their own:
    calendar, summary, profile file)."""
    return [b for b in at.download_button if "certificate.download" in b.proto.id]


def page_text(at: AppTest) -> str:
    parts = [el.value for el in at.markdown] + [el.value for el in at.caption]
    parts += [el.value for el in at.subheader] + [el.value for el in at.header]
    parts += [el.value for el in at.error]
    parts += [el.value for el in at.warning] + [el.value for el in at.info]
    return plain("\n".join(str(p) for p in parts))  # Markdown escapes and word joiners


def with_example() -> tuple[AppTest, dict, dict]:
    at = run_app()
    as_of = at.session_state["as_of"]
    click(at, "self_service.load_example")
    profile = demo_profile(as_of)
    return at, profile, assess(profile, as_of)


def test_empty_page_explains_how_to_start_and_shows_no_errors():
    at = run_app()
    assert at.text_input(key=form.key("name")).value == ""
    assert not at.error
    assert i18n.text("self_service.form.load_example", "zh") in [b.label for b in at.button]
    assert "self_service.intro" not in page_text(at)  # the string itself, not its key
    assert today_shanghai().isoformat() in page_text(at)


def test_the_example_shows_the_engines_dates():
    at, profile, expected = with_example()
    assert at.text_input(key=form.key("name")).value == profile["name"]
    text = page_text(at)
    assert len(expected["specialties"]) == 2
    for s in expected["specialties"]:
        assert s["apply_by"] in text and s["lapses_on"] in text
        assert i18n.text(view.card_state(s, expected["as_of"])[0], "zh") in text
    w = expected["usage_window"]
    assert w["from"] in text and w["until"] in text
    assert i18n.text(view.REGIME[expected["regime"]][0], "zh") in text
    for action in expected["actions"]:
        assert action["message_zh"] in text
    # the "why" of each specialty: rule ids, clause texts and the engine's notes
    for step in expected["specialties"][0]["trace"]:
        assert step["note_zh"] in text
    assert not at.error


def test_a_scenario_link_fills_the_form_and_sets_the_as_of_date():
    scenario = get_scenario("pilot-expired")
    at = run_app(scenario="pilot-expired")
    assert at.session_state["as_of"] == scenario.as_of
    assert at.date_input(key="as_of").value == scenario.as_of
    assert at.text_input(key=form.key("name")).value == scenario.profile["name"]
    expected = assess(scenario.profile, scenario.as_of)
    text = page_text(at)
    for s in expected["specialties"]:
        assert s["apply_by"] in text and s["lapses_on"] in text
    # applied once: the user's later choice is kept
    at.date_input(key="as_of").set_value(date(2021, 8, 2)).run()
    assert at.session_state["as_of"] == date(2021, 8, 2)
    assert i18n.text("self_service.status.lapsed", "zh") in page_text(at)


def test_an_unknown_scenario_is_ignored_with_a_warning():
    at = run_app(scenario="no-such-scenario")
    assert any("no-such-scenario" in plain(w.value) for w in at.warning)
    assert at.text_input(key=form.key("name")).value == ""


def test_a_broken_field_shows_its_error_beside_it_and_no_result():
    at, profile, expected = with_example()
    row = at.session_state[form.ROWS][0]
    valid_from = date.fromisoformat(at.text_input(key=form.row_key(row, "valid_from")).value)
    at.text_input(key=form.row_key(row, "valid_until")).set_value(f"{valid_from.year - 1}-01-01")
    check(at)
    text = page_text(at)
    # the engine's message, in Chinese, under the field and in the summary
    assert "不能早于有效期起" in text
    assert i18n.text("self_service.errors_header", "zh") in text
    assert i18n.text("self_service.form.specialty_n", "zh", n=1) in text
    # no answer, no certificate
    assert expected["specialties"][1]["apply_by"] not in text
    assert "certificate.build" not in [b.key for b in at.button]
    # the rest of the page keeps working: fixing the field brings the answer back
    at.text_input(key=form.row_key(row, "valid_until")).set_value(
        profile["specialties"][0]["valid_until"])
    check(at)
    assert expected["specialties"][0]["apply_by"] in page_text(at)


def test_several_errors_at_once_in_english():
    at = run_app()
    at.radio(key="lang").set_value("en").run()
    at.text_input(key=form.key("name")).set_value("张三")
    check(at)
    text = page_text(at)
    assert "Registration number is required" in text or "registration" in text.lower()
    assert i18n.text("self_service.errors_header", "en") in text
    assert not at.exception


def test_the_pdf_download_is_offered_when_a_certificate_can_be_issued():
    at, _, _ = with_example()
    assert not certificate_downloads(at)
    click(at, "certificate.build")
    download, image = certificate_downloads(at)
    assert download.label == i18n.text("certificate.download", "zh")
    assert image.label == i18n.text("certificate.download_png", "zh")  # README: PDF and image
    fingerprint, preview = at.session_state[certificate_view.PREVIEW]
    assert preview.pdf.startswith(b"%PDF")
    assert preview.png.startswith(b"\x89PNG")
    assert "/verify?token=" in preview.verify_url
    assert len(at.get("imgs")) == 1 or at.get("image") is not None
    # a changed form does not show the old certificate
    at.text_input(key=form.key("employer")).set_value("另一家建设有限公司")
    check(at)
    assert not certificate_downloads(at)
    assert i18n.text("certificate.stale", "zh") in page_text(at)


def test_no_certificate_outside_the_notice_says_why():
    at, _, _ = with_example()
    at.selectbox(key=form.key("employer_province")).set_value("湖北")
    check(at)
    text = page_text(at)
    assert i18n.text("certificate.not_covered", "zh") in text
    assert i18n.text("self_service.regime.not_covered", "zh") in text
    assert "certificate.build" not in [b.key for b in at.button]


def test_clear_my_data_empties_the_form_and_the_answer():
    at, profile, expected = with_example()
    click(at, "certificate.build")
    click(at, "self_service.clear")
    assert at.text_input(key=form.key("name")).value == ""
    assert at.selectbox(key=form.key("employer_province")).value is None
    assert len(at.session_state[form.ROWS]) == 1
    assert certificate_view.PREVIEW not in at.session_state
    assert expected["specialties"][0]["apply_by"] not in page_text(at)
    assert not certificate_downloads(at)


def test_add_and_remove_specialties():
    at = run_app()
    for _ in range(9):
        click(at, "self_service.add")
    assert len(at.session_state[form.ROWS]) == 10
    assert at.button(key="self_service.add").disabled
    first = at.session_state[form.ROWS][0]
    click(at, f"self_service.remove.{first}")
    assert len(at.session_state[form.ROWS]) == 9
    assert first not in at.session_state[form.ROWS]


def test_the_form_survives_a_visit_to_another_page():
    at, profile, _ = with_example()
    at.switch_page("pages/policy.py").run()
    at.switch_page("pages/self_service.py").run()
    assert not at.exception
    assert at.text_input(key=form.key("name")).value == profile["name"]
    assert len(at.session_state[form.ROWS]) == len(profile["specialties"])


def test_english_labels_and_engine_messages():
    at, _, expected = with_example()
    at.radio(key="lang").set_value("en").run()
    text = page_text(at)
    assert i18n.text("self_service.answer.heading", "en", as_of=expected["as_of"]) in text
    for action in expected["actions"]:
        assert action["message_en"] in text


@pytest.mark.parametrize("keys", [view.ALL_KEYS, verify_view.ALL_KEYS])
def test_every_key_chosen_at_run_time_exists_in_both_languages(keys):
    catalogue = i18n.catalogue()
    missing = [k for k in keys if k not in catalogue]
    assert not missing


def _png(size=(120, 160)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(out, format="PNG")
    return out.getvalue()


def photo_uploaders(at: AppTest) -> list:
    return [u for u in at.file_uploader if "certificate.photo" in u.proto.id]


def test_a_photo_goes_into_the_preview_and_a_bad_one_is_explained():
    at, _, _ = with_example()
    [uploader] = photo_uploaders(at)
    uploader.set_value(("photo.png", _png(), "image/png"))
    at.run()
    assert not at.error
    click(at, "certificate.build")
    assert certificate_downloads(at)
    with_photo = at.session_state[certificate_view.PREVIEW][1].pdf
    assert with_photo.startswith(b"%PDF")

    photo_uploaders(at)[0].set_value(("photo.png", b"not an image at all", "image/png"))
    at.run()
    assert not at.exception
    assert any("JPEG" in e.value and "PNG" in e.value for e in at.error)  # PhotoError, in Chinese
    assert not certificate_downloads(at)  # the preview was made with another photo: build again


def test_a_scenario_link_opened_again_from_the_policy_page_fills_the_form_again():
    scenario = get_scenario("pilot-expired")
    at = run_app(scenario="pilot-expired")
    at.text_input(key=form.key("name")).set_value("改过的名字")
    check(at)
    at.run()
    assert at.text_input(key=form.key("name")).value == "改过的名字"  # not overwritten on reruns
    at.switch_page("pages/policy.py").run()
    at.query_params["scenario"] = "pilot-expired"
    at.switch_page("pages/self_service.py").run()
    assert not at.exception
    assert at.text_input(key=form.key("name")).value == scenario.profile["name"]


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_every_scenario_of_the_gallery_opens_with_the_engines_answer(scenario_id):
    scenario = get_scenario(scenario_id)
    at = run_app(scenario=scenario_id)
    assert at.session_state["as_of"] == scenario.as_of
    expected = assess(scenario.profile, scenario.as_of)
    text = page_text(at)
    assert i18n.text("self_service.errors_header", "zh") not in text
    assert not at.exception
    for s in expected["specialties"]:
        assert i18n.text(view.card_state(s, expected["as_of"])[0], "zh") in text
        for field in ("apply_by", "lapses_on"):
            if s[field]:
                assert s[field] in text


# --- issue 15: errors only for touched fields or after "查询"; no placeholder value --------------


def test_a_name_alone_paints_nothing_red_until_check():
    """Typing only a name (sent with "add a specialty") shows no "required" errors and no
    summary box; "查询" then marks every missing field, in words that fit any layout."""
    at = run_app()
    at.text_input(key=form.key("name")).set_value("张三")
    click(at, "self_service.add")
    assert not at.error
    assert i18n.text("self_service.fill_then_check", "zh") in page_text(at)
    check(at)
    [summary] = [e for e in at.error if i18n.text("self_service.errors_header", "zh") in e.value]
    assert "必填" in summary.value
    for lang in ("zh", "en"):  # the fields are above the box on a phone, left of it on a desktop
        for key in ("self_service.errors_header", "self_service.intro",
                    "self_service.fill_then_check"):
            words = i18n.text(key, lang, as_of="2021-07-01")
            assert "左侧" not in words and "left" not in words.lower(), (key, lang)


def test_a_wrongly_filled_field_shows_its_error_before_any_check():
    at = run_app()
    at.text_input(key=form.key("registration_number")).set_value("12345")
    click(at, "self_service.add")
    text = page_text(at)
    assert i18n.text("self_service.errors_header", "zh") in text
    assert i18n.text("self_service.form.registration_number", "zh") in text
    # … and only that one: the empty required fields wait for "查询"
    [summary] = at.error
    assert summary.value.count("\n- ") == 1, summary.value


def test_the_example_number_is_a_hint_not_a_placeholder():
    at = run_app()
    field = at.text_input(key=form.key("registration_number"))
    assert field.value == "" and not field.proto.placeholder
    example = i18n.text("self_service.form.registration_number_example", "zh",
                        example=POLICY.number["example"])
    assert example.startswith("例：") and example in [c.value for c in at.caption]


def test_the_fields_sit_in_one_form_so_leaving_a_field_does_not_rerun():
    """The cause of "dropdowns need a second tap": a rerun on leaving each text or date field
    moved the page under the finger. In st.form a field reaches the app only on a submit."""
    at = run_app()
    at.text_input(key=form.key("name")).set_value("张三").run()
    assert at.session_state[form.key("name")] == ""
    at.text_input(key=form.key("name")).set_value("张三")
    check(at)
    assert at.session_state[form.key("name")] == "张三"


def test_the_phone_summary_gives_status_and_next_date_per_specialty_once_answered():
    at = run_app()
    assert i18n.text("phone.summary_link", "zh") not in page_text(at)
    at, _, expected = with_example()
    text = page_text(at)
    assert i18n.text("phone.summary_heading", "zh", as_of=expected["as_of"]) in text
    summary = "\n".join(phone_summary.lines(expected))
    for s in expected["specialties"]:
        assert i18n.text(view.card_state(s, expected["as_of"])[0], "zh") in summary
        if s["status"] == "renewal_pending":  # no countdown
            assert phone_summary.next_date(s) is None
            continue
        key, day, _days = phone_summary.next_date(s)
        assert day in summary and day in (s["apply_by"], s["lapses_on"])
    assert f"](#{view.ANSWER_ANCHOR})" in text


def test_a_reload_keeps_only_language_and_date_and_the_page_says_how_to_keep_the_form():
    """Personal data never goes into the address; the page says a reload clears the form and
    points to the profile file (save / load) instead."""
    at = run_app(lang="en")
    click(at, "self_service.load_example")
    assert set(at.query_params) <= {"lang", "as_of", "scenario"}
    privacy = i18n.text("self_service.form.privacy", "en")
    assert privacy in [c.value for c in at.caption]
    assert i18n.text("profile_file.heading", "en") in privacy
    assert i18n.text("profile_file.heading", "zh") in i18n.text("self_service.form.privacy", "zh")


def test_the_answer_names_its_basis_and_scope_and_that_printed_dates_govern():
    at, _, a = with_example()
    text = page_text(at)
    assert "建办市〔2021〕25号" in text and a["basis"]["policy_version"] in text
    scope = next(w for w in a["warnings"] if w["code"] == "basis_scope")  # today is after 2021
    assert scope["message_zh"] in text
    assert i18n.text("self_service.window.printed_dates_govern", "zh") in text


def _answer_script(profile: dict, as_of: str) -> None:
    from datetime import date

    from core import assess
    from ui import self_service_view

    self_service_view.answer(assess(profile, date.fromisoformat(as_of)))


@pytest.mark.parametrize("as_of, advised", [
    ("2025-01-01", True),   # the window ended; a download today would print the specialty
    ("2026-01-01", False),  # the specialty lapsed too: nothing can be downloaded, no advice
])
def test_download_advice_only_when_a_download_today_would_work(as_of, advised):
    from tests.engine_helpers import profile

    p = profile(province="河南", valid_from="2023-01-01", valid_until="2025-06-30",
                downloaded="2024-07-04")
    at = AppTest.from_function(_answer_script, args=(p, as_of), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = page_text(at)
    assert (i18n.text("self_service.window.download_again", "zh") in text) is advised
    assert (i18n.text("self_service.window.no_download_today", "zh") in text) is not advised


# --- issue 23: the next step first ---------------------------------------------------------------


def _answer_at(p: dict, as_of: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_function(_answer_script, args=(p, as_of), default_timeout=60)
    if lang == "en":
        at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_deadline_five_days_away_is_the_first_thing_to_do_and_never_nothing_to_do(lang):
    """北京, apply_by 2023-05-31, T = 2023-05-26, continuing education done: the engine of this
    branch gives no action at all; the page still says to apply, first, and the card is not a
    plain green "valid" with "nothing to do yet"."""
    from tests.engine_helpers import profile

    p = profile(province="北京", valid_until="2023-06-30", ce=True)
    a = assess(p, date(2023, 5, 26))
    [s] = a["specialties"]
    assert s["status"] == "valid" and s["days_to_apply_by"] == 5
    at = _answer_at(p, "2023-05-26", lang)
    words = page_text(at)
    assert plain(i18n.text("self_service.status_help.valid", lang)) not in words
    assert plain(i18n.text("self_service.todo.none", lang)) not in words
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    near = i18n.text("self_service.status.deadline_near", lang)
    assert f":orange-badge[{near}]" in badges
    assert f":green-badge[{i18n.text('self_service.status.valid', lang)}]" not in badges
    # the first item of "what to do" names the deadline, with its day included
    todo = next(i for i, m in enumerate(at.markdown)
                if i18n.text("self_service.todo.heading", lang) in m.value)
    first = plain(at.markdown[todo + 1].value)
    assert "2023-05-31" in first
    assert ("含当日" if lang == "zh" else "that day included") in first
    # "what to do" comes before the specialty cards
    card = next(i for i, m in enumerate(at.markdown) if m.value.startswith("### ")
                and view.specialty_name("建筑工程") in m.value)
    assert todo < card


def test_the_engines_application_action_is_shown_first_and_not_twice():
    """The engine gives ``renew_before_deadline`` (R-5) and marks the specialty with it; the page
    shows that message first, once, and adds no step of its own."""
    from tests.engine_helpers import profile

    p = profile(province="北京", valid_until="2023-06-30", ce=False)
    a = assess(p, date(2023, 5, 26))
    assert a["specialties"][0]["action"] == "renew_before_deadline"
    actions = view.next_actions(a)
    assert actions[0] == next(x for x in a["actions"] if x["code"] == "renew_before_deadline")
    assert [x["code"] for x in actions].count("renew_before_deadline") == 1
    assert sorted(map(repr, actions)) == sorted(map(repr, a["actions"]))  # nothing added


@pytest.mark.parametrize(("status", "as_of", "applied", "code"), [
    ("apply_now", "2023-06-10", None, "apply_for_renewal"),
    ("lapsed", "2023-07-05", None, "re_register"),
    ("renewal_pending", "2023-05-26", "2023-05-20", None),
])
def test_application_actions_by_status(status, as_of, applied, code):
    from tests.engine_helpers import profile

    p = profile(province="北京", valid_until="2023-06-30", applied=applied)
    a = assess(p, date.fromisoformat(as_of))
    assert a["specialties"][0]["status"] == status
    codes = [x["code"] for x in view.next_actions(a)]
    assert (codes[:1] == [code]) if code else not set(codes) & set(view.NEXT_STEP)


def test_a_pending_renewal_shows_no_countdown():
    """R-5: while renewal_pending no countdown to apply_by (nor to a lapse the application
    stops), on the card and in the phone summary."""
    from tests.engine_helpers import profile

    p = profile(province="北京", valid_until="2023-06-30", applied="2023-05-20")
    a = assess(p, date(2023, 5, 26))
    [s] = a["specialties"]
    assert s["status"] == "renewal_pending" and s["days_to_apply_by"] is None
    assert s["action"] is None
    at = _answer_at(p, "2023-05-26")
    captions = [plain(c.value) for c in at.caption]
    assert i18n.text("self_service.days.left", "zh", n=5) not in captions
    assert i18n.text("self_service.card.pending_no_countdown", "zh") in captions
    assert phone_summary.next_date(s) is None
    assert i18n.text("self_service.days.left", "zh", n=5) not in "\n".join(phone_summary.lines(a))


def _person_widgets(at: AppTest) -> list:
    return [at.text_input(key=form.key(f)) for f in ("name", "registration_number", "employer")] + [
        at.selectbox(key=form.key(f)) for f in ("gender", "employer_province")] + [
        at.text_input(key=form.key(f)) for f in ("birth_date", "certificate_downloaded_on")] + [
        at.checkbox(key=form.key("continuing_education_done"))]


def test_clear_tells_the_browser_to_empty_every_field_and_forgets_the_loaded_file():
    """A deleted widget key is empty on the server only: the browser keeps showing the old value
    and the next 查询 sends it back. Clearing sets every person field (the browser is told:
    ``set_value``), renews the specialty rows, the photo and the profile-file uploader."""
    from core.selfcheck.profile_file import dump_profile
    from ui import profile_file_view

    at = run_app()
    profile = demo_profile(at.session_state["as_of"])
    [loader] = [u for u in at.file_uploader if "profile_file.upload" in u.proto.id]
    loader.set_value(("me.json", dump_profile(profile), "application/json"))
    at.run()
    assert at.text_input(key=form.key("name")).value == profile["name"]
    old_rows, old_uploader = at.session_state[form.ROWS], profile_file_view.uploader_key()
    click(at, "self_service.clear")
    for widget in _person_widgets(at):
        assert widget.proto.set_value, widget.key
        assert widget.value in ("", None, False, []), (widget.key, widget.value)
    assert not set(at.session_state[form.ROWS]) & set(old_rows)
    uploaders = [u.proto.id for u in at.file_uploader]
    assert not any(old_uploader in u for u in uploaders)
    check(at)  # the next 查询 of the emptied form: nothing to assess
    assert profile["name"] not in page_text(at)
    assert i18n.text("self_service.intro", "zh", as_of=at.session_state["as_of"].isoformat()) \
        in page_text(at)


def test_a_day_first_date_is_reported_as_a_bad_format_not_as_missing():
    """"01/06/1961" in the birth date: Streamlit's date field dropped it and 查询 then said
    "出生日期为必填项". Now the text reaches the engine and comes back as not a valid date, with
    the expected format, beside the field and in the summary, in the page's language."""
    at, profile, _ = with_example()
    at.text_input(key=form.key("birth_date")).set_value("01/06/1961")
    check(at)
    words = page_text(at)
    assert "出生日期为必填项" not in words
    assert "01/06/1961" in words
    assert "2021-08-01" in words  # the engine's example of the expected format
    assert i18n.text("self_service.form.date_help", "zh") in \
        at.text_input(key=form.key("birth_date")).help
    # the same words in English (the engine's catalogue; AppTest cannot switch a filled form)
    from core import InvalidInput

    with pytest.raises(InvalidInput) as err:
        assess({**profile, "birth_date": "01/06/1961"}, at.session_state["as_of"])
    [e] = [e for e in err.value.errors if e["field"] == "birth_date"]
    assert e["code"] != "required" and "2021-08-01" in e["message_en"]


@pytest.mark.parametrize("typed", ["1961/6/1", "1961.06.01", "1961年6月1日", "19610601",
                                   "１９６１－０６－０１"])
def test_a_year_first_date_in_another_spelling_is_read_and_shown_as_read(typed):
    at, profile, _ = with_example()
    at.text_input(key=form.key("birth_date")).set_value(typed)
    check(at)
    assert not at.error
    assert i18n.text("self_service.form.date_read_as", "zh", date="1961-06-01") in \
        [c.value for c in at.caption]
    assert form.read_date(typed) == "1961-06-01"


def test_a_short_number_is_malformed_not_missing():
    at, _, _ = with_example()
    at.text_input(key=form.key("registration_number")).set_value("粤12345")
    check(at)
    [summary] = at.error
    line = next(x for x in summary.value.splitlines() if "粤12345" in plain(x))
    assert "必填" not in line and i18n.text("self_service.form.registration_number", "zh") in line


def test_the_form_has_no_calendar_widget():
    """The form's dates are typed text: Streamlit's date field dropped day-first input and its
    calendar follows the browser's language, not the page's (issue 23). Only the sidebar's as-of
    date keeps a date picker."""
    at = run_app()
    assert [d.key for d in at.date_input] == ["as_of"]
    assert at.text_input(key=form.key("birth_date")).placeholder == i18n.text(
        "self_service.form.date_placeholder", "zh")


def test_the_page_adds_no_next_step_sentence_with_a_missing_date():
    a = {"as_of": "2021-09-20", "actions": [], "specialties": [
        {"specialty": "建筑工程", "status": "apply_now", "apply_by": None, "lapses_on": None,
         "days_to_apply_by": None}]}
    assert view.next_actions(a) == []
