"""Links that keep the language (issue 14, item 5) in AppTest: ``?lang=en|zh`` on every page sets
the language, an invalid value is ignored with a bilingual notice in the main area, and the
address follows the sidebar (beside ``?as_of=``), also after a move to another page."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core.policy.dates import today_shanghai
from tests.app_helpers import APP, assert_clean
from ui.i18n import text

PAGES = ["self_service", "admin", "policy", "verify"]


def open_page(name: str, **query) -> AppTest:
    """A first visit of ``/<page>?…`` (as from a shared link)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.switch_page(f"pages/{name}.py")
    at.run()
    assert_clean(at)
    return at


def titles(at: AppTest) -> list[str]:
    return [el.value for el in at.title]


@pytest.mark.usefixtures("isolated_app")
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lang_in_the_address_sets_the_language_of_every_page(name, lang):
    at = open_page(name, lang=lang)
    assert titles(at) == [text(f"page.{name}.title", lang)]
    assert at.radio(key="lang").value == lang
    assert at.date_input(key="as_of").label == text("sidebar.as_of", lang)
    assert not [w for w in at.warning if "lang" in w.value]
    assert at.query_params["lang"] == lang


@pytest.mark.usefixtures("isolated_app")
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("bad", ["fr", "EN", "", "zh-CN", "<b>x</b>"])
def test_an_invalid_lang_is_ignored_with_a_bilingual_notice_in_the_main_area(name, bad):
    at = open_page(name, lang=bad)
    assert titles(at) == [text(f"page.{name}.title", "zh")]  # the default language
    assert at.radio(key="lang").value == "zh"
    [notice] = [w for w in at.main.warning if "lang=" in w.value]
    assert "无效" in notice.value and "not valid" in notice.value
    assert "<b>" not in notice.value
    assert not [w for w in at.sidebar.warning if "lang=" in w.value]


@pytest.mark.usefixtures("isolated_app")
def test_switching_the_language_writes_it_into_the_address_beside_as_of():
    at = open_page("policy", as_of="2021-09-01")
    at.radio(key="lang").set_value("en").run()
    assert dict(at.query_params) == {"as_of": "2021-09-01", "lang": "en"}
    assert titles(at) == [text("page.policy.title", "en")]
    at.radio(key="lang").set_value("zh").run()
    assert dict(at.query_params) == {"as_of": "2021-09-01", "lang": "zh"}
    assert titles(at) == [text("page.policy.title", "zh")]


@pytest.mark.usefixtures("isolated_app")
def test_the_link_is_applied_once_so_the_users_choice_stays():
    at = open_page("self_service", lang="en")
    at.radio(key="lang").set_value("zh").run()
    at.run()
    assert at.radio(key="lang").value == "zh" and at.query_params["lang"] == "zh"
    assert titles(at) == [text("page.self_service.title", "zh")]


@pytest.mark.usefixtures("isolated_app")
def test_an_address_that_lost_its_parameters_gets_the_choices_back():
    """Streamlit clears the query parameters when the user moves to another page."""
    at = open_page("self_service", lang="en", as_of="2021-09-01")
    at.query_params.clear()
    at.switch_page("pages/policy.py").run()
    assert_clean(at)
    assert dict(at.query_params) == {"lang": "en", "as_of": "2021-09-01"}
    assert titles(at) == [text("page.policy.title", "en")]
    assert at.date_input(key="as_of").value == date(2021, 9, 1)


@pytest.mark.usefixtures("isolated_app")
def test_defaults_leave_the_address_clean():
    at = open_page("self_service")
    assert dict(at.query_params) == {}
    assert at.date_input(key="as_of").value == today_shanghai()


@pytest.mark.usefixtures("isolated_app")
def test_the_policy_pages_self_service_link_keeps_english():
    at = open_page("policy", lang="en")
    at.session_state["policy_section"] = "scenarios"  # the gallery (as tests/pages/test_policy)
    at.run()
    [link] = at.get("link_button")
    assert link.proto.url.endswith("&lang=en") and "scenario=" in link.proto.url
    at.radio(key="lang").set_value("zh").run()
    [link] = at.get("link_button")
    assert "lang=" not in link.proto.url  # the default language needs no parameter
