"""Only the admin store broken: /admin says so clearly, / keeps working (issue 6, "Failures").

``ECERT_DB_URL`` points where no database can be opened: under a regular file (so the folder
cannot exist, even for root), a URL of an unknown kind, a file that is not a database; on
PostgreSQL a server that is not running and a database that does not exist on a running
server. /admin (logged in) shows the store error naming the problem; the self-service page
never touches the store and still assesses the example, in the same session and in a fresh one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import assess
from core.admin.auth import hash_password
from core.demo.roster import demo_profile
from scripts.pg_cluster import free_port
from tests.app_helpers import APP, assert_clean, login, plain
from ui import admin_login
from ui.i18n import text

PASSWORD = "broken-store 口令"
pytestmark = pytest.mark.usefixtures("isolated")


def broken_url(kind: str, tmp: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    """(ECERT_DB_URL, a piece of text the error must show)."""
    if kind == "postgresql_not_running":
        where = f"127.0.0.1:{free_port()}"
        return f"postgresql+psycopg://ecert:pw@{where}/roster", where
    if kind == "postgresql_no_such_database":
        cluster = request.getfixturevalue("postgres")
        return cluster.url("no_such_roster"), "no_such_roster"
    if kind == "folder_is_a_file":
        blocker = tmp / "blocker"
        blocker.write_text("a file where the database folder should be")
        return f"sqlite:///{blocker}/roster/ecert.db", str(blocker)
    if kind == "unknown_kind":
        return "nosuchdb://somewhere/ecert", "ECERT_DB_URL"
    if kind == "not_a_database":
        junk = tmp / "junk.db"
        junk.write_bytes(b"\x00not sqlite\x00" * 500)
        return f"sqlite:///{junk}", str(junk)
    raise AssertionError(kind)


@pytest.fixture(params=["folder_is_a_file", "unknown_kind", "not_a_database",
                        "postgresql_not_running", "postgresql_no_such_database"])
def broken(request, isolated, monkeypatch) -> str:
    url, shown = broken_url(request.param, isolated, request)
    monkeypatch.setenv("ECERT_DB_URL", url)
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    return shown


def self_service_answers_the_example(at: AppTest) -> None:
    as_of = at.session_state["as_of"]
    at.button(key="self_service.load_example").click().run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    headings = [s.value for s in at.header]  # the answer's heading is an h2 (issue 15)
    assert text("self_service.answer.heading", "zh", as_of=as_of.isoformat()) in headings
    expected = assess(demo_profile(as_of), as_of)
    page = " ".join(m.value for m in at.markdown)
    for s in expected["specialties"]:
        assert s["apply_by"] in page


def test_admin_shows_the_store_error_and_self_service_still_works(broken):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert_clean(at)
    at.switch_page("pages/admin.py").run()
    login(at, PASSWORD)
    assert at.error, "a broken store must be said, not hidden"
    message = plain(at.error[0].value)  # Markdown escapes and word joiners
    assert message.startswith(text("admin.store_failed", "zh"))
    assert broken in message  # names the problem: the path or the setting to fix
    assert not at.metric and not at.file_uploader
    # the login throttle and the accounts live in the database (issue 25): without it nobody
    # logs in, and the login form says why
    assert [w for w in at.text_input if w.key == admin_login.PASSWORD_KEY]

    # the same session, back on the self-service page
    at.switch_page("pages/self_service.py").run()
    assert_clean(at)
    self_service_answers_the_example(at)


def test_a_fresh_self_service_session_works_with_a_broken_store(broken):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert_clean(at)
    self_service_answers_the_example(at)
    # the certificate preview needs no database either
    at.button(key="certificate.build").click().run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert "certificate.preview" in at.session_state
