"""core/admin/audit.py: the admin audit log (issue 25), append-only in the database, with no
secret in it, on SQLite and PostgreSQL (the ``db`` fixture, tests/databases.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.admin import audit
from core.roster.store import Store
from tests.databases import Database


@pytest.fixture
def store(db: Database):
    s = Store(db.url)
    yield s
    s.close()


def test_the_audit_log_is_append_only_in_the_database(store, db):
    audit.record(store, "gd", "ip:192.0.2.1", "login_ok")
    audit.record(store, "gd", "ip:192.0.2.1", "download", {"what": "ecert-all", "rows": 12,
                                                             "province": ["广东"]})
    log = audit.read(store)
    assert list(log.columns) == ["at", "login", "client", "action", "detail"]
    assert list(log["action"]) == ["login_ok", "download"]
    assert log.loc[1, "detail"] == "what=ecert-all; rows=12; province=广东"
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE admin_audit SET login = 'someone else'")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM admin_audit")
    assert len(audit.read(store)) == 2


def test_the_audit_log_refuses_secrets_and_filters_by_day(store):
    with pytest.raises(ValueError):
        audit.record(store, "gd", "c", "login_ok", {"password": "x"})
    with pytest.raises(ValueError):
        audit.record(store, "gd", "c", "download", {"registration_number": "x"})
    audit.record(store, "gd", "c", "logout")
    today = pd.Timestamp.now(tz="UTC").date()
    assert len(audit.read(store, since=today, until=today)) == 1
    assert audit.read(store, until=date(2020, 1, 1)).empty
    assert len(audit.read(store, login="GD", action="logout")) == 1
    assert audit.csv_bytes(audit.read(store)).startswith(b"\xef\xbb\xbf")


def test_newest_id_grows_with_each_line_and_is_0_for_an_empty_log(store):
    assert audit.newest_id(store) == 0
    audit.record(store, "admin", "203.0.113.1", "login_ok")
    first = audit.newest_id(store)
    assert first > 0
    audit.record(store, "admin", "203.0.113.1", "logout")
    assert audit.newest_id(store) > first
    assert len(audit.read(store)) == 2
