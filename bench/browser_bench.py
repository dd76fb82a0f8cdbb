"""What the browser benchmarks share: their stores and accounts, the server, and a logged-in
browser session that times how long a page takes to show its first figure.

Stores live in bench/out/ and are built once:
* demo: `python -m chargeboard_demo` (24 stations, 2 years), with the demo accounts (README);
* N sessions: bench/generate_feeds.py's CSV feed, with the accounts below, password demo-<name>.

A page's *first figure* is its first KPI tile (st.metric), chart or table drawn by the new run:
elements of the previous run stay on screen marked `data-stale="true"` until replaced, so only
non-stale ones count, under the new page's own title.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM, CHROMIUM_ARGS, Server, launch_server  # noqa: E402
from server_log.bench_figures import is_figure  # noqa: E402

COOKIE_KEY = "bench-cookie-key-" + "k" * 40

# A page's first figure: a KPI tile, a chart or a table, of this run (not stale), or the page's
# own notice when it has nothing to draw (an empty scope), or its first expander (Data quality's checks).
FIRST_FIGURE_JS = """(title) => {
  const fresh = (el) => !el.closest("[data-stale='true']");
  const main = document.querySelector("[data-testid='stMain']") || document;
  const heading = [...main.querySelectorAll("h1")].find((h) => fresh(h) && h.innerText.trim().startsWith(title));
  if (!heading) return false;
  const figures = main.querySelectorAll(
    "[data-testid='stMetric'], [data-testid='stPlotlyChart'] .main-svg, [data-testid='stDataFrame'] canvas, "
    + "[data-testid='stAlert'], [data-testid='stExpander']");
  return [...figures].some(fresh);
}"""

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    landing: str            # title of the page the role lands on
    pages: tuple[tuple[str, str], ...]  # (menu link text, page title) visited in turn


SYSTEM_OWNER_PAGES = (("Charge history", "Charge history"), ("Charge reports", "Charge reports"),
                      ("Statements", "Statements"), ("Meter reconciliation", "Meter reconciliation"),
                      ("Data quality", "Data quality"), ("Board dashboard", "Board dashboard"))
RESIDENT_PAGES = (("Charge history", "Charge history"), ("Charge reports", "Charge reports"),
                  ("Statements", "Statements"), ("My usage", "My usage"))
CHARGER_OWNER_PAGES = (("My charging stations", "My charging stations"), ("Charge history", "Charge history"),
                       ("Charge reports", "Charge reports"), ("My usage", "My usage"))

LOGINS = {
    "styret": Login("styret", "demo-styret", "Board dashboard", SYSTEM_OWNER_PAGES),
    "per": Login("per", "demo-per", "My usage", CHARGER_OWNER_PAGES),
    "kari": Login("kari", "demo-kari", "My usage", RESIDENT_PAGES),
    "ola": Login("ola", "demo-ola", "My usage", RESIDENT_PAGES),
}


def demo_store() -> tuple[Path, Path]:
    """The demo store and its accounts (README: Demo logins), built once into bench/out/demo/. The
    bench finds pages by their English titles, so its copy's accounts read English (the demo's
    styret, per and kari read Norwegian; the work a page does is the same in either language)."""
    db = OUT / "demo" / "chargeboard.duckdb"
    auth = db.with_name("chargeboard.auth.yaml")
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "chargeboard_demo", "--db", str(db)], cwd=ROOT, check=True,
                       env={**os.environ, "CHARGEBOARD_COOKIE_KEY": COOKIE_KEY})
    _in_english(auth)
    return db, auth


def sessions_store(sessions: int) -> tuple[Path, Path]:
    """A store of `sessions` generated sessions (bench/generate_feeds.py, CSV) and accounts like the
    demo's: styret (system owner), per (charger owner of one site's 20 stations), kari and ola
    (residents linked to two of the feed's users by e-mail). Built once."""
    from generate_feeds import feed  # noqa: PLC0415

    from chargeboard import accounts  # noqa: PLC0415
    from chargeboard.ingest import ingest_file  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    db = OUT / f"store-{sessions}" / "chargeboard.duckdb"
    auth = db.with_name("chargeboard.auth.yaml")
    if db.exists() and auth.exists():
        _in_english(auth)  # (a store built before the accounts' language was set)
        return db, auth
    csv_feed = feed(sessions, "csv")
    db.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db)
    try:
        if store.one("newest_session", _system())[0] is None:
            ingest_file(store, csv_feed, show_progress=True)
        # The two busiest users with an e-mail of their own: a resident with a full history.
        emails = [r[0] for r in store.cursor().execute(
            "SELECT u.email FROM users u JOIN sessions s USING (user_id) WHERE u.email IS NOT NULL "
            "GROUP BY u.email HAVING count(DISTINCT u.user_id) = 1 ORDER BY count(*) DESC, u.email LIMIT 2"
        ).fetchall()]
    finally:
        store.close()
    accounts.write_new_file(auth)
    accounts.add_user("styret", name="Styret", email="styret@example.org", role="system_owner",
                      password="demo-styret", path=auth, by="(bench)")
    accounts.add_user("per", name="Per", email="per@example.org", role="charger_owner", password="demo-per",
                      stations=[f"ZAP{n:06d}" for n in range(1, 21)], path=auth, by="(bench)")
    for name, email in zip(("kari", "ola"), emails, strict=True):
        accounts.add_user(name, name=name.title(), email=email, role="resident", password=f"demo-{name}",
                          path=auth, by="(bench)")
    _in_english(auth)
    return db, auth


def _in_english(auth: Path) -> None:
    """The bench finds pages by their English titles; an account reads the store's default (nb) or
    the demo's own choice until told otherwise."""
    from chargeboard import accounts  # noqa: PLC0415

    for username in LOGINS:
        if accounts.find_account(username, auth).language != "en":
            accounts.set_language(username, "en", path=auth, by="(bench)")


def _system():
    from chargeboard.scope import system_scope  # noqa: PLC0415

    return system_scope()


def start_app(db: Path, auth: Path, log_name: str, extra_env: dict | None = None, root: Path = ROOT) -> Server:
    """`streamlit run app.py` on the store; `root` another checkout of the project (a baseline)."""
    env = {"CHARGEBOARD_DB": str(db), "CHARGEBOARD_AUTH": str(auth), "CHARGEBOARD_COOKIE_KEY": COOKIE_KEY,
           "CHARGEBOARD_LOGIN_SLEEP": "0", "CHARGEBOARD_SECRET_FILE": str(db.with_name("sync-key")),
           "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),  # as `make run` starts it
           **(extra_env or {})}
    return launch_server(env, OUT / "logs" / f"{log_name}.log", timeout=180, root=root)


class SentFigures:
    """When the server sent a page's figures: the moment a main-area KPI, chart, table, notice or
    expander arrived on the websocket (the server's share of the time to first content; the rest
    is the browser drawing it), and when the browser asked for each run (a rerun request)."""

    def __init__(self, page):
        self.times: list[float] = []
        self.requests: list[float] = []
        self.finished = 0  # script runs ended (not counting one cut short for a rerun)
        self.finish_times: list[float] = []
        self.session_id = ""  # the server's id of this browser session (its first message names it)
        self.click_epoch = 0.0  # when the last timed click was made (time.time(), for the server's log)
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: PLC0415

        msg = _decoded(BackMsg, payload)
        if msg is not None and msg.WhichOneof("type") == "rerun_script":
            self.requests.append(time.perf_counter())

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: PLC0415

        msg = _decoded(ForwardMsg, payload)
        if msg is None:
            return
        if msg.WhichOneof("type") == "new_session" and msg.new_session.initialize.session_id:
            self.session_id = msg.new_session.initialize.session_id
        if msg.WhichOneof("type") == "script_finished" \
                and msg.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
            self.finished += 1
            self.finish_times.append(time.perf_counter())
        if is_figure(msg):
            self.times.append(time.perf_counter())

    def clicked(self) -> None:
        self.click_epoch = time.time()

    def first_after(self, start: float) -> float | None:
        return next((t - start for t in self.times if t >= start), None)

    def run_served_after(self, start: float) -> float | None:
        """From the first request after `start` to the end of a run (a filter's whole run)."""
        asked = next((t for t in self.requests if t >= start), None)
        return None if asked is None else next((t - asked for t in self.finish_times if t >= asked), None)

    def served_after(self, start: float) -> float | None:
        """The server's own time for the first run asked for after `start`: from the browser's
        request to the first figure sent (without the browser's handling of the click, which a
        busy browser delays)."""
        asked = next((t for t in self.requests if t >= start), None)
        return None if asked is None else self.first_after(asked)


def _decoded(message_type, payload):
    """A websocket frame as a Streamlit message of that type, or None (a text frame, another message)."""
    if isinstance(payload, str):
        return None
    try:
        return message_type.FromString(payload)
    except Exception:  # noqa: BLE001 — not this message type
        return None


async def launch_browser(playwright, idle_priority: bool = False):
    """Chromium; with `idle_priority`, every process and thread of it under Linux's SCHED_IDLE policy
    (`chrt --idle`), so it runs only on CPU time the server leaves: on this 2-core machine the
    browsers stand in for users' own machines. (Niceness does not do it: chromium, run as root, sets
    its display threads to nice -8 itself; it does not leave SCHED_IDLE, which its children inherit.)
    SCHED_IDLE ranks a thread only against the others of its *autogroup*, and Playwright starts each
    browser in a session of its own (as chromium starts its zygotes): with autogroups on, each of
    those groups had the server's whole weight. So their groups are set to nice 19 too."""
    executable = CHROMIUM
    if idle_priority:
        wrapper = OUT / "chromium-idle"
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        wrapper.write_text(f'#!/bin/sh\nexec chrt --idle 0 {CHROMIUM} "$@"\n', encoding="ascii")
        wrapper.chmod(0o755)
        executable = str(wrapper)
    browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    if idle_priority:
        _lower_browser_autogroups()
        _watch_browser_groups()
    return browser


def _descendants(ancestor: int) -> list[int]:
    """Every process below `ancestor` (its children, theirs, ...), from /proc's parent links."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):  # ended meanwhile
                continue
    below, frontier = [], [ancestor]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        below += children
        frontier = children
    return below


def _lower_browser_autogroups() -> int:
    """Set the autogroup of every chromium this process started (its zygotes' own groups too) to nice 19,
    the lowest; how many groups were lowered. Where autogroups are off or absent, nothing to do."""
    lowered = 0
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/comm", encoding="ascii", errors="replace") as comm:
                if not comm.read().startswith("chrom"):  # chromium, chrome_crashpad
                    continue
            with open(f"/proc/{pid}/autogroup", "r+", encoding="ascii") as group:
                if group.read().split()[-1] != "19":  # "/autogroup-N nice K"
                    group.seek(0)
                    group.write("19")
                    lowered += 1
        except OSError:  # ended meanwhile, or no autogroups in this kernel
            continue
    return lowered


@functools.cache  # one watch per bench process
def _watch_browser_groups() -> None:
    """Chromium starts its zygotes in sessions of their own, and may start more processes later: lower
    their groups too, once a second, while the bench runs."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            _lower_browser_autogroups()

    threading.Thread(target=watch, daemon=True, name="browser-autogroups").start()


async def wait_first_figure(page, title: str, timeout_ms: float = 120_000) -> None:
    try:
        await page.wait_for_function(FIRST_FIGURE_JS, arg=title, polling="raf", timeout=timeout_ms)
    except Exception as error:
        shot = OUT / "logs" / f"no-figure-{title.replace(' ', '-')}.png"
        await page.screenshot(path=str(shot), full_page=True)
        raise RuntimeError(f"no first figure under {title!r} within {timeout_ms / 1000:.0f} s "
                           f"(screenshot {shot})") from error


async def log_in(page, url: str, login: Login, timeout_ms: float = 120_000, sent: SentFigures | None = None):
    """Open the app, fill the form; seconds from the click on Login to the landing page's first figure
    (with `sent`: a triple, shown in the browser, sent by the server, and served — SentFigures)."""
    page.set_default_timeout(timeout_ms)
    page.set_default_navigation_timeout(timeout_ms)
    await page.goto(url)
    await page.wait_for_selector(IDLE, timeout=timeout_ms)
    user = page.get_by_role("textbox", name="Username")
    await user.wait_for(timeout=timeout_ms)
    await user.fill(login.username)
    await page.get_by_role("textbox", name="Password").fill(login.password)
    start = time.perf_counter()
    if sent:
        sent.clicked()
    await page.get_by_role("button", name="Login").click()
    await wait_first_figure(page, login.landing, timeout_ms)
    took = time.perf_counter() - start
    await page.wait_for_selector(IDLE, timeout=timeout_ms)
    return (took, sent.first_after(start), sent.served_after(start)) if sent else took


async def switch_page(page, link: str, title: str, timeout_ms: float = 120_000, sent: SentFigures | None = None):
    """Click a menu link; seconds to the new page's first figure (then waits for the run to end);
    with `sent`, a triple as log_in's."""
    menu = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']").filter(has_text=link)
    await menu.first.wait_for(timeout=timeout_ms)
    start = time.perf_counter()
    if sent:
        sent.clicked()
    await menu.first.click()
    await wait_first_figure(page, title, timeout_ms)
    took = time.perf_counter() - start
    await page.wait_for_selector(IDLE, timeout=timeout_ms)
    return (took, sent.first_after(start), sent.served_after(start)) if sent else took


def process_stats(pid: int) -> tuple[float, float]:
    """(RSS in MB, CPU seconds user+system) of a process, from /proc."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss_kb / 1024, (int(fields[11]) + int(fields[12])) / ticks


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])
