"""Plotly figures of the admin dashboard, drawn from core/admin/dashboard.py's frames (no
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
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), legend_title_text="", bargap=0.15,
              hoverlabel=dict(namelength=-1), height=420)


#: A fill pattern per regime and per due kind, so that bars differ by more than their colour
#: (issue 15); the legend shows the same pattern.
REGIME_PATTERNS = {"pilot": "", "batch2021": "/", "not_covered": ".", "unknown": "x"}
KIND_PATTERNS = {"apply_by": "", "lapses_on": "x"}


def count_axis(largest: float, **axis) -> dict:
    """A count axis (``yaxis`` of the layout) with whole-number ticks only: one tick per unit
    while the largest bar is small (plotly would put ticks at 0.5 and 1.5), whole-number labels
    above that. Given in the layout: set afterwards, plotly would validate the figure again."""
    ticks = dict(tick0=0, dtick=1) if largest <= 10 else dict(tickformat=",d")
    return dict(axis, rangemode="tozero", **ticks)


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
                distinct_persons: bool) -> go.Figure:
    """Chart 1: one bar per province (largest first), coloured by regime; or stacked by
    specialty (each specialty one colour; the regime is in the hover text)."""
    order = list(dict.fromkeys(_province_label(df, lang)))
    y_title = text("admin.chart1_persons" if distinct_persons else "admin.chart1_rows", lang)
    traces = []
    if not by_specialty:
        for regime in REGIMES:
            part = df[df["regime"] == regime]
            if part.empty:
                continue
            traces.append(dict(type="bar", x=_province_label(part, lang),
                               y=part["count"].tolist(), name=_regime_label(regime, lang),
                               marker=dict(color=REGIME_COLOURS[regime],
                                           pattern_shape=REGIME_PATTERNS[regime]),
                               hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>"))
    else:
        for specialty in POLICY.specialties + tuple(
                sorted(set(df.get("specialty", pd.Series(dtype=str))) - set(POLICY.specialties))):
            part = df[df["specialty"] == specialty] if "specialty" in df else df.iloc[0:0]
            if part.empty:
                continue
            regimes = [_regime_label(r, lang) for r in part["regime"]]
            traces.append(dict(
                type="bar", x=_province_label(part, lang), y=part["count"].tolist(),
                name=_specialty_label(specialty, lang), customdata=regimes,
                hovertemplate="%{x} (%{customdata}): %{y}<extra>%{fullData.name}</extra>"))
    stacked = df.groupby(_province_label(df, lang))["count"].sum() if len(df) else df["count"]
    return _figure(traces, barmode="stack" if by_specialty else None,
                   title=text("admin.chart1_title", lang),
                   yaxis=count_axis(float(stacked.max()) if len(stacked) else 0,
                                    title=dict(text=y_title)),
                   xaxis=dict(title=None, categoryorder="array", categoryarray=order,
                              tickangle=-45))


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
    for i, m in enumerate(markers.itertuples()):
        day = m.date.strftime("%Y-%m-%d")
        shapes.append(dict(type="line", x0=day, x1=day, xref="x", y0=0, y1=1, yref="paper",
                           line=dict(color="#333", width=1, dash="dash")))
        notes.append(dict(x=day, y=1.0 - 0.09 * (i // 2 % 2), xref="x", yref="paper",
                          text=f"{day}<br>{m.clauses}", showarrow=False,
                          xanchor="right" if i % 2 == 0 else "left", yanchor="top",
                          font=dict(size=10), bgcolor="rgba(255,255,255,0.75)",
                          hovertext=getattr(m, describe)))
    monthly = df.groupby("month")["count"].sum() if len(df) else df["count"]
    return _figure(traces, barmode="stack", shapes=shapes, annotations=notes,
                   title=text("admin.chart2_title", lang),
                   yaxis=count_axis(float(monthly.max()) if len(monthly) else 0,
                                    title=dict(text=text("admin.chart1_rows", lang))),
                   xaxis=dict(title=None, type="date", dtick="M12", tickformat="%Y"))


def upcoming_chart(df: pd.DataFrame, lang: str, days: int) -> go.Figure:
    """Chart 3: per province, actionable rows whose renewal deadline / lapse date falls in the
    next ``days`` days (grouped bars, provinces by total)."""
    order = list(dict.fromkeys(_province_label(df, lang)))
    traces = []
    for kind in ("apply_by", "lapses_on"):
        part = df[df["kind"] == kind]
        if part.empty:
            continue
        traces.append(dict(type="bar", x=_province_label(part, lang), y=part["count"].tolist(),
                           name=text(f"admin.kind_{kind}", lang),
                           marker=dict(color=DUE_KIND_COLOURS[kind],
                                       pattern_shape=KIND_PATTERNS[kind]),
                           hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>"))
    # grouped bars: the tallest single bar sets the axis (counts are whole numbers, issue 15)
    return _figure(traces, barmode="group", title=text("admin.chart3_title", lang, days=days),
                   yaxis=count_axis(float(df["count"].max()) if len(df) else 0,
                                    title=dict(text=text("admin.chart1_rows", lang))),
                   xaxis=dict(title=None, categoryorder="array", categoryarray=order,
                              tickangle=-45))
