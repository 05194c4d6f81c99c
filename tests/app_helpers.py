"""Driving the app in Streamlit's AppTest: shared by tests/pages and tests/security."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import admin_login
from ui.i18n import text

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def plain(markdown: str) -> str:
    """What a reader sees of Markdown made by ``ui.text.esc``: no backslash escapes, no word
    joiners, entities decoded."""
    import html

    return html.unescape(markdown.replace("\u2060", "")).replace("\\", "")


def assert_clean(at: AppTest) -> None:
    """No exception element on an AppTest page."""
    assert not at.exception, [e.value for e in at.exception]


def open_admin(as_of: date | None = None) -> AppTest:
    """The router, then /admin (the sidebar's as-of date set as a user sets it)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/admin.py").run()
    if as_of is not None:
        at.date_input(key="as_of").set_value(as_of).run()
    assert_clean(at)
    return at


def login(at: AppTest, password: str, name: str = "") -> AppTest:
    """Type ``name`` (empty: ``admin``, the account of ECERT_ADMIN_PASSWORD_HASH) and
    ``password`` into the admin login form and submit it."""
    if name:
        at.text_input(key=admin_login.LOGIN_NAME_KEY).input(name)
    at.text_input(key=admin_login.PASSWORD_KEY).input(password)
    [submit] = [b for b in at.button if b.label == text("admin.login_button", "zh")]
    submit.click().run()
    assert_clean(at)
    return at


def accept_import(at: AppTest, password: str) -> AppTest:
    """Type the admin password again (required before an import) and press "accept"."""
    at.text_input(key=admin_login.REAUTH_KEY).input(password)
    [accept] = [b for b in at.button if b.key == "admin_accept"]
    accept.click().run()
    assert_clean(at)
    return at
