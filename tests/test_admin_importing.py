"""core.admin.importing: the admin import use case without Streamlit (read -> check -> store),
on SQLite and on PostgreSQL (``db``, tests/conftest.py)."""

from __future__ import annotations

import time

import pytest

from core.admin import importing
from core.admin.importing import ImportProgress
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.store import ImportSuperseded, Store
from tests.samples import roster_csv


@pytest.fixture
def store(db):
    st = Store(db.url, chunk_rows=10)
    yield st
    st.close()


def test_prepare_and_accept_import_directly(store):
    today = today_shanghai()
    pending = importing.prepare_import(roster_csv(25, bad=True), "x.csv", today)
    assert (pending.n_rows, pending.accepted, pending.rejected) == (25, 22, 3)
    assert len(pending.preview) == importing.PREVIEW_ROWS
    sid = importing.accept_import(store, pending)
    assert store.current_id() == sid
    assert len(store.load()) == 22


def test_progress_goes_read_checked_stored(store):
    seen: list[ImportProgress] = []
    pending = importing.prepare_import(roster_csv(25, bad=True), "x.csv", today_shanghai(),
                                       seen.append)
    importing.accept_import(store, pending, seen.append)
    assert [(p.stage, p.done, p.total) for p in seen] == [
        ("read", 0, None), ("read", 25, 25), ("checked", 0, 25), ("checked", 25, 25),
        ("stored", 0, 22), ("stored", 22, 22)]  # one transaction; the row table follows
    assert [p.fraction for p in seen[:2]] == [0.0, 1.0]
    assert ImportProgress("stored", 0, 0).fraction == 1.0


def test_an_import_checked_before_another_one_became_current_is_kept_not_current(store, db):
    today = today_shanghai()
    first = store.import_snapshot(demo_roster(30, seed=1, as_of=today), "first.csv", "1" * 64)
    # two admins check their files while `first` is current
    mine = importing.prepare_import(roster_csv(20, seed=7), "mine.csv", today,
                                    seen_current=store.current_id())
    theirs = importing.prepare_import(roster_csv(15, seed=8), "theirs.csv", today,
                                      seen_current=store.current_id())
    their_id = importing.accept_import(store, theirs)
    with pytest.raises(ImportSuperseded) as err:
        importing.accept_import(store, mine)
    assert err.value.current_id == their_id and err.value.snapshot_id > their_id
    assert db.current() == [their_id] and db.partial_snapshots() == []
    assert len(store.load(err.value.snapshot_id)) == 20  # nothing lost
    assert first < their_id


def test_without_seen_current_the_last_import_wins(store):
    today = today_shanghai()
    a = importing.prepare_import(roster_csv(5, seed=1), "a.csv", today)
    b = importing.prepare_import(roster_csv(6, seed=2), "b.csv", today)
    importing.accept_import(store, a)
    second = importing.accept_import(store, b)
    assert store.current_id() == second


def wait_for_rows(db, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while db.rows_pending():
        assert time.monotonic() < deadline, f"row tables still pending: {db.rows_pending()}"
        time.sleep(0.05)


def test_accept_import_writes_the_row_table_in_a_background_process(store, db):
    """The import is current at once; the row table follows (core/roster/store/, "Row table
    later") and ends exactly the snapshot's rows, in order."""
    pending = importing.prepare_import(roster_csv(25, bad=True), "x.csv", today_shanghai())
    sid = importing.accept_import(store, pending)
    assert store.current_id() == sid and len(store.load(sid)) == 22
    wait_for_rows(db)
    assert db.partial_snapshots() == [] and store.rows_pending() == []
    rows = db.execute("SELECT row_no, registration_number FROM roster_rows "
                      "WHERE snapshot_id = ? ORDER BY row_no", (sid,))
    assert [r[0] for r in rows] == list(range(22))
    assert [r[1] for r in rows] == pending.valid["registration_number"].tolist()


def test_a_superseded_import_gets_its_row_table_too(store, db):
    today = today_shanghai()
    seen = store.current_id()
    importing.accept_import(store, importing.prepare_import(roster_csv(7, seed=3), "a.csv", today,
                                                            seen_current=seen))
    with pytest.raises(ImportSuperseded) as err:
        importing.accept_import(store, importing.prepare_import(
            roster_csv(9, seed=4), "b.csv", today, seen_current=seen))
    wait_for_rows(db)
    assert db.execute("SELECT count(*) FROM roster_rows WHERE snapshot_id = ?",
                      (err.value.snapshot_id,)) == [(9,)]


def test_an_import_stands_when_no_background_process_can_be_started(store, db, monkeypatch):
    def no_process(*_args):
        raise OSError("fork refused")

    monkeypatch.setattr(importing, "start_background", no_process)
    pending = importing.prepare_import(roster_csv(12, seed=2), "x.csv", today_shanghai())
    sid = importing.accept_import(store, pending)  # no error: the snapshot is stored, current
    assert store.current_id() == sid and len(store.load(sid)) == 12
    assert store.rows_pending() == [sid]  # written by the next writer
    assert store.write_pending_rows() == [sid] and db.partial_snapshots() == []
