"""core.roster.store: snapshots; an import is all or nothing, even when the process dies."""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from core.demo.roster import demo_roster
from core.roster.schema import ROSTER_COLUMNS as COLUMNS
from core.roster.store import Store, StoreError, empty_roster

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 27)


def url_of(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture(scope="module")
def frame_a() -> pd.DataFrame:
    df = demo_roster(3_000, seed=11, as_of=AS_OF)
    # missing values of every kind must survive the round trip
    df.loc[5, "name"] = pd.NA
    df.loc[6, "continuing_education_done"] = pd.NA
    df.loc[7, "employer"] = pd.NA
    return df


@pytest.fixture(scope="module")
def frame_b() -> pd.DataFrame:
    return demo_roster(2_500, seed=12, as_of=AS_OF)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "ecert.db"


@pytest.fixture
def store(db):
    st = Store(url_of(db), chunk_rows=500)
    yield st
    st.close()


def raw_state(path: Path) -> tuple:
    """Everything in the database, read without the code under test."""
    con = sqlite3.connect(path)
    try:
        snaps = con.execute("SELECT * FROM snapshots ORDER BY id").fetchall()
        rows = con.execute("SELECT count(*), ifnull(sum(row_no), 0) FROM roster_rows").fetchone()
        per = con.execute("SELECT snapshot_id, count(*) FROM roster_rows GROUP BY snapshot_id "
                          "ORDER BY snapshot_id").fetchall()
        frames = con.execute("SELECT snapshot_id, length(data) FROM snapshot_frames "
                             "ORDER BY snapshot_id").fetchall()
        return snaps, rows, per, frames
    finally:
        con.close()


# -- round trip and snapshots ---------------------------------------------------------------------
def test_import_load_round_trip(store, frame_a):
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64, 4)
    assert store.current_id() == sid
    back = store.load()
    pd.testing.assert_frame_equal(back, frame_a.reset_index(drop=True))
    pd.testing.assert_frame_equal(store.load(sid), back)
    assert list(back.columns) == list(COLUMNS)


def test_rows_and_parquet_blob_load_the_same(store, db, frame_a):
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64)
    from_blob = store.load(sid)
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM snapshot_frames WHERE snapshot_id = ?", (sid,))
    con.close()
    pd.testing.assert_frame_equal(store.load(sid), from_blob)  # the row-by-row fallback


def test_round_trip_accepts_other_input_dtypes(store, frame_a):
    loose = frame_a.copy()
    loose.index = loose.index + 100  # an index that is not 0..n-1
    for c in ("name", "employer_province"):
        loose[c] = loose[c].astype(object)
    loose["valid_until"] = loose["valid_until"].dt.strftime("%Y-%m-%d")
    loose["birth_date"] = loose["birth_date"].astype("datetime64[ns]")
    store.import_snapshot(loose, "loose.csv", "b" * 64, 0)
    pd.testing.assert_frame_equal(store.load(), frame_a.reset_index(drop=True))


def test_empty_roster_round_trip(store):
    sid = store.import_snapshot(empty_roster(), "empty.csv", "0" * 64, 7)
    back = store.load(sid)
    assert len(back) == 0
    pd.testing.assert_frame_equal(back, empty_roster())


def test_snapshots_list_newest_first_and_switch_back(store, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 4, note="first")
    second = store.import_snapshot(frame_b, "b.xlsx", "b" * 64, 0)
    snaps = store.snapshots()
    assert list(snaps["id"]) == [second, first]
    assert list(snaps["is_current"]) == [True, False]
    assert list(snaps["file_name"]) == ["b.xlsx", "a.csv"]
    assert list(snaps["accepted_rows"]) == [len(frame_b), len(frame_a)]
    assert list(snaps["rejected_rows"]) == [0, 4]
    assert snaps.loc[1, "note"] == "first" and pd.isna(snaps.loc[0, "note"])
    assert str(snaps["created_at"].dt.tz) == "UTC"
    assert store.current_id() == second
    pd.testing.assert_frame_equal(store.load(), frame_b)

    store.set_current(first)
    assert store.current_id() == first
    assert store.snapshots()["is_current"].sum() == 1
    pd.testing.assert_frame_equal(store.load(), frame_a.reset_index(drop=True))
    pd.testing.assert_frame_equal(store.load(second), frame_b)


def test_progress_reports_every_chunk(store, frame_a):
    calls = []
    store.import_snapshot(frame_a, "a.csv", "a" * 64, 0, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 3_000)
    assert calls[-1] == (3_000, 3_000)
    assert [d for d, _ in calls] == [0, 500, 1000, 1500, 2000, 2500, 3000]


def test_delete_snapshot(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    second = store.import_snapshot(frame_b, "b.csv", "b" * 64, 0)
    with pytest.raises(StoreError) as err:
        store.delete_snapshot(second)
    assert err.value.code == "snapshot_current"
    store.delete_snapshot(first)
    assert list(store.snapshots()["id"]) == [second]
    assert raw_state(db)[2] == [(second, len(frame_b))]
    third = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    assert third > second  # ids are never reused
    with pytest.raises(StoreError) as err:
        store.delete_snapshot(999)
    assert err.value.code == "snapshot_unknown"


def test_unknown_and_missing_snapshots(store):
    with pytest.raises(StoreError) as err:
        store.load()
    assert err.value.code == "no_snapshot"
    assert store.current_id() is None
    assert store.snapshots().empty
    with pytest.raises(StoreError) as err:
        store.set_current(42)
    assert err.value.code == "snapshot_unknown"
    with pytest.raises(StoreError) as err:
        store.load(42)
    assert err.value.code == "snapshot_unknown"


def test_invalid_roster_is_refused(store, frame_a):
    with pytest.raises(StoreError) as err:
        store.import_snapshot(frame_a.drop(columns=["specialty"]), "a.csv", "a" * 64, 0)
    assert err.value.code == "invalid_roster" and "specialty" in err.value.message_en
    bad = frame_a.astype({"valid_until": object})
    bad.loc[0, "valid_until"] = "not a date"
    with pytest.raises(StoreError) as err:
        store.import_snapshot(bad, "a.csv", "a" * 64, 0)
    assert err.value.code == "invalid_roster"
    assert store.snapshots().empty


def test_ensure_demo_once(store):
    sid = store.ensure_demo(as_of=AS_OF)
    assert sid is not None
    snaps = store.snapshots()
    assert len(snaps) == 1 and snaps.loc[0, "file_name"] == "demo-roster"
    assert snaps.loc[0, "note"] == "demo" and len(snaps.loc[0, "sha256"]) == 64
    assert snaps.loc[0, "accepted_rows"] == 30_000
    pd.testing.assert_frame_equal(store.load(), demo_roster(as_of=AS_OF))
    assert store.ensure_demo(as_of=AS_OF) is None
    assert len(store.snapshots()) == 1


def test_integrity_check(store, frame_a):
    assert store.integrity_check()
    store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    assert store.integrity_check()


def test_journal_is_wal(store, db):
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_from_config_uses_ecert_db_url(tmp_path, monkeypatch):
    target = tmp_path / "configured" / "roster.db"
    monkeypatch.setenv("ECERT_DB_URL", url_of(target))
    st = Store.from_config()
    try:
        assert st.url.database == target.as_posix()
        assert st.integrity_check() and target.exists()
    finally:
        st.close()


# -- failures leave everything as it was ----------------------------------------------------------
def test_failure_after_second_chunk_changes_nothing(store, db, frame_a, frame_b, monkeypatch):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    before = raw_state(db)
    calls = {"n": 0}
    real = Store._insert_rows

    def flaky(self, conn, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, conn, rows)

    monkeypatch.setattr(Store, "_insert_rows", flaky)
    with pytest.raises(StoreError) as err:
        store.import_snapshot(frame_b, "b.csv", "b" * 64, 0)
    assert calls["n"] == 3
    assert err.value.code == "db_error" and err.value.message_zh and err.value.message_en
    assert raw_state(db) == before
    assert store.current_id() == first
    pd.testing.assert_frame_equal(store.load(), frame_a.reset_index(drop=True))
    assert store.integrity_check()


def test_cancel_from_progress_changes_nothing(store, db, frame_a, frame_b):
    store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    before = raw_state(db)

    class Cancelled(Exception):
        pass

    def progress(done, total):
        if done >= 1000:
            raise Cancelled

    with pytest.raises(Cancelled):
        store.import_snapshot(frame_b, "b.csv", "b" * 64, 0, progress=progress)
    assert raw_state(db) == before


def test_readers_see_the_old_snapshot_during_an_import(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    seen = []

    def progress(done, total):
        if done == 1000:
            other = Store(url_of(db))
            try:
                seen.append((other.current_id(), len(other.load()), len(other.snapshots())))
            finally:
                other.close()

    second = store.import_snapshot(frame_b, "b.csv", "b" * 64, 0, progress=progress)
    assert seen == [(first, len(frame_a), 1)]
    assert store.current_id() == second


def test_disk_full_is_a_store_error_and_changes_nothing(store, db, frame_a):
    store.import_snapshot(frame_a.head(100), "small.csv", "a" * 64, 0)
    before = raw_state(db)
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    sa.event.listen(store.engine, "connect",
                    lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages + 20}"))
    store.engine.dispose()
    with pytest.raises(StoreError) as err:
        store.import_snapshot(demo_roster(20_000, seed=3, as_of=AS_OF), "big.csv", "c" * 64, 0)
    assert err.value.code == "disk_full"
    assert "磁盘" in err.value.message_zh and "disk" in err.value.message_en.lower()
    assert raw_state(db) == before


def test_locked_database_is_a_store_error(db, frame_a):
    Store(url_of(db)).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        st = Store(url_of(db), timeout=0.2)
        with pytest.raises(StoreError) as err:
            st.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
        assert err.value.code == "db_locked"
        assert "稍后重试" in err.value.message_zh and "Try again" in err.value.message_en
        assert st.snapshots().empty  # reading still works while another process writes
        st.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_unwritable_database_path(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    with pytest.raises(StoreError) as err:
        Store(url_of(blocker / "ecert.db"))
    assert err.value.code == "db_unwritable"
    assert "ECERT_DB_URL" in err.value.message_en and "可写" in err.value.message_zh
    assert "Traceback" not in str(err.value)


def test_read_only_database_refuses_import_cleanly(db, frame_a):
    st = Store(url_of(db))
    st.import_snapshot(frame_a.head(50), "a.csv", "a" * 64, 0)
    st.close()
    before = raw_state(db)
    ro = Store(f"sqlite:///file:{db.as_posix()}?mode=ro&uri=true")
    assert len(ro.load()) == 50
    with pytest.raises(StoreError) as err:
        ro.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    assert err.value.code == "db_unwritable"
    ro.close()
    assert raw_state(db) == before


def test_not_a_database(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database file, just text " * 200)
    with pytest.raises(StoreError) as err:
        Store(url_of(junk))
    assert err.value.code == "db_corrupt"


def test_bad_url():
    with pytest.raises(StoreError) as err:
        Store("not a url at all")
    assert err.value.code == "bad_url"


# -- a real process killed mid-import ------------------------------------------------------
KILLED_IMPORT = textwrap.dedent("""
    import sys, time
    from datetime import date
    import sqlalchemy as sa
    from core.demo.roster import demo_roster
    from core.roster.store import Store

    st = Store(sys.argv[1], chunk_rows=5000)
    # a tiny page cache so that uncommitted pages really reach the WAL file before the kill
    sa.event.listen(st.engine, "connect", lambda c, r: c.execute("PRAGMA cache_size = 20"))
    st.engine.dispose()
    df = demo_roster(40_000, seed=9, as_of=date(2026, 11, 27))

    def progress(done, total):
        if done:
            print("chunk", done, flush=True)
            time.sleep(120)

    st.import_snapshot(df, "killed.csv", "d" * 64, 0, progress)
    print("finished", flush=True)
""")


def test_sigkill_mid_import_keeps_previous_snapshot(db, frame_a):
    st = Store(url_of(db))
    first = st.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    st.close()
    before = raw_state(db)

    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, url_of(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=120), "the import never reported its first chunk"
        line = proc.stdout.readline()
        assert line.startswith("chunk 5000"), (line, proc.stderr.read() if proc.poll() else "")
        assert (db.parent / (db.name + "-wal")).stat().st_size > 0  # uncommitted pages on disk
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    after = Store(url_of(db))
    try:
        assert after.integrity_check()
        assert after.current_id() == first
        assert list(after.snapshots()["id"]) == [first]
        assert raw_state(db) == before
        pd.testing.assert_frame_equal(after.load(), frame_a.reset_index(drop=True))
        # and the database is still writable afterwards
        second = after.import_snapshot(frame_a.head(10), "again.csv", "e" * 64, 0)
        assert after.current_id() == second
    finally:
        after.close()


def test_bench_script_runs_small():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_store
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    out = bench_store.run(2_000)
    assert out["rows"] == 2_000 and out["round_trip_equal"] and out["integrity_ok"]
    assert out["db_mb"] > 0 and out["progress_calls"] == 2  # 0 and 2,000 (one chunk)
