"""ui/certificate_view.py (issue 11): work done once, outputs unchanged, nothing on disk.

* ``display_image`` gives exactly the bytes Streamlit's ``st.image`` would serve for the preview
  PNG, and leaves ``st.image`` nothing to redo (no decode/resize/re-encode per rerun);
* ``_certificate`` builds a certificate once per content, link base and signing key;
* both caches live in memory only (``persist`` off): personal data never reaches the disk.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image
from streamlit.elements.lib.image_utils import (
    _ensure_image_size_and_format,
    _validate_image_format_string,
)
from streamlit.elements.lib.layout_utils import LayoutConfig

from core import assess
from core.certificate.preview import CertificatePreview, content_from, make_certificate
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from ui import certificate_view

KEY = b"k" * 32


def served(data: bytes) -> bytes:
    """What st.image(data, width="stretch") serves: Streamlit's own conversion."""
    fmt = _validate_image_format_string(data, "auto")
    return _ensure_image_size_and_format(data, LayoutConfig(width="stretch"), fmt)


@pytest.fixture(scope="module")
def content():
    today = today_shanghai()
    profile = demo_profile(today)
    return content_from({**profile, "gender": profile.get("gender") or "",
                         "employer": profile.get("employer") or ""}, assess(profile, today))


def test_the_shown_image_is_what_streamlit_would_serve_and_needs_no_more_work(content):
    png = make_certificate(content, "http://127.0.0.1:8501", KEY).png
    shown = certificate_view.display_image(png)
    assert shown == served(png)
    assert Image.open(io.BytesIO(shown)).width == certificate_view.DISPLAY_WIDTH
    assert served(shown) is shown  # st.image hands these bytes on untouched


def test_a_narrow_transparent_png_is_shown_as_it_is():
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 20, 30, 128)).save(out, format="PNG")
    png = out.getvalue()
    assert certificate_view.display_image(png) == png == served(png)


def test_a_certificate_is_built_once_per_content_base_url_and_key(content, monkeypatch):
    calls = []

    def fake_make(c, base_url, key):
        calls.append((c.name, base_url, key))
        return CertificatePreview(pdf=b"%PDF", png=b"png", token="t", verify_url="u")

    monkeypatch.setattr(certificate_view, "make_certificate", fake_make)
    certificate_view._certificate.clear()
    try:
        first = certificate_view._certificate(content, "http://a", KEY)
        again = certificate_view._certificate(content, "http://a", KEY)
        assert first == again and len(calls) == 1
        other = dataclasses.replace(content, name="王五")
        certificate_view._certificate(other, "http://a", KEY)
        certificate_view._certificate(content, "http://b", KEY)
        certificate_view._certificate(content, "http://a", b"x" * 32)
        assert len(calls) == 4
    finally:
        certificate_view._certificate.clear()


def test_the_caches_are_bounded_and_never_written_to_disk():
    for cached in (certificate_view._certificate, certificate_view.display_image):
        info = cached._info
        assert info.persist is None  # st.cache_data(persist=False): memory only
        assert info.max_entries == certificate_view.CACHE_ENTRIES
        assert info.ttl is not None
