"""Plotly figures of the policy explainer (/policy): the notice's timeline, the regime map and a
scenario's status bands. Every date comes from core (POLICY or an assessment); the figures only
draw. Labels come from the string catalogue in the language passed in (no Streamlit needed, so
tests can build the figures directly).
"""

from __future__ import annotations

import copy
import re
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




#: Width of a line of a timeline label in half-ems (a Chinese character is 2, a Latin letter
#: or digit about 1): what fits a phone at the normal and at the large type.
WRAP = {False: 44, True: 32}
_TOKEN = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")


def _width(token: str) -> int:
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in token)


def wrap_label(label: str, width: int) -> list[str]:
    """``label`` in lines of at most ``width`` half-ems: Chinese may break between any two
    characters, Latin text only at spaces (a word longer than a line stays whole)."""
    lines, line = [], ""
    for token in _TOKEN.findall(label):
        if token.isspace():
            if line:
                line += " "
            continue
        if line and _width(line.rstrip()) + _width(token) + (line.endswith(" ")) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    return [*lines, line.rstrip()]


def _wrap_event(ev: dict, lang: str, large: bool) -> list[str]:
    """One event's label as lines: the date, the text, the clause (bold), wrapped to fit."""
    date_part, clause = ev["date"].isoformat(), ev["clause"]
    body = f"{ev['label']} {clause}" if clause else ev["label"]
    lines = wrap_label(f"{date_part} {body}", WRAP[large])
    out = []
    for line in lines:  # bold the date and the clause where they fall
        line = line.replace(date_part, f"<b>{date_part}</b>", 1)
        if clause and line.endswith(clause):
            line = line[: -len(clause)] + f"<b>{clause}</b>"
        out.append(line)
    return out


def notice_timeline(lang: str, as_of: date | None = None, large: bool = False) -> go.Figure:
    """The notice's key dates: one row per event, a marker on its date on a time axis, and its
    label (date, what happens, clause) on the line above, starting at the plot's left edge and
    wrapped to fit a phone: a label beside its marker ran off both edges on a narrow screen
    (issue 26). The paper-certificate transition is shaded, the as-of date a dashed line."""
    events = notice_events(lang)
    first, last = events[0]["date"], events[-1]["date"]
    span = (last - first).days
    lo, hi = first - timedelta(days=span // 12), last + timedelta(days=span // 12)
    line_px = 22 if large else 18
    fig = go.Figure()
    no_new, void = POLICY.date("paper_no_new_from"), POLICY.date("paper_void_from")
    transition = wrap_label(text("policy.timeline.transition", lang), WRAP[large])
    y = float(len(transition)) + 0.3  # the transition's own label on top
    fig.add_annotation(x=0, xref="paper", xanchor="left", y=0, yanchor="top",
                       showarrow=False, align="left", text="<br>".join(transition),
                       font={"size": _font_size(large) - 1, "color": "#8a4b0f"})
    top = y
    for ev in events:
        lines = _wrap_event(ev, lang, large)
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=y, yanchor="top",
                           showarrow=False, align="left", text="<br>".join(lines),
                           font={"color": "#1b1b1b"})
        y += len(lines) + 0.15
        fig.add_trace(go.Scatter(
            x=[ev["date"]], y=[y + 0.45], mode="markers", showlegend=False, name="",
            marker={"size": 14, "color": CLAUSE_COLOURS.get(ev["clause"], "#333"),
                    "line": {"color": "white", "width": 2}},
            hovertext=[f"{ev['date'].isoformat()} {ev['label']} {ev['clause']}"],
            hoverinfo="text"))
        y += 1.2
    fig.add_shape(type="rect", x0=no_new, x1=void, y0=top - 0.2, y1=y, line_width=0,
                  fillcolor="rgba(245,133,24,0.12)", layer="below")
    for d in sorted({ev["date"] for ev in events}):
        fig.add_shape(type="line", x0=d, x1=d, y0=top, y1=y, layer="below",
                      line={"color": "#aaa", "width": 1, "dash": "dot"})
    if as_of is not None and lo <= as_of <= hi:
        fig.add_shape(type="line", x0=as_of, x1=as_of, y0=top - 0.2, y1=y + 0.3,
                      layer="below", line={"color": "#2ca02c", "width": 2, "dash": "dash"})
        fig.add_annotation(x=as_of, y=y + 0.3, showarrow=False, yanchor="top",
                           xanchor="left" if as_of <= lo + (hi - lo) / 2 else "right",
                           text=text("policy.timeline.as_of", lang, date=as_of.isoformat()),
                           font={"color": "#1e7b1e"})
        y += 1.2
    fig.update_xaxes(range=[lo, hi], showgrid=False, tickformat="%Y-%m", dtick="M2",
                     tickangle=0, fixedrange=True)
    fig.update_yaxes(range=[y + 0.2, -0.2], visible=False, fixedrange=True)
    return _layout(fig, large, 60 + int(line_px * (y + 0.4)) - (120 if large else 0))


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
    # Room beside the edge tiles (上海, 新疆): a name a little wider than its tile stays in the
    # figure instead of being cut at its edge (issue 26); assets/a11y.css sets the tiles' type
    # for a phone.
    fig.update_xaxes(range=[min(cols) - 0.85, max(cols) + 0.85], visible=False,
                     fixedrange=True)
    fig.update_yaxes(range=[max(rows) + 0.6, min(rows) - 0.6], visible=False, fixedrange=True,
                     scaleanchor="x", scaleratio=1)
    # the legend's type follows the page's (22 px in presentation mode, issue 26)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top",
                              "font": {"size": 22 if large else 14}})
    return _layout(fig, large, 600)


# ------------------------------------------------------------------------------- status bands
def status_label(status: str, lang: str) -> str:
    return text(f"policy.status.{status}", lang)


def _slider_inset(large: bool) -> float:
    """Half of st.slider's thumb (0.375rem): where its track starts and ends inside the widget.
    The chart's plot area has the same inset, so the thumb sits on the chart's date line."""
    return 0.375 * (22 if large else 16)


def status_bands_base(bands: list[dict], lang: str, specialty_label, large: bool = False,
                      x_range: tuple[date, date] | None = None) -> dict:
    """The time-travel chart without its date marks, as a validated figure dict: what does not
    depend on the slider's date, built once per scenario, language and type size (the page
    caches it; ``status_bands_figure`` adds the marks).

    Each specialty's name is on the line above its band (not on a y axis, which took half of a
    phone's width and left the bands ~40 px), the dates read across (no slanted ticks) and the
    legend has its own strip at the bottom of the figure (container coordinates), below the
    dates at any width. ``x_range``: the slider's range; the axis spans exactly that, between
    the insets of the slider's track, so a date on the chart lies under the same date on the
    slider (issue 26)."""
    fig = go.Figure()
    seen: set[str] = set()
    one = timedelta(days=1)
    ms_per_day = 86_400_000
    names = list(dict.fromkeys(b["specialty"] for b in bands))
    row = {name: 2 * i + 1 for i, name in enumerate(names)}  # a band; its name at 2 * i
    for b in bands:
        status = b["status"]
        fig.add_trace(go.Bar(
            y=[row[b["specialty"]]], base=[b["start"].isoformat()],
            x=[((b["end"] + one) - b["start"]).days * ms_per_day], orientation="h",
            width=1.0,
            marker={"color": STATUS_COLOURS.get(status, "#999"),
                    "line": {"color": "white", "width": 1}},
            name=status_label(status, lang), legendgroup=status,
            showlegend=status not in seen,
            text=[status_label(status, lang)], textposition="inside",
            insidetextanchor="middle", textfont={"color": _ink(STATUS_COLOURS.get(status))},
            hovertemplate=f"{specialty_label(b['specialty'])}: {status_label(status, lang)}"
                          f"<br>{b['start']} – {b['end']}<extra></extra>"))
        seen.add(status)
    for name in names:
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=row[name] - 0.55,
                           yanchor="bottom", showarrow=False, text=specialty_label(name),
                           font={"color": "#1b1b1b"}, bgcolor="rgba(255,255,255,0.85)")
    n = len(names)
    band_px = 110 if large else 90  # a band and its name
    legend_px = _legend_strip(list(dict.fromkeys(status_label(b["status"], lang)
                                                 for b in bands)), large)
    height = 190 + band_px * n + legend_px
    fig.update_layout(barmode="overlay", uniformtext={"mode": "hide", "minsize": 10},
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container",
                              "y": 0.0, "yanchor": "bottom"})
    fig.update_xaxes(type="date", tickformat="%Y-%m", nticks=5, tickangle=0)
    if x_range is not None:  # the slider's range, edge to edge: no automatic margin
        fig.update_xaxes(range=[x_range[0].isoformat(), x_range[1].isoformat()],
                         automargin=False, ticklabeloverflow="hide past domain")
    else:
        fig.update_xaxes(automargin=True)
    fig.update_yaxes(range=[2 * n + 0.7, -1.1], visible=False, fixedrange=True)
    _layout(fig, large, height)
    inset = _slider_inset(large)
    fig.update_layout(margin={"l": inset, "r": inset, "t": 10, "b": 40 + legend_px},
                      meta={"rows": n, "middle": _middle(bands, x_range)})
    return fig.to_dict()


#: The narrowest strip the time-travel legend must fit: a phone (390 px) less the page's gutters.
PHONE_STRIP_PX = 260


def _legend_strip(labels: list[str], large: bool) -> int:
    """Height of the legend's strip below the dates: one line per row its entries take on a
    phone (each entry: its symbol and gap, then its text; a CJK character about one em, other
    characters about half), so the dates never lie under the legend at any width (issue 26)."""
    size = _font_size(large)
    rows, used = 1, 0.0
    for label in labels:
        width = 40 + sum(size if ord(c) > 0x2E7F else 0.55 * size for c in label)
        if used and used + width > PHONE_STRIP_PX:
            rows, used = rows + 1, 0.0
        used += width
    # a spare half row (a whole one in presentation mode): the fonts a browser finally uses may
    # set a label a little wider than this estimate
    return int((rows + (1.0 if large else 0.5)) * (size + 14))


def _middle(bands: list[dict], x_range: tuple[date, date] | None) -> str | None:
    if x_range is not None:
        lo, hi = x_range
    elif bands:
        lo, hi = min(b["start"] for b in bands), max(b["end"] for b in bands)
    else:
        return None
    return (lo + (hi - lo) / 2).isoformat()


def status_bands_figure(bands: list[dict], lang: str, at: date, scenario_as_of: date,
                        specialty_label, large: bool = False,
                        x_range: tuple[date, date] | None = None,
                        base: dict | None = None) -> go.Figure:
    """Horizontal status bands per specialty over time (from core.scenarios.status_bands), with
    the slider date and the scenario's own as-of date marked: ``base`` (``status_bands_base``
    of the same arguments, e.g. cached) plus the two marks. Only the marks are new at each
    slider step: they are added to a copy of the validated base, which is not validated again
    (a step cost the whole figure's validation, ~15 ms, before)."""
    if base is None:
        base = status_bands_base(bands, lang, specialty_label, large, x_range)
    spec = copy.deepcopy(base)
    layout = spec["layout"]
    n, middle = layout["meta"]["rows"], layout["meta"]["middle"]
    middle_day = date.fromisoformat(middle) if middle else at
    marks = [(at, "#111", "policy.travel.marker", 3, "solid", -0.4)]
    if scenario_as_of != at:
        marks.append((scenario_as_of, "#555", "policy.travel.scenario_as_of", 1, "dot",
                      2 * n + 0.05))
    shapes, notes = layout.setdefault("shapes", []), layout.setdefault("annotations", [])
    for when, colour, key, width, dash, label_y in marks:
        day = when.isoformat()
        shapes.append({"type": "line", "x0": day, "x1": day, "y0": -0.1, "y1": 2 * n - 0.45,
                       "line": {"color": colour, "width": width, "dash": dash}})
        notes.append({"x": day, "y": label_y, "yanchor": "bottom" if label_y < 0 else "top",
                      "xanchor": "left" if when <= middle_day else "right",
                      "showarrow": False, "text": text(key, lang, date=day),
                      "font": {"color": colour}})
    return go.Figure(spec, _validate=False)  # the base is validated; the marks are plain
