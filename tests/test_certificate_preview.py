"""core.certificate.preview: the 附件2 preview (C-A1, C-A2), its QR code (C-3.4), input checks."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pypdf
import pytest
import zxingcpp
from PIL import Image

from core.certificate import preview as cert
from core.certificate import tokens
from tests.certificate_helpers import BASE, KEY, make_content, pdf_text, portrait_png


@pytest.fixture(scope="module")
def preview() -> cert.CertificatePreview:
    return cert.make_certificate(make_content(), BASE, KEY)


# --- what the page says -----------------------------------------------------------------------


def test_every_field_is_printed(preview):
    text = pdf_text(preview.pdf)
    assert "中华人民共和国一级建造师注册证书" in text
    for label in ("姓 名", "性 别", "出生日期", "注册编号", "聘用企业", "注册专业"):
        assert re.search(r"\s*".join(label.replace(" ", "")), text), label
    for value in (
        "张堃喆𠮷",
        "男",
        "1970年03月15日",
        "京1112006200807445",
        "北京某建设集团有限公司",
    ):
        assert value in text, value
    assert "建筑工程" in text and "有效期：2021年05月14日至2024年05月13日" in text
    assert "市政公用工程" in text and "有效期：2020年01月01日至2022年12月31日" in text


def test_usage_window_line_exact(preview):
    text = pdf_text(preview.pdf)
    assert "使用有效期：2021年08月12日-2022年02月08日" in text


def test_zero_padded_dates():
    content = make_content(usage_from=date(2024, 1, 2), usage_until=date(2024, 6, 30))
    assert cert.usage_window_text(content) == "使用有效期：2024年01月02日-2024年06月30日"
    assert cert.zh_date(date(987, 1, 9)) == "0987年01月09日"


def test_bottom_block(preview):
    text = pdf_text(preview.pdf)
    for piece in (
        "中华人民共和国住房和城乡建设部",
        "签发日期：2021年08月12日",
        "个人签名：",
        "签名日期：",
        "签名图像",
        "扫码核验（ecert-desk）",
        "照片",  # no photo given: the placeholder
    ):
        assert piece in text, piece
    assert "请登录中国建造师网微信公众号扫一扫查询" not in text


def test_watermark_in_both_languages(preview):
    text = pdf_text(preview.pdf)
    assert "预览样张 非正式证书" in text
    assert "PREVIEW – NOT AN OFFICIAL CERTIFICATE" in text


def test_nothing_red_no_seal_imitation(preview):
    reader = pypdf.PdfReader(io.BytesIO(preview.pdf))
    stream = reader.pages[0].get_contents().get_data().decode("latin-1")
    colours = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)", stream)
    assert colours
    for r, g, b in ((float(x) for x in c) for c in colours):
        assert not (r > 0.5 and r - max(g, b) > 0.25), (r, g, b)


def test_a4_landscape_one_font_subset(preview):
    reader = pypdf.PdfReader(io.BytesIO(preview.pdf))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) == 1
    assert len(preview.pdf) < 200 * 1024


# --- QR code ----------------------------------------------------------------------------------


def decode_qr(png: bytes) -> list[str]:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_qr_opens_verify_url_with_a_token_that_verifies(preview):
    assert preview.verify_url == f"{BASE}/verify?token={preview.token}"
    assert decode_qr(preview.png) == [preview.verify_url]
    token = parse_qs(urlparse(decode_qr(preview.png)[0]).query)["token"][0]
    v = tokens.verify(token, KEY, date(2021, 9, 1))
    assert v.ok and v.window_status == "in_use"
    assert v.payload["name"] == "张堃喆𠮷"
    assert v.payload["registration_number"] == "京1112006200807445"
    assert v.payload["specialties"][0] == {
        "specialty": "建筑工程",
        "valid_from": "2021-05-14",
        "valid_until": "2024-05-13",
    }
    assert (v.payload["usage_from"], v.payload["usage_until"]) == ("2021-08-12", "2022-02-08")
    assert tokens.verify(token, b"another key", date(2021, 9, 1)).code == "bad_signature"


def test_qr_with_photo_and_many_specialties_still_scans():
    specialties = [
        (f"{s}工程", date(2021, 5, 14), date(2024, 5, 13)) for s in "建筑公路铁路矿业机电"
    ]
    content = make_content(
        specialties=specialties,
        employer="中国某某建设工程集团第十二工程局有限公司深圳分公司",
        photo=cert.check_photo(portrait_png()),
    )
    p = cert.make_certificate(content, BASE, KEY)
    assert decode_qr(p.png) == [p.verify_url]
    assert len(p.pdf) < 200 * 1024


def test_png_is_the_first_page(preview):
    img = Image.open(io.BytesIO(preview.png))
    assert img.format == "PNG" and img.width > img.height
    small = Image.open(io.BytesIO(cert.render_png(preview.pdf, scale=1)))
    assert abs(small.width - 842) <= 1 and abs(small.height - 595) <= 1


# --- the package -------------------------------------------------------------------------------


def test_core_certificate_does_not_import_streamlit():
    import subprocess
    import sys

    code = ("import sys, core.certificate.preview, core.certificate.tokens; "
            "sys.exit('streamlit' in sys.modules)")
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_raw_upload_is_checked_when_rendering():
    raw = portrait_png((1200, 1680))  # unchecked upload: checked and shrunk on the way
    assert len(cert.render_pdf(make_content(photo=raw), BASE)) < 200 * 1024
    with pytest.raises(cert.PhotoError) as err:
        cert.render_pdf(make_content(photo=b"not an image"), BASE)
    assert err.value.code == "not_an_image"


@pytest.mark.parametrize("missing, named", [
    ({"gender": None}, ["性别"]), ({"employer": None}, ["聘用企业"]),
    ({"gender": None, "employer": "  "}, ["性别", "聘用企业"]),
])
def test_no_preview_without_gender_and_employer(missing, named):
    from core import assess
    from tests.engine_helpers import d, profile

    p = profile(province="广东", valid_until="2024-12-31", downloaded="2024-09-01", **missing)
    with pytest.raises(cert.CertificateUnavailable) as e:
        cert.content_from(p, assess(p, d("2024-10-01")))
    assert e.value.code == "missing_fields"
    assert all(n in e.value.message_zh for n in named)
    assert "gender" in e.value.message_en or "employer" in e.value.message_en


def test_labels_colons_footer_quotes_c33_and_the_basis():
    from core import assess
    from tests.engine_helpers import d, profile

    p = profile(province="广东", valid_until="2024-12-31", downloaded="2024-09-01")
    text = pdf_text(cert.render_pdf(cert.content_from(p, assess(p, d("2024-10-01"))), BASE))
    flat = "".join(text.split())
    for label in ("姓名：", "性别：", "出生日期：", "注册编号：", "聘用企业：", "注册专业："):
        assert label in flat, label
    assert "未手写签名或与签名图像笔迹不一致的，该电子证书无效" in flat
    assert "建办市〔2021〕25号" in flat and "2021-25.2" in flat
    assert "以注册管理机关的记录" in flat  # basis_scope: the as-of date is after 2021
