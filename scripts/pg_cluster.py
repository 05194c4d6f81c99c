"""A throwaway PostgreSQL cluster: ``initdb`` into a temporary folder, ``pg_ctl start`` on a free
port on 127.0.0.1 (and a unix socket in the same folder), stopped and removed at the end.

Used by the test suite (tests/conftest.py: ``postgres``, ``pg_url``, ``db_url``), the store
benchmark (scripts/bench_store.py) and the replica launcher (scripts/replicas.py)::

    with PostgresCluster() as pg:
        url = pg.create_database("roster")   # postgresql+psycopg://postgres@127.0.0.1:PORT/roster

``initdb`` refuses to run as root: as root every server command runs as the ``postgres`` user
that Debian's package creates (``runuser -u postgres -- …``), and the temporary folder is
handed to that user. Authentication is ``trust`` on 127.0.0.1 only (a throwaway cluster).
``durable=False`` (the default, for tests) turns fsync off; benchmarks pass ``durable=True``.
``file_size_limit`` (bytes) starts the server under ``RLIMIT_FSIZE``: a table file cannot grow
past it, which is how the tests make PostgreSQL meet a full disk (the server ignores SIGXFSZ
and reports "could not extend file"); with ``wal_segment_mb=1`` the WAL segments fit under a
small limit.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from scripts.processes import free_port

SERVICE_USER = "postgres"
SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries or the psycopg driver are missing."""


def _version_key(path: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", path)) or (0,)


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir`` when it has them
    (not always: Debian's pg_config may name /usr/bin), else the newest
    /usr/lib/postgresql/*/bin."""
    candidates: list[str] = []
    if env := os.environ.get("ECERT_PG_BINDIR"):
        candidates.append(env)
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
            candidates.append(out)
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for c in candidates:
        d = Path(c)
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    if find_bindir() is None:
        return ("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
                "`postgresql` (`make system-deps` does)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is missing: pip install -r requirements.txt"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return f"running as root but there is no {SERVICE_USER!r} user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root but `runuser` (util-linux) is missing"
    return None


class PostgresCluster:
    """One PostgreSQL server in a temporary folder; see the module doc."""

    def __init__(self, *, durable: bool = False, file_size_limit: int | None = None,
                 wal_segment_mb: int | None = None, settings: dict[str, str] | None = None):
        self.durable = durable
        self.file_size_limit = file_size_limit
        self.wal_segment_mb = wal_segment_mb
        self.settings = dict(settings or {})
        self.bindir = find_bindir()
        self.base: Path | None = None
        self.port: int | None = None
        self._as_root = os.geteuid() == 0

    # -- paths and commands ---------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        assert self.base is not None
        return self.base / "server.log"

    def _cmd(self, *args: str) -> list[str]:
        """A server command, as the postgres user when we are root."""
        if self._as_root:
            return ["runuser", "-u", SERVICE_USER, "--", *args]
        return list(args)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout,
                              cwd=self.base)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> PostgresCluster:
        why = unavailable()
        if why:
            raise PostgresUnavailable(why)
        assert self.bindir is not None
        self.base = Path(tempfile.mkdtemp(prefix="ecert-pg-"))
        atexit.register(self.stop)  # a backstop: an interrupted run still removes the cluster
        try:
            if self._as_root:
                pw = pwd.getpwnam(SERVICE_USER)
                os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o700)
            extra = [f"--wal-segsize={self.wal_segment_mb}"] if self.wal_segment_mb else []
            init = self._run(str(self.bindir / "initdb"), "-D", str(self.data_dir),
                             "--auth=trust", "--username", SUPERUSER, "--encoding=UTF8",
                             "--locale=C.UTF-8", "--no-instructions", *extra)
            if init.returncode != 0:
                raise PostgresUnavailable(f"initdb failed: {init.stderr or init.stdout}")
            last = ""
            for _attempt in range(3):  # a free port can be taken between asking and binding
                self.port = free_port()
                started = self._start_server()
                if started.returncode == 0:
                    self._wait_ready()
                    return self
                last = (started.stderr or started.stdout) + self.log_tail()
                if "already in use" not in last and "could not bind" not in last:
                    break
            raise PostgresUnavailable(f"pg_ctl start failed: {last}")
        except BaseException:
            self.stop()
            raise

    def _start_server(self) -> subprocess.CompletedProcess:
        options = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.base),
            "max_connections": "200",
        }
        if not self.durable:
            options |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        options |= self.settings
        opts = " ".join(f"-c {k}={v}" for k, v in options.items())
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
               "-w", "-t", "60", "-o", opts, "start"]
        if self.file_size_limit:
            limit = int(self.file_size_limit)
            cmd = ["prlimit", f"--fsize={limit}:{limit}", "--", *cmd]
        return self._run(*cmd)

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable("the server did not accept connections:\n"
                                              + self.log_tail()) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (fast, then immediate, then SIGKILL) and remove its folder."""
        if self.base is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists() and self.bindir is not None:
                for mode in ("fast", "immediate"):
                    try:
                        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir),
                                         "-m", mode, "-w", "-t", "30", "stop", timeout=60)
                    except subprocess.TimeoutExpired:
                        continue
                    if done.returncode == 0:
                        break
                else:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
            atexit.unregister(self.stop)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 9)
        except (OSError, ValueError, IndexError):
            pass

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string (psycopg.connect)."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """The SQLAlchemy URL of a database (``ECERT_DB_URL``)."""
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str, params: tuple | None = None, dbname: str = "postgres") -> list:
        """Run one statement in autocommit as the superuser; its rows (empty when none)."""
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
