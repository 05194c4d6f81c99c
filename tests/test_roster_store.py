"""core.roster.store on SQLite AND PostgreSQL: snapshots; an import is all or nothing, whatever
goes wrong (a failing row, a cancel, a lost connection, a refused write, a full disk, a timeout,
a killed process), and two imports at once leave exactly one current and nothing partial.

``db`` (tests/conftest.py) runs each test once per database; the checks read the database with
the plain drivers (tests/databases.py), not with the store.
"""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from core.demo.roster import demo_roster
from core.roster.store import ImportSuperseded, Store, StoreError, empty_roster
from core.schema.roster import ROSTER_COLUMNS as COLUMNS
from scripts.pg_cluster import PostgresCluster
from scripts.processes import free_port
from tests import databases
from tests.databases import Database

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
    df.loc[8, "employer"] = ""  # empty is not missing
    df.loc[9, "employer"] = 'a "quoted", multi\nline\r\nemployer'
    return df


@pytest.fixture(scope="module")
def frame_b() -> pd.DataFrame:
    return demo_roster(2_500, seed=12, as_of=AS_OF)


@pytest.fixture
def store(db: Database):
    st = Store(db.url, chunk_rows=500)
    yield st
    st.close()


def bilingual(err: StoreError) -> None:
    assert err.message_zh and err.message_en and err.message_zh != err.message_en
    assert any("\u4e00" <= c <= "\u9fff" for c in err.message_zh)
    assert "Traceback" not in err.message_zh + err.message_en


def unchanged(db: Database, before: tuple, store: Store, current: int | None,
              frame: pd.DataFrame | None) -> None:
    """The database is exactly ``before``; the store still answers with the old snapshot."""
    assert db.state() == before
    assert db.partial_snapshots() == []
    assert store.current_id() == current
    if frame is not None:
        pd.testing.assert_frame_equal(store.load(), frame.reset_index(drop=True))
    assert store.integrity_check()


# -- round trip and snapshots ---------------------------------------------------------------------
def test_import_load_round_trip(store, frame_a):
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64, 4)
    assert store.current_id() == sid
    back = store.load()
    pd.testing.assert_frame_equal(back, frame_a.reset_index(drop=True))
    pd.testing.assert_frame_equal(store.load(sid), back)
    assert list(back.columns) == list(COLUMNS)
    assert back.loc[8, "employer"] == "" and pd.isna(back.loc[7, "employer"])


def test_rows_and_parquet_blob_load_the_same(store, db, frame_a):
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64)
    from_blob = store.load(sid)
    db.execute("DELETE FROM snapshot_frames WHERE snapshot_id = ?", (sid,))
    pd.testing.assert_frame_equal(store.load(sid), from_blob)  # the row-by-row fallback


def test_rows_are_stored_as_plain_sql_values(store, db, frame_a):
    """What a DBA (or pg_dump) sees: ISO dates, true/false/NULL flags, NULL vs empty text."""
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64)
    rows = db.execute("SELECT row_no, name, employer, valid_until, continuing_education_done "
                      "FROM roster_rows WHERE snapshot_id = ? AND row_no BETWEEN 5 AND 9 "
                      "ORDER BY row_no", (sid,))
    by_no = {r[0]: r for r in rows}
    assert by_no[5][1] is None and by_no[7][2] is None and by_no[8][2] == ""
    assert by_no[9][2] == frame_a.loc[9, "employer"]
    assert by_no[6][4] is None and by_no[5][4] in (0, 1, True, False)
    assert by_no[5][3] == frame_a.loc[5, "valid_until"].strftime("%Y-%m-%d")


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


def test_snapshots_list_newest_first_and_switch_back(store, db, frame_a, frame_b):
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
    assert store.current_id() == first and db.current() == [first]
    pd.testing.assert_frame_equal(store.load(), frame_a.reset_index(drop=True))
    pd.testing.assert_frame_equal(store.load(second), frame_b)
    store.set_current(first)  # again: nothing changes
    assert db.current() == [first]


def test_the_database_itself_refuses_two_current_snapshots(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64)
    second = store.import_snapshot(frame_b, "b.csv", "b" * 64)
    with pytest.raises(Exception, match="(?i)unique"):
        db.execute("UPDATE snapshots SET is_current = ? WHERE id = ?", (True, first))
    assert db.current() == [second]


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
    assert db.summary()[2] == [(second, len(frame_b))]
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


def test_a_nul_character_is_refused_the_same_on_every_database(store, frame_a):
    bad = frame_a.copy()
    bad.loc[1234, "employer"] = "某\x00公司"
    with pytest.raises(StoreError) as err:
        store.import_snapshot(bad, "nul.csv", "a" * 64, 0)
    assert err.value.code == "invalid_roster"
    assert "employer" in err.value.message_en and "1235" in err.value.message_en
    bilingual(err.value)
    assert store.snapshots().empty


def test_integrity_check_finds_a_partial_snapshot(store, db, frame_a):
    assert store.integrity_check()
    sid = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    assert store.integrity_check() and store.incomplete_snapshots() == []
    db.execute("DELETE FROM roster_rows WHERE snapshot_id = ? AND row_no = 17", (sid,))
    assert store.incomplete_snapshots() == [sid] and db.partial_snapshots() == [sid]
    assert not store.integrity_check()


def test_integrity_check_finds_rows_of_no_snapshot(store, db, frame_a):
    store.import_snapshot(frame_a.head(10), "a.csv", "a" * 64, 0)
    db.script("PRAGMA foreign_keys = OFF; INSERT INTO roster_rows (snapshot_id, row_no) "
              "VALUES (999, 0);",
              "INSERT INTO roster_rows (snapshot_id, row_no) VALUES (999, 0)")
    assert store.incomplete_snapshots() == [-1] and db.partial_snapshots() == [-1]
    assert not store.integrity_check()


def test_reopening_an_existing_database_keeps_everything(db, frame_a):
    first = Store(db.url)
    sid = first.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    first.close()
    before = db.state()
    again = Store(db.url)
    try:
        assert db.state() == before and again.current_id() == sid
    finally:
        again.close()


def test_a_database_made_before_the_one_current_index_gets_it(db, frame_a):
    first = Store(db.url)
    first.import_snapshot(frame_a.head(20), "a.csv", "a" * 64, 0)
    first.close()
    db.execute("DROP INDEX ix_snapshots_one_current")
    ro = Store(db.read_only_url())  # may not create it: still opens and reads
    try:
        assert len(ro.load()) == 20
    finally:
        ro.close()
    Store(db.url).close()
    with pytest.raises(Exception, match="(?i)unique"):
        db.execute("INSERT INTO snapshots (created_at, file_name, sha256, accepted_rows, "
                   "rejected_rows, is_current) VALUES ('x', 'x', 'x', 0, 0, ?)", (True,))


def test_from_config_uses_ecert_db_url(db, monkeypatch):
    monkeypatch.setenv("ECERT_DB_URL", db.url)
    st = Store.from_config()
    try:
        assert st.url.render_as_string(hide_password=False) == db.url
        assert st.integrity_check()
        assert db.execute("SELECT count(*) FROM snapshots") == [(0,)]  # the tables exist
    finally:
        st.close()


def test_from_config_creates_the_sqlite_folder(tmp_path, monkeypatch):
    target = tmp_path / "configured" / "roster.db"
    monkeypatch.setenv("ECERT_DB_URL", url_of(target))
    st = Store.from_config()
    try:
        assert st.url.database == target.as_posix()
        assert st.integrity_check() and target.exists()
    finally:
        st.close()


def test_sqlite_journal_is_wal(tmp_path):
    path = tmp_path / "wal.db"
    Store(url_of(path)).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_opening_a_store_keeps_the_sqlite_locks_this_process_holds(tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, so
    opening a second Store must not open and close the database file: the first one's readers
    would lose their lock, and another process could take them for gone and remove the WAL
    under them ("database disk image is malformed", seen with the background row writer)."""
    path = tmp_path / "ecert.db"
    first = Store(url_of(path))
    inode = os.stat(path).st_ino

    def my_locks() -> list[str]:
        with open("/proc/locks") as fh:
            return [line for line in fh if f":{inode} " in line and f" {os.getpid()} " in line]

    raw = first.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT count(*) FROM snapshots").fetchall()
        held = my_locks()
        assert held, "a reading SQLite connection holds a lock on the database file"
        Store(url_of(path)).close()
        assert my_locks() == held
        cur.execute("COMMIT")
    finally:
        raw.close()
        first.close()


# -- failures leave everything as it was ----------------------------------------------------------
def test_a_row_the_database_refuses_after_two_chunks_changes_nothing(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    db.fail_insert_at(1_200)  # in the third chunk of 500
    before = db.state()
    calls = []
    with pytest.raises(StoreError) as err:
        store.import_snapshot(frame_b, "b.csv", "b" * 64, 0,
                              progress=lambda d, t: calls.append(d))
    assert calls == [0, 500, 1000]  # two chunks were written before the failure
    assert err.value.code == "db_error" and "refused by a test trigger" in err.value.message_en
    bilingual(err.value)
    unchanged(db, before, store, first, frame_a)


def test_cancel_from_progress_changes_nothing(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    before = db.state()

    class Cancelled(Exception):
        pass

    def progress(done, total):
        if done >= 1000:
            raise Cancelled

    with pytest.raises(Cancelled):
        store.import_snapshot(frame_b, "b.csv", "b" * 64, 0, progress=progress)
    unchanged(db, before, store, first, frame_a)


def test_readers_see_the_old_snapshot_during_an_import(store, db, frame_a, frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    seen = []

    def progress(done, total):
        if done == 1000:
            other = Store(db.url)
            try:
                seen.append((other.current_id(), len(other.load()), len(other.snapshots())))
            finally:
                other.close()

    second = store.import_snapshot(frame_b, "b.csv", "b" * 64, 0, progress=progress)
    assert seen == [(first, len(frame_a), 1)]
    assert store.current_id() == second


def test_a_lost_connection_mid_import_changes_nothing(store, db, frame_a, frame_b):
    """PostgreSQL: the server ends the import's session (pg_terminate_backend, what a restart
    or a network cut does). SQLite: the import's connection is closed under it."""
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    before = db.state()
    opened = []
    sa.event.listen(store.engine, "connect", lambda c, _r: opened.append(c))
    store.engine.dispose()  # the import gets a fresh connection, seen by the listener

    def cut(done, total):
        if done == 1000:
            conn = opened[-1]
            if db.is_sqlite:
                conn.close()
            else:
                assert db.execute("SELECT pg_terminate_backend(?)",
                                  (conn.info.backend_pid,)) == [(True,)]

    with pytest.raises(StoreError) as err:
        store.import_snapshot(frame_b, "b.csv", "b" * 64, 0, progress=cut)
    bilingual(err.value)
    if not db.is_sqlite:
        assert err.value.code == "db_unreachable"
        assert "ECERT_DB_URL" in err.value.message_en and "unchanged" in err.value.message_en
    unchanged(db, before, store, first, frame_a)  # and the store reconnects by itself


def test_a_refused_write_changes_nothing(db, frame_a, frame_b):
    """SQLite: a read-only database file; PostgreSQL: INSERT on roster_rows revoked."""
    st = Store(db.url)
    first = st.import_snapshot(frame_a.head(50), "a.csv", "a" * 64, 0)
    st.close()
    before = db.state()
    ro = Store(db.read_only_url())
    try:
        assert len(ro.load()) == 50  # reading still works: the admin page can show the roster
        with pytest.raises(StoreError) as err:
            ro.import_snapshot(frame_b, "b.csv", "b" * 64, 0)
        assert err.value.code == "db_unwritable"
        bilingual(err.value)
        assert "ECERT_DB_URL" in err.value.message_en and "可写" in err.value.message_zh
        unchanged(db, before, ro, first, frame_a.head(50))
    finally:
        ro.close()


def test_the_write_lock_held_elsewhere_is_a_store_error(db, frame_a):
    Store(db.url).close()
    with db.write_lock_held():
        st = Store(db.url, timeout=0.3)
        try:
            t0 = time.monotonic()
            with pytest.raises(StoreError) as err:
                st.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
            assert time.monotonic() - t0 < 20  # the wait is bounded by `timeout`
            assert err.value.code == "db_locked"
            assert "稍后重试" in err.value.message_zh and "Try again" in err.value.message_en
            assert st.snapshots().empty  # reading still works while another session writes
        finally:
            st.close()
    assert db.partial_snapshots() == [] and db.execute("SELECT count(*) FROM roster_rows") == [(0,)]


@pytest.fixture
def small_disk(request, tmp_path):
    """(Database, Store) whose disk fills up: SQLite ``max_page_count``; PostgreSQL a cluster of
    its own whose files may not grow past 3 MB (RLIMIT_FSIZE, 1 MB WAL segments)."""
    if request.param == "sqlite":
        path = tmp_path / "small.db"
        db = Database("sqlite", url_of(path), path=path)
        st = Store(db.url, chunk_rows=2_000)
        st.import_snapshot(demo_roster(100, seed=1, as_of=AS_OF), "small.csv", "a" * 64, 0)
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
        sa.event.listen(st.engine, "connect",
                        lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages + 20}"))
        st.engine.dispose()
        yield db, st
        st.close()
        return
    databases.skip_or_fail_without_postgres()
    cluster = PostgresCluster(file_size_limit=3 * 2**20 + 4096, wal_segment_mb=1)
    with cluster:
        url = cluster.create_database("small")
        db = Database("postgresql", url, cluster=cluster, name="small")
        st = Store(url, chunk_rows=2_000)
        st.import_snapshot(demo_roster(100, seed=1, as_of=AS_OF), "small.csv", "a" * 64, 0)
        yield db, st
        st.close()


@pytest.mark.parametrize("small_disk", ["sqlite", "postgresql"], indirect=True)
def test_a_full_disk_is_a_store_error_and_changes_nothing(small_disk):
    db, st = small_disk
    before = db.state()
    first = st.current_id()
    with pytest.raises(StoreError) as err:
        st.import_snapshot(demo_roster(40_000, seed=3, as_of=AS_OF), "big.csv", "c" * 64, 0)
    assert err.value.code == "disk_full", err.value.message_en
    assert "磁盘" in err.value.message_zh and "disk" in err.value.message_en.lower()
    assert "unchanged" in err.value.message_en
    bilingual(err.value)
    assert db.state() == before and db.partial_snapshots() == []
    assert st.current_id() == first and len(st.load()) == 100


def test_postgresql_statement_timeout_changes_nothing(pg_database, frame_a, frame_b):
    db = pg_database
    st = Store(db.url, chunk_rows=500)
    try:
        first = st.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
        db.execute("CREATE FUNCTION test_slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN IF NEW.row_no = 1200 THEN PERFORM pg_sleep(2); END IF; "
                   "RETURN NEW; END $$")
        db.execute("CREATE TRIGGER test_slow_row BEFORE INSERT ON roster_rows FOR EACH ROW "
                   "EXECUTE FUNCTION test_slow_row()")
        db.execute(f'ALTER DATABASE "{db.name}" SET statement_timeout = 300')
        st.engine.dispose()  # new sessions take the database's setting
        before = db.state()
        with pytest.raises(StoreError) as err:
            st.import_snapshot(frame_b, "b.csv", "b" * 64, 0)
        assert err.value.code == "db_timeout" and "statement_timeout" in err.value.message_en
        bilingual(err.value)
        db.execute(f'ALTER DATABASE "{db.name}" RESET statement_timeout')
        st.engine.dispose()
        unchanged(db, before, st, first, frame_a)
    finally:
        st.close()


def test_postgresql_server_not_reachable_is_a_clear_error():
    with pytest.raises(StoreError) as err:
        Store(f"postgresql+psycopg://ecert:secret-pw@127.0.0.1:{free_port()}/roster")
    assert err.value.code == "db_unreachable"
    bilingual(err.value)
    assert "ECERT_DB_URL" in err.value.message_en and "secret-pw" not in str(err.value)


def test_unwritable_database_path(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    with pytest.raises(StoreError) as err:
        Store(url_of(blocker / "ecert.db"))
    assert err.value.code == "db_unwritable"
    assert "ECERT_DB_URL" in err.value.message_en and "可写" in err.value.message_zh
    assert "Traceback" not in str(err.value)


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
    if st.is_sqlite:
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


def kill_at_first_chunk(script: str, url: str, what: str, true_before_kill=None) -> None:
    """Run ``script`` (it prints "chunk N" after each chunk of 5,000 rows, then sleeps) and
    SIGKILL it once it reported its first chunk; ``true_before_kill()`` must hold then."""
    proc = subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=120), f"the {what} never reported its first chunk"
        line = proc.stdout.readline()
        assert line.startswith("chunk 5000"), (line, proc.stderr.read() if proc.poll() else "")
        if true_before_kill is not None:
            assert true_before_kill()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def uncommitted_rows_on_disk(db: Database) -> bool:
    if db.is_sqlite:
        return (db.path.parent / (db.path.name + "-wal")).stat().st_size > 0
    # the killed import's session is inside its transaction and its rows fill table pages
    open_tx = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = ? "
                         "AND application_name = 'ecert-desk' AND xact_start IS NOT NULL "
                         "AND pid <> pg_backend_pid()", (db.name,))
    pages = db.execute("SELECT pg_relation_size('roster_rows')")
    return open_tx[0][0] == 1 and pages[0][0] > 5_000 * 100


def test_sigkill_mid_import_keeps_previous_snapshot(db, frame_a):
    st = Store(db.url)
    first = st.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    st.close()
    before = db.state()

    kill_at_first_chunk(KILLED_IMPORT, db.url, "import", lambda: uncommitted_rows_on_disk(db))

    after = Store(db.url)
    try:
        assert after.integrity_check()
        assert after.current_id() == first
        assert list(after.snapshots()["id"]) == [first]
        assert db.state() == before and db.partial_snapshots() == []
        pd.testing.assert_frame_equal(after.load(), frame_a.reset_index(drop=True))
        # and the database is still writable afterwards
        second = after.import_snapshot(frame_a.head(10), "again.csv", "e" * 64, 0)
        assert after.current_id() == second
    finally:
        after.close()


# -- the row table later (import_snapshot(rows_later=True), write_pending_rows) -------------------
def rows_of(db: Database, sid: int) -> list:
    return db.execute("SELECT * FROM roster_rows WHERE snapshot_id = ? ORDER BY row_no", (sid,))


def test_rows_later_commits_a_complete_snapshot_and_the_rows_follow(store, db, frame_a, frame_b):
    reference = store.import_snapshot(frame_a, "a.csv", "a" * 64)  # rows in the transaction
    calls = []
    sid = store.import_snapshot(frame_a, "a2.csv", "a" * 64, rows_later=True,
                                progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, len(frame_a)), (len(frame_a), len(frame_a))]
    assert store.current_id() == sid and rows_of(db, sid) == []
    pd.testing.assert_frame_equal(store.load(), frame_a.reset_index(drop=True))
    assert store.rows_pending() == db.rows_pending() == [sid]
    assert store.integrity_check() and store.incomplete_snapshots() == []
    assert db.partial_snapshots() == []

    chunks = []
    assert store.write_pending_rows(lambda d, t: chunks.append(d)) == [sid]
    assert chunks == [500 * k for k in range(1, 7)] and chunks[-1] == len(frame_a)
    assert store.rows_pending() == [] and store.write_pending_rows() == []
    assert db.partial_snapshots() == [] and store.integrity_check()
    # the same rows, value for value, as an import that wrote them in its own transaction
    assert [r[1:] for r in rows_of(db, sid)] == [r[1:] for r in rows_of(db, reference)]
    db.execute("DELETE FROM snapshot_frames WHERE snapshot_id = ?", (sid,))
    pd.testing.assert_frame_equal(store.load(sid), frame_a.reset_index(drop=True))
    empty = store.import_snapshot(empty_roster(), "empty.csv", "0" * 64, rows_later=True)
    assert empty not in store.rows_pending()  # nothing to write


def test_rows_later_cancelled_or_refused_before_its_commit_changes_nothing(store, db, frame_a,
                                                                           frame_b):
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    before = db.state()

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        if done == total:  # the frame is written, the transaction not yet committed
            raise Cancelled

    with pytest.raises(Cancelled):
        store.import_snapshot(frame_b, "b.csv", "b" * 64, progress=cancel, rows_later=True)
    unchanged(db, before, store, first, frame_a)


def test_a_failing_row_writer_leaves_the_snapshot_current_and_its_rows_pending(
        store, db, frame_a, frame_b):
    store.import_snapshot(frame_a, "a.csv", "a" * 64, 0)
    sid = store.import_snapshot(frame_b, "b.csv", "b" * 64, rows_later=True)
    db.fail_insert_at(1_200)
    with pytest.raises(StoreError) as err:
        store.write_pending_rows()
    bilingual(err.value)
    assert store.current_id() == sid and rows_of(db, sid) == []
    assert store.rows_pending() == [sid] and store.integrity_check()
    pd.testing.assert_frame_equal(store.load(), frame_b.reset_index(drop=True))
    db.script("DROP TRIGGER test_fail_row;", "DROP TRIGGER test_fail_row ON roster_rows")
    assert store.write_pending_rows() == [sid] and len(rows_of(db, sid)) == len(frame_b)
    assert db.partial_snapshots() == []


def test_a_snapshot_deleted_before_its_rows_were_written_is_skipped(store, db, frame_a, frame_b):
    pending = store.import_snapshot(frame_a, "a.csv", "a" * 64, rows_later=True)
    store.import_snapshot(frame_b, "b.csv", "b" * 64, 0)
    store.delete_snapshot(pending)
    assert store.rows_pending() == [] and store.write_pending_rows() == []
    assert db.partial_snapshots() == [] and rows_of(db, pending) == []


def test_two_row_writers_at_once_write_each_row_table_once(db, frame_a):
    import threading

    st = Store(db.url, chunk_rows=500)
    sid = st.import_snapshot(frame_a, "a.csv", "a" * 64, rows_later=True)
    results, errors = [], []
    go = threading.Barrier(2)

    def writer():
        other = Store(db.url, chunk_rows=500)
        try:
            go.wait()
            results.append(other.write_pending_rows())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            other.close()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and sorted(results) == [[], [sid]]
    assert len(rows_of(db, sid)) == len(frame_a) and db.partial_snapshots() == []
    st.close()


KILLED_ROW_WRITER = textwrap.dedent("""
    import sys, time
    from core.roster.store import Store

    st = Store(sys.argv[1], chunk_rows=5000)

    def progress(done, total):
        print("chunk", done, flush=True)
        time.sleep(120)

    st.write_pending_rows(progress)
    print("finished", flush=True)
""")


@pytest.mark.slow  # several processes and their start-up: make test, not make check
def test_sigkill_of_the_row_writer_leaves_the_snapshot_current_and_its_rows_pending(db):
    df = demo_roster(40_000, seed=9, as_of=AS_OF)
    st = Store(db.url)
    sid = st.import_snapshot(df, "big.csv", "d" * 64, rows_later=True)
    kill_at_first_chunk(KILLED_ROW_WRITER, db.url, "writer")
    after = Store(db.url)
    try:
        assert after.integrity_check() and after.current_id() == sid
        assert after.rows_pending() == [sid] and rows_of(db, sid) == []
        pd.testing.assert_frame_equal(after.load(), df)
        assert after.write_pending_rows() == [sid]  # the next writer finishes the job
        assert len(rows_of(db, sid)) == len(df) and db.partial_snapshots() == []
    finally:
        after.close()
        st.close()


# -- two imports at once --------------------------------------------------------------------------
def test_an_import_checked_against_an_older_current_snapshot_is_kept_but_not_made_current(
        store, db, frame_a, frame_b):
    seen = store.current_id()  # None: what admin 1 saw when checking the file
    first = store.import_snapshot(frame_a, "a.csv", "a" * 64, expect_current=seen)
    with pytest.raises(ImportSuperseded) as err:  # admin 2 saw the same, and comes second
        store.import_snapshot(frame_b, "b.csv", "b" * 64, expect_current=seen)
    kept = err.value.snapshot_id
    assert err.value.code == "import_superseded" and err.value.current_id == first
    assert f"#{first}" in err.value.message_en and f"#{kept}" in err.value.message_zh
    bilingual(err.value)
    assert db.current() == [first] and db.partial_snapshots() == []
    pd.testing.assert_frame_equal(store.load(kept), frame_b)  # nothing lost
    # admin 2 now knows what is current and can decide: with the right id it goes through
    third = store.import_snapshot(frame_b, "b.csv", "b" * 64, expect_current=first)
    assert store.current_id() == third


TWO_AT_ONCE = textwrap.dedent("""
    import json, sys, time
    from datetime import date
    from core.demo.roster import demo_roster
    from core.roster.store import Store, StoreError

    url, seed, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    st = Store(url, chunk_rows=5_000, timeout=120)
    seen = st.current_id()
    df = demo_roster(30_000, seed=seed, as_of=date(2026, 11, 27))
    time.sleep(max(0.0, start_at - time.time()))  # both start together
    try:
        sid = st.import_snapshot(df, f"file-{seed}.csv", str(seed) * 32, 0, expect_current=seen)
        print(json.dumps({"seed": seed, "current": True, "id": sid}))
    except StoreError as exc:
        print(json.dumps({"seed": seed, "current": False, "code": exc.code,
                          "id": getattr(exc, "snapshot_id", None),
                          "message_zh": exc.message_zh, "message_en": exc.message_en}))
""")


@pytest.mark.slow  # several processes and their start-up: make test, not make check
def test_two_processes_importing_at_once_leave_exactly_one_current_and_nothing_lost(db, frame_a):
    import json

    st = Store(db.url)
    base = st.import_snapshot(frame_a, "base.csv", "0" * 64, 0)
    start_at = time.time() + 8  # both children have imported pandas and built their frames
    procs = [subprocess.Popen([sys.executable, "-c", TWO_AT_ONCE, db.url, str(seed),
                               str(start_at)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for seed in (21, 22)]
    outs = []
    for p in procs:
        out, errs = p.communicate(timeout=240)
        assert p.returncode == 0, errs[-3000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    winners = [o for o in outs if o["current"]]
    losers = [o for o in outs if not o["current"]]
    assert len(winners) == 1 and len(losers) == 1, outs
    loser = losers[0]
    assert loser["code"] == "import_superseded", loser
    assert f"#{winners[0]['id']}" in loser["message_en"] and "另一次导入" in loser["message_zh"]
    assert db.current() == [winners[0]["id"]]
    assert db.partial_snapshots() == []
    assert sorted(int(r[0]) for r in db.execute("SELECT id FROM snapshots")) == sorted(
        [base, winners[0]["id"], loser["id"]])
    for o in outs:  # each snapshot holds exactly its own file's rows
        pd.testing.assert_frame_equal(st.load(o["id"]),
                                      demo_roster(30_000, seed=o["seed"], as_of=AS_OF))
    assert st.integrity_check()
    st.close()


OPEN_AT_ONCE = textwrap.dedent("""
    import sys, time
    from core.roster.store import Store

    folder, start_at, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    for i in range(rounds):  # both processes open the i-th fresh file at the same instant
        time.sleep(max(0.0, start_at + 0.25 * i - time.time()))
        Store(f"sqlite:///{folder}/fresh-{i}.db", timeout=20).close()
    print("ok")
""")


@pytest.mark.slow  # several processes and their start-up: make test, not make check
def test_two_processes_opening_one_new_sqlite_file_at_once_both_succeed(tmp_path):
    """The WAL switch and the table creation race when two servers start on a new file; SQLite
    answers 'database is locked' at once there, without waiting (CI failed on it 1 in ~20)."""
    start_at = time.time() + 4
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, str(tmp_path), str(start_at),
                               "24"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for p in procs:
        out, errs = p.communicate(timeout=240)
        assert p.returncode == 0 and out.strip() == "ok", errs[-3000:]
    for i in range(24):
        con = sqlite3.connect(tmp_path / f"fresh-{i}.db")
        try:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
        assert {"snapshots", "roster_rows", "snapshot_frames", "ix_snapshots_one_current"} <= names


def test_bench_script_runs_small(postgres):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_store
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    out = bench_store.run(2_000)
    assert out["rows"] == 2_000
    for name in ("sqlite", "postgresql"):
        assert out[f"{name}_round_trip_equal"] and out[f"{name}_integrity_ok"], out
        assert out[f"{name}_db_mb"] > 0 and out[f"{name}_progress_calls"] == 2  # 0, 2,000
        assert out[f"{name}_load_rows_seconds"] >= 0


def test_a_loaded_text_column_is_one_chunk():
    """``load`` reads the Parquet copy by row group, not in 128Ki-row batches: a text column in
    8 chunks cost the admin table 15 instead of 2.7 ms for 1,000 rows (docs/BENCHMARKS.md)."""
    from core.roster.store.codecs import frame_from_parquet, frame_to_parquet

    frame = demo_roster(300_000, seed=5, as_of=AS_OF)
    back = frame_from_parquet(frame_to_parquet(frame))
    for column in ("name", "registration_number", "employer", "specialty"):
        assert back[column].array._pa_array.num_chunks == 1, column
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_dtype=False)


def test_the_rejected_rows_problems_are_kept_with_their_snapshot(store, frame_a, db):
    """Issue 26: the problems of the rows an import rejected are stored with the snapshot (one
    transaction), read back as data and deleted with it; none for a snapshot without."""
    problems = pd.DataFrame({
        "row": [3, 3, 9], "column": ["birth_date", "specialty", "employer_province"],
        "header": ["出生日期", "专业", "省份"], "code": ["bad_date", "unknown", "unknown"],
        "problem_zh": ["日期无法识别：2021/13/45", "无法识别的专业", "无法识别的省份：火星"],
        "problem_en": ["Not a date: 2021/13/45", "Unknown specialty", "Unknown province: 火星"],
        "name": ["张三", "张三", None], "registration_number": ["京1110", "京1110", "沪2220"],
        "employer": ["某公司", "某公司", "另一公司"], "specialty": ["x", "x", "建筑工程"]})
    first = store.import_snapshot(frame_a, "a.csv", "0" * 64, rejected_rows=2,
                                  problems=problems)
    got = store.problems(first)
    assert list(got.columns) == ["row", "column", "header", "code", "problem_zh",
                                 "problem_en", "name", "registration_number", "employer",
                                 "specialty"]
    assert got["row"].tolist() == [3, 3, 9]
    assert got["problem_zh"].tolist() == problems["problem_zh"].tolist()
    assert got["name"].tolist() == ["张三", "张三", ""]
    second = store.import_snapshot(frame_a, "b.csv", "1" * 64)
    assert store.problems(second).empty
    store.delete_snapshot(first)
    assert store.problems(first).empty


def test_a_database_made_before_the_problems_table_gets_it(tmp_path, frame_a):
    path = tmp_path / "old.db"
    st = Store(url_of(path))
    sid = st.import_snapshot(frame_a, "a.csv", "0" * 64)
    st.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE snapshot_problems")
    again = Store(url_of(path))
    assert again.problems(sid).empty
    again.close()
