"""The load test's simulated sessions send what Chromium sends (issue 11).

``scripts/load.py`` drives the server with ``scripts/st_client/session.StreamlitSession``, a
browser tab at protocol level. Here two Chromium sessions (a constructor on ``/``, an admin on
``/admin``) do the load test's journeys while their websocket frames are captured
(``page.on("websocket")`` -> ``framesent``) and decoded as ``BackMsg``; the simulator does the
same journeys against the same server, and each step's messages must have the same shape: the
same message type, the same ``ClientState`` fields set, query string, page hash or name,
fragment, context, cached-message hashes, and the same widget states (ids, value kinds, values,
triggers); for the summary's deferred download, a ``backend_operation_request`` of the same
form naming the session. A Streamlit upgrade that changes what the browser sends fails here
before the load test measures something no browser does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from google.protobuf import text_format
from playwright.sync_api import Page, expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from core.admin.auth import hash_password
from core.policy.dates import today_shanghai
from scripts.load_journeys import as_of_dates
from scripts.st_client.session import StreamlitSession
from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from ui.i18n import text

pytestmark = pytest.mark.browser

PASSWORD = "load-protocol-check"
PROVINCE = "北京"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_app(tmp_path_factory.mktemp("load-protocol"),
                          {"ECERT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)})
    try:
        yield url
    finally:
        stop_app(proc)


class Capture:
    """The BackMsgs a page sends, by step, and the number of finished script runs it saw."""

    def __init__(self, page: Page):
        self.page = page
        self.steps: dict[str, list[BackMsg]] = {}
        self.current = "open"
        self.finished = 0
        self.session_ids: set[str] = set()
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", self._sent)
            ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        msg = BackMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.is_auto_rerun:
            return  # a timer's fragment rerun (the admin idle watch), not the user's step
        self.steps.setdefault(self.current, []).append(msg)

    def _received(self, payload) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "new_session" and msg.new_session.initialize.session_id:
            self.session_ids.add(msg.new_session.initialize.session_id)
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
                ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self.finished += 1

    def step(self, name: str, action, *visible, run: bool = True) -> None:
        """Run ``action`` as step ``name``; wait for ``visible`` and (``run``) a finished run."""
        self.current = name
        self.steps.setdefault(name, [])
        before = self.finished
        action()
        for locator in visible:
            expect(locator).to_be_visible(timeout=TIMEOUT_MS)
        if not run:
            self.page.wait_for_timeout(300)
            return
        for _ in range(TIMEOUT_MS // 100):
            if self.finished > before:
                break
            self.page.wait_for_timeout(100)
        assert self.finished > before, f"{name}: no script run finished in the browser"
        self.settle()

    def settle(self) -> None:
        """Wait until the page has mounted what the run drew (a widget registers its value when
        React mounts it; a large page takes a while in a busy browser): the number of elements
        unchanged over three looks 300 ms apart."""
        elements = self.page.locator('[data-testid="stElementContainer"]')
        last, same = -1, 0
        for _ in range(TIMEOUT_MS // 300):
            n = elements.count()
            same = same + 1 if n == last else 0
            if same >= 3:
                return
            last = n
            self.page.wait_for_timeout(300)


def shape(msg: BackMsg) -> dict:
    """What must agree between Chromium and the simulator for one BackMsg."""
    kind = msg.WhichOneof("type")
    if kind == "backend_operation_request":  # ids differ per session: their form must agree
        req = msg.backend_operation_request
        return {"type": kind, "fields": sorted(f.name for f, _ in req.ListFields()),
                "payload": req.WhichOneof("payload"), "request_id_length": len(req.request_id),
                "deferred_file_fields": sorted(f.name for f, _ in req.deferred_file.ListFields())}
    if kind != "rerun_script":
        return {"type": kind}
    cs = msg.rerun_script
    return {
        "type": kind,
        "fields": sorted(f.name for f, _ in cs.ListFields()),
        "query_string": cs.query_string,
        "page_script_hash": cs.page_script_hash,
        "page_name": cs.page_name,
        "fragment_id": cs.fragment_id,
        "is_auto_rerun": cs.is_auto_rerun,
        "context_info": text_format.MessageToString(cs.context_info, as_utf8=True),
        "cached_message_hashes": sorted(cs.cached_message_hashes),
        "widgets": {w.id: text_format.MessageToString(w, as_utf8=True)
                    for w in cs.widget_states.widgets},
    }


def simulated(base_url: str, path: str, journey) -> dict[str, list[BackMsg]]:
    """The simulator's BackMsgs for ``journey`` (an async function of the session), by step."""
    steps: dict[str, list[BackMsg]] = {}

    async def run() -> None:
        sim = StreamlitSession(base_url, path=path, timeout=60)
        try:
            async for name in journey(sim):
                steps[name] = list(sim.sent)
                sim.sent.clear()
        finally:
            await sim.close()

    # Playwright's sync API owns this thread's event loop: the simulator runs in another thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()
    return steps


def compare(browser: dict[str, list[BackMsg]], sim: dict[str, list[BackMsg]]) -> None:
    assert list(browser) == list(sim), "the journeys' steps differ"
    for step in browser:
        b = [shape(m) for m in browser[step]]
        s = [shape(m) for m in sim[step]]
        assert len(b) == len(s), f"{step}: browser sent {len(b)}, simulator {len(s)}"
        for one_b, one_s in zip(b, s, strict=True):
            for key in one_b:
                assert one_b[key] == one_s[key], f"{step}: {key} differs"


def test_a_constructor_session_sends_what_chromium_sends(browser, server: str):
    today = today_shanghai()
    new_date = as_of_dates(today)[0]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        cap = Capture(page)
        title = page.locator("h1").filter(has_text=text("page.self_service.title", "zh"))
        example = page.get_by_role("button", name=text("self_service.form.load_example", "zh"))
        cap.step("open", lambda: page.goto(server + "/"), title, example)
        cap.step("example", example.click, page.get_by_text(
            text("self_service.answer.heading", "zh", as_of=today.isoformat()), exact=True))
        cap.step("preview", page.get_by_role("button", name=text("certificate.build", "zh")).click,
                 page.get_by_test_id("stImage"))

        def press_r() -> None:
            title.click()  # focus outside any input: "r" is Streamlit's rerun key
            page.keyboard.press("r")

        cap.step("rerun", press_r)

        def type_date() -> None:
            field = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput")
            field.locator('[data-type="year"]').click()
            page.keyboard.type(new_date.strftime("%Y%m%d"))
            title.click()  # leaving the field commits the date

        cap.step("as_of", type_date, page.get_by_text(
            text("self_service.answer.heading", "zh", as_of=new_date.isoformat()), exact=True))
        cap.step("rerun_after_as_of", press_r)

        def download(label: str, suffix: str):
            def action() -> None:
                with page.expect_download() as info:
                    page.get_by_role("button", name=text(label, "zh")).click()
                assert info.value.suggested_filename.endswith(suffix)
            return action

        # the calendar is drawn with the page (a plain GET), the summary is deferred
        cap.step("calendar", download("answer_tools.calendar", ".ics"), run=False)
        cap.step("summary", download("answer_tools.summary", ".pdf"), run=False)
        assert not page.get_by_test_id("stException").count()
    finally:
        context.close()

    async def journey(sim: StreamlitSession):
        await sim.open()
        yield "open"
        await sim.click(sim.need("self_service.load_example"))
        yield "example"
        await sim.click(sim.need("certificate.build"))
        assert sim.elements("imgs"), "the simulator sees no certificate image"
        yield "preview"
        await sim.rerun()
        yield "rerun"
        await sim.set(sim.need("as_of", "date_input"), new_date)
        yield "as_of"
        await sim.rerun()
        yield "rerun_after_as_of"
        await sim.click(sim.need("answer_tools.calendar", "download_button"))
        yield "calendar"
        await sim.click(sim.need("answer_tools.summary", "download_button"))
        yield "summary"
        sim_session_ids.add(sim.session_id)

    sim_session_ids: set[str] = set()
    sim = simulated(server, "/", journey)
    compare(cap.steps, sim)
    for step in ("open", "example", "preview", "rerun", "as_of", "rerun_after_as_of"):
        assert cap.steps[step], f"{step}: the browser sent nothing"
    # the deferred download names the session that drew the button, on both sides
    [browser_request] = cap.steps["summary"]
    assert browser_request.backend_operation_request.session_id in cap.session_ids
    assert sim["summary"][0].backend_operation_request.session_id in sim_session_ids
    # the date change reached the address, and both sent it back on the next rerun
    assert cap.steps["rerun_after_as_of"][0].rerun_script.query_string == \
        f"as_of={new_date.isoformat()}"


def test_an_admin_session_sends_what_chromium_sends(browser, server: str):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        cap = Capture(page)
        password = page.get_by_label(text("admin.login_password", "zh"))
        cap.step("open", lambda: page.goto(server + "/admin"), password)

        def login() -> None:
            password.fill(PASSWORD)
            page.get_by_role("button", name=text("admin.login_button", "zh")).click()

        cap.step("login", login, page.get_by_test_id("stMetric").first)
        # the import tab (not shown) is the last part drawn: its uploader mounted, every widget
        # of the page has registered its value before the next step
        expect(page.get_by_test_id("stFileUploader").first).to_be_attached(timeout=TIMEOUT_MS)
        cap.settle()

        province = page.get_by_test_id("stMultiSelect").filter(
            has_text=text("admin.filter_province", "zh"))

        def choose_province() -> None:
            province.locator("input").click()
            page.keyboard.type(PROVINCE)
            page.get_by_role("option", name=PROVINCE, exact=True).click()
            page.keyboard.press("Escape")

        cap.step("filter", choose_province, province.get_by_text(PROVINCE))

        def press_r() -> None:
            page.locator("h1").first.click()
            page.keyboard.press("r")

        cap.step("rerun", press_r)
    finally:
        context.close()

    async def journey(sim: StreamlitSession):
        await sim.open()
        yield "open"
        await sim.set(sim.need("admin_password"), PASSWORD)
        await sim.submit("admin_login")
        assert sim.elements("metric"), "the simulator is not logged in"
        yield "login"
        await sim.set(sim.need("admin_f_province"), [PROVINCE])
        yield "filter"
        await sim.rerun()
        yield "rerun"

    sim = simulated(server, "/admin", journey)
    compare(cap.steps, sim)
    # large messages were cached by the browser and offered back: the simulator did the same
    assert cap.steps["rerun"][0].rerun_script.cached_message_hashes


def test_the_shape_comparison_sees_a_difference():
    """The comparison is not blind: a trigger or a value that differs is caught."""
    a, b = BackMsg(), BackMsg()
    a.rerun_script.widget_states.widgets.add(id="x", trigger_value=True)
    b.rerun_script.widget_states.widgets.add(id="x", bool_value=True)
    with pytest.raises(AssertionError):
        compare({"s": [a]}, {"s": [b]})
    c = BackMsg()
    c.rerun_script.CopyFrom(a.rerun_script)
    c.rerun_script.query_string = "as_of=2026-01-01"
    with pytest.raises(AssertionError):
        compare({"s": [a]}, {"s": [c]})
    compare({"s": [a]}, {"s": [a]})
