"""Shared set-up of tests/security (issue 6, page and server level).

- ``isolated``: for AppTest modules. Its own ``ECERT_DATA_DIR`` (so its own SQLite database), no
  admin hash or database URL from the environment, no secrets files, a fresh login throttle, and
  Streamlit's legacy pages/ mode off before every run (tests/conftest.py ``isolated_app``).
- ``browser`` comes from tests/conftest.py (one Playwright per run); the modules that start
  their own server with ``start_app`` / ``stop_app`` mark themselves ``browser``.
- ``new_page(browser)``: a fresh context and page that FAILS the test if a JavaScript dialog
  (``alert``, ``confirm``, ``prompt``) opens: a dialog means user text ran as script.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.app_server import TIMEOUT_MS


@pytest.fixture
def isolated(isolated_app):  # tests/conftest.py: own data folder, router already ran
    return isolated_app



class DialogWatch:
    """Every JavaScript dialog a page opened (each is dismissed at once)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, dialog) -> None:
        self.seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def new_page(browser) -> Iterator:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = DialogWatch()
    page.on("dialog", watch)
    page.dialogs = watch.seen  # type: ignore[attr-defined]
    try:
        yield page
        assert not watch.seen, f"a JavaScript dialog opened: user text ran as script: {watch.seen}"
    finally:
        context.close()
