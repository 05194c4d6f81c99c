"""The attacks of issue 25 on a running server, at protocol level (scripts/st_client/session.py:
what an attacker's script sends, no browser).

* **Fragment reruns**: the dashboard's filters are an ``st.fragment``; a rerun of it used to
  check only that the session had logged in once, so after the idle timeout (and from a second
  websocket with the admin's session id) it still returned the dashboard and its CSV export,
  and the export's deferred download still ran. Now every entry point asks the one guard.
* **Forged widget states**: a province account sends the province filter of another province
  (a value its page would filter to nothing) and downloads the export: nothing of that province.
* **Rotating X-Forwarded-For**: eight anonymous tasks guessing with a new forwarded address each
  time kept the admin from logging in (every private or loopback peer was believed as a proxy,
  and a global count refused even a right password). Forwarded headers are believed only from
  ``ECERT_TRUSTED_PROXIES``, and only a client's own failures make it wait.
"""

from __future__ import annotations

import asyncio
import io
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from core.admin import audit
from core.admin.accounts import Accounts
from core.admin.auth import hash_password
from core.demo.seed import ensure_demo
from core.roster.store import Store
from scripts.st_client.errors import PageError
from scripts.st_client.session import StreamlitSession
from tests.browser.app_server import start_app, stop_app
from ui.i18n import text

pytestmark = pytest.mark.browser

ENV_PW = "fragment 口令 7781"
PW = "province 口令 2204"
IDLE_MINUTES = 0.5  # 30 s: long enough for every step on a busy machine (the code before
# issue 25 read any value under 1 as 1 minute)
PROVINCE = "广东"
OTHER = "北京"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple]:
    tmp = tmp_path_factory.mktemp("account-attacks")
    db = f"sqlite:///{(tmp / 'ecert.db').as_posix()}"
    store = Store(db)
    ensure_demo(store)
    try:
        Accounts(store).add("gd", "province", [PROVINCE], PW)
        Accounts(store).add("look", "viewer", [], PW)
    except Exception:  # noqa: BLE001 - the code before issue 25 has no accounts
        pass
    store.close()
    env = {"ECERT_ADMIN_PASSWORD_HASH": hash_password(ENV_PW), "ECERT_DB_URL": db,
           "ECERT_ADMIN_IDLE_MINUTES": str(IDLE_MINUTES), "STREAMLIT_LOGGER_LEVEL": "debug"}
    proc, url = start_app(tmp, extra_env=env)
    try:
        yield proc, url, tmp, db
    finally:
        stop_app(proc)


def run(coro):
    """The coroutine on a loop of its own thread: a Playwright test earlier in the same process
    keeps an event loop running on the main thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def logged_in_session(url: str, password: str, name: str = "",
                            **kw) -> StreamlitSession:
    s = StreamlitSession(url, "/admin", timeout=120, **kw)
    await s.open()
    if name:
        await s.set(s.need("admin_login_name"), name)
    await s.set(s.need("admin_password"), password)
    await s.submit("admin_login")
    return s


def shows_data(s: StreamlitSession) -> bool:
    return bool(s.elements("metric") or s.elements("download_button"))


async def export_bytes(s: StreamlitSession) -> bytes:
    node = s.find(key="admin_export_csv")
    assert node is not None, "no export button"
    url = await s._deferred_file(node.element.deferred_file_id)
    r = await s._get(url.replace(s.base_url, "") if url.startswith("http") else url)
    return r.content


def test_a_fragment_rerun_after_the_idle_timeout_shows_and_sends_nothing(server):
    _, url, _, _ = server

    async def attack():
        s = await logged_in_session(url, ENV_PW)
        assert shows_data(s), s.problems()
        province = s.need("admin_f_province")
        assert province.fragment_id, "the filters are a fragment"
        export = s.find(key="admin_export_csv")
        assert export is not None and export.element.deferred_file_id
        file_id = export.element.deferred_file_id
        await asyncio.sleep(IDLE_MINUTES * 60 + 3)  # idle: no run of this session
        await s.set(province, [OTHER])  # a fragment rerun, as the filter sends it
        after = shows_data(s)
        texts = " ".join(s.texts())
        refused = False
        try:
            await s._deferred_file(file_id)  # the export drawn before the timeout
        except PageError:
            refused = True
        await s.close()
        return after, texts, refused

    after, texts, refused = run(attack())
    assert not after, "a fragment rerun after the idle timeout still shows the dashboard"
    assert text("admin.login_password", "zh") in texts
    assert refused, "the export's deferred download still ran after the idle timeout"
    log = audit.read(Store(server[3]))
    assert "idle_timeout" in list(log["action"])


def test_a_second_websocket_with_the_session_id_gets_no_fragment_and_no_export(server):
    _, url, _, _ = server

    async def attack():
        s = await logged_in_session(url, ENV_PW)
        assert shows_data(s)
        file_id = s.find(key="admin_export_csv").element.deferred_file_id
        province = s.need("admin_f_province")
        # the thief: its own cookies, the admin's session id as the third subprotocol entry
        thief = StreamlitSession(url, "/admin", timeout=120)
        await thief._get("/_stcore/health")
        from websockets.asyncio.client import connect

        thief.ws = await connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit", thief.cookies["_streamlit_xsrf"], s.session_id],
            additional_headers={"Cookie": f"_streamlit_xsrf={thief.cookies['_streamlit_xsrf']}"},
            origin=url, max_size=None)
        thief.session_id = s.session_id
        thief.committed = dict(s.committed)
        thief.page_script_hash = s.page_script_hash
        await thief._rerun(fragment_id=province.fragment_id)
        stolen_view = shows_data(thief)
        try:
            await thief._deferred_file(file_id)
            stolen_file = True
        except PageError:
            stolen_file = False
        await thief.close()
        await s.close()
        return stolen_view, stolen_file

    stolen_view, stolen_file = run(attack())
    assert not stolen_view and not stolen_file


def test_a_province_account_forging_another_province_gets_nothing_of_it(server):
    _, url, _, db = server

    async def attack():
        s = await logged_in_session(url, PW, "gd")
        assert shows_data(s), s.problems()
        assert not s.find(key="admin_audit_csv") and not s.find(key="admin_accept")
        await s.set(s.need("admin_f_province"), [PROVINCE])
        mine = await export_bytes(s)
        await s.set(s.need("admin_f_province"), [OTHER])  # forged: not its province
        metrics = [n.element.body for n in s.elements("metric")]
        forged = await export_bytes(s) if s.find(key="admin_export_csv") and \
            not s.find(key="admin_export_csv").element.disabled else b""
        await s.close()
        return mine, metrics, forged

    mine, metrics, forged = run(attack())
    table = pd.read_csv(io.BytesIO(mine), encoding="utf-8-sig")
    column = text("admin.col.employer_province", "zh")
    assert len(table) and set(table[column].str.strip()) <= {PROVINCE, PROVINCE + "省"}
    assert OTHER.encode() not in forged
    assert metrics and metrics[0] == "0"
    downloads = audit.read(Store(db), action="download")
    assert (downloads["login"] == "gd").any()
    assert "province=" + PROVINCE in " ".join(downloads["detail"])


def test_a_viewer_receives_no_byte_of_a_persons_data(server):
    """Everything the server sends a viewer's session (every element of every run, the filter
    forged to one province included) holds no name or registration number of the roster."""
    _, url, _, db = server
    roster = Store(db).load()
    names = [n for n in roster["name"].dropna().astype(str).unique() if len(n) >= 2][:300]
    numbers = list(roster["registration_number"].dropna().astype(str).unique()[:300])

    async def look():
        s = await logged_in_session(url, PW, "look")
        assert s.elements("metric"), s.problems()
        sent = [n.element.SerializeToString() for n in s.nodes.values()]
        await s.set(s.need("admin_f_province"), [PROVINCE])
        sent += [n.element.SerializeToString() for n in s.nodes.values()]
        downloads = s.elements("download_button")
        await s.close()
        return b"".join(sent), downloads

    data, downloads = run(look())
    assert not downloads
    leaked = [v for v in names + numbers if v.encode() in data]
    assert not leaked, leaked[:5]


def test_rotating_forwarded_addresses_do_not_stop_the_admin(server):  # keep it last: it leaves
    # 127.0.0.1 (every local client but the admin's 127.0.0.2) waiting for up to a minute
    """8 anonymous tasks guess with a new X-Forwarded-For each time for 20 s; meanwhile the
    admin, on another address (127.0.0.2), logs in with the right password."""
    _, url, _, _ = server
    stop = time.monotonic() + 20

    async def attacker(n: int) -> int:
        tries = 0
        while time.monotonic() < stop:
            fake = f"203.0.113.{random.randint(1, 254)}"
            s = StreamlitSession(url, "/admin", timeout=60,
                                 headers={"X-Forwarded-For": fake})
            try:
                await s.open()
                if s.find(key="admin_login_name"):
                    await s.set(s.need("admin_login_name"), "admin")
                await s.set(s.need("admin_password"), f"guess {n} {tries}")
                await s.submit("admin_login")
                tries += 1
            except Exception:  # noqa: BLE001 - a refused or slow attempt is still an attempt
                pass
            finally:
                await s.close()
        return tries

    seen: list[str] = []

    async def admin() -> tuple[int, int]:
        await asyncio.sleep(6)  # the attack is under way
        tries = 0
        while time.monotonic() < stop + 30:
            tries += 1
            s = StreamlitSession(url, "/admin", timeout=60, local_host="127.0.0.2")
            await s.open()
            await s.set(s.need("admin_password"), ENV_PW)  # the name left empty: admin
            await s.submit("admin_login")
            ok = shows_data(s)
            seen.append(" | ".join(s.problems()))
            await s.close()
            if ok:
                return tries, 1
            await asyncio.sleep(2)
        return tries, 0

    async def both():
        results = await asyncio.gather(admin(), *[attacker(n) for n in range(8)])
        return results[0], sum(results[1:])

    (tries, ok), guesses = run(both())
    assert guesses > 8
    assert ok == 1 and tries <= 3, f"the admin needed {tries} tries (logged in: {ok}): {seen}"
