"""The self-service page and /verify in a real browser (issue 3): load the example, see the
engine's apply_by, download the PDF, and open the QR code's /verify link made by the app."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core import assess
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from tests.browser.app_server import TIMEOUT_MS
from ui.i18n import text

pytestmark = pytest.mark.browser


def load_example(page: Page, app_url: str) -> dict:
    page.goto(app_url + "/")
    expect(page.locator("h1").filter(has_text=text("page.self_service.title", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    today = today_shanghai()  # the server's default as-of date
    expected = assess(demo_profile(today), today)
    return expected


def build_preview(page: Page) -> None:
    page.get_by_role("button", name=text("certificate.build", "zh")).click()
    expect(page.get_by_role("button", name=text("certificate.download", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS
    )


def test_load_the_example_see_apply_by_and_download_the_pdf(page: Page, app_url: str, tmp_path):
    expected = load_example(page, app_url)
    for s in expected["specialties"]:
        # (the phone summary repeats the dates; on a wide screen it is hidden)
        expect(page.get_by_text(s["apply_by"], exact=True).filter(visible=True).first
               ).to_be_visible()
    build_preview(page)
    expect(page.get_by_test_id("stImage")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name=text("certificate.download", "zh")).click()
    path = tmp_path / "certificate.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")


def test_the_qr_link_made_by_the_app_opens_verify_with_the_name_and_valid(page: Page, app_url: str):
    load_example(page, app_url)
    build_preview(page)
    link = page.get_by_test_id("stCode").inner_text()
    token = re.search(r"/verify\?token=([A-Za-z0-9_\-.]+)", link).group(1)
    # ECERT_BASE_URL is not set for the test server: take the path from the link, not the host
    page.goto(f"{app_url}/verify?token={token}")
    verdict = page.get_by_test_id("stAlertContentInfo").first
    expect(verdict).to_contain_text(text("verify.headline.ok", "zh"), timeout=TIMEOUT_MS)
    expect(verdict).to_contain_text("不是主管部门的核验")
    expect(page.get_by_text(demo_profile(today_shanghai())["name"], exact=True)).to_be_visible()

    swapped = "A" if token[9] != "A" else "B"
    page.goto(f"{app_url}/verify?token={token[:9]}{swapped}{token[10:]}")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("无效", timeout=TIMEOUT_MS)
    expect(page.get_by_text(demo_profile(today_shanghai())["name"], exact=True)).to_have_count(0)
