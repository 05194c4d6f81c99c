"""core/admin/accounts.py: admin accounts and the database throttle (issue 25), on SQLite and
PostgreSQL (the ``db`` fixture, tests/databases.py). Scopes: tests/test_admin_scope.py; the
audit log: tests/test_admin_audit.py."""

from __future__ import annotations

import threading

import pytest

from core.admin.accounts import (
    AccountError,
    Accounts,
    LoginThrottle,
    env_account,
    verify_account,
)
from core.admin.auth import hash_password
from core.admin.scope import Scope
from core.roster.store import Store
from tests.databases import Database


@pytest.fixture
def store(db: Database):
    s = Store(db.url)
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# -- accounts ---------------------------------------------------------------------------------
def test_add_list_disable_enable_password(store, db):
    accounts = Accounts(store)
    a = accounts.add("Gd.Admin", "province", ["广东省", "海南"], "pw 广东 1")
    assert (a.login, a.role, a.provinces) == ("gd.admin", "province", ("广东", "海南"))
    accounts.add("viewer1", "viewer", [], "pw v")
    table = accounts.table()
    assert list(table.columns) == ["login", "role", "provinces", "disabled", "created_at",
                                   "last_login_at"]
    assert list(table["login"]) == ["gd.admin", "viewer1"]
    assert table.loc[0, "provinces"] == "广东 海南"
    got = accounts.get("GD.ADMIN")
    assert verify_account(got, "pw 广东 1") and not verify_account(got, "wrong")
    accounts.set_disabled("gd.admin", True)
    assert not verify_account(accounts.get("gd.admin"), "pw 广东 1")  # disabled: never
    accounts.set_disabled("gd.admin", False)
    accounts.set_password("gd.admin", "new pw")
    assert verify_account(accounts.get("gd.admin"), "new pw")
    assert not verify_account(accounts.get("gd.admin"), "pw 广东 1")
    # the hash is argon2id in the database and nowhere in the listing
    [(stored,)] = db.execute("SELECT password_hash FROM admin_accounts WHERE login = ?",
                             ("gd.admin",))
    assert stored.startswith("$argon2id$")
    assert "argon2" not in table.to_csv()


@pytest.mark.parametrize("args,code", [
    (("x", "province", [], "p"), "province_required"),
    (("x", "province", ["火星"], "p"), "unknown_province"),
    (("x", "viewer", ["北京"], "p"), "province_not_allowed"),
    (("x", "king", [], "p"), "invalid_role"),
    (("bad name", "viewer", [], "p"), "invalid_login"),
    (("admin", "national", [], "p"), "login_reserved"),
])
def test_invalid_accounts_are_refused_bilingually(store, args, code):
    with pytest.raises(AccountError) as err:
        Accounts(store).add(*args)
    assert err.value.code == code and err.value.message_zh and err.value.message_en
    assert not Accounts(store).any()


def test_a_login_that_exists_is_refused(store):
    Accounts(store).add("bj", "province", ["北京"], "p")
    with pytest.raises(AccountError, match="already exists"):
        Accounts(store).add("BJ", "viewer", [], "q")
    with pytest.raises(AccountError) as err:
        Accounts(store).set_disabled("nobody", True)
    assert err.value.code == "unknown_login"


def test_the_configured_hash_is_the_national_admin():
    acct = env_account(hash_password("env pw"))
    assert (acct.login, acct.role, acct.scope) == ("admin", "national", Scope.national())
    assert verify_account(acct, "env pw")
    assert env_account(None) is None


def test_accounts_are_shared_by_two_stores_on_one_database(db):
    a, b = Store(db.url), Store(db.url)  # two replicas
    try:
        Accounts(a).add("sh", "province", ["上海"], "pw")
        assert Accounts(b).get("sh").provinces == ("上海",)
    finally:
        a.close()
        b.close()


# -- throttle ---------------------------------------------------------------------------------
def test_failures_count_per_client_and_account_and_refuse_only_that_client(store):
    clock = Clock()
    gate = LoginThrottle(store, clock=clock)
    for _ in range(4):
        assert gate.begin("ip:192.0.2.1", "gd") == 0.0
        gate.failed("ip:192.0.2.1")
    assert gate.failures("client:ip:192.0.2.1") == 4
    assert gate.failures("account:gd") == 4
    assert gate.begin("ip:192.0.2.1", "gd") == pytest.approx(1.0)  # its own wait
    assert gate.begin("ip:198.51.100.9", "gd") == 0.0  # another client: checked at once
    gate.succeeded("ip:198.51.100.9", "gd")
    assert gate.failures("account:gd") == 0 and gate.known("ip:198.51.100.9", "gd")
    clock.now += 1.01
    assert gate.begin("ip:192.0.2.1", "gd") == 0.0
    clock.now += gate.window + 1  # an hour later the records are gone
    gate.begin("ip:198.51.100.1", "")
    assert gate.failures("client:ip:192.0.2.1") == 0 and gate.failures("account:gd") == 0


def test_the_throttle_is_shared_by_replicas_and_kept_across_restarts(db):
    clock = Clock()
    a = Store(db.url)
    for _ in range(5):
        LoginThrottle(a, clock=clock).begin("ip:203.0.113.5", "x")
    a.close()
    b = Store(db.url)  # another replica, or the same after a restart
    try:
        assert LoginThrottle(b, clock=clock).check("ip:203.0.113.5") > 0
    finally:
        b.close()


def test_simultaneous_attempts_of_one_client_are_counted_one_by_one(store):
    gate = LoginThrottle(store, clock=Clock())
    outcomes = []
    barrier = threading.Barrier(12)

    def go():
        barrier.wait()
        outcomes.append(gate.begin("ip:192.0.2.77", ""))

    threads = [threading.Thread(target=go) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count(0.0) == gate.free_failures + 1  # then the wait refuses the rest
    assert gate.failures("client:ip:192.0.2.77") == gate.free_failures + 1


def test_a_new_password_for_an_unknown_login_is_unknown_login(store):
    """Not a database error: the account is looked up before anything is written."""
    with pytest.raises(AccountError) as err:
        Accounts(store).set_password("ghost", "some pw 123")
    assert err.value.code == "unknown_login"
    assert "ghost" in err.value.message_zh and "ghost" in err.value.message_en


def test_each_new_store_gets_its_tables_even_when_python_reuses_an_id(tmp_path):
    """The tables are made once per store object: a store closed and collected must not
    vouch for a new one on another database (CPython reuses a freed object's id)."""
    import gc

    for i in range(40):
        store = Store(f"sqlite:///{(tmp_path / f'{i}.db').as_posix()}")
        try:
            assert not Accounts(store).any()  # "no such table" when the tables were skipped
        finally:
            store.close()
        del store
        gc.collect()
