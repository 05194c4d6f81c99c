"""The four URL paths of CONTRACT.md open directly in a real browser, through the router."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from ui.i18n import text

pytestmark = pytest.mark.browser

PATHS = {"/": "self_service", "/admin": "admin", "/policy": "policy", "/verify": "verify"}


def expect_page(page: Page, name: str, lang: str = "zh") -> None:
    """The page's own title, inside the router (sidebar controls), never 'Page not found'."""
    expect(page.locator("h1").filter(has_text=text(f"page.{name}.title", lang))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stRadio")).to_be_visible()
    expect(sidebar.get_by_test_id("stDateInput")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)


def as_of_input(page: Page):
    return page.get_by_test_id("stSidebar").get_by_test_id("stDateInput").locator("input")


@pytest.mark.parametrize("path", PATHS)
def test_each_path_opens_its_page_directly(page: Page, app_url: str, path: str):
    page.goto(app_url + path)
    expect_page(page, PATHS[path])


def test_the_as_of_date_comes_from_the_address(page: Page, app_url: str):
    page.goto(f"{app_url}/?as_of=2021-09-01")
    expect_page(page, "self_service")
    expect(as_of_input(page)).to_have_value("2021-09-01")


def test_an_invalid_as_of_in_the_address_is_ignored_with_a_warning(page: Page, app_url: str):
    page.goto(f"{app_url}/policy?as_of=2021-02-30")
    expect_page(page, "policy")
    # in the main area (on a phone the sidebar is collapsed), not only in the sidebar
    warning = page.get_by_test_id("stMain").get_by_test_id("stAlert")
    expect(warning).to_contain_text("2021-02-30")
    expect(warning).to_contain_text("not valid")
    expect(warning).to_be_in_viewport()


def test_the_as_of_warning_is_visible_on_a_phone(page: Page, app_url: str):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/?as_of=garbage")
    expect_page(page, "self_service")
    warning = page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text="garbage")
    expect(warning).to_be_in_viewport()


def test_switching_to_english(page: Page, app_url: str):
    page.goto(f"{app_url}/admin")
    expect_page(page, "admin")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    expect_page(page, "admin", "en")
    # the choice is in the address, so a reload (or a copied link) keeps it
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    page.reload()
    expect_page(page, "admin", "en")


def test_the_language_comes_from_the_address_and_survives_a_page_switch(page: Page, app_url: str):
    page.goto(f"{app_url}/policy?lang=en")
    expect_page(page, "policy", "en")
    page.get_by_test_id("stSidebarNav").get_by_text(text("nav.verify", "en")).click()
    expect_page(page, "verify", "en")
    expect(page).to_have_url(re.compile(r"/verify\?.*lang=en"))
    page.reload()
    expect_page(page, "verify", "en")


def test_an_invalid_language_in_the_address_is_ignored_with_a_notice(page: Page, app_url: str):
    page.goto(f"{app_url}/?lang=fr")
    expect_page(page, "self_service")
    warning = page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text="fr")
    expect(warning).to_contain_text("zh")


def test_first_visit_after_a_restart_goes_through_the_router(page: Page, tmp_path):
    """Streamlit's legacy pages/ mode would run pages/verify.py without the router here."""
    proc, url = start_app(tmp_path)
    try:
        page.goto(f"{url}/verify?token=abc&as_of=2021-09-01")
        expect_page(page, "verify")
        expect(as_of_input(page)).to_have_value("2021-09-01")
        assert "token=abc" in page.url
    finally:
        stop_app(proc)
