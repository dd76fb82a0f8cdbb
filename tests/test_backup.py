"""`python -m chargeboard backup --out FILE` and `restore FILE`: made while the app serves (through the
hand-over), restored into a fresh folder, every total compared; a restore that would overwrite, or an
archive that is not whole, is refused."""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import support
from support import zaptec_record
from test_handover import mode, one_error_line, run_cli, serving

from chargeboard import accounts, secrets
from chargeboard.ingest import ingest_file
from chargeboard.store import Store


def place_env(folder: Path) -> dict[str, str]:
    """Where the command line finds a store, its accounts and its key files: all in `folder`."""
    return {"CHARGEBOARD_DB": str(folder / "coop.duckdb"), "CHARGEBOARD_AUTH": str(folder / "coop.auth.yaml"),
            "CHARGEBOARD_SECRET_FILE": str(folder / ".cookie-key"),
            "CHARGEBOARD_SYNC_KEY_FILE": str(folder / ".sync-key")}


@pytest.fixture
def coop(tmp_path, monkeypatch) -> Path:
    """A co-op's folder: the store (with rejected rows and two imports), 4 accounts, both key files."""
    folder = tmp_path / "coop"
    folder.mkdir()
    for name, value in place_env(folder).items():
        monkeypatch.setenv(name, value)
    db = support.build_coop_db(folder)
    store = Store(db)
    try:
        bad = [zaptec_record("too-much", kwh=500.0), zaptec_record("fine", start=datetime(2025, 4, 2, 8), kwh=7.25)]
        assert ingest_file(store, support.write_zaptec(folder / "april.json", bad), installation="Testlaget").rejected == 1
    finally:
        store.close()
    support.write_accounts(folder / "coop.auth.yaml")
    assert secrets.write_new_key(folder / ".cookie-key")
    secrets.sync_key()  # made on first use, as a charger-cloud connection would
    return db


def every_total(db: Path) -> dict:
    """Sessions, kWh per station / user / month, rejected rows, imports: read straight from the file."""
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()
        return {
            "sessions": rows("SELECT count(*), sum(energy_kwh), count(*) FILTER (WHERE void) FROM sessions"),
            "by_station_month": rows("SELECT station_id, strftime(started_local, '%Y-%m'), count(*), sum(energy_kwh) "
                                     "FROM sessions GROUP BY ALL ORDER BY ALL"),
            "by_user_month": rows("SELECT user_id, strftime(started_local, '%Y-%m'), count(*), sum(energy_kwh) "
                                  "FROM sessions GROUP BY ALL ORDER BY ALL"),
            "rejected": rows("SELECT import_id, position, reason FROM rejected_rows ORDER BY ALL"),
            "imports": rows("SELECT import_id, file_name, content_sha256, records, new_rows, rejected_rows "
                            "FROM imports ORDER BY ALL"),
            "months": rows("SELECT * FROM session_months ORDER BY ALL"),
        }


def test_a_backup_made_while_the_app_serves_restores_every_total_into_a_fresh_folder(coop, tmp_path):
    archive = tmp_path / "coop-backup.zip"
    at_backup = every_total(coop)
    with serving(coop):
        done = run_cli("backup", "--out", str(archive), "--db", str(coop))
        assert done.returncode == 0, done.stderr
        assert "running this command in the app's process" in done.stderr
        assert f"wrote {archive}: 12 sessions, 156.550 kWh; 4 accounts; keys: cookie-key, sync-key" in done.stderr
        later = [zaptec_record("after-the-backup", start=datetime(2025, 5, 1, 8))]
        feed = support.write_zaptec(tmp_path / "may.json", later)
        assert run_cli("ingest", "--installation", "Testlaget", str(feed), "--db", str(coop)).returncode == 0
    assert every_total(coop) != at_backup  # the app went on writing after the backup
    assert mode(archive) == 0o600
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == sorted(["manifest.json", "store.duckdb", "auth.yaml", "auth.changes.jsonl",
                                                    "cookie-key", "sync-key"])
        assert json.loads(zipped.read("manifest.json"))["format"] == "chargeboard-backup"

    fresh = tmp_path / "fresh"  # another machine's folder: nothing there yet
    done = run_cli("restore", str(archive), env=place_env(fresh))
    assert done.returncode == 0, done.stderr
    assert f"restored {fresh / 'coop.duckdb'} from {archive}" in done.stderr
    restored = fresh / "coop.duckdb"
    assert every_total(restored) == at_backup
    assert every_total(restored)["rejected"] and len(every_total(restored)["imports"]) == 2
    assert accounts.list_accounts(fresh / "coop.auth.yaml") == accounts.list_accounts(coop.with_name("coop.auth.yaml"))
    for name in (".cookie-key", ".sync-key", "coop.auth.yaml", "coop.auth.changes.jsonl"):
        assert (fresh / name).read_bytes() == (coop.parent / name).read_bytes(), name
        assert mode(fresh / name) == 0o600
    assert mode(restored) == 0o600
    report = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-04-30", env=place_env(fresh))
    original = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-04-30", "--db", str(coop))
    assert report.returncode == 0 and report.stdout == original.stdout and "u-per,Per Olsen" in report.stdout


def test_a_backup_without_an_app_opens_the_store_itself(coop, tmp_path):
    archive = tmp_path / "b.zip"
    done = run_cli("backup", "--out", str(archive))
    assert done.returncode == 0, done.stderr
    assert "app's process" not in done.stderr and archive.exists()
    missing = run_cli("backup", "--out", str(tmp_path / "c.zip"), "--db", str(tmp_path / "none.duckdb"))
    assert one_error_line(missing) == f"error: {tmp_path / 'none.duckdb'}: no such store"
    assert not (tmp_path / "none.duckdb").exists()


def test_restore_refuses_to_overwrite_unless_told_and_never_a_store_in_use(coop, tmp_path):
    archive = tmp_path / "b.zip"
    assert run_cli("backup", "--out", str(archive)).returncode == 0
    target = tmp_path / "other"
    target.mkdir()
    other = support.build_coop_db(target)  # a different store already there
    Store(other).close()
    before = other.read_bytes()
    env = {**place_env(target)}
    line = one_error_line(run_cli("restore", str(archive), env=env))
    assert line == f"error: {other} exists; nothing was restored (restore --force replaces it: back it up first)"
    assert other.read_bytes() == before
    with serving(other):
        line = one_error_line(run_cli("restore", "--force", str(archive), env=env))
        assert "is in use by a running app or command" in line
    assert other.read_bytes() == before
    assert run_cli("restore", "--force", str(archive), env=env).returncode == 0
    assert every_total(other) == every_total(coop)
    assert sorted(p.name for p in target.iterdir() if p.name.startswith(".chargeboard-")) == []


def test_restore_checks_the_archive_and_puts_nothing_in_place_from_a_damaged_one(coop, tmp_path):
    archive = tmp_path / "b.zip"
    assert run_cli("backup", "--out", str(archive)).returncode == 0
    fresh = tmp_path / "fresh"

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(damaged, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "auth.yaml":
                data = data.replace(b"kari", b"kira")
            out.writestr(item, data)
    line = one_error_line(run_cli("restore", str(damaged), env=place_env(fresh)))
    assert line == f"error: {damaged}: auth.yaml is damaged (its SHA-256 or size differs from the manifest's)"

    lying = tmp_path / "lying.zip"  # whole files, but a manifest whose totals are not the store's
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(lying, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["totals"] = [row for row in manifest["totals"] if row[0] != "rejected_rows"]
                data = json.dumps(manifest).encode()
            out.writestr(item, data)
    line = one_error_line(run_cli("restore", str(lying), env=place_env(fresh)))
    assert line == f"error: {lying}: its store's totals differ from the manifest's; nothing was restored"

    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    line = one_error_line(run_cli("restore", str(not_zip), env=place_env(fresh)))
    assert line == f"error: {not_zip}: not a Chargeboard backup (not a zip file)"
    assert not fresh.exists() or [p.name for p in fresh.iterdir()] == []


def test_a_backup_whose_disk_is_full_names_its_file_and_leaves_nothing(coop, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a full disk is a real tmpfs mount, which needs root")
    from test_operator_errors import fill, listing  # noqa: PLC0415

    disk = tmp_path / "disk"
    disk.mkdir()
    import subprocess  # noqa: PLC0415
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    try:
        fill(disk)
        os.truncate(disk / "filler", (disk / "filler").stat().st_size - 200_000)  # room for a part of it
        out = disk / "b.zip"
        line = one_error_line(run_cli("backup", "--out", str(out)))
        assert line == f"error: {out}: No space left on device"
        assert listing(disk) == ["filler"]
    finally:
        subprocess.run(["umount", str(disk)], check=True)
