"""The page a browser tab keeps: the element tree flattened by delta path, the committed widget
states, the ForwardMessageCache, and what each ForwardMsg does to them (``Page.handle``); the
``ClientState`` a rerun sends from them.

``ForwardMsg``s are read until ``script_finished`` (``FINISHED_EARLY_FOR_RERUN``, status 2,
means a rerun follows: keep reading); large ``new_element`` deltas flagged ``cacheable`` are
kept and their hashes sent back, so the server may answer with ``ref_hash`` (expired after
``max_cached_message_age`` runs, as the frontend's ForwardMessageCache does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from google.protobuf.message import DecodeError
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from scripts.st_client.errors import PageError, ProtocolError
from scripts.st_client.widgets import Node, default_state, has_deferred

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
COMPILE_ERROR = ForwardMsg.FINISHED_WITH_COMPILE_ERROR
EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def context_offset_minutes(tz: str) -> int:
    """JavaScript's ``Date.getTimezoneOffset()``: minutes to add to local time to get UTC."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    return -int(offset.total_seconds() // 60) if offset is not None else 0


class Page:
    """The page state of a tab (``StreamlitSession`` is one); ``reset_page`` starts it empty."""

    host: str
    port: int
    path: str
    query: str
    timezone: str
    locale: str
    fetch_media: bool
    prefix: str

    def reset_page(self) -> None:
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
        self.media_pending: list[str] = []
        self.has_new_session = False
        self.session_id = ""
        self.responses: dict[str, ForwardMsg] = {}  # backend operation responses by request id

    def _url(self, path: str) -> str:
        return self.prefix + path

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
                elif ekind == "download_button" and el.url and not has_deferred(el):
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
