"""Session ids are never logged, also for the very first session after a start at debug level
(issue 25): Streamlit logs a new session's id ("AppSession initialized (id=…)", "Created new
session … Session ID: …") before any script run, so a redaction installed by the first script
run (ui/server_guard.py) comes too late for it; the redaction has to be in place when the
server starts (DESIGN.md: guards are middleware of Streamlit's ASGI App, from the first
request)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.admin.auth import hash_password
from scripts.st_client.session import StreamlitSession
from tests.browser.app_server import start_app, stop_app

pytestmark = pytest.mark.browser
PW = "log 口令 3381"


def test_no_session_id_in_the_log_from_the_first_session_on(tmp_path):
    """A fresh server at debug level: the very first session (before any script run could
    install anything) and an admin login leave no session id in the log."""
    proc, url = start_app(tmp_path, extra_env={"STREAMLIT_LOGGER_LEVEL": "debug",
                                               "ECERT_ADMIN_PASSWORD_HASH": hash_password(PW)})
    try:
        async def visit():
            first = StreamlitSession(url, "/admin", timeout=120)
            await first.open()
            await first.set(first.need("admin_password"), PW)
            await first.submit("admin_login")
            await first.close()
            return first.session_id

        # on a loop of its own thread: a Playwright test earlier in the same process keeps an
        # event loop running on the main thread, where asyncio.run refuses to start
        with ThreadPoolExecutor(1) as pool:
            sid = pool.submit(asyncio.run, visit()).result()
    finally:
        stop_app(proc)
    assert sid
    log = (tmp_path / "streamlit.log").read_bytes()
    assert b"Runtime state" in log  # debug lines were written
    assert sid.encode() not in log, "a session id in the server log"
