"""Handing feeds to the app while it serves (DuckDB lets one process own the file).

The command line copies each feed into the store's spool folder and writes a request
next to it; the app's worker thread, which owns the store, loads it with the same ingest
code and writes the result back. The app reads files from this folder only: its
connection has external access switched off apart from it.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

from chargeboard import ingest

HEARTBEAT = "app.heartbeat"
HEARTBEAT_FRESH_SECONDS = 5.0


def app_is_serving(folder: Path) -> bool:
    beat = folder / HEARTBEAT
    try:
        return time.time() - beat.stat().st_mtime < HEARTBEAT_FRESH_SECONDS
    except FileNotFoundError:
        return False


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)  # atomic: the reader never sees half a file


def submit(folder: Path, path: Path, *, fmt: str, installation: str | None, time_zone: str | None,
           timeout: float = 600.0) -> dict:
    """Hand one feed to the serving app and wait for its result."""
    job = folder / uuid.uuid4().hex
    job.mkdir(parents=True)
    shutil.copyfile(path, job / "feed")
    _write_json(job / "request.json", {"file": str(path), "format": fmt,
                                       "installation": installation, "time_zone": time_zone})
    deadline = time.monotonic() + timeout
    result_file = job / "result.json"
    while not result_file.exists():
        if time.monotonic() > deadline:
            raise ingest.IngestError(f"{path}: the running app did not load it within {timeout:.0f} s")
        time.sleep(0.1)
    result = json.loads(result_file.read_text(encoding="utf-8"))
    shutil.rmtree(job, ignore_errors=True)
    return result


def process_pending(store, folder: Path) -> int:
    """Load every waiting request (oldest first). Returns how many were handled."""
    handled = 0
    for request in sorted(folder.glob("*/request.json"), key=lambda p: p.stat().st_mtime):
        job = request.parent
        if (job / "result.json").exists():
            continue
        spec = json.loads(request.read_text(encoding="utf-8"))
        try:
            summary = ingest.ingest_file(store, job / "feed", fmt=spec["format"],
                                         installation=spec["installation"], time_zone=spec["time_zone"],
                                         display_name=spec["file"], show_progress=False)
            result = {"ok": True, "summary": summary.as_dict(), "lines": summary.lines()}
        except ingest.IngestError as error:
            result = {"ok": False, "error": str(error)}
        _write_json(job / "result.json", result)
        handled += 1
    return handled


def start_worker(store, folder: Path, interval: float = 0.5) -> threading.Thread:
    """The app's spool worker: beats a heartbeat so the command line knows it is there."""
    folder.mkdir(parents=True, exist_ok=True)

    def run() -> None:
        while True:
            (folder / HEARTBEAT).write_text(str(os.getpid()))
            try:
                process_pending(store, folder)
            except Exception as error:  # keep serving; the request stays for the next round
                print(f"chargeboard inbox worker: {error}")
            time.sleep(interval)

    worker = threading.Thread(target=run, name="chargeboard-inbox", daemon=True)
    worker.start()
    return worker
