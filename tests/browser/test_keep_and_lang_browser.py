"""Issue 14 in a real browser: "Add to calendar" gives a valid .ics with the engine's dates, the
summary PDF downloads, a saved profile file loads back into the form, and a link with
``?lang=en`` opens in English and follows the language switch."""

from __future__ import annotations

import io
import json
import re
import time

import icalendar
import pypdf
import pytest
from playwright.sync_api import Page, expect

from core import assess
from core.demo.roster import demo_profile
from core.demo.scenarios import get as get_scenario
from core.policy.dates import today_shanghai
from core.selfcheck import calendar
from core.selfcheck.profile_file import dump_profile
from tests.browser.app_server import TIMEOUT_MS
from ui.i18n import text

pytestmark = pytest.mark.browser


def open_with_example(page: Page, app_url: str) -> tuple[dict, dict]:
    page.goto(app_url + "/")
    expect(page.locator("h1").filter(has_text=text("page.self_service.title", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    today = today_shanghai()  # the server's default as-of date
    p = demo_profile(today)
    return p, assess(p, today)


def test_add_to_calendar_downloads_a_valid_ics_with_the_engines_dates(page: Page, app_url: str,
                                                                    tmp_path):
    p, a = open_with_example(page, app_url)
    button = page.get_by_role("button", name=text("answer_tools.calendar", "zh"))
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == calendar.FILE_NAME
    path = tmp_path / "reminders.ics"
    info.value.save_as(path)
    data = path.read_bytes()
    parsed = icalendar.Calendar.from_ical(data)
    got = {str(ev["uid"]): ev.decoded("dtstart") for ev in parsed.walk("VEVENT")}
    expected = {r.uid: r.on for r in calendar.reminders(p, a, "zh")}
    assert got == expected and got
    assert p["name"].encode("utf-8") not in data  # the box is off by default
    assert p["registration_number"].encode("utf-8") not in data

    # tick the box: once the page has rerun, the download carries the name
    page.get_by_text(text("answer_tools.with_name", "zh")).click()
    name = p["name"].encode("utf-8")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        with page.expect_download() as info:
            button.click()
        info.value.save_as(path)
        if name in path.read_bytes().replace(b"\r\n ", b"") or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)  # the rerun that registers the new download is not done yet
    assert name in path.read_bytes().replace(b"\r\n ", b"")


def test_the_summary_pdf_downloads(page: Page, app_url: str, tmp_path):
    p, a = open_with_example(page, app_url)
    with page.expect_download() as info:
        page.get_by_role("button", name=text("answer_tools.summary", "zh")).click()
    path = tmp_path / "summary.pdf"
    info.value.save_as(path)
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) == 1
    words = re.sub(r"\s+", "", reader.pages[0].extract_text())
    for s in a["specialties"]:
        assert s["lapses_on"] in words
    assert "建办市〔2021〕25号" in words


def test_a_saved_profile_file_loads_back_into_the_form(page: Page, app_url: str, tmp_path):
    scenario = get_scenario("pilot-expired")
    page.goto(app_url + "/")
    expect(page.locator("h1")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text(text("profile_file.heading", "zh"), exact=True).click()
    page.locator("input[type=file]").first.set_input_files(
        {"name": "me.json", "mimeType": "application/json",
         "buffer": dump_profile(scenario.profile)})
    expect(page.get_by_text(text("profile_file.loaded", "zh"))).to_be_visible(timeout=TIMEOUT_MS)
    name = page.get_by_label(text("self_service.form.name", "zh"), exact=True)
    expect(name).to_have_value(scenario.profile["name"])

    # and the form saves back the same profile
    with page.expect_download() as info:
        page.get_by_role("button", name=text("profile_file.save", "zh")).click()
    path = tmp_path / "saved.json"
    info.value.save_as(path)
    assert json.loads(path.read_text(encoding="utf-8")) == scenario.profile


def test_a_policy_link_with_lang_en_opens_in_english_and_follows_the_switch(page: Page,
                                                                          app_url: str):
    page.goto(app_url + "/policy?lang=en&as_of=2021-09-01")
    expect(page.locator("h1").filter(has_text=text("page.policy.title", "en"))).to_be_visible(
        timeout=TIMEOUT_MS)
    page.get_by_text("中文", exact=True).click()
    expect(page.locator("h1").filter(has_text=text("page.policy.title", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"/policy\?.*lang=zh"))
    assert "as_of=2021-09-01" in page.url
