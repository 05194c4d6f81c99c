"""The Noto Sans CJK font of the preview: found in its PyPI package, converted once per process,
subset to the glyphs a page uses, and the check that every character of a name can be drawn."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from core.certificate.content import CertificateContent, CertificateUnavailable
from core.messages.catalogue import text

FONT_PACKAGE = "noto_cjk_sans_otc"
FONT_FILE = "NotoSansCJK-Regular.ttc"
FONT_FACE_SC = 2  # Noto Sans CJK SC in the collection
RAM_DIR = "/dev/shm"  # where the per-render font file goes when it exists (Linux tmpfs)
GLYPH_CACHE_MAX = 6000  # converted glyphs kept per process (a few MB at most)


class FontMissing(CertificateUnavailable):
    """The Noto Sans CJK package is not installed (an installation problem, not the user's)."""


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
    missing = FontMissing("font_missing", *text("certificate", "font_missing"))
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
        glyphs = [text("certificate", "glyph_zh", char=repr(c), code=f"{ord(c):04X}")
                  if c.isprintable() else (f"U+{ord(c):04X}",) * 2 for c in missing]
        sep_zh, sep_en = text("roster", "list_separator")
        zh, en = text("certificate", "missing_glyph", shown=sep_zh.join(g[0] for g in glyphs),
                      shown_en=sep_en.join(g[1] for g in glyphs))
        raise CertificateUnavailable("missing_glyph", zh, en, characters=missing)


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
