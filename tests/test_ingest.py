"""Loading charge-session feeds: formats, validation, idempotency, atomicity, DST, CLI, hand-over."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import support
from support import csv_row, zaptec_record

from chargeboard import cli, handover, history, ingest, settings
from chargeboard.ingest import IngestError, ingest_file
from chargeboard.scope import system_scope
from chargeboard.store import Store, StoreError, refresh_session_overlaps

ROOT = Path(__file__).resolve().parents[1]
H = 3600


# -- helpers -----------------------------------------------------------------------------

def sessions(store: Store) -> dict[str, dict]:
    """Every stored session by id (tests may read the table; production code may not)."""
    with contextlib.closing(store.cursor()) as cur:
        cur.execute("SELECT * FROM sessions ORDER BY session_id")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def table_rows(store: Store, table: str) -> list[tuple]:
    assert table in {"sessions", "imports", "rejected_rows", "installations", "stations", "users"}
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608 — constant names


def counts(store: Store) -> dict[str, int]:
    return {t: len(table_rows(store, t)) for t in
            ("sessions", "imports", "rejected_rows", "installations", "stations", "users")}


def rejected(store: Store, import_id: int | None = None) -> list[tuple[str, str]]:
    """(location, reason) of rejected rows, in file order."""
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute("SELECT location, reason FROM rejected_rows WHERE $i IS NULL OR import_id = $i "
                           "ORDER BY import_id, position", {"i": import_id}).fetchall()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def three_records() -> list[dict]:
    return [zaptec_record("s-1", start=datetime(2025, 3, 1, 10)),
            zaptec_record("s-2", start=datetime(2025, 3, 2, 10), kwh=7.25),
            zaptec_record("s-3", start=datetime(2025, 3, 3, 10), user_id="u-2", email="two@example.org")]


# -- formats -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["page", "pages", "list"])
def test_each_zaptec_shape_loads_every_record(store, feeds, shape):
    path = feeds.zaptec(three_records(), shape=shape)
    summary = ingest_file(store, path)
    assert (summary.format, summary.records, summary.new, summary.duplicate, summary.rejected) == \
        ("zaptec-json", 3, 3, 0, 0)
    stored = sessions(store)
    assert set(stored) == {"s-1", "s-2", "s-3"}
    assert stored["s-2"]["energy_kwh"] == Decimal("7.250")
    assert stored["s-1"]["started_at"] == utc(2025, 3, 1, 10)
    assert stored["s-1"]["station_id"] == "chg-1"
    assert stored["s-1"]["source_file"] == "feed.json"


def test_zaptec_pages_one_per_line(store, feeds):
    records = three_records()
    text = "\n".join(json.dumps({"Pages": 2, "Data": chunk}) for chunk in (records[:1], records[1:]))
    summary = ingest_file(store, feeds.text(text + "\n", "pages.ndjson"))
    assert (summary.records, summary.new) == (3, 3)
    assert set(sessions(store)) == {"s-1", "s-2", "s-3"}


def test_zaptec_file_that_is_one_value_larger_than_the_readers_object_limit(store, feeds):
    # The reader's object limit is kept small for memory; a file that is one page of every
    # record (here 40 MB, past the limit and the reader's own 32 MB buffer) is read again with more.
    records = [zaptec_record(f"s-{i}", start=datetime(2025, 3, 1, 10), Padding="x" * 200_000) for i in range(200)]
    path = feeds.text(json.dumps({"Pages": 1, "Data": records}), "one-page.json")
    assert path.stat().st_size > max(ingest.JSON_OBJECT_BYTES, 32 << 20)
    summary = ingest_file(store, path)
    assert (summary.records, summary.new, summary.rejected) == (200, 200, 0)
    assert len(sessions(store)) == 200


def test_the_store_holds_duckdb_to_its_memory_limit(tmp_path, monkeypatch):
    """DuckDB's default (80 % of the RAM) let one year's statements at 10M sessions hold 1.9 GB:
    every store is opened under settings.memory_limit(), which an operator may raise."""
    def limit_of(store: Store) -> str:
        with contextlib.closing(store.cursor()) as cur:
            return cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("CHARGEBOARD_MEMORY_LIMIT", raising=False)
    assert limit_of(Store(tmp_path / "default.duckdb")) == "286.1 MiB"  # 300 MB
    monkeypatch.setenv("CHARGEBOARD_MEMORY_LIMIT", "2GB")
    assert limit_of(Store(tmp_path / "raised.duckdb")) == "1.8 GiB"


@pytest.mark.parametrize("value", ["lots", "300", "-1GB", "300MB; SET threads = 1"])
def test_a_memory_limit_that_is_not_a_size_is_refused_naming_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("CHARGEBOARD_MEMORY_LIMIT", value)
    with pytest.raises(StoreError, match=r"refused\.duckdb: cannot open the store — CHARGEBOARD_MEMORY_LIMIT must be a size"):
        Store(tmp_path / "refused.duckdb")
    assert not (tmp_path / "refused.duckdb").exists()


def test_only_a_large_file_loads_under_the_ingests_own_memory_limit():
    assert ingest.ingest_memory_limit(ingest.INGEST_LIMIT_ABOVE_BYTES) is None  # a sync: the store's own
    assert ingest.ingest_memory_limit(ingest.INGEST_LIMIT_ABOVE_BYTES + 1) == ingest.INGEST_MEMORY_LIMIT


def test_the_stores_memory_limit_is_changed_only_while_a_file_loads(store, feeds, monkeypatch):
    def memory_limit() -> str:
        with contextlib.closing(store.cursor()) as cur:
            return cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    with contextlib.closing(store.cursor()) as cur:
        cur.execute("SET memory_limit = '3GB'")  # shown as "2.7 GiB": 2.79 GiB cut to one decimal
    before = memory_limit()
    monkeypatch.setattr(ingest, "INGEST_LIMIT_ABOVE_BYTES", 0)  # these small files count as large
    seen = []

    def watched(cur, since):  # a step of the load, inside its transaction
        seen.append(memory_limit())
        refresh_session_overlaps(cur, since)
    monkeypatch.setattr(ingest, "refresh_session_overlaps", watched)
    for _ in range(3):  # and it does not creep down file by file
        ingest_file(store, feeds.zaptec(three_records()))
        assert memory_limit() == before
    assert seen and set(seen) == {"572.2 MiB"}  # 600 MB while each loaded
    with pytest.raises(IngestError):
        ingest_file(store, feeds.text('[{"Id": "s-9"}, {', "broken.json"))
    assert memory_limit() == before


def test_zaptec_records_one_per_line(store, feeds):
    text = "\n".join(json.dumps(r) for r in three_records())
    summary = ingest_file(store, feeds.text(text + "\n", "records.ndjson"))
    assert (summary.records, summary.new, summary.rejected) == (3, 3, 0)
    assert set(sessions(store)) == {"s-1", "s-2", "s-3"}


def test_rejected_record_in_second_page_is_located_by_page_and_item(store, feeds):
    records = three_records()
    records[2]["Energy"] = -1
    summary = ingest_file(store, feeds.zaptec(records, shape="pages"))  # pages: [s-1], [s-2, s-3]
    assert (summary.new, summary.rejected) == (2, 1)
    assert rejected(store) == [("page 2, record 2", "negative energy — -1 kWh")]


def test_rejected_record_in_bare_list_is_located_by_record_number(store, feeds):
    records = three_records()
    records[1]["StartDateTime"] = "yesterday"
    ingest_file(store, feeds.zaptec(records, shape="list"))
    assert rejected(store) == [("record 2", "unparseable start time — yesterday")]


def test_generic_csv_with_every_column(store, feeds):
    rows = [csv_row("c-1", station="ST-1", station_name="Bay 1", user_id="U1", user_name="Kari N",
                    user_email=" Kari@Example.org ", tag="Tag K", start="2025-03-01T10:00:00+01:00",
                    end="2025-03-01T11:30:00+01:00", kwh="8.125", offline="true", time_unreliable="false",
                    registered_at="2025-03-02T08:00:00+01:00"),
            csv_row("c-2", station="ST-1", offline="0", time_unreliable="1", kwh="1")]
    summary = ingest_file(store, feeds.csv(rows))
    assert (summary.format, summary.records, summary.new, summary.rejected) == ("csv", 2, 2, 0)
    one, two = sessions(store)["c-1"], sessions(store)["c-2"]
    assert one["started_at"] == utc(2025, 3, 1, 9) and one["ended_at"] == utc(2025, 3, 1, 10, 30)
    assert one["registered_at"] == utc(2025, 3, 2, 7)
    assert one["started_local"] == datetime(2025, 3, 1, 10)
    assert (one["energy_kwh"], one["offline"], one["time_unreliable"], one["tag"]) == \
        (Decimal("8.125"), True, False, "Tag K")
    assert (two["offline"], two["time_unreliable"]) == (False, True)
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT name, email FROM users WHERE user_id = 'U1'").fetchone() == \
            ("Kari N", "kari@example.org")
        assert cur.execute("SELECT name FROM stations WHERE station_id = 'ST-1'").fetchone() == ("Bay 1",)


def test_generic_csv_with_only_the_required_columns(store, feeds):
    rows = [csv_row("c-1"), csv_row("c-2", kwh="0")]
    path = feeds.csv(rows, columns=["session_id", "station_id", "started_at", "ended_at", "energy_kwh"])
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected) == (2, 0)
    one = sessions(store)["c-1"]
    assert (one["user_id"], one["tag"], one["registered_at"], one["offline"], one["time_unreliable"]) == \
        (None, None, None, False, False)


def test_csv_columns_in_any_order_with_bom(store, feeds):
    path = feeds.folder / "bom.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\ufeffenergy_kwh,ended_at,started_at,station_id,session_id\n"
                     "2.5,2025-03-01T11:00:00Z,2025-03-01T10:00:00Z,ST-9,c-9\n".encode())
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected) == (1, 0)
    assert sessions(store)["c-9"]["station_id"] == "ST-9"
    assert sessions(store)["c-9"]["energy_kwh"] == Decimal("2.500")


# -- idempotency and duplicates ---------------------------------------------------------------

def test_same_file_twice_adds_nothing_the_second_time(store, feeds):
    records = three_records() + [zaptec_record("bad", kwh=-3)]
    path = feeds.zaptec(records)
    first = ingest_file(store, path)
    before = table_rows(store, "sessions")
    second = ingest_file(store, path)
    assert (first.new, first.rejected) == (3, 1)
    assert (second.records, second.new, second.duplicate, second.updated, second.rejected) == (4, 0, 3, 0, 1)
    assert table_rows(store, "sessions") == before
    assert counts(store)["imports"] == 2


def test_same_records_in_a_new_file_are_duplicates(store, feeds):
    ingest_file(store, feeds.zaptec(three_records(), "a.json", shape="page"))
    before = table_rows(store, "sessions")
    again = ingest_file(store, feeds.zaptec(three_records(), "b.json", shape="list"))  # other bytes, same records
    assert (again.new, again.duplicate, again.updated) == (0, 3, 0)
    assert table_rows(store, "sessions") == before


def test_duplicates_within_one_file(store, feeds):
    records = three_records()
    summary = ingest_file(store, feeds.zaptec(records + [dict(records[0]), dict(records[1])]))
    assert (summary.records, summary.new, summary.duplicate) == (5, 3, 2)
    assert len(sessions(store)) == 3


def test_changed_copy_within_one_file_the_newer_one_wins(store, feeds):
    # (more on copies that differ: test_session_identity.py)
    records = three_records() + [zaptec_record("s-1", start=datetime(2025, 3, 1, 10), kwh=9.5,
                                               registered=datetime(2025, 3, 1, 12))]
    summary = ingest_file(store, feeds.zaptec(records))
    assert (summary.new, summary.duplicate, summary.conflicting) == (3, 0, 1)
    assert sessions(store)["s-1"]["energy_kwh"] == Decimal("9.500")


def test_two_overlapping_files(store, feeds):
    first_three = three_records()
    later = first_three[1:] + [zaptec_record("s-4", start=datetime(2025, 3, 4, 10))]
    a = ingest_file(store, feeds.zaptec(first_three, "a.json"))
    b = ingest_file(store, feeds.zaptec(later, "b.json"))
    assert (a.new, a.duplicate) == (3, 0)
    assert (b.records, b.new, b.duplicate, b.updated) == (3, 1, 2, 0)
    stored = sessions(store)
    assert set(stored) == {"s-1", "s-2", "s-3", "s-4"}
    assert stored["s-2"]["import_id"] == a.import_id  # a duplicate is not rewritten
    assert stored["s-4"]["import_id"] == b.import_id


def test_changed_session_is_an_update(store, feeds):
    ingest_file(store, feeds.zaptec(three_records(), "a.json"))
    changed = three_records()
    changed[0]["Energy"] = 6.5
    summary = ingest_file(store, feeds.zaptec(changed, "b.json"))
    assert (summary.new, summary.duplicate, summary.updated) == (0, 2, 1)
    stored = sessions(store)
    assert len(stored) == 3
    assert stored["s-1"]["energy_kwh"] == Decimal("6.500")
    assert stored["s-1"]["import_id"] == summary.import_id
    assert stored["s-1"]["source_file"] == "b.json"


# -- what is valid --------------------------------------------------------------------------

def test_zero_kwh_and_no_user_no_tag_are_valid(store, feeds):
    records = [zaptec_record("zero", kwh=0),
               zaptec_record("guest", user_id=None, user_name=None, email=None, tag=None)]
    summary = ingest_file(store, feeds.zaptec(records))
    assert (summary.new, summary.rejected) == (2, 0)
    stored = sessions(store)
    assert stored["zero"]["energy_kwh"] == Decimal("0.000")
    assert (stored["guest"]["user_id"], stored["guest"]["tag"]) == (None, None)


def test_void_sessions_are_stored_and_never_counted(store, feeds):
    records = [zaptec_record("by-bit", metadata=1 | 4 | 32, kwh=10),
               zaptec_record("by-replacement", ReplacedBySessionId="fixed", kwh=20),
               zaptec_record("fixed", kwh=15)]
    ingest_file(store, feeds.zaptec(records))
    stored = sessions(store)
    assert stored["by-bit"]["void"] is True
    assert (stored["by-replacement"]["void"], stored["by-replacement"]["replaced_by"]) == (True, "fixed")
    assert stored["fixed"]["void"] is False
    every_day = history.SessionFilter(date(2025, 1, 1), date(2025, 12, 31), include_void=True)
    found = history.totals(store, system_scope(), every_day)
    assert (found.sessions, found.void_sessions, found.energy_kwh) == (3, 2, Decimal("15.000"))
    counted = history.totals(store, system_scope(), history.SessionFilter(date(2025, 1, 1), date(2025, 12, 31)))
    assert (counted.sessions, counted.energy_kwh) == (1, Decimal("15.000"))


@pytest.mark.parametrize(("metadata", "offline", "unreliable"), [
    (1 | 4, False, False),     # online, reliable clock
    (2 | 4, True, False),      # offline, clock still right
    (2, True, True),           # offline, and bit 4 (reliable clock) missing
    (1, False, True),
    (1 | 4 | 8, False, False),  # other bits mean nothing here
])
def test_offline_and_unreliable_flags(store, feeds, metadata, offline, unreliable):
    ingest_file(store, feeds.zaptec([zaptec_record("s", metadata=metadata)]))
    stored = sessions(store)["s"]
    assert (stored["offline"], stored["time_unreliable"], stored["commit_metadata"]) == (offline, unreliable, metadata)


def test_commit_end_is_the_end_and_end_date_time_the_registration(store, feeds):
    record = zaptec_record("off", start=datetime(2025, 3, 1, 20), minutes=90, metadata=2 | 4,
                           registered=datetime(2025, 3, 3, 7, 15))
    assert record["CommitEndDateTime"] == "2025-03-01T21:30:00.000"
    assert record["EndDateTime"] == "2025-03-03T07:15:00.000"
    no_commit_end = zaptec_record("old", start=datetime(2025, 3, 1, 20), minutes=30)
    del no_commit_end["CommitEndDateTime"]
    ingest_file(store, feeds.zaptec([record, no_commit_end]))
    stored = sessions(store)
    assert stored["off"]["ended_at"] == utc(2025, 3, 1, 21, 30)
    assert stored["off"]["registered_at"] == utc(2025, 3, 3, 7, 15)
    assert stored["off"]["registered_local"] == datetime(2025, 3, 3, 8, 15)
    assert stored["old"]["ended_at"] == utc(2025, 3, 1, 20, 30)  # without CommitEndDateTime


def test_energy_details_are_kept(store, feeds):
    details = [{"Timestamp": "2025-03-01T10:00:00Z", "Energy": 2.5},
               {"Timestamp": "2025-03-01T11:00:00Z", "Energy": 1.25}]
    ingest_file(store, feeds.zaptec([zaptec_record("s", minutes=120, kwh=3.75, EnergyDetails=details)]))
    assert json.loads(sessions(store)["s"]["energy_details"]) == details


def test_unknown_fields_are_ignored(store, feeds):
    record = zaptec_record("s", SomethingNew={"nested": [1, 2]}, ChargerSerial="X", Energy=4.0)
    summary = ingest_file(store, feeds.zaptec([record]))
    assert (summary.new, summary.rejected) == (1, 0)
    assert sessions(store)["s"]["energy_kwh"] == Decimal("4.000")


def test_times_without_offset_are_utc_and_offsets_are_respected(store, feeds):
    records = [zaptec_record("naive", start="2025-06-01T10:00:00.000", CommitEndDateTime="2025-06-01T11:00:00.000"),
               zaptec_record("zulu", start="2025-06-01T10:00:00Z", CommitEndDateTime="2025-06-01T11:00:00Z"),
               zaptec_record("plus2", start="2025-06-01T10:00:00+02:00",
                             CommitEndDateTime="2025-06-01T11:00:00+02:00", EndDateTime=None)]
    ingest_file(store, feeds.zaptec(records))
    stored = sessions(store)
    assert stored["naive"]["started_at"] == utc(2025, 6, 1, 10) == stored["zulu"]["started_at"]
    assert stored["naive"]["started_local"] == datetime(2025, 6, 1, 12)  # Oslo summer time
    assert stored["plus2"]["started_at"] == utc(2025, 6, 1, 8)
    assert stored["plus2"]["ended_at"] == utc(2025, 6, 1, 9)
    assert stored["plus2"]["started_local"] == datetime(2025, 6, 1, 10)


# -- rejections --------------------------------------------------------------------------------

def _reject_case(**fields) -> dict:
    return zaptec_record("bad", start=datetime(2025, 3, 1, 10), minutes=60, **fields)


@pytest.mark.parametrize(("record", "reason"), [
    (_reject_case(Id=None), "missing session id"),
    (_reject_case(Id=""), "missing session id"),
    (_reject_case(StartDateTime="2025-13-45T99:00:00"), "unparseable start time"),
    (_reject_case(CommitEndDateTime="soon"), "unparseable end time"),
    (_reject_case(CommitEndDateTime="2025-03-01T09:59:59.000"), "end before start"),
    (_reject_case(Energy=-0.001), "negative energy"),
    (_reject_case(Energy="lots"), "unparseable energy"),
    (_reject_case(Energy=24.31), "energy impossible for the duration"),  # > 22 kW × 1 h × 1.10 + 0.1
    (_reject_case(Energy=5, CommitEndDateTime="2025-03-01T10:00:00.000"), "energy impossible for the duration"),
])
def test_each_rejection_reason(store, feeds, record, reason):
    good = zaptec_record("good", start=datetime(2025, 3, 2, 10))
    summary = ingest_file(store, feeds.zaptec([good, record]))
    assert (summary.records, summary.new, summary.rejected) == (2, 1, 1)
    assert [r for r, _ in summary.rejected_by_reason] == [reason]
    [(location, full_reason)] = rejected(store)
    assert location == "page 1, record 2"
    assert full_reason.split(" — ")[0] == reason
    assert set(sessions(store)) == {"good"}
    with contextlib.closing(store.cursor()) as cur:
        raw = cur.execute("SELECT raw FROM rejected_rows").fetchone()[0]
    assert json.loads(raw)["StartDateTime"] == record["StartDateTime"]  # the record is kept for a person to read


@pytest.mark.parametrize(("kwh", "minutes"), [(22.0, 60), (11.0, 30), (24.3, 60), (0.1, 0), (22 * 10, 600)])
def test_energy_up_to_22_kw_with_margin_passes(store, feeds, kwh, minutes):
    summary = ingest_file(store, feeds.zaptec([zaptec_record("edge", minutes=minutes, kwh=kwh)]))
    assert (summary.new, summary.rejected) == (1, 0), summary.rejected_by_reason
    assert sessions(store)["edge"]["energy_kwh"] == Decimal(str(kwh)).quantize(Decimal("0.001"))


def test_unreliable_clock_skips_the_power_check(store, feeds):
    summary = ingest_file(store, feeds.zaptec([zaptec_record("clock", minutes=1, kwh=30, metadata=1)]))
    assert (summary.new, summary.rejected) == (1, 0)
    assert sessions(store)["clock"]["time_unreliable"] is True


def test_unparseable_csv_flag_is_rejected(store, feeds):
    rows = [csv_row("c-1", offline="maybe"), csv_row("c-2", time_unreliable="sometimes"), csv_row("c-3")]
    summary = ingest_file(store, feeds.csv(rows))
    assert (summary.new, summary.rejected) == (1, 2)
    assert rejected(store) == [("line 2", "unparseable offline flag — maybe"),
                               ("line 3", "unparseable time_unreliable flag — sometimes")]


def test_malformed_csv_lines_keep_their_line_numbers(store, feeds):
    header = "session_id,station_id,started_at,ended_at,energy_kwh\n"
    lines = ["c-2,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5",       # line 2: fine
             "c-3,ST,2025-03-01T10:00:00Z",                              # line 3: too few columns
             "c-4,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,-5",      # line 4: negative energy
             "c-5,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5,extra",  # line 5: too many columns
             "c-6,ST,2025-03-01T10:00:00Z,2025-03-01T09:00:00Z,5",       # line 6: end before start
             "c-7,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5"]       # line 7: fine
    summary = ingest_file(store, feeds.text(header + "\n".join(lines) + "\n", "broken.csv"))
    assert (summary.records, summary.new, summary.rejected) == (6, 2, 4)  # 6 lines, each counted once
    found = rejected(store)
    assert [location for location, _ in found] == ["line 3", "line 4", "line 5", "line 6"]
    reasons = [reason.split(" — ")[0] for _, reason in found]
    assert reasons == ["malformed CSV line", "negative energy", "malformed CSV line", "end before start"]
    assert dict(summary.rejected_by_reason) == {"malformed CSV line": 2, "negative energy": 1, "end before start": 1}
    assert set(sessions(store)) == {"c-2", "c-7"}


def test_blank_lines_do_not_shift_line_numbers(store, feeds):
    header = "session_id,station_id,started_at,ended_at,energy_kwh\r\n"
    body = ("c-2,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\r\n"     # line 2
            "\r\n"                                                      # line 3: blank
            "\r\n"                                                      # line 4: blank
            "c-5,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,-5\r\n"    # line 5: negative energy
            "c-6,ST,2025-03-01T10:00:00Z\r\n"                            # line 6: too few columns
            "\r\n"                                                      # line 7: blank
            "c-8,ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,-8\r\n")   # line 8: negative energy
    summary = ingest_file(store, feeds.text(header + body, "crlf.csv"))
    assert (summary.records, summary.new, summary.rejected) == (4, 1, 3)
    assert [location for location, _ in rejected(store)] == ["line 5", "line 6", "line 8"]


def test_blank_line_across_the_hashing_chunk_boundary(store, feeds):
    header = "session_id,station_id,started_at,ended_at,energy_kwh\n"
    row = "c-{:06d},ST,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\n"
    lines, size = [header], len(header)
    while size < (1 << 22) - 100:
        lines.append(row.format(len(lines) + 1))
        size += len(lines[-1])
    pad = (1 << 22) - size - len(row.format(0))  # the next row ends exactly at the chunk boundary...
    lines.append(row.format(len(lines) + 1).replace("ST,", "ST" + "x" * pad + ",", 1))
    lines.append("\n")  # ...so this blank line is the first byte of the second chunk
    lines.append(row.format(len(lines) + 1).replace(",5\n", ",-1\n"))
    text = "".join(lines)
    assert text.encode()[(1 << 22) - 1:(1 << 22) + 1] == b"\n\n"
    summary = ingest_file(store, feeds.text(text, "long.csv"))
    assert summary.rejected == 1
    assert rejected(store) == [(f"line {len(lines)}", "negative energy — -1 kWh")]


def test_a_clean_csv_after_a_broken_one_has_no_rejections(store, feeds):
    header = "session_id,station_id,started_at,ended_at,energy_kwh\n"
    ingest_file(store, feeds.text(header + "c-1,ST,2025-03-01T10:00:00Z\n", "broken.csv"))
    clean = ingest_file(store, feeds.csv([csv_row("c-2")], "clean.csv"))
    assert (clean.records, clean.new, clean.rejected) == (1, 1, 0)
    assert rejected(store, clean.import_id) == []


def test_csv_lines_in_utf8_and_windows_1252_are_each_read_right(store, feeds):
    """A UTF-8 file with one line in Windows-1252 (a row added in another program): each line is
    read in its own encoding, nothing is stored with U+FFFD, and the summary says so. (A file
    that is Windows-1252 throughout is read as such: tests/test_integrity.py.)"""
    path = feeds.folder / "mixed.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes("session_id,station_id,station_name,started_at,ended_at,energy_kwh\n"
                     "c-2,ST-1,Garasje Å,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\n".encode()
                     + "c-3,ST-2,Garasje Ø,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\n".encode("windows-1252")
                     + b"c-4,ST-3,Garasje,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,-5\n"
                     + b"c-5,ST-4,Garasje \x81,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\n")
    summary = ingest_file(store, path)
    assert (summary.records, summary.new, summary.rejected) == (4, 2, 2)
    assert "lines in UTF-8 and in Windows-1252" in summary.read_as
    assert rejected(store) == [("line 4", "negative energy — -5 kWh"),
                               ("line 5", "unreadable text — line 5 is neither UTF-8 nor Windows-1252")]
    with contextlib.closing(store.cursor()) as cur:
        names = dict(cur.execute("SELECT station_id, name FROM stations").fetchall())
    assert names == {"ST-1": "Garasje Å", "ST-2": "Garasje Ø"}


# Ten years after the ingest's own clock (its $file_time is when it runs, datetime.now): a start in
# the future whenever the test runs (a fixed 2030 would have become the past in 2030).
_FUTURE_YEAR = datetime.now(UTC).year + 10
_MIXED_HEADER = "session_id,station_id,station_name,started_at,ended_at,energy_kwh,registered_at\n"
_MIXED_LINES = [
    "m-2,ST-1,Bay 1,2025-03-01T10:00:00+01:00,2025-03-01T11:00:00+01:00,5.5,",    # fine
    "m-3,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,x5,",               # bad number
    "m-4,ST-1,Bay 1,2025-03-0xT10:00:00Z,2025-03-01T11:00:00Z,5,",                # bad timestamp
    "m-5,ST-1,Bay 1,2025-03-01T10:00:00Z",                                        # missing fields
    "m-6,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5,,extra",          # an extra field
    "m-7,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,-5,",               # negative energy
    "m-8,ST-1,Bay 1, 2025-03-01 10:00:00 ,2025-03-01T11:00:00Z, 1e308 ,",         # spaces, absurd energy
    "m-9,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,NaN,",              # not a number
    "m-2,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,6,",                # the same id again
    "m-11,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T09:00:00Z,5,",               # end before start
    "m-12,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5,soon",           # bad registration time
    "m-13,,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5,",                   # no station
    "m-14,ST-1,Bay 1,2025-03-01 10:00:00 Europe/Oslo,2025-03-01T11:00:00+0100, 7 ,",  # zone name, offset
    "m-15,ST-1,Bay 1,,2025-03-01T11:00:00Z,5,",                                   # no start
    "m-16,ST-1,Bay 1,   ,2025-03-01T11:00:00Z,5,",                                # a start of spaces
    "m-17,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,,",                # no energy
    f"m-18,ST-1,Bay 1,{_FUTURE_YEAR}-03-01T10:00:00Z,{_FUTURE_YEAR}-03-01T11:00:00Z,5,",  # in the future
    "m-19,ST-1,Bay 1,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5,2025-03-01T12:00:00Z",  # fine
]


def _mixed_csv(kind: str) -> str:
    lines = list(_MIXED_LINES)
    if kind == "quoted newline":  # in the last record: after a record over two lines, the reader's
        lines[-1] = lines[-1].replace("Bay 1", '"Bay\n1"', 1)  # lines are records, not the file's
    if kind == "blank lines":
        lines[2:2] = ["", ""]
        lines.append("")
    text = _MIXED_HEADER + "\n".join(lines) + "\n"
    if kind == "crlf":
        text = text.replace("\n", "\r\n")
    if kind == "bom":
        text = "\ufeff" + text
    return text


_MIXED_REJECTED_LINES = (3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 18)


def test_a_row_after_a_field_quoted_over_several_lines_is_named_by_its_own_line(store, feeds):
    # A station name written over three lines (one of them blank, one with a doubled quote): the
    # reader takes it as one record, so the rows after it were numbered two lines too early.
    header = "session_id,station_id,station_name,started_at,ended_at,energy_kwh"
    lines = [header, "q-1,chg-1,Garasje,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5",
             'q-2,chg-2,"Garasje\n\nsør, ""B""",2025-03-02T10:00:00Z,2025-03-02T11:00:00Z,5',
             "q-3,chg-1,Garasje,2025-03-03T10:00:00Z,2025-03-03T11:00:00Z,-5", "",
             "q-4,chg-1,Garasje,2025-03-04T10:00:00Z,2025-03-04T11:00:00Z,x5"]
    summary = ingest_file(store, feeds.text("\n".join(lines) + "\n", "quoted.csv"))
    assert (summary.new, summary.rejected) == (2, 2)
    assert rejected(store) == [("line 6", "negative energy — -5 kWh"), ("line 8", "unparseable energy — x5")]
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT name FROM stations WHERE station_id = 'chg-2'").fetchone()[0] == \
            'Garasje\n\nsør, "B"'


@pytest.mark.parametrize("kind", ["plain", "crlf", "bom", "blank lines", "quoted newline"])
def test_csv_mixing_good_rows_and_bad_values_keeps_every_line(store, feeds, kind):
    """Bad numbers and times, short and long lines, spaces, a repeated id: each rejected line
    keeps its line in the file and the text's own reason (the spec for a faster CSV read)."""
    summary = ingest_file(store, feeds.text(_mixed_csv(kind), "mixed.csv"))
    # the repeated id's copies differ: one is kept, the other is a conflicting copy (README)
    assert (summary.records, summary.new, summary.duplicate, summary.conflicting, summary.rejected) == \
        (18, 3, 0, 1, 14)
    shift = 2 if kind == "blank lines" else 0  # two blank lines after line 3
    assert rejected(store) == [(f"line {n if n <= 3 else n + shift}", reason) for n, reason in zip(
        _MIXED_REJECTED_LINES,
        ["unparseable energy — x5", "unparseable start time — 2025-03-0xT10:00:00Z",
         "malformed CSV line — Expected Number of Columns: 7 Found: 4",
         "malformed CSV line — Expected Number of Columns: 7 Found: 8", "negative energy — -5 kWh",
         "energy impossible for the duration — 1e308 kWh", "unparseable energy — NaN",
         "end before start — 2025-03-01T09:00:00Z is before 2025-03-01T10:00:00Z",
         "unparseable registration time — soon", "missing charging station", "missing start time",
         "missing start time", "missing energy",
         f"start in the future — {_FUTURE_YEAR}-03-01T10:00:00Z is more than a day after the file was made"],
        strict=True)]
    stored = sessions(store)
    assert set(stored) == {"m-2", "m-14", "m-19"}
    assert stored["m-2"]["energy_kwh"] == Decimal("6.000")  # the copy that ended later wins
    assert stored["m-19"]["registered_at"] == utc(2025, 3, 1, 12)
    assert (stored["m-14"]["started_at"], stored["m-14"]["ended_at"], stored["m-14"]["energy_kwh"]) == \
        (utc(2025, 3, 1, 9), utc(2025, 3, 1, 10), Decimal("7.000"))


# -- CSV faults: no line disappears (issue 27) -------------------------------------------------------

_FAULT_DIALECTS = {
    # separator, header, row, encoding: the canonical CSV and the one Norwegian Excel saves
    "comma": (",", "{id},ST-1,{name},2025-03-{day:02d}T10:00:00Z,2025-03-{day:02d}T11:00:00Z,{kwh}", "utf-8"),
    "excel": (";", "{id};ST-1;{name};{day:02d}.03.2025 10:00;{day:02d}.03.2025 11:00;{kwh}", "windows-1252"),
}


def _fault_row(dialect: str, n: int, name: str = "Bod Ø", kwh: str = "5.5") -> str:
    _sep, row, _enc = _FAULT_DIALECTS[dialect]
    kwh = kwh.replace(".", ",") if dialect == "excel" else kwh
    return row.format(id=f"f-{n}", name=name, day=n % 28 + 1, kwh=kwh)


def _fault_file(dialect: str, fault: str) -> tuple[bytes, dict[int, str]]:
    """A CSV with one kind of fault, and what must come of it: {line: rejection kind}. Every
    other line is blank or a valid record."""
    sep, _row, encoding = _FAULT_DIALECTS[dialect]
    header = sep.join(["session_id", "station_id", "station_name", "started_at", "ended_at", "energy_kwh"])
    rows = [_fault_row(dialect, n) for n in range(2, 8)]  # lines 2..7
    bad: dict[int, str] = {}
    ending = "\n"
    if fault == "unterminated quote, first row":
        rows[0] = rows[0].replace("Bod", '"Bod')
        bad = {2: "unterminated quote"}
    elif fault == "unterminated quote, middle row":
        rows[2] = rows[2].replace("Bod", '"Bod')
        bad = {4: "unterminated quote"}
    elif fault == "unterminated quote, last row":
        rows[5] = rows[5].replace("Bod", '"Bod')
        bad = {7: "unterminated quote"}
    elif fault == "unterminated quote, long tail":  # more than the csv module's 128 KiB field after it
        rows[1] = rows[1].replace("Bod", '"Bod')
        rows += [_fault_row(dialect, n) for n in range(8, 3000)]
        bad = {3: "unterminated quote"}
    elif fault == "quoted field over two lines, then an unterminated quote":
        rows[0] = rows[0].replace("Bod Ø", '"Bod\nØ"')
        rows[3] = rows[3].replace("Bod", '"Bod')
        bad = {6: "unterminated quote"}  # rows[3] starts on line 6: rows[0] takes two lines
    elif fault == "too many fields":
        rows[1] += sep + "extra"
        bad = {3: "malformed CSV line"}
    elif fault == "too few fields":
        rows[1] = rows[1].split(sep, 2)[0]
        bad = {3: "malformed CSV line"}
    elif fault == "stray quote inside a field":  # kept as text; the lines after it keep their numbers
        rows[0] = rows[0].replace("Bod", 'B"od')
        rows[3] = _fault_row(dialect, 5, kwh="-5")
        bad = {5: "negative energy"}
    elif fault == "text after a closing quote":
        rows[1] = rows[1].replace("Bod Ø", '"Bod"Ø')
        rows[3] = _fault_row(dialect, 5, kwh="-5")
        bad = {3: "malformed CSV line", 5: "negative energy"}
    elif fault == "CR-only line ends":
        ending = "\r"
        rows.insert(2, "")
        rows[5] = _fault_row(dialect, 6, kwh="-5")
        bad = {7: "negative energy"}
    elif fault == "blank lines":
        rows[1:1] = ["", ""]
        rows.append("")
        rows[4] = _fault_row(dialect, 4, kwh="-5")
        bad = {6: "negative energy"}
    elif fault == "a NUL byte":
        rows[2] = rows[2].replace("Bod", "B\0od")
        bad = {4: "unreadable text"}
    elif fault == "header only":
        rows = []
    elif fault == "trailing separator":
        rows[1] += sep
        rows[2] += sep + sep
    elif fault == "trailing separator on every line":
        header += sep
        rows = [row + sep for row in rows]
    text = ending.join([header, *rows]) + ending
    return text.encode(encoding), bad


_FAULTS = ["unterminated quote, first row", "unterminated quote, middle row", "unterminated quote, last row",
           "unterminated quote, long tail", "quoted field over two lines, then an unterminated quote",
           "too many fields", "too few fields", "stray quote inside a field", "text after a closing quote",
           "CR-only line ends", "blank lines", "a NUL byte", "header only", "trailing separator",
           "trailing separator on every line"]


@pytest.mark.parametrize("dialect", sorted(_FAULT_DIALECTS))
@pytest.mark.parametrize("fault", _FAULTS)
def test_every_line_of_a_malformed_csv_is_a_session_or_a_rejected_line(store, feeds, dialect, fault):
    """Lines in = sessions stored + rejected lines (each naming its line and a reason); a blank
    line is neither. Before: an unterminated quote refused a comma file ("Error when sniffing
    file") and dropped every valid row after it in a Norwegian-Excel file."""
    data, bad = _fault_file(dialect, fault)
    path = feeds.folder / "faulty.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    summary = ingest_file(store, path)
    found = rejected(store)
    assert [(location, reason.split(" — ")[0]) for location, reason in found] == \
        [(f"line {n}", kind) for n, kind in sorted(bad.items())]
    for (_location, reason), (line, kind) in zip(found, sorted(bad.items()), strict=True):
        if kind == "unterminated quote":
            assert reason == f"unterminated quote — the quoted field opened on line {line} never closes"
    stored = sessions(store)
    # Every line that is not blank and not the header starts a record or goes on a quoted field.
    record_lines = [line for line in data.decode(_FAULT_DIALECTS[dialect][2]).replace("\r", "\n").split("\n")[1:]
                    if line.strip() and not line.startswith("Ø")]
    assert summary.records == len(record_lines) == len(stored) + summary.rejected + summary.duplicate
    assert summary.rejected == len(bad)
    assert not [s for s in stored.values() if "\ufffd" in (s["station_id"] + (s["tag"] or ""))]
    with contextlib.closing(store.cursor()) as cur:
        names = [n for (n,) in cur.execute("SELECT name FROM stations").fetchall()]
    assert all("\ufffd" not in (name or "") and "\0" not in (name or "") for name in names)


@pytest.mark.parametrize("dialect", sorted(_FAULT_DIALECTS))
def test_a_stray_quote_is_kept_as_text_and_a_quoted_newline_as_a_newline(store, feeds, dialect):
    sep, _, encoding = _FAULT_DIALECTS[dialect]
    header = sep.join(["session_id", "station_id", "station_name", "started_at", "ended_at", "energy_kwh"])
    lines = [header, _fault_row(dialect, 2, name='B"od Ø').replace("ST-1", "ST-2"),
             _fault_row(dialect, 3, name='"Bod\nØ"').replace("ST-1", "ST-3"),
             _fault_row(dialect, 5, kwh="-5")]
    path = feeds.folder / "stray.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected) == (2, 1)
    assert [location for location, _ in rejected(store)] == ["line 5"]
    with contextlib.closing(store.cursor()) as cur:
        assert dict(cur.execute("SELECT station_id, name FROM stations").fetchall()) == \
            {"ST-2": 'B"od Ø', "ST-3": "Bod\nØ"}


@pytest.mark.parametrize("first", ["utf-8", "windows-1252"])
def test_an_excel_csv_with_lines_in_two_encodings_is_read_line_by_line(store, feeds, first):
    """Rows added in another program: before, the Windows-1252 lines of a UTF-8 file were stored
    with U+FFFD in place of every ø."""
    other = "windows-1252" if first == "utf-8" else "utf-8"
    header = "session_id;station_id;station_name;started_at;ended_at;energy_kwh\n"
    path = feeds.folder / "two.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes((header + _fault_row("excel", 2, name="Bod Æ").replace("ST-1", "ST-2") + "\n").encode(first)
                     + (_fault_row("excel", 3, name="Bod Ø").replace("ST-1", "ST-3") + "\n").encode(other))
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected) == (2, 0)
    assert summary.read_as == ("semicolon-separated, decimal comma, lines in UTF-8 and in Windows-1252, "
                               "day.month.year dates")
    with contextlib.closing(store.cursor()) as cur:
        assert dict(cur.execute("SELECT station_id, name FROM stations").fetchall()) == \
            {"ST-2": "Bod Æ", "ST-3": "Bod Ø"}


def test_a_faulty_csv_the_size_of_an_earlier_file_is_read_line_by_line_too(store, feeds):
    """When an earlier import had the file's size, it is hashed before it is read: a fault found
    then skips the fast read."""
    faulty, _ = _fault_file("comma", "unterminated quote, middle row")
    feeds.folder.mkdir(parents=True, exist_ok=True)
    (feeds.folder / "good.csv").write_bytes(faulty.replace(b'"', b" "))  # the same size
    (feeds.folder / "faulty.csv").write_bytes(faulty)
    ingest_file(store, feeds.folder / "good.csv")
    summary = ingest_file(store, feeds.folder / "faulty.csv")
    assert (summary.records, summary.duplicate, summary.rejected) == (6, 5, 1)
    assert [(location, reason.split(" — ")[0]) for location, reason in rejected(store, summary.import_id)] == \
        [("line 4", "unterminated quote")]


def test_a_duplicated_csv_column_is_one_clear_line_naming_line_1(store, feeds):
    header = "session_id,station_id,station_id,started_at,ended_at,energy_kwh\n"
    path = feeds.text(header + "c-1,ST-1,ST-2,2025-03-01T10:00:00Z,2025-03-01T11:00:00Z,5\n", "twice.csv")
    with pytest.raises(IngestError, match=r"^.*twice\.csv: line 1: the CSV header names column\(s\) station_id "
                                          r"more than once$"):
        ingest_file(store, path)
    assert counts(store)["imports"] == 0


@pytest.mark.parametrize("dialect", ["comma", "excel"])
def test_a_utf16_csv_is_read(store, feeds, dialect):
    sep, _, _ = _FAULT_DIALECTS[dialect]
    header = sep.join(["session_id", "station_id", "station_name", "started_at", "ended_at", "energy_kwh"])
    text = "\r\n".join([header, _fault_row(dialect, 2), _fault_row(dialect, 3, kwh="-1")]) + "\r\n"
    path = feeds.folder / "utf16.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-16"))
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected) == (1, 1)
    assert "UTF-16" in summary.read_as
    assert rejected(store) == [("line 3", "negative energy — -1 kWh")]
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT name FROM stations").fetchone()[0] == "Bod Ø"


@pytest.mark.parametrize(("value", "reading"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("ja", True), ("Ja", True), ("SANN", True),
    ("false", False), ("0", False), ("no", False), ("nei", False), ("NEI", False), ("USANN", False), ("", False)])
def test_csv_flags_in_english_and_norwegian(store, feeds, value, reading):
    rows = [csv_row("c-1", offline=value, time_unreliable=value)]
    summary = ingest_file(store, feeds.csv(rows))
    assert (summary.new, summary.rejected) == (1, 0), summary.rejected_by_reason
    stored = sessions(store)["c-1"]
    assert (stored["offline"], stored["time_unreliable"]) == (reading, reading)


def test_excel_flags_and_oslo_daylight_saving_times(store, feeds):
    """Local times in the spring-forward gap never happened: rejected. One in the autumn hour
    happened twice: rejected naming both readings, never priced in a guessed hour. SANN/USANN
    and ja/nei are read as Norwegian Excel and people write them."""
    header = "session_id;station_id;started_at;ended_at;energy_kwh;offline;time_unreliable\n"
    text = (header
            + "gap;S;30.03.2025 02:30;30.03.2025 03:30;5,5;nei;nei\n"          # line 2: never happened
            + "before-gap;S;30.03.2025 01:30;30.03.2025 03:30;5,5;SANN;USANN\n"  # line 3: fine (one hour)
            + "autumn;S;26.10.2025 01:30;26.10.2025 02:30;5,5;ja;nei\n"        # line 4: the end is ambiguous
            + "after;S;26.10.2025 03:00;26.10.2025 04:00;5,5;nei;ja\n")        # line 5: fine
    path = feeds.folder / "dst.csv"
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("windows-1252"))
    summary = ingest_file(store, path)
    assert (summary.records, summary.new, summary.rejected) == (4, 2, 2)
    assert rejected(store) == [
        ("line 2", "local time in the daylight-saving gap — started_at 30.03.2025 02:30 never happened in "
                   "Europe/Oslo: the clocks skipped that hour"),
        ("line 4", "ambiguous local time — ended_at 26.10.2025 02:30 happened twice in Europe/Oslo: "
                   "2025-10-26T02:30:00+02:00 or 2025-10-26T02:30:00+01:00; write the time with its offset")]
    stored = sessions(store)
    assert (stored["before-gap"]["started_at"], stored["before-gap"]["ended_at"]) == \
        (utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 1, 30))
    assert (stored["before-gap"]["offline"], stored["before-gap"]["time_unreliable"]) == (True, False)
    assert stored["after"]["started_at"] == utc(2025, 10, 26, 2)
    assert (stored["after"]["offline"], stored["after"]["time_unreliable"]) == (False, True)


# -- JSON encodings and values that are not records (issue 27) -----------------------------------------

def _rich_records() -> list[dict]:
    return [zaptec_record("j-1", kwh=7.25, EnergyDetails=[{"Timestamp": "2025-03-01T10:00:00Z", "Energy": 7.25}],
                          SignedSession="OCMF|{}", ExternalId="x-1", ChargerFirmwareVersion="2.1"),
            zaptec_record("j-2", start=datetime(2025, 3, 2, 10), metadata=3)]


def _stored_fields(store: Store) -> dict[str, tuple]:
    skip = {"import_id", "source_file"}
    return {k: tuple(v for name, v in row.items() if name not in skip) for k, row in sessions(store).items()}


@pytest.mark.parametrize(("encoding", "bom", "said"), [
    ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"), ("utf-16-le", b"\xff\xfe", "UTF-16"),
    ("utf-16-be", b"\xfe\xff", "UTF-16")])
@pytest.mark.parametrize("shape", ["page", "list"])
def test_a_json_feed_with_a_byte_order_mark_is_read(store, feeds, tmp_path, encoding, bom, said, shape):
    plain = feeds.zaptec(_rich_records(), "plain.json", shape=shape)
    reference = Store(tmp_path / "reference.duckdb")
    ingest_file(reference, plain)
    path = feeds.folder / "bom.json"
    path.write_bytes(bom + plain.read_text(encoding="utf-8").replace("Charger 1", "Lader Ø").encode(encoding))
    summary = ingest_file(store, path)
    assert (summary.new, summary.rejected, summary.read_as) == (2, 0, said)
    assert _stored_fields(store) == _stored_fields(reference)
    reference.close()


@pytest.mark.parametrize("shape", ["page", "list"])
def test_a_json_value_that_is_not_a_record_is_rejected_and_the_rest_lands(store, feeds, tmp_path, shape):
    reference = Store(tmp_path / "reference.duckdb")
    ingest_file(reference, feeds.zaptec(_rich_records(), "plain.json", shape=shape))
    first, second = _rich_records()
    values = [first, 5, second, "text"]
    path = feeds.text(json.dumps({"Pages": 1, "Data": values} if shape == "page" else values), "values.json")
    summary = ingest_file(store, path)
    assert (summary.records, summary.new, summary.rejected) == (4, 2, 2)
    where = "page 1, record" if shape == "page" else "record"
    assert rejected(store) == [(f"{where} 2", "record is not an object — 5"),
                               (f"{where} 4", 'record is not an object — "text"')]
    assert _stored_fields(store) == _stored_fields(reference)  # read by name, the same as the typed read
    reference.close()


# -- whole-file errors ---------------------------------------------------------------------------

def test_invalid_json_is_an_error_naming_the_file_and_stores_nothing(store, feeds):
    ingest_file(store, feeds.zaptec(three_records(), "good.json"))
    before = counts(store)
    path = feeds.text('{"Pages": 1, "Data": [{"Id": "x", ', "truncated.json")
    with pytest.raises(IngestError, match="truncated.json"):
        ingest_file(store, path, installation="Another installation")
    assert counts(store) == before  # not even the new installation


def test_unknown_format_is_an_error_naming_the_file(store, feeds):
    path = feeds.text("Date;Charger;kWh\n2025-03-01;A;5\n", "export.txt")
    with pytest.raises(IngestError, match=r"export\.txt.*unknown format"):
        ingest_file(store, path)
    assert counts(store)["imports"] == 0


def test_empty_file_is_an_error(store, feeds):
    with pytest.raises(IngestError, match="empty.json"):
        ingest_file(store, feeds.text("", "empty.json"))


def test_csv_missing_a_required_column_names_line_1(store, feeds):
    path = feeds.csv([csv_row("c-1")], "short.csv", columns=["session_id", "station_id", "started_at", "energy_kwh"])
    with pytest.raises(IngestError, match=r"short\.csv: line 1: .*ended_at"):
        ingest_file(store, path)
    with pytest.raises(IngestError, match=r"^shown-name\.csv: line 1"):
        ingest_file(store, path, display_name="shown-name.csv")
    assert counts(store)["sessions"] == 0


# -- atomicity ------------------------------------------------------------------------------------

def _generate_big_feed(path: Path, sessions_count: int) -> None:
    spec = importlib.util.spec_from_file_location("generate_feeds", ROOT / "bench" / "generate_feeds.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.generate(sessions_count, "zaptec-json", path)


def test_killed_ingest_leaves_the_store_as_it_was(tmp_path):
    big = tmp_path / "big.json"
    _generate_big_feed(big, 300_000)
    first = json.loads(big.read_text(encoding="utf-8")[:4096].split("},", 1)[0].lstrip("[") + "}")
    db = tmp_path / "atomic.duckdb"
    # An earlier load holds one session the big file changes, and one it does not know.
    earlier = dict(first, Energy=1.0)
    store = Store(db)
    try:
        ingest_file(store, support.write_zaptec(tmp_path / "earlier.json",
                                                [earlier, zaptec_record("kept", start=datetime(2025, 1, 1))]))
        before = {t: table_rows(store, t) for t in ("sessions", "imports", "stations", "users", "installations")}
    finally:
        store.close()

    err = tmp_path / "ingest.err"
    with open(err, "wb") as err_file:
        child = subprocess.Popen([sys.executable, "-m", "chargeboard", "ingest", str(big), "--db", str(db)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=err_file)
    try:
        deadline = time.monotonic() + 60
        # The progress bar says "storing" once the file is read and the writes have begun.
        while b"storing" not in err.read_bytes():
            assert child.poll() is None, f"ingest ended before it could be killed: {err.read_text()}"
            assert time.monotonic() < deadline, "no progress from the ingest"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert b"new" not in out, "the ingest finished before it was killed"

    store = Store(db)
    try:
        assert {t: table_rows(store, t) for t in before} == before
        assert sessions(store)[first["Id"]]["energy_kwh"] == Decimal("1.000")
    finally:
        store.close()

    done = run_cli("ingest", str(big), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "300000 records" in done.stdout and "299999 new" in done.stdout and "1 updated" in done.stdout
    store = Store(db)
    try:
        stored = sessions(store)
        assert len(stored) == 300_001
        assert stored[first["Id"]]["energy_kwh"] == Decimal(str(first["Energy"])).quantize(Decimal("0.001"))
        assert "kept" in stored
    finally:
        store.close()


# -- local time and daylight saving ----------------------------------------------------------------

DST_SESSIONS = {
    # id: (start UTC, expected local start)
    "spring-before": (utc(2025, 3, 30, 0, 30), datetime(2025, 3, 30, 1, 30)),   # CET
    "spring-after": (utc(2025, 3, 30, 1, 30), datetime(2025, 3, 30, 3, 30)),    # CEST: 02:00-03:00 skipped
    "autumn-first": (utc(2025, 10, 26, 0, 30), datetime(2025, 10, 26, 2, 30)),  # CEST
    "autumn-again": (utc(2025, 10, 26, 1, 30), datetime(2025, 10, 26, 2, 30)),  # CET: 02:30 happens twice
    "april-first": (utc(2025, 3, 31, 22, 30), datetime(2025, 4, 1, 0, 30)),     # 00:30 local on the 1st
    "november-first": (utc(2025, 10, 31, 23, 30), datetime(2025, 11, 1, 0, 30)),
    "march-first": (utc(2025, 2, 28, 23, 30), datetime(2025, 3, 1, 0, 30)),
    "march-last": (utc(2025, 3, 31, 21, 59), datetime(2025, 3, 31, 23, 59)),
}


@pytest.fixture
def dst_store(store, feeds):
    records = [zaptec_record(sid, start=start, minutes=20, kwh=1) for sid, (start, _) in DST_SESSIONS.items()]
    ingest_file(store, feeds.zaptec(records), installation="Oslo")
    return store


def test_local_start_follows_oslo_daylight_saving(dst_store):
    stored = sessions(dst_store)
    for sid, (start, local) in DST_SESSIONS.items():
        assert stored[sid]["started_at"] == start, sid
        assert stored[sid]["started_local"] == local, sid


def _ids_in(store: Store, first: date, last: date) -> set[str]:
    flt = history.SessionFilter(first, last)
    return set(history.page(store, system_scope(), flt, page_size=1000)["session_id"])


def test_sessions_fall_in_their_local_day_and_month(dst_store):
    assert _ids_in(dst_store, date(2025, 3, 30), date(2025, 3, 30)) == {"spring-before", "spring-after"}
    assert _ids_in(dst_store, date(2025, 10, 26), date(2025, 10, 26)) == {"autumn-first", "autumn-again"}
    assert _ids_in(dst_store, date(2025, 3, 1), date(2025, 3, 31)) == \
        {"march-first", "spring-before", "spring-after", "march-last"}
    assert _ids_in(dst_store, date(2025, 4, 1), date(2025, 4, 30)) == {"april-first"}
    assert _ids_in(dst_store, date(2025, 2, 1), date(2025, 2, 28)) == set()
    assert _ids_in(dst_store, date(2025, 11, 1), date(2025, 11, 30)) == {"november-first"}
    assert _ids_in(dst_store, date(2025, 10, 1), date(2025, 10, 31)) == {"autumn-first", "autumn-again"}


def test_history_totals_count_a_first_of_month_session_in_its_own_month(dst_store):
    april = history.totals(dst_store, system_scope(), history.SessionFilter(date(2025, 4, 1), date(2025, 4, 30)))
    march = history.totals(dst_store, system_scope(), history.SessionFilter(date(2025, 3, 1), date(2025, 3, 31)))
    assert (april.sessions, april.energy_kwh) == (1, Decimal("1.000"))
    assert (march.sessions, march.energy_kwh) == (4, Decimal("4.000"))


def test_installation_time_zone_decides_the_local_time(store, feeds):
    summary = ingest_file(store, feeds.zaptec([zaptec_record("lis", start=datetime(2025, 7, 1, 23, 30))]),
                          installation="Lisboa garasje", time_zone="Europe/Lisbon")
    assert summary.installation_id == "lisboa-garasje"
    assert sessions(store)["lis"]["started_local"] == datetime(2025, 7, 2, 0, 30)  # WEST = UTC+1
    osl = zaptec_record("osl", station="chg-osl", start=datetime(2025, 7, 1, 23, 30))  # its own station
    oslo = ingest_file(store, feeds.zaptec([osl], "o.json"))
    assert oslo.installation_id == "default-installation"
    assert sessions(store)["osl"]["started_local"] == datetime(2025, 7, 2, 1, 30)  # CEST = UTC+2


# -- the command line -----------------------------------------------------------------------------

def test_cli_prints_the_summary_and_exits_0_with_rejections(tmp_path, feeds):
    path = feeds.zaptec(three_records() + [zaptec_record("neg", kwh=-2), zaptec_record("", kwh=1)], "cli.json")
    db = tmp_path / "cli.duckdb"
    done = run_cli("ingest", str(path), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "5 records (zaptec-json)" in done.stdout
    assert "3 new, 0 duplicate, 0 updated, 2 rejected" in done.stdout
    assert "rejected: 1 × negative energy" in done.stdout and "rejected: 1 × missing session id" in done.stdout
    again = run_cli("ingest", str(path), "--db", str(db))
    assert again.returncode == 0 and "0 new, 3 duplicate" in again.stdout


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    """The one line saying what went wrong (a note that the app ran the command may precede it)."""
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip() and "the app is serving" not in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stderr
    return lines[0]


def test_cli_missing_file_is_one_clear_line(tmp_path):
    db = tmp_path / "cli.duckdb"
    line = _one_error_line(run_cli("ingest", str(tmp_path / "nowhere.json"), "--db", str(db)))
    assert "nowhere.json" in line and "no such file" in line


def test_cli_unknown_format_is_one_clear_line(tmp_path, feeds):
    path = feeds.text("just some text\n", "notes.txt")
    db = tmp_path / "cli.duckdb"
    line = _one_error_line(run_cli("ingest", str(path), "--db", str(db)))
    assert "notes.txt" in line and "unknown format" in line


def test_cli_invalid_json_is_one_clear_line_and_stores_nothing(tmp_path, feeds):
    path = feeds.text("[{\"Id\": ", "cut.json")
    db = tmp_path / "cli.duckdb"
    line = _one_error_line(run_cli("ingest", str(path), "--db", str(db)))
    assert "cut.json" in line
    store = Store(db)
    try:
        assert counts(store)["sessions"] == counts(store)["imports"] == 0
    finally:
        store.close()


# -- handing a feed to the serving app -----------------------------------------------------------------

def test_cli_hands_the_file_to_a_serving_app(tmp_path, feeds):
    db = tmp_path / "served.duckdb"
    spool = handover.open_spool(settings.inbox_dir(db), create=True)
    store = Store(db, allowed_dirs=[spool.path])  # as the app opens it: it owns the file
    try:
        handover.start_server(store, spool, cli.HANDED_OVER)
        path = feeds.zaptec(three_records() + [zaptec_record("neg", kwh=-1)], "handed.json")
        done = run_cli("ingest", str(path), "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "lock" not in done.stderr.lower()
        assert "running this command in the app's process" in done.stderr  # it was handed over
        assert "handed.json: 4 records (zaptec-json)" in done.stdout
        assert "3 new, 0 duplicate, 0 updated, 1 rejected" in done.stdout
        assert set(sessions(store)) == {"s-1", "s-2", "s-3"}  # visible at once, same store
        assert sessions(store)["s-1"]["source_file"] == "handed.json"

        broken = feeds.csv([csv_row("c-1")], "broken.csv", columns=["session_id", "station_id"])
        failed = run_cli("ingest", str(broken), "--db", str(db))
        line = _one_error_line(failed)
        assert "broken.csv" in line and "line 1" in line
        assert str(spool.path) not in line  # named as the user gave it, not by its spool copy
        assert not [p for p in spool.path.iterdir() if p.is_dir()], "spool jobs are cleaned up"
    finally:
        store.close()


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_handover_server_survives_its_folder_being_cleared_and_ends_with_its_store(tmp_path, feeds):
    db = tmp_path / "served.duckdb"
    folder = settings.inbox_dir(db)
    spool = handover.open_spool(folder, create=True)
    store = Store(db, allowed_dirs=[folder])
    try:
        server = handover.start_server(store, spool, cli.HANDED_OVER)
        assert (folder / handover.SOCKET_NAME).exists()
        shutil.rmtree(folder)  # someone tidies data/inbox/ while the app serves
        assert _wait_for(lambda: (folder / handover.SOCKET_NAME).exists()), "feeds can no longer be handed over"
        done = run_cli("ingest", str(feeds.zaptec(three_records(), "after.json")), "--db", str(db))
        assert done.returncode == 0 and "3 new" in done.stdout, done.stderr
        assert server.thread.is_alive()
    finally:
        store.close()
    assert _wait_for(lambda: not server.thread.is_alive()), "the server outlives its store"
    assert not (folder / handover.SOCKET_NAME).exists(), "a stopped app leaves no socket to connect to"
