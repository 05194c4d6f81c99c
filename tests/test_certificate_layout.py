"""core/certificate/layout.py: the page of 附件2 drawn from a certificate's content
(``render_pdf``): every user text printed as text, not interpreted; long texts wrap, absurd ones
are refused; the same page again and from several threads. (The page's fields, QR code and PNG
through ``preview``: tests/test_certificate_preview.py.)"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from core.certificate import fonts, layout
from core.certificate.content import CertificateUnavailable
from tests.certificate_helpers import BASE, make_content, pdf_text


def test_rare_characters_are_in_the_text():
    text = pdf_text(layout.render_pdf(make_content(name="王堃 喆𠮷"), BASE + "/verify?token=x"))
    assert "王堃 喆𠮷" in text


def test_user_text_is_printed_not_interpreted():
    name = "<script>alert(1)</script>"
    employer = "**粗体** [链接](http://x) {{ 模板 }} %s \\n"
    pdf = layout.render_pdf(make_content(name=name, employer=employer), BASE)
    text = pdf_text(pdf)
    assert name in text
    assert employer.strip() in text


def test_whitespace_runs_collapse():
    pdf = layout.render_pdf(make_content(name="  张\t三\n"), BASE)
    assert "张 三" in pdf_text(pdf)


def test_long_employer_wraps_and_ten_specialties_fit():
    specialties = [
        (s, date(2021, 5, 14), date(2024, 5, 13))
        for s in (
            "建筑工程 公路工程 铁路工程 民航机场工程 港口与航道工程 水利水电工程 "
            "矿业工程 机电工程 市政公用工程 通信与广电工程"
        ).split()
    ]
    employer = (
        "中国某某建设工程集团第十二工程局有限公司广东省深圳市南山区分公司第三项目管理部（联合体）"
    )
    content = make_content(employer=employer, specialties=specialties)
    text = pdf_text(layout.render_pdf(content, BASE))
    assert employer in text.replace("\n", "")
    for s, _, _ in specialties:
        assert s in text


def test_absurdly_long_text_is_refused():
    with pytest.raises(CertificateUnavailable) as err:
        layout.render_pdf(make_content(employer="某" * 400), BASE)
    assert err.value.code == "text_too_long"
    assert err.value.message_zh and err.value.message_en


def test_repeated_render_is_small_and_stable():
    # speed is measured by scripts/bench_certificate.py (make bench), never asserted here
    content = make_content()
    first = layout.render_pdf(content, BASE)
    pdf = layout.render_pdf(content, BASE)
    assert len(pdf) < 200 * 1024
    assert pdf_text(pdf) == pdf_text(first)


def test_concurrent_renders():
    names = ["张堃", "李喆", "王𠮷", "赵钱"]
    results: dict[str, str] = {}

    def render(name):
        results[name] = pdf_text(layout.render_pdf(make_content(name=name), BASE))

    threads = [threading.Thread(target=render, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in names:
        assert n in results[n]


def test_glyph_cache_overflow_still_renders(monkeypatch):
    monkeypatch.setattr(fonts, "GLYPH_CACHE_MAX", 5)
    for name in ("甲乙丙", "丁戊己", "庚辛壬"):
        assert name in pdf_text(layout.render_pdf(make_content(name=name), BASE))
