"""The one-page PDF summary of a self-check (issue 14, item 4): the answer itself, not the
certificate.

What it holds, in the chosen language: the as-of date and the basis (the notice, and the rule
data version when the assessment carries ``basis``); the regime; first, what to do (the
engine's actions word for word, the holder's next application step first: the same truths as
the page); a table with, per specialty, the status, ``apply_by`` and ``lapses_on`` each with the
rule, clause and readings that set it (from the specialty's ``trace``, as the calendar does;
"no application deadline" and why when there is none, "does not bind" for a deadline before
the notice took effect), and the current validity; the usage window (R-6); the paper
certificate (R-7); the engine's warnings word for word; where to act (the official services the
notice names for the certificate, without web addresses: it gives none; renewal applications go
to the registration authority, no portal named); the rules, clauses and readings cited, with
their titles and texts; a footer saying what the page is and is not.

No birth date, registration number or employer is printed; the name only when asked for.

Layout: A4 portrait, fpdf2, Noto Sans CJK SC embedded as a subset through
``core.certificate.preview`` (the same font loading as the certificate). The text is laid out
at 10 pt and, when it would not fit on one page (many specialties, many warnings), again at
smaller sizes down to ``MIN_SIZE``; the result is always one page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.certificate.preview import cjk_subset, embedded_font, missing_glyphs
from core.messages.catalogue import text
from core.messages.errors import CodedError
from core.policy.data import POLICY
from core.selfcheck.calendar import date_readings, date_source, notice_of, unbound_deadlines

LANGS = ("zh", "en")
FILE_NAME = "ecert-self-check.pdf"
MEDIA_TYPE = "application/pdf"
SIZES = (10.0, 9.0, 8.0, 7.0, 6.5, 6.0)
MIN_SIZE = SIZES[-1]
MARGIN = 14.0  # mm
INK = (20, 20, 20)
MUTED = (110, 116, 126)
NAVY = (31, 54, 92)
_SPACES = " \t\r\n\u3000\u00a0"


class SummaryUnavailable(CodedError):
    """The summary cannot be drawn (``missing_glyph``: the name has a character the font lacks;
    ``too_long``: it does not fit on one page even in the smallest type)."""


def _t(code: str, lang: str, **values) -> str:
    zh, en = text("summary", code, **values)
    return zh if lang == "zh" else en


@dataclass
class Content:
    """Every string of the page, worked out before any drawing (the font is subset from it)."""

    title: str
    meta: list[str]
    table_header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    window: list[str]
    paper: str
    actions_heading: str
    actions: list[str]
    warnings_heading: str
    warnings: list[str]
    where_heading: str
    where: list[str]
    refs_heading: str
    refs: list[str]
    footer: str
    headings: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        parts = [self.title, *self.meta, *self.table_header, *(c for r in self.rows for c in r),
                 *self.window, self.paper, self.actions_heading, *self.actions,
                 self.warnings_heading, *self.warnings, self.where_heading, *self.where,
                 self.refs_heading, *self.refs, self.footer, *self.headings.values(), "•·—"]
        return "".join(parts).replace("\n", "")  # line breaks are layout, not glyphs


def _specialty_name(name: str, lang: str) -> str:
    return name if lang == "zh" else f"{name} ({POLICY.specialty_en.get(name, name)})"


def _ref(rule: str, clause: str, readings=()) -> str:
    return " · ".join(x for x in (rule, clause, *readings) if x)


def content_of(profile: Mapping, assessment: Mapping, lang: str = "zh",
               with_name: bool = False) -> Content:
    """The strings of the summary of ``assessment`` (``core.assess(profile, as_of)``)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}: {lang!r}")
    a = assessment
    as_of = a["as_of"]
    cited: dict[str, None] = {}  # rule and clause ids, in order of first use

    def cite(*ids: str) -> None:
        for i in ids:
            if i:
                cited.setdefault(i, None)

    notice = notice_of(a)
    title_key = "title_zh" if lang == "zh" else "title_en"
    meta = [_t("as_of", lang, as_of=as_of),
            _t("basis", lang, notice=notice, title=POLICY.notice.get(title_key, ""))]
    basis = a.get("basis")
    if isinstance(basis, Mapping) and basis.get("policy_version"):
        meta[-1] += _t("policy_version", lang, version=basis["policy_version"])
    name = str(profile.get("name") or "").strip(_SPACES) if with_name else ""
    if name:
        meta.append(_t("name", lang, name=name))
    meta.append(_t("regime", lang, regime=_t(f"regime_name.{a['regime']}", lang),
                   province=a.get("province") or "—"))

    header = tuple(_t(k, lang) for k in ("col_specialty", "col_status", "col_apply_by",
                                          "col_lapses_on", "col_validity"))
    rows = []
    unbound = unbound_deadlines(a)
    for s in a.get("specialties") or []:
        status = _t(f"status.{s['status']}", lang)
        if s["status"] == "not_covered":
            rows.append((_specialty_name(s["specialty"], lang), status, "—", "—", "—"))
            cite(*(step.get("rule") for step in s.get("trace") or []),
                 *(step.get("clause") for step in s.get("trace") or []))
            continue
        if s.get("apply_by"):
            rule, clause = date_source(s, "apply_by")
            readings = date_readings(s, "apply_by")
            cite(rule, clause, *readings)
            apply_by = f"{s['apply_by']}\n{_ref(rule, clause, readings)}"
            if s["specialty"] in unbound:
                apply_by += "\n" + _t("apply_by_unbound", lang)
        else:
            rule, clause = date_source(s, "lapses_on")
            cite(rule, clause)
            apply_by = f"{_t('no_deadline', lang)}\n{_ref(rule, clause)}"
        if s.get("lapses_on"):
            rule, clause = date_source(s, "lapses_on")
            readings = date_readings(s, "lapses_on")
            cite(rule, clause, *readings)
            lapses_on = f"{s['lapses_on']}\n{_ref(rule, clause, readings)}"
        else:
            lapses_on = "—"
        validity = f"{s.get('current_valid_from') or '—'} – {s.get('current_valid_until') or '—'}"
        notes = [_t(k, lang) for k in ("renewed", "capped_at_65", "late_application")
                 if s.get(k)]
        if notes:
            validity += "\n" + "; ".join(notes)
        rows.append((_specialty_name(s["specialty"], lang), status, apply_by, lapses_on,
                     validity))

    window = _window_lines(a, lang, cite)
    paper_info = a.get("paper_certificate") or {}
    paper_ref = _ref(paper_info.get("rule", ""), paper_info.get("clause", ""))
    paper = _t("paper", lang, status=_t(f"paper_status.{paper_info.get('status')}", lang))
    paper += f"（{paper_ref}）" if lang == "zh" else f" ({paper_ref})"
    cite(paper_info.get("rule", ""), paper_info.get("clause", ""))

    key = f"message_{lang}"
    actions = [str(x.get(key) or x.get("code")) for x in a.get("actions") or []] or [
        _t("actions_none", lang)]
    warnings = [str(x.get(key) or x.get("code")) for x in a.get("warnings") or []]
    where = [_t(k, lang) for k in ("where_renewal", "where_platform", "where_portal",
                                   "where_wechat", "where_no_address")]
    refs = []
    for ref in cited:
        if ref in POLICY.rules:
            refs.append(_t("ref_rule", lang, rule=ref,
                           title=POLICY.rules[ref].get(lang) or POLICY.rules[ref]["zh"]))
        elif ref in POLICY.clauses:
            c = POLICY.clauses[ref]
            refs.append(_t("ref_clause", lang, clause=ref, number=c.get("number", ""),
                           title=c.get(f"title_{lang}") or c.get("title_zh", "")))
        elif ref in POLICY.readings:
            refs.append(_t("ref_reading", lang, reading=ref,
                           text=POLICY.readings[ref].get(lang) or POLICY.readings[ref]["zh"]))
    return Content(
        title=_t("title", lang), meta=meta, table_header=header, rows=rows, window=window,
        paper=paper, actions_heading=_t("actions_heading", lang), actions=actions,
        warnings_heading=_t("warnings_heading", lang), warnings=warnings,
        where_heading=_t("where_heading", lang), where=where,
        refs_heading=_t("refs_heading", lang), refs=refs,
        footer=_t("footer", lang, as_of=as_of),
        headings={"specialties": _t("specialties_heading", lang),
                  "window": _t("window_heading", lang)},
    )


def _window_lines(a: Mapping, lang: str, cite) -> list[str]:
    w = a.get("usage_window")
    if w is None:
        return [_t("window_not_covered", lang)]
    start = w.get("from") or "—"
    lead = _t("window_hypothetical" if w.get("hypothetical") else "window_downloaded", lang,
              date=start)
    ref = _ref(w.get("rule") or "", w.get("clause") or "", w.get("readings") or ())
    cite(w.get("rule") or "", w.get("clause") or "", *(w.get("readings") or ()))
    if w.get("status") == "unavailable":
        reason = w.get("reason") or {}
        line = lead + _t("window_unavailable", lang,
                         reason=reason.get(f"message_{lang}") or reason.get("code") or "")
    else:
        line = lead + _t("window_range", lang, start=start, end=w.get("until") or "—",
                         status=_t(f"window_status.{w.get('status')}", lang))
    lines = [f"{line}  [{ref}]" if ref else line]
    if w.get("outdated"):
        lines.append(_t("window_outdated", lang))
    return lines


def _layout(pdf, c: Content, size: float, lang: str) -> None:
    from fpdf.enums import WrapMode, XPos, YPos
    from fpdf.fonts import FontFace

    wrap = WrapMode.CHAR if lang == "zh" else WrapMode.WORD
    line = size * 0.3528 * 1.45  # mm per line
    width = pdf.w - 2 * MARGIN

    def para(txt: str, *, colour=INK, scale: float = 1.0, bullet: bool = False) -> None:
        pdf.set_text_color(*colour)
        pdf.set_font_size(size * scale)
        if bullet:
            pdf.set_x(MARGIN + 2)
            pdf.cell(3, line * scale, "•")
            pdf.multi_cell(width - 5, line * scale, txt, wrapmode=wrap, align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.multi_cell(width, line * scale, txt, wrapmode=wrap, align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(txt: str) -> None:
        pdf.ln(line * 0.6)
        para(txt, colour=NAVY, scale=1.15)
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())
        pdf.ln(line * 0.3)

    pdf.add_page()
    para(c.title, colour=NAVY, scale=1.6)
    pdf.ln(line * 0.3)
    for m in c.meta:
        para(m, colour=MUTED, scale=0.95)

    heading(c.actions_heading)  # the next step first, as on the page
    for x in c.actions:
        para(x, bullet=True)

    heading(c.headings["specialties"])
    pdf.set_text_color(*INK)
    pdf.set_font_size(size * 0.95)
    pdf.set_draw_color(200, 205, 212)
    with pdf.table(col_widths=(24, 18, 20, 20, 24), line_height=line * 0.95,
                   text_align="LEFT", wrapmode=wrap, first_row_as_headings=True,
                   headings_style=FontFace(color=NAVY, fill_color=(235, 239, 245)),
                   padding=1.0, width=width) as table:
        table.row(c.table_header)
        for r in c.rows:
            table.row(r)

    heading(c.headings["window"])
    for w in c.window:
        para(w)
    para(c.paper)

    if c.warnings:
        heading(c.warnings_heading)
        for x in c.warnings:
            para(x, bullet=True)
    heading(c.where_heading)
    for x in c.where:
        para(x, bullet=True)
    heading(c.refs_heading)
    for x in c.refs:
        para(x, scale=0.9)
    pdf.ln(line * 0.8)
    para(c.footer, colour=MUTED, scale=0.85)


def render_pdf(content: Content, lang: str = "zh") -> bytes:
    """The summary as a one-page A4 PDF. Raises ``SummaryUnavailable`` or ``FontMissing``."""
    from fpdf import FPDF

    missing = missing_glyphs(content.text())
    if missing:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing)
        raise SummaryUnavailable("missing_glyph", *text("summary", "missing_glyph", shown=shown))
    font = cjk_subset(content.text())
    for size in SIZES:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_title(content.title)
        pdf.set_creator("ecert-desk")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=MARGIN)
        with embedded_font(pdf, font):
            pdf.set_font("cjk", size=size)
            _layout(pdf, content, size, lang)
            if pdf.page_no() == 1:
                return bytes(pdf.output())
    raise SummaryUnavailable("too_long", *text("summary", "too_long"))


def make_summary(profile: Mapping, assessment: Mapping, lang: str = "zh",
                 with_name: bool = False) -> bytes:
    """``render_pdf(content_of(profile, assessment, lang, with_name))``."""
    return render_pdf(content_of(profile, assessment, lang, with_name), lang)
