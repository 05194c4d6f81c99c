"""Keyboard only (issue 15): fill the self-service form, read the answer and download the
certificate with Tab, Shift+Tab, Enter, Space, arrows and typing; the focused element shows a
visible focus ring (outline or box-shadow) at every step."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from core import assess
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from tests.browser.app_server import TIMEOUT_MS, open_page, settle
from ui import self_service_fields as fields
from ui.i18n import text

pytestmark = pytest.mark.browser

# What has the focus, and whether it (or the field it belongs to) draws a visible ring.
FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {label: '', visible: false, tag: 'BODY'};
  const ring = x => { const s = getComputedStyle(x);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
           || (s.boxShadow && s.boxShadow !== 'none'); };
  const field = e.closest('[data-testid="stTextInputRootElement"], '
                          + '[data-testid="stDateInputField"], [role="group"]');
  return {label: (e.getAttribute('aria-label') || e.innerText || '').trim(), tag: e.tagName,
          visible: ring(e) || (field !== null && ring(field))};
}"""


def L(key: str) -> str:  # noqa: N802 - a label of the catalogue, in Chinese
    return text(key, "zh")


def profile_typed() -> dict:
    """The demo profile of today with its first specialty only (a certificate can be issued)."""
    p = demo_profile(today_shanghai())
    first = dict(p["specialties"][0], renewal_applied_on=None, renewal_approved_on=None)
    return {**p, "certificate_downloaded_on": None, "specialties": [first]}


class Keyboard:
    def __init__(self, page: Page):
        self.page = page
        self.steps = 0

    def focused(self) -> dict:
        return self.page.evaluate(FOCUS_JS)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.steps += 1

    def tab_to(self, matches: Callable[[str], bool], back: bool = False, limit: int = 80) -> None:
        """Tab (or Shift+Tab) until the focus is on what ``matches``; every stop must show its
        focus."""
        for _ in range(limit):
            self.press("Shift+Tab" if back else "Tab")
            f = self.focused()
            assert f["visible"], f"no visible focus on {f}"
            if matches(f["label"]):
                return
        raise AssertionError(f"never reached the element after {limit} presses")

    def type(self, value: str) -> None:
        self.page.keyboard.type(value)
        assert self.focused()["visible"]

    def choose(self, value: str, attempts: int = 3) -> None:
        """A focused combobox: type to filter, ArrowDown to the option, Enter to pick it.

        Leaving the field before starts a run of the app, and its redraw can close this box's
        menu while the filter is typed (the option then never shows): wait until the app is
        idle first, and type the filter again when the option did not show."""
        settle(self.page)
        option = self.page.get_by_role("option", name=value, exact=True)
        for attempt in range(attempts):
            self.page.keyboard.type(value)
            try:
                expect(option).to_be_visible()
                break
            except AssertionError:
                if attempt == attempts - 1:
                    raise
                for _ in value:  # clear what was typed, then again once the app is idle
                    self.page.keyboard.press("Backspace")
                settle(self.page)
        self.press("ArrowDown")
        self.press("Enter")
        assert self.focused()["visible"]


def is_(label: str) -> Callable[[str], bool]:
    return lambda got: got == label


def ends(label: str) -> Callable[[str], bool]:
    return lambda got: got.endswith(label)


def test_fill_read_and_download_with_the_keyboard_only(page: Page, app_url: str, tmp_path):
    p = profile_typed()
    spec = p["specialties"][0]
    expected = assess(p, today_shanghai())
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(page, app_url + "/", "page.self_service.title", "zh")
    kb = Keyboard(page)

    kb.tab_to(is_(L("self_service.form.name")))
    kb.type(p["name"])
    kb.tab_to(is_(L("self_service.form.gender")))
    kb.choose(p["gender"])
    kb.tab_to(is_(L("self_service.form.birth_date")))
    kb.type(p["birth_date"])  # a text field: typed as it is written
    kb.tab_to(is_(L("self_service.form.registration_number")))
    kb.type(p["registration_number"])
    kb.tab_to(is_(L("self_service.form.employer")))
    kb.type(p["employer"])
    kb.tab_to(is_(L("self_service.form.employer_province")))
    kb.choose(fields.province_label(p["employer_province"], "zh"))  # its full name
    kb.tab_to(is_(L("self_service.form.continuing_education_done")))
    kb.press("Space")
    expect(page.get_by_role("checkbox", name=L("self_service.form.continuing_education_done"))
           ).to_be_checked()
    kb.tab_to(is_(L("self_service.form.specialty")))
    kb.choose(spec["specialty"])
    kb.tab_to(is_(L("self_service.form.valid_from")))
    kb.type(spec["valid_from"])
    kb.tab_to(is_(L("self_service.form.valid_until")))
    kb.type(spec["valid_until"])
    # one step back and forth with Shift+Tab: the focus stays visible both ways
    kb.tab_to(is_(L("self_service.form.valid_from")), back=True)
    kb.tab_to(is_(L("self_service.form.valid_until")))
    kb.tab_to(ends(L("self_service.form.check")))
    kb.press("Enter")

    # the answer: the engine's dates for what was typed
    heading = page.get_by_role("heading", name=text("self_service.answer.heading", "zh",
                                                    as_of=expected["as_of"]))
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    s = expected["specialties"][0]
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(s["apply_by"], exact=True).filter(visible=True).first).to_be_visible()
    expect(main.get_by_text(s["lapses_on"], exact=True).filter(visible=True).first
           ).to_be_visible()
    assert page.get_by_role("textbox", name=L("self_service.form.name"), exact=True
                            ).input_value() == p["name"]

    # the certificate: build it, then download it, all from the keyboard
    kb.tab_to(ends(L("certificate.build")), limit=200)
    kb.press("Enter")
    download = page.get_by_role("button", name=L("certificate.download"))
    expect(download).to_be_visible(timeout=TIMEOUT_MS * 2)
    settle(page)
    kb.tab_to(ends(L("certificate.download")), limit=200)
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        kb.press("Enter")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert kb.steps > 20
