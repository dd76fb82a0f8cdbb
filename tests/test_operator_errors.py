"""An operator's bad day: a full disk (a real, small tmpfs), an app killed mid-upload.

A full disk is a real one: a tmpfs of a few MB mounted for the test and filled up. Mounting
needs root; without it these tests skip, and the run's summary says so (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import support
from test_handover import one_error_line, run_cli, serving

from chargeboard import cli, datasources, reports, settings

REPORT = ("report", "--by", "station", "--from", "2025-01-01", "--to", "2025-12-31")


@pytest.fixture
def full_disk(tmp_path):
    """A folder on its own 8 MB tmpfs (fill(disk) takes its last free byte)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is a real tmpfs mount, which needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"this machine does not allow a tmpfs mount (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_report_on_a_full_disk_reads_the_store_and_writes_nothing(full_disk):
    db = support.build_coop_db(full_disk)
    fill(full_disk)
    before = listing(full_disk)
    done = run_cli(*REPORT, "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "chg-b1,Garasje B1,6,66.500" in done.stdout
    assert listing(full_disk) == before  # no WAL, no error log: nothing was written


@pytest.mark.parametrize("command", [
    (*REPORT, "--format", "xlsx"),
    (*REPORT,),
    ("board-pack", "--from", "2025-01-01", "--to", "2025-12-31"),
], ids=["workbook", "csv", "pdf"])
def test_an_output_on_a_full_disk_is_named_and_the_old_file_is_kept_whole(full_disk, tmp_path, command):
    db = support.build_coop_db(tmp_path)
    out = full_disk / "out.file"
    out.write_bytes(b"last month's file")
    fill(full_disk)
    line = one_error_line(run_cli(*command, "--out", str(out), "--db", str(db)))
    assert line == f"error: {out}: No space left on device"
    assert out.read_bytes() == b"last month's file"
    assert listing(full_disk) == ["filler", "out.file"]  # no half-written temporary left


def test_an_output_handed_back_by_the_app_onto_a_full_disk_is_named(full_disk, tmp_path):
    db = support.build_coop_db(tmp_path)
    out = full_disk / "report.xlsx"
    fill(full_disk)
    with serving(db):
        line = one_error_line(run_cli(*REPORT, "--format", "xlsx", "--out", str(out), "--db", str(db)))
    assert line == f"error: {out}: No space left on device"
    assert listing(full_disk) == ["filler"]


def test_an_ingest_on_a_full_disk_names_the_store_not_the_feed(full_disk, tmp_path, feeds):
    db = support.build_coop_db(full_disk)
    feed = feeds.zaptec([support.zaptec_record(f"new-{i}") for i in range(2_000)], "new.json")
    fill(full_disk)
    line = one_error_line(run_cli("ingest", "--quiet", str(feed), "--db", str(db)))
    assert line.startswith(f"error: {db}: no space left on device; {feed} was not loaded"), line
    assert "cannot be read" not in line
    assert "filler" in listing(full_disk)
    os.unlink(full_disk / "filler")
    done = run_cli(*REPORT, "--db", str(db))
    assert done.returncode == 0 and "new-" not in done.stdout and "Garasje B1,6," in done.stdout


def test_a_spreadsheet_csv_whose_copy_finds_a_full_disk_names_the_copy(full_disk, store):
    feed = full_disk / "nb.csv"
    feed.write_text("session_id;station_id;started_at;ended_at;energy_kwh\n"
                    + "".join(f"s{i};st1;01.03.2025 10:00;01.03.2025 11:00;1,5\n" for i in range(40_000)),
                    encoding="utf-8")
    fill(full_disk)
    done = run_cli("ingest", "--quiet", str(feed), "--db", str(store.path.with_name("other.duckdb")))
    line = one_error_line(done)
    assert "No space left on device" in line and f"{feed} was not loaded" in line, line
    assert line.startswith(f"error: {full_disk}/.chargeboard-") and "cannot be read" not in line
    assert listing(full_disk) == ["filler", "nb.csv"]  # the copy is gone again


def test_an_upload_copy_left_by_a_killed_app_is_removed_at_the_next_start(tmp_path, monkeypatch):
    db = support.build_coop_db(tmp_path)
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal
        from chargeboard import datasources
        from chargeboard.store import open_store

        class Stream:  # the browser's upload: the app is killed while copying it
            sent = False
            def read(self, size):
                if self.sent:
                    os.kill(os.getpid(), signal.SIGKILL)
                self.sent = True
                return b"x" * 1000

        datasources.load_upload(open_store({str(db)!r}), "feed.json", Stream(), 10_000)
    """)], cwd=Path(__file__).resolve().parents[1], capture_output=True)
    assert killed.returncode == -9, killed.stderr
    [left] = list(datasources.uploads_dir(db).iterdir())
    assert left.name.endswith("-feed.json")

    from conftest import release_app_store  # noqa: PLC0415

    from chargeboard import web  # noqa: PLC0415

    monkeypatch.setenv("CHARGEBOARD_DB", str(db))
    release_app_store()
    try:  # the app's own start (its threads end with the test process, as test_quality_page's)
        assert web.app_store().path == db == settings.db_path()
        assert list(datasources.uploads_dir(db).iterdir()) == []
    finally:
        release_app_store()


def test_a_store_that_needs_its_schema_brought_up_to_date_on_a_full_disk_is_one_line(full_disk):
    db = support.build_coop_db(full_disk)
    with contextlib.closing(duckdb.connect(str(db))) as con:  # as a store of an older Chargeboard
        con.execute("UPDATE schema_fingerprint SET sha256 = 'older'")
    fill(full_disk)
    line = one_error_line(run_cli(*REPORT, "--db", str(db)))
    assert line.startswith(f"error: {db}: cannot bring the store up to date — "), line
    assert "No space left on device" in line


def test_an_unexpected_error_whose_log_finds_a_full_disk_says_its_details_are_lost(full_disk, monkeypatch):
    db = support.build_coop_db(full_disk)
    fill(full_disk)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug deep inside")
    monkeypatch.setattr(reports, "build_report", broken)
    err = io.StringIO()
    assert cli.main([*REPORT, "--db", str(db)], stdout=io.StringIO(), stderr=err) == 1
    [line] = err.getvalue().splitlines()
    log = db.with_name(db.stem + ".errors.log")
    assert line.startswith("error: an unexpected error (id ") and "not logged" not in line
    assert line.endswith(f"); its details could not be written to {log}")
