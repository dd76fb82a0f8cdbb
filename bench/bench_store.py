"""Benchmarks of the foundation and the reports (issues 2 and 3), with their baselines.

    python bench/bench_store.py [--sessions 1000000] [--runs 5]

Feeds come from bench/generate_feeds.py (2,000 stations, 5,000 users, 6,000 tags) into
bench/out/. Each figure is the median of --runs runs; the baseline (a bare DuckDB
read_json/read_csv of the same file into a table) is measured in the same run.
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_feeds import feed  # noqa: E402

from chargeboard import dashboard, history, reports, statements, tariffs  # noqa: E402
from chargeboard.history import SessionFilter  # noqa: E402
from chargeboard.ingest import ingest_file  # noqa: E402
from chargeboard.scope import Scope, system_scope  # noqa: E402
from chargeboard.store import Store  # noqa: E402


def median_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_read(path: Path) -> None:
    con = duckdb.connect()
    if path.suffix == ".json":
        con.execute("CREATE TABLE t AS SELECT * FROM read_json(?)", [str(path)])
    else:
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    con.close()


def ingest_fresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        ingest_file(store, path, show_progress=False)
        store.close()


def periods_last_month(newest: date) -> tuple[date, date]:
    first = (newest.replace(day=1) - timedelta(days=1)).replace(day=1)
    return first, newest.replace(day=1) - timedelta(days=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", type=Path, help="time the queries on this store (kept; built from the CSV "
                        "feed when missing) instead of a temporary one")
    parser.add_argument("--queries-only", action="store_true",
                        help="skip the ingest timings (for 10M: the store is built once from the CSV feed)")
    args = parser.parse_args(argv)
    rows = []
    n = args.sessions
    query_feed = "csv" if args.queries_only else "zaptec-json"
    for fmt in () if args.queries_only else ("zaptec-json", "csv"):
        path = feed(n, fmt)
        baseline = median_of(args.runs, lambda p=path: bare_read(p))
        ours = median_of(args.runs, lambda p=path: ingest_fresh(p))
        rows.append((f"ingest {n:,} sessions, {fmt} ({path.stat().st_size / 1e6:.0f} MB)", ours, baseline))
        with tempfile.TemporaryDirectory() as folder:
            store = Store(Path(folder) / "bench.duckdb")
            ingest_file(store, path, show_progress=False)
            again = median_of(args.runs, lambda s=store, p=path: ingest_file(s, p, show_progress=False))
            rows.append((f"re-ingest the same {fmt} file", again, None))
            store.close()

    with tempfile.TemporaryDirectory() as folder:
        kept = args.store is not None and args.store.exists()
        store = Store(args.store or Path(folder) / "bench.duckdb")
        if not kept:
            ingest_file(store, feed(n, query_feed), show_progress=False)
        owner = system_scope()
        busiest = store.cursor().execute(  # a resident with a full history: the feed's busiest user
            "SELECT user_id FROM sessions WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        resident = Scope("bench", "resident", user_ids=(busiest,))
        newest = store.one("newest_session", owner)[0].date()
        year = SessionFilter(date(newest.year - 1, newest.month, 1), newest)
        month = SessionFilter(newest.replace(day=1), newest)
        for label, scope in (("system owner", owner), ("resident", resident)):
            history.history_view(store, scope, month)  # warm
            rows.append((f"history page (rows + count + totals), this month, {label}",
                         median_of(args.runs * 4, lambda s=scope: history.history_view(store, s, month)), None))
        for by in reports.GROUPINGS:
            request = reports.ReportRequest(year, by=by)
            reports.build_report(store, owner, request)  # warm
            rows.append((f"report by {by}, one year, with monthly breakdown",
                         median_of(args.runs * 2, lambda r=request: reports.build_report(store, owner, r)), None))
        board = dashboard.DashboardRequest(*periods_last_month(newest))

        def whole_dashboard() -> None:  # the KPIs, then every chart's data (the view reads them lazily)
            view = dashboard.dashboard_view(store, owner, board)
            for part in ("trend", "utilisation", "heatmap", "balance", "elsewhere"):
                getattr(view, part)

        whole_dashboard()  # warm
        rows.append(("dashboard, last month, system owner (KPIs, trend, utilisation, heatmap, balance)",
                     median_of(args.runs * 2, whole_dashboard), None))
        if not tariffs.periods(store):
            tariffs.add_version(store, "bench", date(newest.year - 2, 1, 1), "1.45")
        year_request = statements.StatementRequest(date(newest.year - 1, newest.month, 1), newest)
        statements.build_statements(store, owner, year_request)  # warm
        rows.append(("statements for all residents, one year", median_of(
            args.runs, lambda: statements.build_statements(store, owner, year_request)), None))
        store.close()

    print(f"| what ({n:,} sessions) | median | baseline (bare DuckDB read) | ratio |")
    print("|---|---:|---:|---:|")
    for label, ours, baseline in rows:
        ratio = f"{ours / baseline:.2f}×" if baseline else ""
        base = f"{baseline * 1000:,.0f} ms" if baseline else ""
        print(f"| {label} | {ours * 1000:,.0f} ms | {base} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
