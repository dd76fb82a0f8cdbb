"""Backing up and restoring a co-op's Chargeboard: `python -m chargeboard backup --out FILE` and
`python -m chargeboard restore FILE`.

The backup is a zip file (README, "Run it for your co-op"):
  manifest.json          format, version, when, and for every other member its SHA-256 and size; the
                         store's totals (backup_totals.sql) and the accounts (username, role)
  store.duckdb           a consistent copy of the store (Store.copy_to: checkpoint and copy under the
                         store's write lock, so the app goes on serving while it is made)
  auth.yaml              the accounts file, and auth.changes.jsonl, its record of changes, if any
  cookie-key, sync-key   the key files, when the keys come from files (not from the environment)

While the app serves the store, the command is handed to it (chargeboard.handover) and the copy is
made inside the app's process, which owns the store. A restore checks the whole archive (every
member's hash, the store's totals against the manifest) in a folder beside the target before it
puts anything in place, refuses to replace an existing store (or accounts, or keys that differ)
unless told to, and refuses a store an app or a command is using.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chargeboard import accounts, files, secrets, settings
from chargeboard.scope import system_scope
from chargeboard.store import Store, StoreLocked, open_store

FORMAT = "chargeboard-backup"
VERSION = 1
MANIFEST = "manifest.json"
STORE = "store.duckdb"
ACCOUNTS = "auth.yaml"
CHANGES = "auth.changes.jsonl"
COOKIE_KEY = "cookie-key"
SYNC_KEY = "sync-key"
MEMBERS = (STORE, ACCOUNTS, CHANGES, COOKIE_KEY, SYNC_KEY)
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; one line naming the file and why."""


@dataclass(frozen=True)
class Places:
    """Where a store's companions live: its accounts file and the two key files."""

    db: Path
    auth: Path
    cookie_key: Path
    sync_key: Path

    @classmethod
    def of(cls, db: Path, auth: Path | None = None) -> Places:
        return cls(db, auth or settings.auth_path(db), settings.secret_file(), secrets.sync_key_file())

    def sources(self) -> dict[str, Path]:
        return {ACCOUNTS: self.auth, CHANGES: accounts.changes_path(self.auth), COOKIE_KEY: self.cookie_key,
                SYNC_KEY: self.sync_key}


def totals(store: Store) -> list[list]:
    """The store's totals, as the manifest keeps them (JSON lists)."""
    return [list(row) for row in store.rows("backup_totals", system_scope())]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _account_list(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return sorted([a.username, a.role] for a in accounts.list_accounts(path))


def _summary(manifest: dict) -> str:
    sessions = next((row for row in manifest["totals"] if row[0] == "sessions"), None)
    parts = [f"{sessions[4]} sessions, {sessions[5]} kWh" if sessions else "an empty store",
             f"{len(manifest['accounts'])} accounts"]
    keys = [name for name in (COOKIE_KEY, SYNC_KEY) if name in manifest["files"]]
    parts.append("keys: " + (", ".join(keys) if keys else "none (from the environment, or not made yet)"))
    return "; ".join(parts)


def make_backup(store: Store, out: Path, places: Places) -> str:
    """Write the backup of `store` (and of its companions at `places`) to `out`; one line saying what it holds."""
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=".chargeboard-backup-"))
    try:
        copy = store.copy_to(work)
        copied = Store(copy)  # replays a copied WAL into the copy, so the archive holds one file
        try:
            store_totals = totals(copied)
        finally:
            copied.close()
        members = {STORE: copy}
        members.update({name: path for name, path in places.sources().items() if path.is_file()})
        manifest = {"format": FORMAT, "version": VERSION,
                    "made_at": datetime.now(UTC).isoformat(timespec="seconds"), "store": store.path.name,
                    "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size}
                              for name, path in members.items()},
                    "totals": store_totals, "accounts": _account_list(places.auth)}
        with files.written_whole(out, mode=0o600) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            for name, path in members.items():
                archive.write(path, name)
    except OSError as error:  # the copy's, the archive's: a full disk where the backup goes
        written = error.filename2 if error.filename2 is not None else error.filename  # (copyfile names both)
        if written is None or str(written).startswith(str(work)):
            raise OSError(error.errno, error.strerror, str(out)) from None
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return f"wrote {out}: {_summary(manifest)}"


# -- restore ---------------------------------------------------------------------------------

def _read_manifest(archive: zipfile.ZipFile, source: Path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{source}: not a Chargeboard backup (no {MANIFEST})") from None
    except ValueError as error:
        raise BackupError(f"{source}: {MANIFEST} is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: not a Chargeboard backup ({MANIFEST} names no {FORMAT})")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{source}: a backup of version {manifest.get('version')!r}; this Chargeboard "
                          f"reads version {VERSION}")
    listed = manifest.get("files")
    if not isinstance(listed, dict) or STORE not in listed or not set(listed) <= set(MEMBERS) \
            or not isinstance(manifest.get("totals"), list) or not isinstance(manifest.get("accounts"), list):
        raise BackupError(f"{source}: {MANIFEST} does not list the backup's files as expected")
    present = set(archive.namelist()) - {MANIFEST}
    if present != set(listed):
        raise BackupError(f"{source}: holds {', '.join(sorted(present ^ set(listed)))} unlike its manifest")
    return manifest


def _extract(archive: zipfile.ZipFile, name: str, entry: dict, target: Path, source: Path) -> None:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as member, open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                                            "wb") as out:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if (digest.hexdigest(), size) != (entry.get("sha256"), entry.get("size")):
        raise BackupError(f"{source}: {name} is damaged (its SHA-256 or size differs from the manifest's)")


def restore(source: Path, places: Places, *, force: bool = False) -> str:
    """Check the backup `source` whole, then put its store, accounts and keys at `places`."""
    db = places.db
    targets = {STORE: db, **places.sources()}
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise BackupError(f"{source}: no such file") from None
    except zipfile.BadZipFile:
        raise BackupError(f"{source}: not a Chargeboard backup (not a zip file)") from None
    with archive:
        manifest = _read_manifest(archive, source)
        if db.exists() and not force:
            raise BackupError(f"{db} exists; nothing was restored (restore --force replaces it: back it up first)")
        if db.exists():
            try:  # an app serving it (or a command loading into it) holds its lock
                open_store(db).close()
            except StoreLocked:
                raise BackupError(f"{db} is in use by a running app or command; stop it first "
                                  f"(nothing was restored)") from None
        db.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=db.parent, prefix=".chargeboard-restore-"))
        try:
            for name, entry in manifest["files"].items():
                _extract(archive, name, entry, work / name, source)
            differing = [str(targets[name]) for name in manifest["files"] if name != STORE and targets[name].exists()
                         and _sha256(targets[name]) != manifest["files"][name]["sha256"]]
            if differing and not force:
                raise BackupError(f"{', '.join(differing)} exist and differ from the backup's; nothing was restored "
                                  f"(restore --force replaces them)")
            restored = Store(work / STORE)
            try:
                found = totals(restored)
            finally:
                restored.close()
            if json.loads(json.dumps(found)) != manifest["totals"]:
                raise BackupError(f"{source}: its store's totals differ from the manifest's; nothing was restored")
            for name in manifest["files"]:
                if name != STORE:
                    targets[name].parent.mkdir(parents=True, exist_ok=True)
                    files.write_atomically(targets[name], (work / name).read_bytes(), mode=0o600)
            with contextlib.suppress(FileNotFoundError):
                db.with_name(db.name + ".wal").unlink()  # the replaced store's, which the restored one is not
            os.replace(work / STORE, db)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return f"restored {db} from {source} (made {manifest.get('made_at')}): {_summary(manifest)}"
