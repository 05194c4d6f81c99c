"""The server's budgets for uploads and client messages, and the runtime's patches (issues 12, 27).

Installed by ui/server_guard.py (its lifespan, or ``install()`` at the first run):

* **metrics**: the runtime's stats providers are removed (:func:`guard_runtime`).
* **uploads**: an upload to a session that is not a logged-in admin (:func:`mark_admin`, set by
  the admin guard of ui/admin_session.py) is refused (HTTP 413) past :data:`ANON_FILE_BYTES`,
  :data:`ANON_SESSION_BYTES` per session, :data:`ANON_ADDRESS_BYTES` per client address
  (:data:`request_address`, set by the middleware for the upload it handles) or
  :data:`ANON_TOTAL_BYTES` in all; a logged-in admin may hold :data:`ADMIN_FILES` files. An
  anonymous session's files are released as soon as its websocket closes.
* **frames**: uvicorn is told the client-message limit :data:`CLIENT_MESSAGE_BYTES`
  (:func:`bound_frames`).
* **file handles**: the soft limit of open files is raised to the hard one, at most
  :data:`FILE_HANDLES` (:func:`raise_file_limit`).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time

from core.certificate.preview import MAX_PHOTO_BYTES

ANON_FILE_BYTES = MAX_PHOTO_BYTES  #: one file of a session that is not a logged-in admin
ANON_SESSION_BYTES = 2 * MAX_PHOTO_BYTES  #: all files of such a session (a photo replaced)
ANON_ADDRESS_BYTES = 8 * MAX_PHOTO_BYTES  #: all such files from one client address
ANON_TOTAL_BYTES = 128 * 1024**2  #: all files of all such sessions together
ADMIN_FILES = 2  #: files an admin session may hold at once (each up to server.maxUploadSize)
ADMIN_TTL_SECONDS = 3600.0  #: an admin mark not renewed by a run for this long is dropped
CLIENT_MESSAGE_BYTES = 1_000_000  #: uvicorn's frame limit; = server.maxWidgetStateSize (1 MB)

_lock = threading.Lock()
_admins: dict[str, float] = {}  # Streamlit session id -> last run as a logged-in admin
_upload_address: dict[str, str] = {}  # session id holding files -> the address that sent them
request_address: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ecert_request_address", default=None)  # the client address of the upload being handled
log = logging.getLogger("ui.server_guard")  # the guards' one logger, as before the split


# ------------------------------------------------------------------------------------ admins
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


# ------------------------------------------------------------------------------------ runtime
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
                with _lock:
                    address = request_address.get() or _upload_address.get(session_id)
                    same = {s for s, a in _upload_address.items() if a == address}
                    same.add(session_id)
                anon = {sid: sum(len(f.data) for fid, f in files.items()
                                 if not (sid == session_id and fid == file.file_id))
                        for sid, files in storage.items() if not is_admin(sid)}
                if address is not None and sum(
                        b for sid, b in anon.items() if sid in same) + size > ANON_ADDRESS_BYTES:
                    raise _refuse("client busy")
                if sum(anon.values()) + size > ANON_TOTAL_BYTES:
                    raise _refuse("server busy")
                if address is not None:  # only sessions that hold files are remembered
                    with _lock:
                        _upload_address[session_id] = address
        original(session_id, file)

    add_file._ecert_guard = True  # type: ignore[attr-defined]
    manager.add_file = add_file


def _release_on_disconnect(runtime) -> None:
    """An anonymous session's uploaded files go when its websocket closes (Streamlit keeps
    them until it drops the session, ``server.disconnectedSessionTTL`` later)."""
    original = getattr(runtime, "disconnect_session", None)
    if original is None or getattr(original, "_ecert_guard", False):
        return

    def disconnect_session(session_id, *args, **kwargs):
        try:
            return original(session_id, *args, **kwargs)
        finally:
            if not is_admin(session_id):
                try:
                    runtime.uploaded_file_mgr.remove_session_files(session_id)
                except Exception:  # noqa: BLE001 - never break a disconnect
                    log.warning("could not release a session's uploads")
            with _lock:
                _upload_address.pop(session_id, None)

    disconnect_session._ecert_guard = True  # type: ignore[attr-defined]
    runtime.disconnect_session = disconnect_session


def bound_frames() -> None:
    """Tell uvicorn's websocket parser the client-message limit (it is given Streamlit's
    outgoing ``server.maxMessageSize``, 200 MB, and would buffer a frame that large). uvicorn
    reads ``Config.ws_max_size`` for each new connection; the lifespan runs before the first."""
    try:
        import uvicorn
    except ImportError:
        return
    for obj in instances(uvicorn.Config):
        if obj.ws_max_size > CLIENT_MESSAGE_BYTES:
            obj.ws_max_size = CLIENT_MESSAGE_BYTES


def instances(cls) -> list:
    """The live objects of exactly ``cls`` the collector knows of (a dead weak proxy among
    them raises ReferenceError on any look: skipped)."""
    import gc

    found = []
    for obj in gc.get_objects():
        try:
            if type(obj) is cls:
                found.append(obj)
        except ReferenceError:
            continue
    return found


FILE_HANDLES = 65536  #: the soft limit of open files the server raises itself to (within hard)


def raise_file_limit() -> None:
    """Each open page holds a websocket (about 4 file handles): raise the soft limit of open
    files to the hard one (at most FILE_HANDLES); the service's LimitNOFILE sets the hard one
    (deploy/ecert-replica@.service, docs/DEPLOY.md)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = FILE_HANDLES if hard == resource.RLIM_INFINITY else min(hard, FILE_HANDLES)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):
        log.warning("could not raise the open-file limit")


def guard_runtime(runtime) -> None:
    _close_metrics(runtime)
    _bound_uploads(runtime)
    _release_on_disconnect(runtime)
