"""No user text as markup (issue 12): a catalogue of Markdown/HTML payloads through every place
that shows an outside value, in a real browser that may fetch nothing but 127.0.0.1.

The red-team made the browser fetch an outside address through ``?as_of=`` (an injected
image), rendered a phishing link through ``?scenario=``, and got the same from a workbook's
sheet name and the uploaded file's name in the import error; ``/verify`` turned URLs inside
signed fields into links. Every request the page makes to another host is aborted and recorded
(``page.route``); after each page the test checks that none was made and that no link, image
or mail link to the payloads' hosts exists in the page.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core import assess
from core.admin.auth import hash_password
from core.certificate import tokens
from core.certificate.preview import content_from
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from tests.samples import EN_HEADER, GOOD_ROW, csv_bytes
from ui.i18n import text

pytestmark = pytest.mark.browser

KEY = "markup-payload-test-key-0193"
PASSWORD = "payload 口令 3318"
OUTSIDE = ("203.0.113.5", "evil.example")
PAYLOADS = [
    "![x](http://203.0.113.5/a.png)",
    "[点此登录](http://evil.example/phish)",
    '<img src="http://203.0.113.5/b.png">',
    '<a href="http://evil.example/c">c</a>',
    "http://evil.example/d",
    "www.evil.example",
    "help@evil.example",
    "![y][r]\n\n[r]: http://203.0.113.5/e.png",
    "<https://evil.example/f>",
    ":red[red] :material/home: :smile: $x^2$ **b** `c` # h",
]
ALL = " ".join(PAYLOADS)


class Outside:
    """Aborts and records every request of a page that is not for 127.0.0.1."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, route) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", None):
            route.continue_()
        else:
            self.seen.append(route.request.url)
            route.abort()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("payload-app")
    proc, url = start_app(tmp, extra_env={"ECERT_SECRET_KEY": KEY,
                                          "ECERT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)})
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture
def watched(browser) -> Iterator[tuple[Page, Outside]]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    outside = Outside()
    context.route("**/*", outside)
    page = context.new_page()
    try:
        yield page, outside
    finally:
        context.close()


def inert(page: Page, outside: Outside) -> None:
    page.wait_for_timeout(1500)  # let images and lazy content try to load
    assert not outside.seen, f"the browser fetched outside: {outside.seen}"
    for host in OUTSIDE:
        assert page.locator(f"a[href*='{host}']").count() == 0, f"a link to {host}"
        assert page.locator(f"img[src*='{host}']").count() == 0, f"an image from {host}"
    assert page.locator("a[href^='mailto:']").count() == 0


def visible_text(page: Page, fragment: str) -> None:
    expect(page.get_by_text(fragment, exact=False).first).to_be_visible(timeout=TIMEOUT_MS)


def test_as_of_lang_and_scenario_in_the_address(server, watched):
    page, outside = watched
    for value in [ALL, *PAYLOADS]:
        quoted = urllib.parse.quote(value)
        page.goto(f"{server}/?as_of={quoted}&scenario={quoted}&lang={quoted}")
        expect(page.get_by_test_id("stAlertContentWarning").first).to_be_visible()
        if value == ALL:
            visible_text(page, "点此登录")  # the text is shown, as text
        inert(page, outside)


def test_token_in_the_address_and_signed_fields_on_verify(server, watched):
    page, outside = watched
    page.goto(f"{server}/verify?token={urllib.parse.quote(ALL)}")
    expect(page.get_by_test_id("stAlertContentError")).to_be_visible()
    inert(page, outside)
    today = today_shanghai()
    profile = demo_profile(today)
    payload = content_from(profile, assess(profile, today)).token_payload()
    for value in PAYLOADS:
        token = tokens.sign({**payload, "name": value, "employer": ALL}, KEY.encode())
        page.goto(f"{server}/verify?token={token}")
        expect(page.get_by_test_id("stAlertContentInfo").first).to_contain_text(
            text("verify.headline.ok", "zh"))
        visible_text(page, "evil")
        inert(page, outside)


def test_file_name_and_cells_in_the_admin_import(server, watched):
    page, outside = watched
    page.goto(server + "/admin")
    page.get_by_label(text("admin.login_password", "zh")).fill(PASSWORD)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name=text("admin.tab_import", "zh")).click()
    uploader = page.locator("input[type=file]").first
    for value in PAYLOADS:
        name = re.sub(r"[\n/]", " ", value)[:120] + ".csv"
        uploader.set_input_files({"name": name, "mimeType": "text/csv", "buffer": b"\x00" * 50})
        expect(page.get_by_test_id("stAlertContentError").last).to_be_visible()
        inert(page, outside)
    rows = [[v if i in (0, 4) else c for i, c in enumerate(GOOD_ROW)] for v in PAYLOADS]
    rows += [[c if i != 2 else v for i, c in enumerate(GOOD_ROW)] for v in PAYLOADS]  # bad dates
    uploader.set_input_files({"name": "cells.csv", "mimeType": "text/csv",
                              "buffer": csv_bytes(rows, header=EN_HEADER)})
    expect(page.get_by_role("button", name=re.compile("导入"))).to_be_visible()
    inert(page, outside)


def test_form_values_on_the_self_service_page(server, watched):
    page, outside = watched
    page.goto(server + "/")
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    for value, field in [(PAYLOADS[0], "name"), (PAYLOADS[1][:60], "registration_number"),
                         (" ".join(PAYLOADS[:4]), "employer")]:
        box = page.get_by_label(text(f"self_service.form.{field}", "zh"), exact=True)
        box.fill(value.replace("\n", " "))
        box.press("Enter")
        page.wait_for_timeout(800)
        inert(page, outside)
