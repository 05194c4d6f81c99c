"""Upload limit and XSRF protection (issue 6, "Security").

The limit lives in .streamlit/config.toml (``server.maxUploadSize``, MB); Streamlit's uploader
refuses a larger file in the browser (in English only), and the admin import checks the size
itself before reading anything, with a message in Chinese and English
(``ui.admin_import.upload_too_large``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

from core.admin.auth import hash_password
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes
from core.roster.store import Store
from tests.app_helpers import assert_clean, login, open_admin
from ui import admin_import

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
PASSWORD = "upload-limit 口令"


def config() -> dict:
    with open(CONFIG, "rb") as f:
        return tomllib.load(f)


def test_config_sets_an_upload_limit_and_xsrf_protection():
    server = config()["server"]
    assert isinstance(server["maxUploadSize"], int) and 1 <= server["maxUploadSize"] <= 200
    assert server["enableXsrfProtection"] is True
    # and Streamlit reads them from that file (the app is started from the repository root)
    assert st_config.get_option("server.maxUploadSize") == server["maxUploadSize"]
    assert st_config.get_option("server.enableXsrfProtection") is True


def test_the_page_check_follows_the_configured_limit():
    limit_mb = config()["server"]["maxUploadSize"]
    assert admin_import.max_upload_bytes() == limit_mb * 1024 * 1024
    assert admin_import.upload_too_large("ok.csv", limit_mb * 1024 * 1024) is None
    message = admin_import.upload_too_large("big.csv", limit_mb * 1024 * 1024 + 1)
    assert message is not None
    zh, en = message.split("\n\n")
    assert "超过上传上限" in zh and f"{limit_mb} MB" in zh and "big" in zh
    assert "over the upload limit" in en and f"{limit_mb} MB" in en and "big" in en


def test_a_file_name_in_the_message_is_escaped():
    message = admin_import.upload_too_large("<img src=x onerror=alert(1)>.csv", 10**12)
    assert "<img" not in message and "&lt;img" in message


@pytest.fixture
def small_limit():
    """server.maxUploadSize = 1 MB for this test (AppTest runs the app in this process)."""
    before = st_config.get_option("server.maxUploadSize")
    st_config.set_option("server.maxUploadSize", 1)
    yield 1024 * 1024
    st_config.set_option("server.maxUploadSize", before)


def test_the_admin_import_refuses_a_file_over_the_limit_in_both_languages(
        isolated, monkeypatch, small_limit):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    at = login(open_admin(), PASSWORD)
    assert at.file_uploader, "logged in: the import section is shown"

    # a real roster, padded past 1 MB with more rows: readable, but over the limit
    rows = demo_roster(12_000, seed=3, as_of=today_shanghai())
    data = to_csv_bytes(rows)
    assert len(data) > small_limit
    at.file_uploader[0].set_value(("big-roster.csv", data, "text/csv")).run()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert "超过上传上限 1 MB" in errors[0] and "over the upload limit of 1 MB" in errors[0]
    assert "big-roster.csv" in errors[0].replace("\\", "")  # Markdown escapes
    # nothing was read: no preview, no report, no accept button; the database is unchanged
    assert not [b for b in at.button if b.key == "admin_accept"]
    assert admin_import.PENDING_KEY not in at.session_state
    assert len(Store.from_config().snapshots()) == 1  # the demo snapshot only

    # a file under the limit goes through as before
    small = to_csv_bytes(rows.head(50))
    at.file_uploader[0].set_value(("small.csv", small, "text/csv")).run()
    assert_clean(at)
    assert not at.error
    assert [b for b in at.button if b.key == "admin_accept"]
