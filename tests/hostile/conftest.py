"""Fixtures of tests/hostile: a scratch store with one current snapshot, on SQLite and on
PostgreSQL (the ``db`` fixture of tests/conftest.py). The sample rows, file builders and
hypothesis profiles they use are in tests/samples.py."""

from __future__ import annotations

import pytest

from tests.samples import GOOD_ROW, OTHER_ROW, csv_bytes, import_file  # noqa: F401


@pytest.fixture
def store(db):
    """A store with one snapshot already current (2 good rows), so a failed import has something
    to leave untouched."""
    from core.roster.store import Store

    st = Store(db.url, chunk_rows=1000)
    import_file(st, csv_bytes([GOOD_ROW, OTHER_ROW]), "before.csv")
    yield st
    st.close()
