"""Small stores for the cost tests (meters, reconciliation, tariffs, statements): sessions
written as a Zaptec charge-history feed (so EnergyDetails can be given) and loaded by the
real ingest. Times are given as Oslo local wall-clock times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chargeboard import ingest
from chargeboard.store import Store

OSLO = ZoneInfo("Europe/Oslo")
USERS = {"kari": ("u-kari", "Kari Nordmann", "kari.nordmann@example.org"),
         "ola": ("u-ola", "Ola Hansen", "ola.hansen@example.org"),
         "per": ("u-per", "Per Olsen", "per.olsen@example.org")}


def utc_text(local: str) -> str:
    return datetime.fromisoformat(local).replace(tzinfo=OSLO).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000")


def session(sid: str, who: str | None, station: str, start: str, end: str, kwh: float,
            details: list[tuple[str, float]] | None = None) -> dict:
    user = USERS.get(who) if who else None
    return {"Id": sid, "ChargerId": station, "DeviceId": station, "DeviceName": f"Plass {station}",
            "UserId": user[0] if user else None, "UserFullName": user[1] if user else None,
            "UserEmail": user[2] if user else None, "TokenName": None,
            "StartDateTime": utc_text(start), "EndDateTime": utc_text(end), "CommitEndDateTime": utc_text(end),
            "Energy": kwh, "CommitMetadata": 5, "ReplacedBySessionId": None, "ExternalId": None,
            "ChargerFirmwareVersion": "1", "SignedSession": None,
            "EnergyDetails": [{"Timestamp": utc_text(t), "Energy": e} for t, e in details] if details else None}


def make_store(tmp_path, records: list[dict], installation: str = "Garage A", name: str = "t.duckdb") -> Store:
    store = Store(tmp_path / name)
    feed = tmp_path / f"{name}.json"
    feed.write_text(json.dumps(records), encoding="utf-8")
    summary = ingest.ingest_file(store, feed, installation=installation)
    assert summary.rejected == 0, summary.lines()
    return store


def add_sessions(store: Store, tmp_path, records: list[dict], installation: str, name: str) -> None:
    feed = tmp_path / name
    feed.write_text(json.dumps(records), encoding="utf-8")
    assert ingest.ingest_file(store, feed, installation=installation).rejected == 0
