"""Plain HTTP for the client (``requests``) and the websocket handshake a tab makes.

A tab's GETs ask for gzip like a browser (the server pays for compressing; ``requests``
decompresses); each runs in a thread of this module's pool so an asyncio session is not
blocked. The stream ``/_stcore/stream`` is opened with the cookies and
``Sec-WebSocket-Protocol: streamlit, <xsrf cookie value>[, <session id to resume>]`` (the
frontend's ``WebsocketConnection.getSessionTokens``: the server reads the second entry as the
XSRF token and a third one as a session to resume) and an ``Origin``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import requests

from scripts.st_client.errors import Dropped, ProtocolError, StepTimeout

XSRF = "_streamlit_xsrf"
USER_AGENT = "ecert-load (streamlit protocol client)"
# Enough threads for every simulated session's GETs at once (they wait on the server).
_POOL = ThreadPoolExecutor(max_workers=256, thread_name_prefix="st-client-http")


def get(url: str, cookies: dict[str, str] | None = None, timeout: float = 30.0,
        headers: dict[str, str] | None = None) -> requests.Response:
    """One GET as a browser tab makes it (gzip accepted, the tab's cookies, no redirects)."""
    try:
        return requests.get(url, cookies=cookies or {}, timeout=timeout, allow_redirects=False,
                            headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                     "Accept-Encoding": "gzip", "Connection": "close",
                                     **(headers or {})})
    except requests.Timeout as exc:
        raise StepTimeout(f"GET {url}: no answer in {timeout:g} s") from exc
    except requests.ConnectionError as exc:
        raise Dropped(f"GET {url}: {type(exc).__name__}: {exc}") from exc
    except requests.RequestException as exc:
        raise ProtocolError(f"GET {url}: {type(exc).__name__}: {exc}") from exc


async def get_async(url: str, cookies: dict[str, str] | None = None, timeout: float = 30.0,
                    headers: dict[str, str] | None = None) -> requests.Response:
    """``get`` from a coroutine (in this module's thread pool)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, lambda: get(url, cookies, timeout, headers))


def stream_url(base_url: str) -> str:
    """The websocket address of the server at ``base_url`` (http://host:port[/prefix])."""
    return base_url.rstrip("/").replace("http://", "ws://", 1) + "/_stcore/stream"


def subprotocols(xsrf: str, session_id: str | None = None) -> list[str]:
    """``Sec-WebSocket-Protocol`` entries: streamlit, the XSRF token, a session to resume."""
    return ["streamlit", xsrf] + ([session_id] if session_id else [])


def stream_headers(cookies: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Handshake headers: the cookies and extra ones (an attack test's X-Forwarded-For)."""
    headers = dict(extra or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return headers
