"""The one module that opens the DuckDB store.

Design (see README, "While the app is serving"): DuckDB lets one process own a database
file. While the app serves, it is that process; a feed loaded from the command line is
handed to the app over its socket (chargeboard.handover) and loaded by the app. When no
app is serving, the command line opens the file itself. Either way the same ingest code
runs on a connection from this module.

A Store remembers which file it opened (device, inode). If that file is replaced or
deleted while it is open, the Store is "detached": it writes nothing more, and a write
whose commit went into the old file is reported as failed, never as done.

Every call gets its own cursor: DuckDB refuses one connection used by several threads
at once, and Streamlit runs each browser session in its own thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from chargeboard import private_files, settings
from chargeboard.scope import Scope

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
# scoped_sessions(...) and the macros that apply the same rule (scoped_sessions_around(...),
# scoped_sessions_dated(...), scoped_session_months(...), scoped_session_overlaps(...)) take the Scope.
_SCOPED = re.compile(r"\bscoped_(sessions|sessions_around|sessions_dated|session_months|session_overlaps)\s*\(")


class StoreError(RuntimeError):
    """The store cannot be used; the message is one line naming the file and why."""


class StoreLocked(StoreError):
    """Another process owns the database file."""


# A query that needs more memory than settings.memory_limit() lets DuckDB use (it spills what it can).
StoreOutOfMemory = duckdb.OutOfMemoryException


class StoreWriteFailed(StoreError):
    """A change could not be written to the store's files (a full disk): none of it was stored."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}; nothing was changed")
        self.path, self.reason = path, reason


class StoreDetached(StoreError):
    """The store's file was replaced or deleted while it was open: nothing more is written."""


def _private_files() -> None:
    """Every file a process that opens a store creates (the store, its WAL, exports, the
    spool) is its user's only: the WAL comes and goes, so only the umask covers it."""
    os.umask(os.umask(0o077) | 0o077)


@cache
def query_text(name: str) -> str:
    """The SQL of queries/<folder>/<name>.sql. Names are code constants, never user input."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad query name {name!r}")
    try:
        return query_files()[name].read_text(encoding="utf-8")
    except KeyError:
        raise ValueError(f"no query named {name!r} in {settings.QUERIES_DIR}") from None


@cache
def query_files() -> dict[str, Path]:
    """Every query file by its name. The folders (ingest, history, costs…) only help a reader find one:
    a query is called by its name alone, so a name is used once in the whole tree."""
    files: dict[str, Path] = {}
    for path in sorted(settings.QUERIES_DIR.rglob("*.sql")):
        if path.stem in files:
            raise RuntimeError(f"two queries named {path.stem}: {files[path.stem]} and {path}")
        files[path.stem] = path
    return files


@cache
def _parameter_names(sql: str) -> frozenset[str]:
    return frozenset(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))


def refresh_session_months(cur: duckdb.DuckDBPyConnection, installation_id: str | None,
                           months: list | None = None) -> None:
    """Sum the sessions again into session_months (schema.sql) for one installation (None: all), in
    `months` (local month starts) or in every month (None). Call it inside the transaction that
    changed the sessions, so the sums never disagree with them."""
    params = {"installation_id": installation_id, "months": list(months or []), "all_months": months is None}
    if months is not None and not months:
        return
    cur.execute(query_text("session_months_delete"), params)
    cur.execute(query_text("session_months_insert"), params)


_BEFORE_EVERY_SESSION = datetime(1, 1, 2, tzinfo=UTC)  # (session_overlaps_insert.sql's $from, for every station)


def refresh_session_overlaps(cur: duckdb.DuckDBPyConnection, since: list[dict] | None) -> None:
    """Find the overlapping sessions (session_overlaps, schema.sql) again: on each station of `since`
    (`{"station_id", "since"}`, from sessions_changed_by_ingest.sql) for its sessions from that time on,
    or on every station (None). Call it inside the transaction that changed the sessions."""
    if since is not None and not since:
        return
    params = {"since": since or [], "all_stations": since is None,
              "from": min(t["since"] for t in since) if since else _BEFORE_EVERY_SESSION}
    if since is None:
        cur.execute(query_text("session_overlaps_clear"))
    else:
        cur.execute(query_text("session_overlaps_delete"), {"since": since, "from": params["from"]})
    cur.execute(query_text("session_overlaps_insert"), params)
    cur.execute(query_text("derived_table_made"), {"name": "session_overlaps"})


def is_lock_error(error: Exception) -> bool:
    return "lock" in str(error).lower() and isinstance(error, duckdb.IOException | duckdb.Error)


class Store:
    """An open store. `allowed_dirs` set means: read no files but those folders (the app)."""

    def __init__(self, path: Path | str, *, allowed_dirs: list[Path] | None = None):
        self.path = Path(path)
        _private_files()
        private_files.make_private_folder(self.path.parent)
        try:  # the store's folder and file: this user's alone (what is beside it is trusted on that)
            private_files.check_folder(self.path.parent)
            with contextlib.suppress(FileNotFoundError):
                private_files.check(os.stat(self.path), self.path)
        except private_files.NotPrivate as error:
            raise StoreError(str(error)) from None
        try:
            config = {"autoinstall_known_extensions": False, "autoload_known_extensions": True,
                      "memory_limit": settings.memory_limit()}
        except ValueError as error:
            raise StoreError(f"{self.path}: cannot open the store — {error}") from None
        try:
            self._con = duckdb.connect(str(self.path), config=config)
        except duckdb.Error as error:
            if is_lock_error(error):
                raise StoreLocked(f"{self.path} is in use by another process: {error}") from error
            first_line = str(error).strip().splitlines()[0]
            raise StoreError(f"{self.path}: cannot open the store — {first_line}") from None
        opened = os.stat(self.path)
        self._identity = (opened.st_dev, opened.st_ino)
        self._detached: str | None = None
        if opened.st_mode & 0o077 and opened.st_uid == os.geteuid():
            os.chmod(self.path, 0o600)  # a store made before files were private
        # Day and month boundaries are computed with each installation's own zone in SQL;
        # UTC here keeps every other conversion explicit. GLOBAL: cursors do not inherit SET.
        try:
            self._con.execute("SET GLOBAL TimeZone = 'UTC'")
            self._bring_schema_up_to_date()
            if allowed_dirs is not None:  # folders the caller made (and checked)
                self._con.execute(
                    "SET allowed_directories = $dirs",
                    {"dirs": [str(folder.resolve()) + "/" for folder in allowed_dirs]},
                )
                self._con.execute("SET enable_external_access = false")
            self._derive_what_an_older_store_lacks()
        except (duckdb.IOException, duckdb.TransactionException) as error:  # a full disk: one line naming the store
            self._con.close()
            first_line = str(error).strip().splitlines()[0]
            raise StoreError(f"{self.path}: cannot bring the store up to date — {first_line}") from None
        self._write_lock = threading.RLock()  # re-entered by detached() inside a transaction
        self._wal_flushed = False
        self._version = 0
        self._closed = False
        self._on_data_change: list[Callable[[], None]] = []

    def _bring_schema_up_to_date(self) -> None:
        """Run schema.sql unless this store already holds this very schema. Running it writes
        (its CREATE OR REPLACE MACROs) even when nothing changes: a read-only command on a full
        disk would fail at the open, and every open would grow the WAL."""
        schema = SCHEMA_FILE.read_text(encoding="utf-8")
        fingerprint = hashlib.sha256(schema.encode()).hexdigest()
        try:
            if self._con.execute(query_text("schema_fingerprint")).fetchall() == [(fingerprint,)]:
                return
        except duckdb.CatalogException:
            pass  # a new store, or one made before the fingerprint
        self._con.execute("BEGIN TRANSACTION")
        try:
            self._con.execute(schema)
            self._con.execute(query_text("schema_fingerprint_set"), {"sha256": fingerprint})
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def _derive_what_an_older_store_lacks(self) -> None:
        """Derived data a store made by an older Chargeboard lacks, made once at its first open, in one
        transaction (seconds at 10M sessions; the overlaps of the 10M bench store, 86 s): the local
        ends, the monthly sums, the overlaps."""
        ends = self._con.execute(query_text("sessions_ended_local_missing")).fetchall()[0][0]
        sums = self._con.execute(query_text("session_months_missing")).fetchall()[0][0]
        overlaps = (self._con.execute(query_text("derived_table_missing"), {"name": "session_overlaps"}).fetchall()[0][0]
                    and self._con.execute(query_text("sessions_stored")).fetchall()[0][0])
        if not (ends or sums or overlaps):
            return
        self._con.execute("BEGIN TRANSACTION")
        try:
            if ends:
                self._con.execute(query_text("sessions_fill_ended_local"))
            if sums:
                refresh_session_months(self._con, None)
            if overlaps:
                refresh_session_overlaps(self._con, None)
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # -- reading -------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def _bind(self, name: str, scope: Scope | None, params: Mapping[str, Any]) -> tuple[str, dict]:
        sql = query_text(name)
        bound = dict(params)
        if _SCOPED.search(sql):
            if scope is None:
                raise ValueError(f"query {name} reads sessions and needs a Scope")
            bound.update(scope.sql_params())
        # Shared parameter sets (a SessionFilter's) carry more than one query names; bind
        # what this query names. A parameter it names and is not given still fails.
        named = _parameter_names(sql)
        return sql, {k: v for k, v in bound.items() if k in named}

    def df(self, name: str, scope: Scope | None = None, **params: Any) -> pd.DataFrame:
        sql, bound = self._bind(name, scope, params)
        with contextlib.closing(self.cursor()) as cur:
            return cur.execute(sql, bound).df()

    def rows(self, name: str, scope: Scope | None = None, **params: Any) -> list[tuple]:
        sql, bound = self._bind(name, scope, params)
        with contextlib.closing(self.cursor()) as cur:
            return cur.execute(sql, bound).fetchall()

    def count(self, name: str, scope: Scope | None = None, **params: Any) -> int:
        """How many rows query `name` gives, counted inside DuckDB (the rows never leave it)."""
        sql, bound = self._bind(name, scope, params)
        with contextlib.closing(self.cursor()) as cur:
            # (sql is a file of queries/ by its checked name, never input; the values stay bound)
            return cur.execute(f"SELECT count(*) FROM ({sql})", bound).fetchone()[0]  # noqa: S608

    def df_head(self, name: str, scope: Scope | None, rows: int, **params: Any) -> pd.DataFrame:
        """The first `rows` rows of query `name`, in its order."""
        sql, bound = self._bind(name, scope, params)
        with contextlib.closing(self.cursor()) as cur:
            return cur.execute(f"SELECT * FROM ({sql}) LIMIT $head_rows",  # noqa: S608 — as count()
                               {**bound, "head_rows": rows}).df()

    def one(self, name: str, scope: Scope | None = None, **params: Any) -> tuple:
        result = self.rows(name, scope, **params)
        return result[0] if result else ()

    def stream(
        self, name: str, scope: Scope | None = None, batch: int = 10_000, **params: Any
    ) -> tuple[list[str], Iterator[tuple]]:
        """Column names and a row iterator that fetches in batches (for large exports)."""
        sql, bound = self._bind(name, scope, params)
        cur = self.cursor()
        cur.execute(sql, bound)
        columns = [d[0] for d in cur.description]

        def rows() -> Iterator[tuple]:
            try:
                while chunk := cur.fetchmany(batch):
                    yield from chunk
            finally:
                cur.close()

        return columns, rows()

    # -- writing -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time; everything inside commits together or not at all.
        changes_data=False for a log line no page shows: the data version stays, so the pages'
        kept results stay (see log_export)."""
        with self._write_lock:
            self._ensure_attached()
            with contextlib.closing(self.cursor()) as cur:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                try:
                    cur.execute("COMMIT")
                except duckdb.Error as error:  # its files could not be written (a full disk): nothing changed
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    first_line = str(error).strip().splitlines()[0]
                    reason = "no space left on device" if "No space left on device" in first_line else first_line
                    raise StoreWriteFailed(self.path, reason) from None
                if changes_data:
                    self._version += 1
                    for listener in self._on_data_change:
                        listener()
            self._ensure_attached()  # the commit landed in the file still at the path, or it is not "done"

    def detached(self) -> str | None:
        """Why nothing more is written (the file at the path is not the one opened), or None."""
        if self._detached is None and not self._closed:
            try:
                now = os.stat(self.path)
                moved = (now.st_dev, now.st_ino) != self._identity
            except FileNotFoundError:
                moved = True
            if moved:
                self._detached = (f"the store file {self.path} was replaced or deleted while the app was serving; "
                                  f"nothing more is written to it; restart the app")
        if self._detached is not None and not self._wal_flushed and not self._closed:
            self._flush_wal()
        return self._detached

    def _flush_wal(self) -> None:
        """The WAL is named after the path, not the file: left there, it would belong to no file
        (the new one at the path refuses to open with it, and the moved one lacks its last loads).
        A checkpoint moves it into the file this Store opened and removes it from the path."""
        with self._write_lock:
            try:
                with contextlib.closing(self.cursor()) as cur:
                    cur.execute("CHECKPOINT")
                self._wal_flushed = True
            except duckdb.Error:
                pass  # a reader is still busy; tried again on the next check

    def _ensure_attached(self) -> None:
        if (reason := self.detached()) is not None:
            raise StoreDetached(reason)

    def copy_to(self, folder: Path) -> Path:
        """A consistent copy of the store in `folder` (backup.py), made while the app serves: under the
        write lock no change runs, everything committed is checkpointed into the file, and the file is
        copied byte for byte (with its WAL, should a reader's transaction have kept one back; opening
        the copy replays it). Readers go on meanwhile: they never write the file."""
        with self._write_lock:
            self._ensure_attached()
            with contextlib.closing(self.cursor()) as cur:
                cur.execute("CHECKPOINT")
            target = folder / self.path.name
            shutil.copyfile(self.path, target)
            wal = self.path.with_name(self.path.name + ".wal")
            with contextlib.suppress(FileNotFoundError):
                shutil.copyfile(wal, target.with_name(target.name + ".wal"))
        return target

    def log_export(self, scope: Scope, what: str, file_name: str, rows: int) -> None:
        """Log one export: who, with which role, when, what, how many rows. Not a change of data:
        were it one, every download would empty every user's kept page results and take the
        Statements page's prepared PDFs away between two clicks on their download buttons."""
        with self.transaction(changes_data=False) as cur:
            cur.execute(query_text("record_export"), {"username": scope.username, "role": scope.role, "what": what,
                                                      "file_name": file_name, "row_count": rows})

    def execute(self, name: str, **params: Any) -> None:
        """Run one write query from queries/ in its own transaction."""
        with self.transaction() as cur:
            cur.execute(query_text(name), params)

    def on_data_change(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every committed change of data, in the writer's thread (so it
        must return at once: the app's warmer only wakes its own thread)."""
        self._on_data_change.append(listener)

    def data_version(self) -> tuple:
        """Changes whenever data changes: part of every cache key, so new feeds show at once."""
        with contextlib.closing(self.cursor()) as cur:
            last_import = cur.execute("SELECT coalesce(max(import_id), 0) FROM imports").fetchone()[0]
        return (last_import, self._version)

    def close(self) -> None:
        self._closed = True
        self._con.close()

    @property
    def closed(self) -> bool:
        return self._closed


def open_store(
    path: Path | str | None = None, *, wait_seconds: float = 0, allowed_dirs: list[Path] | None = None
) -> Store:
    """Open the store, waiting up to wait_seconds while another process holds it."""
    path = Path(path or settings.db_path())
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return Store(path, allowed_dirs=allowed_dirs)
        except StoreLocked:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
