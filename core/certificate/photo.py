"""The holder's photo: size, pixel and format limits checked on the server, re-encoded from its
pixels only (no comment, EXIF, ICC or XMP reaches the PDF) and cut to the 1-inch box."""

from __future__ import annotations

import io

from core.messages.catalogue import text
from core.messages.errors import CodedError

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 4000  # per side
PHOTO_MAX_SIDE = 600  # re-encoded photo, long side in pixels (1 inch at ~430 dpi)


class PhotoError(CodedError, ValueError):
    """An uploaded photo that cannot be used; codes ``too_large``, ``not_an_image``,
    ``unsupported_format``, ``too_many_pixels``, ``too_small``."""


def photo_error(key: str, /, **values) -> PhotoError:
    """The PhotoError of messages.toml ``[certificate.photo.<key>]``: its code is the key's
    first part."""
    zh, en = text("certificate", f"photo.{key}", **values)
    return PhotoError(key.split(".", 1)[0], zh, en)


# ---------------------------------------------------------------------------------------------
# Photo


def check_photo(data: bytes) -> bytes:
    """An uploaded JPEG/PNG (≤ 2 MB, ≤ 4000×4000 px), verified and re-encoded as a small JPEG
    without metadata (at most 600 px on the long side). Raises ``PhotoError``."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray)) or len(data) == 0:
        raise photo_error("not_an_image.empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise photo_error("too_large", size_mb=len(data) / 1048576)
    bad = photo_error("not_an_image.unreadable")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ("JPEG", "PNG"):
                raise photo_error("unsupported_format", fmt=fmt)
            if width > MAX_PHOTO_PIXELS or height > MAX_PHOTO_PIXELS:
                raise photo_error("too_many_pixels", width=width, height=height)
            if width < 20 or height < 20:
                raise photo_error("too_small", width=width, height=height)
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = _pixels_only(img.convert("RGB"))  # drops alpha, palette and all metadata
            img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)
            return out.getvalue()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise bad from None


def _pixels_only(img):
    """A new RGB image holding only ``img``'s pixels: Pillow's ``convert`` keeps ``info``
    (JPEG comment, EXIF, ICC profile, XMP), and its JPEG writer would write them back."""
    from PIL import Image

    return Image.frombytes("RGB", img.size, img.tobytes())


def _photo_cover(data: bytes, ratio: float) -> io.BytesIO:
    """The photo, checked again (``check_photo``: the caller may pass the raw upload), cropped
    around its centre to ``ratio`` (width/height), as JPEG."""
    from PIL import Image

    with Image.open(io.BytesIO(check_photo(data))) as img:
        img = _pixels_only(img.convert("RGB"))
        w, h = img.size
        if w / h > ratio:
            nw = round(h * ratio)
            img = img.crop(((w - nw) // 2, 0, (w - nw) // 2 + nw, h))
        else:
            nh = round(w / ratio)
            img = img.crop((0, (h - nh) // 2, w, (h - nh) // 2 + nh))
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=85)
        out.seek(0)
        return out
