"""Issue 27: deploy/nginx.conf as rendered, run by the real nginx in front of a small local
backend (the proxy's behaviour is what is tested, so the backend need not be Streamlit):

* the security headers, each once (the backend's own copies are dropped);
* ``limit_conn``: connections at once per client address;
* ``limit_req``: requests per second per client address, with a burst;
* ``client_header_timeout``: a client that never finishes its headers is dropped (the red-team
  held 50 of them open for 60 s).

Small limits are rendered for the test; docs/DEPLOY.md gives the shipped ones. 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from scripts import deploy_helpers, pg_cluster
from scripts.deploy_helpers import render_nginx_conf
from scripts.processes import free_port, stop_group
from ui.server_guard import SECURITY_HEADERS, content_security_policy


class _Backend(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/slow"):
            time.sleep(3)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", "default-src *")  # replaced by the proxy
        self.send_header("X-Frame-Options", "ALLOWALL")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Backend)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def proxy(folder: Path, backend: str, **limits) -> Iterator[str]:
    nginx = deploy_helpers.find_nginx()
    if nginx is None:
        pg_cluster.skip_or_fail_without_postgres(deploy_helpers.unavailable(), what="nginx")
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    folder.parent.chmod(0o755)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(render_nginx_conf(f"127.0.0.1:{port}", [backend], folder, **limits))
    base = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([*base, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield url
    finally:
        stop_group(proc)


def test_the_security_headers_come_once_from_the_proxy(tmp_path, backend):
    with proxy(tmp_path / "n", backend) as url:
        resp = requests.get(url + "/", timeout=10)
    assert resp.status_code == 200
    raw = resp.raw.headers
    for name, value in SECURITY_HEADERS:
        assert raw.getlist(name) == [value], (name, raw.getlist(name))
    assert resp.headers["Content-Security-Policy"] == content_security_policy()
    assert "frame-ancestors 'self'" in content_security_policy()


def test_connections_at_once_are_capped_per_client(tmp_path, backend):
    with proxy(tmp_path / "n", backend, conn_per_client=3, req_rate=1000,
               req_burst=1000) as url, ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: requests.get(url + "/slow", timeout=30).status_code,
                              range(8)))
    assert codes.count(200) <= 3 and codes.count(429) >= 5, codes


def test_requests_per_second_are_capped_per_client(tmp_path, backend):
    with proxy(tmp_path / "n", backend, req_rate=1, req_burst=5) as url:
        codes = [requests.get(url + "/", timeout=10).status_code for _ in range(20)]
    # the burst passes at once (nodelay), then about one a second: the rest are refused
    assert codes[:5] == [200] * 5 and codes.count(429) >= 10, codes


def test_a_client_that_never_finishes_its_headers_is_dropped(tmp_path, backend):
    with proxy(tmp_path / "n", backend, header_timeout="2s") as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never ends
            try:
                got = s.recv(4096)
            except ConnectionResetError:
                got = b""
            except TimeoutError:
                pytest.fail("the half-sent request was still open after 20 s")
    assert got == b"" or got.startswith(b"HTTP/1.1 408"), got[:80]
