"""N ecert-desk replicas behind nginx with one PostgreSQL, on this machine, until Ctrl-C.

    .venv/bin/python scripts/replicas.py --replicas 2 [--password PW] [--db-url URL]
    .venv/bin/python scripts/replicas.py --print-nginx-conf --listen 80 \\
        --backend 10.0.0.11:8501 --backend 10.0.0.12:8501 --prefix /var/lib/ecert-nginx

The first form starts a throwaway PostgreSQL cluster (or uses ``--db-url``), N ``streamlit
run`` servers on free ports of 127.0.0.1 sharing ECERT_DB_URL, ECERT_SECRET_KEY,
ECERT_ADMIN_PASSWORD_HASH, ECERT_BASE_URL and Streamlit's cookie secret, and nginx in front
(deploy/nginx.conf); prints the proxy URL and the replicas' URLs, and stops everything on
Ctrl-C or SIGTERM (scripts/deploy_helpers.py does the work; the tests use the same code). Point
the load test at the proxy with the line it prints
(``.venv/bin/python scripts/load.py --url <proxy URL> --server-pid <pids>``); start the
replicas with ``--load-test SESSIONS`` for that, since every simulated session comes from this
one machine's address and would meet the per-client limits (issue 27).

The second form only prints deploy/nginx.conf filled in for real servers (docs/DEPLOY.md).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.admin.auth import hash_password  # noqa: E402
from scripts.deploy_helpers import (  # noqa: E402
    CONN_PER_CLIENT,
    REQ_BURST,
    REQ_RATE,
    Deployment,
    DeploymentError,
    render_nginx_conf,
)
from scripts.pg_cluster import PostgresUnavailable  # noqa: E402


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--password", help="admin password (hashed here; default: demo mode)")
    ap.add_argument("--db-url", help="an existing database instead of a throwaway cluster")
    ap.add_argument("--port", type=int, help="the proxy's port (default: a free one)")
    ap.add_argument("--print-nginx-conf", action="store_true")
    ap.add_argument("--listen", default="80")
    ap.add_argument("--backend", action="append", default=[])
    ap.add_argument("--prefix", default="/var/lib/ecert-nginx")
    ap.add_argument("--secure-cookie", action="store_true", help="behind HTTPS")
    ap.add_argument("--conn-per-client", type=int, default=CONN_PER_CLIENT,
                    help="nginx: connections at once per client address (default %(default)s)")
    ap.add_argument("--req-rate", type=int, default=REQ_RATE,
                    help="nginx: requests per second per client address (default %(default)s)")
    ap.add_argument("--req-burst", type=int, default=REQ_BURST,
                    help="nginx: burst of requests per client address (default %(default)s)")
    ap.add_argument("--load-test", type=int, metavar="SESSIONS",
                    help="raise every per-address limit (nginx and ECERT_WS_PER_CLIENT) for "
                         "SESSIONS simulated sessions from this one machine (scripts/load.py)")
    args = ap.parse_args(argv[1:])
    limits = {"conn_per_client": args.conn_per_client, "req_rate": args.req_rate,
              "req_burst": args.req_burst}
    extra_env = {}
    if args.load_test:  # every simulated session comes from 127.0.0.1
        n = args.load_test
        limits = {"conn_per_client": 4 * n + 64, "req_rate": 20 * n + 30,
                  "req_burst": 40 * n + 300}
        extra_env["ECERT_WS_PER_CLIENT"] = str(n + 16)

    if args.print_nginx_conf:
        if not args.backend:
            ap.error("--print-nginx-conf needs at least one --backend host:port")
        print(render_nginx_conf(args.listen, args.backend, args.prefix, workers="auto",
                                secure_cookie=args.secure_cookie, **limits))
        return 0

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deployment = Deployment(args.replicas, db_url=args.db_url, proxy_port=args.port,
                            proxy_limits=limits, extra_env=extra_env,
                            admin_password_hash=hash_password(args.password)
                            if args.password else None)
    print(f"starting PostgreSQL, {args.replicas} replica(s) and nginx…", flush=True)
    try:
        deployment.start()
    except (DeploymentError, PostgresUnavailable) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    with deployment:
        print(f"proxy      {deployment.proxy_url}", flush=True)
        for r in deployment.replicas:
            print(f"replica {r.index}  {r.url}  (cookie ecert_route={r.route})", flush=True)
        print(f"database   {deployment.db_url}", flush=True)
        pids = ",".join(str(r.proc.pid) for r in deployment.replicas)
        print(f"load test  .venv/bin/python scripts/load.py --url {deployment.proxy_url} "
              f"--server-pid {pids}", flush=True)
        print(f"folder     {deployment.folder}  (logs)", flush=True)
        print("Ctrl-C stops everything.", flush=True)
        try:
            while not stop.wait(1.0):
                dead = [r.index for r in deployment.replicas if not r.alive()]
                if dead:
                    print(f"replica(s) {dead} stopped; see their streamlit.log", flush=True)
                    break
        except KeyboardInterrupt:
            pass
        print("stopping…", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
