"""Issue 25's "done when", in Chromium: on a fresh install (the demo roster) a province account
made with the CLI logs in by keyboard, sees only its province and exports only its province;
an idle admin's data leaves the screen at the timeout without a click."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from core.admin import audit
from core.policy.dates import today_shanghai
from core.roster.store import Store
from core.rules.roster import roster_at
from tests.browser.app_server import ROOT, TIMEOUT_MS, start_app, stop_app
from tests.browser.test_admin_browser import download
from ui.i18n import text

pytestmark = pytest.mark.browser

PW = "广东 省级 口令 8812"
IDLE_MINUTES = 0.5


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("accounts-app")
    data = tmp / "data"
    env = {**os.environ, "ECERT_DATA_DIR": str(data)}
    env.pop("ECERT_ADMIN_PASSWORD_HASH", None)
    env.pop("ECERT_DB_URL", None)
    made = subprocess.run([sys.executable, "-m", "core", "user", "add", "gd", "--role",
                           "province", "--province", "广东省"], input=(PW + "\n").encode(),
                          cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr.decode()
    proc, url = start_app(tmp, extra_env={"ECERT_ADMIN_IDLE_MINUTES": str(IDLE_MINUTES)})
    try:
        yield url, data
    finally:
        stop_app(proc)


def keyboard_login(page: Page, url: str, name: str, password: str) -> None:
    page.goto(f"{url}/admin")
    field = page.get_by_role("textbox", name=text("admin.login_name", "zh"))
    expect(field).to_be_visible(timeout=TIMEOUT_MS)
    field.focus()
    page.keyboard.type(name)
    page.keyboard.press("Tab")  # the password field
    page.keyboard.type(password)
    page.keyboard.press("Enter")  # the form submits on Enter


def test_a_province_account_from_the_cli_sees_and_exports_only_its_province(
        page: Page, install, tmp_path: Path):
    url, data = install
    keyboard_login(page, url, "gd", PW)
    metric = page.get_by_test_id("stMetric").first
    expect(metric).to_be_visible(timeout=120_000)
    expect(page.get_by_text("gd", exact=False).first).to_be_visible()
    expect(page.get_by_role("tab", name=text("admin.tab_import", "zh"))).to_have_count(0)
    store = Store(f"sqlite:///{(data / 'ecert.db').as_posix()}")
    roster = roster_at(store.load(), today_shanghai())
    mine = int((roster["employer_province"].str.strip().isin(["广东", "广东省"])).sum())
    # the registrations tile, by its label; its value once the run has drawn it (a tile may
    # still show the previous run's number for a moment)
    tile = page.get_by_test_id("stMetric").filter(
        has_text=text("admin.m_registrations", "zh")).first
    expect(tile.get_by_test_id("stMetricValue")).to_have_text(f"{mine:,}", timeout=60_000)
    csv = download(page, "admin_export_csv",
                   f"ecert-needs_action-{today_shanghai().isoformat()}.csv", tmp_path)
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    column = text("admin.col.employer_province", "zh")
    assert 0 < len(table) <= mine
    assert set(table[column].str.strip()) <= {"广东", "广东省"}
    log = audit.read(store)
    assert {"login_ok", "download"} <= set(log["action"])
    assert set(log.loc[log["action"] == "download", "login"]) == {"gd"}
    store.close()


def test_an_idle_admins_data_leaves_the_screen_without_a_click(page: Page, install):
    url, _ = install
    keyboard_login(page, url, "gd", PW)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=120_000)
    # no input from here on: the idle watch reruns the page at the timeout
    expect(page.get_by_role("textbox", name=text("admin.login_name", "zh"))).to_be_visible(
        timeout=int((IDLE_MINUTES * 60 + 30) * 1000))
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_text(text("admin.idle_logged_out", "zh",
                                 minutes=f"{IDLE_MINUTES:g}"))).to_be_visible()
