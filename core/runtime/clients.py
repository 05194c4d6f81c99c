"""Who a client is: its address, believing ``X-Forwarded-For`` only from trusted proxies.

CONTRACT.md "Configuration": ``ECERT_TRUSTED_PROXIES`` names the addresses or CIDR ranges of
the reverse proxies whose ``X-Forwarded-For`` is believed; with none (the default) no forwarded
header is believed and a client is known by its socket's own address. One rule for the whole
server (issue 25, issue 27): the admin login's throttle and audit (ui/admin_session.py) and the
process guards' per-address budgets (ui/server_guard.py: websockets; ui/server_limits.py:
uploads) ask here, so a client that rotates a forged header neither escapes a budget nor locks
someone else out.

Streamlit's server (uvicorn) itself replaces a socket peer listed in ``FORWARDED_ALLOW_IPS``
(default: loopback) with an address of the header before the app sees it; :func:`client_of`
undoes that (docs/DEPLOY.md starts replicas with ``FORWARDED_ALLOW_IPS=`` empty, so it does
not happen there). Never imports streamlit.
"""

from __future__ import annotations

import ipaddress
import logging
import os

from core.runtime import config

log = logging.getLogger("ecert_desk")

#: ``ECERT_TRUSTED_PROXIES``: addresses or CIDR ranges whose X-Forwarded-For is believed.
TRUSTED_PROXIES_SETTING = "ECERT_TRUSTED_PROXIES"
_LOOPBACK = ("127.0.0.1", "::1")

_networks_cache: dict[str, tuple] = {}


def trusted_proxies() -> tuple:
    """The networks of ``ECERT_TRUSTED_PROXIES`` (comma or space separated); unreadable
    entries are ignored (and named in the log once per value)."""
    raw = config.get(TRUSTED_PROXIES_SETTING) or ""
    if raw not in _networks_cache:
        nets = []
        for part in raw.replace(",", " ").split():
            try:
                nets.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                log.warning("%s: %r is not an address or CIDR range; ignored",
                            TRUSTED_PROXIES_SETTING, part)
        _networks_cache[raw] = tuple(nets)
    return _networks_cache[raw]


def _trusted(address: str | None, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip()) if address else None
    except ValueError:
        return False
    return ip is not None and any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies=None) -> str:
    """The client's address: the socket peer (Streamlit shows a loopback peer as None: then
    127.0.0.1), unless the peer is a trusted proxy (``ECERT_TRUSTED_PROXIES``); then the
    nearest entry of X-Forwarded-For that is not itself a trusted proxy, read from the right
    (the entries further left are whatever the client sent). With no trusted proxy configured
    no forwarded header is believed."""
    proxies = trusted_proxies() if proxies is None else proxies
    address = peer or "127.0.0.1"
    if forwarded_for and _trusted(address, proxies):
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            address = hop
            if not _trusted(hop, proxies):
                break
    return address


def server_believes_forwarded() -> bool:
    """Whether uvicorn (Streamlit's server) itself replaces the socket peer with an address of
    X-Forwarded-For: it does for peers in ``FORWARDED_ALLOW_IPS`` (default loopback). Started
    with ``FORWARDED_ALLOW_IPS=`` (docs/DEPLOY.md) it does not, and the peer is the socket's."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").strip() != ""


def client_of(peer: str | None, forwarded_for: str | None, proxies=None) -> str:
    """:func:`client_address` of what the app was handed: where the server already took the
    peer from the header, the real peer was one of its trusted hosts (loopback unless
    ``FORWARDED_ALLOW_IPS`` says otherwise), not what the header says."""
    if forwarded_for and peer and server_believes_forwarded() and peer in {
            h.strip() for h in forwarded_for.split(",")}:
        peer = "127.0.0.1"
    if peer in _LOOPBACK:
        peer = None
    return client_address(peer, forwarded_for, proxies)
