"""Start and stop the app under ``streamlit run`` for browser tests (used by conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.processes import free_port, healthy, stop_group

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
STARTUP_SECONDS = 90


def start_app(
    tmp_dir: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start the app on a free port; return the process and its base URL once healthy."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ECERT_DATA_DIR": str(data_dir), **(extra_env or {})}
    log = open(tmp_dir / "streamlit.log", "wb")  # closed in stop_app
    cmd = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.log_file = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + STARTUP_SECONDS
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_app(proc)
            output = (tmp_dir / "streamlit.log").read_text(errors="replace")
            pytest.fail(f"streamlit did not become healthy at {url}:\n{output[-4000:]}")
        time.sleep(0.25)
    return proc, url


def stop_app(proc: subprocess.Popen) -> None:
    """Terminate the server's process group (SIGTERM, then SIGKILL after 10 s)."""
    stop_group(proc)
    proc.log_file.close()  # type: ignore[attr-defined]
