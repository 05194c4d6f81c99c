"""Servers started for measuring and testing: a free port, a health check, a clean stop.

One copy for ``scripts/load.py``, the browser tests (``tests/browser/app_server.py``), the
two-replica deployment (``scripts/deploy_helpers.py``) and the PostgreSQL cluster of the tests
(``scripts/pg_cluster.py``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Streamlit's health route at ``url`` answers 200 (asked directly, never through a proxy
    the environment names)."""
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 10) -> None:
    """Stop a server started with ``start_new_session=True`` and its children: ``sig`` to its
    process group, SIGKILL after ``wait`` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
