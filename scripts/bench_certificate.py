"""Certificate preview speed and size: cold (first render, font load included) and warm renders.

    .venv/bin/python scripts/bench_certificate.py [--json]

``run()`` returns the figures as a dict (scripts/bench.py calls it). Targets: warm PDF render
under 300 ms, PDF under 200 KiB. "warm" renders the same content again (a Streamlit rerun: the
QR code and the converted glyphs are cached); "warm_new_name" gives each render a different name
and so a new token (as when many people use the page): new glyphs and a new QR code.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WARM_RUNS = 20
TARGET_WARM_MS = 300.0
TARGET_PDF_KIB = 200.0


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (413, 579), (178, 200, 228))
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 110, 293, 320), fill=(232, 200, 172))
    draw.rectangle((60, 360, 353, 579), fill=(38, 58, 92))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _content(name: str = "张堃喆", photo: bytes | None = None):
    from core.certificate.preview import CertificateContent

    return CertificateContent(
        name=name,
        gender="男",
        birth_date=date(1978, 11, 3),
        registration_number="粤1442010201100012",
        employer="广东某某建设工程集团有限公司",
        specialties=[
            ("建筑工程", date(2021, 5, 14), date(2024, 5, 13)),
            ("市政公用工程", date(2020, 9, 1), date(2023, 8, 31)),
        ],
        usage_from=date(2021, 8, 12),
        usage_until=date(2022, 2, 8),
        issued_on=date(2021, 8, 12),
        photo=photo,
    )


def run(warm_runs: int = WARM_RUNS) -> dict:
    """Cold and warm render times (ms) and the PDF size (KiB), with a realistic content."""
    start = time.perf_counter()
    from core.certificate import preview as certificate
    from core.certificate import tokens

    photo = certificate.check_photo(_photo())
    content = _content(photo=photo)
    key = b"bench-key-0123456789abcdef012345"
    token = tokens.sign(content.token_payload(), key)
    url = certificate.verify_url_for("https://ecert.example.cn", token)
    t0 = time.perf_counter()
    pdf = certificate.render_pdf(content, url)
    cold_ms = (time.perf_counter() - t0) * 1000
    cold_with_import_ms = (time.perf_counter() - start) * 1000

    warm = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        pdf = certificate.render_pdf(content, url)
        warm.append((time.perf_counter() - t0) * 1000)

    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    given = "堃喆伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    warm_new = []
    for i in range(warm_runs):
        other = _content(
            name=surnames[i % len(surnames)] + given[(i * 7) % len(given)], photo=photo
        )
        other_url = certificate.verify_url_for(
            "https://ecert.example.cn", tokens.sign(other.token_payload(), key)
        )
        t0 = time.perf_counter()
        certificate.render_pdf(other, other_url)  # new glyphs and a new QR code
        warm_new.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    png = certificate.render_png(pdf)
    png_ms = (time.perf_counter() - t0) * 1000

    warm_ms = statistics.median(warm)
    pdf_kib = len(pdf) / 1024
    return {
        "cold_ms": round(cold_ms, 1),
        "cold_with_import_ms": round(cold_with_import_ms, 1),
        "warm_ms": round(warm_ms, 1),
        "warm_new_name_ms": round(statistics.median(warm_new), 1),
        "warm_runs": warm_runs,
        "png_ms": round(png_ms, 1),
        "pdf_kib": round(pdf_kib, 1),
        "png_kib": round(len(png) / 1024, 1),
        "warm_target_ms": TARGET_WARM_MS,
        "pdf_target_kib": TARGET_PDF_KIB,
        "ok": warm_ms < TARGET_WARM_MS and pdf_kib < TARGET_PDF_KIB,
    }


def main(argv: list[str]) -> int:
    result = run()
    if "--json" in argv:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"certificate: cold {result['cold_ms']:.0f} ms "
            f"({result['cold_with_import_ms']:.0f} ms with imports), "
            f"warm median {result['warm_ms']:.0f} ms of {result['warm_runs']} "
            f"(new name each time {result['warm_new_name_ms']:.0f} ms), "
            f"PNG {result['png_ms']:.0f} ms, PDF {result['pdf_kib']:.1f} KiB "
            f"(targets < {TARGET_WARM_MS:.0f} ms, < {TARGET_PDF_KIB:.0f} KiB): "
            f"{'ok' if result['ok'] else 'MISSED'}"
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
