"""Failures of the machine, not of the user (issue 6, "Failures"): each gives a clear message
naming the problem and the fix, in Chinese and English, and loses nothing.

Already proven elsewhere, not repeated: tests/test_roster_store.py (a file where the database
folder should be, a read-only ``mode=ro`` connection, disk full via ``max_page_count`` during an
import, locked, corrupt, SIGKILL mid-import), tests/test_certificate_fonts.py (``font_path``
without the font package), tests/test_runtime_config.py (corrupt key file contents, a directory
instead of the key file).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.certificate import fonts
from core.certificate import preview as cert
from core.roster.store import Store, StoreError
from core.runtime import config
from tests.databases import Database
from tests.engine_helpers import profile
from tests.samples import (
    GOOD_ROW,
    OTHER_ROW,
    bilingual,
    csv_bytes,
    db_state,
    import_file,
)

ROOT = Path(__file__).resolve().parents[2]


def _permissions_enforced() -> bool:
    """Whether this process is bound by file modes (root with CAP_DAC_OVERRIDE is not)."""
    with tempfile.TemporaryDirectory() as d:
        probe = Path(d) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            probe.read_text()
            return False
        except PermissionError:
            return True


ENFORCED = _permissions_enforced()
needs_permissions = pytest.mark.skipif(
    not ENFORCED, reason="file modes are not enforced here (root); "
    "test_permission_cases_without_root_override runs these without that privilege")
PERMISSION_CASES = ("test_database_in_a_read_only_directory or "
                    "test_existing_database_made_read_only or test_key_file_without_read")


@pytest.mark.skipif(ENFORCED or shutil.which("setpriv") is None,
                    reason="file modes are enforced already (the cases run directly)")
def test_permission_cases_without_root_override(tmp_path):
    """As root (CI runs as root) the permission cases run in a child process whose bounding set
    lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so file modes bind it like any user."""
    env = {**os.environ, "ECERT_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--",
         sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", PERMISSION_CASES,
         str(Path(__file__))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout, run.stdout[-2000:]


def check_unwritable(err: StoreError) -> None:
    assert err.code == "db_unwritable", (err.code, err.message_en)
    bilingual(err.message_zh, err.message_en)
    assert "writable" in err.message_en and "可写" in err.message_zh  # the fix
    assert "ECERT_DB_URL" in err.message_en and "ECERT_DB_URL" in err.message_zh


# --------------------------------------------------------------------------------------------
# Database unwritable or full
# --------------------------------------------------------------------------------------------


@needs_permissions
def test_database_in_a_read_only_directory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StoreError) as err:
            Store(f"sqlite:///{(folder / 'ecert.db').as_posix()}")
        check_unwritable(err.value)
        assert str(folder / "ecert.db") in err.value.message_en
    finally:
        folder.chmod(stat.S_IRWXU)


@needs_permissions
def test_existing_database_made_read_only_refuses_the_import_and_keeps_the_roster(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "ecert.db"
    db = Database("sqlite", f"sqlite:///{path.as_posix()}", path=path)
    st = Store(db.url)
    import_file(st, csv_bytes([GOOD_ROW, OTHER_ROW]), "first.csv")
    st.close()
    before = db_state(db)
    for p in folder.iterdir():
        p.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StoreError) as err:
            st = Store(db.url)
            import_file(st, csv_bytes([GOOD_ROW]), "second.csv")
        assert err.value.code in ("db_unwritable", "db_error")
        bilingual(err.value.message_zh, err.value.message_en)
        assert "ECERT_DB_URL" in err.value.message_en
    finally:
        folder.chmod(stat.S_IRWXU)
        for p in folder.iterdir():
            p.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert db_state(db) == before


def _refuse_writes(dbapi_conn, _record) -> None:
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.execute("PRAGMA query_only = ON")
        return
    dbapi_conn.autocommit = True  # a session setting, not undone by the pool's rollback
    dbapi_conn.execute("SET default_transaction_read_only = on")
    dbapi_conn.autocommit = False


def test_database_that_refuses_writes_keeps_the_current_roster(store, db):
    """Any user, root too: a connection that may not write (SQLite ``query_only``, PostgreSQL
    ``default_transaction_read_only``) stands for a database that became read-only under the
    running app."""
    before = db_state(db)
    sa.event.listen(store.engine, "connect", _refuse_writes)
    store.engine.dispose()
    with pytest.raises(StoreError) as err:
        import_file(store, csv_bytes([GOOD_ROW]), "second.csv")
    check_unwritable(err.value)
    assert len(store.load()) == 2  # reading still works: the admin page can show the roster
    assert db_state(db) == before


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # PostgreSQL: tests/test_roster_store.py
def test_full_database_from_a_file_import_names_the_fix_and_keeps_the_roster(store, db):
    before = db_state(db)
    pages = sqlite3.connect(db.path).execute("PRAGMA page_count").fetchone()[0]
    sa.event.listen(store.engine, "connect",
                    lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages + 2}"))
    store.engine.dispose()
    with pytest.raises(StoreError) as err:
        import_file(store, csv_bytes([GOOD_ROW, OTHER_ROW] * 3000), "big.csv")
    e = err.value
    assert e.code == "disk_full"
    bilingual(e.message_zh, e.message_en)
    assert "Free disk space" in e.message_en and "释放磁盘空间" in e.message_zh
    assert "ECERT_DB_URL" in e.message_en and "unchanged" in e.message_en
    assert db_state(db) == before
    assert len(store.load()) == 2


def test_store_error_from_config_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("ECERT_DB_URL", "nosuchdialect://x/y")
    with pytest.raises(StoreError) as err:
        Store.from_config()
    assert err.value.code == "bad_url"
    assert "ECERT_DB_URL" in err.value.message_en and "ECERT_DB_URL" in err.value.message_zh


# --------------------------------------------------------------------------------------------
# Font package missing: FontMissing with the pip command, from every entry point
# --------------------------------------------------------------------------------------------


def _content() -> cert.CertificateContent:
    return cert.CertificateContent(
        name="张三", gender="男", birth_date=date(1970, 3, 15),
        registration_number="京1112006200807445", employer="某公司",
        specialties=[("建筑工程", date(2021, 5, 14), date(2024, 5, 13))],
        usage_from=date(2021, 8, 12), usage_until=date(2022, 2, 8), issued_on=date(2021, 8, 12))


def check_font_missing(err: cert.FontMissing) -> None:
    assert err.code == "font_missing"
    bilingual(err.message_zh, err.message_en)
    assert "pip install noto-cjk-sans-otc" in err.message_en
    assert "pip install noto-cjk-sans-otc" in err.message_zh


@pytest.mark.parametrize("how", ["no_package", "file_removed"])
def test_render_without_the_font_raises_font_missing(monkeypatch, tmp_path, how):
    monkeypatch.setattr(fonts, "_master", None)  # not yet loaded in this process
    if how == "no_package":
        monkeypatch.setattr(fonts, "find_spec", lambda name: None)
    else:  # the package is there but its font file is gone (a broken installation)
        monkeypatch.setattr(fonts.resources, "files", lambda package: tmp_path)
    with pytest.raises(cert.FontMissing) as err:
        cert.render_pdf(_content(), "https://x/verify?token=t")
    check_font_missing(err.value)
    with pytest.raises(cert.CertificateUnavailable):  # pages catch the base class
        cert.make_certificate(_content(), "https://x", b"k" * 32)
    with pytest.raises(cert.FontMissing):
        cert.missing_glyphs("张三")


def test_cli_certificate_without_the_font_exit_2_with_the_pip_command(tmp_path):
    p = profile(province="广东", valid_until="2024-12-31", downloaded="2024-09-01")
    code = (
        "import sys; import core.certificate.fonts as c; c.find_spec = lambda name: None; "
        "from core.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {"ECERT_DATA_DIR": str(tmp_path / "data"), "ECERT_SECRET_KEY": "k", "PATH": "/usr/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, "certificate", "--as-of", "2024-10-01",
                          "--out", str(tmp_path / "c.pdf")], input=json.dumps(p).encode(),
                         capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert b"Traceback" not in out.stdout + out.stderr
    assert out.returncode == 2, out.stdout
    error = json.loads(out.stdout)["errors"][0]
    assert error["code"] == "font_missing"
    assert "pip install noto-cjk-sans-otc" in error["message_en"]
    assert not (tmp_path / "c.pdf").exists()


# --------------------------------------------------------------------------------------------
# Secret key file unreadable or corrupt: ConfigError naming the file and the fix
# --------------------------------------------------------------------------------------------


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    monkeypatch.delenv(config.SECRET_KEY, raising=False)
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(config.DATA_DIR, str(data))
    monkeypatch.setattr(config, "secrets_files", lambda: [tmp_path / "none.toml"])
    return data / config.SECRET_KEY_FILE


def check_key_error(err: config.ConfigError, path: Path) -> None:
    assert err.code == "secret_key_unreadable"
    bilingual(err.message_zh, err.message_en)
    assert str(path) in err.message_en and str(path) in err.message_zh
    assert "ECERT_SECRET_KEY" in err.message_en and "ECERT_SECRET_KEY" in err.message_zh
    assert "delete it" in err.message_en and "删除" in err.message_zh


@needs_permissions
def test_key_file_without_read_permission(key_env):
    key_env.write_text("ab" * 32 + "\n")
    key_env.chmod(0)
    try:
        with pytest.raises(config.ConfigError) as err:
            config.secret_key()
        check_key_error(err.value, key_env)
    finally:
        key_env.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert key_env.read_text() == "ab" * 32 + "\n"  # never replaced behind the admin's back


@pytest.mark.parametrize("content", [b"ab" * 31, b"zz" * 32, b"\x00" * 64, "密钥".encode()])
def test_corrupt_key_file_message_names_the_file_and_every_fix(key_env, content):
    key_env.write_bytes(content)
    with pytest.raises(config.ConfigError) as err:
        config.secret_key()
    check_key_error(err.value, key_env)
    assert key_env.read_bytes() == content


def test_cli_certificate_with_a_corrupt_key_file_says_which_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("not a key\n")
    p = profile(province="广东", valid_until="2024-12-31", downloaded="2024-09-01")
    env = {"ECERT_DATA_DIR": str(data), "PATH": "/usr/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "core", "certificate", "--as-of", "2024-10-01",
                          "--out", str(tmp_path / "c.pdf")], input=json.dumps(p).encode(),
                         capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert b"Traceback" not in out.stdout + out.stderr
    assert out.returncode != 0 and not (tmp_path / "c.pdf").exists()
    error = json.loads(out.stdout)["errors"][0]
    assert error["code"] == "secret_key_unreadable" and error["field"] == "configuration"
    assert str(data / "secret_key") in error["message_en"]
    bilingual(error["message_zh"], error["message_en"])
