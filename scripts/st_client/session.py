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
* ``ForwardMsg``s are read until ``script_finished`` (``page.Page``: a status 2 means a rerun
  follows), the large ones cached as the frontend does;
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
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from scripts.st_client import http
from scripts.st_client.errors import Dropped, PageError, ProtocolError, StepTimeout
from scripts.st_client.page import COMPILE_ERROR, EARLY_FOR_RERUN, Page
from scripts.st_client.widgets import TRIGGER_KINDS, Node, default_state, has_deferred, state_for


@dataclass
class RunResult:
    seconds: float = 0.0
    messages: int = 0
    bytes: int = 0
    runs: int = 0  # script runs in this step (1 + reruns the script asked for)
    media: int = 0  # media files fetched


@dataclass
class StreamlitSession(Page):
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
        self.media_seen: set[str] = set()
        self.reset_page()

    # --- connection -------------------------------------------------------------------------

    async def _get(self, path: str):
        r = await http.get_async(f"http://{self.host}:{self.port}{self._url(path)}",
                                 self.cookies, self.timeout)
        self.cookies.update(r.cookies.items())
        return r

    async def open(self) -> RunResult:
        """Load the page: HTML, health (XSRF cookie), host config, websocket, first run."""
        t0 = time.perf_counter()
        page = self.path + (f"?{self.query}" if self.query else "")
        for path in (page, "/_stcore/health", "/_stcore/host-config"):
            r = await self._get(path)
            if r.status_code != 200:
                raise PageError(f"GET {path}: HTTP {r.status_code}")
        ws_url = http.stream_url(f"http://{self.host}:{self.port}{self.prefix}")
        xsrf = self.cookies.get(http.XSRF) or "PLACEHOLDER_AUTH_TOKEN"
        headers = http.stream_headers(self.cookies, self.headers)
        local = {"local_addr": (self.local_host, 0)} if self.local_host else {}
        try:
            self.ws = await asyncio.wait_for(connect(
                ws_url, subprotocols=http.subprotocols(xsrf), origin=f"http://{self.host}:{self.port}",
                additional_headers=headers, max_size=None, max_queue=None,
                ping_interval=None,  # a browser answers the server's pings, it sends none
                proxy=None, user_agent_header=http.USER_AGENT,
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
        if has_deferred(el):
            url = await self._deferred_file(el.deferred_file_id)
        await self._fetch([url], force=True)
        result.media += 1
        result.seconds = time.perf_counter() - t0
        return result

    async def _recv(self, deadline: float, waiting_for: str) -> bytes:
        """The next ForwardMsg's bytes before ``deadline`` (``time.monotonic``), or StepTimeout
        naming what the step was waiting for, or Dropped when the server closed the socket."""
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            return await asyncio.wait_for(self.ws.recv(), remaining)
        except TimeoutError as exc:
            raise StepTimeout(f"no {waiting_for} within {self.timeout:g} s") from exc
        except ConnectionClosed as exc:
            raise Dropped(f"websocket closed by the server: {exc}") from exc

    async def _send(self, msg: BackMsg, what: str) -> None:
        """Send ``msg`` before the step's timeout (kept in ``sent``); a closed websocket is
        :class:`Dropped`, a send that does not finish in time a :class:`StepTimeout`."""
        self.sent.append(msg)
        try:
            await asyncio.wait_for(self.ws.send(msg.SerializeToString()), self.timeout)
        except ConnectionClosed as exc:
            raise Dropped(f"websocket closed before sending: {exc}") from exc
        except TimeoutError as exc:
            raise StepTimeout(f"could not send {what}") from exc

    async def _deferred_file(self, file_id: str) -> str:
        if self.ws is None:
            raise Dropped("not connected")
        msg = BackMsg()
        req = msg.backend_operation_request
        req.request_id = str(uuid.uuid4())
        req.session_id = self.session_id
        req.deferred_file.file_id = file_id
        await self._send(msg, "the deferred file request")
        deadline = time.monotonic() + self.timeout
        while req.request_id not in self.responses:
            data = await self._recv(deadline, "answer to the deferred file request")
            self._handle(data)
        response = self.responses.pop(req.request_id).backend_operation_response
        if response.error_msg:
            raise PageError(f"deferred file refused: {response.error_msg}")
        return response.deferred_file.url

    async def set(self, node: Node, value) -> RunResult:
        """The user changes a widget: a date (``datetime.date`` or list), text, option(s)…"""
        ws = state_for(node, value)
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

    # --- the run ----------------------------------------------------------------------------

    async def _rerun(self, extra: Iterable[WidgetState] = (), fragment_id: str = "",
                     first: bool = False) -> RunResult:
        if self.ws is None:
            raise Dropped("not connected")
        t0 = time.perf_counter()
        msg = BackMsg()
        msg.rerun_script.CopyFrom(self._client_state(list(extra), fragment_id, first))
        await self._send(msg, "the rerun request")
        result = RunResult()
        deadline = time.monotonic() + self.timeout
        while True:
            data = await self._recv(deadline, "script_finished")
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
            if r.status_code != 200:
                raise PageError(f"GET {u}: HTTP {r.status_code}")
        return len(todo)
