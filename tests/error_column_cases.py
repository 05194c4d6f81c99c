"""The rosters whose ``error`` column (CONTRACT.md, ``python -m core roster``) is pinned by
tests/test_messages_problems.py: the demo roster, and a hostile roster with every kind of cell
problem (bad dates, control characters, over-long text, unknown values, extra fields, the
separators of the error text itself inside values). ``python -m tests.error_column_cases``
rewrote the expected columns in tests/fixtures/error_column/ from the code before problems
became data (a6158e5), so the test pins today's text to that.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from tests.samples import EN_HEADER, GOOD_ROW, OTHER_ROW, with_cell

FOLDER = Path(__file__).resolve().parent / "fixtures" / "error_column"
AS_OF = date(2024, 6, 1)


def _hostile_rows() -> list[list[str]]:
    g = GOOD_ROW
    rows = [g, OTHER_ROW]
    cells = [
        ("birth_date", "2021-13-01"), ("birth_date", "abc"), ("birth_date", "1850-01-01"),
        ("birth_date", "2010-01-01"), ("birth_date", ""), ("valid_from", "３０２１－０８－０１"),
        ("valid_from", "1990-01-01"), ("valid_until", "2017-01-01"), ("valid_until", "2250-01-01"),
        ("renewal_applied_on", "2017-01-01"), ("renewal_approved_on", "2010-01-01"),
        ("renewal_approved_on", "2036-01-01"), ("name", "张\x07三"), ("name", "名" * 200),
        ("name", ""), ("name", "a; b: c (x / y)"), ("employer", "=cmd|' /C calc'!A0"),
        ("employer_province", "火星"), ("employer_province", "x" * 60),
        ("employer_province", "北京 / 北京市; gender: bad (假 / fake)"),
        ("specialty", "建筑工程; name: required (必填 / required)"), ("specialty", ""),
        ("gender", "X"), ("gender", "中 / en"), ("registration_number", "123"),
        ("registration_number", "京111200620080744"), ("continuing_education_done", "maybe"),
        ("continuing_education_done", "也许 / perhaps; x"),
        ("certificate_downloaded_on", "2030-01-01"),
        ("certificate_downloaded_on", "20211301"),
    ]
    rows += [with_cell(g, c, v) for c, v in cells]
    several = with_cell(with_cell(with_cell(g, "birth_date", "bad"), "gender", "?"),
                        "employer_province", "nowhere")
    rows.append(with_cell(several, "valid_until", "2000-01-01"))
    return rows


def hostile_csv() -> bytes:
    lines = [",".join(EN_HEADER)]
    for r in _hostile_rows():
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in r))
    lines.append(",".join(GOOD_ROW) + ",extra,fields")  # too_many_fields (the tolerant reader)
    lines.append(",".join(GOOD_ROW))
    return ("\n".join(lines) + "\n").encode("utf-8")


def demo_csv() -> bytes:
    from core.demo.roster import DEMO_SEED, demo_roster
    from core.roster.io import to_csv_bytes
    return to_csv_bytes(demo_roster(3000, DEMO_SEED, AS_OF), encoding="utf-8")


CASES = {"hostile": hostile_csv, "demo": demo_csv}


def error_column(csv: bytes) -> list:
    """The CLI's ``error`` column for ``csv`` at AS_OF (python -m core roster)."""
    import subprocess
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-m", "core", "roster", "-", "--as-of", AS_OF.isoformat()],
                       input=csv, capture_output=True, cwd=root, timeout=300, check=False)
    if p.returncode != 0:  # no "-" for stdin: through a file
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "roster.csv"
            f.write_bytes(csv)
            p = subprocess.run([sys.executable, "-m", "core", "roster", str(f), "--as-of",
                                AS_OF.isoformat()], capture_output=True, cwd=root, timeout=300,
                               check=True)
    table = pd.read_csv(io.BytesIO(p.stdout), dtype=str, keep_default_na=False)
    return table["error"].tolist()


if __name__ == "__main__":
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, make in CASES.items():
        (FOLDER / f"{name}.json").write_text(
            json.dumps(error_column(make()), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
