"""/admin in a real browser: log in, see chart 1, change the as-of date, download the exports
(the table's and the monitoring section's), readable in Chinese.

Its own server (module scope) with an admin password hash configured and a fresh data folder;
the first login imports the demo roster into that folder's SQLite database.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from core.admin.auth import hash_password
from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from ui.i18n import text

pytestmark = pytest.mark.browser

PASSWORD = "browser-test 口令"
SCREENSHOTS = os.environ.get("ECERT_SCREENSHOTS")  # a folder: save what the test saw


@pytest.fixture(scope="module")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"ECERT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}
    proc, url = start_app(tmp_path_factory.mktemp("admin-app"), extra_env=env)
    try:
        yield url
    finally:
        stop_app(proc)


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def log_in(page: Page, url: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/admin")
    field = page.get_by_label(text("admin.login_password", "zh"))
    expect(field).to_be_visible(timeout=TIMEOUT_MS)
    field.fill(password)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()


def chart1(page: Page):
    return page.locator(".st-key-admin_chart1 .js-plotly-plot").first


def test_wrong_password_shows_no_data(page: Page, admin_url: str):
    log_in(page, admin_url, "not the password")
    expect(page.get_by_text(text("admin.login_wrong", "zh"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(chart1(page)).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)


def test_log_in_see_chart1_change_the_date_and_download(page: Page, admin_url: str,
                                                        tmp_path: Path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, admin_url)
    expect(chart1(page)).to_be_visible(timeout=90_000)  # first login imports the demo roster
    expect(chart1(page).locator("g.point").first).to_be_visible()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    shot(page, "admin-logged-in")

    # the sidebar's date field: year, month and day segments (react-aria), typed in turn
    sidebar_date = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput")
    sidebar_date.locator('[data-type="year"]').click()
    page.keyboard.type("20210901")
    expect(sidebar_date.locator("input")).to_have_value("2021-09-01", timeout=TIMEOUT_MS)
    page.locator("h1").first.click()  # leaving the field commits the date
    # a fresh install's first snapshot is the fictional demo roster, and says so (issue 15)
    caption = text("admin.source_snapshot_demo", "zh", id=1, as_of="2021-09-01")
    expect(page.get_by_text(caption)).to_be_visible(timeout=TIMEOUT_MS)
    expect(chart1(page)).to_be_visible()
    shot(page, "admin-2021-09-01")

    data = download(page, "admin_export_csv", "ecert-needs_action-2021-09-01.csv", tmp_path)
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(table.columns[:2]) == [text("admin.col.action", "zh"),
                                       text("admin.col.next_deadline", "zh")]
    assert {"注册编号", "状态", "延续申请截止日", "失效日"} <= set(table.columns)
    actions = {text(f"admin.action.{a}", "zh") for a in ("fix_data", "apply_now",
                                                          "apply_before_lapse", "due_soon")}
    assert len(table) > 0 and set(table[text("admin.col.action", "zh")]) <= actions


def download(page: Page, key: str, name: str, folder: Path) -> bytes:
    """Click the download button in the element with key ``key``; the file's bytes."""
    button = page.locator(f".st-key-{key}").get_by_role("button")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    got = info.value
    assert got.suggested_filename == name
    target = folder / got.suggested_filename
    got.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    return data


def test_monitoring_section_and_its_csv(page: Page, admin_url: str, tmp_path: Path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, admin_url)
    expect(chart1(page)).to_be_visible(timeout=90_000)
    tab = page.get_by_role("tab", name=text("admin.monitor.heading", "zh"))
    expect(tab).to_be_visible(timeout=TIMEOUT_MS)
    tab.click()
    expect(page.get_by_text(text("admin.monitor.m_ending", "zh", days=30))).to_be_visible(
        timeout=90_000)  # the usage windows of the whole roster are worked out on opening
    expect(page.locator(".st-key-admin_monitor_people")).to_be_visible(timeout=TIMEOUT_MS)
    shot(page, "admin-monitoring")
    today = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput").locator("input")
    as_of = today.input_value()
    data = download(page, "admin_monitor_export_csv", f"ecert-download-again-{as_of}.csv",
                    tmp_path)
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:2]) == ["姓名", "注册编号"]
    statuses = {text(f"admin.window_status.{s}", "zh") for s in ("in_use", "expired",
                                                                  "unavailable")}
    assert len(table) > 0 and set(table["使用状态"]) <= statuses


def test_logout_hides_the_data(page: Page, admin_url: str):
    log_in(page, admin_url)
    expect(chart1(page)).to_be_visible(timeout=90_000)
    page.get_by_role("button", name=text("admin.logout", "zh")).click()
    expect(page.get_by_label(text("admin.login_password", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(chart1(page)).to_have_count(0)
