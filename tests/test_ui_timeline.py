"""ui/timeline.py: the personal chart holds exactly the assessment's dates, nothing computed."""

from __future__ import annotations

from datetime import date

import pytest

from core import assess
from core.demo.roster import demo_profile
from core.demo.scenarios import get as get_scenario
from ui.i18n import text
from ui.timeline import figure

AS_OF = date(2024, 10, 1)


def _xs(fig) -> set[str]:
    xs = {str(x) for trace in fig.data for x in trace.x}
    xs |= {str(shape.x0) for shape in fig.layout.shapes}
    return xs


def test_the_example_draws_validity_deadlines_window_and_as_of():
    a = assess(demo_profile(AS_OF), AS_OF)
    fig = figure(a, "zh")
    xs = _xs(fig)
    for s in a["specialties"]:
        assert {s["current_valid_from"], s["current_valid_until"], s["apply_by"],
                s["lapses_on"]} <= xs
    w = a["usage_window"]
    assert {w["from"], w["until"], a["as_of"]} <= xs
    # age65 (2033) is far beyond every bar: named in the title instead of stretching the axis
    assert a["age65"] not in xs and a["age65"] in fig.layout.title.text
    rows = {trace.y[0].split("<br>")[0] for trace in fig.data}
    assert {"建筑工程", "市政公用工程", "证书使用有效期"} <= rows


def test_english_row_names_and_every_drawn_date_comes_from_the_assessment():
    a = assess(demo_profile(AS_OF), AS_OF)
    fig = figure(a, "en")
    assert "Building construction" in {trace.y[0].split("<br>")[0] for trace in fig.data}
    drawn = _xs(fig)
    known = {a["as_of"], a["age65"], a["usage_window"]["from"], a["usage_window"]["until"]}
    for s in a["specialties"]:
        known |= {s["current_valid_from"], s["current_valid_until"], s["apply_by"], s["lapses_on"]}
    assert drawn <= known


#: A holder who turns 65 on 2023-09-10, renewed in 2021.
TURNS_65_IN_2023 = {
    "name": "示例", "gender": "女", "birth_date": "1958-09-10",
    "registration_number": "浙1332006200807445", "employer": "示例公司",
    "employer_province": "浙江", "continuing_education_done": True,
    "specialties": [{"specialty": "建筑工程", "valid_from": "2018-09-01",
                     "valid_until": "2021-08-31", "renewal_applied_on": "2021-07-01",
                     "renewal_approved_on": "2021-09-01"}],
}


def test_the_65th_birthday_line_when_it_falls_inside_the_chart():
    profile = TURNS_65_IN_2023
    a = assess(profile, date(2021, 10, 1))
    fig = figure(a, "zh")
    assert a["age65"] in {str(shape.x0) for shape in fig.layout.shapes}
    assert a["specialties"][0]["apply_by"] is None  # capped at 65: no apply_by marker
    assert len([t for t in fig.data if t.mode == "markers"]) == 1  # lapses_on only


def test_not_covered_has_bars_but_no_markers_or_window():
    scenario = get_scenario("pilot-expired")
    profile = {**scenario.profile, "employer_province": "湖北"}
    a = assess(profile, scenario.as_of)
    fig = figure(a, "zh")
    assert fig is not None
    assert all(t.mode == "lines" for t in fig.data)
    assert len(fig.data) == len(a["specialties"])


def test_each_row_says_its_status_in_words_and_the_legend_is_below_the_dates():
    """Issue 15: colour is not the only carrier of the status, and the legend has its own strip
    at the bottom of the figure instead of overlapping the x axis's dates."""
    a = assess(demo_profile(AS_OF), AS_OF)
    for lang in ("zh", "en"):
        fig = figure(a, lang)
        rows = {trace.y[0] for trace in fig.data}
        for s in a["specialties"]:
            assert any(r.endswith("<br>" + text(f"policy.status.{s['status']}", lang))
                       for r in rows), (lang, s["status"], rows)
        legend = fig.layout.legend
        assert legend.yref == "container" and legend.yanchor == "bottom" and legend.y < 0.05
        assert fig.layout.margin.b >= 80  # room for the date labels and the legend strip


def _labels_overlap(fig) -> bool:
    """Whether two labels above the plot could overlap: the same row (yshift) and horizontally
    close. Each label's row is ``font`` high; rows must be at least a line apart."""
    labels = [(a.yshift or 0, a.font.size or 12) for a in fig.layout.annotations]
    rows = sorted(y for y, _ in labels)
    line = max(size for _, size in labels) + 2
    return any(b - a < line for a, b in zip(rows, rows[1:], strict=False))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_as_of_and_65th_birthday_labels_do_not_overlap(lang):
    """As of 2023-09-01, 65th birthday 2023-09-10: nine days apart, their labels (about 150 px
    wide each) sat on one row above the plot, centred on lines a few pixels apart (issue 23).
    Each now has its own row, and the top margin holds both."""
    profile = TURNS_65_IN_2023
    a = assess(profile, date(2023, 9, 1))
    fig = figure(a, lang)
    texts = [ann.text for ann in fig.layout.annotations]
    assert any(a["as_of"] in t for t in texts) and any(a["age65"] in t for t in texts)
    assert not _labels_overlap(fig)
    top = max((ann.yshift or 0) for ann in fig.layout.annotations) + 16
    assert fig.layout.margin.t >= top


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_deadline_within_90_days_is_not_a_plain_valid_row(lang):
    """北京, apply_by 2023-05-31, as of 2023-05-26: the row says "deadline near" in the apply-now
    colour, in the chart and in its text version, as the card does (R-5, issue 23)."""
    from core.schema.roster import STATUS_COLOURS
    from tests.engine_helpers import profile
    from ui import chart_text

    a = assess(profile(province="北京", valid_until="2023-06-30"), date(2023, 5, 26))
    assert a["specialties"][0]["status"] == "valid"
    fig = figure(a, lang)
    near = text("self_service.status.deadline_near", lang)
    [bar] = [tr for tr in fig.data if tr.mode == "lines" and "<br>" in tr.y[0]]
    assert bar.y[0].endswith(near) and bar.line.color == STATUS_COLOURS["apply_now"]
    summary, table = chart_text.timeline(a, lang)
    assert near in summary and near in table.iloc[0].tolist()
