"""Hostile roster files and the cage (issue 12, "Untrusted files are read in a cage").

The red-team's files (tests/hostile/hostile_files.py, generated here, never committed) killed
the server and the CLI: a 2 KB workbook with a cell at XFD1048576 (exit 134, 512 GiB asked),
a zip-bomb workbook of millions of rows, a workbook padded with 1.8 GB of spaces, a 20 MB CSV
of 10 M one-character rows (14 GB, MemoryError). Now:

* ``python -m core roster FILE`` ends with exit 0 or 2 (never a signal), a bilingual reason on
  stderr, and the whole process tree (CLI, forkserver, cage child) stays under 1 GiB (the sum
  of the processes' PSS: a page they share counts once);
* the reader refuses each before allocating (the limits of core/schema/roster.py);
* whatever a child does (abort, MemoryError, endless loop) the caller gets a coded bilingual
  RosterReadError and the next read works; the cage's temporary folder is gone afterwards;
* a caged read gives exactly the frames of an in-process read; compressed CSVs (.gz, .bz2,
  .xz, a ZIP of one CSV) read as the plain file, and a decompression bomb stops at the cap.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import psutil
import pytest

from core.admin import jobs
from core.roster import cage, decode, packed, result
from core.roster.io import RosterReadError, read_roster
from core.schema import cells
from tests.hostile.hostile_files import HOSTILE
from tests.samples import (
    AS_OF,
    EN_HEADER,
    GOOD_ROW,
    OTHER_ROW,
    bilingual,
    csv_bytes,
    xlsx_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3


def _lower_limit(monkeypatch, name: str, value: int) -> None:
    """A reader limit lowered in every roster module that reads it."""
    for module in (cells, result, decode, packed):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, value)


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> Callable[[str], Path]:
    """The red-team's file ``name``, built on first use (padded.xlsx deflates 1.8 GB: ~5 s of
    CPU), once per module and worker: a test (or an xdist worker) builds only the files it
    reads."""
    folder = tmp_path_factory.mktemp("hostile")

    def path(name: str) -> Path:
        target = folder / name
        if not target.exists():
            target.write_bytes(HOSTILE[name]())
        return target
    return path


def _tree_pss(proc: psutil.Process) -> int:
    """The memory of ``proc`` and its children: the sum of their proportional set sizes.
    (Their RSS summed counts the pages a forkserver's child shares with it once per process:
    the cage's child and its forkserver both hold pandas.)"""
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss
            except psutil.NoSuchProcess:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def run_cli_measured(*args: str, timeout: float = 300) -> tuple[int, str, int]:
    """(exit code, stderr, peak memory in bytes of the CLI's whole process tree (PSS, sampled
    every 20 ms)) of ``python -m core ARGS``."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "core", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=err)
    watched = psutil.Process(proc.pid)
    peak = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        peak = max(peak, _tree_pss(watched))
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"python -m core {' '.join(args)} did not finish in {timeout} s")
        time.sleep(0.02)
    err.seek(0)
    return proc.returncode, err.read().decode("utf-8", "replace"), peak


@pytest.mark.slow  # a command-line process per hostile file: make test, not make check
@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_cli_survives_each_hostile_file_under_1_gib(hostile_file, name):
    code, stderr, peak = run_cli_measured("roster", str(hostile_file(name)),
                                          "--as-of", AS_OF.isoformat())
    assert code in (0, 2), (code, stderr[-500:])  # never 134 (abort) or 1 (MemoryError)
    assert "Traceback" not in stderr and "panicked" not in stderr
    if code == 2:
        zh, en = stderr.strip().split(" / ", 1)
        bilingual(zh, en)
    assert peak < GIB, f"peak memory (PSS) {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(("name", "code"), [
    ("far_cell.xlsx", "too_many_cells"),
    ("row_bomb.xlsx", "too_many_rows"),
    ("padded.xlsx", "unpacked_too_large"),
    ("tiny_rows.csv", "too_many_rows"),
])
def test_the_reader_refuses_each_before_allocating(hostile_file, name, code):
    path = hostile_file(name)
    before = psutil.Process().memory_info().rss
    with pytest.raises(RosterReadError) as err:
        read_roster(path)
    assert err.value.code == code
    bilingual(err.value.message_zh, err.value.message_en)
    assert psutil.Process().memory_info().rss - before < 256 * 2**20


def _sheet_xml(extra: str) -> bytes:
    original = xlsx_bytes([EN_HEADER, GOOD_ROW])
    zf = zipfile.ZipFile(io.BytesIO(original))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            dst.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(("extra", "code"), [
    ('<row r="3"><c r="IW3"><v>1</v></c></row>', "too_many_columns"),  # column 257
    ('<row r="1048577"><c r="A1048577"><v>1</v></c></row>', "too_many_rows"),
    ('<row r="1048576"><c r="AZ1048576"><v>1</v></c></row>', "too_many_cells"),  # sparse area
])
def test_used_area_past_the_limits_is_refused_without_a_dimension(extra, code):
    with pytest.raises(RosterReadError) as err:
        read_roster(_sheet_xml(extra))
    assert err.value.code == code


def test_a_workbook_within_the_limits_still_reads():
    roster = read_roster(_sheet_xml('<row r="3"><c r="Z3"><v>1</v></c></row>'))
    assert len(roster) == 2 and roster.data["name"].iloc[0] == GOOD_ROW[0]


def test_a_csv_with_too_many_columns_or_separators_is_refused(monkeypatch):
    wide = csv_bytes([GOOD_ROW], header=EN_HEADER + [f"extra{i}" for i in range(300)])
    with pytest.raises(RosterReadError) as err:
        read_roster(wide)
    assert err.value.code == "too_many_columns"
    _lower_limit(monkeypatch, "MAX_CELLS", 1000)
    with pytest.raises(RosterReadError) as err:
        read_roster(csv_bytes([GOOD_ROW]) + b"," * 2000 + b"\n")
    assert err.value.code == "too_many_cells"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    _lower_limit(monkeypatch, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([GOOD_ROW] * 10))
    with pytest.raises(RosterReadError) as err:
        read_roster(path)
    assert err.value.code == "file_too_large"


# ------------------------------------------------------------------------ compressed CSVs
def _zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress,
                                  lambda d: _zip_of("roster.csv", d)],
                         ids=["gz", "bz2", "xz", "zip"])
def test_compressed_csvs_read_as_the_plain_file(pack):
    plain = csv_bytes([GOOD_ROW, OTHER_ROW])
    expected = read_roster(plain)
    got = read_roster(pack(plain), "roster.csv.packed")
    pd.testing.assert_frame_equal(got.data, expected.data)
    pd.testing.assert_frame_equal(got.raw, expected.raw)


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress,
                                  lambda d: _zip_of("roster.csv", d)],
                         ids=["gz", "bz2", "xz", "zip"])
def test_a_decompression_bomb_stops_at_the_cap(monkeypatch, pack):
    _lower_limit(monkeypatch, "MAX_UNPACKED_BYTES", 1024**2)
    bomb = pack(csv_bytes([GOOD_ROW]) + b" " * (4 * 1024**2))
    assert len(bomb) < 64 * 1024
    with pytest.raises(RosterReadError) as err:
        read_roster(bomb)
    assert err.value.code == "unpacked_too_large"
    bilingual(err.value.message_zh, err.value.message_en)


def test_an_archive_inside_an_archive_is_refused():
    with pytest.raises(RosterReadError) as err:
        read_roster(gzip.compress(gzip.compress(csv_bytes([GOOD_ROW]))))
    assert err.value.code == "unsupported_format"


# ------------------------------------------------------------------------ the cage itself
def memory_job(roster):
    import ctypes

    import pyarrow as pa

    return {"pool": pa.default_memory_pool().backend_name,
            "mallopt": bool(ctypes.CDLL(None).mallopt(-1, 256 * 1024**2))}


def test_the_child_allocates_as_one_batch_job_the_server_keeps_its_pool():
    """cage.batch_memory: Arrow through glibc's malloc in the child (it re-uses what the
    reading touched); the calling process keeps its own pool."""
    import pyarrow as pa

    before = pa.default_memory_pool().backend_name
    out = cage.run_caged(memory_job, csv_bytes([GOOD_ROW]), "x.csv")
    assert out == {"pool": "system", "mallopt": True}
    assert pa.default_memory_pool().backend_name == before


def abort_job(roster):
    os.abort()


def hog_job(roster):
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024**2))


def spin_job(roster):
    while True:
        pass


def kill_job(roster):
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.parametrize(("job", "limits", "code"), [
    (abort_job, cage.Limits(), "cage_crashed"),
    (kill_job, cage.Limits(), "cage_crashed"),
    (hog_job, cage.Limits(memory_bytes=2 * 1024**3), "cage_memory"),
    (spin_job, cage.Limits(cpu_seconds=1, wall_seconds=20), "cage_timeout"),
    (spin_job, cage.Limits(cpu_seconds=60, wall_seconds=2), "cage_timeout"),
], ids=["abort", "segfault", "memory", "cpu", "wall"])
def test_any_failure_of_the_child_is_a_coded_bilingual_error(job, limits, code, monkeypatch):
    made = []  # this run's own folder (other processes on the machine make theirs meanwhile)
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        if os.path.basename(path).startswith("ecert-cage-"):  # not multiprocessing's own
            made.append(path)
        return path

    monkeypatch.setattr(cage.tempfile, "mkdtemp", mkdtemp)
    started = time.monotonic()
    with pytest.raises(RosterReadError) as err:
        cage.run_caged(job, csv_bytes([GOOD_ROW]), "x.csv", limits=limits)
    assert err.value.code == code
    bilingual(err.value.message_zh, err.value.message_en)
    assert time.monotonic() - started < 60
    assert made and not any(os.path.exists(p) for p in made), "the cage's folder is removed"
    monkeypatch.undo()
    # and the caller carries on: the next read works
    assert len(jobs.check_roster(csv_bytes([GOOD_ROW]), "y.csv").roster) == 1


def test_the_cage_folder_is_private_and_the_input_0600(monkeypatch):
    seen = {}
    real = cage.run_caged.__globals__["_read_back"]

    def spy(kind, path):
        folder = os.path.dirname(path)
        seen["dir"] = os.stat(folder).st_mode & 0o777
        seen["input"] = os.stat(os.path.join(folder, "input")).st_mode & 0o777
        return real(kind, path)

    monkeypatch.setitem(cage.run_caged.__globals__, "_read_back", spy)
    jobs.check_roster(csv_bytes([GOOD_ROW]), "x.csv")
    assert seen == {"dir": 0o700, "input": 0o600}


def test_the_cli_reads_through_the_cage_and_answers_as_before(tmp_path):
    import json

    from core.rules.roster import lapse_counts

    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([GOOD_ROW, OTHER_ROW]))
    done = subprocess.run([sys.executable, "-m", "core", "lapse-counts", str(path), "--as-of",
                           "2024-01-01"], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = lapse_counts(read_roster(path).data, date(2024, 1, 1))
    assert json.loads(done.stdout) == {str(k): int(v) for k, v in expected.items()}
