"""core/demo/seed.py: a fresh installation's first snapshot is the fictional demo roster, stored
once, also when two servers open the same empty database at once. ``db`` (tests/conftest.py)
runs each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.demo.roster import demo_roster
from core.demo.seed import ensure_demo
from core.roster.store import Store
from tests.databases import Database

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 27)


@pytest.fixture
def store(db: Database):
    st = Store(db.url, chunk_rows=500)
    yield st
    st.close()


def test_ensure_demo_once(store):
    sid = ensure_demo(store, as_of=AS_OF)
    assert sid is not None
    snaps = store.snapshots()
    assert len(snaps) == 1 and snaps.loc[0, "file_name"] == "demo-roster"
    assert snaps.loc[0, "note"] == "demo" and len(snaps.loc[0, "sha256"]) == 64
    assert snaps.loc[0, "accepted_rows"] == 30_000
    pd.testing.assert_frame_equal(store.load(), demo_roster(as_of=AS_OF))
    assert ensure_demo(store, as_of=AS_OF) is None
    assert len(store.snapshots()) == 1


DEMO_AT_ONCE = textwrap.dedent("""
    import sys, time
    from core.demo.seed import ensure_demo
    from core.roster.store import Store

    st = Store(sys.argv[1], timeout=120)
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
    print(ensure_demo(st))
""")


@pytest.mark.slow  # several processes and their start-up: make test, not make check
def test_two_servers_starting_at_once_import_the_demo_once(db):
    """Two app servers opening a fresh database together: one demo snapshot, not two."""
    start_at = time.time() + 6
    procs = [subprocess.Popen([sys.executable, "-c", DEMO_AT_ONCE, db.url, str(start_at)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = []
    for p in procs:
        out, errs = p.communicate(timeout=240)
        assert p.returncode == 0, errs[-3000:]
        results.append(out.strip())
    assert sorted(results) == ["1", "None"], results
    assert db.execute("SELECT count(*) FROM snapshots") == [(1,)]
    assert db.partial_snapshots() == []
