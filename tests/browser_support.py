"""A real Streamlit server and a real browser (Debian chromium through Playwright).

Fixtures (imported into conftest.py, so every test file can use them):
    browser       (session) one headless chromium for the whole run; give each test its own
                  context: `context = browser.new_context()` ... `context.close()`.
    start_server  (function) factory: start_server(env, name="app") -> Server; starts
                  `streamlit run app.py` on a free port with `env` added to the environment,
                  waits for /_stcore/health, stops it at the end of the test.
    served_app    (module) one Server on the co-op store (conftest.coop_db) and the test
                  accounts, shared by a module's tests (its .env says which files it uses).

Helpers: wait_idle(page) waits for the script to finish; one(locator) waits until a locator
matches exactly one element (stale copies linger during a rerun); log_in(page, url, login) fills
the login form; choose / options_of work selectboxes and multiselects; metric_value(page, label)
reads an st.metric; wait_table_rows(page, n) checks a short st.dataframe's row count; page_text(page).
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


def launch_server(env: dict[str, str], log: Path, timeout: float = 30.0) -> Server:
    """`streamlit run app.py` as Streamlit's own e2e suite starts it; output to a file."""
    port = free_port()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
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


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
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

def wait_idle(page, timeout: float = 20_000) -> None:
    """Wait until the app's script run has finished (and the page has settled)."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(150)  # let a rerun that was just triggered flip the state
    page.wait_for_selector(IDLE, timeout=timeout)


def page_text(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text()


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
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Logged in as", timeout=20_000)
    wait_idle(page)


def metric_value(page, label: str) -> str:
    """The value shown by the st.metric whose label contains `label`."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    return metric.locator("[data-testid='stMetricValue']").first.inner_text().strip()


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
