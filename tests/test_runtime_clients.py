"""core/runtime/clients.py: who a client is. X-Forwarded-For is believed only from the proxies of
``ECERT_TRUSTED_PROXIES``; what Streamlit's server already took from the header is undone
(``client_of``). The login throttle built on it is tests/security/test_login_attacks.py's."""

from __future__ import annotations

import ipaddress

from core.runtime import clients

NGINX = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


def test_the_client_address_believes_forwarded_headers_only_from_trusted_proxies():
    import ipaddress

    none: tuple = ()
    nginx = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
    # no trusted proxy (the default): the peer, whatever the header says
    assert clients.client_address("93.184.216.34", "6.6.6.6", none) == "93.184.216.34"
    assert clients.client_address(None, "6.6.6.6", none) == "127.0.0.1"
    assert clients.client_address("10.0.0.2", "spoof, 203.0.113.9", none) == "10.0.0.2"
    # a trusted proxy: the nearest untrusted hop, read from the right
    assert clients.client_address(None, "6.6.6.6, 203.0.113.9", nginx) == "203.0.113.9"
    assert clients.client_address("10.0.0.2", "spoof, 203.0.113.9 , 10.0.0.7",
                                     nginx) == "203.0.113.9"
    assert clients.client_address("93.184.216.34", "6.6.6.6", nginx) == "93.184.216.34"
    assert clients.client_address(None, None, nginx) == "127.0.0.1"


def test_trusted_proxies_are_read_from_the_setting(monkeypatch):
    monkeypatch.setenv(clients.TRUSTED_PROXIES_SETTING, "127.0.0.1, 10.0.0.0/8 nonsense")
    nets = clients.trusted_proxies()
    assert [str(n) for n in nets] == ["127.0.0.1/32", "10.0.0.0/8"]
    monkeypatch.delenv(clients.TRUSTED_PROXIES_SETTING)
    assert clients.trusted_proxies() == ()


def test_every_hop_trusted_gives_the_leftmost_and_an_unreadable_hop_is_not_trusted():
    assert clients.client_address("10.0.0.2", "10.0.0.9, 10.0.0.7", NGINX) == "10.0.0.9"
    assert clients.client_address("10.0.0.2", "not-an-ip, 10.0.0.7", NGINX) == "not-an-ip"
    assert clients.client_address("garbage", "6.6.6.6", NGINX) == "garbage"  # peer not trusted


def test_client_of_undoes_the_servers_own_reading_of_the_header(monkeypatch):
    # uvicorn (FORWARDED_ALLOW_IPS default: loopback) handed the header's address as the peer
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert clients.server_believes_forwarded()
    assert clients.client_of("6.6.6.6", "6.6.6.6", ()) == "127.0.0.1"
    assert clients.client_of("203.0.113.9", "spoof, 203.0.113.9", NGINX) == "203.0.113.9"
    # a loopback peer is the socket's own: with no trusted proxy the header is not believed
    assert clients.client_of("127.0.0.1", "6.6.6.6", ()) == "127.0.0.1"
    assert clients.client_of("93.184.216.34", None, ()) == "93.184.216.34"
    # started with FORWARDED_ALLOW_IPS= (docs/DEPLOY.md) the peer is the socket's
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")
    assert not clients.server_believes_forwarded()
    assert clients.client_of("6.6.6.6", "6.6.6.6", ()) == "6.6.6.6"
