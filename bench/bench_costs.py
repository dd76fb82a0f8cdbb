"""Benchmark the cost side at scale: the meter reconciliation for two years and the statements
of every resident for one year, at 1M sessions (2,000 stations, 5,000 users).

    .venv/bin/python bench/bench_costs.py                    # builds bench/out/costs-1m.duckdb once
    .venv/bin/python bench/bench_costs.py --runs 9 --rebuild

The store is built once from bench/generate_feeds.py's CSV (one installation, "Bench"), with
monthly meter readings (on the 1st at 08:00, so every month edge is interpolated) and two
tariff versions: a flat 1.50 NOK/kWh, and from 2026-05-01 2.00 NOK/kWh with a 22-06 night
band at 1.10 (so half the statement year takes the hour-by-hour path: every session that is
not inside one flat price period is split into hours, evenly, as the generator writes no
EnergyDetails). Figures are medians of --runs warm runs (one warm-up run first).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chargeboard import history, ingest, meters, reconciliation, statements, tariffs  # noqa: E402
from chargeboard.scope import system_scope  # noqa: E402
from chargeboard.store import Store  # noqa: E402

OUT = ROOT / "bench" / "out"
END = date(2026, 10, 31)  # generate_feeds.py's default last day
TWO_YEARS = (date(2024, 11, 1), END)
ONE_YEAR = (date(2025, 11, 1), END)
TARGET_MS = 300


def build(db: Path, sessions: int) -> None:
    feed = OUT / f"costs-{sessions}.csv"
    if not feed.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_feeds.py"), "--sessions", str(sessions),
                        "--format", "csv", "--out", str(feed)], check=True)
    db.unlink(missing_ok=True)
    store = Store(db)
    try:
        started = time.perf_counter()
        print(ingest.ingest_file(store, feed, installation="Bench", show_progress=False).lines()[0], file=sys.stderr)
        meters.register_meter(store, "BENCH-METER", "Bench")
        scope = system_scope()
        monthly = {r[0]: r[2] for r in store.rows(
            "reconciliation_sessions_by_month", scope, installation_id="bench",
            local_from=datetime(2024, 1, 1), local_to=datetime(2027, 1, 1))}
        path = OUT / "costs-meter.csv"
        register, lines = Decimal("100000.000"), ["meter_id,read_at,register_kwh"]
        month = date(2024, 10, 1)  # a reading before the first edge and after the last
        while month <= date(2026, 11, 1):
            lines.append(f"BENCH-METER,{month}T08:00:00,{register}")
            # sessions + 2,000 stations' standby + 6,000 kWh of other loads a month
            register += monthly.get(month, Decimal(0)) + Decimal(8000) + Decimal(6000)
            month = _next_month(month)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(meters.ingest_meter_file(store, path).lines()[0], file=sys.stderr)
        tariffs.add_version(store, "bench", date(2024, 1, 1), "1.50", monthly_fee="49")
        tariffs.add_version(store, "bench", date(2026, 5, 1), "2.00", monthly_fee="59",
                            bands=[{"from_hour": 22, "to_hour": 6, "price": "1.10"}])
        print(f"built {db} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    finally:
        store.close()


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def timed(fn, runs: int) -> tuple[float, object]:
    result = fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--rebuild", action="store_true")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"costs-{args.sessions}.duckdb"
    if args.rebuild or not db.exists():
        build(db, args.sessions)
    store = Store(db)
    scope = system_scope()
    try:
        every_session = history.SessionFilter(date(2000, 1, 1), date(2099, 12, 31))
        sessions = store.one("history_totals", scope, **every_session.params())[0]
        cases = [
            ("Reconciliation, 2 years (24 months)",
             lambda: reconciliation.reconcile(store, scope, "bench", *TWO_YEARS),
             lambda r: f"meter {r.total.meter_kwh:,.0f} kWh, rest {r.total.share(r.total.rest_kwh):.1%}"),
            ("Statements, all residents, 1 year, shares off",
             lambda: statements.build_statements(store, scope, statements.StatementRequest(*ONE_YEAR, "off", "off")),
             lambda r: f"{len(r.lines):,} statements, {r.total:,.2f} {r.currency}"),
            ("Statements, all residents, 1 year, standby equal + rest by kWh",
             lambda: statements.build_statements(store, scope, statements.StatementRequest(*ONE_YEAR, "equal", "kwh")),
             lambda r: f"{len(r.lines):,} statements, {r.total:,.2f} {r.currency}"),
        ]
        print(f"\n{sessions:,} sessions in the store; median of {args.runs} warm runs; target ≤ {TARGET_MS} ms\n")
        print("| what | median | result |")
        print("|---|---:|---|")
        worst = 0.0
        for title, fn, describe in cases:
            ms, result = timed(fn, args.runs)
            worst = max(worst, ms)
            print(f"| {title} | {ms:,.0f} ms | {describe(result)} |")
    finally:
        store.close()
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
