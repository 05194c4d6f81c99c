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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_tile_label_is_shown_whole_on_a_desk(page: Page, app_url: str, lang: str):
    """Viewport 1366 × 900: no headline tile (overview, certificates to download again) cuts
    its label; "下载日不能取得证书" wraps inside its fifth of the page."""
    open_admin(page, app_url, DESK, lang)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate(CUT_LABELS_JS) == []
    page.get_by_role("tab", name=text("admin.monitor.heading", lang)).click()
    expect(page.get_by_text(text("admin.monitor.m_unavailable", lang))).to_be_visible(
        timeout=90_000)
    settle(page)
    assert page.evaluate(CUT_LABELS_JS) == []


CHART_BOXES_JS = """(sel) => {
  const plot = document.querySelector(sel + ' .js-plotly-plot');
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.x, y: r.y, right: r.right, bottom: r.bottom}; };
  const all = s => [...plot.querySelectorAll(s)].map(box).filter(b => b.right > b.x);
  return {svg: box(plot.querySelector('.main-svg')), title: all('.gtitle'),
          legend: all('g.legend'), notes: all('g.annotation'),
          xticks: all('g.xtick text'), yticks: all('g.ytick text'),
          xtitle: all('.xtitle'), ytitle: all('.ytitle'),
          plot: box(plot.querySelector('.nsewdrag'))};
}"""


def overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["x"] + slack < b["right"] and b["x"] + slack < a["right"]
            and a["y"] + slack < b["bottom"] and b["y"] + slack < a["bottom"])


def chart_boxes(page: Page, key: str) -> dict:
    sel = f".st-key-{key}"
    page.locator(sel).scroll_into_view_if_needed()
    expect(page.locator(f"{sel} .main-svg").first).to_be_visible(timeout=TIMEOUT_MS)
    return page.evaluate(CHART_BOXES_JS, sel)


@pytest.mark.parametrize("viewport", ["desk", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_charts_are_readable_on_a_desk_and_a_phone(page: Page, app_url: str, lang: str,
                                                         viewport: str):
    """Viewports 1366 × 900 and 390 × 844: every admin chart fits the screen; its title,
    legend, clause labels and axis labels lie inside it and on none of each other (the month
    chart's clause labels used to pile up); province names do not run into each other, and each
    province keeps a bar of at least 14 px."""
    size = DESK if viewport == "desk" else PHONE
    open_admin(page, app_url, size, lang)
    page.get_by_text(text("admin.chart1_by_specialty", lang), exact=True).click()  # stacked:
    # the longest legend
    settle(page)
    for key in ("admin_chart1", "admin_chart2", "admin_chart3"):
        b = chart_boxes(page, key)
        svg = b["svg"]
        assert svg["right"] <= size["width"] + 0.5, key
        labels = [("title", x) for x in b["title"]] + [("legend", x) for x in b["legend"]] + [
            ("note", x) for x in b["notes"]] + [("xtick", x) for x in b["xticks"]] + [
            ("ytick", x) for x in b["yticks"]] + [("xtitle", x) for x in b["xtitle"]] + [
            ("ytitle", x) for x in b["ytitle"]]
        assert b["title"] and b["legend"], key
        for name, x in labels:  # nothing cut at the chart's edges
            assert svg["x"] - 0.5 <= x["x"] and x["right"] <= svg["right"] + 0.5, (key, name, x)
        for i, (n1, a) in enumerate(labels):
            for n2, c in labels[i + 1:]:
                if n1 == n2 and n1 in ("xtick", "legend"):
                    continue  # neighbours of one axis or one legend: plotly spaces them
                assert not overlap(a, c), (key, n1, a, n2, c)
        if key != "admin_chart2":  # provinces down the side: one bar each, at least 14 px
            rows = len(b["yticks"])
            assert rows >= 5 and (b["plot"]["bottom"] - b["plot"]["y"]) / rows >= 14, key
        else:
            assert len(b["notes"]) == 4  # the notice's four dates, each labelled
