"""``python -m core user …`` and ``python -m core audit`` (CONTRACT.md "Admin accounts, scopes
and audit"): outputs, exits 0/2 with the problem in Chinese and English, never a hash."""

from __future__ import annotations

import io
import os

import pandas as pd
import pytest

from core.admin import audit
from core.admin.accounts import Accounts, verify_account
from core.admin.auth import read_password_cli
from core.roster.store import Store
from tests.test_cli import run

PW = "省级口令 pw-4417"


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e.pop("ECERT_ADMIN_PASSWORD_HASH", None)
    e["ECERT_DATA_DIR"] = str(tmp_path / "data")
    e["ECERT_DB_URL"] = f"sqlite:///{(tmp_path / 'ecert.db').as_posix()}"
    return e


def store_of(env) -> Store:
    return Store(env["ECERT_DB_URL"])


def test_user_add_list_disable_enable_password(env):
    out = run("user", "add", "gd", "--role", "province", "--province", "广东省",
              "--province", "海南", stdin=PW + "\n", env=env)
    assert out.returncode == 0, out.stderr.decode()
    assert PW.encode() not in out.stdout + out.stderr
    listing = run("user", "list", env=env)
    assert listing.returncode == 0
    frame = pd.read_csv(io.BytesIO(listing.stdout))
    assert list(frame.columns) == ["login", "role", "provinces", "disabled", "created_at",
                                   "last_login_at"]
    assert frame.loc[0, ["login", "role", "provinces"]].tolist() == ["gd", "province",
                                                                      "广东 海南"]
    assert b"argon2" not in listing.stdout
    assert run("user", "disable", "gd", env=env).returncode == 0
    s = store_of(env)
    assert not verify_account(Accounts(s).get("gd"), PW)
    assert run("user", "enable", "gd", env=env).returncode == 0
    assert verify_account(Accounts(s).get("gd"), PW)
    assert run("user", "password", "gd", stdin="another one\n", env=env).returncode == 0
    assert verify_account(Accounts(s).get("gd"), "another one")
    actions = list(audit.read(s)["action"])
    assert actions == ["account_added", "account_disabled", "account_enabled",
                       "account_password"]
    assert PW not in audit.read(s).to_csv() and "argon2" not in audit.read(s).to_csv()
    s.close()


@pytest.mark.parametrize("args,words", [
    (("user", "add", "x", "--role", "province"), ("省份", "province")),
    (("user", "add", "x", "--role", "province", "--province", "火星"), ("火星", "Unknown")),
    (("user", "add", "x", "--role", "boss"), ("角色", "role")),
    (("user", "disable", "nobody"), ("nobody", "no account")),
    (("user", "enable", "nobody"), ("nobody", "no account")),
    (("user", "password", "nobody"), ("nobody", "no account")),
])
def test_invalid_input_exits_2_naming_the_problem_in_both_languages(env, args, words):
    out = run(*args, stdin="", env=env)  # no password given: the problem is named before one
    # would be read
    assert out.returncode == 2
    err = out.stderr.decode()
    assert all(w in err for w in words), err


def test_a_login_that_exists_exits_2(env):
    assert run("user", "add", "v", "--role", "viewer", stdin="pw\n", env=env).returncode == 0
    out = run("user", "add", "v", "--role", "national", stdin="pw\n", env=env)
    assert out.returncode == 2 and "已存在" in out.stderr.decode()
    assert "already exists" in out.stderr.decode()
    assert run("user", "add", "e", "--role", "viewer", stdin="\n", env=env).returncode == 2


def test_a_password_from_a_terminal_is_asked_twice():
    answers = iter(["a", "a"])
    assert read_password_cli(io.StringIO(""), prompt=lambda _m: next(answers)) == "a"
    answers = iter(["a", "b"])
    with pytest.raises(ValueError):
        read_password_cli(io.StringIO(""), prompt=lambda _m: next(answers))


def test_audit_prints_and_writes_the_log_filtered_by_day(env, tmp_path):
    run("user", "add", "v", "--role", "viewer", stdin="pw\n", env=env)
    out = run("audit", env=env)
    assert out.returncode == 0
    frame = pd.read_csv(io.BytesIO(out.stdout), encoding="utf-8-sig")
    assert list(frame.columns) == ["at", "login", "client", "action", "detail"]
    assert frame["action"].tolist() == ["account_added"]
    assert run("audit", "--until", "2020-01-01", env=env).stdout.count(b"\n") == 1  # header
    target = tmp_path / "audit.csv"
    assert run("audit", "--since", "2020-01-01", "--out", str(target), env=env).returncode == 0
    assert "account_added" in target.read_text(encoding="utf-8-sig")
    bad = run("audit", "--since", "yesterday", env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr.decode()
