"""The certificate preview on the self-service page (issue 3): build, show, download.

The preview (``core.certificate``) is built when the user asks for it and kept in
``st.session_state`` (memory) together with a fingerprint of what it was built from, so a changed
form never shows a stale certificate.

Work done once (issue 11): a certificate is built once per content (what it prints, the photo,
the link's base URL and signing key) and kept in this process's memory (``st.cache_data`` with
``persist=False``: never written to disk, as personal data must not be; bounded by
``CACHE_ENTRIES`` and ``CACHE_TTL``); the image shown is made once as Streamlit would serve it
(display width, JPEG), so it is not decoded, resized and re-encoded on every rerun.
The section is a fragment: building the preview or choosing a photo reruns only this section.
The page draws it below the form and the answer, across the whole width, so the preview image is
large enough to read; the PDF and the PNG image (the one shown) can both be downloaded.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping

import streamlit as st
from PIL import Image

from core.certificate.preview import (
    MAX_PHOTO_BYTES,
    CertificateContent,
    CertificatePreview,
    CertificateUnavailable,
    PhotoError,
    check_photo,
    content_from,
    make_certificate,
)
from core.runtime import config
from ui import state
from ui.i18n import pick, t
from ui.text import esc

PREVIEW = "certificate.preview"  # (fingerprint, CertificatePreview) of the last build
BUILD_REQUESTED = "certificate.build_requested"
NONCE = "self_service.nonce"  # shared with ui.self_service_form: "clear" renews the uploader

# Built certificates kept per process (PDF ~40 KB + two PNGs ~0.5 MB each: at most ~250 MB).
CACHE_ENTRIES = 256
CACHE_TTL = "1h"
# Streamlit shows images at most this wide (streamlit.elements.lib.image_utils
# MAXIMUM_CONTENT_WIDTH) and re-encodes a wider image or a PNG without transparency on every
# run; display_image does it once, the same way, so the bytes served are the same as before.
DISPLAY_WIDTH = 2 * 730


def message(err: object) -> str:
    """``message_zh`` / ``message_en`` of a core exception in the session's language."""
    return esc(getattr(err, f"message_{state.lang()}", "") or getattr(err, "code", "") or err)


def _fingerprint(profile: Mapping, assessment: Mapping, photo: bytes | None) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([profile, assessment.get("as_of"), assessment.get("usage_window")],
                        sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    h.update(photo or b"")
    return h.hexdigest()


def _printable(profile: Mapping) -> dict:
    """Optional text fields the form left empty print as nothing rather than as "None"."""
    return {**profile, "gender": profile.get("gender") or "",
            "employer": profile.get("employer") or ""}


# In memory only: persist=False keeps personal data (the certificate, the photo) off the disk.
@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False, persist=False)
def _certificate(content: CertificateContent, base_url: str, key: bytes) -> CertificatePreview:
    """The certificate of ``content``, built once per content, link base and signing key."""
    return make_certificate(content, base_url, key)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False, persist=False)
def display_image(png: bytes) -> bytes:
    """The preview image as ``st.image`` would serve it, made once.

    What Streamlit does to an image given as bytes on every run (``output_format="auto"``,
    ``streamlit.elements.lib.image_utils``): JPEG unless the image may have an alpha channel,
    resized (bilinear) to ``DISPLAY_WIDTH`` when wider, encoded at quality 90. Given the result,
    ``st.image`` finds nothing to do and serves these bytes as they are.
    """
    image = Image.open(io.BytesIO(png))
    fmt = "PNG" if image.mode in {"RGBA", "LA", "P"} else "JPEG"
    if image.width > DISPLAY_WIDTH:
        height = int(1.0 * image.height * DISPLAY_WIDTH / image.width)
        image = image.resize((DISPLAY_WIDTH, height), resample=Image.BILINEAR)
    elif image.format == fmt:
        return png
    out = io.BytesIO()
    image.save(out, format=fmt, quality=90)
    return out.getvalue()


@st.fragment
def section(profile: Mapping, assessment: Mapping) -> None:
    with st.container(border=True):
        st.markdown(f"### {t('certificate.heading')}")
        window = assessment.get("usage_window")
        if window is None:
            st.info(t("certificate.not_covered"), icon=":material/block:")
            return
        if window.get("status") == "unavailable":
            reason = window.get("reason") or {}
            st.info(t("certificate.unavailable", reason=esc(pick(reason, "message") or
                      reason.get("code") or "")), icon=":material/block:")
            return
        st.caption(t("certificate.intro"))
        if window.get("hypothetical"):
            st.caption(t("certificate.hypothetical", date=window.get("from") or ""))
        upload = st.container(key="limit_in_label_photo").file_uploader(  # a11y.css section 5
            t("certificate.photo"), type=["jpg", "jpeg", "png"],
            key=f"certificate.photo.{st.session_state.get(NONCE, 0)}",
            help=t("certificate.photo_help"), max_upload_size=max(1, MAX_PHOTO_BYTES // 1048576),
        )
        photo = None
        if upload is not None:
            try:
                photo = check_photo(upload.getvalue())
            except PhotoError as err:
                st.error(message(err), icon=":material/image_not_supported:")
        fingerprint = _fingerprint(profile, assessment, photo)
        st.button(t("certificate.build"), type="primary", icon=":material/badge:",
                  key="certificate.build", on_click=_request_build)
        if st.session_state.pop(BUILD_REQUESTED, False):
            _build(profile, assessment, photo, fingerprint)
        stored = st.session_state.get(PREVIEW)
        if stored is None:
            return
        if stored[0] != fingerprint:
            st.info(t("certificate.stale"), icon=":material/refresh:")
            return
        preview = stored[1]
        bar = st.container(horizontal=True)
        bar.download_button(
            t("certificate.download"), data=preview.pdf, file_name="certificate-preview.pdf",
            mime="application/pdf", icon=":material/download:", on_click="ignore",
            key="certificate.download",
        )
        bar.download_button(
            t("certificate.download_png"), data=preview.png, file_name="certificate-preview.png",
            mime="image/png", icon=":material/image:", on_click="ignore",
            key="certificate.download_png",
        )
        st.image(display_image(preview.png), caption=t("certificate.image_caption"),
                 width="stretch",
                 alt=t("certificate.image_alt", name=profile.get("name") or "",
                       number=profile.get("registration_number") or "",
                       start=window.get("from") or "", end=window.get("until") or ""))
        st.caption(t("certificate.qr_link"))
        st.code(preview.verify_url, language=None, wrap_lines=True)


def _request_build() -> None:
    """The button's callback: the build itself runs in the script, with the form's current values
    (a callback survives the router's extra rerun, a plain ``if st.button`` would not)."""
    st.session_state[BUILD_REQUESTED] = True


def _build(profile: Mapping, assessment: Mapping, photo: bytes | None, fingerprint: str) -> None:
    st.session_state.pop(PREVIEW, None)
    try:
        content = content_from(_printable(profile), assessment, photo)
        with st.spinner(t("certificate.building")):
            preview = _certificate(content, config.base_url(), config.secret_key())
    except CertificateUnavailable as err:  # includes FontMissing
        st.error(message(err), icon=":material/error:")
        return
    except PhotoError as err:
        st.error(message(err), icon=":material/image_not_supported:")
        return
    except config.ConfigError as err:
        st.error(t("certificate.config_error", detail=message(err)), icon=":material/key_off:")
        return
    st.session_state[PREVIEW] = (fingerprint, preview)
