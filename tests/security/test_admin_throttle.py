"""Admin login throttling on the page, with an injected clock (issue 6, "Security").

tests/test_admin_accounts.py proves ``core.admin.accounts.LoginThrottle`` itself (per client and per
account, in the database) and tests/pages/test_admin.py that four wrong passwords make the
right one wait. Here, on /admin with the throttle's clock under the test's control: during the
wait even the right password is refused *without being checked*; once the wait has passed it
logs in; and opening new browser sessions from the same client does not reset the wait (the
count is in the database).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.admin import auth
from core.admin.auth import hash_password
from tests.app_helpers import login, open_admin
from ui import admin_login, admin_session
from ui.i18n import text

PASSWORD = "throttle 口令 test"
pytestmark = pytest.mark.usefixtures("isolated")


class Clock:
    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The page's throttle (``admin_session.throttle()``, in the database) on a fake clock."""
    fake = Clock()
    monkeypatch.setattr(admin_session, "wall_clock", fake)
    return fake


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """Every password the page actually verified."""
    seen: list[str] = []
    real = auth.verify_password

    def spy(password_hash, password):
        seen.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", spy)
    return seen


@pytest.fixture(autouse=True)
def configured(isolated, monkeypatch):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))




def logged_in(at: AppTest) -> bool:
    login_form = [w for w in at.text_input if w.key == admin_login.PASSWORD_KEY]
    return bool(at.file_uploader and at.metric) and not login_form


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def wait_message(seconds: int) -> str:
    return text("admin.login_wait", "zh", seconds=seconds)


def test_the_right_password_is_refused_unchecked_during_the_wait_and_accepted_after(
        clock, checks):
    at = open_admin()
    for _ in range(3):  # the free failures: wrong, but no wait yet
        login(at, "wrong")
        assert errors(at) == text("admin.login_wrong", "zh")
    clock.now += 5
    login(at, "wrong again")  # the 4th failure: 1 s to wait
    assert text("admin.login_wrong", "zh") in errors(at) and wait_message(1) in errors(at)
    assert len(checks) == 4

    clock.now += 0.5  # still inside the wait
    login(at, PASSWORD)
    assert errors(at) == wait_message(1)
    assert not logged_in(at)
    assert len(checks) == 4, "a password sent during the wait must not even be checked"

    clock.now += 0.6  # the wait (1 s from the last failure) has passed
    login(at, PASSWORD)
    assert not at.error
    assert logged_in(at)
    assert checks[-1] == PASSWORD


def test_each_further_failure_doubles_the_wait_shown(clock):
    at = open_admin()
    shown = []
    for _ in range(7):
        login(at, "nope")
        shown.append(errors(at))
        clock.now += 100  # past any wait, so every attempt is checked and counted
    assert [wait_message(s) in m for m, s in zip(shown[3:], (1, 2, 4, 8), strict=True)] == [
        True] * 4
    assert all("秒后再试" not in m for m in shown[:3])


def test_new_sessions_do_not_reset_the_wait(clock, checks):
    """Sessions of one client, each within its own first attempts: the count in the database
    still makes the next session wait, even with the right password."""
    for i in range(4):
        at = open_admin()  # a fresh browser session: new session key, same client
        login(at, f"guess {i}")
    fresh = open_admin()
    login(fresh, PASSWORD)
    assert "秒后再试" in errors(fresh)
    assert not logged_in(fresh)
    assert PASSWORD not in checks

    clock.now += 3600  # the wait over
    login(fresh, PASSWORD)
    assert logged_in(fresh)
