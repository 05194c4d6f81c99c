"""deploy/nginx.conf as rendered for real servers and for the tests: complete, accepted by
``nginx -t``, sticky per browser with failover to the other replicas (docs/DEPLOY.md)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from scripts import deploy_helpers
from scripts.deploy_helpers import render_nginx_conf
from scripts.processes import free_port
from tests import databases

BACKENDS = ["10.0.0.11:8501", "10.0.0.12:8501", "10.0.0.13:8501"]


def test_every_placeholder_is_filled_and_each_replica_has_its_route():
    conf = render_nginx_conf("80", BACKENDS, "/var/lib/ecert-nginx", workers="auto")
    assert "@@" not in conf
    for i, b in enumerate(BACKENDS):
        block = re.search(rf"upstream ecert_r{i} \{{(.*?)\}}", conf, re.S).group(1)
        lines = [x.strip() for x in block.strip().splitlines()]
        assert lines[0].startswith(f"server {b} ") and "backup" not in lines[0]
        assert sorted(x.split()[1] for x in lines[1:]) == sorted(o for o in BACKENDS if o != b)
        assert all(x.endswith("backup;") for x in lines[1:])
        assert f"r{i} ecert_r{i};" in conf
        assert f'"ecert_route=r{i}; Path=/; HttpOnly; SameSite=Lax"' in conf
    assert "least_conn;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Host $http_host;" in conf
    assert "proxy_read_timeout 1d;" in conf
    limit = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml")
                          .read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert f"client_max_body_size {limit}m;" in conf  # = server.maxUploadSize
    assert "$request " not in conf and "$args" not in conf  # no query strings in the log
    assert "Secure" not in conf
    assert "; Secure" in render_nginx_conf("443", BACKENDS, "/x", secure_cookie=True)


def test_per_client_limits_timeouts_and_security_headers_are_set():
    """Issue 27 (tests/security/test_proxy_limits.py runs them in nginx)."""
    conf = render_nginx_conf("80", BACKENDS, "/var/lib/ecert-nginx")
    for line in ("limit_conn_zone $binary_remote_addr zone=ecert_conn:10m;",
                 f"limit_conn ecert_conn {deploy_helpers.CONN_PER_CLIENT};",
                 f"rate={deploy_helpers.REQ_RATE}r/s;",
                 f"limit_req zone=ecert_req burst={deploy_helpers.REQ_BURST} nodelay;",
                 "client_header_timeout 10s;", "client_body_timeout 30s;", "send_timeout 30s;",
                 "keepalive_timeout 30s;", "reset_timedout_connection on;",
                 'add_header X-Frame-Options "SAMEORIGIN" always;',
                 'add_header X-Content-Type-Options "nosniff" always;',
                 "proxy_hide_header Content-Security-Policy;"):
        assert line in conf, line
    from ui.server_guard import content_security_policy

    assert f'add_header Content-Security-Policy "{content_security_policy()}" always;' in conf
    assert "proxy_read_timeout 1d;" in conf  # an open page keeps its websocket


def test_the_shipped_service_starts_serve_py_with_a_raised_file_limit():
    root = Path(__file__).resolve().parents[1]
    unit = (root / "deploy" / "ecert-replica@.service").read_text(encoding="utf-8")
    assert "streamlit run serve.py" in unit
    limit = int(re.search(r"^LimitNOFILE=(\d+)$", unit, re.M).group(1))
    assert limit >= 65536
    drop_in = (root / "deploy" / "nginx.service.d-limits.conf").read_text(encoding="utf-8")
    assert re.search(r"^LimitNOFILE=65536$", drop_in, re.M)
    assert "worker_rlimit_nofile 65536;" in render_nginx_conf("80", BACKENDS, "/x")


def test_a_route_regex_matches_only_its_own_backend():
    conf = render_nginx_conf("80", ["1.2.3.4:80", "11.2.3.4:80"], "/x")
    patterns = re.findall(r'"~(.*?)" "ecert_route=(r\d)', conf)
    for served, want in (("1.2.3.4:80", "r0"), ("11.2.3.4:80", "r1"),
                         ("1.2.3.4:80, 11.2.3.4:80", "r1"), ("11.2.3.4:80, 1.2.3.4:80", "r0")):
        hits = [route for rx, route in patterns if re.search(rx, served)]
        assert hits == [want], (served, hits)


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    nginx = deploy_helpers.find_nginx()
    if nginx is None:
        databases.skip_or_fail_without_postgres(deploy_helpers.unavailable(), what="nginx")
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_nginx_conf(f"127.0.0.1:{free_port()}", BACKENDS, tmp_path))
    run = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf),
                          "-e", str(tmp_path / "error.log")], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 0, run.stderr
    assert "syntax is ok" in run.stderr


@pytest.mark.parametrize("bad", [[], None])
def test_no_backend_is_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        render_nginx_conf("80", bad, "/x")


def test_the_shipped_service_sets_the_client_address_settings_of_the_test_deployment():
    """What deploy_helpers gives each test replica, the shipped unit gives each real one: nginx
    on the same host as the trusted proxy, and uvicorn leaving the peer alone."""
    root = Path(__file__).resolve().parents[1]
    unit = (root / "deploy" / "ecert-replica@.service").read_text(encoding="utf-8")
    assert re.search(r"^Environment=ECERT_TRUSTED_PROXIES=127\.0\.0\.1$", unit, re.M)
    assert re.search(r"^Environment=FORWARDED_ALLOW_IPS=$", unit, re.M)


def test_ws_per_client_is_read_like_every_setting(monkeypatch, tmp_path):
    """ECERT_WS_PER_CLIENT from the environment or a secrets file (README: every setting)."""
    from core.runtime import config
    from ui import server_guard

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('ECERT_WS_PER_CLIENT = "7"\n', encoding="utf-8")
    monkeypatch.delenv("ECERT_WS_PER_CLIENT", raising=False)
    monkeypatch.setattr(config, "secrets_files", lambda: [secrets])
    assert server_guard.ws_per_client() == 7
    monkeypatch.setenv("ECERT_WS_PER_CLIENT", "9")
    assert server_guard.ws_per_client() == 9
    monkeypatch.setenv("ECERT_WS_PER_CLIENT", "many")
    assert server_guard.ws_per_client() == server_guard.WS_PER_CLIENT_DEFAULT
