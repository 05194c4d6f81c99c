"""The router (streamlit_app.py) in Streamlit's AppTest: pages, language switch, as-of date."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core.policy.dates import today_shanghai
from tests.app_helpers import plain
from ui.i18n import text

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGES = ["self_service", "admin", "policy", "verify"]


def run_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def titles(at: AppTest) -> list[str]:
    return [el.value for el in at.title]


def test_default_page_is_self_service_in_chinese_as_of_today():
    at = run_app()
    assert titles(at) == [text("page.self_service.title", "zh")]
    assert at.radio(key="lang").value == "zh"
    assert at.date_input(key="as_of").value == today_shanghai()
    assert not at.warning


@pytest.mark.parametrize("name", PAGES)
def test_switch_page_to_each_page(name):
    at = run_app()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert titles(at) == [text(f"page.{name}.title", "zh")]


def test_language_switch_to_english_changes_the_title_and_stays_across_pages():
    at = run_app()
    at.radio(key="lang").set_value("en").run()
    assert titles(at) == [text("page.self_service.title", "en")]
    assert at.date_input(key="as_of").label == text("sidebar.as_of", "en")
    at.switch_page("pages/policy.py").run()
    assert titles(at) == [text("page.policy.title", "en")]


def test_as_of_from_the_query_parameter():
    at = run_app(as_of="2021-09-01")
    assert at.date_input(key="as_of").value == date(2021, 9, 1)
    assert at.session_state["as_of"] == date(2021, 9, 1)
    assert not at.warning


def test_the_users_later_choice_is_not_overwritten_by_the_query_parameter():
    at = run_app(as_of="2021-09-01")
    at.date_input(key="as_of").set_value(date(2022, 1, 1)).run()
    assert at.date_input(key="as_of").value == date(2022, 1, 1)
    at.run()
    assert at.date_input(key="as_of").value == date(2022, 1, 1)


@pytest.mark.parametrize("bad", ["2021-13-01", "yesterday", "2021/09/01", "1999-12-31"])
def test_an_invalid_query_date_is_ignored_with_a_bilingual_warning(bad):
    at = run_app(as_of=bad)
    assert at.date_input(key="as_of").value == today_shanghai()
    [warning] = at.warning
    assert bad in plain(warning.value)
    assert "无效" in warning.value and "not valid" in warning.value


def test_a_bug_in_a_page_shows_a_plain_message_and_logs_no_personal_text(monkeypatch, caplog):
    from ui import policy as policy_view

    def broken():
        raise RuntimeError("张三 京1112006200807445")  # as if a message carried typed text

    monkeypatch.setattr(policy_view, "render", broken)
    at = run_app()
    with caplog.at_level("ERROR", logger="ecert_desk"):
        at.switch_page("pages/policy.py").run()
    assert not at.exception  # no traceback element
    assert [e.value for e in at.error] == [
        text("common.unexpected_error", "zh") + "\n\n" + text("common.unexpected_error", "en")]
    assert "unexpected RuntimeError at" in caplog.text
    assert "张三" not in caplog.text and "京1112006200807445" not in caplog.text
