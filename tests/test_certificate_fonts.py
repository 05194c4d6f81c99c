"""core.certificate.fonts: the CJK font, its glyphs, and a clear error when it is missing."""

from __future__ import annotations

import pytest

from core.certificate import fonts
from core.certificate import preview as cert
from tests.certificate_helpers import BASE, make_content


def test_missing_glyphs_lists_only_absent_characters():
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(cert.font_path()), fontNumber=cert.FONT_FACE_SC, lazy=True).getBestCmap()
    for c in "堃喆𠮷":
        assert ord(c) in cmap
    for cp in (0xF8FF, 0x2FA20):  # private use; unassigned in plane 2
        assert cp not in cmap
    assert cert.missing_glyphs("张堃喆𠮷 Zhang") == []
    assert cert.missing_glyphs("a\uf8ffb\U0002fa20\uf8ff") == ["\uf8ff", "\U0002fa20"]


@pytest.mark.parametrize("name", ["张\uf8ff", "李\U0002fa20"])
def test_character_absent_from_font_is_refused(name):
    with pytest.raises(cert.CertificateUnavailable) as err:
        cert.render_pdf(make_content(name=name), BASE)
    assert err.value.code == "missing_glyph"
    assert err.value.characters == [name[1]]
    assert f"U+{ord(name[1]):04X}" in err.value.message_en
    assert f"U+{ord(name[1]):04X}" in err.value.message_zh


def test_every_static_text_character_is_in_the_font():
    assert cert.missing_glyphs(cert.STATIC_TEXT) == []


def test_font_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts, "find_spec", lambda name: None)
    with pytest.raises(cert.FontMissing) as err:
        cert.font_path()
    assert err.value.code == "font_missing"
    assert "pip install noto-cjk-sans-otc" in err.value.message_en
    assert "pip install noto-cjk-sans-otc" in err.value.message_zh
