"""WCAG 2.1 AA through axe-core (issue 15): every page and state, both languages, both widths.

axe-core comes with ``axe-playwright-python`` (requirements-dev.txt) and runs inside Debian's
chromium on the real app (``streamlit run``). One walk per language and width visits:

- ``/`` empty, with the example answer, and with the certificate preview built;
- ``/admin`` in demo mode (the shared server has no admin hash);
- ``/admin`` after login (its own server, module scope, with a hash), the dashboard over the
  imported roster, and the import tab with a checked file waiting (preview and report);
- ``/policy`` overview, with a scenario, and in presentation mode;
- ``/verify`` with the token of the preview just built (valid) and with a broken one.

The test fails on any ``serious`` or ``critical`` violation and on any ``moderate`` one whose
rule id is not listed with its reason in docs/ACCESSIBILITY.md. ``ECERT_AXE_REPORT=FILE`` writes
every violation found (all impacts) as JSON, for the counts in that document.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from core.admin.auth import hash_password
from core.demo.roster import demo_roster
from core.roster.io import to_csv_bytes
from tests.browser.app_server import (
    ROOT,
    SCENARIO,
    TIMEOUT_MS,
    VIEWPORTS,
    open_page,
    settle,
    start_app,
    stop_app,
)
from ui.i18n import text

pytestmark = pytest.mark.browser

PASSWORD = "a11y-test 口令"
LANGS = ("zh", "en")
BLOCKING = {"serious", "critical"}
DOC = ROOT / "docs" / "ACCESSIBILITY.md"
REPORT = os.environ.get("ECERT_AXE_REPORT")
SCREENSHOTS = os.environ.get("ECERT_SCREENSHOTS")

_AXE = Axe()
_found: list[dict] = []  # every violation of the module, for ECERT_AXE_REPORT



@pytest.fixture(scope="module")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"ECERT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}
    proc, url = start_app(tmp_path_factory.mktemp("a11y-admin"), extra_env=env)
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps(_found, ensure_ascii=False, indent=1), "utf-8")


def shot(page: Page, name: str) -> None:
    """The whole page as a person scrolls it: Streamlit scrolls inside its main section, so
    the viewport is made as tall as that content for the screenshot."""
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 16000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
    page.set_viewport_size(size)
    settle(page)


def documented_moderate_rules() -> set[str]:
    """Rule ids in the first column of docs/ACCESSIBILITY.md's table of accepted findings."""
    found = set()
    for line in DOC.read_text("utf-8").splitlines():
        m = re.match(r"^\|\s*`([a-z0-9-]+)`\s*\|", line)
        if m:
            found.add(m.group(1))
    return found


class Audit:
    """The violations of one walk (a language and a width)."""

    def __init__(self, page: Page, lang: str, width: str):
        self.page, self.lang, self.width = page, lang, width
        self.problems: list[str] = []
        self.accepted = documented_moderate_rules()

    def check(self, state: str) -> None:
        settle(self.page)
        if SCREENSHOTS:
            shot(self.page, f"{state}-{self.lang}-{self.width}")
        result = _AXE.run(self.page)
        for v in result.response["violations"]:
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"]]
            _found.append({"state": state, "lang": self.lang, "width": self.width, "id": v["id"],
                           "impact": v["impact"], "nodes": len(v["nodes"]),
                           "targets": targets[:5], "help": v["help"]})
            if v["impact"] in BLOCKING or (v["impact"] == "moderate"
                                           and v["id"] not in self.accepted):
                self.problems.append(f"{state} [{v['impact']}] {v['id']}: {v['help']} "
                                     f"({len(v['nodes'])}×, e.g. {targets[:3]})")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def _self_service(audit: Audit, url: str, lang: str) -> str:
    """/ empty, with the example answer, with the certificate; returns the preview's token."""
    page = audit.page
    open_page(page, f"{url}/?lang={lang}", "page.self_service.title", lang)
    audit.check("self_service_empty")
    page.get_by_role("button", name=text("self_service.form.load_example", lang)).click()
    expect(page.get_by_role("button", name=text("certificate.build", lang))).to_be_visible(
        timeout=TIMEOUT_MS)
    audit.check("self_service_answer")
    page.get_by_role("button", name=text("certificate.build", lang)).click()
    expect(page.get_by_role("button", name=text("certificate.download", lang))).to_be_visible(
        timeout=TIMEOUT_MS * 2)
    audit.check("self_service_certificate")
    link = page.get_by_test_id("stCode").inner_text()
    return re.search(r"/verify\?token=([A-Za-z0-9_\-.]+)", link).group(1)


def _policy(audit: Audit, url: str, lang: str) -> None:
    page = audit.page
    open_page(page, f"{url}/policy?lang={lang}&as_of=2021-09-01", "page.policy.title", lang)
    audit.check("policy_overview")
    open_page(page, f"{url}/policy?lang={lang}&scenario={SCENARIO}", "page.policy.title", lang)
    expect(page.get_by_role("combobox", name=text("policy.gallery.pick", lang))).to_be_visible()
    audit.check("policy_scenario")
    page.get_by_text(text("policy.presentation", lang), exact=True).click()
    expect(page.locator("html")).to_have_css("font-size", re.compile(r"2\d(\.\d+)?px"))
    audit.check("policy_presentation")


def _verify(audit: Audit, url: str, lang: str, token: str) -> None:
    page = audit.page
    open_page(page, f"{url}/verify?lang={lang}&token={token}", "page.verify.title", lang)
    expect(page.get_by_text(text("verify.headline.ok", lang)).first).to_be_visible()
    audit.check("verify_valid")
    open_page(page, f"{url}/verify?lang={lang}&token={token[:-3]}xyz", "page.verify.title", lang)
    expect(page.get_by_test_id("stAlertContentError")).to_be_visible()
    audit.check("verify_invalid")


def _admin_demo(audit: Audit, url: str, lang: str) -> None:
    open_page(audit.page, f"{url}/admin?lang={lang}", "page.admin.title", lang)
    expect(audit.page.get_by_test_id("stMetric").first).to_be_visible()
    audit.check("admin_demo")


def roster_upload(tmp_path: Path) -> Path:
    """A small roster file with three bad rows (a wrong province, no name, a bad date)."""
    df = demo_roster(30, seed=7).astype(object)
    df.loc[0, "employer_province"] = "火星"
    df.loc[1, "name"] = None
    df.loc[2, "valid_until"] = "2021-02-30"
    path = tmp_path / "名单.csv"
    path.write_bytes(to_csv_bytes(df))
    return path


def _admin_logged_in(audit: Audit, url: str, lang: str, upload: Path) -> None:
    page = audit.page
    open_page(page, f"{url}/admin?lang={lang}", "page.admin.title", lang)
    page.get_by_label(text("admin.login_password", lang)).fill(PASSWORD)
    page.get_by_role("button", name=text("admin.login_button", lang)).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=TIMEOUT_MS * 3)
    audit.check("admin_dashboard")
    page.get_by_role("tab", name=text("admin.tab_import", lang)).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    expect(page.get_by_role("button", name=text("admin.cancel", lang))).to_be_visible(
        timeout=TIMEOUT_MS * 2)
    audit.check("admin_import_pending")


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("lang", LANGS)
def test_no_serious_or_critical_violation_anywhere(browser, app_url: str, admin_url: str,
                                                   lang: str, width: str, tmp_path: Path):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=VIEWPORTS[width])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    audit = Audit(page, lang, width)
    try:
        token = _self_service(audit, app_url, lang)
        _verify(audit, app_url, lang, token)
        _policy(audit, app_url, lang)
        _admin_demo(audit, app_url, lang)
        _admin_logged_in(audit, admin_url, lang, roster_upload(tmp_path))
    finally:
        context.close()
    audit.assert_clean()


SIZES_JS = """() => {
  const size = s => { const e = document.querySelector('[data-testid="stMain"] ' + s);
                      return e ? parseFloat(getComputedStyle(e).fontSize) : 0; };
  return {td: size('.stTable td'), caption: size('[data-testid="stCaptionContainer"] p'),
          picker: size('[data-testid="stSelectbox"] input'),
          body: size('[data-testid="stMarkdownContainer"] p')};
}"""


def test_presentation_mode_enlarges_tables_captions_and_the_picker_and_keeps_the_sidebar(
        page: Page, app_url: str):
    page.set_viewport_size(VIEWPORTS["desktop"])
    open_page(page, f"{app_url}/policy?scenario={SCENARIO}", "page.policy.title", "zh")
    before = page.evaluate(SIZES_JS)
    page.get_by_text(text("policy.presentation", "zh"), exact=True).click()
    expect(page.locator("html")).to_have_css("font-size", "22px")
    settle(page)
    after = page.evaluate(SIZES_JS)
    for part in ("td", "caption", "picker"):
        assert after[part] >= 22 and after[part] >= 1.5 * before[part], (part, before, after)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stRadio")).to_be_visible()  # 中文 / English
    expect(sidebar.get_by_test_id("stDateInput")).to_be_visible()  # the as-of date
