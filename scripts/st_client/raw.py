"""The client for attack tests: what an attacker's script can do, synchronously.

``Client(url)`` fetches the XSRF cookie like a browser and opens ``/_stcore/stream`` with the
handshake of ``http`` (the one ``StreamlitSession`` makes; optionally a session id to resume),
sends BackMsgs built from ``streamlit.proto`` as they are (no page model: what a browser would
not send too) and reads ForwardMsgs until ``script_finished``. ``upload`` PUTs a file to the
upload route of any session, as the browser does for a file uploader.
"""

from __future__ import annotations

import time
import uuid

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from scripts.st_client import http
from scripts.st_client.http import XSRF


def xsrf_cookie(url: str) -> str:
    """The XSRF cookie the server sets on ``/_stcore/health`` (as the app's page does)."""
    cookie = http.get(url + "/_stcore/health", timeout=10).cookies.get(XSRF)
    if not cookie:
        raise AssertionError("no XSRF cookie from the server")
    return cookie


class Client:
    def __init__(self, url: str, session_id: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.cookie = xsrf_cookie(url)
        self.ws = connect(http.stream_url(url), origin=url,
                          subprotocols=http.subprotocols(self.cookie, session_id),
                          additional_headers=http.stream_headers({XSRF: self.cookie}, headers),
                          max_size=None, open_timeout=20)
        self.session_id: str | None = None
        self.received: list[ForwardMsg] = []

    def send(self, msg: BackMsg) -> None:
        self.ws.send(msg.SerializeToString())

    def rerun(self, page: str = "", query: str = "") -> None:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        self.send(msg)

    def widget_id(self, kind: str, label: str) -> str:
        """The id of the ``kind`` widget (``text_input``…) labelled ``label`` on the page
        received so far."""
        for m in self.received:
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
                element = m.delta.new_element
                if element.WhichOneof("type") == kind and getattr(element, kind).label == label:
                    return getattr(element, kind).id
        raise AssertionError(f"no {kind} labelled {label!r} on the page")

    def set_text(self, widget_id: str, value: str, page: str = "") -> None:
        """A rerun with one text widget's value, as the browser sends a typed text."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = widget_id
        w.string_value = value
        self.send(msg)

    def clear_cache(self) -> None:
        msg = BackMsg()
        msg.clear_cache = True
        self.send(msg)

    def read_until_finished(self, timeout: float = 60.0) -> list[ForwardMsg]:
        """ForwardMsgs until a script run finishes (or ``timeout``)."""
        got: list[ForwardMsg] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                raw = self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            got.append(msg)
            if msg.WhichOneof("type") == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            if msg.WhichOneof("type") == "script_finished":
                break
        self.received += got
        return got

    def text(self) -> bytes:
        """Every byte received so far (labels and markdown appear as UTF-8 in it)."""
        return b"".join(m.SerializeToString() for m in self.received)

    def upload(self, data: bytes, session_id: str | None = None) -> int:
        """PUT ``data`` to the upload route of ``session_id`` (default: this client's)."""
        sid = session_id or self.session_id
        resp = requests.put(f"{self.url}/_stcore/upload_file/{sid}/{uuid.uuid4()}",
                            files={"file": ("x.bin", data, "application/octet-stream")},
                            headers={"X-Xsrftoken": self.cookie, **self.headers},
                            cookies={XSRF: self.cookie}, timeout=60)
        return resp.status_code

    def close(self) -> None:
        self.ws.close()
