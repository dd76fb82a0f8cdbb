"""Ingest benchmark (issue 12 item 2): time and peak memory, with the bare read as baseline.

    python bench/bench_ingest.py [--sessions 1000000 5000000] [--runs 3] [--formats zaptec-json csv]
                                 [--paths ingest upload]

Every run is its own child process, so its peak RSS (ru_maxrss) is the run's alone; the
children run one after another, the bare read and the ingest of a file interleaved, so both
see the same machine load. Paths:

* bare    — DuckDB `CREATE TABLE AS SELECT * FROM read_json/read_csv` of the file into an
            in-memory database: the baseline;
* ingest  — `ingest_file` into a fresh store file (what `chargeboard ingest` runs);
* upload  — `datasources.load_upload` of the same file from an open file object into a fresh
            store (what the Data sources page runs: copies the stream into the landing
            folder, then the same ingest).

Feeds come from bench/generate_feeds.py into bench/out/. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))



def child(kind: str, path: Path) -> dict:
    """One run, in this (child) process: seconds and peak RSS."""
    import duckdb  # noqa: PLC0415

    from chargeboard import datasources  # noqa: PLC0415
    from chargeboard.ingest import ingest_file  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        if kind == "bare":
            con = duckdb.connect()
            bare = {".json": "CREATE TABLE t AS SELECT * FROM read_json(?)",
                    ".csv": "CREATE TABLE t AS SELECT * FROM read_csv(?)"}[path.suffix]
            con.execute(bare, [str(path)])
            con.close()
            records = None
        else:
            store = Store(Path(folder) / "bench.duckdb")
            if kind == "ingest":
                summary = ingest_file(store, path, show_progress=False)
            else:
                os.environ["CHARGEBOARD_UPLOAD_MAX_MB"] = str(path.stat().st_size // 1_000_000 + 1)
                with open(path, "rb") as stream:
                    result = datasources.load_upload(store, path.name, stream, path.stat().st_size)
                if result.error:
                    raise SystemExit(result.error)
                summary = result.summary
            records = summary.new
            store.close()
        seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
            "new": records}


def run_child(kind: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{kind} {path}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["zaptec-json", "csv"])
    parser.add_argument("--paths", nargs="+", default=["ingest", "upload"])
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    lines = []
    for n in args.sessions:
        for fmt in args.formats:
            from generate_feeds import feed  # noqa: PLC0415 — only the parent generates

            path = feed(n, fmt)
            results: dict[str, list[dict]] = {k: [] for k in ["bare", *args.paths]}
            for _ in range(args.runs):
                for kind in results:
                    results[kind].append(run_child(kind, path))
                    print(f"  {n:,} {fmt} {kind}: {results[kind][-1]}", file=sys.stderr, flush=True)
            bare = statistics.median(r["seconds"] for r in results["bare"])
            bare_cpu = statistics.median(r["cpu_s"] for r in results["bare"])
            bare_rss = statistics.median(r["rss_mb"] for r in results["bare"])
            label = f"{n:,} sessions, {fmt} ({path.stat().st_size / 1e6:,.0f} MB)"
            lines.append(f"| {label} | bare read | {bare * 1000:,.0f} ms | | {bare_cpu:.1f} s | | {bare_rss:,.0f} MB |")
            for kind in args.paths:
                ours = statistics.median(r["seconds"] for r in results[kind])
                cpu = statistics.median(r["cpu_s"] for r in results[kind])
                rss = max(r["rss_mb"] for r in results[kind])
                lines.append(f"| {label} | {kind} | {ours * 1000:,.0f} ms | {ours / bare:.2f}× | {cpu:.1f} s "
                             f"| {cpu / bare_cpu:.2f}× | {rss:,.0f} MB |")
    print(f"Medians of {args.runs} runs; peak RSS: the highest run's (bare read: the median). CPU: user + system "
          "seconds of the run's process (less sensitive than wall time to other load on the machine).")
    print("| feed | what | wall median | ratio to the bare read | CPU median | CPU ratio | peak RSS |")
    print("|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
