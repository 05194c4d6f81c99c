"""/admin when the database is shared (several app servers, or another admin): each run asks
the database which snapshot is current, so an import made elsewhere shows on the next rerun,
and an import that another one overtook is said clearly. On SQLite and PostgreSQL (``db``).

Two AppTest sessions stand for two servers: each keeps its own session state, and the only
thing they share is ``ECERT_DB_URL``.
"""

from __future__ import annotations

import pytest

from core.admin.auth import hash_password
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes
from core.roster.store import Store
from tests.app_helpers import accept_import, assert_clean, login, open_admin
from ui.i18n import text

PASSWORD = "共享 database 口令"


@pytest.fixture
def shared(isolated_app, db, monkeypatch):
    monkeypatch.setenv("ECERT_DB_URL", db.url)
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    return db


def caption_id(at) -> str:
    captions = " ".join(c.value for c in at.caption)
    for word in captions.split():
        if word.startswith("#"):
            return word.strip("#，,。.")
    raise AssertionError(captions)


def other_server_imports(url: str, n: int, seed: int) -> int:
    st = Store(url)
    try:
        return st.import_snapshot(demo_roster(n, seed=seed, as_of=today_shanghai()),
                                  f"other-{seed}.csv", "f" * 64)
    finally:
        st.close()


def test_an_import_made_elsewhere_shows_on_the_next_rerun(shared):
    at = login(open_admin(), PASSWORD)
    first = Store(shared.url).current_id()  # the demo roster the first login imported
    # (a fresh database's first snapshot is the fictional demo roster, named so: issue 15)
    assert text("admin.source_snapshot_demo", "zh", id=first,
                as_of=today_shanghai().isoformat()) in [c.value for c in at.caption]
    new = other_server_imports(shared.url, 40, seed=3)
    at.run()  # any rerun: a widget change, a click
    assert_clean(at)
    assert text("admin.source_snapshot", "zh", id=new,
                as_of=today_shanghai().isoformat()) in [c.value for c in at.caption]
    regs = [m for m in at.metric if m.label == text("admin.m_registrations", "zh")]
    assert regs[0].value == "40"


def test_an_import_overtaken_by_another_is_kept_and_said_in_both_languages(shared):
    at = login(open_admin(), PASSWORD)
    data = to_csv_bytes(demo_roster(25, seed=9, as_of=today_shanghai()).astype(object))
    at.file_uploader[0].set_value(("mine.csv", data, "text/csv")).run()
    assert_clean(at)
    theirs = other_server_imports(shared.url, 30, seed=4)  # while this admin looks at the check
    accept_import(at, PASSWORD)
    warning = " ".join(w.value for w in at.warning)
    assert text("admin.import_superseded", "zh") in warning
    assert f"#{theirs}" in warning and "另一次导入" in warning and "another import" in warning
    assert shared.current() == [theirs] and shared.partial_snapshots() == []
    snaps = Store(shared.url).snapshots()
    mine = snaps[snaps["file_name"] == "mine.csv"]
    assert len(mine) == 1 and not mine["is_current"].iloc[0] and mine["accepted_rows"].iloc[0] == 25
    assert not at.file_uploader[0].value  # done: the upload is cleared
    regs = [m for m in at.metric if m.label == text("admin.m_registrations", "zh")]
    assert regs[0].value == "30"  # the dashboard shows what is current: theirs


def test_a_server_opening_the_store_finishes_row_tables_left_pending(shared):
    """A server stopped while writing an import's row table (core/roster/store/, "Row table
    later"): the next server to open the store writes it, and the page shows the snapshot
    meanwhile from its Parquet frame."""
    import time

    st = Store(shared.url)
    try:
        left = st.import_snapshot(demo_roster(35, seed=6, as_of=today_shanghai()), "left.csv",
                                  "e" * 64, rows_later=True)
    finally:
        st.close()
    assert shared.rows_pending() == [left]
    at = login(open_admin(), PASSWORD)
    assert_clean(at)
    regs = [m for m in at.metric if m.label == text("admin.m_registrations", "zh")]
    assert regs[0].value == "35"
    deadline = time.monotonic() + 60
    while shared.rows_pending():
        assert time.monotonic() < deadline, "the pending row table was never written"
        time.sleep(0.05)
    assert shared.execute("SELECT count(*) FROM roster_rows WHERE snapshot_id = ?",
                          (left,)) == [(35,)]
    assert shared.partial_snapshots() == []


def test_the_snapshot_list_says_when_a_row_table_is_still_being_written(shared, monkeypatch):
    from core.admin import importing

    monkeypatch.setattr(importing, "start_background", lambda *_a: None)  # a writer not yet done
    at = login(open_admin(), PASSWORD)
    st = Store(shared.url)
    try:
        sid = st.import_snapshot(demo_roster(20, seed=8, as_of=today_shanghai()), "late.csv",
                                 "a" * 64, rows_later=True)
        at.run()
        assert_clean(at)
        note = text("admin.snap_rows_pending", "zh", ids=f"#{sid}")
        assert note in [c.value for c in at.caption]
        st.write_pending_rows()
        at.run()
        assert note not in [c.value for c in at.caption]
    finally:
        st.close()
