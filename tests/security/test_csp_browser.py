"""Issue 27: the app under its Content-Security-Policy in Chromium. The app server (serve.py)
sends the security headers on every answer; each page still renders, the example's charts
draw, and the browser reports no violation of the policy (a violation would mean the policy
broke something, or something ran that should not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.app_server import (
    TIMEOUT_MS,
    load_example,
    open_page,
    settle,
    start_app,
    stop_app,
)
from ui.i18n import text
from ui.server_guard import SECURITY_HEADERS

pytestmark = pytest.mark.browser

VIOLATIONS_JS = """() => {
  window.__csp = window.__csp || [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[str]:
    proc, url = start_app(tmp_path_factory.mktemp("csp-app"))
    try:
        yield url
    finally:
        stop_app(proc)


def test_every_answer_carries_the_headers(app):
    for path in ("/", "/verify", "/_stcore/health", "/static/does-not-exist.js"):
        resp = requests.get(app + path, timeout=10)
        for name, value in SECURITY_HEADERS:
            assert resp.headers.get(name) == value, (path, name)


def test_the_pages_render_under_the_policy(app, new_page):
    page = new_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(f"({VIOLATIONS_JS})()")
    load_example(page, app)  # the self-service page, its answer and charts
    expect(page.locator(".main-svg").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name=text("certificate.build", "zh")).click()  # preview image
    expect(page.locator("[data-testid='stImage'] img").first).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    seen = page.evaluate("window.__csp")
    open_page(page, app + "/admin", "page.admin.title", "zh")  # demo dashboard, its charts
    seen += page.evaluate("window.__csp")
    open_page(page, app + "/policy", "page.policy.title", "zh")
    seen += page.evaluate("window.__csp")
    blocked = [c for c in console if "Content Security Policy" in c]
    assert not seen and not blocked, (seen, blocked)
