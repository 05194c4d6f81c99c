"""Plotly figures of the policy explainer (/policy): the notice's timeline, the regime map and a
scenario's status bands. Every date comes from core (POLICY or an assessment); the figures only
draw. Labels come from the string catalogue in the language passed in (no Streamlit needed, so
tests can build the figures directly).
"""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go

from core.policy.data import POLICY
from core.schema.roster import CLAUSE_COLOURS, REGIME_COLOURS, REGIMES, STATUS_COLOURS
from ui.i18n import text

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def _font_size(large: bool) -> int:
    return 18 if large else 13


def _layout(fig: go.Figure, large: bool, height: int) -> go.Figure:
    fig.update_layout(
        height=height + (120 if large else 0),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": _font_size(large)},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(tickfont={"size": _font_size(large) - 1})
    fig.update_yaxes(tickfont={"size": _font_size(large) - 1})
    return fig


def _ink(fill: str | None) -> str:
    """Black or white text, whichever reads better on ``fill`` (WCAG relative luminance)."""
    if not fill or not fill.startswith("#") or len(fill) != 7:
        return "#1b1b1b"
    channels = [int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#1b1b1b" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


# -------------------------------------------------------------------------------- notice timeline
def notice_events(lang: str) -> list[dict]:
    """The notice's dates, one row per event: [{date, label, clause}] sorted by date.

    The issue date comes from POLICY.notice, the others from POLICY.dates (their zh/en texts
    and clauses); nothing here is a literal date. Two entries with the same date, text and
    clause (e.g. the same day named by two rules) are shown once.
    """
    notice = POLICY.notice
    rows = [{"date": notice["issued_on"], "clause": "",
             "label": text("policy.timeline.issued", lang, notice=notice["id"])}]
    for dated in POLICY.dates.values():
        row = {"date": dated.value, "clause": dated.clause,
               "label": dated.zh if lang == "zh" else dated.en}
        if row not in rows:
            rows.append(row)
    return sorted(rows, key=lambda r: r["date"])




def notice_timeline(lang: str, as_of: date | None = None, large: bool = False) -> go.Figure:
    """The notice's key dates: one row per event, a marker on its date, labelled with what
    happens and its clause; the paper-certificate transition shaded."""
    events = notice_events(lang)
    n = len(events)
    first, last = events[0]["date"], events[-1]["date"]
    span = (last - first).days
    lo, hi = first - timedelta(days=span // 10), last + timedelta(days=span // 10)
    middle = first + (last - first) / 2
    fig = go.Figure()
    no_new, void = POLICY.date("paper_no_new_from"), POLICY.date("paper_void_from")
    fig.add_shape(type="rect", x0=no_new, x1=void, y0=-0.6, y1=n - 0.4, line_width=0,
                  fillcolor="rgba(245,133,24,0.12)", layer="below")
    fig.add_annotation(x=no_new + (void - no_new) / 2, y=-0.6, yanchor="bottom",
                       showarrow=False, text=text("policy.timeline.transition", lang),
                       font={"size": _font_size(large) - 1, "color": "#8a4b0f"})
    for d in sorted({ev["date"] for ev in events}):
        fig.add_shape(type="line", x0=d, x1=d, y0=-0.1, y1=n - 0.4, layer="below",
                      line={"color": "#aaa", "width": 1, "dash": "dot"})
    for i, ev in enumerate(events):
        d = ev["date"]
        clause = f" <b>{ev['clause']}</b>" if ev["clause"] else ""
        right = d <= middle
        label = f"<b>{d.isoformat()}</b> {ev['label']}{clause}"
        fig.add_trace(go.Scatter(
            x=[d], y=[i + 0.5], mode="markers+text", showlegend=False, name="",
            text=[f"  {label}  "], textposition="middle right" if right else "middle left",
            textfont={"color": "#1b1b1b"},
            marker={"size": 14, "color": CLAUSE_COLOURS.get(ev["clause"], "#333"),
                    "line": {"color": "white", "width": 2}},
            hovertext=[f"{d.isoformat()} {ev['label']} {ev['clause']}"], hoverinfo="text"))
    if as_of is not None and lo <= as_of <= hi:
        fig.add_shape(type="line", x0=as_of, x1=as_of, y0=-0.6, y1=n + 0.2, layer="below",
                      line={"color": "#2ca02c", "width": 2, "dash": "dash"})
        fig.add_annotation(x=as_of, y=n + 0.2, showarrow=False, yanchor="bottom",
                           text=text("policy.timeline.as_of", lang, date=as_of.isoformat()),
                           font={"color": "#2ca02c"})
    fig.update_xaxes(range=[lo, hi], showgrid=False, tickformat="%Y-%m", dtick="M1")
    fig.update_yaxes(range=[n + 1.0, -0.8], visible=False, fixedrange=True)
    return _layout(fig, large, 110 + 42 * n)


# ---------------------------------------------------------------------------------- regime map
def regime_label(regime: str, lang: str) -> str:
    n = sum(1 for p in POLICY.provinces if p.regime == regime)
    return text(f"policy.regime.{regime}", lang, count=n)


#: English names too long for a tile, shortened at a syllable with a full stop (never hyphenated
#: inside the name, issue 15); the hover text and the table under the map give the full name.
TILE_ABBREVIATIONS = {"Heilongjiang": "Heilong.", "Guangdong": "Guangd.", "Chongqing": "Chongq."}
#: A mark per regime drawn on each tile and in its legend entry: colour is never the only cue.
REGIME_MARKS = {"pilot": "●", "batch2021": "▲", "not_covered": ""}


def tile_name(name: str, width: int = 8) -> str:
    """An English name that fits on a tile: as is, two lines at a space, or a listed
    abbreviation; never broken inside a word."""
    if len(name) <= width:
        return name
    if " " in name:
        return name.replace(" ", "<br>", 1)
    return TILE_ABBREVIATIONS.get(name, name)


def _legend_name(regime: str, lang: str) -> str:
    mark = REGIME_MARKS.get(regime, "")
    return f"{mark} {regime_label(regime, lang)}" if mark else regime_label(regime, lang)


def regime_map(lang: str, large: bool = False) -> go.Figure:
    """A tile-grid map: one square per provincial division at its POLICY tile position,
    coloured by regime (C-1), with a legend."""
    fig = go.Figure()
    half = 0.46
    for p in POLICY.provinces:
        row, col = p.tile
        fig.add_shape(type="rect", x0=col - half, x1=col + half, y0=row - half, y1=row + half,
                      fillcolor=REGIME_COLOURS[p.regime], line={"color": "white", "width": 2},
                      layer="below")
    for regime in REGIMES:
        provs = [p for p in POLICY.provinces if p.regime == regime]
        mark = REGIME_MARKS.get(regime, "")
        names = [(p.short if lang == "zh" else tile_name(p.en)) + (f"<br>{mark}" if mark else "")
                 for p in provs]
        size = _font_size(large) + (1 if lang == "zh" else -3)
        fig.add_trace(go.Scatter(
            x=[p.tile[1] for p in provs], y=[p.tile[0] for p in provs],
            mode="markers+text", text=names, textposition="middle center",
            textfont={"size": size, "color": _ink(REGIME_COLOURS[regime])},
            marker={"symbol": "square", "size": 14, "color": REGIME_COLOURS[regime],
                    "opacity": 0},
            hovertext=[f"{p.full} · {p.en} · {regime_label(regime, lang)}" for p in provs],
            hoverinfo="text", name=regime_label(regime, lang), legendgroup=regime,
            showlegend=False))
        # legend entry with a visible square and the tiles' mark
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=_legend_name(regime, lang),
            marker={"symbol": "square", "size": 16, "color": REGIME_COLOURS[regime]},
            legendgroup=regime, showlegend=True))
    rows = [p.tile[0] for p in POLICY.provinces]
    cols = [p.tile[1] for p in POLICY.provinces]
    fig.update_xaxes(range=[min(cols) - 0.6, max(cols) + 0.6], visible=False, fixedrange=True)
    fig.update_yaxes(range=[max(rows) + 0.6, min(rows) - 0.6], visible=False, fixedrange=True,
                     scaleanchor="x", scaleratio=1)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"})
    return _layout(fig, large, 600)


# ------------------------------------------------------------------------------- status bands
def status_label(status: str, lang: str) -> str:
    return text(f"policy.status.{status}", lang)


def status_bands_figure(bands: list[dict], lang: str, at: date, scenario_as_of: date,
                        specialty_label, large: bool = False) -> go.Figure:
    """Horizontal status bands per specialty over time (from core.scenarios.status_bands), with
    the slider date and the scenario's own as-of date marked."""
    fig = go.Figure()
    seen: set[str] = set()
    one = timedelta(days=1)
    ms_per_day = 86_400_000
    for b in bands:
        status = b["status"]
        fig.add_trace(go.Bar(
            y=[specialty_label(b["specialty"])], base=[b["start"].isoformat()],
            x=[((b["end"] + one) - b["start"]).days * ms_per_day], orientation="h",
            marker={"color": STATUS_COLOURS.get(status, "#999"),
                    "line": {"color": "white", "width": 1}},
            name=status_label(status, lang), legendgroup=status,
            showlegend=status not in seen,
            text=[status_label(status, lang)], textposition="inside",
            insidetextanchor="middle", textfont={"color": _ink(STATUS_COLOURS.get(status))},
            hovertemplate=f"{status_label(status, lang)}<br>{b['start']} – {b['end']}"
                          "<extra></extra>"))
        seen.add(status)
    n = len({b["specialty"] for b in bands})
    marks = [(at, "#111", "policy.travel.marker", "left", 3, "solid")]
    if scenario_as_of != at:
        marks.append((scenario_as_of, "#777", "policy.travel.scenario_as_of", "right", 1, "dot"))
    for when, colour, key, anchor, width, dash in marks:
        fig.add_shape(type="line", x0=when, x1=when, y0=-0.5, y1=n - 0.5,
                      line={"color": colour, "width": width, "dash": dash})
        fig.add_annotation(x=when, y=-0.5, yanchor="bottom", xanchor=anchor, showarrow=False,
                           text=text(key, lang, date=when.isoformat()),
                           font={"color": colour})
    height = 200 + 55 * n + (120 if large else 0)
    top, bottom = 40, 100
    fig.update_layout(barmode="overlay", bargap=0.3, uniformtext={"mode": "hide", "minsize": 10},
                      legend={"orientation": "h", "x": 0, "yanchor": "top",
                              "y": -(45 + (15 if large else 0)) / (height - top - bottom)})
    fig.update_xaxes(type="date", tickformat="%Y-%m")
    fig.update_yaxes(autorange="reversed", fixedrange=True)
    _layout(fig, large, height - (120 if large else 0))
    fig.update_layout(margin={"l": 10, "r": 10, "t": top, "b": bottom})
    return fig
