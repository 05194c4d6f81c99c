"""Phone first (issue 15): at 390 x 844 the answer's summary comes first and links to the
details, no page is wider than the screen, every control is a 44 px target, and the page still
works with the text at 200 %."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_server import SCENARIO, TIMEOUT_MS, load_example, open_page, settle
from ui.i18n import text

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MIN_TARGET = 44

# Horizontal overflow of the document and of Streamlit's own scrolling main section, with the
# widest offenders named (a table or a code block may scroll inside itself: that is allowed).
OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const limit = window.innerWidth;
  const own = '.stTable, [data-testid="stCode"], [data-testid="stDataFrame"], .js-plotly-plot';
  const wide = [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter(e => e.getBoundingClientRect().right > limit + 1 && e.getClientRects().length
                 && !e.closest(own))
    .slice(0, 5).map(e => (e.getAttribute('data-testid') || e.tagName) + ' ' +
                     Math.round(e.getBoundingClientRect().right));
  return {doc: document.documentElement.scrollWidth, inner: limit,
          main: main.scrollWidth, mainClient: main.clientWidth, wide};
}"""

# Every visible control a finger hits, with its size; inline text links are exempt (WCAG 2.5.5).
TARGETS_JS = """(min) => {
  const sel = ['button', '[role="tab"]', 'input[type="text"]', 'input[type="password"]',
               '[data-testid="stDateInputField"]', 'label[data-testid="stRadioOption"]',
               '[data-testid="stCheckbox"] > label', 'summary',
               'a[data-testid^="stBaseLinkButton"]', '[data-testid="stPageLink-NavLink"]'];
  const skip = ['.js-plotly-plot', '[data-testid="stDataFrame"]',
                '[data-testid="stFileUploaderDropzone"]'].join(', ');
  const fields = ['[data-testid="stTextInputRootElement"]', '[role="group"]'].join(', ');
  const main = document.querySelector('[data-testid="stMain"]');
  const small = [];
  for (const e of main.querySelectorAll(sel.join(', '))) {
    if (e.closest(skip)) continue;
    if (e.matches('button') && e.closest('[role="group"]')) continue;  // part of its field
    const field = e.matches('input') ? e.closest(fields) : null;
    const box = (field || e).getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || getComputedStyle(e).visibility === 'hidden') continue;
    if (box.height < min - 0.5 || box.width < min - 0.5)
      small.push((e.getAttribute('data-testid') || e.tagName) + ' "' +
                 (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '" ' +
                 Math.round(box.width) + 'x' + Math.round(box.height));
  }
  return small;
}"""


@pytest.fixture
def phone(browser) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                                  has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def assert_fits(page: Page, where: str) -> None:
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["inner"], (where, m)
    assert m["main"] <= m["mainClient"], (where, m)
    assert not m["wide"], (where, m)


def assert_targets(page: Page, where: str) -> None:
    small = page.evaluate(TARGETS_JS, MIN_TARGET)
    assert not small, (where, small)


def test_the_summary_comes_first_on_a_phone_and_links_to_the_details(phone: Page, app_url: str):
    expected = load_example(phone, app_url)
    summary = phone.locator(".st-key-phone_summary")
    expect(summary).to_be_in_viewport()  # right under the title, before the form
    for s in expected["specialties"]:
        if s["status"] == "renewal_pending":  # no countdown while the application counts
            expect(summary).to_contain_text(text("self_service.status.renewal_pending", "zh"))
            continue
        days = s["days_to_apply_by"]  # null when there is no deadline to count down to
        ahead = s["apply_by"] if days is not None and days >= 0 else s["lapses_on"]
        expect(summary).to_contain_text(ahead)
    heading = phone.locator("h2").filter(
        has_text=text("self_service.answer.heading", "zh", as_of=expected["as_of"]))
    expect(heading).not_to_be_in_viewport()
    summary.get_by_role("link", name=text("phone.summary_link", "zh")).click()
    expect(heading).to_be_in_viewport()


def test_on_a_wide_screen_the_summary_is_hidden(page: Page, app_url: str):
    page.set_viewport_size({"width": 1280, "height": 900})
    load_example(page, app_url)
    expect(page.locator(".st-key-phone_summary")).to_be_hidden()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_is_wider_than_a_phone_and_every_target_is_44_px(phone: Page, app_url: str,
                                                                   lang: str):
    load_example(phone, app_url, lang)
    assert_fits(phone, "/ answer")
    assert_targets(phone, "/ answer")
    phone.get_by_role("button", name=text("certificate.build", lang)).click()
    expect(phone.get_by_role("button", name=text("certificate.download", lang))).to_be_visible(
        timeout=TIMEOUT_MS * 2)
    settle(phone)
    assert_fits(phone, "/ certificate")
    assert_targets(phone, "/ certificate")
    pages = [(f"/policy?lang={lang}", "page.policy.title"),
             (f"/policy?lang={lang}&scenario={SCENARIO}", "page.policy.title"),
             (f"/admin?lang={lang}", "page.admin.title"),
             (f"/verify?lang={lang}&token=broken", "page.verify.title")]
    for path, title in pages:
        open_page(phone, app_url + path, title, lang)
        assert_fits(phone, path)
        assert_targets(phone, path)


def test_the_answer_reads_at_200_percent_text(phone: Page, app_url: str):
    """Text zoom: the root font size doubled (Streamlit sizes its text in rem)."""
    expected = load_example(phone, app_url)
    phone.add_style_tag(content="html { font-size: 200% !important; }")
    settle(phone)
    assert phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert_fits(phone, "/ answer at 200 %")
    summary = phone.locator(".st-key-phone_summary")
    expect(summary).to_be_visible()
    first = expected["specialties"][0]
    box = summary.get_by_text(first["lapses_on"]).first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the rest of the answer is there and inside the screen too
    card = phone.get_by_text(first["apply_by"], exact=True).first
    card.scroll_into_view_if_needed()
    expect(card).to_be_in_viewport()
    for path, title in [("/policy", "page.policy.title"), ("/admin", "page.admin.title")]:
        open_page(phone, app_url + path, title, "zh")
        phone.add_style_tag(content="html { font-size: 200% !important; }")
        settle(phone)
        assert_fits(phone, f"{path} at 200 %")


# Records every script state the app goes through (Streamlit marks a run on the stApp element).
WATCH_RUNS_JS = """() => {
  window.__runs = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.__runs.push(app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def test_a_dropdown_opens_at_the_first_tap_after_a_text_field(phone: Page, app_url: str):
    """The "second tap" bug: leaving a text field reran the page, which moved the form under the
    finger. In the form (st.form) leaving a field does not rerun, and one tap opens the list."""
    open_page(phone, app_url + "/", "page.self_service.title", "zh")
    phone.evaluate(WATCH_RUNS_JS)
    name = phone.get_by_role("textbox", name=text("self_service.form.name", "zh"), exact=True)
    name.tap()
    phone.keyboard.type("张三")
    gender = phone.get_by_role("combobox", name=text("self_service.form.gender", "zh"))
    gender.tap()
    expect(phone.get_by_role("option", name=text("self_service.form.male", "zh"))).to_be_visible()
    phone.wait_for_timeout(800)
    assert "running" not in phone.evaluate("window.__runs"), "leaving the field reran the page"
