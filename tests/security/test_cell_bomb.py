"""Issue 27: a cell bomb within the size limits (a 718 KB .csv.gz holding one 704 MB cell took
the server to 4.5 GB outside the cage and the CLI parent to 5.8 GB).

* a cell is limited when reading (MAX_CELL_CHARS, 1,000,000): a run of bytes longer than
  any cell is refused before parsing, any longer cell after it; a coded bilingual error names
  the data row and the column;
* what a cage hands back is limited in all (not only file by file);
* at most CAGE_SLOTS cages run at once;
* the import keeps only a cut preview (PREVIEW_CELL_CHARS per cell), never the raw cells;
* the CLI answers the bomb with exit 2 and stays far under 1 GiB.

Generated here: a 64 MB cell packs to about 64 KB.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
import tracemalloc
from datetime import date
from pathlib import Path

import psutil
import pytest

from core.admin import jobs
from core.admin.importing import PREVIEW_CELL_CHARS, check_job, preview_of
from core.roster import cage
from core.roster.io import RosterReadError, read_roster
from core.roster.packed import _unpack_single
from core.schema import roster as schema
from tests.hostile.test_cage import GIB, run_cli_measured
from tests.samples import EN_HEADER, GOOD_ROW, bilingual, csv_bytes
from tests.security.test_far_cell_bypass import _edited

MB = 1024**2
EMPLOYER = EN_HEADER.index("employer")


def _row_with(cell: str, column: int = EMPLOYER) -> list[str]:
    row = list(GOOD_ROW)
    row[column] = cell
    return row


def bomb(cell_bytes: int = 64 * MB) -> bytes:
    """A .csv.gz: a good row, then a row whose employer is ``cell_bytes`` of "A"."""
    return gzip.compress(csv_bytes([GOOD_ROW, _row_with("A" * cell_bytes)]), 6)


def test_the_bomb_is_refused_before_parsing_naming_row_and_column():
    data = bomb()
    assert len(data) < 1 * MB
    before = psutil.Process().memory_info().rss
    with pytest.raises(RosterReadError) as err:
        read_roster(data, "bomb.csv.gz")
    e = err.value
    assert e.code == "cell_too_long"
    bilingual(e.message_zh, e.message_en)
    assert "第 2 行" in e.message_zh and "row 2" in e.message_en
    assert "employer" in e.message_zh and "employer" in e.message_en
    # the 64 MB unpacked (and nothing parsed from it): far below a parse of the cell
    assert psutil.Process().memory_info().rss - before < 256 * MB


def test_unpacking_holds_the_content_once_and_never_asks_for_the_cap():
    """A .gz is read piece by piece: a read of the whole cap (768 MB) asked for a buffer of
    the cap (789 MiB allocated for a 64 MB cell, against the cage's address-space limit)."""
    data = bomb()
    tracemalloc.start()
    try:
        content, _ = _unpack_single(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(content) > 64 * MB
    assert peak < 2 * len(content), f"{peak / MB:.0f} MiB allocated"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_just_over_the_limit_is_refused_after_reading(kind):
    long = "长" * (schema.MAX_CELL_CHARS + 1)  # few enough bytes to pass the byte scan
    if kind == "csv":
        data, row = csv_bytes([GOOD_ROW, GOOD_ROW, _row_with(long, 0)]), 3
    else:  # written into the sheet XML (spreadsheet writers cut a cell at 32,767 themselves)
        data, row = _edited('<row r="3"><c r="A3" t="inlineStr"><is><t>' + long
                            + "</t></is></c></row>"), 2
    with pytest.raises(RosterReadError) as err:
        read_roster(data)
    assert err.value.code == "cell_too_long"
    assert f"第 {row} 行" in err.value.message_zh and '"name"' in err.value.message_en


def test_a_long_cell_within_the_limit_reads_and_the_preview_is_cut():
    long = "某" * 20_000
    roster = read_roster(csv_bytes([_row_with(long), GOOD_ROW]))
    assert roster.raw["employer"][0] == long  # read whole: only the limit refuses
    preview = check_job(roster, date(2021, 9, 20))["preview"]
    cell = preview["employer"][0]
    assert len(cell) == PREVIEW_CELL_CHARS and cell.endswith("…")
    assert preview["name"][1] == GOOD_ROW[0]
    assert all(len(str(v)) <= PREVIEW_CELL_CHARS for v in preview.to_numpy().ravel()
               if isinstance(v, str))
    assert preview_of(roster.raw).shape == (2, len(roster.raw.columns))


def test_the_cli_answers_the_bomb_with_exit_2_under_1_gib(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(bomb())
    code, stderr, peak = run_cli_measured("roster", str(path), "--as-of", "2024-01-01")
    assert code == 2, (code, stderr[-300:])
    zh, en = stderr.strip().split(" / ", 1)
    bilingual(zh, en)
    assert "cell" in en
    assert peak < GIB // 2, f"peak memory (PSS) {peak / MB:.0f} MiB"


def test_what_a_cage_hands_back_is_limited_in_all():
    data = csv_bytes([GOOD_ROW] * 2000)
    probe = cage.run_caged(jobs.read_job, data, "x.csv")  # the frames it hands back
    sizes = []
    for name in ("raw", "data"):
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ecert-size-{os.getpid()}-{name}"
        cage._write_frame(probe[name], path)
        sizes.append(path.stat().st_size)
        path.unlink()
    limit = max(sizes) + 1024  # each file fits; all of them do not
    assert sum(sizes) > limit
    with pytest.raises(RosterReadError) as err:
        cage.run_caged(jobs.read_job, data, "x.csv",
                       limits=cage.Limits(output_bytes=limit))
    assert err.value.code == "cage_output"
    bilingual(err.value.message_zh, err.value.message_en)


def slow_job(roster, folder: str) -> dict:
    """Marks itself running in ``folder`` for a moment; records how many ran at once."""
    me = Path(folder) / f"running-{os.getpid()}"
    me.touch()
    seen = len(list(Path(folder).glob("running-*")))
    time.sleep(1.5)
    seen = max(seen, len(list(Path(folder).glob("running-*"))))
    me.unlink()
    return {"seen": seen}


def test_at_most_cage_slots_cages_run_at_once(tmp_path):
    results: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            results.append(cage.run_caged(slow_job, csv_bytes([GOOD_ROW]), "x.csv",
                                          folder=str(tmp_path))["seen"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(results) == 5
    assert max(results) <= schema.CAGE_SLOTS
