"""A real Streamlit server and a real browser (Debian chromium through Playwright).

Fixtures (imported into conftest.py, so every test file can use them):
    browser       (session) one headless chromium for the whole run; give each test its own
                  context: `context = browser.new_context()` ... `context.close()`.
    start_server  (function) factory: start_server(env, name="app") -> Server; starts
                  `streamlit run app.py` on a free port with `env` added to the environment,
                  waits for /_stcore/health, stops it at the end of the test.
    served_app    (module) one Server on the co-op store (conftest.coop_db) and the test
                  accounts, shared by a module's tests (its .env says which files it uses).

Helpers: wait_idle(page) waits until every script run the page asked for has finished; one(locator)
waits until a locator matches exactly one element (stale copies linger during a rerun);
log_in(page, url, login) fills the login form; choose / options_of work selectboxes and
multiselects; metric_value(page, label) reads an st.metric; wait_table_rows(page, n) checks a short
st.dataframe's row count; page_text(page); sent_to(page) is every byte the server sent the page
(table cells are drawn on a canvas, so a name in a table is in these frames, never in page_text).

Every page of a context made from the `browser` fixture has its websocket watched (Frames): the
client asks for a script run with a BackMsg `rerun_script`, and the server ends each run with a
ForwardMsg `script_finished`. wait_idle waits for that, not for a fixed time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import support

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    env: dict

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def launch_server(env: dict[str, str], log: Path, timeout: float = 30.0, root: Path = ROOT) -> Server:
    """`streamlit run app.py` as Streamlit's own e2e suite starts it; output to a file. `root`: another
    checkout of the project, run with its own .venv (a benchmark's baseline)."""
    port = free_port()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    python = sys.executable if root == ROOT else str(root / ".venv" / "bin" / "python")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [python, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=root, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log, env)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=1) as response:
                if response.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"streamlit did not start:\n{server.log_text()}")
        time.sleep(0.1)


class Frames:
    """What a page's Streamlit websocket carried: script runs asked for and finished, and every
    message the server sent (bytes, as received)."""

    def __init__(self):
        self.received: list[bytes] = []
        self.received_before_request = 0  # len(received) when the newest rerun was asked for
        self.events = 0            # every rerun request and every finished run, in order
        self.last_request = -1     # event number of the newest rerun request
        self.last_finished = -1    # event number of the newest finished run

    def on_sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: PLC0415

        if isinstance(payload, str):
            return
        try:
            kind = BackMsg.FromString(payload).WhichOneof("type")
        except Exception:  # noqa: BLE001 — not a BackMsg: nothing to count
            return
        if kind == "rerun_script":
            self.events += 1
            self.last_request = self.events
            self.received_before_request = len(self.received)

    def on_received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: PLC0415

        if isinstance(payload, str):
            payload = payload.encode()
        self.received.append(payload)
        try:
            msg = ForwardMsg.FromString(payload)
        except Exception:  # noqa: BLE001 — not a ForwardMsg: nothing to count
            return
        if msg.WhichOneof("type") == "script_finished" \
                and msg.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
            self.events += 1
            self.last_finished = self.events

    @property
    def settled(self) -> bool:
        """Every run asked for so far has finished (and at least one run happened)."""
        return self.last_finished > self.last_request


_FRAMES: dict[int, Frames] = {}


def _watch(page) -> None:
    frames = _FRAMES.setdefault(id(page), Frames())

    def on_websocket(ws) -> None:
        ws.on("framesent", frames.on_sent)
        ws.on("framereceived", frames.on_received)

    page.on("websocket", on_websocket)
    page.on("close", lambda _: _FRAMES.pop(id(page), None))


def frames_of(page) -> Frames | None:
    return _FRAMES.get(id(page))


class WatchedBrowser:
    """The launched browser; each of its contexts watches the websocket of every page it opens."""

    def __init__(self, launched):
        self._launched = launched

    def new_context(self, **options):
        context = self._launched.new_context(**options)
        context.on("page", _watch)
        return context

    def new_page(self, **options):
        page = self._launched.new_page(**options)
        _watch(page)
        return page

    def __getattr__(self, name):
        return getattr(self._launched, name)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield WatchedBrowser(launched)
        launched.close()


@pytest.fixture
def start_server(tmp_path):
    started: list[Server] = []

    def start(env: dict[str, str], name: str = "app") -> Server:
        server = launch_server(env, tmp_path / f"{name}-{len(started)}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def served_app(coop_db, auth_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    auth = folder / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    server = launch_server(support.test_env(coop_db, auth, folder / "no-cookie-key"), folder / "server.log")
    yield server
    server.stop()


# -- page helpers ------------------------------------------------------------------------

def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until every script run the page has asked for has finished and the page shows it.
    A click's rerun request is a websocket message the page sends at once, so a run that was
    just triggered but not started yet is waited for too."""
    frames = frames_of(page)
    deadline = time.monotonic() + timeout / 1000
    if frames is not None:
        while not frames.settled:
            assert time.monotonic() < deadline, "the app did not finish its script run"
            page.wait_for_timeout(20)  # lets Playwright deliver the websocket events
    page.wait_for_selector(IDLE, timeout=timeout)


def page_text(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text()


def sent_to(page, since_last_request: bool = False) -> bytes:
    """Every message the server sent this page so far (or since the page last asked for a run,
    e.g. the logout click), joined: table cells travel as Arrow data inside them (UTF-8 strings
    as they are), so a name the page was sent is found here."""
    frames = frames_of(page)
    assert frames is not None, "open the page from a context of the `browser` fixture"
    return b"\n".join(frames.received[frames.received_before_request if since_last_request else 0:])


def assert_not_sent(page, names, since_last_request: bool = False) -> None:
    data = sent_to(page, since_last_request)
    for name in names:
        assert name.encode() not in data, f"{name!r} was sent to the page"


def one(locator, timeout: float = 20_000):
    """The locator once it matches exactly one element. While a run replaces the page, the
    old page's elements can linger next to the new ones for a moment (e.g. two titles)."""
    from playwright.sync_api import expect  # noqa: PLC0415

    expect(locator).to_have_count(1, timeout=timeout)
    return locator


def log_in(page, url: str, login) -> None:
    """Open url, fill the login form with login.username / login.password and submit."""
    page.goto(url)
    wait_idle(page)
    one(page.get_by_role("textbox", name="Username")).fill(login.username)
    page.get_by_role("textbox", name="Password").fill(login.password)
    page.get_by_role("button", name="Login").click()
    # "Logged in as" in English, "Logget inn som" for an account that reads Norwegian.
    page.wait_for_selector("[data-testid='stSidebar'] >> text=/Logged in as|Logget inn som/", timeout=20_000)
    wait_idle(page)
    # Under load the browser may still be mounting the sidebar's widgets when the run has ended
    # (seen once in a full run: its captions shown, its Log out button and language picker not yet).
    page.wait_for_selector("[data-testid='stSidebar'] button:has-text('Log out'), "
                           "[data-testid='stSidebar'] button:has-text('Logg ut')", timeout=20_000)


def metric_value(page, label: str) -> str:
    """The value shown by the st.metric whose label contains `label`."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    # Babel writes no-break spaces ("7 148,5 kWh"): compared as plain spaces.
    text = metric.locator("[data-testid='stMetricValue']").first.inner_text().strip()
    return text.replace("\xa0", " ").replace("\u202f", " ")


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox or multiselect labelled `label` (both are comboboxes)."""
    one(page.get_by_role("combobox", name=label, exact=True)).click()
    one(page.get_by_role("option", name=option, exact=True)).click()
    page.keyboard.press("Escape")
    wait_idle(page)


def options_of(page, label: str) -> list[str]:
    """The options a selectbox or multiselect offers (opens it and closes it again)."""
    one(page.get_by_role("combobox", name=label, exact=True)).click()
    page.get_by_role("option").first.wait_for()
    options = [text.strip() for text in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return options


GRID_HEADER_PX, GRID_ROW_PX = 35, 35


def table_rows(page, index: int = 0) -> int:
    """Rows shown by the index-th st.dataframe. Its cells are drawn on a canvas with no
    accessible text; the canvas's height follows the row count (header and rows 35 px each)
    up to its 10-row default height, so only use this for tables of up to 10 rows."""
    canvas = page.locator("[data-testid='stDataFrame'] [data-testid='data-grid-canvas']").nth(index)
    height = int(canvas.get_attribute("height"))
    rows, rest = divmod(height - GRID_HEADER_PX, GRID_ROW_PX)
    assert rest in (0, 1, 2) and rows <= 10, f"grid of {height} px: not a short table"
    return rows


def wait_table_rows(page, rows: int, index: int = 0, timeout: float = 10_000) -> int:
    """Wait until the index-th st.dataframe shows `rows` rows (the grid redraws after the
    script run ends); returns the rows shown then. Same limits as table_rows."""
    try:
        page.wait_for_function(
            """([index, px]) => {
                const c = document.querySelectorAll("[data-testid='stDataFrame'] [data-testid='data-grid-canvas']")[index];
                return c && Math.abs(parseInt(c.getAttribute("height")) - px) <= 2;
            }""", arg=[index, GRID_HEADER_PX + rows * GRID_ROW_PX], timeout=timeout)
    except Exception:  # noqa: BLE001, S110 — the assertion below says what was shown instead
        pass
    return table_rows(page, index)
