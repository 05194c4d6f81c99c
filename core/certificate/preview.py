"""The certificate preview of 附件2 (建办市〔2021〕25号, C-2.1.1, C-A1, C-A2): one call,
``make_certificate(content, base_url, key)``, gives the PDF, its PNG and the encrypted QR token.
No streamlit. The pieces, by concern:

- ``content.py``: what it says (附件2's labels with their colons, the footer quoting C-3.3 in
  full and naming the basis) and ``content_from(profile, assessment)``;
- ``fonts.py``: Noto Sans CJK SC (face 2 of ``noto-cjk-sans-otc``), converted once per process
  and subset per page; a character the font lacks is refused (``missing_glyph``), never drawn
  as a box;
- ``photo.py``: the holder's photo checked and re-encoded from its pixels only;
- ``layout.py``: the page drawn with fpdf2 (all user text with ``FPDF.text``: nothing is
  interpreted) and its PNG; nothing imitates the seal, and a diagonal watermark says 预览样张
  非正式证书 / PREVIEW – NOT AN OFFICIAL CERTIFICATE;
- ``tokens.py``: the QR's ``/verify`` token.

This module keeps the public names of all of them, so callers import one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.certificate import tokens
from core.certificate.content import (
    STATIC_TEXT,
    CertificateContent,
    CertificateUnavailable,
    content_from,
    usage_window_text,
    zh_date,
)
from core.certificate.fonts import (
    FONT_FACE_SC,
    FontMissing,
    cjk_subset,
    embedded_font,
    font_path,
    missing_glyphs,
)
from core.certificate.layout import qr_matrix, render_pdf, render_png
from core.certificate.photo import MAX_PHOTO_BYTES, PHOTO_MAX_SIDE, PhotoError, check_photo

__all__ = [
    "FONT_FACE_SC", "MAX_PHOTO_BYTES", "PHOTO_MAX_SIDE", "STATIC_TEXT", "CertificateContent",
    "CertificatePreview", "CertificateUnavailable", "FontMissing", "PhotoError", "check_photo",
    "cjk_subset", "content_from", "embedded_font", "font_path", "make_certificate",
    "missing_glyphs", "qr_matrix", "render_pdf", "render_png", "usage_window_text",
    "verify_url_for", "zh_date",
]


@dataclass(frozen=True)
class CertificatePreview:
    pdf: bytes
    png: bytes
    token: str
    verify_url: str


def verify_url_for(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/verify?token={token}"


def make_certificate(
    content: CertificateContent, base_url: str, key: bytes, png_scale: float = 2.0
) -> CertificatePreview:
    """PDF + PNG preview with a QR code that opens ``{base_url}/verify?token=…`` (C-3.4)."""
    token = tokens.sign(content.token_payload(), key)
    url = verify_url_for(base_url, token)
    pdf = render_pdf(content, url)
    return CertificatePreview(pdf=pdf, png=render_png(pdf, png_scale), token=token, verify_url=url)
