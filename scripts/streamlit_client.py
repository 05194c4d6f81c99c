"""A Streamlit client at protocol level: what a browser tab sends and keeps, without a browser.

Used by ``scripts/load.py`` (many simulated sessions) and checked against real Chromium by
``tests/browser/test_load_protocol.py`` (the BackMsgs a browser sends for the same journey).

What a tab of the installed Streamlit (1.67) does, and this client does the same:

* opening a page: ``GET <path>`` (the HTML; the JavaScript bundles are cached by a returning
  browser and not fetched here), ``GET /_stcore/health`` (sets the ``_streamlit_xsrf`` cookie),
  ``GET /_stcore/host-config``, then the websocket ``/_stcore/stream`` with the cookies and
  ``Sec-WebSocket-Protocol: streamlit, <xsrf cookie value>`` (the frontend's
  ``WebsocketConnection.getSessionTokens``; the server reads the second entry as the XSRF token
  and a third one as a session to resume, which a fresh tab does not have), and an ``Origin``;
* the first ``BackMsg.rerun_script``: the address's query string, empty widget states,
  ``page_name`` = the path (empty for ``/``), and ``context_info`` (time zone, locale, URL
  without query, not embedded, light scheme); later ones carry ``page_script_hash`` of the page
  shown, the query string the server last set (``page_info_changed``), the full committed
  widget states, and the hashes of the cached large messages (below);
* widget states like the frontend's WidgetStateManager: a widget drawn for the first time gets
  its default (``default`` of its proto, or nothing when it has none), ``set_value`` from the
  server replaces the tab's value, a value the user set is kept across reruns, widgets not drawn
  by a finished run are dropped, buttons send ``trigger_value`` once, widgets inside a form are
  committed only when the form is submitted;
* ``ForwardMsg``s are read until ``script_finished`` (``FINISHED_EARLY_FOR_RERUN`` means a rerun
  follows: keep reading); large ``new_element`` deltas flagged ``cacheable`` are kept and their
  hashes sent back, so the server may answer with ``ref_hash`` (expired after
  ``max_cached_message_age`` runs, as the frontend's ForwardMessageCache does);
* images and download buttons: their ``/media/…`` URLs are fetched once (the frontend loads the
  image and checks a download button's URL with ``fetch``); a click on a deferred download
  button (``data`` a callable: ``deferred_file_id``) sends ``BackMsg.backend_operation_request``
  (``deferred_file``, with the session id of ``new_session``), waits for the
  ``backend_operation_response`` and fetches the URL it names; ``on_click="ignore"`` sends no
  trigger, otherwise the trigger's rerun comes first, as in the frontend's DownloadButton.

Loopback or a proxy given by URL only; no TLS.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
COMPILE_ERROR = ForwardMsg.FINISHED_WITH_COMPILE_ERROR
EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY

# Element types whose ``url`` (images) or ``url`` (download buttons) a browser fetches.
TRIGGER_KINDS = {"button", "download_button"}
NO_STATE_KINDS = {"plotly_chart", "dataframe", "deck_gl_json_chart", "vega_lite_chart"}


class ProtocolError(Exception):
    """The server said something a browser would show as an error (or broke the protocol)."""

    kind = "protocol"


class Dropped(ProtocolError):
    """The websocket was closed under the session (keepalive timeout, server overloaded…)."""

    kind = "dropped"


class StepTimeout(ProtocolError):
    kind = "timeout"


class PageError(ProtocolError):
    """The page shows an exception, an error box, or lacks what the step expects."""

    kind = "page"


@dataclass
class Node:
    """One element on the page (the frontend's tree, flattened by delta path)."""

    path: tuple[int, ...]
    kind: str  # new_element type ("button", "markdown"…) or "block:<type>"
    element: object  # the element's proto (e.g. Button), or the Block proto
    fragment_id: str
    seq: int  # run sequence number that drew it (staleness)

    @property
    def widget_id(self) -> str:
        return getattr(self.element, "id", "") if not self.kind.startswith("block:") else ""

    @property
    def key(self) -> str:
        """The user key a widget id ends with (``$$ID-<hash>-<key>``), else ""."""
        wid = self.widget_id
        if not wid.startswith("$$ID-"):
            return ""
        parts = wid.split("-", 2)
        return parts[2] if len(parts) == 3 else ""

    @property
    def text(self) -> str:
        el = self.element
        for name in ("body", "label"):
            value = getattr(el, name, None)
            if isinstance(value, str) and value:
                return value
        return ""


@dataclass
class RunResult:
    seconds: float = 0.0
    messages: int = 0
    bytes: int = 0
    runs: int = 0  # script runs in this step (1 + reruns the script asked for)
    media: int = 0  # media files fetched


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


async def http_get(host: str, port: int, path: str, cookies: dict[str, str] | None = None,
                   timeout: float = 30.0) -> HttpResponse:
    """A minimal HTTP/1.1 GET (one connection, ``Connection: close``), as asyncio streams.

    Asks for gzip like a browser (the server pays for compressing); the body is returned as
    received (decompressed when gzip, so callers can check it)."""
    async def run() -> HttpResponse:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}",
                     "User-Agent: ecert-load (streamlit protocol client)", "Accept: */*",
                     "Accept-Encoding: gzip", "Connection: close"]
            if cookies:
                lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        head, _, body = raw.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(head_lines[0].split()[1])
        except (IndexError, ValueError) as exc:
            raise ProtocolError(f"GET {path}: no HTTP status line") from exc
        headers = []
        for line in head_lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        response = HttpResponse(status, headers, body)
        if (response.header("transfer-encoding") or "").lower() == "chunked":
            response.body = _dechunk(body)
        if (response.header("content-encoding") or "").lower() == "gzip":
            response.body = gzip.decompress(response.body)
        return response

    try:
        return await asyncio.wait_for(run(), timeout)
    except TimeoutError as exc:
        raise StepTimeout(f"GET {path}: no answer in {timeout:g} s") from exc
    except OSError as exc:
        raise Dropped(f"GET {path}: {type(exc).__name__}: {exc}") from exc


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(data[pos:end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def _has(msg, name: str) -> bool:
    """Whether an optional field is set (non-optional proto3 scalars always count as set)."""
    try:
        return msg.HasField(name)
    except ValueError:
        return True


def default_state(kind: str, el) -> WidgetState | None:
    """The widget state a browser registers for a widget drawn by the server.

    ``set_value`` (the server put a value into the widget, e.g. from ``st.session_state``)
    gives the element's value; otherwise its ``default``. None: the widget keeps no state
    (buttons send a trigger once; charts without selections send nothing)."""
    if kind in TRIGGER_KINDS or kind in NO_STATE_KINDS:
        return None
    ws = WidgetState(id=el.id)
    server_set = bool(getattr(el, "set_value", False))
    if kind in ("text_input", "text_area"):
        if server_set:
            if _has(el, "value"):
                ws.string_value = el.value
        elif _has(el, "default"):
            ws.string_value = el.default
    elif kind == "checkbox":
        ws.bool_value = el.value if server_set else el.default
    elif kind in ("radio", "selectbox"):
        if server_set:
            if _has(el, "raw_value"):
                ws.string_value = el.raw_value
        elif _has(el, "default"):
            ws.string_value = el.options[el.default]
    elif kind == "multiselect":
        values = list(el.raw_values) if server_set else [el.options[i] for i in el.default]
        ws.string_array_value.data.extend(values)
        ws.string_array_value.SetInParent()
    elif kind == "date_input":
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend(list(el.value) if server_set else list(el.default))
    elif kind == "slider":
        ws.double_array_value.SetInParent()
        ws.double_array_value.data.extend(list(el.value) if server_set else list(el.default))
    elif kind == "button_group":
        ws.string_array_value.SetInParent()
        values = (list(el.raw_values) if server_set
                  else [el.options[i].content for i in el.default])
        ws.string_array_value.data.extend(values)
    elif kind == "file_uploader":
        ws.file_uploader_state_value.SetInParent()
    else:
        raise ProtocolError(f"widget type {kind!r} is not modelled by this client "
                            "(see default_state in scripts/streamlit_client.py)")
    return ws


def context_offset_minutes(tz: str) -> int:
    """JavaScript's ``Date.getTimezoneOffset()``: minutes to add to local time to get UTC."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return -int(offset.total_seconds() // 60) if offset is not None else 0


@dataclass
class StreamlitSession:
    """One browser tab at protocol level. ``await s.open()``, then ``click``/``set``/``rerun``.

    ``sent`` keeps every BackMsg sent (the browser test compares them with Chromium's)."""

    base_url: str  # http://host:port (a proxy's address works too)
    path: str = "/"
    query: str = ""
    timezone: str = "Asia/Shanghai"
    locale: str = "zh-CN"
    timeout: float = 30.0
    fetch_media: bool = True
    sent: list[BackMsg] = field(default_factory=list)
    #: extra websocket handshake headers (an attack test's X-Forwarded-For) and the local
    #: address to connect from (another loopback address: another client to the server)
    headers: dict[str, str] = field(default_factory=dict)
    local_host: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.ws = None
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.committed: dict[str, WidgetState] = {}  # id -> state, in first-seen order
        self.pending_forms: dict[str, dict[str, WidgetState]] = {}
        self.page_script_hash = ""
        self.page_name = self.path.strip("/")
        self.query_string = self.query
        self.cache: dict[str, list] = {}  # hash -> [ForwardMsg, run count, fragment id]
        self.cache_runs = 0
        self.max_cached_age = 2
        self.seq = 0
        self.media_seen: set[str] = set()
        self.media_pending: list[str] = []
        self.has_new_session = False
        self.session_id = ""
        self.responses: dict[str, ForwardMsg] = {}  # backend operation responses by request id

    # --- connection -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.prefix + path

    async def _get(self, path: str) -> HttpResponse:
        r = await http_get(self.host, self.port, self._url(path), self.cookies, self.timeout)
        for k, v in r.headers:
            if k.lower() == "set-cookie":
                name, _, value = v.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
        return r

    async def open(self) -> RunResult:
        """Load the page: HTML, health (XSRF cookie), host config, websocket, first run."""
        t0 = time.perf_counter()
        page = self.path + (f"?{self.query}" if self.query else "")
        for path in (page, "/_stcore/health", "/_stcore/host-config"):
            r = await self._get(path)
            if r.status != 200:
                raise PageError(f"GET {path}: HTTP {r.status}")
        scheme = "ws"
        ws_url = f"{scheme}://{self.host}:{self.port}{self._url('/_stcore/stream')}"
        xsrf = self.cookies.get("_streamlit_xsrf") or "PLACEHOLDER_AUTH_TOKEN"
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        local = {"local_addr": (self.local_host, 0)} if self.local_host else {}
        try:
            self.ws = await asyncio.wait_for(connect(
                ws_url, subprotocols=["streamlit", xsrf], origin=f"http://{self.host}:{self.port}",
                additional_headers=headers, max_size=None, max_queue=None,
                ping_interval=None,  # a browser answers the server's pings, it sends none
                proxy=None, user_agent_header="ecert-load (streamlit protocol client)",
                open_timeout=self.timeout, **local), self.timeout)
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise Dropped(f"websocket: {type(exc).__name__}: {exc}") from exc
        result = await self._rerun(first=True)
        result.seconds = time.perf_counter() - t0
        return result

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except (TimeoutError, ConnectionClosed, OSError):
                pass
            self.ws = None

    # --- page -------------------------------------------------------------------------------

    def widgets(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.widget_id]

    def find(self, key: str | None = None, kind: str | None = None,
             label: str | None = None) -> Node | None:
        """The widget with this user key (or kind and label) on the current page."""
        for n in sorted(self.widgets(), key=lambda n: n.path):
            if key is not None and n.key != key:
                continue
            if kind is not None and n.kind != kind:
                continue
            if label is not None and getattr(n.element, "label", None) != label:
                continue
            return n
        return None

    def need(self, key: str, kind: str | None = None) -> Node:
        node = self.find(key=key, kind=kind)
        if node is None:
            raise PageError(f"no widget with key {key!r} on the page")
        return node

    def elements(self, kind: str) -> list[Node]:
        return [n for n in sorted(self.nodes.values(), key=lambda n: n.path) if n.kind == kind]

    def texts(self) -> list[str]:
        return [n.text for n in sorted(self.nodes.values(), key=lambda n: n.path) if n.text]

    def problems(self) -> list[str]:
        """Exceptions and error boxes on the page (what a user would see as a failure)."""
        out = []
        for n in self.nodes.values():
            if n.kind == "exception":
                out.append(f"exception: {n.element.type}: {n.element.message[:200]}")
            elif n.kind == "alert" and n.element.format == n.element.ERROR:
                out.append(f"error box: {n.element.body[:200]}")
        return out

    # --- actions ----------------------------------------------------------------------------

    async def rerun(self) -> RunResult:
        """What the browser sends on "Rerun" (the R key): the same states, no trigger."""
        return await self._rerun()

    async def click(self, node: Node) -> RunResult:
        if node.kind not in TRIGGER_KINDS:
            raise ProtocolError(f"{node.key or node.widget_id}: a {node.kind} is not clicked")
        el = node.element
        if getattr(el, "is_form_submitter", False):
            return await self.submit(el.form_id, node)
        if node.kind == "download_button":
            return await self._download(node)
        trigger = WidgetState(id=node.widget_id, trigger_value=True)
        return await self._rerun(extra=[trigger], fragment_id=node.fragment_id)

    async def _download(self, node: Node) -> RunResult:
        """A download button: the trigger's rerun unless ``on_click="ignore"``, then the file
        (a deferred one is asked for with a backend operation first)."""
        el = node.element
        t0 = time.perf_counter()
        result = RunResult()
        if not getattr(el, "ignore_rerun", False):
            trigger = WidgetState(id=node.widget_id, trigger_value=True)
            result = await self._rerun(extra=[trigger], fragment_id=node.fragment_id)
        url = el.url
        if _has_deferred(el):
            url = await self._deferred_file(el.deferred_file_id)
        await self._fetch([url], force=True)
        result.media += 1
        result.seconds = time.perf_counter() - t0
        return result

    async def _deferred_file(self, file_id: str) -> str:
        if self.ws is None:
            raise Dropped("not connected")
        msg = BackMsg()
        req = msg.backend_operation_request
        req.request_id = str(uuid.uuid4())
        req.session_id = self.session_id
        req.deferred_file.file_id = file_id
        self.sent.append(msg)
        try:
            await asyncio.wait_for(self.ws.send(msg.SerializeToString()), self.timeout)
        except ConnectionClosed as exc:
            raise Dropped(f"websocket closed before sending: {exc}") from exc
        deadline = time.monotonic() + self.timeout
        while req.request_id not in self.responses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StepTimeout(f"no answer to the deferred file request in {self.timeout:g} s")
            try:
                data = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError as exc:
                raise StepTimeout("no answer to the deferred file request") from exc
            except ConnectionClosed as exc:
                raise Dropped(f"websocket closed by the server: {exc}") from exc
            self._handle(data)
        response = self.responses.pop(req.request_id).backend_operation_response
        if response.error_msg:
            raise PageError(f"deferred file refused: {response.error_msg}")
        return response.deferred_file.url

    async def set(self, node: Node, value) -> RunResult:
        """The user changes a widget: a date (``datetime.date`` or list), text, option(s)…"""
        ws = self._state_for(node, value)
        el = node.element
        if getattr(el, "form_id", ""):
            self.pending_forms.setdefault(el.form_id, {})[node.widget_id] = ws
            return RunResult()
        self._commit(ws)
        return await self._rerun(fragment_id=node.fragment_id)

    async def submit(self, form_id: str, submitter: Node | None = None) -> RunResult:
        """Submit a form: its widgets' values are committed with the submit button's trigger."""
        if submitter is None:
            submitter = next((n for n in self.widgets()
                              if getattr(n.element, "is_form_submitter", False)
                              and n.element.form_id == form_id), None)
            if submitter is None:
                raise PageError(f"form {form_id!r} has no submit button on the page")
        for n in self.widgets():
            if getattr(n.element, "form_id", "") == form_id and n.kind not in TRIGGER_KINDS:
                pending = self.pending_forms.get(form_id, {}).get(n.widget_id)
                state = pending or default_state(n.kind, n.element)
                if state is not None:
                    self._commit(state)
        self.pending_forms.pop(form_id, None)
        trigger = WidgetState(id=submitter.widget_id, trigger_value=True)
        return await self._rerun(extra=[trigger], fragment_id=submitter.fragment_id)

    def _state_for(self, node: Node, value) -> WidgetState:
        ws = WidgetState(id=node.widget_id)
        kind = node.kind
        if kind == "date_input":
            values = value if isinstance(value, list | tuple) else [value]
            ws.string_array_value.SetInParent()
            ws.string_array_value.data.extend(
                [v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values])
        elif kind in ("text_input", "text_area", "radio", "selectbox"):
            if value is not None:
                ws.string_value = str(value)
        elif kind in ("multiselect", "button_group"):
            ws.string_array_value.SetInParent()
            ws.string_array_value.data.extend([str(v) for v in value])
        elif kind == "checkbox":
            ws.bool_value = bool(value)
        elif kind == "slider":
            values = value if isinstance(value, list | tuple) else [value]
            ws.double_array_value.SetInParent()
            ws.double_array_value.data.extend([float(v) for v in values])
        else:
            raise ProtocolError(f"setting a {kind} is not modelled by this client")
        return ws

    def _commit(self, ws: WidgetState) -> None:
        self.committed[ws.id] = ws  # dict keeps the first-seen position, like the frontend

    # --- the run ----------------------------------------------------------------------------

    def _client_state(self, extra: Iterable[WidgetState], fragment_id: str,
                      first: bool) -> ClientState:
        cs = ClientState()
        if self.query_string:
            cs.query_string = self.query_string
        cs.widget_states.SetInParent()
        if not first:
            cs.widget_states.widgets.extend(self.committed.values())
        cs.widget_states.widgets.extend(extra)
        if self.page_script_hash and not first:
            cs.page_script_hash = self.page_script_hash
        elif self.page_name:
            cs.page_name = self.page_name
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.cached_message_hashes.extend(self.cache.keys())
        ci = cs.context_info
        ci.timezone = self.timezone
        ci.timezone_offset = context_offset_minutes(self.timezone)
        ci.locale = self.locale
        ci.url = f"http://{self.host}:{self.port}{self._url(self.path)}"
        ci.is_embedded = False
        ci.color_scheme = "light"
        return cs

    async def _rerun(self, extra: Iterable[WidgetState] = (), fragment_id: str = "",
                     first: bool = False) -> RunResult:
        if self.ws is None:
            raise Dropped("not connected")
        t0 = time.perf_counter()
        msg = BackMsg()
        msg.rerun_script.CopyFrom(self._client_state(list(extra), fragment_id, first))
        self.sent.append(msg)
        try:
            await asyncio.wait_for(self.ws.send(msg.SerializeToString()), self.timeout)
        except ConnectionClosed as exc:
            raise Dropped(f"websocket closed before sending: {exc}") from exc
        except TimeoutError as exc:
            raise StepTimeout("could not send the rerun request") from exc
        result = RunResult()
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StepTimeout(f"no script_finished within {self.timeout:g} s")
            try:
                data = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError as exc:
                raise StepTimeout(f"no script_finished within {self.timeout:g} s") from exc
            except ConnectionClosed as exc:
                raise Dropped(f"websocket closed by the server: {exc}") from exc
            result.messages += 1
            result.bytes += len(data)
            status = self._handle(data)
            if status is None:
                continue
            result.runs += 1
            if status == EARLY_FOR_RERUN:
                continue
            if status == COMPILE_ERROR:
                raise PageError("script finished with a compile error")
            break
        if self.fetch_media and self.media_pending:
            result.media += await self._fetch(self.media_pending)
        self.media_pending = []
        result.seconds = time.perf_counter() - t0
        return result

    def _handle(self, data: bytes) -> int | None:
        """Apply one ForwardMsg; return the script_finished status when it is one."""
        msg = ForwardMsg()
        try:
            msg.ParseFromString(data)
        except DecodeError as exc:
            raise ProtocolError(f"undecodable ForwardMsg ({len(data)} bytes)") from exc
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                raise ProtocolError(f"ref_hash {msg.ref_hash} not in the message cache")
            cached[1] = self.cache_runs
            full = ForwardMsg()
            full.CopyFrom(cached[0])
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self.cache:
                self.cache[msg.hash][1] = self.cache_runs
            else:
                self.cache[msg.hash] = [msg, self.cache_runs, msg.delta.fragment_id]
        if kind == "backend_operation_response":
            self.responses[msg.backend_operation_response.request_id] = msg
        elif kind == "new_session":
            self.has_new_session = True
            ns = msg.new_session
            if ns.initialize.session_id:
                self.session_id = ns.initialize.session_id
            if ns.page_script_hash:
                self.page_script_hash = ns.page_script_hash
            self.max_cached_age = ns.config.max_cached_message_age or self.max_cached_age
        elif kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            raise PageError(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            self._finished(msg.script_finished, msg)
            return msg.script_finished
        return None

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        dkind = delta.WhichOneof("type")
        if dkind == "new_element":
            ekind = delta.new_element.WhichOneof("type")
            if ekind is None:
                return
            el = getattr(delta.new_element, ekind)
            node = Node(path, ekind, el, delta.fragment_id, self.seq)
            self._drop_under(path)
            self.nodes[path] = node
            self._register(node)
            if self.fetch_media:
                if ekind == "imgs":
                    self.media_pending += [i.url for i in el.imgs if i.url]
                elif ekind == "download_button" and el.url and not _has_deferred(el):
                    self.media_pending.append(el.url)
        elif dkind == "add_block":
            block = delta.add_block
            bkind = block.WhichOneof("type") or "vertical"
            old = self.nodes.get(path)
            if old is not None and not old.kind.startswith("block:"):
                self._drop_under(path)
            self.nodes[path] = Node(path, f"block:{bkind}", block, delta.fragment_id, self.seq)

    def _drop_under(self, path: tuple[int, ...]) -> None:
        n = len(path)
        for p in [p for p in self.nodes if len(p) > n and p[:n] == path]:
            del self.nodes[p]

    def _register(self, node: Node) -> None:
        wid = node.widget_id
        if not wid:
            return
        el = node.element
        form_id = getattr(el, "form_id", "")
        known = wid in self.committed or wid in self.pending_forms.get(form_id, {})
        if known and not getattr(el, "set_value", False):
            return
        state = default_state(node.kind, el)
        if state is None:
            return
        # A widget's value as the page draws it is committed, inside a form too (Chromium sends
        # a form's fields with their drawn values; only the user's edits wait for the submit).
        self._commit(state)

    def _finished(self, status: int, msg: ForwardMsg) -> None:
        if status in (FINISHED, FRAGMENT_FINISHED):
            fragments = set(msg.metadata.run.fragment_ids)
            if status == FINISHED and not fragments:
                stale = [p for p, n in self.nodes.items() if n.seq != self.seq]
            else:
                stale = [p for p, n in self.nodes.items()
                         if n.seq != self.seq and n.fragment_id and n.fragment_id in fragments]
            for p in stale:
                self.nodes.pop(p, None)
            active = {n.widget_id for n in self.nodes.values() if n.widget_id}
            self.committed = {k: v for k, v in self.committed.items() if k in active}
            for form_id in list(self.pending_forms):
                self.pending_forms[form_id] = {k: v for k, v in
                                               self.pending_forms[form_id].items() if k in active}
            if self.has_new_session:
                self.cache_runs += 1
                for h, (_m, runs, frag) in list(self.cache.items()):
                    if fragments and (not frag or frag not in fragments):
                        continue
                    if self.cache_runs - runs > self.max_cached_age:
                        del self.cache[h]
        self.seq += 1

    async def _fetch(self, urls: list[str], force: bool = False) -> int:
        todo = []
        for u in urls:
            if force or u not in self.media_seen:
                self.media_seen.add(u)
                todo.append(u)
        if not todo:
            return 0
        responses = await asyncio.gather(*(self._get(u if u.startswith("/") else "/" + u)
                                           for u in todo))
        for u, r in zip(todo, responses, strict=True):
            if r.status != 200:
                raise PageError(f"GET {u}: HTTP {r.status}")
        return len(todo)


def _has_deferred(el) -> bool:
    try:
        return el.HasField("deferred_file_id") and bool(el.deferred_file_id)
    except ValueError:
        return False
