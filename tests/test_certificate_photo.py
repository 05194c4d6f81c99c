"""core.certificate.photo: the photo checked, re-encoded and stripped of its metadata."""

from __future__ import annotations

import io

import pypdf
import pytest
from PIL import Image

from core.certificate import preview as cert
from tests.certificate_helpers import BASE, make_content, pdf_text, portrait_png


def test_good_png_is_reencoded_as_small_jpeg():
    out = cert.check_photo(portrait_png((1200, 1680)))
    img = Image.open(io.BytesIO(out))
    assert img.format == "JPEG" and max(img.size) <= cert.PHOTO_MAX_SIDE
    assert len(out) < 200 * 1024


def test_metadata_is_stripped():
    img = Image.open(io.BytesIO(portrait_png()))
    exif = Image.Exif()
    exif[0x010E] = "secret GPS note"  # ImageDescription
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif.tobytes())
    assert b"secret GPS note" in raw.getvalue()
    out = cert.check_photo(raw.getvalue())
    assert b"secret GPS note" not in out and b"Exif" not in out


def test_photo_is_drawn_instead_of_placeholder():
    pdf = cert.render_pdf(make_content(photo=cert.check_photo(portrait_png())), BASE)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 1
    assert "照片" not in pdf_text(pdf)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024), "too_large"),
        (bytes(range(256)) * 40, "not_an_image"),
        ("姓名,性别\n张三,男\n".encode() * 10, "not_an_image"),  # a text file renamed .png
        (b"", "not_an_image"),
    ],
    ids=["3MB", "garbage", "text-as-png", "empty"],
)
def test_bad_photos(data, code):
    with pytest.raises(cert.PhotoError) as err:
        cert.check_photo(data)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en


def test_gif_is_unsupported():
    out = io.BytesIO()
    Image.new("RGB", (50, 70)).save(out, "GIF")
    with pytest.raises(cert.PhotoError) as err:
        cert.check_photo(out.getvalue())
    assert err.value.code == "unsupported_format"


def test_too_many_pixels():
    out = io.BytesIO()
    Image.new("1", (4001, 50)).save(out, "PNG")
    assert len(out.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(cert.PhotoError) as err:
        cert.check_photo(out.getvalue())
    assert err.value.code == "too_many_pixels"


def test_truncated_png():
    data = portrait_png()
    with pytest.raises(cert.PhotoError) as err:
        cert.check_photo(data[: len(data) // 2])
    assert err.value.code == "not_an_image"
