"""Certificate preview laid out as 附件2 of 建办市〔2021〕25号 (C-2.1.1, C-A1, C-A2). No streamlit.

What it draws (POLICY.md, "Certificate layout (附件2)"): the title 中华人民共和国一级建造师注册证书;
top right the usage window 使用有效期 (C-3.2, R-6); the left column 姓 名, 性 别, 出生日期,
注册编号, 聘用企业, 注册专业 with each specialty's validity 有效期; a 1-inch photo box on the
right; bottom left a QR code (C-3.4) that opens this project's ``/verify`` page with a signed
token (the ministry's WeChat caption is replaced by 扫码核验（ecert-desk）); bottom middle the
signature image box (签名图像) with the 个人签名 / 签名日期 lines for the handwritten signature
(C-3.3); bottom right 中华人民共和国住房和城乡建设部 and 签发日期 where the seal would be.
Nothing imitates the seal, and a diagonal watermark says 预览样张 非正式证书 / PREVIEW – NOT AN
OFFICIAL CERTIFICATE.

Fonts: Noto Sans CJK SC (face 2 of the ``noto-cjk-sans-otc`` collection). fpdf2 would parse and
subset the 19 MB collection on every render (~300 ms), so this module loads the face once per
process and, for each render, builds a small TrueType font holding only the glyphs that page
uses (CFF outlines converted with fontTools' compiled cu2qu), which fpdf2 then embeds on its
TrueType path in a few milliseconds. A character the font lacks is refused (``missing_glyph``),
never drawn as a box.

All user text is drawn as text with ``FPDF.text``: nothing is interpreted (no markdown, no HTML).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from core.certificate import tokens
from core.messages.errors import CodedError
from core.policy.data import POLICY
from core.policy.dates import parse_iso

FONT_PACKAGE = "noto_cjk_sans_otc"
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_FACE_SC = 2  # Noto Sans CJK SC in the collection

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 4000  # per side
PHOTO_MAX_SIDE = 600  # re-encoded photo, long side in pixels (1 inch at ~430 dpi)
RAM_DIR = "/dev/shm"  # where the per-render font file goes when it exists (Linux tmpfs)
GLYPH_CACHE_MAX = 6000  # converted glyphs kept per process (a few MB at most)

# Static text of the layout (checked against the font like the user's text).
TITLE = "中华人民共和国一级建造师注册证书"
# 附件2 labels, with its colons
LABELS = ("姓 名：", "性 别：", "出生日期：", "注册编号：", "聘用企业：", "注册专业：")
USAGE_LABEL = "使用有效期："
VALIDITY_LABEL = "有效期："
QR_CAPTION = "扫码核验（ecert-desk）"
SIGNATURE_IMAGE = "签名图像"
SIGN_LABEL = "个人签名："
SIGN_DATE_LABEL = "签名日期："
MINISTRY = "中华人民共和国住房和城乡建设部"
SEAL_NOTE = "（发证机关印章位置 · 预览不加盖印章）"
ISSUED_LABEL = "签发日期："
PHOTO_PLACEHOLDER = "照片"
WATERMARK_ZH = "预览样张 非正式证书"
WATERMARK_EN = "PREVIEW – NOT AN OFFICIAL CERTIFICATE"
# The footer quotes C-3.3 in full, from the policy data (POLICY.md "Certificate layout").
FOOTER_C33 = f"{POLICY.clauses['C-3.3']['number']} {POLICY.clauses['C-3.3']['zh']}"
FOOTER = "本预览按附件2版式生成，仅供核对信息，不是电子注册证书，不具法律效力。"
BASIS_NOTE = "依据：{notice}（政策数据版本 {version}）。"
SCOPE_NOTE = "此后的通知可能有不同规定，以注册管理机关的记录和持证人证书上印载的日期为准。"
STATIC_TEXT = "".join(
    (TITLE, *LABELS, USAGE_LABEL, VALIDITY_LABEL, "至-0123456789年月日", QR_CAPTION)
    + (SIGNATURE_IMAGE, SIGN_LABEL, SIGN_DATE_LABEL, MINISTRY, SEAL_NOTE, ISSUED_LABEL)
    + (PHOTO_PLACEHOLDER, WATERMARK_ZH, WATERMARK_EN, FOOTER, FOOTER_C33, BASIS_NOTE, SCOPE_NOTE)
)


# ---------------------------------------------------------------------------------------------
# Errors


class CertificateUnavailable(CodedError):
    """No preview can be drawn: ``code`` says why, in both languages.

    Codes: ``unavailable`` (no usage window on the download date, R-6; ``reason`` carries the
    engine's reason), ``not_covered`` (the employer's province issues no electronic certificate,
    C-1), ``missing_glyph`` (``characters`` lists what the font cannot draw), ``text_too_long``,
    ``font_missing``.
    """

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        reason: object = None,
        characters: list[str] | None = None,
    ):
        super().__init__(code, message_zh, message_en)
        self.reason = reason
        self.characters = characters or []


class FontMissing(CertificateUnavailable):
    """The Noto Sans CJK package is not installed (an installation problem, not the user's)."""


class PhotoError(CodedError, ValueError):
    """An uploaded photo that cannot be used; codes ``too_large``, ``not_an_image``,
    ``unsupported_format``, ``too_many_pixels``, ``too_small``."""


# ---------------------------------------------------------------------------------------------
# Content


@dataclass(frozen=True)
class CertificateContent:
    """What a certificate prints (C-A1).

    ``specialties``: ``(specialty, valid_from, valid_until)`` as on the download date.
    """

    name: str
    gender: str
    birth_date: date
    registration_number: str
    employer: str
    specialties: list[tuple[str, date, date]]
    usage_from: date
    usage_until: date
    issued_on: date
    photo: bytes | None = field(default=None, repr=False)
    basis: dict = field(default_factory=lambda: dict(POLICY.basis))
    out_of_scope: bool = False  # the assessment carried basis_scope

    def token_payload(self) -> dict:
        """The payload of the QR token (long names; ``core.tokens`` shortens them)."""
        return {
            "name": self.name,
            "gender": self.gender,
            "birth_date": self.birth_date,
            "registration_number": self.registration_number,
            "employer": self.employer,
            "specialties": [tuple(s) for s in self.specialties],
            "usage_from": self.usage_from,
            "usage_until": self.usage_until,
            "issued_on": self.issued_on,
        }

    def small_print(self) -> list[str]:
        """The footer lines: C-3.3 in full, what this preview is, its basis (and scope)."""
        basis = BASIS_NOTE.format(notice=self.basis["notice"],
                                  version=self.basis["policy_version"])
        return [FOOTER_C33, FOOTER + basis + (SCOPE_NOTE if self.out_of_scope else "")]

    def text(self) -> str:
        """Every piece of user text the certificate draws (for the glyph check)."""
        parts = [self.name, self.gender, self.registration_number, self.employer]
        parts += [s[0] for s in self.specialties]
        return "".join(_clean(p) for p in parts)


@dataclass(frozen=True)
class CertificatePreview:
    pdf: bytes
    png: bytes
    token: str
    verify_url: str


def _reason_messages(reason: object) -> tuple[str, str]:
    if isinstance(reason, dict):
        zh = reason.get("message_zh") or reason.get("code") or ""
        en = reason.get("message_en") or reason.get("code") or ""
        return str(zh), str(en)
    if reason:
        return str(reason), str(reason)
    return "", ""


def content_from(profile: dict, assessment: dict, photo: bytes | None = None) -> CertificateContent:
    """The content of the certificate downloaded on ``usage_window["from"]`` (R-6, C-3.2).

    Printed specialties are ``usage_window["printed"]`` (validity as on the download date). The
    personal fields are the validated ones (trimmed, gender aliases as 男/女). Raises
    ``CertificateUnavailable`` when the usage window is null (``not_covered``) or
    ``unavailable`` (with the engine's reason).
    """
    window = assessment.get("usage_window")
    if window is None:
        raise CertificateUnavailable(
            "not_covered",
            "该聘用企业所在地未启用电子注册证书（建办市〔2021〕25号 一），无法生成证书预览。",
            "The employer's province does not use electronic certificates (notice 25/2021, "
            "clause 1), so there is no certificate to preview.",
        )
    if window.get("status") == "unavailable":
        reason = window.get("reason")
        zh, en = _reason_messages(reason)
        raise CertificateUnavailable(
            "unavailable",
            "下载日没有可打印的注册专业，无法生成证书（三(二)）" + (f"：{zh}" if zh else "。"),
            "No registered specialty can be printed on the download date, so no certificate "
            "can be issued (C-3.2)" + (f": {en}" if en else "."),
            reason=reason,
        )
    usage_from = parse_iso(window["from"])
    usage_until = parse_iso(window["until"])
    printed = window["printed"]
    from core.rules.validate import validate  # the same normalisation the assessment used

    person = validate(profile, parse_iso(assessment["as_of"]))
    missing = [(zh, en) for value, zh, en in ((person.gender, "性别", "gender"),
                                                (person.employer, "聘用企业", "employer"))
               if not value]
    if missing:  # certificate fields of 附件1: no preview without them
        raise CertificateUnavailable(
            "missing_fields",
            f"证书须载明{'、'.join(z for z, _ in missing)}（附件1），请先填写后再生成预览。",
            f"A certificate shows the holder's {' and '.join(e for _, e in missing)} "
            "(annex 1): fill them in to draw the preview.")
    specialties = [
        (str(p["specialty"]), parse_iso(p["valid_from"]), parse_iso(p["valid_until"]))
        for p in printed
    ]
    return CertificateContent(
        name=person.name,
        gender=person.gender or "",
        birth_date=person.birth_date,
        registration_number=person.registration_number,
        employer=person.employer or "",
        specialties=specialties,
        usage_from=usage_from,
        usage_until=usage_until,
        issued_on=usage_from,
        photo=photo,
        basis=dict(assessment.get("basis") or POLICY.basis),
        out_of_scope="basis_scope" in [w.get("code") for w in assessment.get("warnings", [])],
    )


def zh_date(d: date) -> str:
    """``YYYY年MM月DD日``, zero-padded, as printed on the certificate."""
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"


def usage_window_text(content: CertificateContent) -> str:
    """The top-right line, e.g. ``使用有效期：2021年08月12日-2022年02月08日``."""
    return f"{USAGE_LABEL}{zh_date(content.usage_from)}-{zh_date(content.usage_until)}"


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    """Runs of white space (tabs, new lines) become one space; ends trimmed; nothing else."""
    return _SPACES.sub(" ", str(text)).strip()


# ---------------------------------------------------------------------------------------------
# Font: Noto Sans CJK SC, loaded once, subset per render


class _Master:
    """Face 2 of the collection, parsed once; glyphs are copied out under a lock (fontTools'
    lazy tables are not thread-safe and Streamlit renders from several threads)."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTFont

        self.path = path
        self.lock = threading.Lock()
        self.font = TTFont(str(path), fontNumber=FONT_FACE_SC, lazy=True)
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.metrics = self.font["hmtx"].metrics
        self.charstrings = self.font["CFF "].cff.topDictIndex[0].CharStrings
        os2, hhea = self.font["OS/2"], self.font["hhea"]
        self.os2 = {
            k: getattr(os2, k)
            for k in (
                "sTypoAscender",
                "sTypoDescender",
                "sTypoLineGap",
                "usWinAscent",
                "usWinDescent",
                "sCapHeight",
                "sxHeight",
                "usWeightClass",
            )
        }
        self.ascent, self.descent = hhea.ascent, hhea.descent
        self.upem = self.font["head"].unitsPerEm
        self.glyph_cache: dict = {}  # glyph name -> converted TrueType glyph (read-only after)

    def subset(self, text: str) -> bytes:
        """A small TrueType font with the glyphs of ``text`` (every char must be mapped).

        Outlines are converted from CFF cubics to TrueType quadratics (fontTools' compiled cu2qu,
        max error 1 unit of 1000) so that fpdf2 embeds it on its TrueType path (CIDFontType2 +
        FontFile2, with correct widths and ToUnicode).
        """
        from fontTools.fontBuilder import FontBuilder
        from fontTools.pens.cu2quPen import Cu2QuPen
        from fontTools.pens.ttGlyphPen import TTGlyphPen

        codepoints = sorted({ord(c) for c in text} | {0x20})
        cmap = {cp: self.cmap[cp] for cp in codepoints}
        order = list(dict.fromkeys([".notdef", *cmap.values()]))
        glyphs, metrics = {}, {}
        with self.lock:
            if len(self.glyph_cache) > GLYPH_CACHE_MAX:
                self.glyph_cache.clear()
            for name in order:
                glyph = self.glyph_cache.get(name)
                if glyph is None:
                    pen = TTGlyphPen(None)
                    self.charstrings[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
                    glyph = self.glyph_cache[name] = pen.glyph()
                glyphs[name] = glyph
                metrics[name] = self.metrics[name]
        fb = FontBuilder(self.upem, isTTF=True)
        fb.setupGlyphOrder(order)
        fb.setupCharacterMap(cmap)
        fb.setupGlyf(glyphs)
        fb.setupHorizontalMetrics(
            {
                n: (adv, glyphs[n].xMin if glyphs[n].numberOfContours else 0)
                for n, (adv, _) in metrics.items()
            }
        )
        fb.setupHorizontalHeader(ascent=self.ascent, descent=self.descent)
        fb.setupNameTable({"familyName": "Noto Sans CJK SC", "styleName": "Regular"})
        fb.setupOS2(**self.os2)
        fb.setupPost()
        out = io.BytesIO()
        fb.save(out)
        return out.getvalue()


_master: _Master | None = None
_master_lock = threading.Lock()


def font_path() -> Path:
    """The Noto Sans CJK collection inside the installed ``noto-cjk-sans-otc`` package."""
    missing = FontMissing(
        "font_missing",
        "缺少中文字体：请安装 noto-cjk-sans-otc（pip install noto-cjk-sans-otc）。",
        "The Chinese font is missing: install it with `pip install noto-cjk-sans-otc`.",
    )
    if find_spec(FONT_PACKAGE) is None:
        raise missing
    path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    if not path.is_file():
        raise missing
    return path


def _font() -> _Master:
    global _master
    if _master is None:
        with _master_lock:
            if _master is None:
                _master = _Master(font_path())
    return _master


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of ``text`` that Noto Sans CJK SC cannot draw, in order of use."""
    cmap = _font().cmap
    return [c for c in dict.fromkeys(text) if ord(c) not in cmap]


def _check_glyphs(content: CertificateContent) -> None:
    missing = missing_glyphs(content.text())
    if missing:
        shown = "、".join(
            f"{c!r}（U+{ord(c):04X}）" if c.isprintable() else f"U+{ord(c):04X}" for c in missing
        )
        shown_en = ", ".join(
            f"{c!r} (U+{ord(c):04X})" if c.isprintable() else f"U+{ord(c):04X}" for c in missing
        )
        raise CertificateUnavailable(
            "missing_glyph",
            f"字体中没有以下字符，无法正确打印：{shown}。请核对输入（生僻字请确认是否有其他写法）。",
            f"The font has no glyph for: {shown_en}. Check the input; the preview never prints "
            "a placeholder box instead of a character.",
            characters=missing,
        )


# ---------------------------------------------------------------------------------------------
# Photo


def check_photo(data: bytes) -> bytes:
    """An uploaded JPEG/PNG (≤ 2 MB, ≤ 4000×4000 px), verified and re-encoded as a small JPEG
    without metadata (at most 600 px on the long side). Raises ``PhotoError``."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray)) or len(data) == 0:
        raise PhotoError("not_an_image", "照片文件为空。", "The photo file is empty.")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(
            "too_large",
            f"照片文件过大（{len(data) / 1048576:.1f} MB），上限 2 MB。",
            f"The photo is too large ({len(data) / 1048576:.1f} MB); the limit is 2 MB.",
        )
    bad = PhotoError(
        "not_an_image",
        "无法识别的照片文件，请上传 JPEG 或 PNG 图片。",
        "This file is not a readable image; upload a JPEG or PNG picture.",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ("JPEG", "PNG"):
                raise PhotoError(
                    "unsupported_format",
                    f"不支持的图片格式（{fmt}），请上传 JPEG 或 PNG。",
                    f"Unsupported image format ({fmt}); upload a JPEG or PNG.",
                )
            if width > MAX_PHOTO_PIXELS or height > MAX_PHOTO_PIXELS:
                raise PhotoError(
                    "too_many_pixels",
                    f"照片尺寸过大（{width}×{height}），上限 4000×4000 像素。",
                    f"The photo is too big ({width}×{height}); the limit is 4000×4000 pixels.",
                )
            if width < 20 or height < 20:
                raise PhotoError(
                    "too_small",
                    f"照片尺寸过小（{width}×{height}）。",
                    f"The photo is too small ({width}×{height}).",
                )
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


def _too_long(field_zh: str, field_en: str) -> CertificateUnavailable:
    return CertificateUnavailable(
        "text_too_long",
        f"{field_zh}过长，无法在证书上完整打印。",
        f"The {field_en} is too long to print in full on the certificate.",
    )


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
    body, colon = (label[:-1], label[-1]) if label.endswith("：") else (label, "")
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
    label_w = pdf.get_string_width("出生日期")
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
            raise _too_long("聘用企业名称", "employer name")
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
    name_w = max([pdf.get_string_width(x) for x in names] + [pdf.get_string_width("市政公用工程")])
    name_w = min(name_w, col_w * 0.4)
    for i, (name, (_, valid_from, valid_until)) in enumerate(zip(names, specialties, strict=True)):
        x = VALUE_X + (i // rows) * col_w
        line_y = y + (i % rows) * pitch
        pdf.set_text_color(*INK)
        if _fit_size(pdf, name, name_w, size, 6.5) is None:
            raise _too_long("注册专业名称", "specialty name")
        pdf.text(x, line_y, name)
        pdf.set_text_color(*LABEL)
        validity = f"{VALIDITY_LABEL}{zh_date(valid_from)}至{zh_date(valid_until)}"
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
    pdf.set_title("一级建造师注册证书 预览样张（非正式证书）")
    pdf.set_subject("Preview - not an official certificate")
    pdf.set_creator("ecert-desk")
    pdf.set_margins(0, 0, 0)
    with embedded_font(pdf, font_bytes):
        pdf.set_font("cjk", size=12)
        _layout(pdf, content, verify_url)
        return bytes(pdf.output())


@contextmanager
def embedded_font(pdf, font_bytes: bytes, family: str = "cjk") -> Iterator[None]:
    """Make the subset font ``font_bytes`` (``cjk_subset``) available to ``pdf`` as ``family``
    while the block runs: call ``pdf.output()`` inside it. fpdf2 reads fonts from a path only,
    so the bytes sit in a temporary file, removed at the end; it goes to a RAM-backed folder
    (/dev/shm) when the system has a writable one, since the subset shows which characters the
    printed text (a name) uses."""
    ram = RAM_DIR if os.path.isdir(RAM_DIR) and os.access(RAM_DIR, os.W_OK | os.X_OK) else None
    with tempfile.TemporaryDirectory(prefix="ecert-font-", dir=ram) as tmp:
        font_file = Path(tmp) / "cjk.ttf"
        font_file.write_bytes(font_bytes)
        pdf.add_font(family, "", str(font_file))
        try:
            yield
        finally:
            for font in pdf.fonts.values():
                ttfont = getattr(font, "ttfont", None)
                if ttfont is not None:
                    ttfont.close()


def cjk_subset(text: str) -> bytes:
    """Noto Sans CJK SC reduced to the glyphs of ``text`` (every character must be in the font:
    check with ``missing_glyphs``). Raises ``FontMissing`` without the font package."""
    return _font().subset(text)


def render_png(pdf_bytes: bytes, scale: float = 2.0) -> bytes:
    """The first page as PNG (``scale`` 1 = 72 dpi; the default 2 gives 1684×1191 px)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        page = doc[0]
        image = page.render(scale=scale).to_pil()
        page.close()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


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
