"""The personal timeline as drawn by plotly in a real browser (issue 15): its legend never
overlaps or cuts off the x axis's dates, in both languages and at both widths; every chart has
its summary and its data table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_server import VIEWPORTS, load_example, open_page
from ui.i18n import text

pytestmark = pytest.mark.browser

BOXES_JS = """(sel) => {
  const plot = document.querySelector(sel + ' .js-plotly-plot');
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.x, y: r.y, right: r.right, bottom: r.bottom}; };
  return {svg: box(plot.querySelector('.main-svg')),
          legend: [...plot.querySelectorAll('g.legend')].map(box),
          ticks: [...plot.querySelectorAll('g.xtick text')].map(box)};
}"""
TIMELINE = ".st-key-self_service-timeline"  # Streamlit turns the key's dots into dashes


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["right"] and b["x"] < a["right"] and a["y"] < b["bottom"] and \
        b["y"] < a["bottom"]


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_timeline_legend_keeps_clear_of_the_dates(page: Page, app_url: str, lang: str,
                                                      width: str):
    page.set_viewport_size(VIEWPORTS[width])
    load_example(page, app_url, lang)
    chart = page.locator(TIMELINE)
    chart.scroll_into_view_if_needed()
    expect(chart.locator("g.xtick text").first).to_be_visible()
    boxes = page.evaluate(BOXES_JS, TIMELINE)
    assert boxes["legend"] and boxes["ticks"]
    svg = boxes["svg"]
    dates_end = max(tick["bottom"] for tick in boxes["ticks"])
    for legend in boxes["legend"]:
        assert legend["bottom"] <= svg["bottom"] + 0.5  # not cut off
        # entirely below the dates with a visible gap, not touching or covering them
        assert legend["y"] >= dates_end + 4, (legend, dates_end)
        for tick in boxes["ticks"]:
            assert not _overlap(legend, tick), (legend, tick)
            assert tick["bottom"] <= svg["bottom"] + 0.5


@pytest.mark.parametrize(("path", "title"), [("/", "page.self_service.title"),
                                           ("/policy", "page.policy.title"),
                                           ("/admin", "page.admin.title")])
def test_every_chart_says_what_it_shows_and_offers_its_data(page: Page, app_url: str, path: str,
                                                             title: str):
    page.set_viewport_size(VIEWPORTS["desktop"])
    if path == "/":
        load_example(page, app_url)
    else:
        open_page(page, app_url + path, title, "zh")
    charts = page.get_by_test_id("stPlotlyChart")
    n = charts.count()
    assert n >= 1
    data = page.get_by_test_id("stExpander").filter(has_text=text("a11y.chart_data", "zh"))
    expect(data).to_have_count(n)
    for i in range(n):  # the one-line summary is the chart's accessible name and its caption
        chart = charts.nth(i)
        expect(chart).to_have_attribute("role", "figure")
        name = chart.get_attribute("aria-label")
        assert name and len(name) > 10
        expect(page.get_by_test_id("stCaptionContainer").filter(has_text=name)).to_have_count(1)
