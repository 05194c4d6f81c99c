"""Shared test material: sample rows and headers, roster file builders, message checks, and the
hypothesis profiles of the property tests (tests/hostile).

Hypothesis profiles (selected by the environment variable ``HYPOTHESIS_PROFILE``):

* ``ci`` (default): a bounded number of examples per property, so ``make test`` stays fast;
* ``long``: many examples per property, for ``scripts/fuzz.py`` (see docs/SECURITY.md).

The profile is applied only to the property tests of this directory (through :data:`fuzz`),
never loaded globally: the rest of the suite keeps its own settings.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, settings

from core.roster.io import read_roster
from core.schema.roster import COLUMN_LABELS_ZH, ROSTER_COLUMNS
from tests.databases import Database

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 5000)),
                          **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    PROFILE = "ci"
#: decorator for the property tests: ``@fuzz`` then ``@given(...)``
fuzz = settings(settings.get_profile(PROFILE))

AS_OF = date(2021, 9, 20)

EN_HEADER = list(ROSTER_COLUMNS)
ZH_HEADER = [COLUMN_LABELS_ZH[c] for c in ROSTER_COLUMNS]  # the first alias of each column
GOOD_ROW = [
    "张三", "男", "1970-03-15", "京1112006200807445", "北京某建设集团有限公司", "北京",
    "建筑工程", "2018-06-01", "2021-05-31", "", "", "是", "2021-09-01",
]  # fmt: skip
OTHER_ROW = [
    "李四", "女", "1975/8/1", "苏2322007200901234", "江苏某工程有限公司", "江苏",
    "市政公用工程", "2019年1月2日", "20220101", "2021.12.1", "", "否", "",
]  # fmt: skip


def csv_bytes(rows, header=None, sep=",", encoding="utf-8") -> bytes:
    header = EN_HEADER if header is None else header
    return ("\n".join(sep.join(r) for r in [header, *rows]) + "\n").encode(encoding)


def xlsx_bytes(rows, formats: dict[str, str] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for cell, fmt in (formats or {}).items():
        ws[cell].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_cell(row: list[str], column: str, value: str) -> list[str]:
    out = list(row)
    out[EN_HEADER.index(column)] = value
    return out


def import_file(store, data: bytes, file_name: str, as_of: date = AS_OF):
    """The admin import flow at core level (as ui/admin_import.py does it): read -> assess ->
    store only the rows without an error, in one transaction. Returns (snapshot id, assessed)."""
    from core import assess_roster

    roster = read_roster(data, file_name)
    assessed = assess_roster(roster.data, as_of)
    ok = assessed["error"].isna().to_numpy(dtype=bool)
    valid = roster.data.loc[ok, list(ROSTER_COLUMNS)].reset_index(drop=True)
    sid = store.import_snapshot(valid, file_name, roster.sha256 or "",
                                rejected_rows=int((~ok).sum()))
    return sid, assessed


def db_state(db) -> tuple:
    """Everything in the database (snapshots, rows), read with the plain driver, not the code
    under test: a tests/databases.Database (SQLite or PostgreSQL) or a SQLite file's path."""
    if isinstance(db, Path):
        db = Database("sqlite", f"sqlite:///{db.as_posix()}", path=db)
    snaps, rows, _frames = db.state()
    return snaps, rows


def bilingual(zh: str, en: str) -> None:
    """A message a person can act on: Chinese text in ``zh``, plain English in ``en``."""
    assert zh and en and zh != en
    assert any("\u4e00" <= c <= "\u9fff" for c in zh), zh
    assert "Traceback" not in zh and "Traceback" not in en


def frame_equal_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_dtype=False)


ERROR_PART = re.compile(
    r"^(?P<column>[a-z_]+|row): (?P<code>[a-z_0-9]+) \((?P<zh>.+) / (?P<en>.+)\)$", re.S
)


def row_errors(text) -> list[tuple[str, str]]:
    """``[(column, code), …]`` of an ``error`` cell of ``assess_roster``; each part must be
    ``"<column>: <code> (<中文> / <English>)"`` with both messages present."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return []
    out = []
    for part in re.split(r"; (?=[a-z_]+: )", str(text)):
        m = ERROR_PART.match(part)
        assert m, f"malformed row error: {part!r}"
        assert m["zh"].strip() and m["en"].strip(), part
        out.append((m["column"], m["code"]))
    return out


def roster_csv(n: int = 60, seed: int = 5, bad: bool = False) -> bytes:
    """A demo roster of ``n`` rows as CSV; ``bad``: rows 2-4 with a bad date, an unknown
    province and a formula (what an import must reject)."""
    from core.demo.roster import demo_roster
    from core.policy.dates import today_shanghai
    from core.roster.io import to_csv_bytes

    df = demo_roster(n, seed=seed, as_of=today_shanghai())
    out = df.astype(object)
    if bad:
        out.loc[1, "birth_date"] = "2021/13/45"
        out.loc[2, "employer_province"] = "火星"
        out.loc[3, "specialty"] = "=HYPERLINK(\"x\")"
    return to_csv_bytes(out)
