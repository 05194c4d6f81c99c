"""Logs and files hold no personal data; the password and its hash are never logged (issue 6).

One real server (``streamlit run``, its own ``ECERT_DATA_DIR``, Streamlit's logger at DEBUG, its
stdout and stderr in a file), an admin password hash configured. In headless chromium:

1. a self-service session with distinctive personal data (name, registration number, employer)
   that gets its answer, builds the certificate preview and opens the preview's /verify link;
2. an admin logs in and imports a small roster holding another distinctive person.

Then the server is stopped and every byte it left is scanned: the log file, and every file under
``ECERT_DATA_DIR``. The admin's import belongs in the roster database (and nowhere else); the
self-service data must be nowhere at all, the database included. The password and the hash
must appear in no file. Each text is searched as UTF-8, UTF-16, GB18030, JSON ``\\u`` escapes
and URL encoding.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core.admin.auth import hash_password
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes
from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from ui.i18n import text

pytestmark = pytest.mark.browser

PASSWORD = "日志口令 log-scan-7319"
SS_NAME = "测试隐私甲乙"
SS_NUMBER = "粤1442013201586421"
SS_EMPLOYER = "隐私扫描甲乙建设有限公司"
ADMIN_NAME = "导入隐私丙丁"
ADMIN_NUMBER = "粤1442011201297531"
ADMIN_EMPLOYER = "隐私扫描丙丁工程有限公司"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory, password_hash) -> Iterator[tuple]:
    tmp = tmp_path_factory.mktemp("logs-app")
    env = {"ECERT_ADMIN_PASSWORD_HASH": password_hash, "STREAMLIT_LOGGER_LEVEL": "debug"}
    proc, url = start_app(tmp, extra_env=env)
    try:
        yield proc, url, tmp
    finally:
        stop_app(proc)


def forms(s: str) -> list[bytes]:
    """The ways a program might write ``s`` into a file."""
    out = {s.encode("utf-8"), s.encode("utf-16-le"), s.encode("gb18030"),
           json.dumps(s)[1:-1].encode("ascii"), urllib.parse.quote(s).encode("ascii"),
           urllib.parse.quote_plus(s).encode("ascii")}
    return sorted(out)


def found(data: bytes, secrets: dict[str, str]) -> list[str]:
    low = data.lower()
    return [label for label, s in secrets.items()
            if any(f in data or f.lower() in low for f in forms(s))]


def fill(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")  # Streamlit's text input commits on Enter
    expect(box).to_have_value(value)


def self_service_session(page: Page, url: str) -> str:
    page.goto(url + "/")
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    heading = page.get_by_text(text("self_service.answer.heading", "zh",
                                     as_of=today_shanghai().isoformat()), exact=True)
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    fill(page, text("self_service.form.name", "zh"), SS_NAME)
    fill(page, text("self_service.form.registration_number", "zh"), SS_NUMBER)
    fill(page, text("self_service.form.employer", "zh"), SS_EMPLOYER)
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()  # st.form
    expect(page.get_by_role("button", name=text("certificate.build", "zh"))).to_be_visible()
    page.get_by_role("button", name=text("certificate.build", "zh")).click()
    expect(page.get_by_role("button", name=text("certificate.download", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    link = page.get_by_test_id("stCode").inner_text()
    token = re.search(r"/verify\?token=([A-Za-z0-9_\-.]+)", link).group(1)
    page.goto(f"{url}/verify?token={token}")
    expect(page.get_by_text(SS_NAME, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(SS_NUMBER, exact=True)).to_be_visible()
    return token


def roster_file() -> bytes:
    rows = demo_roster(6, seed=41, as_of=today_shanghai()).astype(object)
    rows.loc[0, ["name", "registration_number", "employer"]] = [ADMIN_NAME, ADMIN_NUMBER,
                                                                ADMIN_EMPLOYER]
    return to_csv_bytes(rows)


def admin_import(page: Page, url: str) -> None:
    page.goto(url + "/admin")
    field = page.get_by_label(text("admin.login_password", "zh"))
    field.fill(PASSWORD)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name=text("admin.tab_import", "zh")).click()
    page.locator("input[type=file]").first.set_input_files(
        {"name": "roster-private.csv", "mimeType": "text/csv", "buffer": roster_file()})
    accept = page.get_by_role("button", name=text("admin.accept", "zh", accepted=6))
    expect(accept).to_be_visible(timeout=TIMEOUT_MS)
    confirm = page.get_by_label(text("admin.reauth_label", "zh"))
    confirm.fill(PASSWORD)
    confirm.press("Enter")  # Streamlit commits a text input on Enter
    accept.click()
    done = text("admin.imported", "zh", id=2, accepted=6, rejected=0)
    expect(page.get_by_text(done)).to_be_visible(timeout=TIMEOUT_MS)


def test_a_session_and_an_import_leave_no_personal_data_in_logs_or_files(
        server, browser, password_hash):
    proc, url, tmp = server
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        token = self_service_session(context.new_page(), url)
        admin_import(context.new_page(), url)
    finally:
        context.close()
    stop_app(proc)  # everything flushed and closed before the scan

    log = (tmp / "streamlit.log").read_bytes()
    # a DEBUG-only message of Streamlit's runtime: the log really is at debug level
    assert b"Runtime state: " in log, "the server did not log at DEBUG: the scan would prove little"
    assert b"Running script" in log
    data_dir = tmp / "data"
    db = data_dir / "ecert.db"
    assert db.is_file(), "the import went into the default SQLite database"

    self_service = {"self-service name": SS_NAME, "self-service number": SS_NUMBER,
                    "self-service number digits": SS_NUMBER[1:],
                    "self-service employer": SS_EMPLOYER, "verification token": token}
    admin = {"imported name": ADMIN_NAME, "imported number": ADMIN_NUMBER,
             "imported employer": ADMIN_EMPLOYER}
    secret = {"password": PASSWORD, "password hash": password_hash,
              "hash digest": password_hash.rsplit("$", 1)[-1]}

    leaks = {"server log": found(log, {**self_service, **admin, **secret})}
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    for path in files:
        in_db = path == db or path.name.startswith(db.name + "-")  # -wal, -shm, -journal
        forbidden = {**self_service, **secret, **({} if in_db else admin)}
        leaks[str(path.relative_to(tmp))] = found(path.read_bytes(), forbidden)
    assert {k: v for k, v in leaks.items() if v} == {}
    # and the import really is in the database (so the scan looked at the right file)
    db_bytes = b"".join(p.read_bytes() for p in files if p.name.startswith(db.name))
    assert ADMIN_NAME.encode("utf-8") in db_bytes
