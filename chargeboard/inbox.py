"""Handing commands to the app while it serves (DuckDB lets one process own the file).

The command line copies its input files into a job folder under the store's spool
folder and writes the command there; the app's worker thread, which owns the store,
runs the same command with the same code (chargeboard.cli.main) on its own Store, and
writes back the exit code, the output and any --out file. The app's DuckDB connection
reads files from this folder only: external access is switched off apart from it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

HEARTBEAT = "app.heartbeat"
HEARTBEAT_FRESH_SECONDS = 5.0


def app_is_serving(folder: Path) -> bool:
    """A fresh heartbeat from a process that is still alive."""
    beat = folder / HEARTBEAT
    try:
        fresh = time.time() - beat.stat().st_mtime < HEARTBEAT_FRESH_SECONDS
        pid = int(beat.read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return False
    if not fresh or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    return True


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)  # atomic: the reader never sees half a file


def _job_argv(argv: list[str], inputs: list[str], job: Path) -> tuple[list[str], str | None]:
    """The command as the app runs it: inputs read from the job folder, --out written into it."""
    out_file, rewritten, expect_out = None, [], False
    for token in argv:
        if expect_out:
            out_file, token, expect_out = token, str(job / "out"), False
        elif token == "--out":
            expect_out = True
        elif token.startswith("--out="):
            out_file, token = token.split("=", 1)[1], f"--out={job / 'out'}"
        elif token in inputs:
            index = inputs.index(token)
            token = str(job / f"input-{index}")
        rewritten.append(token)
    rewritten += [arg for original in inputs for arg in ("--shown-as", original)]
    return rewritten, out_file


def delegate(folder: Path, argv: list[str], args, timeout: float = 3600.0) -> int:
    """Run a command in the serving app and relay its result. Returns its exit code."""
    inputs = list(getattr(args, "files", None) or [])
    job = folder / uuid.uuid4().hex
    job.mkdir(parents=True)
    try:
        for index, path in enumerate(inputs):
            shutil.copyfile(path, job / f"input-{index}")
        job_argv, out_file = _job_argv(argv, inputs, job)
        if not inputs:
            job_argv = [a for a in job_argv if a != "--shown-as"]
        _write_json(job / "request.json", {"argv": job_argv})
        deadline = time.monotonic() + timeout
        while not (job / "result.json").exists():
            if time.monotonic() > deadline or not app_is_serving(folder):
                print("error: the app stopped serving before it ran the command; nothing was changed "
                      "by it — run the command again", file=args.stderr)
                return 2
            time.sleep(0.05)
        result = json.loads((job / "result.json").read_text(encoding="utf-8"))
        args.stdout.write(result["stdout"])
        args.stderr.write(result["stderr"])
        if out_file and (job / "out").exists():
            shutil.copyfile(job / "out", out_file)
        return int(result["code"])
    finally:
        shutil.rmtree(job, ignore_errors=True)


def process_pending(store, folder: Path) -> int:
    """Run every waiting command (oldest first). Returns how many were handled."""
    from chargeboard import cli  # noqa: PLC0415 — the CLI imports this module

    handled = 0
    for request in sorted(folder.glob("*/request.json"), key=lambda p: p.stat().st_mtime):
        if (request.parent / "result.json").exists():
            continue
        argv = json.loads(request.read_text(encoding="utf-8"))["argv"]
        out, err = io.StringIO(), io.StringIO()
        try:
            code = cli.main(argv, store=store, stdout=out, stderr=err)
        except SystemExit as exit_:  # argparse refusing the arguments
            code = exit_.code if isinstance(exit_.code, int) else 2
        except Exception as error:  # report it to the caller; the app keeps serving
            code, _ = 1, err.write(f"error: {error}\n")
        _write_json(request.parent / "result.json", {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
        handled += 1
    return handled


def start_worker(store, folder: Path, interval: float = 0.25) -> threading.Thread:
    """The app's spool worker: beats a heartbeat so the command line knows it is there."""
    folder.mkdir(parents=True, exist_ok=True)

    def run() -> None:
        while not store.closed:  # the worker ends with its store
            try:
                folder.mkdir(parents=True, exist_ok=True)  # someone may have tidied the spool folder away
                (folder / HEARTBEAT).write_text(str(os.getpid()))
                process_pending(store, folder)
            except Exception as error:  # keep serving; the request stays for the next round
                print(f"chargeboard inbox worker: {error}", file=sys.stderr)
            time.sleep(interval)

    worker = threading.Thread(target=run, name="chargeboard-inbox", daemon=True)
    worker.start()
    return worker
