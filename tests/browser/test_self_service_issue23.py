"""The self-service page tried as a new user would (issue 23), in a real browser: clearing clears
everything, 查询 beside 添加注册专业 at 1366 px, a full province name in the province box, and no
English inside the Chinese page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from tests.browser.app_server import load_example, settle
from ui.i18n import text

pytestmark = pytest.mark.browser


def field(page: Page, key: str):
    return page.get_by_label(text(key, "zh"), exact=True)


def date_field(page: Page, key: str):
    return page.get_by_test_id("stDateInput").filter(has_text=text(key, "zh")).locator("input")


def test_clear_my_data_clears_everything_and_the_next_check_uses_nothing(page: Page, app_url):
    load_example(page, app_url)
    profile = demo_profile(today_shanghai())
    expect(field(page, "self_service.form.name")).to_have_value(profile["name"])
    page.get_by_role("button", name=text("self_service.form.clear", "zh")).click()
    settle(page)
    for key in ("self_service.form.name", "self_service.form.registration_number",
                "self_service.form.employer"):
        expect(field(page, key)).to_have_value("")
    for key in ("self_service.form.birth_date", "self_service.form.certificate_downloaded_on",
                "self_service.form.valid_until"):
        expect(date_field(page, key)).to_have_value("")
    form = page.get_by_test_id("stForm")
    expect(form).not_to_contain_text(profile["employer_province"])
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    # nothing typed before is used again: an empty form, so the page explains how to start
    expect(page.get_by_test_id("stAlertContentInfo").first).to_contain_text(
        text("self_service.intro", "zh", as_of="")[:12])
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_text(profile["name"])).to_have_count(0)
    expect(field(page, "self_service.form.name")).to_have_value("")


def test_the_certificate_image_downloads_as_png_and_the_preview_is_large(page: Page, app_url,
                                                                          tmp_path):
    page.set_viewport_size({"width": 1366, "height": 900})
    load_example(page, app_url)
    page.get_by_role("button", name=text("certificate.build", "zh")).click()
    button = page.get_by_role("button", name=text("certificate.download_png", "zh"))
    expect(button).to_be_visible()
    settle(page)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "certificate.png"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert info.value.suggested_filename.endswith(".png")
    # the preview spans the page's content width, not one of the two columns: readable at 1366
    image = page.get_by_test_id("stImage").locator("img")
    expect(image).to_be_visible()
    box = image.bounding_box()
    column = page.get_by_test_id("stColumn").first.bounding_box()
    assert box["width"] >= 1.8 * column["width"], (box, column)
