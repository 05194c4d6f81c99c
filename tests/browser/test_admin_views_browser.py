"""/admin in a real browser, as a person reads it (issue 26): tile labels whole, charts that
fit a phone. Demo mode (no password hash configured): the demo roster, no login.

Layout is measured (bounding boxes, computed styles), each test naming its viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_server import TIMEOUT_MS, open_page, settle
from ui.i18n import text

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Labels whose text does not fit the box that shows it (cut off, "…"), as [label, overflow px].
CUT_LABELS_JS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
  .flatMap(label => [label, ...label.querySelectorAll('*')]
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => [label.innerText, e.scrollWidth - e.clientWidth]))"""


def open_admin(page: Page, url: str, viewport: dict, lang: str = "zh") -> None:
    page.set_viewport_size(viewport)
    open_page(page, f"{url}/admin?lang={lang}", "page.admin.title", lang)


def test_every_tile_label_is_shown_whole_on_a_desk(page: Page, app_url: str):
    """Viewport 1366 × 900: no headline tile (overview, certificates to download again) cuts
    its label; "下载日不能取得证书" wraps inside its fifth of the page."""
    open_admin(page, app_url, DESK)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate(CUT_LABELS_JS) == []
    page.get_by_role("tab", name=text("admin.monitor.heading", "zh")).click()
    expect(page.get_by_text(text("admin.monitor.m_unavailable", "zh"))).to_be_visible(
        timeout=90_000)
    settle(page)
    assert page.evaluate(CUT_LABELS_JS) == []
