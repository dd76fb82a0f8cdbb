"""Many users at once (issue 12, item 3): concurrent real-browser sessions of mixed roles while a
command-line ingest is handed over to the running app.

    python bench/bench_load.py [--store demo|1000000|10000000] [--users 8] [--rounds 3]
                               [--think 2-6] [--arrive-within SECONDS] [--ingest-sessions 50000]
                               [--browsers-compete] [--app-root OTHER_CHECKOUT]

One server. First one user alone (the single-user figure), then --users browser sessions at once
(styret, per, kari, ola in turn; one headless chromium, a context each), each logging in and, for
--rounds rounds, following the menu through its role's pages and changing the period filter on the
charge history; meanwhile `python -m chargeboard ingest` loads a generated feed (a new
installation's sessions) into the same store, handed over to the app (chargeboard.handover).

Users behave as people do (--think): each arrives at a random moment within the longest pause
(--arrive-within: within that many seconds instead, e.g. a board meeting's people logging in over
half a minute) and reads every page for a random pause (default 2–6 s) before the next click (seeded, the same every run;
`--think 0` clicks as fast as the browser allows, which measures a machine saturated by its own
browsers). The browsers run at idle CPU priority (SCHED_IDLE, and their autogroups at nice 19:
browser_bench.launch_browser; --browsers-compete: not): on this machine they share the server's 2
cores, where real users' browsers run on their own machines.

Measured: page times — click to the page's first figure *shown* by the browser, and *served*: from
the browser's request for the run (the websocket message) to the server's first figure of it (the
server's own time, without the browser's handling of the click and its drawing);
a filter change to the end of its run — and *server*: the same span as the server itself timed it
(bench/server_log: from the rerun request it received to the first figure it queued for that session),
which leaves out what the idle-priority browsers add before they report a message; as p50/p95 against
the single user's; errors (a timeout, an
exception or error line on a page, a traceback in the server's log, the ingest's exit code); the
server's peak RSS and CPU.
Goal: p95 ≤ 2× the single user's, 0 errors, RSS ≤ 600 MB with a 10M-session store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from browser_bench import (
    IDLE,
    LOGINS,
    OUT,
    ROOT,
    SentFigures,
    demo_store,
    launch_browser,
    load_average,
    log_in,
    process_stats,
    sessions_store,
    start_app,
    switch_page,
)

ERROR_ON_PAGE = "[data-testid='stException'], [data-testid='stAlertContentError']"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Sampler(threading.Thread):
    """The server's RSS and CPU every half second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_rss, self.samples = pid, 0.0, []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                rss, cpu = process_stats(self.pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.perf_counter(), rss, cpu))
            self.stopped.wait(0.5)

    def busiest(self, start: float, end: float, window: float = 5.0) -> float:
        """The server's highest CPU share over `window` seconds between start and end."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        shares = [(b[2] - a[2]) / (b[0] - a[0]) for i, a in enumerate(inside)
                  for b in inside[i + 1:i + 1 + int(window / 0.5)][-1:] if b[0] > a[0]]
        return max(shares, default=0.0)

    def cpu_share(self, start: float, end: float) -> float:
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return 0.0
        return (inside[-1][2] - inside[0][2]) / (inside[-1][0] - inside[0][0])


async def change_period(page, option: str, sent: SentFigures, timeout_ms: float) -> tuple[float, None, float | None]:
    """Pick another period on the charge history; seconds from the click to the end of the run, and
    from the browser's request to the end of the run (served)."""
    box = page.get_by_role("combobox", name="Period", exact=True)
    await box.first.click()
    finished = sent.finished
    start = time.perf_counter()
    sent.clicked()
    await page.get_by_role("option", name=option, exact=True).first.click()
    deadline = start + timeout_ms / 1000
    while sent.finished == finished:  # the run this click asked for has ended
        if time.perf_counter() > deadline:
            raise TimeoutError(f"period {option}: no run finished")
        await asyncio.sleep(0.01)
    took = time.perf_counter() - start
    await page.wait_for_selector(IDLE, timeout=timeout_ms)
    return took, None, sent.run_served_after(start)


def _record(times: dict, kind: str, took: tuple[float, float | None, float | None], where: str,
            sent: SentFigures) -> None:
    shown, _sent, served = took
    times[kind].append(shown)
    if served is not None:
        times[f"{kind}, served"].append(served)
    times["each"].append((served if served is not None else shown, shown, f"{kind}: {where}"))
    times["clicks"].append((kind, where, sent.session_id, sent.click_epoch))


def run_log_entries(run_log: Path) -> list[dict]:
    """The server's log of this run (server_log/sitecustomize.py), one dict a line."""
    return [json.loads(line) for line in run_log.read_text(encoding="utf-8").splitlines()]


def server_times(entries: list[dict], times: dict) -> None:
    """The server's own time of each click (server_log/sitecustomize.py): from the rerun request it
    received for this browser session after the click to the first figure of a run it started for it
    (a filter: to the end of that run). Added to `times` as "<kind>, server"."""
    requests: dict[str, list[float]] = {}
    runs: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["kind"] == "request":
            requests.setdefault(entry["session"], []).append(entry["t"])
        elif entry["kind"] == "run":
            runs.setdefault(entry["session"], []).append(entry)
    for kind, where, session, clicked in times["clicks"]:
        asked = next((t for t in sorted(requests.get(session, [])) if t >= clicked - 0.05), None)
        if asked is None:
            continue
        after = sorted((r for r in runs.get(session, []) if r["start"] >= asked - 0.001), key=lambda r: r["start"])
        if kind == "filter":
            done = next((r["end"] for r in after), None)
        else:
            done = next((r["first"] for r in after if r["first"] is not None), None)
        if done is not None:
            times[f"{kind}, server"].append(done - asked)
            times["each server"].append((done - asked, f"{kind}: {where}"))


def memory_at_peak(entries: list[dict]) -> str:
    """The server's memory by part (server_log/sitecustomize.py's `mem` lines) at its highest RSS, and
    each part's own highest: which part makes the peak?"""
    samples = [entry for entry in entries if entry["kind"] == "mem"]
    if not samples:
        return "no memory samples"
    parts = ("rss", "anon", "file", "malloc_used", "malloc_free", "malloc_mmapped", "pymalloc", "arrow",
             "jemalloc_used", "jemalloc_resident", "duckdb", "duckdb_spilled")
    peak = max(samples, key=lambda entry: entry["rss"])
    return ("at the RSS peak: " + ", ".join(f"{part} {peak[part]:.0f}" for part in parts)
            + f" MB, {peak['threads']} threads; each part's highest: "
            + ", ".join(f"{part} {max(entry[part] for entry in samples):.0f}" for part in parts) + " MB")


async def one_user(browser, url: str, name: str, rounds: int, times: dict, errors: list, timeout_ms: float,
                   think: tuple[float, float], seed: int, arrive_within: float) -> None:
    login = LOGINS[name]
    reader = random.Random(seed)  # this user's pauses, the same in every run

    async def read_the_page() -> None:
        if think[1]:
            await asyncio.sleep(reader.uniform(*think))

    await asyncio.sleep(reader.uniform(0, arrive_within))  # users arrive one by one, not all in one instant
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    sent = SentFigures(page)
    where = f"{name}: login"
    try:
        _record(times, "login", await log_in(page, url, login, timeout_ms, sent=sent), where, sent)
        for number in range(rounds):
            for link, title in login.pages:
                await read_the_page()
                where = f"{name}: round {number + 1}, {title}"
                _record(times, "page", await switch_page(page, link, title, timeout_ms, sent=sent), where, sent)
                if await page.locator(ERROR_ON_PAGE).count():
                    errors.append(f"{where}: {await page.locator(ERROR_ON_PAGE).first.inner_text()}")
                if title == "Charge history":
                    await read_the_page()
                    option = ("Last month", "This year", "This month")[number % 3]
                    where = f"{name}: round {number + 1}, period {option}"
                    _record(times, "filter", await change_period(page, option, sent, timeout_ms), where, sent)
    except Exception as error:  # noqa: BLE001 — every failure is an error of the run, counted
        errors.append(f"{where}: {type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        await context.close()


async def drive(url: str, names: list[str], rounds: int, timeout_ms: float,
                think: tuple[float, float] = (0, 0), idle_browsers: bool = True,
                arrive_within: float | None = None) -> tuple[dict, list]:
    from playwright.async_api import async_playwright  # noqa: PLC0415

    times: dict[str, list] = {kind: [] for kind in KINDS} | {"each": [], "each server": [], "clicks": []}
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await launch_browser(playwright, idle_browsers)
        within = think[1] if arrive_within is None else arrive_within
        await asyncio.gather(*(one_user(browser, url, name, rounds, times, errors, timeout_ms, think, seed, within)
                               for seed, name in enumerate(names)))
        await browser.close()
    return times, errors


KINDS = ("login", "login, served", "login, server", "page", "page, served", "page, server", "filter",
         "filter, served", "filter, server")


def ingest_feed(sessions: int) -> Path:
    """A feed of a new installation's sessions (seed 2: ids and stations unlike the store's)."""
    from generate_feeds import generate  # noqa: PLC0415

    path = OUT / f"load-{sessions}.csv"
    if not path.exists():
        generate(sessions, "csv", path, seed=2)
    return path


def working_copy(db: Path, auth: Path, name: str) -> tuple[Path, Path]:
    """A fresh copy of the store for this run: every run starts from the same data (each run's
    ingest adds a new installation, which would pile up in the bench's store)."""
    folder = OUT / "load-work" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for source in (db, db.with_name(db.name + ".wal"), auth):
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return folder / db.name, folder / auth.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="demo", help="demo, or a number of generated sessions")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ingest-sessions", type=int, default=50_000, help="0: no ingest meanwhile")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a page may take before it is an error")
    parser.add_argument("--think", default="2-6",
                        help="seconds a user reads a page before the next click, a range (0: none)")
    parser.add_argument("--arrive-within", type=float, default=None,
                        help="seconds within which the users arrive, each at a random moment (default: the longest "
                             "think time)")
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="another checkout of the project whose app is served (a baseline, with its own .venv)")
    parser.add_argument("--browsers-compete", action="store_true",
                        help="the browsers at the server's CPU priority (by default they run on CPU time the server "
                             "leaves, as users' browsers run on their own machines)")
    parser.add_argument("--tracemalloc", type=Path, default=None,
                        help="a file where the server writes, every minute, what its Python heap holds by allocation "
                             "site (tracemalloc: slows the server, so its times do not count)")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))
    db, auth = working_copy(*(demo_store() if args.store == "demo" else sessions_store(int(args.store))), args.store)
    feed = ingest_feed(args.ingest_sessions) if args.ingest_sessions else None
    run_log = OUT / "logs" / f"runs-{args.store}-{args.users}.jsonl"
    run_log.parent.mkdir(parents=True, exist_ok=True)
    run_log.unlink(missing_ok=True)
    server = start_app(db, auth, f"load-{args.store}-{args.users}", root=args.app_root, extra_env={
        "PYTHONPATH": str(ROOT / "bench" / "server_log"), "CHARGEBOARD_BENCH_RUN_LOG": str(run_log),
        "CHARGEBOARD_BENCH_MEMORY": "1",
        **({"CHARGEBOARD_BENCH_TRACEMALLOC": str(args.tracemalloc)} if args.tracemalloc else {})})
    sampler = Sampler(server.process.pid)
    sampler.start()
    timeout_ms = args.timeout * 1000
    try:
        asyncio.run(drive(server.url, ["styret"], 1, timeout_ms))  # warm-up: store open, imports
        rss_idle = process_stats(server.process.pid)[0]
        load_single = load_average()
        start = time.perf_counter()
        single: dict[str, list[float]] = {}
        single_errors: list[str] = []
        for name in ("styret", "kari"):  # one user at a time: the single-user figure
            alone, alone_errors = asyncio.run(drive(server.url, [name], args.rounds, timeout_ms, think, not args.browsers_compete))
            for kind, values in alone.items():
                single.setdefault(kind, []).extend(values)
            single_errors += alone_errors
        single_cpu = sampler.cpu_share(start, time.perf_counter())
        names = [("styret", "per", "kari", "ola")[i % 4] for i in range(args.users)]
        load_before = load_average()
        start = time.perf_counter()
        ingest = feed and subprocess.Popen(  # handed over to the app, which owns the store
            [sys.executable, "-m", "chargeboard", "ingest", str(feed), "--db", str(db), "--installation",
             f"Load test {int(time.time())}", "--quiet"], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env={**os.environ, "CHARGEBOARD_AUTH": str(auth)})
        many, errors = asyncio.run(drive(server.url, names, args.rounds, timeout_ms, think, not args.browsers_compete,
                                         args.arrive_within))
        ingest_out = ingest.communicate(timeout=600)[0] if ingest else "(no ingest)"
        many_cpu = sampler.cpu_share(start, time.perf_counter())
        many_busiest = sampler.busiest(start, time.perf_counter())
        load_after = load_average()
    finally:
        sampler.stopped.set()
        server.stop()
    errors = single_errors + errors
    entries = run_log_entries(run_log)
    server_times(entries, single)
    server_times(entries, many)
    if ingest and ingest.returncode != 0:
        errors.append(f"ingest exited {ingest.returncode}: {ingest_out.strip()}")
    tracebacks = server.log_text().count("Traceback")
    if tracebacks:
        errors.append(f"{tracebacks} tracebacks in the server's log ({server.log})")
    print(f"store {args.store}; {args.users} users at once, {args.rounds} rounds each; ingest of "
          f"{args.ingest_sessions:,} sessions handed over meanwhile: {ingest_out.strip().splitlines()[:1]}")
    arriving = f"within {args.arrive_within:g} s" if args.arrive_within is not None else "within the longest think time"
    print(f"think time {args.think} s; users arrive {arriving}; browsers {'compete with the server' if args.browsers_compete else 'at idle priority'}")
    print(f"load average: single user {load_single}; many before {load_before}, after {load_after}")
    print("| what | single user p50 | p95 | n | many users p50 | p95 | n | p95 ratio | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for kind in KINDS:
        one, all_ = single[kind], many[kind]
        if not one or not all_:
            continue
        ratio = percentile(all_, 0.95) / percentile(one, 0.95)
        print(f"| {kind} | {statistics.median(one):.2f} s | {percentile(one, 0.95):.2f} s | {len(one)} | "
              f"{statistics.median(all_):.2f} s | {percentile(all_, 0.95):.2f} s | {len(all_)} | {ratio:.2f}× | "
              f"{'met' if ratio <= 2 else '**missed**'} (≤ 2×) |")
    for label, runs in (("one user", single), ("many users", many)):  # where the p95 comes from
        slowest = sorted(runs["each"], reverse=True)[:6]
        print(f"slowest with {label} (served / shown): "
              + "; ".join(f"{what} {served:.2f} / {shown:.2f} s" for served, shown, what in slowest))
        slowest = sorted(runs["each server"], reverse=True)[:6]
        print(f"slowest with {label} (server): " + "; ".join(f"{what} {took:.2f} s" for took, what in slowest))
    print(f"errors: {len(errors)}")
    for error in errors:
        print(f"  {error}")
    print(f"server RSS: idle after warm-up {rss_idle:.0f} MB, peak {sampler.peak_rss:.0f} MB; "
          f"CPU: single user {single_cpu:.2f} cores, many users {many_cpu:.2f} cores "
          f"(the busiest 5 s: {many_busiest:.2f})")
    print(f"server memory by part: {memory_at_peak(entries)}")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
