"""Process-level guards of the Streamlit server (issues 12 and 27).

They are installed when the server starts, before it answers anything: ``serve.py`` builds
Streamlit's ASGI application (``streamlit.starlette.App``) with :class:`GuardMiddleware` in
front of Streamlit's own middleware and :func:`lifespan` as its lifespan, and ``make run``,
scripts/replicas.py, scripts/load.py and the tests all start ``streamlit run serve.py``.

* **metrics**: ``/_stcore/metrics`` answers 404, and the runtime's stats providers are removed
  (its session and cache counts showed when an admin was working).
* **uploads**: Streamlit accepts a file for ANY active session at
  ``/_stcore/upload_file/<session>/<file>`` up to ``server.maxUploadSize``, held in memory. An
  upload to a session that is not a logged-in admin (:func:`mark_admin`) is refused (HTTP 413)
  from its Content-Length before its body is read when over :data:`ANON_FILE_BYTES` (no length:
  411), and when stored, past :data:`ANON_SESSION_BYTES` per session,
  :data:`ANON_ADDRESS_BYTES` per client address (so one visitor cannot take the whole budget)
  or :data:`ANON_TOTAL_BYTES` in all. An anonymous session's files are released as soon as its
  websocket closes (not when Streamlit drops the session minutes later). A logged-in admin may
  hold two files of up to ``server.maxUploadSize``.
* **client messages**: one websocket message from a browser carries at most
  ``server.maxWidgetStateSize`` MB (1 MB in .streamlit/config.toml; Streamlit closes the
  connection with 1009 past it), and uvicorn is told the same limit (it would otherwise buffer
  a frame up to ``server.maxMessageSize``, 200 MB); a widget text longer than
  :data:`MAX_WIDGET_TEXT` or a query string longer than :data:`MAX_QUERY` closes the
  connection (1009) before the runtime sees it (the pages' own limits, e.g. a name's 64
  characters, are then checked by the engine: ``too_long``).
  ``clear_cache`` from a client is dropped: it wiped every cache of every user.
* **connections**: at most :func:`ws_per_client` websockets at once per client address (the
  socket peer, or behind a trusted proxy the nearest untrusted X-Forwarded-For hop:
  ``core.runtime.clients``, as the login throttle); more are refused
  before they are accepted (HTTP 403).
* **headers**: every HTTP answer carries :data:`SECURITY_HEADERS` (a Content-Security-Policy
  Streamlit works under, frame-ancestors/X-Frame-Options, nosniff, no referrer).
* **logs**: every log record of Streamlit, uvicorn, starlette and websockets is rewritten with
  session ids (any UUID) replaced by ``<session>`` before any handler sees it.

Where the code is: this module holds the middleware (metrics, upload lengths, websockets per
address, client messages, headers and the CSP), :func:`lifespan` and ``install()``;
ui/server_limits.py the upload budgets, the admin marks and the runtime's patches;
ui/log_redaction.py the log redaction.

``install()`` (called by the router on each run) is a no-op when the lifespan ran. Started the
old way (``streamlit run streamlit_app.py``) it installs what it can at the first script run,
as before issue 27; docs/SECURITY.md says why ``serve.py`` is the supported start.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from core.runtime import clients, config
from ui import log_redaction, server_limits

WS_PER_CLIENT_DEFAULT = 32  #: websockets at once per client address (ECERT_WS_PER_CLIENT)
MAX_WIDGET_TEXT = 64 * 1024  #: characters of one widget's text (the form takes 200 at most)
MAX_QUERY = 16 * 1024  #: characters of a rerun's query string (a /verify token: at most 4,096)

_lock = threading.Lock()
_installed = False
_open_ws: dict[str, int] = {}  # client address -> open websockets
log = logging.getLogger(__name__)


def ws_per_client() -> int:
    """Websockets one client address may hold at once: ``ECERT_WS_PER_CLIENT`` (default 32;
    a browser tab holds one; the load test raises it for its one-address sessions)."""
    try:
        return max(1, int(config.get("ECERT_WS_PER_CLIENT") or WS_PER_CLIENT_DEFAULT))
    except ValueError:
        return WS_PER_CLIENT_DEFAULT


# ------------------------------------------------------------------------------------ headers
def _inline_script_hashes() -> list[str]:
    """'sha256-…' of each inline <script> of Streamlit's index.html (it has one)."""
    try:
        import streamlit

        html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text("utf-8")
    except OSError:
        return []
    out = []
    for body in re.findall(r"<script>(.*?)</script>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return out


def content_security_policy() -> str:
    """The Content-Security-Policy of every answer. Streamlit needs inline styles (emotion),
    its websocket, blob:/data: images and workers, frames of its own origin (components) and
    WebAssembly; scripts come only from the server (plus the hash of index.html's one inline
    script). tests/security/test_csp_browser.py: no violation in Chromium on any page."""
    # 'wasm-unsafe-eval' lets the page compile WebAssembly (Streamlit's frontend does), never
    # evaluate JavaScript text ('unsafe-eval' stays off)
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *_inline_script_hashes()])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self' ws: wss:",
        "worker-src 'self' blob:",
        "frame-src 'self' blob: data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", content_security_policy()),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),  # /verify?token=… never leaves in a Referer
)
_HEADER_BYTES = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS]
_HEADER_NAMES = {k for k, _ in _HEADER_BYTES}


# ------------------------------------------------------------------------------------ client
def client_address(scope) -> str:
    """The client's address of an ASGI scope: the socket peer, or behind a trusted proxy
    (``ECERT_TRUSTED_PROXIES``) the nearest untrusted X-Forwarded-For entry: one rule with the
    admin login (``core.runtime.clients``)."""
    client = scope.get("client")
    peer = client[0] if client else None
    forwarded = ", ".join(value.decode("latin-1") for name, value in scope.get("headers") or ()
                          if name == b"x-forwarded-for") or None
    return clients.client_of(peer, forwarded)


@asynccontextmanager
async def lifespan(app):
    """The lifespan of serve.py's ``App``: runs after Streamlit's runtime started and before
    the server accepts its first connection."""
    global _installed
    log_redaction.install_log_redaction()
    from streamlit.runtime import Runtime

    server_limits.guard_runtime(Runtime.instance())
    server_limits.bound_frames()
    server_limits.raise_file_limit()
    with _lock:
        _installed = True
    yield


# ------------------------------------------------------------------------------------ ASGI
_MULTIPART_MARGIN = 64 * 1024  # boundary lines and part headers around the file
_METRICS = "/_stcore/metrics"
_UPLOAD = "/_stcore/upload_file/"


async def _answer(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode()), *_HEADER_BYTES]})
    await send({"type": "http.response.body", "body": body})


def _texts(w) -> list[str]:
    """The texts one widget value carries."""
    value = w.WhichOneof("value")
    if value in ("string_value", "json_value", "json_trigger_value"):
        return [getattr(w, value)]
    if value in ("string_trigger_value", "chat_input_value"):
        return [getattr(w, value).data]
    if value == "string_array_value":
        return list(w.string_array_value.data)
    return []


def _judge(data: bytes | None) -> str:
    """What to do with a client's websocket frame: ``"pass"``, ``"drop"`` (Streamlit's
    ``clear_cache``) or ``"close"`` (a widget text over :data:`MAX_WIDGET_TEXT`)."""
    if not data:
        return "pass"
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # noqa: BLE001 - Streamlit answers a broken frame itself
        return "pass"
    kind = msg.WhichOneof("type")
    if kind == "clear_cache":
        return "drop"
    if kind == "rerun_script":
        if len(msg.rerun_script.query_string) > MAX_QUERY:
            return "close"
        for w in msg.rerun_script.widget_states.widgets:
            if any(len(v) > MAX_WIDGET_TEXT for v in _texts(w)):
                return "close"
    return "pass"


class GuardMiddleware:
    """Pure ASGI middleware in front of Streamlit's (see the module doc)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        kind = scope.get("type")
        if kind == "http":
            return await self._http(scope, receive, send)
        if kind == "websocket":
            return await self._websocket(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _http(self, scope, receive, send):
        path = scope.get("path", "")
        if path.rstrip("/").endswith(_METRICS):
            return await _answer(send, 404, b"Not Found")
        if scope.get("method") == "PUT" and _UPLOAD in path:
            session_id = path.split(_UPLOAD, 1)[1].split("/", 1)[0]
            if not server_limits.is_admin(session_id):
                length = dict(scope.get("headers") or []).get(b"content-length")
                if length is None:
                    return await _answer(send, 411, b"Length Required")
                try:
                    size = int(length)
                except ValueError:
                    return await _answer(send, 400, b"Bad Request")
                if size > server_limits.ANON_FILE_BYTES + _MULTIPART_MARGIN:
                    return await _answer(send, 413, b"File too large")
            # the client address, for the upload manager (server_limits: add_file)
            server_limits.request_address.set(client_address(scope))

        async def send_with_headers(message):
            if message.get("type") == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers") or ()
                           if k.lower() not in _HEADER_NAMES]
                message = {**message, "headers": headers + _HEADER_BYTES}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    async def _websocket(self, scope, receive, send):
        address = client_address(scope)
        with _lock:
            held = _open_ws.get(address, 0)
            refused = held >= ws_per_client()
            if not refused:
                _open_ws[address] = held + 1
        if refused:
            log.warning("websocket refused: %d open from one client address", held)
            await send({"type": "websocket.close", "code": 1008})
            return None

        async def guarded_receive():
            while True:
                message = await receive()
                if message.get("type") != "websocket.receive":
                    return message
                verdict = _judge(message.get("bytes"))
                if verdict == "drop":
                    log.info("clear_cache from a client ignored")
                    continue
                if verdict == "close":
                    log.warning("a widget text over %d characters: connection closed",
                                MAX_WIDGET_TEXT)
                    await send({"type": "websocket.close", "code": 1009})
                    return {"type": "websocket.disconnect", "code": 1009}
                return message

        try:
            return await self.app(scope, guarded_receive, send)
        finally:
            with _lock:
                left = _open_ws.get(address, 1) - 1
                if left > 0:
                    _open_ws[address] = left
                else:
                    _open_ws.pop(address, None)


# ------------------------------------------------------------------------------------ fallback
class _GuardApp(GuardMiddleware):
    _ecert_guard = True


def _wrap_asgi() -> bool:
    """Started without serve.py: put the middleware in front of the running uvicorn server's
    app (new connections use it). Whether there was a server (AppTest has none)."""
    try:
        import uvicorn
    except ImportError:
        return False
    servers = server_limits.instances(uvicorn.Server)
    for obj in servers:
        cfg = obj.config  # uvicorn's
        app = getattr(cfg, "loaded_app", None)
        if app is not None and not getattr(app, "_ecert_guard", False):
            cfg.loaded_app = _GuardApp(app)
        if cfg.ws_max_size > server_limits.CLIENT_MESSAGE_BYTES:
            cfg.ws_max_size = server_limits.CLIENT_MESSAGE_BYTES
    return bool(servers)


def install() -> None:
    """Called by the router on every run: nothing when serve.py's lifespan installed the
    guards; started as ``streamlit run streamlit_app.py``, installs them at the first run."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        _installed = True
    log_redaction.install_log_redaction()
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return
        runtime = Runtime.instance()
    except Exception:  # noqa: BLE001 - no runtime (AppTest, bare mode): nothing to guard
        return
    try:
        server_limits.guard_runtime(runtime)
        served = _wrap_asgi()
    except Exception:  # noqa: BLE001 - never break a page run
        log.warning("server guards not installed at the first run")
        return
    if served:
        log.warning("ecert-desk started without serve.py: guards installed at the first "
                    "run; start it with `streamlit run serve.py`")
