"""Browser test harness: the real app under ``streamlit run``, driven by headless Debian chromium.

Fixtures (Playwright's sync API directly, no pytest-playwright plugin):

- ``app_url``  (session) starts ``streamlit run streamlit_app.py`` on a free port with
  ``ECERT_DATA_DIR`` in a temporary directory, waits for ``/_stcore/health`` and yields
  ``"http://127.0.0.1:<port>"``; stops the server's whole process group at the end.
- ``browser``  (session, in tests/conftest.py: one Playwright per run) chromium from
  ``/usr/bin/chromium`` (no Playwright browser download).
- ``page``     (function) a fresh context and page; closed after the test.

Every test under tests/browser/ is marked ``browser`` (``pytest -m "not browser"`` skips them).
Streamlit renders over a websocket: wait with ``expect(locator)…`` and ``TIMEOUT_MS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_app(tmp_path_factory.mktemp("app"))
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
