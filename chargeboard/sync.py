"""Charger-cloud sync: connections, one sync run, the sync log, and the in-app schedule.

A run logs in, discovers the installations (Zaptec) or sites (Easee) the account sees,
and for each one pulls a time window: from the chosen backfill date on the first run,
afterwards the trailing window (default 45 days) before the end of the last window read, so
that late offline sessions and voided/replaced ones arrive, after a pause too. The pull is
written as one file into a private folder next to the store and loaded by ingest.ingest_file
— the same validated, idempotent, one-file-one-transaction ingest as any feed — so an
unchanged window changes nothing and a failure half-way (network, 5xx after the retries)
leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from chargeboard import easee, ingest, private_files, zaptec
from chargeboard.cloud_http import CloudError
from chargeboard.credentials import CredentialError, Login, decrypt, encrypt
from chargeboard.i18n import _, ngettext
from chargeboard.schedule import Schedule
from chargeboard.store import Store, query_text

log = logging.getLogger(__name__)

PROVIDERS = {zaptec.PROVIDER: zaptec.ZaptecClient, easee.PROVIDER: easee.EaseeClient}
DEFAULT_API_URLS = {zaptec.PROVIDER: zaptec.DEFAULT_API_URL, easee.PROVIDER: easee.DEFAULT_API_URL}
TITLES = {zaptec.PROVIDER: zaptec.TITLE, easee.PROVIDER: easee.TITLE}
DEFAULT_WINDOW_DAYS = 45
DEFAULT_INTERVAL_MINUTES = 60
DEFAULT_BACKFILL_DAYS = 730  # two years
SCHEDULER_TICK_SECONDS = 30.0
# A pull whose ingest rejects more than this share of its records failed, whatever it stored:
# most often its stations are held by another installation (README, "A pull that rejects most of its
# sessions failed").
FAILED_REJECTED_SHARE = 0.5


class SyncError(RuntimeError):
    """A sync could not start (no credentials, unknown connection); one line."""


def landing_dir(database: Path) -> Path:
    """The private folder (0700) next to the store where pulls and uploads are written
    before the ingest reads them. The app's store is allowed to read only here and the inbox.
    It and sources/ must be this user's alone (private_files.NotPrivate otherwise): a feed planted
    there by another user would be loaded as the cloud's."""
    # sources/ holds only these folders: private too (it was made 0755 once).
    folder = private_files.folder(database.parent / "sources" / database.stem, existing_too=2)
    private_files.check_folder(folder.parent)
    return folder


@dataclass(frozen=True)
class Target:
    """What to sync: a provider, where its API is, a login, and the windows."""
    provider: str
    login: Login
    api_url: str
    connection_id: int | None = None
    cloud_ids: tuple[str, ...] = ()              # empty: every installation the account sees
    backfill_from: date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    force_from: date | None = None               # the command line's --from
    into: str | None = None                      # the command line's --into: our installation to feed


@dataclass
class RunResult:
    cloud_id: str
    cloud_name: str
    installation_id: str | None
    window_from: datetime | None = None
    window_to: datetime | None = None
    pages: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    older: int = 0         # copies older than the stored one: kept as stored (ingest, README)
    conflicting: int = 0   # copies a newer copy of the same session in the pull won over
    rejected: int = 0
    error: str | None = None

    def line(self) -> str:
        """The run in the active language (the cloud's own error, if any, as the cloud said it)."""
        where = f"{self.cloud_name} → {self.installation_id or '?'}"
        if self.error:
            return _("{where}: FAILED — {error}", where=where, error=self.error)
        line = _("{where}: {first}–{last} UTC, {pages} pages, {records} sessions → {new} new, {updated} updated, "
                 "{duplicate} duplicate, {rejected} rejected", where=where,
                 first=f"{self.window_from:%Y-%m-%d %H:%M}", last=f"{self.window_to:%Y-%m-%d %H:%M}",
                 pages=self.pages, records=self.records, new=self.new, updated=self.updated,
                 duplicate=self.duplicate, rejected=self.rejected)
        if self.older:
            line += ", " + ngettext("{n} older copy ignored (the store holds a newer one)",
                                    "{n} older copies ignored (the store holds a newer one)", self.older)
        if self.conflicting:
            line += ", " + ngettext("{n} conflicting copy ignored", "{n} conflicting copies ignored",
                                    self.conflicting)
        return line


@dataclass
class SyncOutcome:
    results: list[RunResult] = field(default_factory=list)
    error: str | None = None   # the run as a whole failed (login, discovery)

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.error is None for r in self.results)

    def lines(self) -> list[str]:
        return ([_("FAILED — {error}", error=self.error)] if self.error else []) + [r.line() for r in self.results]


def client_for(provider: str, login: Login, api_url: str | None):
    if provider not in PROVIDERS:
        raise SyncError(f"unknown charger cloud {provider!r} (use {' or '.join(PROVIDERS)})")
    return PROVIDERS[provider](login, api_url or DEFAULT_API_URLS[provider])


# -- connections ---------------------------------------------------------------------

def add_connection(store: Store, provider: str, login: Login, *, api_url: str | None = None,
                   backfill_from: date | None = None, window_days: int = DEFAULT_WINDOW_DAYS,
                   interval_minutes: int = DEFAULT_INTERVAL_MINUTES, cloud_ids: list[str] | None = None,
                   created_by: str | None = None) -> int:
    if provider not in PROVIDERS:
        raise SyncError(f"unknown charger cloud {provider!r}")
    if not login.username or not login.password:
        raise SyncError("a connection needs a username and a password")
    _check_numbers(window_days, interval_minutes)
    label = f"{TITLES[provider]} · {_masked(login.username)}"
    with store.transaction() as cur:
        return cur.execute(query_text("connection_insert"), {
            "provider": provider, "label": label, "api_url": api_url or DEFAULT_API_URLS[provider],
            "secret": encrypt(login), "cloud_ids": list(cloud_ids or []),
            "backfill_from": backfill_from or (datetime.now(UTC).date() - timedelta(days=DEFAULT_BACKFILL_DAYS)),
            "window_days": window_days, "interval_minutes": interval_minutes, "created_by": created_by,
        }).fetchone()[0]


def _masked(username: str) -> str:
    """How the app names an account: enough to recognise it, not the whole address."""
    name, at, domain = username.partition("@")
    return (name[:2] + "…" + at + domain) if at else username[:2] + "…"


def _check_numbers(window_days: int, interval_minutes: int) -> None:
    if not 1 <= int(window_days) <= 3650:
        raise SyncError("the trailing window must be 1 to 3650 days")
    if not 5 <= int(interval_minutes) <= 7 * 24 * 60:
        raise SyncError("the sync interval must be 5 minutes to 7 days")


def update_connection(store: Store, connection_id: int, *, cloud_ids: list[str], backfill_from: date,
                      window_days: int, interval_minutes: int, enabled: bool = True) -> None:
    _check_numbers(window_days, interval_minutes)
    store.execute("connection_update_settings", connection_id=connection_id, cloud_ids=list(cloud_ids),
                  backfill_from=backfill_from, window_days=int(window_days),
                  interval_minutes=int(interval_minutes), enabled=enabled)


def replace_login(store: Store, connection_id: int, login: Login) -> None:
    """A new username/password for a connection (changed in the cloud, or the sync key was lost)."""
    if not login.username or not login.password:
        raise SyncError("give the username and the password")
    store.execute("connection_update_secret", connection_id=connection_id, secret=encrypt(login))


def remove_connection(store: Store, connection_id: int) -> None:
    store.execute("connection_delete", connection_id=connection_id)


def connections(store: Store):
    return store.df("connections_all")


def target_of(store: Store, connection_id: int, *, api_url: str | None = None, cloud_ids: list[str] | None = None,
              force_from: date | None = None, into: str | None = None) -> Target:
    """A stored connection as a sync target; the password is decrypted here, in memory."""
    row = store.one("connection_secret", connection_id=connection_id)
    if not row:
        raise SyncError(f"no connection {connection_id}")
    provider, stored_url, secret, stored_ids, backfill_from, window_days = row
    return Target(provider, decrypt(secret, f"the login of connection {connection_id}"), api_url or stored_url,
                  connection_id, tuple(cloud_ids or stored_ids or ()), backfill_from, int(window_days), force_from,
                  into)


def test_login(provider: str, login: Login, api_url: str | None = None) -> tuple[bool, str, list]:
    """Log in and list what the account sees: (worked, one line to show, installations)."""
    client = client_for(provider, login, api_url)
    try:
        found = client.installations()
    except CloudError as error:
        return False, _("The login did not work: {error}", error=error), []
    finally:
        client.close()
    names = ", ".join(ngettext("{name} ({n} charger)", "{name} ({n} chargers)", len(i.chargers), name=i.name)
                      for i in found) or _("none")
    return True, ngettext("The login worked. {cloud} shows {n} installation: {names}.",
                          "The login worked. {cloud} shows {n} installations: {names}.", len(found),
                          cloud=TITLES[provider], names=names), found


def test_connection(store: Store, connection_id: int, api_url: str | None = None) -> tuple[bool, str, list]:
    """test_login with a stored connection's login (decrypted in memory only)."""
    try:
        target = target_of(store, connection_id, api_url=api_url)
    except (CredentialError, SyncError) as error:
        return False, str(error), []
    return test_login(target.provider, target.login, target.api_url)


# -- which of our installations a cloud installation feeds ----------------------------------

@dataclass(frozen=True)
class Proposal:
    """Where a cloud installation's sessions go: the installation it is tied to; untied, the one of
    ours that already holds the most of its charging stations; else a new one named as in the cloud."""
    cloud_id: str
    cloud_name: str
    installation_id: str | None          # None: a new installation, named cloud_name
    tied: bool                           # tied already (by the owner or an earlier sync)
    holders: tuple[tuple[str, str, int], ...] = ()  # (installation id, name, stations it holds), most first

    @property
    def holder(self) -> str | None:
        """The installation holding most of its stations, if any."""
        return self.holders[0][0] if self.holders else None


def _charger_keys(found: zaptec.CloudInstallation) -> list[str]:
    return sorted({key for charger_id, serial, _name in found.chargers for key in (charger_id, serial) if key})


def _holders(store: Store, found: zaptec.CloudInstallation) -> tuple[tuple[str, str, int], ...]:
    return tuple((str(i), str(n), int(c)) for i, n, c in store.rows("cloud_installation_proposal",
                                                                     charger_keys=_charger_keys(found)))


def proposal(store: Store, provider: str, found: zaptec.CloudInstallation) -> Proposal:
    holders = _holders(store, found)
    tied = store.one("cloud_installation_of", provider=provider, cloud_id=found.cloud_id)
    if tied:
        return Proposal(found.cloud_id, found.name, tied[0], True, holders)
    return Proposal(found.cloud_id, found.name, holders[0][0] if holders else None, False, holders)


def _lockout(store: Store, found: zaptec.CloudInstallation, installation_id: str | None) -> str | None:
    """Why feeding `installation_id` (None: a new one) would reject the cloud installation's sessions:
    another installation holds its stations. None when it would not."""
    others = [h for h in _holders(store, found) if h[0] != installation_id]
    if not others:
        return None
    holder_id, holder_name, held = others[0]
    target = installation_id or ingest.slug(found.name)
    return _("{cloud} cannot feed {installation}: {n} of its charging stations are stored in {holder}, so its "
             "sessions would be rejected. Choose {holder}, or merge {holder} into {installation} first.",
             cloud=found.name, installation=target, n=held, holder=holder_name or holder_id)


def tie_cloud_installation(store: Store, provider: str, found: zaptec.CloudInstallation,
                           installation_id: str | None) -> str:
    """Tie (or re-tie) a cloud installation to one of our installations (None: a new one named as in
    the cloud); later syncs feed that one. Refused, with the reason, when another installation holds
    its charging stations: the sync would reject every session. Returns our installation's id."""
    if provider not in PROVIDERS:
        raise SyncError(f"unknown charger cloud {provider!r}")
    if installation_id is not None and not store.one("installation_by_id", installation_id=installation_id):
        raise SyncError(_("there is no installation {installation}", installation=installation_id))
    if reason := _lockout(store, found, installation_id):
        raise SyncError(reason)
    with store.transaction() as cur:
        if installation_id is None:
            installation_id, _zone = ingest.ensure_installation(cur, found.name, None)
        cur.execute(query_text("cloud_installation_tie"), {"provider": provider, "cloud_id": found.cloud_id,
                                                           "installation_id": installation_id,
                                                           "cloud_name": found.name})
    return installation_id


def tie_cloud_installations(store: Store, provider: str,
                            choices: list[tuple[zaptec.CloudInstallation, Proposal, str | None]]) -> list[str]:
    """The owner's choice for each cloud installation an account sees, saved: (found, its proposal,
    our installation or None for a new one). A tie already as chosen is left alone; each refusal is
    returned (its reason), the others are saved."""
    problems = []
    for found, proposed, installation_id in choices:
        if proposed.tied and installation_id == proposed.installation_id:
            continue
        try:
            tie_cloud_installation(store, provider, found, installation_id)
        except SyncError as error:
            problems.append(str(error))
    return problems


def cloud_installations(store: Store):
    """Every cloud installation tied to one of ours."""
    return store.df("cloud_installations_all")


# -- one run -------------------------------------------------------------------------

# Per open store: one sync per provider at a time (the schedule and "Sync now" may meet).
_running: weakref.WeakKeyDictionary[Store, dict[str, threading.Lock]] = weakref.WeakKeyDictionary()
_running_guard = threading.Lock()


def _lock_for(store: Store, provider: str) -> threading.Lock:
    with _running_guard:
        return _running.setdefault(store, {}).setdefault(provider, threading.Lock())


def _installation_for(store: Store, target: Target, found: zaptec.CloudInstallation) -> tuple[str, str | None]:
    """Our installation for a cloud installation, and the name to hand the ingest when it is
    new: the one --into names (tied now), else the one it is tied to, else the one that already
    holds the most of its stations, else a new one named as in the cloud. The ingest makes a new
    one in the same transaction as the sessions, so a failed first sync leaves nothing; the tie is
    remembered after, so a rename in the app never splits it."""
    if target.into:
        return tie_cloud_installation(store, target.provider, found, target.into), None
    chosen = proposal(store, target.provider, found)
    if chosen.installation_id:
        return chosen.installation_id, None
    return ingest.slug(found.name), found.name


def _window(store: Store, target: Target, cloud_id: str, now: datetime) -> tuple[datetime, datetime]:
    if target.force_from:
        return datetime.combine(target.force_from, time(0), UTC), now
    read_to = store.one("sync_last_window_end", provider=target.provider, cloud_id=cloud_id)
    read_to = read_to[0] if read_to else None
    if read_to is None:
        first = target.backfill_from or (now.date() - timedelta(days=DEFAULT_BACKFILL_DAYS))
        return datetime.combine(first, time(0), UTC), now
    # The trailing window before the end of the last one read: a session can reach the cloud up to
    # that long after its start, so after a pause too the window reaches back that far from where
    # the last read ended (from now instead: a gap after a pause longer than the window; from the
    # last end itself: the sessions started before it and uploaded during the pause are missed).
    return min(read_to.astimezone(UTC), now) - timedelta(days=target.window_days), now


def run_sync(store: Store, target: Target, *, now: datetime | None = None,
             on_progress: Callable[[str], None] | None = None) -> SyncOutcome:
    """One sync of every installation the target names (or the account sees)."""
    lock = _lock_for(store, target.provider)
    if not lock.acquire(blocking=False):
        return SyncOutcome(error=f"a {TITLES[target.provider]} sync is already running")
    try:
        return _run(store, target, now or datetime.now(UTC), on_progress or (lambda _text: None))
    finally:
        lock.release()


def _run(store: Store, target: Target, now: datetime, progress: Callable[[str], None]) -> SyncOutcome:
    outcome = SyncOutcome()
    client = client_for(target.provider, target.login, target.api_url)
    title = TITLES[target.provider]
    try:
        progress(f"Logging in to {title}…")
        try:
            found = client.installations()
        except CloudError as error:
            outcome.error = str(error)
            _log_failed_start(store, target, str(error))
            return outcome
        if target.cloud_ids:
            missing = set(target.cloud_ids) - {i.cloud_id for i in found}
            found = [i for i in found if i.cloud_id in target.cloud_ids]
            for cloud_id in sorted(missing):
                outcome.results.append(RunResult(cloud_id, cloud_id, None,
                                                 error=f"{title} account does not see installation {cloud_id}"))
                _log_failed_start(store, target, outcome.results[-1].error, cloud_id)
        folder = landing_dir(store.path)
        for installation in found:
            progress(f"Reading {installation.name} from {title}…")
            outcome.results.append(_sync_one(store, client, target, installation, now, folder))
    finally:
        client.close()
    return outcome


def _log_failed_start(store: Store, target: Target, error: str, cloud_id: str | None = None) -> None:
    run_id = _start(store, target, cloud_id, None, None, None)
    _finish(store, run_id, RunResult("", "", None, error=error))


def _start(store: Store, target: Target, cloud_id: str | None, installation_id: str | None,
           start: datetime | None, end: datetime | None) -> int:
    with store.transaction() as cur:
        return cur.execute(query_text("sync_run_start"), {
            "connection_id": target.connection_id, "provider": target.provider, "cloud_id": cloud_id,
            "installation_id": installation_id, "window_from": start, "window_to": end}).fetchone()[0]


def _finish(store: Store, run_id: int, result: RunResult, import_id: int | None = None) -> None:
    store.execute("sync_run_finish", run_id=run_id, pages=result.pages, new_rows=result.new,
                  updated_rows=result.updated, duplicate_rows=result.duplicate, rejected_rows=result.rejected,
                  older_rows=result.older, conflicting_rows=result.conflicting,
                  import_id=import_id, error=result.error)


def _sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:  # in chunks: a backfill can be larger than memory wants
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _sync_one(store: Store, client, target: Target, installation: zaptec.CloudInstallation, now: datetime,
              folder: Path) -> RunResult:
    try:
        installation_id, new_name = _installation_for(store, target, installation)
    except SyncError as error:
        result = RunResult(installation.cloud_id, installation.name, target.into, error=str(error))
        _log_failed_start(store, target, result.error, installation.cloud_id)
        return result
    start, end = _window(store, target, installation.cloud_id, now)
    result = RunResult(installation.cloud_id, installation.name, installation_id, start, end)
    run_id = _start(store, target, installation.cloud_id, installation_id, start, end)
    import_id = None
    suffix = "json" if target.provider == zaptec.PROVIDER else "csv"
    safe_cloud_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in installation.cloud_id)[:80]
    landed = folder / f"{target.provider}-sync_{safe_cloud_id}.{suffix}"
    try:
        pull = client.pull(installation, start, end, landed)
        result.pages, result.records = pull.pages, pull.records
        previous = store.one("sync_previous_import", file_name=landed.name, installation_id=installation_id)
        if previous and previous[1] == _sha256_of(landed):
            # Unchanged since the last pull: its sessions are stored (or were rejected) already.
            import_id, records, result.rejected, result.older, result.conflicting = previous[0], *previous[2:]
            result.duplicate = records - result.rejected - result.older - result.conflicting
            result.error = _mostly_rejected(store, import_id, records, result.rejected)
            _finish(store, run_id, result, import_id)
            return result
        summary = ingest.ingest_file(store, pull.path, fmt=pull.fmt, installation=new_name or installation_id,
                                     display_name=landed.name, show_progress=False)
        # The tie is remembered (an untied one's proposal, or the new installation) unless the owner
        # tied it meanwhile.
        store.execute("cloud_installation_insert", provider=target.provider, cloud_id=installation.cloud_id,
                      installation_id=summary.installation_id, cloud_name=installation.name)
        import_id = summary.import_id
        result.new, result.updated = summary.new, summary.updated
        result.duplicate, result.rejected = summary.duplicate, summary.rejected
        result.older, result.conflicting = summary.older, summary.conflicting
        result.error = _mostly_rejected(store, import_id, summary.records, summary.rejected)
    except (CloudError, ingest.IngestError) as error:
        result.error = str(error)
    except OSError as error:  # the landing folder: full disk, permissions
        result.error = f"{landed.name}: {error.strerror or error}"
    _finish(store, run_id, result, import_id)
    if result.error:
        log.warning("sync %s %s failed: %s", target.provider, installation.cloud_id, result.error)
    return result


def _mostly_rejected(store: Store, import_id: int, records: int, rejected: int) -> str | None:
    """The failure of a pull whose ingest rejected most of its records, with the most frequent reason;
    None when most were taken. What it did store stays stored (the ingest checked every row)."""
    if not records or rejected <= FAILED_REJECTED_SHARE * records:
        return None
    row = store.one("import_top_rejection", import_id=import_id)
    reason = row[2] if row else "?"
    return _("{rejected} of {records} sessions were rejected ({n} × {reason})", rejected=rejected,
             records=records, n=row[1] if row else rejected, reason=reason)


# The sync log's columns a reader looks for first (when, what it did, its counts) and the internal ids last.
LOG_FIRST = ("connection", "started_at", "new_rows", "updated_rows", "duplicate_rows", "older_rows",
             "conflicting_rows", "rejected_rows", "error", "finished_at")
LOG_LAST = ("provider", "cloud_id", "installation_id", "import_id", "run_id")


def sync_log(store: Store, limit: int = 200):
    return store.df("sync_runs_log", limit=limit)


# -- the schedule inside the app ------------------------------------------------------

def due_connections(store: Store, now: datetime) -> list[int]:
    due = []
    for row in connections(store).itertuples():
        if not row.enabled:
            continue
        last = row.last_started
        if last is None or last != last or (now - last.to_pydatetime().astimezone(UTC)
                                            >= timedelta(minutes=int(row.interval_minutes))):
            due.append(int(row.connection_id))
    return due


def _provider_of(store: Store, connection_id: int) -> str:
    row = store.one("connection_secret", connection_id=connection_id)
    return row[0] if row else "unknown"


def sync_connection(store: Store, connection_id: int, **options) -> SyncOutcome:
    try:
        target = target_of(store, connection_id)
    except (CredentialError, SyncError) as error:
        _log_failed_start(store, Target(_provider_of(store, connection_id), Login("", ""), "", connection_id),
                          str(error))
        return SyncOutcome(error=str(error))
    return run_sync(store, target, **options)


def _sync_due(store: Store, stopped) -> None:
    """One tick of the schedule: sync each connection that is due."""
    try:
        due = due_connections(store, datetime.now(UTC))
    except Exception:  # noqa: BLE001 — e.g. the store closed under it; the schedule's loop decides
        due = []
    for connection_id in due:
        if stopped():
            return
        try:
            sync_connection(store, connection_id)
        except Exception as error:  # noqa: BLE001 — the schedule outlives one bad run
            log.exception("scheduled sync of connection %s failed", connection_id)
            with contextlib.suppress(Exception):
                _log_failed_start(store, Target(_provider_of(store, connection_id), Login("", ""), "", connection_id),
                                  f"unexpected error: {type(error).__name__}")


# One thread per open store: every tick, each connection that is due. stop_scheduler waits for a running
# sync, so the store can be closed without a query still running on it.
_schedule = Schedule("chargeboard-sync", "CHARGEBOARD_SYNC_TICK", SCHEDULER_TICK_SECONDS, _sync_due)
start_scheduler, stop_scheduler = _schedule.start, _schedule.stop
