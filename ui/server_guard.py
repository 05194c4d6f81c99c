"""Process-level guards of the Streamlit server (issue 12), installed once by the router.

``install()`` runs at the top of streamlit_app.py on every run and does its work once per
process (the first run of any session):

* **metrics**: ``/_stcore/metrics`` answers 404 (an ASGI wrapper in front of Streamlit's app);
  and should a connection reach the route anyway, it answers ``# EOF`` and nothing else (the
  runtime's stats providers are removed). Streamlit serves it to anyone, and its session and
  cache counts showed when an admin was working.
* **uploads**: Streamlit accepts a file for ANY active session at
  ``/_stcore/upload_file/<session>/<file>`` (no uploader on the page needed) up to
  ``server.maxUploadSize`` each, as many as sent, held in memory. The runtime's upload manager
  now refuses (HTTP 413) a file over :data:`ANON_FILE_BYTES` (the photo's 2 MB) or past
  :data:`ANON_SESSION_BYTES` per session or :data:`ANON_TOTAL_BYTES` over all sessions, unless
  the session is a logged-in admin (:func:`mark_admin`), who may hold two files of up to
  ``server.maxUploadSize`` (25 MB; a larger roster is uploaded compressed). The ASGI wrapper
  refuses such an upload from its Content-Length before its body is read.
* **logs**: every log record of Streamlit, uvicorn, starlette and websockets is rewritten with
  session ids (any UUID) replaced by ``<session>`` before any handler sees it, at every level:
  a session id in a log let a reader take over that session.

The guards are in place from the first script run of the process on. Before it (a server that
no browser has opened yet) no session has run, no admin exists, and Streamlit's stock
behaviour applies; docs/SECURITY.md says so.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from core.certificate.preview import MAX_PHOTO_BYTES

ANON_FILE_BYTES = MAX_PHOTO_BYTES  #: one file of a session that is not a logged-in admin
ANON_SESSION_BYTES = 2 * MAX_PHOTO_BYTES  #: all files of such a session (a photo replaced)
ANON_TOTAL_BYTES = 64 * 1024**2  #: all files of all such sessions together
ADMIN_FILES = 2  #: files an admin session may hold at once (each up to server.maxUploadSize)
ADMIN_TTL_SECONDS = 3600.0  #: an admin mark not renewed by a run for this long is dropped

_lock = threading.Lock()
_installed = False
_admins: dict[str, float] = {}  # Streamlit session id -> last run as a logged-in admin
_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_LOGGERS = ("streamlit", "uvicorn", "starlette", "websockets", "tornado")


def mark_admin(session_id: str | None, admin: bool) -> None:
    """Record whether the Streamlit session ``session_id`` is a logged-in admin now."""
    if not session_id:
        return
    with _lock:
        if admin:
            _admins[session_id] = time.monotonic()
        else:
            _admins.pop(session_id, None)


def is_admin(session_id: str) -> bool:
    with _lock:
        seen = _admins.get(session_id)
        if seen is not None and time.monotonic() - seen > ADMIN_TTL_SECONDS:
            del _admins[session_id]
            seen = None
        return seen is not None


def redact(text: str) -> str:
    """``text`` with every session id (UUID) replaced by ``<session>``."""
    return _SESSION_ID.sub("<session>", text)


def _install_log_redaction() -> None:
    previous = logging.getLogRecordFactory()

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

    logging.setLogRecordFactory(factory)


def _close_metrics(runtime) -> None:
    providers = getattr(runtime.stats_mgr, "_providers_by_family", None)
    if isinstance(providers, dict):
        providers.clear()


def _refuse(detail: str):
    from starlette.exceptions import HTTPException

    return HTTPException(status_code=413, detail=detail)


def _bound_uploads(runtime) -> None:
    manager = runtime.uploaded_file_mgr
    storage = getattr(manager, "file_storage", None)
    original = getattr(manager, "add_file", None)
    if storage is None or original is None or getattr(original, "_ecert_guard", False):
        return

    def add_file(session_id: str, file) -> None:
        size = len(file.data)
        with manager._lock:
            mine = storage.get(session_id, {})
            held = sum(len(f.data) for fid, f in mine.items() if fid != file.file_id)
            if is_admin(session_id):
                if len(mine) >= ADMIN_FILES and file.file_id not in mine:
                    raise _refuse("too many files")
            else:
                if size > ANON_FILE_BYTES or held + size > ANON_SESSION_BYTES:
                    raise _refuse("file too large")
                total = sum(len(f.data) for sid, files in storage.items()
                            if not is_admin(sid) for f in files.values())
                if total + size > ANON_TOTAL_BYTES:
                    raise _refuse("server busy")
        original(session_id, file)

    add_file._ecert_guard = True  # type: ignore[attr-defined]
    manager.add_file = add_file


class _GuardApp:
    """An ASGI wrapper in front of Streamlit's app: ``/_stcore/metrics`` answers 404, and an
    upload to a session that is not a logged-in admin is refused from its Content-Length
    before a byte of its body is read (no length at all: 411)."""

    def __init__(self, app) -> None:
        self.app = app
        self._ecert_guard = True

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http":
            path = scope.get("path", "")
            if path.rstrip("/").endswith("/_stcore/metrics"):
                return await _answer(send, 404, b"Not Found")
            if scope.get("method") == "PUT" and "/_stcore/upload_file/" in path:
                session_id = path.split("/_stcore/upload_file/", 1)[1].split("/", 1)[0]
                if not is_admin(session_id):
                    length = dict(scope.get("headers") or []).get(b"content-length")
                    if length is None:
                        return await _answer(send, 411, b"Length Required")
                    try:
                        size = int(length)
                    except ValueError:
                        return await _answer(send, 400, b"Bad Request")
                    if size > ANON_FILE_BYTES + _MULTIPART_MARGIN:
                        return await _answer(send, 413, b"File too large")
        return await self.app(scope, receive, send)


_MULTIPART_MARGIN = 64 * 1024  # boundary lines and part headers around the file


async def _answer(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _wrap_asgi() -> None:
    """Put :class:`_GuardApp` in front of the running uvicorn server's app (new connections
    use it; Streamlit offers no hook for this under ``streamlit run``)."""
    import gc

    try:
        import uvicorn
    except ImportError:
        return
    for obj in gc.get_objects():
        if isinstance(obj, uvicorn.Server):
            config = obj.config
            app = getattr(config, "loaded_app", None)
            if app is not None and not getattr(app, "_ecert_guard", False):
                config.loaded_app = _GuardApp(app)


def install() -> None:
    """Install the guards once per process (no-op afterwards, and outside a server)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        _installed = True
    _install_log_redaction()
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return
        runtime = Runtime.instance()
    except Exception:  # noqa: BLE001 - no runtime (AppTest, bare mode): nothing to guard
        return
    _close_metrics(runtime)
    _bound_uploads(runtime)
    _wrap_asgi()
