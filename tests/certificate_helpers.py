"""Builders shared by the certificate tests (tests/test_certificate_*.py): a content to print,
the text of a PDF, a portrait photo."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from PIL import Image, ImageDraw

from core.certificate import preview as cert

KEY = b"test-key-0123456789abcdef0123456"
BASE = "https://ecert.example.cn/desk"


def make_content(**changes) -> cert.CertificateContent:
    fields = dict(
        name="张堃喆𠮷",
        gender="男",
        birth_date=date(1970, 3, 15),
        registration_number="京1112006200807445",
        employer="北京某建设集团有限公司",
        specialties=[
            ("建筑工程", date(2021, 5, 14), date(2024, 5, 13)),
            ("市政公用工程", date(2020, 1, 1), date(2022, 12, 31)),
        ],
        usage_from=date(2021, 8, 12),
        usage_until=date(2022, 2, 8),
        issued_on=date(2021, 8, 12),
        photo=None,
    )
    fields.update(changes)
    return cert.CertificateContent(**fields)


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def portrait_png(size=(300, 420)) -> bytes:
    img = Image.new("RGB", size, (180, 200, 230))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.52), fill=(230, 200, 170))
    draw.rectangle((w * 0.15, h * 0.6, w * 0.85, h), fill=(40, 60, 90))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
