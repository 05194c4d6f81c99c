"""Two app servers behind a real nginx, one PostgreSQL, driven by Chromium through the proxy.

scripts/deploy_helpers.py starts the deployment (module scope): two ``streamlit run`` replicas
sharing ECERT_DB_URL (a database of the session's PostgreSQL cluster), ECERT_SECRET_KEY,
ECERT_ADMIN_PASSWORD_HASH, ECERT_BASE_URL (the proxy) and the cookie secret, and nginx with
deploy/nginx.conf in front. A browser context is pinned to replica A or B the way nginx pins
any browser: the ``ecert_route`` cookie (r0, r1). nginx's access log (upstream address per
request) proves which replica served what.

- an import accepted on A is what B's /admin shows on its next rerun;
- a certificate preview made through A has a QR whose /verify link verifies on B;
- two imports started at once on A and B: one becomes current, the other is told so;
- B killed mid-session: the page reconnects to A (no error page), the next session goes to A;
- a province account made with the CLI on A's host logs in on B and sees only its province;
  the login throttle counts one client's failures on A when it tries on B, and never holds up
  another client (issue 25). nginx is the trusted proxy (ECERT_TRUSTED_PROXIES=127.0.0.1):
  the browsers here are on loopback too, so each context names its client in X-Forwarded-For,
  the way nginx's own address list would carry a remote browser's.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from core.admin.auth import hash_password
from core.demo.roster import demo_profile, demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes
from scripts import deploy_helpers
from scripts.deploy_helpers import Deployment
from tests import databases
from tests.browser.app_server import TIMEOUT_MS, settle
from tests.databases import Database
from ui.i18n import text

pytestmark = pytest.mark.browser

PASSWORD = "两台服务器 replicas"
DB_NAME = "replicas"
LOGIN_MS = 180_000  # the first login on a fresh database imports the demo roster


@pytest.fixture(scope="module")
def deployment(postgres) -> Iterator[Deployment]:
    databases.skip_or_fail_without_postgres(deploy_helpers.unavailable(), what="nginx")
    url = postgres.create_database(DB_NAME)
    d = Deployment(2, db_url=url, admin_password_hash=hash_password(PASSWORD),
                   extra_env={"ECERT_TRUSTED_PROXIES": "127.0.0.1",
                              "FORWARDED_ALLOW_IPS": ""})  # docs/DEPLOY.md
    try:
        d.start()
        yield d
    finally:
        d.stop()
        postgres.drop_database(DB_NAME)


@pytest.fixture
def database(deployment, postgres) -> Database:
    return Database("postgresql", deployment.db_url, cluster=postgres, name=DB_NAME)


def pinned(browser, deployment: Deployment, replica: int | None,
           client: str | None = None) -> BrowserContext:
    """A browser context; pinned to a replica by nginx's route cookie (None: not yet);
    ``client``: the address it claims in X-Forwarded-For (nginx appends 127.0.0.1)."""
    headers = {"X-Forwarded-For": client} if client else None
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 1000},
                                  extra_http_headers=headers)
    context.set_default_timeout(TIMEOUT_MS)
    if replica is not None:
        context.add_cookies([{"name": "ecert_route", "value": f"r{replica}",
                              "url": deployment.proxy_url}])
    return context


@pytest.fixture
def contexts(browser, deployment) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []

    def make(replica: int | None, client: str | None = None) -> BrowserContext:
        made.append(pinned(browser, deployment, replica, client))
        return made[-1]

    yield make  # type: ignore[misc]
    for c in made:
        c.close()


def route_of(context: BrowserContext) -> str | None:
    for c in context.cookies():
        if c["name"] == "ecert_route":
            return c["value"]
    return None


def served(deployment: Deployment, path: str, replica: int, since: int = 0) -> int:
    """How many requests for ``path`` (prefix) replica ``replica`` answered, from log line
    ``since`` on."""
    port = deployment.replicas[replica].port
    lines = deployment.access_log().splitlines()[since:]
    return sum(1 for line in lines
               if f'"GET {path}' in line or f'"PUT {path}' in line or f'"POST {path}' in line
               if re.search(rf"upstream=(?:\S+, )*127\.0\.0\.1:{port} route=", line))


def log_mark(deployment: Deployment) -> int:
    return len(deployment.access_log().splitlines())


def admin_login(page: Page, deployment: Deployment) -> None:
    page.goto(deployment.proxy_url + "/admin")
    page.get_by_label(text("admin.login_password", "zh")).fill(PASSWORD)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=LOGIN_MS)


def upload(page: Page, name: str, data: bytes, rows: int) -> None:
    page.get_by_role("tab", name=text("admin.tab_import", "zh")).click()
    page.locator("input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data})
    expect(accept_button(page, rows)).to_be_visible(timeout=TIMEOUT_MS)
    confirm = page.get_by_label(text("admin.reauth_label", "zh"))  # password again (issue 12)
    confirm.fill(PASSWORD)
    confirm.press("Enter")  # Streamlit commits a text input on Enter


def accept_button(page: Page, rows: int):
    return page.get_by_role("button", name=text("admin.accept", "zh", accepted=rows))


def roster(n: int, seed: int) -> bytes:
    return to_csv_bytes(demo_roster(n, seed=seed, as_of=today_shanghai()).astype(object))


def snapshot_caption(page: Page, snapshot_id: int, demo: bool = False):
    key = "admin.source_snapshot_demo" if demo else "admin.source_snapshot"  # the seeded demo
    return page.get_by_text(text(key, "zh", id=snapshot_id, as_of=today_shanghai().isoformat()))


# --------------------------------------------------------------------------------------------
def test_the_proxy_pins_each_browser_to_the_replica_that_served_it(contexts, deployment):
    fresh = contexts(None)
    page = fresh.new_page()
    page.goto(deployment.proxy_url + "/")
    expect(page.locator("h1").filter(has_text=text("page.self_service.title", "zh"))) \
        .to_be_visible(timeout=TIMEOUT_MS)
    route = route_of(fresh)
    assert route in ("r0", "r1")
    replica = int(route[1])
    mark = log_mark(deployment)
    page.reload()  # the page, its scripts and its websocket: all to the same replica
    expect(page.locator("h1").filter(has_text=text("page.self_service.title", "zh"))) \
        .to_be_visible(timeout=TIMEOUT_MS)
    assert served(deployment, "/_stcore/stream", replica, mark) >= 1
    assert served(deployment, "/", 1 - replica, mark) == 0
    assert route_of(fresh) == route


def test_an_import_accepted_on_A_is_what_B_shows_on_its_next_rerun(contexts, deployment,
                                                                   database):
    page_b = contexts(1).new_page()
    admin_login(page_b, deployment)  # B shows what is current now
    before = database.current()[0]
    expect(snapshot_caption(page_b, before, demo=True)).to_be_visible()  # the seeded demo

    page_a = contexts(0).new_page()
    admin_login(page_a, deployment)
    mark = log_mark(deployment)
    upload(page_a, "from-a.csv", roster(120, seed=31), 120)
    accept_button(page_a, 120).click()
    expect(page_a.get_by_text(re.compile(r"已导入为快照 #\d+"))).to_be_visible(
        timeout=TIMEOUT_MS)
    new = database.current()[0]
    assert new != before
    assert served(deployment, "/_stcore/upload_file", 0, mark) >= 1  # the upload reached A
    assert served(deployment, "/_stcore/upload_file", 1, mark) == 0

    # B's next run of the page (here: switching the language in the sidebar, a widget outside
    # the dashboard's fragments): it asks the database, not its cache, what is current
    page_b.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    expect(page_b.get_by_text(text("admin.source_snapshot", "en", id=new,
                                   as_of=today_shanghai().isoformat()))).to_be_visible(
        timeout=TIMEOUT_MS)
    regs = page_b.get_by_test_id("stMetric").filter(has_text=text("admin.m_registrations", "en"))
    expect(regs).to_contain_text("120")
    assert route_of(page_a.context) == "r0" and route_of(page_b.context) == "r1"


def test_a_qr_made_through_A_verifies_on_B(contexts, deployment):
    page_a = contexts(0).new_page()
    page_a.goto(deployment.proxy_url + "/")
    page_a.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    page_a.get_by_role("button", name=text("certificate.build", "zh")).click()
    expect(page_a.get_by_role("button", name=text("certificate.download", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    link = page_a.get_by_test_id("stCode").inner_text().strip()
    assert link.startswith(deployment.proxy_url + "/verify?token="), link  # ECERT_BASE_URL
    # the preview image itself, fetched like the page does (through the proxy, from A)
    src = page_a.get_by_test_id("stImage").locator("img").first.get_attribute("src")
    fetched = page_a.context.request.get(src if src.startswith("http")
                                         else deployment.proxy_url + src)
    assert fetched.ok, fetched.status
    png = fetched.body()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
               if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert decoded == [link]  # the QR on the preview is the link shown

    mark = log_mark(deployment)
    page_b = contexts(1).new_page()
    page_b.goto(decoded[0])  # what a phone scanning the QR opens, landing on B
    expect(page_b.get_by_text(text("verify.headline.ok", "zh")).first).to_be_visible(
        timeout=TIMEOUT_MS)  # what the signature proves: drawn by this tool, not official
    expect(page_b.get_by_text(demo_profile(today_shanghai())["name"], exact=True)) \
        .to_be_visible()
    assert served(deployment, "/verify", 1, mark) >= 1
    assert served(deployment, "/verify", 0, mark) == 0


def test_two_imports_at_once_on_A_and_B_one_current_the_other_told(contexts, deployment,
                                                                   database):
    page_a, page_b = contexts(0).new_page(), contexts(1).new_page()
    admin_login(page_a, deployment)
    admin_login(page_b, deployment)
    before = set(database.current())
    upload(page_a, "admin-a.csv", roster(3_000, seed=51), 3_000)
    upload(page_b, "admin-b.csv", roster(2_000, seed=52), 2_000)
    accept_button(page_a, 3_000).click()
    accept_button(page_b, 2_000).click()  # at once: both were checked against one snapshot

    outcomes = {}
    for name, page in (("a", page_a), ("b", page_b)):
        done = page.get_by_text(re.compile(r"已导入为快照 #\d+"))
        told = page.get_by_text(text("admin.import_superseded", "zh"))
        expect(done.or_(told)).to_be_visible(timeout=120_000)
        outcomes[name] = "current" if done.count() else "superseded"
    assert sorted(outcomes.values()) == ["current", "superseded"], outcomes
    loser = page_a if outcomes["a"] == "superseded" else page_b
    warning = loser.get_by_test_id("stAlertContentWarning").filter(
        has_text=text("admin.import_superseded", "zh"))
    expect(warning).to_contain_text("另一次导入")
    expect(warning).to_contain_text("another import")

    [current] = database.current()
    assert current not in before and database.partial_snapshots() == []
    stored = {r[0]: (r[1], bool(r[2])) for r in database.execute(
        "SELECT file_name, accepted_rows, is_current FROM snapshots WHERE file_name IN "
        "('admin-a.csv', 'admin-b.csv')")}
    assert {k: v[0] for k, v in stored.items()} == {"admin-a.csv": 3_000, "admin-b.csv": 2_000}
    winner = "admin-a.csv" if outcomes["a"] == "current" else "admin-b.csv"
    assert [k for k, v in stored.items() if v[1]] == [winner]  # nothing lost, nothing mixed
    expect(warning).to_contain_text(f"#{current}")
    # each replica's background writer (a forkserver child of `streamlit run`) writes the row
    # table of the snapshot it imported, the superseded one included
    deadline = time.monotonic() + 120
    while database.rows_pending():
        assert time.monotonic() < deadline, f"row tables never written: {database.rows_pending()}"
        time.sleep(0.2)
    counts = dict(database.execute(
        "SELECT s.file_name, count(r.row_no) FROM snapshots s JOIN roster_rows r "
        "ON r.snapshot_id = s.id WHERE s.file_name IN ('admin-a.csv', 'admin-b.csv') "
        "GROUP BY s.file_name"))
    assert counts == {"admin-a.csv": 3_000, "admin-b.csv": 2_000}


def wait_for_route(context: BrowserContext, route: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while route_of(context) != route:
        assert time.monotonic() < deadline, f"the browser never moved to {route}"
        time.sleep(0.5)


def wait_routed(deployment: Deployment, replica: int, seconds: float = 60) -> None:
    """Until the proxy serves a browser pinned to ``replica`` from it again. A replica that
    failed is skipped by nginx for ``fail_timeout`` (5 s) after it is healthy again: a browser
    pinned to it meanwhile is served by the backup and moved there."""
    import requests

    deadline = time.monotonic() + seconds
    route = f"r{replica}"
    while True:
        got = requests.get(deployment.proxy_url + "/_stcore/health", timeout=10,
                           cookies={"ecert_route": route}).cookies.get("ecert_route")
        if got == route:
            return
        assert time.monotonic() < deadline, f"the proxy never served {route} again (got {got})"
        time.sleep(0.5)


def test_replica_B_killed_mid_session_reconnects_to_A_and_new_sessions_go_to_A(
        contexts, deployment):
    context = contexts(1)
    page = context.new_page()
    page.goto(deployment.proxy_url + "/")
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    answer = page.get_by_text(text("self_service.answer.heading", "zh",
                                   as_of=today_shanghai().isoformat()))
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    assert route_of(context) == "r1"
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    try:
        mark = log_mark(deployment)
        deployment.kill(1)  # SIGKILL: a crash, mid-session
        # Streamlit's page notices, checks /_stcore/health and reconnects its websocket: nginx
        # sends both to A (B's backup), whose answer moves the route cookie to A
        wait_for_route(context, "r0")
        # The cookie moves with the health check, before the websocket is back: a click then
        # is lost (the page shows B's last answer, greyed, until A has drawn it again). Wait
        # for the new websocket and A's first run of the new session (B's session state died
        # with B: that run starts the page afresh, without the answer).
        deadline = time.monotonic() + 60
        while not sockets:
            assert time.monotonic() < deadline, "the page never reconnected"
            page.wait_for_timeout(200)
        settle(page)
        # the page never showed an error and is live again, on A
        load = page.get_by_role("button", name=text("self_service.form.load_example", "zh"))
        load.click()
        for _attempt in range(3):  # a click lost in a redraw on a loaded machine: click again
            try:
                expect(answer).to_be_visible(timeout=15_000)
                break
            except AssertionError:
                settle(page)
                load.click()
        expect(answer).to_be_visible(timeout=TIMEOUT_MS)
        for bad in ("Bad Gateway", "Connection error", "nginx"):
            expect(page.get_by_text(bad)).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.close()  # nginx logs a websocket once it is closed
        deadline = time.monotonic() + 20
        while served(deployment, "/_stcore/stream", 0, mark) < 1:
            assert time.monotonic() < deadline, "the reconnected websocket did not go to A"
            time.sleep(0.5)

        # the next session of this browser, and a brand-new browser, both land on A
        for fresh in (context.new_page(), contexts(None).new_page()):
            fresh.goto(deployment.proxy_url + "/")
            expect(fresh.locator("h1").filter(has_text=text("page.self_service.title", "zh"))) \
                .to_be_visible(timeout=TIMEOUT_MS)
            assert route_of(fresh.context) == "r0"
        assert " 502 " not in deployment.access_log()
    finally:
        deployment.restart(1)
        wait_routed(deployment, 1)  # the next test finds B in the proxy's rotation


# -- accounts across replicas (issue 25) -------------------------------------------------------
PROVINCE_PW = "两台 省级 口令 6610"


def account_login(page: Page, deployment: Deployment, name: str, password: str) -> None:
    page.goto(deployment.proxy_url + "/admin")
    field = page.get_by_role("textbox", name=text("admin.login_name", "zh"))
    expect(field).to_be_visible(timeout=LOGIN_MS)
    field.fill(name)
    page.get_by_label(text("admin.login_password", "zh")).fill(password)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()


def test_an_account_made_on_A_logs_in_on_B_and_the_throttle_counts_across_both(
        contexts, deployment, database):
    import subprocess
    import sys

    from core.roster.store import Store
    from core.rules.roster import roster_at
    from tests.browser.app_server import ROOT

    made = subprocess.run(  # on A's host, with A's settings
        [sys.executable, "-m", "core", "user", "add", "zj", "--role", "province",
         "--province", "浙江"], input=(PROVINCE_PW + "\n").encode(), cwd=ROOT,
        env=deployment.replicas[0].env, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr.decode()

    page_b = contexts(1).new_page()
    account_login(page_b, deployment, "zj", PROVINCE_PW)
    expect(page_b.get_by_test_id("stMetric").first).to_be_visible(timeout=LOGIN_MS)
    store = Store(deployment.db_url)
    try:
        rows = roster_at(store.load(), today_shanghai())
    finally:
        store.close()
    mine = int(rows["employer_province"].str.strip().isin(["浙江", "浙江省"]).sum())
    # the registrations tile, by its label; its value once the run has drawn it (a tile may
    # still show the previous run's number for a moment)
    tile = page_b.get_by_test_id("stMetric").filter(
        has_text=text("admin.m_registrations", "zh")).first
    expect(tile.get_by_test_id("stMetricValue")).to_have_text(f"{mine:,}", timeout=LOGIN_MS)
    assert route_of(page_b.context) == "r1"
    assert database.execute("SELECT count(*) FROM admin_audit WHERE action = 'login_ok' "
                            "AND login = 'zj'") == [(1,)]

    # The throttle, at protocol level through nginx (a browser cannot set X-Forwarded-For on
    # its websocket): each attempt pinned to a replica by the route cookie, its client named
    # in X-Forwarded-For, to which nginx appends the loopback peer (a trusted proxy here).
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from scripts.st_client.session import StreamlitSession

    def run(coro):  # Playwright's sync API keeps an event loop in this thread
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    async def attempt(replica: int, client: str, password: str) -> tuple[bool, str]:
        s = StreamlitSession(deployment.proxy_url, "/admin", timeout=120,
                             headers={"X-Forwarded-For": client})
        s.cookies["ecert_route"] = f"r{replica}"
        try:
            await s.open()
            await s.set(s.need("admin_login_name"), "zj")
            await s.set(s.need("admin_password"), password)
            await s.submit("admin_login")
            return bool(s.elements("metric")), " ".join(s.texts())
        finally:
            await s.close()

    # one client fails on A until it must wait ...
    mark = log_mark(deployment)
    for n in range(9):  # 3 free failures, then waits of 1, 2, 4 … 32 s
        if n:
            time.sleep(0.5 if n < 4 else 2.0 ** (n - 4) + 0.3)  # past each wait: each counts
        ok, shown = run(attempt(0, "203.0.113.66", f"wrong {n}"))
        assert not ok and text("admin.login_wrong", "zh") in shown
    assert served(deployment, "/_stcore/stream", 0, mark) >= 9
    [(failures,)] = database.execute(
        "SELECT failures FROM admin_login_failures WHERE key = 'client:ip:203.0.113.66'")
    assert failures == 9
    # ... and on B the same client is refused even with the right password, unchecked
    mark = log_mark(deployment)
    ok, shown = run(attempt(1, "203.0.113.66", PROVINCE_PW))
    assert not ok and "秒后再试" in shown
    # another client, at the same moment, on B: never held up by those failures
    ok, shown = run(attempt(1, "198.51.100.21", PROVINCE_PW))
    assert ok, shown
    assert served(deployment, "/_stcore/stream", 1, mark) >= 2
    clients = {c for (c,) in database.execute(
        "SELECT client FROM admin_audit WHERE login = 'zj' AND action = 'login_ok'")}
    assert "ip:198.51.100.21" in clients  # the client as nginx forwarded it, not the proxy
