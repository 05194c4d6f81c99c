"""The page of 附件2 drawn with fpdf2: title, fields, specialties, usage window, photo box, QR
code, signature lines, ministry block, watermark and small print; and the PNG of the PDF
(pypdfium2)."""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache

from core.certificate.content import (
    ISSUED_LABEL,
    LABEL_COLON,
    LABELS,
    MINISTRY,
    NAME_WIDTH_SAMPLE,
    PDF_SUBJECT,
    PDF_TITLE,
    PHOTO_PLACEHOLDER,
    QR_CAPTION,
    SEAL_NOTE,
    SIGN_DATE_LABEL,
    SIGN_LABEL,
    SIGNATURE_IMAGE,
    STATIC_TEXT,
    TITLE,
    VALIDITY_LABEL,
    VALIDITY_RANGE,
    WATERMARK_EN,
    WATERMARK_ZH,
    CertificateContent,
    CertificateUnavailable,
    _clean,
    usage_window_text,
    zh_date,
)
from core.certificate.fonts import _check_glyphs, cjk_subset, embedded_font
from core.certificate.photo import _photo_cover
from core.messages.catalogue import text

_PDFIUM_LOCK = threading.Lock()  # every pdfium call of this process (render_png)

# ---------------------------------------------------------------------------------------------
# Layout (A4 landscape, millimetres)

PAGE_W, PAGE_H = 297.0, 210.0
NAVY = (31, 54, 92)
INK = (20, 20, 20)
LABEL = (70, 78, 92)
MUTED = (120, 126, 136)
RULE = (200, 205, 212)

LABEL_X = 34.0
VALUE_X = 64.0
VALUE_RIGHT = 226.0
PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H = 238.0, 50.0, 25.0, 35.0  # 1 inch photo (C-A1)
ROW_Y = 56.0
ROW_PITCH = 11.0
QR_X, QR_Y, QR_SIZE = 34.0, 141.0, 36.0
SIG_X, SIG_Y, SIG_W, SIG_H = 114.0, 146.0, 62.0, 22.0
MINISTRY_CX = 236.0


def _fit_size(pdf, text: str, width: float, size: float, minimum: float) -> float | None:
    while size >= minimum:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 0.5
    return None


def _wrap(pdf, text: str, width: float) -> list[str]:
    """Greedy line breaking by width (CJK text breaks anywhere; Latin words are kept whole)."""
    lines, line = [], ""
    for token in re.findall(r"[A-Za-z0-9]+|.", text):
        if pdf.get_string_width(line + token) <= width or not line:
            line += token
        else:
            lines.append(line.rstrip())
            line = token.lstrip()
    if line:
        lines.append(line)
    return lines


def _too_long(field: str) -> CertificateUnavailable:
    """``field``: a key of ``[certificate.field]`` (employer, specialty)."""
    field_zh, field_en = text("certificate", f"field.{field}")
    return CertificateUnavailable(
        "text_too_long", *text("certificate", "text_too_long", field=field_zh,
                               field_en=field_en))


@lru_cache(maxsize=32)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``url``: error correction M, smallest version that fits, no border."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def _draw_qr(pdf, url: str) -> None:
    matrix = qr_matrix(url)
    n = len(matrix)
    module = QR_SIZE / n
    pdf.set_fill_color(255, 255, 255)
    quiet = 4 * module
    pdf.rect(QR_X - quiet, QR_Y - quiet, QR_SIZE + 2 * quiet, QR_SIZE + 2 * quiet, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):  # one rectangle per horizontal run of dark modules
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                pdf.rect(
                    QR_X + start * module, QR_Y + r * module, (c - start) * module, module, "F"
                )
            else:
                c += 1


def _draw_label(pdf, label: str, x: float, y: float, width: float) -> None:
    """A label spread to ``width`` (two-character labels line up with four-character ones),
    then its colon (附件2: 姓 名：…)."""
    body, colon = (label[:-1], label[-1]) if label.endswith(LABEL_COLON) else (label, "")
    natural = pdf.get_string_width(body)
    spacing = (width - natural) / max(len(body) - 1, 1) if len(body) <= 3 else 0.0
    if spacing > 0:
        pdf.set_char_spacing(spacing * 72 / 25.4)  # Tc is in points
    pdf.text(x, y, body)
    pdf.set_char_spacing(0)
    if colon:
        pdf.text(x + width, y, colon)


def _layout(pdf, content: CertificateContent, verify_url: str) -> None:
    pdf.add_page()
    pdf.set_auto_page_break(False)

    # Double border.
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.9)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.25)
    pdf.rect(10.5, 10.5, PAGE_W - 21, PAGE_H - 21)

    # Usage window, top right (C-3.2).
    pdf.set_text_color(*INK)
    pdf.set_font("cjk", size=10.5)
    usage = usage_window_text(content)
    pdf.text(PAGE_W - 18 - pdf.get_string_width(usage), 19.5, usage)

    # Title (faux bold: fill + thin stroke of the same colour).
    pdf.set_text_color(*NAVY)
    pdf.set_draw_color(*NAVY)
    pdf.set_font_size(25)
    pdf.set_char_spacing(2.5)
    title_w = pdf.get_string_width(TITLE)
    pdf.text_mode = "FILL_STROKE"
    pdf.set_line_width(0.18)
    pdf.text((PAGE_W - title_w) / 2, 35, TITLE)
    pdf.text_mode = "FILL"
    pdf.set_char_spacing(0)
    pdf.set_line_width(0.5)
    pdf.line(PAGE_W / 2 - 70, 41.0, PAGE_W / 2 + 70, 41.0)
    pdf.set_line_width(0.2)
    pdf.line(PAGE_W / 2 - 70, 42.3, PAGE_W / 2 + 70, 42.3)

    # Left column: fields.
    name = _clean(content.name)
    employer = _clean(content.employer)
    values = [
        name,
        _clean(content.gender),
        zh_date(content.birth_date),
        _clean(content.registration_number),
    ]
    pdf.set_font_size(12)
    label_w = pdf.get_string_width(LABELS[2].removesuffix(LABEL_COLON))  # 出生日期, the widest
    value_w = VALUE_RIGHT - VALUE_X
    y = ROW_Y
    for label, value in zip(LABELS[:4], values, strict=True):
        pdf.set_text_color(*LABEL)
        pdf.set_font_size(12)
        _draw_label(pdf, label, LABEL_X, y, label_w)
        pdf.set_text_color(*INK)
        if _fit_size(pdf, value, value_w, 13.5, 8) is None:
            raise _too_long(label.replace(" ", ""), "value of " + label)
        pdf.text(VALUE_X, y, value)
        _underline(pdf, y)
        y += ROW_PITCH

    # 聘用企业: one line, or two at a smaller size.
    pdf.set_text_color(*LABEL)
    pdf.set_font_size(12)
    _draw_label(pdf, LABELS[4], LABEL_X, y, label_w)
    pdf.set_text_color(*INK)
    if _fit_size(pdf, employer, value_w, 13.5, 10) is not None:
        pdf.text(VALUE_X, y, employer)
        _underline(pdf, y)
        y += ROW_PITCH
    else:
        for size in (11, 10, 9, 8):
            pdf.set_font_size(size)
            lines = _wrap(pdf, employer, value_w)
            if len(lines) <= 2:
                break
        else:
            raise _too_long("employer")
        pdf.text(VALUE_X, y - 2.4, lines[0])
        pdf.text(VALUE_X, y + 2.4, lines[1])
        _underline(pdf, y + 2.4)
        y += ROW_PITCH

    # 注册专业 with validity (C-A1); the space down to the bottom block is shared.
    pdf.set_text_color(*LABEL)
    pdf.set_font_size(12)
    _draw_label(pdf, LABELS[5], LABEL_X, y, label_w)
    _draw_specialties(pdf, content.specialties, y)

    # Photo box, right (1 inch, C-A1).
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    if content.photo:
        pdf.image(
            _photo_cover(content.photo, PHOTO_W / PHOTO_H), PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H
        )
        pdf.rect(PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H)
    else:
        pdf.set_fill_color(240, 242, 245)
        pdf.rect(PHOTO_X, PHOTO_Y, PHOTO_W, PHOTO_H, style="DF")
        pdf.set_text_color(*MUTED)
        pdf.set_font_size(11)
        w = pdf.get_string_width(PHOTO_PLACEHOLDER)
        pdf.text(PHOTO_X + (PHOTO_W - w) / 2, PHOTO_Y + PHOTO_H / 2 + 1.5, PHOTO_PLACEHOLDER)

    # Bottom left: QR code (C-3.4) and its caption.
    _draw_qr(pdf, verify_url)
    pdf.set_text_color(*LABEL)
    pdf.set_font_size(8.5)
    w = pdf.get_string_width(QR_CAPTION)
    pdf.text(QR_X + (QR_SIZE - w) / 2, QR_Y + QR_SIZE + 6, QR_CAPTION)

    # Bottom middle: signature image box, then the handwritten signature lines (C-3.3).
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=1.2, gap=1.0)
        pdf.rect(SIG_X, SIG_Y, SIG_W, SIG_H)
    pdf.set_text_color(*MUTED)
    pdf.set_font_size(9)
    w = pdf.get_string_width(SIGNATURE_IMAGE)
    pdf.text(SIG_X + (SIG_W - w) / 2, SIG_Y + SIG_H / 2 + 1.2, SIGNATURE_IMAGE)
    pdf.set_text_color(*INK)
    pdf.set_font_size(10.5)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.25)
    for label, line_y in ((SIGN_LABEL, SIG_Y + SIG_H + 9), (SIGN_DATE_LABEL, SIG_Y + SIG_H + 18)):
        pdf.text(SIG_X - 6, line_y, label)
        start = SIG_X - 6 + pdf.get_string_width(label) + 1
        pdf.line(start, line_y + 0.8, SIG_X + SIG_W + 4, line_y + 0.8)

    # Bottom right: the issuing authority, where the seal would be (no seal drawn), issue date.
    pdf.set_text_color(*MUTED)
    pdf.set_font_size(7.5)
    w = pdf.get_string_width(SEAL_NOTE)
    pdf.text(MINISTRY_CX - w / 2, 156, SEAL_NOTE)
    pdf.set_text_color(*INK)
    pdf.set_font_size(12.5)
    w = pdf.get_string_width(MINISTRY)
    pdf.text(MINISTRY_CX - w / 2, 166, MINISTRY)
    pdf.set_font_size(10.5)
    issued = f"{ISSUED_LABEL}{zh_date(content.issued_on)}"
    w = pdf.get_string_width(issued)
    pdf.text(MINISTRY_CX - w / 2, 175, issued)

    # Footer: C-3.3 in full, what this preview is, and its basis.
    pdf.set_text_color(*MUTED)
    for i, line in enumerate(content.small_print()):
        size = 7.0
        pdf.set_font_size(size)
        while pdf.get_string_width(line) > PAGE_W - 24 and size > 5:
            size -= 0.25
            pdf.set_font_size(size)
        w = pdf.get_string_width(line)
        pdf.text((PAGE_W - w) / 2, PAGE_H - 16 + 4.2 * i, line)

    _watermark(pdf)


def _draw_specialties(pdf, specialties: list, y: float) -> None:
    """Each specialty with its validity (C-A1): one column for up to 4, else two columns that
    also use the width under the photo. The space down to the bottom block is shared."""
    n = max(len(specialties), 1)
    columns = 1 if n <= 4 else 2
    rows = -(-n // columns)
    room = QR_Y - 6 - y
    pitch = min(8.0, room / rows)
    size = min(12.0 if columns == 1 else 10.5, pitch * 72 / 25.4 * 0.8)  # points
    col_w = (VALUE_RIGHT - VALUE_X) if columns == 1 else (PHOTO_X + PHOTO_W - VALUE_X) / 2
    pdf.set_font_size(size)
    names = [_clean(s[0]) for s in specialties]
    name_w = max(pdf.get_string_width(x) for x in [*names, NAME_WIDTH_SAMPLE])
    name_w = min(name_w, col_w * 0.4)
    for i, (name, (_, valid_from, valid_until)) in enumerate(zip(names, specialties, strict=True)):
        x = VALUE_X + (i // rows) * col_w
        line_y = y + (i % rows) * pitch
        pdf.set_text_color(*INK)
        if _fit_size(pdf, name, name_w, size, 6.5) is None:
            raise _too_long("specialty")
        pdf.text(x, line_y, name)
        pdf.set_text_color(*LABEL)
        validity = VALIDITY_RANGE.format(label=VALIDITY_LABEL, start=zh_date(valid_from),
                                         end=zh_date(valid_until))
        _fit_size(pdf, validity, col_w - name_w - 10, size - 1, 6)
        pdf.text(x + name_w + 7, line_y, validity)


def _underline(pdf, y: float) -> None:
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(VALUE_X, y + 2.2, VALUE_RIGHT, y + 2.2)


def _watermark(pdf) -> None:
    """Diagonal, light, on top of everything so that nothing can hide it."""
    cx, cy = PAGE_W / 2 + 4, PAGE_H / 2 + 2
    with pdf.local_context(fill_opacity=0.35):
        pdf.set_text_color(150, 156, 166)
        with pdf.rotation(24, cx, cy):
            pdf.set_font_size(46)
            pdf.set_char_spacing(6)
            w = pdf.get_string_width(WATERMARK_ZH)
            pdf.text(cx - w / 2, cy - 2, WATERMARK_ZH)
            pdf.set_char_spacing(1.5)
            pdf.set_font_size(19)
            w = pdf.get_string_width(WATERMARK_EN)
            pdf.text(cx - w / 2, cy + 12, WATERMARK_EN)
            pdf.set_char_spacing(0)


def render_pdf(content: CertificateContent, verify_url: str) -> bytes:
    """The preview as a one-page A4 landscape PDF (fonts subset-embedded).

    Raises ``CertificateUnavailable`` (``missing_glyph``, ``text_too_long``, ``font_missing``) or
    ``PhotoError`` when ``content.photo`` is not a usable JPEG/PNG.
    """
    from fpdf import FPDF

    _check_glyphs(content)
    font_bytes = cjk_subset(STATIC_TEXT + content.text() + "".join(content.small_print()))
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_subject(PDF_SUBJECT)
    pdf.set_creator("ecert-desk")
    pdf.set_margins(0, 0, 0)
    with embedded_font(pdf, font_bytes):
        pdf.set_font("cjk", size=12)
        _layout(pdf, content, verify_url)
        return bytes(pdf.output())


def render_png(pdf_bytes: bytes, scale: float = 2.0) -> bytes:
    """The first page as PNG (``scale`` 1 = 72 dpi; the default 2 gives 1684×1191 px)."""
    import pypdfium2 as pdfium

    # PDFium is not thread-safe, not even for different documents (pypdfium2's "Incompatibility
    # with Threading"); Streamlit renders from one thread per session, and two previews at once
    # crashed the server (segfault under make load). One call at a time, every handle closed
    # here, and the image copied out before the bitmap goes.
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(pdf_bytes)
        try:
            page = doc[0]
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil().copy()
            bitmap.close()
            page.close()
        finally:
            doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
