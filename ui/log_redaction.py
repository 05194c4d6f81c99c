"""Session ids out of the server's logs (issue 27).

:func:`install_log_redaction` (called by ui/server_guard.py before the server answers
anything) rewrites every log record of Streamlit, uvicorn, starlette, websockets and tornado
with session ids (any UUID) replaced by ``<session>`` (:func:`redact`) before any handler sees it.
"""

from __future__ import annotations

import logging
import re

_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_LOGGERS = ("streamlit", "uvicorn", "starlette", "websockets", "tornado")


def redact(text: str) -> str:
    """``text`` with every session id (UUID) replaced by ``<session>``."""
    return _SESSION_ID.sub("<session>", text)


def install_log_redaction() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_ecert_guard", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        if record.name.startswith(_LOGGERS):
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken format string stays as it was
                return record
            if _SESSION_ID.search(message):
                record.msg, record.args = redact(message), None
        return record

    factory._ecert_guard = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
