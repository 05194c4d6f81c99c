"""The app under ``streamlit run serve.py`` for the browser tests: start and stop it
(conftest.py), wait until it is idle, open a page, load the example."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core import assess
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from scripts.processes import free_port, healthy, stop_group
from ui.i18n import text

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
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCENARIO = "usage-180-days"

# Streamlit is idle (no script run, no placeholder of a lazily loaded element) and every plotly
# chart on the page has drawn its SVG.
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;  // a lazy chart
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.every(c => c.querySelector('.main-svg'));
}"""

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
        sys.executable, "-m", "streamlit", "run", "serve.py",
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


def settle(page: Page) -> None:
    page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS * 3)
    page.wait_for_timeout(400)  # the last delta of a run, and the plotly relayout after it
    page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS * 3)


def open_page(page: Page, url: str, title_key: str, lang: str) -> None:
    page.goto(url)
    expect(page.locator("h1").filter(has_text=text(title_key, lang))).to_be_visible(
        timeout=TIMEOUT_MS * 3)
    settle(page)


def load_example(page: Page, url: str, lang: str = "zh") -> dict:
    open_page(page, f"{url}/?lang={lang}", "page.self_service.title", lang)
    page.get_by_role("button", name=text("self_service.form.load_example", lang)).click()
    expect(page.get_by_role("button", name=text("certificate.build", lang))).to_be_visible(
        timeout=TIMEOUT_MS)
    settle(page)
    today = today_shanghai()
    return assess(demo_profile(today), today)
