"""Meter readings: the CSV feed and readings entered in the app (chargeboard/meters.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chargeboard import ingest, meters
from chargeboard.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "m.duckdb")
    with s.transaction() as cur:
        ingest.ensure_installation(cur, "Garage A", None)
        ingest.ensure_installation(cur, "Garage B", None)
    yield s
    s.close()


def write(tmp_path, text, name="meters.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_feed_validates_like_sessions(store, tmp_path):
    path = write(tmp_path, "meter_id,read_at,register_kwh,installation,replacement\n"
                           "METER-A,2026-01-01T08:00:00+01:00,1000.000,Garage A,\n"
                           "METER-A,2026-02-01T08:00:00+01:00,1300.500,,\n"
                           "METER-A,2026-02-01T08:00:00+01:00,1300.500,,\n"      # duplicate: counts once
                           "METER-A,2026-03-01T08:00:00+01:00,1200.000,,\n"      # backwards: rejected
                           "METER-A,2026-03-01T09:00:00+01:00,12.000,,true\n"    # a new meter: accepted
                           "METER-A,2026-03-05,abc,,\n"                          # unparseable
                           "METER-X,2026-03-05,1,,\n")                           # unknown meter, 2 installations
    summary = ingest.ingest_file(store, path)
    assert (summary.records, summary.new, summary.duplicate, summary.rejected) == (7, 3, 1, 3)
    rejected = store.rows("rejected_by_reason", import_id=summary.import_id)
    assert dict(rejected) == {"register went backwards": 1, "unparseable register_kwh": 1, "unknown meter": 1}
    with store.transaction() as cur:
        rows = cur.execute("SELECT position, location, reason FROM rejected_rows ORDER BY position").fetchall()
        logged = cur.execute("SELECT format, records, new_rows, rejected_rows FROM imports").fetchall()
    assert [r[0] for r in rows] == [5, 7, 8]
    assert rows[0][1] == "line 5" and "1200.000 kWh" in rows[0][2] and "replacement" in rows[0][2]
    assert logged == [("meter-csv", 7, 3, 3)]
    assert summary.lines()[0].endswith("3 new, 1 duplicate, 0 updated, 3 rejected")
    assert summary.as_dict()["installation_id"] == "garage-a"
    # loading the same file again: everything already stored or rejected again, nothing new
    again = ingest.ingest_file(store, path)
    assert (again.new, again.duplicate, again.rejected) == (0, 4, 3)


def test_meter_tied_by_option_or_single_installation(tmp_path):
    s = Store(tmp_path / "one.duckdb")
    with s.transaction() as cur:
        ingest.ensure_installation(cur, "Garage A", None)
    path = write(tmp_path, "meter_id,read_at,register_kwh\nM1,2026-01-01T00:00:00,5\n")
    assert meters.ingest_meter_file(s, path).new == 1
    assert s.one("meter_by_id", meter_id="M1")[1] == "garage-a"
    # a naive read_at is the installation's local time
    assert s.rows("meter_readings_of", meter_id="M1")[0][0] == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    s.close()


def test_conflicting_installation_rejected(store, tmp_path):
    meters.register_meter(store, "METER-B", "Garage B")
    path = write(tmp_path, "meter_id,read_at,register_kwh,installation\nMETER-B,2026-01-01T00:00:00Z,5,Garage A\n")
    summary = meters.ingest_meter_file(store, path, installation="Garage A")
    assert summary.rejected == 1
    assert summary.rejected_by_reason == [("meter belongs to another installation", 1)]


def test_reading_entered_in_the_app(store):
    meters.register_meter(store, "METER-A", "garage-a")
    at = datetime(2026, 1, 1, 8, 0)
    assert meters.add_reading(store, "styret", "METER-A", at, "100.000") == "new"
    assert meters.add_reading(store, "styret", "METER-A", at, Decimal("100")) == "duplicate"
    with pytest.raises(meters.MeterError, match="went backwards"):
        meters.add_reading(store, "styret", "METER-A", datetime(2026, 2, 1), "99")
    with pytest.raises(meters.MeterError, match="went backwards"):  # above a later reading
        meters.add_reading(store, "styret", "METER-A", datetime(2025, 12, 1), "101")
    assert meters.add_reading(store, "styret", "METER-A", datetime(2026, 2, 1), "3", replacement=True) == "new"
    rows = store.rows("meter_readings_of_installation", installation_id="garage-a")
    assert [(r[2], r[3], r[5]) for r in rows] == [(Decimal("100.000"), False, "styret"), (Decimal("3.000"), True, "styret")]
