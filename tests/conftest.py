"""Generic test set-up shared by every test directory.

- The repository root is importable (also set by ``pythonpath`` in pyproject.toml).
- ``ECERT_DATA_DIR`` points to a fresh temporary directory for the whole run unless the caller
  set it, so tests never write into the developer's ``./data``. It is set in
  ``pytest_configure``, before any test module (and so any ``core`` module) is imported.
  Under pytest-xdist (``make check`` runs ``-n 2``) each worker gets a folder of its own inside
  the run's, so two workers never share a database, a key file or an upload.
- PostgreSQL: ``postgres`` (session) is a throwaway cluster (scripts/pg_cluster.py: initdb into a
  temporary folder, pg_ctl on a free port of 127.0.0.1, as the ``postgres`` user when root),
  stopped and removed at the end of the run, also when tests fail. ``db`` is parametrised over
  SQLite and PostgreSQL (tests/databases.py) and gives each test an empty database of its own;
  those tests carry the ``postgres`` marker on their PostgreSQL side. When the server cannot
  be started the PostgreSQL side is skipped, except on CI (``CI`` set) and under ``make test``
  (``ECERT_REQUIRE_POSTGRES=1``), where that is a failure: there it must run.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import pg_cluster
from tests import databases
from tests.databases import KINDS, Database

ROOT = Path(__file__).resolve().parent.parent

_made_data_dir: str | None = None


_MADE_MARK = "ECERT_TEST_RUN_DATA_DIR"  # the folder this run made (workers inherit it)


def pytest_configure(config: pytest.Config) -> None:
    global _made_data_dir
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    made = os.environ.get(_MADE_MARK)
    if worker and made and os.environ.get("ECERT_DATA_DIR") == made:
        own = Path(made) / worker  # removed with the run's folder by the controller
        own.mkdir(mode=0o700, exist_ok=True)
        os.environ["ECERT_DATA_DIR"] = str(own)
        return
    if not os.environ.get("ECERT_DATA_DIR"):
        _made_data_dir = tempfile.mkdtemp(prefix="ecert-test-data-")
        os.environ["ECERT_DATA_DIR"] = os.environ[_MADE_MARK] = _made_data_dir


def pytest_unconfigure(config: pytest.Config) -> None:
    if _made_data_dir:
        shutil.rmtree(_made_data_dir, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = any(str(v).startswith("postgres") for v in params.values())
        if on_postgres or "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg_cluster.PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole run (module doc)."""
    why = pg_cluster.unavailable()
    cluster = None
    if why is None:
        cluster = pg_cluster.PostgresCluster()
        try:
            cluster.start()
        except pg_cluster.PostgresUnavailable as exc:
            why, cluster = str(exc), None
    if cluster is None:
        databases.skip_or_fail_without_postgres(why)
    try:
        yield cluster
    finally:
        cluster.stop()


_database_numbers = itertools.count(1)


@pytest.fixture
def pg_database(postgres) -> Iterator[Database]:
    """An empty PostgreSQL database of its own, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    url = postgres.create_database(name)
    try:
        yield Database("postgresql", url, cluster=postgres, name=name)
    finally:
        postgres.drop_database(name)


@pytest.fixture(params=KINDS)
def db(request, tmp_path) -> Database:
    """An empty roster database of each kind (tests/databases.py)."""
    if request.param == "sqlite":
        path = tmp_path / "ecert.db"
        return Database("sqlite", f"sqlite:///{path.as_posix()}", path=path)
    return request.getfixturevalue("pg_database")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian chromium, one for the whole run: Playwright's sync API allows only one
    running instance per thread, so every browser test (tests/browser, tests/security) shares
    it."""
    from tests.browser.app_server import CHROMIUM, CHROMIUM_ARGS

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def isolated_app(tmp_path, monkeypatch) -> Iterator[Path]:
    """An AppTest session on its own: a fresh data folder (so its own SQLite), no admin hash,
    database URL or secrets file, a clear login throttle.

    And Streamlit's legacy ``pages/`` mode off, as on a server whose router has run once:
    AppTest resets ``PagesManager.uses_pages_directory`` before every run, so ui.routing's
    one-time "back to the router" rerun would happen on every run and drop button clicks (a
    rerun forgets trigger values).
    """
    from streamlit.runtime.pages_manager import PagesManager

    from core.runtime import config
    from ui import admin_session

    monkeypatch.setenv("ECERT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ECERT_ADMIN_PASSWORD_HASH", raising=False)
    monkeypatch.delenv("ECERT_DB_URL", raising=False)
    monkeypatch.setattr(config, "secrets_files", lambda: [])
    original_init = PagesManager.__init__

    def init_after_router(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_after_router)
    admin_session.throttle.clear()
    yield tmp_path
    admin_session.throttle.clear()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top directory (where streamlit_app.py lives)."""
    return ROOT
