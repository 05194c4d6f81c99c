"""Plotly figures of the admin dashboard, drawn from core/admin/dashboard_charts.py's frames (no
counting here).

Each builder takes the frame core returns and the UI language, and only maps it to bars,
colours and labels. Chart 1 (lapses by province) is the page's main figure; its bar heights
are the ``count`` column of ``core.dashboard.lapse_by_province`` as given.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.policy.data import POLICY
from core.schema.roster import DUE_KIND_COLOURS, REGIME_COLOURS
from core.schema.roster import REGIMES as SCHEMA_REGIMES
from ui.i18n import text

REGIMES = (*SCHEMA_REGIMES, "unknown")  # "unknown": rows whose province could not be read
# The legend sits in a strip under the title, left-aligned and horizontal, and wraps onto more
# lines on a narrow screen; plotly widens the top margin for it. A legend at the right took half
# of a phone's width (issue 26). ``legend_below_title`` places it for a figure's height.
TITLE_PX = 36
LEGEND = dict(orientation="h", x=0, xanchor="left", yref="container", yanchor="top",
              title_text="")
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10, autoexpand=True), legend=LEGEND,
              bargap=0.15, hoverlabel=dict(namelength=-1), height=420,
              title=dict(automargin=False, yref="container", y=1.0, yanchor="top",
                         x=0, xref="container", xanchor="left", pad=dict(t=8, l=10),
                         font=dict(size=15)))


def legend_below_title(height: int) -> dict:
    return dict(LEGEND, y=1 - TITLE_PX / height)


ROW_PX = 22  # height per province of a horizontal bar chart


#: A fill pattern per regime and per due kind, so that bars differ by more than their colour
#: (issue 15); the legend shows the same pattern.
REGIME_PATTERNS = {"pilot": "", "batch2021": "/", "not_covered": ".", "unknown": "x"}
KIND_PATTERNS = {"apply_by": "", "lapses_on": "x"}


def count_axis(largest: float, **axis) -> dict:
    """A count axis (``xaxis`` of a horizontal bar chart, ``yaxis`` of chart 2) with
    whole-number ticks only: one tick per unit while the largest bar is small (plotly would put
    ticks at 0.5 and 1.5), whole-number labels above that, and at most 6 ticks (readable at
    390 px). Given in the layout: set afterwards, plotly would validate the figure again."""
    ticks = dict(tick0=0, dtick=1) if largest <= 6 else dict(tickformat=",d", nticks=6)
    return dict(axis, rangemode="tozero", automargin=True, **ticks)


def province_axis(order: list[str]) -> dict:
    """The province axis of a horizontal bar chart: largest first, at the top; its labels read
    across at any width (no slanted names that run into each other on a phone)."""
    return dict(title=None, categoryorder="array", categoryarray=list(reversed(order)),
                automargin=True, tickfont=dict(size=12))


def bars_height(n: int) -> int:
    """A horizontal bar chart's height for ``n`` provinces (title, legend and axis included)."""
    return 170 + ROW_PX * max(n, 3)


def _regime_label(regime: str, lang: str) -> str:
    return text(f"admin.regime_{regime}", lang)


def _province_label(df: pd.DataFrame, lang: str) -> list[str]:
    return list(df["province_en"] if lang == "en" else df["province"])


def _specialty_label(name: str, lang: str) -> str:
    return POLICY.specialty_en.get(name, name) if lang == "en" else name


def _figure(traces: list[dict], **layout) -> go.Figure:
    """One figure built in one go (adding traces, shapes and annotations one by one makes
    plotly re-validate the whole layout each time)."""
    return go.Figure(data=traces, layout={**LAYOUT, **layout})


def lapse_chart(df: pd.DataFrame, lang: str, *, by_specialty: bool,
                distinct_persons: bool, persons: pd.DataFrame | None = None) -> go.Figure:
    """Chart 1: one horizontal bar per province (largest at the top), coloured by regime; or
    stacked by specialty (each specialty one colour; the regime is in the hover text).

    Stacked and counting persons, a bar's parts count each person once per specialty: a person
    with two lapsed specialties is in two parts, so the bar is NOT the number of persons. The
    count axis says so, and ``persons`` (``lapse_by_province(distinct_persons=True)``), when
    given, adds each province's distinct persons as a marker beside the bar."""
    order = list(dict.fromkeys(_province_label(df, lang)))
    if by_specialty and distinct_persons:
        x_title = text("admin.chart1_persons_per_specialty", lang)
    else:
        x_title = text("admin.chart1_persons" if distinct_persons else "admin.chart1_rows", lang)
    traces = []
    if not by_specialty:
        for regime in REGIMES:
            part = df[df["regime"] == regime]
            if part.empty:
                continue
            traces.append(dict(type="bar", orientation="h", y=_province_label(part, lang),
                               x=part["count"].tolist(), name=_regime_label(regime, lang),
                               marker=dict(color=REGIME_COLOURS[regime],
                                           pattern_shape=REGIME_PATTERNS[regime]),
                               hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>"))
    else:
        for specialty in POLICY.specialties + tuple(
                sorted(set(df.get("specialty", pd.Series(dtype=str))) - set(POLICY.specialties))):
            part = df[df["specialty"] == specialty] if "specialty" in df else df.iloc[0:0]
            if part.empty:
                continue
            regimes = [_regime_label(r, lang) for r in part["regime"]]
            traces.append(dict(
                type="bar", orientation="h", y=_province_label(part, lang),
                x=part["count"].tolist(), name=_specialty_label(specialty, lang),
                customdata=regimes,
                hovertemplate="%{y} (%{customdata}): %{x}<extra>%{fullData.name}</extra>"))
        if distinct_persons and persons is not None:
            persons = persons[persons["count"] > 0]  # the provinces with a bar
        if distinct_persons and persons is not None and len(persons):
            traces.append(dict(
                type="scatter", mode="markers", y=_province_label(persons, lang),
                x=persons["count"].tolist(), name=text("admin.chart1_persons", lang),
                marker=dict(symbol="diamond", size=9, color="#111111",
                            line=dict(color="#ffffff", width=1)),
                hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>"))
    stacked = df.groupby(_province_label(df, lang))["count"].sum() if len(df) else df["count"]
    height = bars_height(len(order)) + (160 if by_specialty else 0)  # its legend: 10 names
    return _figure(traces, barmode="stack" if by_specialty else None,
                   title=dict(LAYOUT["title"], text=text("admin.chart1_title", lang)),
                   height=height, legend=legend_below_title(height),
                   xaxis=count_axis(float(stacked.max()) if len(stacked) else 0,
                                    title=dict(text=x_title)),
                   yaxis=province_axis(order))


def lapses_over_time_chart(df: pd.DataFrame, markers: pd.DataFrame, lang: str) -> go.Figure:
    """Chart 2: rows per month of ``lapses_on`` by regime; solid = lapsed by the as-of date,
    hatched = scheduled (lapses then unless someone applies). The notice's dates are dashed
    vertical lines labelled with their clause ids (hover: the dated entry's own words)."""
    traces = []
    # the parts of the small frame at once (one mask per kind and regime would cost more)
    months = df["month"].dt.strftime("%Y-%m-15").tolist()
    counts = df["count"].tolist()
    parts: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(zip(df["kind"].tolist(), df["regime"].tolist(), strict=True)):
        parts.setdefault(key, []).append(i)
    for kind in ("lapsed", "scheduled"):
        for regime in REGIMES:
            rows = parts.get((kind, regime))
            if not rows:
                continue
            name = f"{_regime_label(regime, lang)} · {text(f'admin.kind_{kind}', lang)}"
            traces.append(dict(
                type="bar", x=[months[i] for i in rows],
                y=[counts[i] for i in rows], name=name,
                marker=dict(color=REGIME_COLOURS[regime],
                            pattern_shape="" if kind == "lapsed" else "/",
                            opacity=1.0 if kind == "lapsed" else 0.55),
                hovertemplate="%{x|%Y-%m}: %{y}<extra>%{fullData.name}</extra>"))
    describe = "zh" if lang == "zh" else "en"
    shapes, notes = [], []
    # The notice's dates lie days apart on an axis of years: each label gets its own line in a
    # strip above the plot (``yshift``), so none lies on another at any width (issue 26); a
    # label points right from its line in the left half of the axis, left in the right half.
    span = _span(df, markers)
    n = len(markers)
    for i, m in enumerate(markers.itertuples()):
        day = m.date.strftime("%Y-%m-%d")
        shapes.append(dict(type="line", x0=day, x1=day, xref="x", y0=0, y1=1, yref="paper",
                           line=dict(color="#333", width=1, dash="dash")))
        left_half = span is None or m.date <= span[0] + (span[1] - span[0]) / 2
        notes.append(dict(x=day, y=1.0, xref="x", yref="paper", yanchor="bottom",
                          yshift=2 + NOTE_PX * (n - 1 - i), text=f"{day} {m.clauses}",
                          showarrow=False, xanchor="left" if left_half else "right",
                          font=dict(size=11, color="#222222"), hovertext=getattr(m, describe)))
    monthly = df.groupby("month")["count"].sum() if len(df) else df["count"]
    return _figure(traces, barmode="stack", shapes=shapes, annotations=notes,
                   title=dict(LAYOUT["title"], text=text("admin.chart2_title", lang)),
                   legend=dict(LEGEND, y=0.01, yanchor="bottom", yref="container"),
                   margin=dict(LAYOUT["margin"], t=50 + NOTE_PX * n, b=110),
                   height=460 + NOTE_PX * n,
                   yaxis=count_axis(float(monthly.max()) if len(monthly) else 0,
                                    title=dict(text=text("admin.chart1_rows", lang))),
                   xaxis=dict(title=None, type="date", tickformat="%Y", nticks=7,
                              automargin=True))


NOTE_PX = 20  # one line of a clause label of chart 2 (its box is 18 px high)


def _span(df: pd.DataFrame, markers: pd.DataFrame):
    """The date range chart 2's axis shows (its months and the notice's dates), or None."""
    dates = pd.concat([df["month"], markers["date"]]) if len(df) else markers["date"]
    if not len(dates):
        return None
    return pd.Timestamp(dates.min()), pd.Timestamp(dates.max())


def upcoming_chart(df: pd.DataFrame, lang: str, days: int) -> go.Figure:
    """Chart 3: per province, actionable rows whose renewal deadline / lapse date falls in the
    next ``days`` days (grouped horizontal bars, provinces by total, the largest at the top)."""
    order = list(dict.fromkeys(_province_label(df, lang)))
    traces = []
    for kind in ("apply_by", "lapses_on"):
        part = df[df["kind"] == kind]
        if part.empty:
            continue
        traces.append(dict(type="bar", orientation="h", y=_province_label(part, lang),
                           x=part["count"].tolist(), name=text(f"admin.kind_{kind}", lang),
                           marker=dict(color=DUE_KIND_COLOURS[kind],
                                       pattern_shape=KIND_PATTERNS[kind]),
                           hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>"))
    # grouped bars: the tallest single bar sets the axis (counts are whole numbers, issue 15)
    height = bars_height(len(order)) + 8 * len(order)
    return _figure(traces, barmode="group",
                   title=dict(LAYOUT["title"], text=text("admin.chart3_title", lang, days=days)),
                   height=height, legend=legend_below_title(height),
                   xaxis=count_axis(float(df["count"].max()) if len(df) else 0,
                                    title=dict(text=text("admin.chart1_rows", lang))),
                   yaxis=province_axis(order))
