"""The Data sources page's logic: uploaded files, installations, and what feeds each.

An uploaded file is written into the private folder next to the store (sync.landing_dir)
and loaded by ingest.ingest_file — the same code, summary and rejected rows as
`python -m chargeboard ingest` — then removed again (the store holds what it brought).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd

from chargeboard import formats, ingest, private_files, reasons, settings, sync
from chargeboard.i18n import _
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text, refresh_session_months, refresh_session_overlaps
from chargeboard.summary import ImportSummary, first_rows_note

DEFAULT_UPLOAD_MAX_MB = 200
_CHUNK = 1 << 20


class SourceError(ValueError):
    """A request the page refuses, said in one line."""


def upload_limit_mb() -> int:
    """The largest file the app takes ($CHARGEBOARD_UPLOAD_MAX_MB; Streamlit's own
    server.maxUploadSize in .streamlit/config.toml should be at least this)."""
    try:
        return max(1, int(os.environ.get("CHARGEBOARD_UPLOAD_MAX_MB", DEFAULT_UPLOAD_MAX_MB)))
    except ValueError:
        return DEFAULT_UPLOAD_MAX_MB


@dataclass
class UploadResult:
    name: str
    summary: ImportSummary | None = None
    error: str | None = None
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # its first rows (settings.ROWS_SHOWN)
    rejected_note: str | None = None  # "The first 1,000 of 50,005." when there are more

    def lines(self) -> list[str]:
        return [_("error: {reason}", reason=self.error)] if self.error else self.summary.lines()


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:100] or "upload"


def uploads_dir(database: Path) -> Path:
    """Where an upload is copied while it loads (removed when loaded, or at the app's next start)."""
    return sync.landing_dir(database) / "uploads"


def remove_leftover_uploads(database: Path) -> int:
    """Remove the copies of uploads an app that was killed mid-load left behind; how many. Called
    when the app opens the store: it holds the store's lock, so no other app is loading one."""
    removed = 0
    folder = uploads_dir(database)
    if not folder.is_dir():
        return 0
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) or entry.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed += 1
    return removed


def load_upload(store: Store, name: str, stream, size: int, installation_id: str | None = None,
                on_progress: Callable[[float, str], None] | None = None) -> UploadResult:
    """Save one uploaded file privately and load it through the ingest."""
    progress = on_progress or (lambda _f, _t: None)
    shown = _safe_name(name)
    limit = upload_limit_mb()
    if size > limit * 1_000_000:
        return UploadResult(shown, error=_("{file}: {size} MB is over the upload limit of {limit} MB "
                                           "(CHARGEBOARD_UPLOAD_MAX_MB); nothing was loaded", file=shown,
                                           size=formats.decimal(size / 1_000_000, 1), limit=limit))
    try:
        folder = private_files.folder(uploads_dir(store.path), existing_too=1)
    except OSError as error:  # (private_files.NotPrivate: one line naming the folder and why)
        return UploadResult(shown, error=str(error) if isinstance(error, private_files.NotPrivate) else _(
            "{file}: could not be saved for loading ({error})", file=shown, error=error.strerror or error))
    target = folder / f"{secrets.token_hex(8)}-{shown}"
    try:
        with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            written = 0
            while chunk := stream.read(_CHUNK):
                out.write(chunk)
                written += len(chunk)
                progress(0.5 * written / max(size, 1), _("Saving {file}…", file=shown))
        progress(0.5, _("Loading {file}…", file=shown))
        summary = ingest.ingest_file(store, target, installation=installation_id, display_name=shown,
                                     show_progress=False)
    except ingest.IngestError as error:
        return UploadResult(shown, error=str(error))
    except OSError as error:
        return UploadResult(shown, error=_("{file}: could not be saved for loading ({error})", file=shown,
                                           error=error.strerror or error))
    finally:
        target.unlink(missing_ok=True)
    progress(1.0, _("{file} loaded", file=shown))
    if not summary.rejected:
        return UploadResult(shown, summary)
    rejected = store.df_head("rejected_rows_of_import", None, settings.ROWS_SHOWN, import_id=summary.import_id)
    rejected["reason"] = rejected["reason"].map(reasons.shown)
    return UploadResult(shown, summary, rejected=rejected,
                        rejected_note=first_rows_note(len(rejected), summary.rejected))


# -- installations --------------------------------------------------------------------------

def installations(store: Store, scope: Scope) -> pd.DataFrame:
    return store.df("installations_overview", scope)


def stations_of(store: Store, installation_id: str) -> pd.DataFrame:
    return store.df("installation_stations", installation_id=installation_id)


def _checked_zone(time_zone: str) -> str:
    time_zone = (time_zone or "").strip()
    if time_zone not in zoneinfo.available_timezones():
        raise SourceError(_("{zone} is not a time zone name (e.g. Europe/Oslo)", zone=repr(time_zone)))
    return time_zone


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise SourceError(_("an installation needs a name of 1 to 100 characters"))
    return name


def create_installation(store: Store, name: str, time_zone: str = settings.DEFAULT_TIME_ZONE) -> str:
    name, time_zone = _checked_name(name), _checked_zone(time_zone)
    installation_id = ingest.slug(name)
    if store.rows("installation_name_taken", installation_id=installation_id, installation_name=name):
        raise SourceError(_("an installation named {name} exists already", name=repr(name)))
    with store.transaction() as cur:
        installation_id, _created = ingest.ensure_installation(cur, name, time_zone)
    return installation_id


def rename_installation(store: Store, installation_id: str, name: str) -> None:
    name = _checked_name(name)
    taken = [r[0] for r in store.rows("installation_name_taken", installation_id="", installation_name=name)]
    if any(t != installation_id for t in taken):
        raise SourceError(_("another installation is named {name}", name=repr(name)))
    with store.transaction() as cur:
        cur.execute(query_text("installation_rename"), {"installation_id": installation_id, "name": name})


def set_station_serial(store: Store, station_id: str, serial: str, by: str) -> str | None:
    """Change a station's serial (a feed never does: a charger owner's scope may name it), logged
    in station_serial_changes. Returns the old serial."""
    serial = " ".join(serial.split())
    if not serial or len(serial) > 100:
        raise SourceError(_("a serial is 1 to 100 characters"))
    with store.transaction() as cur:
        found = cur.execute(query_text("station_serial_of"), {"station_id": station_id}).fetchall()
        if not found:
            raise SourceError(_("no station {station} in the store", station=repr(station_id)))
        old = found[0][0]
        if old != serial:
            cur.execute(query_text("station_set_serial"), {"station_id": station_id, "serial": serial})
            cur.execute(query_text("station_serial_change_insert"), {"station_id": station_id, "old_serial": old,
                                                                      "serial": serial, "changed_by": by})
    return old


def set_time_zone(store: Store, installation_id: str, time_zone: str) -> None:
    """A new zone for the installation; its sessions' local days and hours move with it."""
    time_zone = _checked_zone(time_zone)
    with store.transaction() as cur:
        cur.execute(query_text("installation_set_time_zone"), {"installation_id": installation_id,
                                                                "time_zone": time_zone})
        cur.execute(query_text("installation_recompute_local_times"), {"installation_id": installation_id,
                                                                        "time_zone": time_zone})
        refresh_session_months(cur, installation_id)  # every month: sessions moved between months


@dataclass(frozen=True)
class Merged:
    """What a merge moved into the installation it kept."""
    sessions: int
    counted_kwh: Decimal
    stations: int
    meters: int
    imports: int


# Every table that names an installation and is moved whole by a merge (schema.sql); the derived
# session_months and session_overlaps are summed and found again instead.
_MERGED_TABLES = ("sessions", "stations", "meters", "imports", "cloud_installations", "sync_runs")
_EVERY_SESSION = datetime(1, 1, 2, tzinfo=UTC)


def merge_installations(store: Store, source_id: str, into_id: str) -> Merged:
    """Move everything of installation `source_id` (sessions, stations, meters, loaded files, cloud
    ties, sync log) into `into_id` and remove `source_id`, in one transaction: every total stays the
    same. Sessions take `into_id`'s time zone. Refused, naming why, when a session id is stored in both
    (it would count twice)."""
    if source_id == into_id:
        raise SourceError(_("choose two different installations"))
    with store.transaction() as cur:
        zones = {}
        for installation_id in (source_id, into_id):
            row = cur.execute(query_text("installation_by_id"), {"installation_id": installation_id}).fetchone()
            if not row:
                raise SourceError(_("there is no installation {installation}", installation=installation_id))
            zones[installation_id] = row[2]
        ids = {"source_id": source_id, "into_id": into_id}
        conflicts = cur.execute(query_text("installation_merge_conflicts"), ids).fetchall()
        if conflicts:
            raise SourceError(_("{source} cannot be merged into {into}: {n} session ids are stored in both "
                                "(e.g. {sessions}), and merged they would be counted twice. Nothing was changed.",
                                source=source_id, into=into_id, n=conflicts[0][0],
                                sessions=", ".join(r[1] for r in conflicts)))
        source = {"source_id": source_id}
        moved = Merged(*cur.execute(query_text("installation_merge_counts"), source).fetchone())
        stations = [r[0] for r in cur.execute(query_text("installation_merge_stations_moved"), source).fetchall()]
        for table in _MERGED_TABLES:
            cur.execute(query_text(f"installation_merge_{table}"), ids)
        if zones[source_id] != zones[into_id]:
            cur.execute(query_text("installation_recompute_local_times"),
                        {"installation_id": into_id, "time_zone": zones[into_id]})
        refresh_session_months(cur, source_id)  # (its sums go: it has no sessions left)
        refresh_session_months(cur, into_id)
        refresh_session_overlaps(cur, [{"station_id": s, "since": _EVERY_SESSION} for s in stations])
        cur.execute(query_text("installation_delete"), {"installation_id": source_id})
    return moved


def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())
