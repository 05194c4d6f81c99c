"""A whole deployment on one machine: PostgreSQL + N ``streamlit run`` replicas + nginx.

Used by tests/browser/test_replicas.py and by ``python scripts/replicas.py`` (by hand, or for
the load test through the proxy). Everything binds 127.0.0.1 on free ports, lives in one
temporary folder and is stopped by :meth:`Deployment.stop` (also when a start fails)::

    with Deployment(replicas=2, admin_password_hash=h) as d:
        d.proxy_url            # http://127.0.0.1:PORT  (nginx, sticky per browser)
        d.replicas[1].url      # one replica directly
        d.kill(1)              # SIGKILL replica 1 (a crashed server)
        d.restart(1)

The replicas share what docs/DEPLOY.md says must be shared: ``ECERT_DB_URL``,
``ECERT_SECRET_KEY`` (QR tokens), ``ECERT_ADMIN_PASSWORD_HASH``, ``ECERT_BASE_URL`` (the
proxy's address, put into QR links) and Streamlit's ``server.cookieSecret`` (its XSRF cookie
must stay valid when a browser fails over to another replica). Each has its own data folder.
nginx runs with ``deploy/nginx.conf`` rendered into the folder (``nginx -p DIR -c FILE -e LOG
-g "daemon off;"``); as root its workers run as nginx's default unprivileged user.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scripts.pg_cluster import PostgresCluster
from scripts.processes import free_port, healthy, stop_group

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
STARTUP_SECONDS = 120
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")


class DeploymentError(RuntimeError):
    """A part of the deployment did not start; the message holds its log's tail."""


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None)


def unavailable() -> str | None:
    """Why a deployment cannot run here (nginx missing), or None."""
    if find_nginx() is None:
        return "nginx is missing: install Debian's `nginx` (`make system-deps` does)"
    return None


def max_upload_mb() -> int:
    """server.maxUploadSize of .streamlit/config.toml (the proxy must allow as much)."""
    try:
        with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
            return int(tomllib.load(fh).get("server", {}).get("maxUploadSize", 200))
    except (OSError, tomllib.TOMLDecodeError, ValueError):
        return 200


# Per client address (issue 27; docs/DEPLOY.md): connections at once, requests per second and
# the burst a page load needs (~40 static files), the time to send the request headers.
CONN_PER_CLIENT = 64
REQ_RATE = 30
REQ_BURST = 300
HEADER_TIMEOUT = "10s"


def render_nginx_conf(listen: str, backends: list[str], prefix: str | Path, *,
                      workers: int | str = 1, secure_cookie: bool = False,
                      max_upload: int | None = None, conn_per_client: int = CONN_PER_CLIENT,
                      req_rate: int = REQ_RATE, req_burst: int = REQ_BURST,
                      header_timeout: str = HEADER_TIMEOUT) -> str:
    """deploy/nginx.conf with its placeholders filled: ``listen`` (``127.0.0.1:8080`` or
    ``80``), ``backends`` (``host:port`` of each replica, in order: replica i gets the route
    ``r<i>``), ``prefix`` (nginx's folder for pid, logs and temporary files), the limits per
    client address, and the app's Content-Security-Policy (ui/server_guard.py)."""
    from ui.server_guard import content_security_policy

    if not backends:
        raise ValueError("at least one backend")
    server = "        server {addr} max_fails=1 fail_timeout=5s{extra};"
    any_lines = "\n".join(server.format(addr=b, extra="") for b in backends)
    upstreams, route_map, cookie_map = [], [], []
    secure = "; Secure" if secure_cookie else ""
    for i, b in enumerate(backends):
        lines = [server.format(addr=b, extra="")]
        lines += [server.format(addr=o, extra=" backup") for o in backends if o != b]
        upstreams.append(f"    upstream ecert_r{i} {{\n" + "\n".join(lines) + "\n    }")
        route_map.append(f"        r{i} ecert_r{i};")
        cookie_map.append(f'        "~(^|\\s){re.escape(b)}$" '
                          f'"ecert_route=r{i}; Path=/; HttpOnly; SameSite=Lax{secure}";')
    values = {
        "WORKERS": str(workers),
        "PREFIX": str(prefix),
        "LISTEN": listen,
        "MAX_UPLOAD_MB": str(max_upload or max_upload_mb()),
        "SERVERS_ANY": any_lines,
        "ROUTE_UPSTREAMS": "\n\n".join(upstreams),
        "ROUTE_MAP": "\n".join(route_map),
        "COOKIE_MAP": "\n".join(cookie_map),
        "CONN_PER_CLIENT": str(int(conn_per_client)),
        "REQ_RATE": str(int(req_rate)),
        "REQ_BURST": str(int(req_burst)),
        "HEADER_TIMEOUT": header_timeout,
        "CSP": content_security_policy(),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"unfilled placeholders in {TEMPLATE}: {left}")
    return text


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


@dataclass
class Replica:
    """One ``streamlit run`` server."""

    index: int
    port: int
    folder: Path
    env: dict[str, str] = field(repr=False)
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def route(self) -> str:
        """The value of the ``ecert_route`` cookie that pins a browser to this replica."""
        return f"r{self.index}"

    @property
    def log(self) -> Path:
        return self.folder / "streamlit.log"

    def start(self) -> None:
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "streamlit", "run", "serve.py",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, deadline: float) -> None:
        while not healthy(self.url):
            if self.proc is None or self.proc.poll() is not None or time.monotonic() > deadline:
                raise DeploymentError(f"replica {self.index} did not start at {self.url}:\n"
                                      + _tail(self.log))
            time.sleep(0.25)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            stop_group(self.proc, sig)


class Deployment:
    """PostgreSQL (own throwaway cluster unless ``db_url`` is given) + replicas + nginx."""

    def __init__(self, replicas: int = 2, *, db_url: str | None = None,
                 admin_password_hash: str | None = None, secret_key: str | None = None,
                 proxy_port: int | None = None, extra_env: dict[str, str] | None = None,
                 proxy_limits: dict | None = None):
        if replicas < 1:
            raise ValueError("at least one replica")
        self.n = replicas
        self.db_url = db_url
        self.admin_password_hash = admin_password_hash
        self.secret_key = secret_key or secrets.token_urlsafe(32)
        self.cookie_secret = secrets.token_urlsafe(32)
        self.proxy_port = proxy_port
        self.extra_env = dict(extra_env or {})
        self.proxy_limits = dict(proxy_limits or {})  # render_nginx_conf's per-client limits
        self.folder: Path | None = None
        self.cluster: PostgresCluster | None = None
        self.replicas: list[Replica] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def shared_env(self) -> dict[str, str]:
        """The settings every replica must share (docs/DEPLOY.md)."""
        env = {
            "ECERT_DB_URL": self.db_url or "",
            "ECERT_SECRET_KEY": self.secret_key,
            "ECERT_BASE_URL": self.proxy_url,
            "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret,
            # nginx on this machine is the one proxy whose X-Forwarded-For is believed; the
            # app server (uvicorn) rewrites no peer itself (docs/DEPLOY.md)
            "ECERT_TRUSTED_PROXIES": "127.0.0.1",
            "FORWARDED_ALLOW_IPS": "",
        }
        if self.admin_password_hash:
            env["ECERT_ADMIN_PASSWORD_HASH"] = self.admin_password_hash
        return env

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> Deployment:
        nginx = find_nginx()
        if nginx is None:
            raise DeploymentError(unavailable() or "nginx missing")
        self.folder = Path(tempfile.mkdtemp(prefix="ecert-deploy-"))
        try:
            if self.db_url is None:
                self.cluster = PostgresCluster().start()
                self.db_url = self.cluster.create_database("ecert")
            self.proxy_port = self.proxy_port or free_port()
            base_env = {k: v for k, v in os.environ.items()
                        if k not in ("ECERT_ADMIN_PASSWORD_HASH", "ECERT_DATA_DIR")}
            for i in range(self.n):
                folder = self.folder / f"replica{i}"
                env = {**base_env, **self.shared_env(), **self.extra_env,
                       "ECERT_DATA_DIR": str(folder / "data")}
                self.replicas.append(Replica(i, free_port(), folder, env))
            for r in self.replicas:  # start together: each takes seconds to import streamlit
                r.start()
            deadline = time.monotonic() + STARTUP_SECONDS
            for r in self.replicas:
                r.wait_healthy(deadline)
            self._start_nginx(nginx)
            return self
        except BaseException:
            self.stop()
            raise

    def _start_nginx(self, nginx: str) -> None:
        prefix = self.folder / "nginx"
        prefix.mkdir()
        prefix.chmod(0o755)  # nginx's workers (an unprivileged user when we are root)
        self.folder.chmod(0o755)
        conf = prefix / "nginx.conf"
        conf.write_text(render_nginx_conf(f"127.0.0.1:{self.proxy_port}",
                                          [f"127.0.0.1:{r.port}" for r in self.replicas],
                                          prefix, **self.proxy_limits), encoding="utf-8")
        base = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise DeploymentError(f"nginx -t failed:\n{check.stderr}")
        with (prefix / "stdout.log").open("ab") as log:
            self.nginx = subprocess.Popen([*base, "-g", "daemon off;"], stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while not healthy(self.proxy_url):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise DeploymentError("nginx did not start:\n" + _tail(prefix / "error.log"))
            time.sleep(0.1)

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Stop replica ``index`` abruptly (SIGKILL: a crash) or cleanly (SIGTERM)."""
        self.replicas[index].stop(sig)

    def restart(self, index: int) -> None:
        r = self.replicas[index]
        r.stop()
        r.start()
        r.wait_healthy(time.monotonic() + STARTUP_SECONDS)

    def access_log(self) -> str:
        return _tail(self.folder / "nginx" / "access.log", 10**7) if self.folder else ""

    def stop(self) -> None:
        if self.nginx is not None:
            stop_group(self.nginx, signal.SIGTERM)  # fast: open websockets would keep QUIT waiting
            self.nginx = None
        for r in self.replicas:
            r.stop()
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Deployment:
        return self if self.folder is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
