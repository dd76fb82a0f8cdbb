"""Test data every test file can import: feed writers and a small, fully known co-op.

`conftest.py` turns these into fixtures; import this module directly for the constants
(`import support`), e.g. the expected sessions of each account in `COOP_VISIBLE`.

The small co-op ("Testlaget") has three stations, five kinds of user and four accounts:

=========  =====================  ======================================================
account    role                   may see (non-void sessions)
=========  =====================  ======================================================
styret     system_owner           all 10 (+ the void k4v when void sessions are listed)
per        charger_owner          sessions on chg-a1 (named by serial ZAP-A1) and chg-a2
                                  (named by station id), plus his own: k1 o1 e1 g1 p1
kari       resident               her own by e-mail: k1 k2 k3 (+ void k4v)
ola        resident               his own by e-mail: o1 o2
=========  =====================  ======================================================

`eve` is a feed user with no account; `g1`/`g2` are guest sessions (no user, no tag).
All times are 2025 winter, UTC in the feed (no offset), installation time zone Europe/Oslo.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chargeboard import accounts

# -- feed records ------------------------------------------------------------------

ZAPTEC_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def derived_again(store, refresh, rows_query: str) -> list[tuple]:
    """What `refresh(cursor)` derives from every session (a derived table of schema.sql, made again from
    scratch), read with `rows_query`, without keeping it: the derivation is rolled back."""
    cur = store.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        refresh(cur)
        return cur.execute(rows_query).fetchall()
    finally:
        cur.execute("ROLLBACK")


def insert_edge_session(cursor, session_id: str, *, started_at: datetime, minutes: int, offset_h: int,
                        registered_after_h: int | None, dated_by_registration: bool, corrected_start: datetime | None,
                        offset_change_h: int = 0, installation: str = "i", station: str = "st",
                        user: str | None = None, energy_kwh: float = 1, void: bool = False) -> None:
    """A session straight into the store (no ingest), for the property tests of the period queries:
    started at `started_at` (UTC) in a clock `offset_h` from UTC, which is `offset_change_h` more at
    its end (summer time began or ended meanwhile); registered `registered_after_h` after its end; with
    `dated_by_registration`, an impossible clock (the charger said 2000, the cloud registered it later);
    `corrected_start`, a system owner's correction of its start."""
    ended_at = started_at + timedelta(minutes=minutes)
    registered_at = None if registered_after_h is None else ended_at + timedelta(hours=registered_after_h)
    dated = dated_by_registration and registered_at is not None
    if dated:
        started_at, ended_at = datetime(2000, 1, 1), datetime(2000, 1, 1) + timedelta(minutes=minutes)
    offset = timedelta(hours=offset_h)
    started_local = (registered_at if dated else started_at) + offset
    cursor.execute(
        "INSERT INTO sessions (session_id, installation_id, station_id, user_id, tag, started_at, ended_at, "
        "registered_at, started_local, registered_local, energy_kwh, offline, time_unreliable, void, source_file, "
        "import_id, dated_by_registration, ended_local) VALUES (?, ?, ?, ?, ?, ?::TIMESTAMP::TIMESTAMPTZ, "
        "?::TIMESTAMP::TIMESTAMPTZ, ?::TIMESTAMP::TIMESTAMPTZ, ?, ?, ?, false, ?, ?, 'f', 1, ?, ?)",
        [session_id, installation, station, user, user and f"tag-{user}", started_at, ended_at, registered_at,
         started_local, None if registered_at is None else registered_at + offset, energy_kwh, dated, void, dated,
         # as schema.sql's local_end() makes it: the local start plus the span when dated by registration,
         # else the end in the offset of its moment
         started_local + (ended_at - started_at) if dated else ended_at + offset + timedelta(hours=offset_change_h)])
    if corrected_start is not None:
        cursor.execute("INSERT INTO session_corrections VALUES (?, ?, 'owner', now(), NULL)",
                       [session_id, corrected_start])


def zaptec_time(moment: datetime) -> str:
    """Zaptec's own time format: UTC, no offset, milliseconds ("2025-03-01T10:00:00.000")."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime(ZAPTEC_TIME)[:-3]


def zaptec_record(session_id: str = "s-1", *, station: str = "chg-1", serial: str | None = "ZAP000001",
                  station_name: str | None = "Charger 1", user_id: str | None = "u-1",
                  user_name: str | None = "Test User", email: str | None = "test.user@example.org",
                  tag: str | None = "Tag 1", start: datetime | str = datetime(2025, 3, 1, 10, 0),
                  minutes: float = 60, kwh: float | str | None = 5.0, metadata: int | None = 5,
                  registered: datetime | str | None = None, **extra) -> dict:
    """One Zaptec chargehistory record (GET /api/chargehistory field names).

    `start` is UTC when naive. The real end (CommitEndDateTime) is start + minutes;
    EndDateTime (when the cloud registered it) is `registered` or the end. metadata is
    CommitMetadata (1 online, 2 offline, 4 reliable clock, 32 void); 5 = online, reliable.
    `extra` adds or overrides raw fields (None values are written as JSON null; pass
    `Field=...` to set any Zaptec field, e.g. ReplacedBySessionId, EnergyDetails).
    """
    if isinstance(start, datetime):
        end = zaptec_time(start + timedelta(minutes=minutes))
        start_text = zaptec_time(start)
    else:
        start_text, end = start, None
    if isinstance(registered, datetime):
        registered = zaptec_time(registered)
    record = {
        "Id": session_id, "ChargerId": station, "DeviceId": serial, "DeviceName": station_name,
        "UserId": user_id, "UserFullName": user_name, "UserEmail": email, "TokenName": tag,
        "StartDateTime": start_text, "EndDateTime": registered or end, "CommitEndDateTime": end,
        "Energy": kwh, "CommitMetadata": metadata,
    }
    record.update(extra)
    return record


def write_zaptec(path: Path, records: list[dict], shape: str = "page") -> Path:
    """Write records as a Zaptec feed. shape: "page" = one response page object
    {"Pages": 1, "Data": [...]}; "pages" = a list of page objects (split in two when there
    are 2+ records); "list" = a bare list of records."""
    if shape == "page":
        payload: object = {"Pages": 1, "Data": records}
    elif shape == "pages":
        half = max(1, len(records) // 2)
        chunks = [records[:half], records[half:]] if len(records) > 1 else [records]
        payload = [{"Pages": len(chunks), "Data": chunk} for chunk in chunks]
    elif shape == "list":
        payload = records
    else:
        raise ValueError(shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


CSV_COLUMNS = ("session_id", "station_id", "station_name", "user_id", "user_name", "user_email", "tag",
               "started_at", "ended_at", "energy_kwh", "offline", "time_unreliable", "registered_at")


def csv_row(session_id: str = "c-1", *, station: str = "ST-1", start: str = "2025-03-01T10:00:00+01:00",
            end: str = "2025-03-01T11:00:00+01:00", kwh: str | float = "5.000", **columns) -> dict:
    """One row of the generic CSV feed; keyword arguments set any other column."""
    return {"session_id": session_id, "station_id": station, "started_at": start, "ended_at": end,
            "energy_kwh": kwh, **columns}


def write_csv(path: Path, rows: Iterable[Mapping], columns: Iterable[str] | None = None) -> Path:
    """Write rows (dicts) as a generic CSV feed. columns: the header, in order (default:
    every column any row names, in CSV_COLUMNS order first). Missing values are empty."""
    rows = list(rows)
    if columns is None:
        named = {k for row in rows for k in row}
        columns = [c for c in CSV_COLUMNS if c in named] + sorted(named - set(CSV_COLUMNS))
    columns = list(columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# -- the small co-op ---------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str
    tag: str


KARI = Person("u-kari", "Kari Nordmann", "kari.nordmann@example.org", "Brikke Kari")
OLA = Person("u-ola", "Ola Hansen", "ola.hansen@example.org", "Brikke Ola")
PER = Person("u-per", "Per Olsen", "per.olsen@example.org", "Brikke Per")
EVE = Person("u-eve", "Eve Utenfor", "eve.utenfor@example.org", "Brikke Eve")
PEOPLE = (KARI, OLA, PER, EVE)
FEED_NAMES = tuple(p.name for p in PEOPLE)

# station id (Zaptec ChargerId) -> (serial / DeviceId, name)
STATIONS = {"chg-a1": ("ZAP-A1", "Garasje A1"), "chg-a2": ("ZAP-A2", "Garasje A2"),
            "chg-b1": ("ZAP-B1", "Garasje B1")}

# session id, station, person (None = guest), start (UTC), minutes, kWh, extra fields
_COOP = (
    ("k1", "chg-a1", KARI, datetime(2025, 1, 10, 17, 0), 120, 14.2, {}),
    ("k2", "chg-b1", KARI, datetime(2025, 2, 11, 18, 0), 90, 9.0, {}),
    ("k3", "chg-b1", KARI, datetime(2025, 3, 12, 19, 0), 60, 5.5,
     {"CommitMetadata": 2 | 4, "EndDateTime": "2025-03-13T08:00:00.000"}),
    ("k4v", "chg-b1", KARI, datetime(2025, 3, 12, 19, 0), 60, 5.6,
     {"CommitMetadata": 1 | 4 | 32, "ReplacedBySessionId": "k3"}),
    ("o1", "chg-a2", OLA, datetime(2025, 1, 15, 16, 0), 180, 20.0, {}),
    ("o2", "chg-b1", OLA, datetime(2025, 2, 20, 7, 0), 240, 30.0, {}),
    ("p1", "chg-b1", PER, datetime(2025, 1, 20, 20, 0), 60, 7.0, {}),
    ("e1", "chg-a1", EVE, datetime(2025, 2, 1, 21, 0), 300, 40.0, {}),
    ("e2", "chg-b1", EVE, datetime(2025, 3, 3, 9, 0), 100, 11.0, {}),
    ("g1", "chg-a2", None, datetime(2025, 3, 5, 12, 0), 30, 3.0, {}),
    ("g2", "chg-b1", None, datetime(2025, 3, 6, 13, 0), 45, 4.0, {}),
)
COOP_KWH = {sid: kwh for sid, _, _, _, _, kwh, _ in _COOP}
COOP_VOID = {"k4v"}
COOP_STATION = {sid: station for sid, station, *_ in _COOP}
COOP_USER = {sid: (person.user_id if person else None) for sid, _, person, *_ in _COOP}


def coop_records() -> list[dict]:
    records = []
    for sid, station, person, start, minutes, kwh, extra in _COOP:
        serial, name = STATIONS[station]
        record = zaptec_record(sid, station=station, serial=serial, station_name=name,
                               user_id=person and person.user_id, user_name=person and person.name,
                               email=person and person.email, tag=person and person.tag,
                               start=start, minutes=minutes, kwh=kwh)
        record.update(extra)
        records.append(record)
    return records


def write_coop_feed(path: Path) -> Path:
    return write_zaptec(path, coop_records(), shape="page")


# -- accounts ------------------------------------------------------------------------

@dataclass(frozen=True)
class Login:
    username: str
    password: str
    name: str
    role: str
    email: str
    stations: tuple[str, ...] = ()
    installations: tuple[str, ...] = ()  # none: every installation of a one-installation store


STYRET = Login("styret", "styret-passord-1", "Styret", "system_owner", "styret@example.org")
# Stations named once by the charger's serial and once by the feed's station id.
OWNER = Login("per", "per-passord-12", "Per Olsen", "charger_owner", PER.email, ("ZAP-A1", "chg-a2"))
# Upper case and spaces: the link by e-mail must not depend on how it was typed.
RESIDENT = Login("kari", "kari-passord-1", "Kari Nordmann", "resident", "  Kari.Nordmann@Example.ORG ")
RESIDENT2 = Login("ola", "ola-passord-12", "Ola Hansen", "resident", OLA.email)
LOGINS = (STYRET, OWNER, RESIDENT, RESIDENT2)

NON_VOID = {sid for sid in COOP_KWH if sid not in COOP_VOID}
# Which sessions each account may see (void ones excluded; COOP_VOID_VISIBLE adds them).
COOP_VISIBLE = {
    "styret": NON_VOID,
    "per": {"k1", "o1", "e1", "g1", "p1"},
    "kari": {"k1", "k2", "k3"},
    "ola": {"o1", "o2"},
}
COOP_VOID_VISIBLE = {"styret": {"k4v"}, "per": set(), "kari": {"k4v"}, "ola": set()}


def write_accounts(path: Path, logins: Iterable[Login] = LOGINS, language: str = "en") -> Path:
    """An auth.yaml with the given accounts, made with the production add_user (bcrypt at the
    tests' low cost: conftest).
    The tests read the app in English: the store's default language (new accounts, and the login
    page of a browser that names no language) is English, and so is every account unless
    `language` says otherwise (the Norwegian tests pass language="nb")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# test accounts\ndefault_language: en\ncookie:\n  name: chargeboard_test\n  expiry_days: 1\n"
                    "credentials:\n  usernames: {}\n", encoding="utf-8")
    for login in logins:
        accounts.add_user(login.username, name=login.name, email=login.email, role=login.role,
                          password=login.password, stations=list(login.stations) or None,
                          installations=list(login.installations) or None, language=language, path=path)
    return path


# -- environment ---------------------------------------------------------------------

COOKIE_KEY = "k" * 32 + "0123456789abcdef0123456789abcdef"  # 64 characters, not a known default
assert len(COOKIE_KEY) == 64


# Every test, and every app a test serves, lives on this day: period presets ("Last year",
# "Last month") over the fixed test data mean the same on any day the suite runs.
TODAY = "2026-01-15"


def test_env(db: Path, auth: Path, secret_file: Path) -> dict[str, str]:
    """The environment variables the app and the command line read, for a test store."""
    return {"CHARGEBOARD_DB": str(db), "CHARGEBOARD_AUTH": str(auth), "CHARGEBOARD_COOKIE_KEY": COOKIE_KEY,
            "CHARGEBOARD_LOGIN_SLEEP": "0", "CHARGEBOARD_SECRET_FILE": str(secret_file),
            "CHARGEBOARD_TODAY": TODAY}


test_env.__test__ = False  # a helper, not a test


def build_coop_db(folder: Path) -> Path:
    """A store file with the co-op loaded, closed again (so another opener may own it)."""
    from chargeboard.ingest import ingest_file  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    db = folder / "coop.duckdb"
    builder = Store(db)
    try:
        ingest_file(builder, write_coop_feed(folder / "testlaget.chargehistory.json"), installation="Testlaget")
    finally:
        builder.close()
    return db
