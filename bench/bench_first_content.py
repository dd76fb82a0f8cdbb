"""Time to first content in a real browser (issue 12, item 1).

    python bench/bench_first_content.py [--store demo|1000000] [--runs 10] [--logins styret,kari]

For each login, --runs times: a browser opens the app, logs in (seconds from the click on Login
to the landing page's first KPI), then follows the menu through the role's pages (seconds from
the click to each page's first figure). Two figures each: when the browser shows it, and when
the server sent it (the websocket message; the difference is the browser's own drawing). One server per store, started before the
runs (its first run, which opens the store, is not timed: a warm-up login comes first).
Prints the medians as a Markdown table for BENCHMARKS.md, with the machine's load.
Target: every median ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

from browser_bench import (
    LOGINS,
    OUT,
    SentFigures,
    demo_store,
    launch_browser,
    load_average,
    log_in,
    sessions_store,
    start_app,
    switch_page,
)


async def measure(urls: dict[str, str], names: list[str], runs: int, fresh_browser: bool) -> dict:
    """{(app, login, step): [(shown in the browser, sent by the server), ...]}; the apps take turns
    in every run, so a baseline and the app under test see the same machine load."""
    from playwright.async_api import async_playwright  # noqa: PLC0415

    times: dict[tuple[str, str, str], list[tuple[float, float | None]]] = defaultdict(list)
    async with async_playwright() as playwright:
        browser = await launch_browser(playwright)
        # A returning visitor's browser keeps Streamlit's scripts cached (one context per login,
        # cookies cleared between runs); --fresh-browser opens a new, empty one for every run.
        contexts = {}
        for run in range(runs + 1):  # run 0 warms the servers up (store open, first imports)
            for app, url in urls.items():
                for name in names:
                    login = LOGINS[name]
                    if fresh_browser or (app, name) not in contexts:
                        contexts[(app, name)] = await browser.new_context(viewport={"width": 1400, "height": 900})
                    context = contexts[(app, name)]
                    await context.clear_cookies()
                    page = await context.new_page()
                    sent = SentFigures(page)
                    took = await log_in(page, url, login, sent=sent)
                    if run:
                        times[(app, name, f"login → {login.landing}")].append(took)
                    for link, title in login.pages:
                        took = await switch_page(page, link, title, sent=sent)
                        if run:
                            times[(app, name, f"→ {title}")].append(took)
                    await page.close()
                    if fresh_browser:
                        await context.close()
        await browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="demo", help="demo, or a number of generated sessions")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--logins", default="styret,kari")
    parser.add_argument("--baseline-root", type=Path,
                        help="another checkout of the project (e.g. a git worktree of main) timed in the same run")
    parser.add_argument("--fresh-browser", action="store_true", help="a new browser context (empty cache) every run")
    args = parser.parse_args(argv)
    db, auth = demo_store() if args.store == "demo" else sessions_store(int(args.store))
    servers = {"this": start_app(db, auth, f"first-content-{args.store}")}
    try:
        if args.baseline_root:  # its own copy of the store: one process owns a DuckDB file
            copy = OUT / "baseline" / args.store
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db, copy / db.name)
            shutil.copyfile(auth, copy / auth.name)
            wal = db.with_name(db.name + ".wal")
            (copy / wal.name).unlink(missing_ok=True)
            if wal.exists():
                shutil.copyfile(wal, copy / wal.name)
            servers["baseline"] = start_app(copy / db.name, copy / auth.name, f"first-content-{args.store}-baseline",
                                            root=args.baseline_root)
        load_before = load_average()
        times = asyncio.run(measure({app: s.url for app, s in servers.items()}, args.logins.split(","), args.runs,
                                    args.fresh_browser))
        load_after = load_average()
    finally:
        for server in servers.values():
            server.stop()
    print(f"store {args.store}; {args.runs} runs; {'fresh' if args.fresh_browser else 'returning'} browser; "
          f"load average before {load_before}, after {load_after}")
    print("| app | login | step | first figure shown (median) | min – max | sent by the server (median) | "
          "target ≤ 1.0 s |")
    print("|---|---|---|---:|---:|---:|---|")
    for (app, name, step), values in sorted(times.items(), key=lambda item: (item[0][1], item[0][0] != "baseline")):
        shown = [v[0] for v in values]
        sent = [v[1] for v in values if v[1] is not None]
        median = statistics.median(shown)
        sent_text = f"{statistics.median(sent):.2f} s" if sent else "–"
        print(f"| {app} | {name} | {step} | {median:.2f} s | {min(shown):.2f} – {max(shown):.2f} s | {sent_text} | "
              f"{'met' if median <= 1.0 else '**missed**'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
