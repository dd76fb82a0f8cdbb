"""Integrity across installations and bad values (issue 8, items 4 and 5).

A session is identified by (installation, session id): a feed for another installation never
changes a stored session or moves a station; it is rejected with the reason. Every absurd value
(NaN, Infinity, 1e308, 1e9, times before 2000 or after the file was made) is a rejected row naming
its record; the rest of the file lands. An unreliable clock's impossible start is counted on the
date the cloud registered it, and the report says so.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import support
from support import csv_row, zaptec_record

from chargeboard import accounts, dashboard, ingest, quality, reports
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.scope import system_scope

ALL = system_scope()


def stored(store) -> dict[str, dict]:
    with contextlib.closing(store.cursor()) as cur:
        cur.execute("SELECT * FROM sessions ORDER BY session_id")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def rejected(store, import_id: int) -> list[tuple[str, str]]:
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute("SELECT location, reason FROM rejected_rows WHERE import_id = $i ORDER BY position",
                           {"i": import_id}).fetchall()


# -- session identity across installations ----------------------------------------------------

def test_a_feed_for_another_installation_never_changes_a_session(store, feeds):
    a = zaptec_record("shared-id", station="chg-a", user_id="u-a", user_name="Anne A", email="anne@example.org",
                      kwh=5.0, start=datetime(2025, 3, 1, 10))
    ingest_file(store, feeds.zaptec([a], "a.json"), installation="Garage A")
    before = stored(store)["shared-id"]
    b_records = [zaptec_record("shared-id", station="chg-b", user_id="u-b", user_name="Bjørn B",
                               email="bjorn@example.org", kwh=9.0, start=datetime(2025, 3, 2, 10)),
                 zaptec_record("own-b", station="chg-b", user_id="u-b", kwh=3.0, start=datetime(2025, 3, 3, 10))]
    summary = ingest_file(store, feeds.zaptec(b_records, "b.json"), installation="Garage B")
    assert (summary.records, summary.new, summary.updated, summary.rejected) == (2, 1, 0, 1)
    [(location, reason)] = rejected(store, summary.import_id)
    assert location == "page 1, record 1"
    assert reason == "session belongs to another installation — shared-id is stored for installation garage-a"
    after = stored(store)
    assert after["shared-id"] == before  # user, energy, station, installation: all A's
    assert after["own-b"]["installation_id"] == "garage-b"
    # Loading B's file again changes nothing either (the repeat copies its rejected row).
    again = ingest_file(store, feeds.zaptec(b_records, "b.json"), installation="Garage B")
    assert (again.new, again.updated, again.rejected) == (0, 0, 1)
    assert stored(store)["shared-id"] == before


def test_a_station_of_another_installation_is_not_moved(store, feeds):
    ingest_file(store, feeds.zaptec([zaptec_record("a-1", station="chg-a")], "a.json"), installation="Garage A")
    summary = ingest_file(store, feeds.zaptec([zaptec_record("b-1", station="chg-a"),
                                               zaptec_record("b-2", station="chg-b")], "b.json"),
                          installation="Garage B")
    assert (summary.new, summary.rejected) == (1, 1)
    assert rejected(store, summary.import_id) == [
        ("page 1, record 1", "charging station belongs to another installation — chg-a is in installation garage-a")]
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT station_id, installation_id FROM stations ORDER BY 1").fetchall() == \
            [("chg-a", "garage-a"), ("chg-b", "garage-b")]
    assert set(stored(store)) == {"a-1", "b-2"}


# -- bad values are rows -------------------------------------------------------------------------

def _now_zaptec(delta: timedelta) -> str:
    return support.zaptec_time(datetime.now(UTC) + delta)


# (field overrides, the reason's kind). Energy as a float is written by json.dumps as NaN /
# Infinity / 1e+308 literals, which Zaptec-like JSON writers produce.
BAD_ZAPTEC = [
    ({"Energy": float("nan")}, "unparseable energy"),
    ({"Energy": float("inf")}, "unparseable energy"),
    ({"Energy": float("-inf")}, "unparseable energy"),
    ({"Energy": 1e308}, "energy impossible for the duration"),
    ({"Energy": "1e308"}, "energy impossible for the duration"),
    ({"Energy": 1e9}, "energy impossible for the duration"),
    ({"Energy": 999_999_999.0}, "energy impossible for the duration"),
    ({"Energy": -5}, "negative energy"),
    ({"StartDateTime": "1900-01-01T00:00:00.000"}, "start before 2000"),
    ({"StartDateTime": "1999-12-31T23:00:00.000"}, "start before 2000"),
    ({"StartDateTime": "-infinity", "CommitEndDateTime": "2025-03-01T11:00:00.000"}, "start before 2000"),
    ({"StartDateTime": _now_zaptec(timedelta(days=3)), "CommitEndDateTime": _now_zaptec(timedelta(days=3, hours=1)),
      "EndDateTime": None}, "start in the future"),
    ({"StartDateTime": "9999-12-31T22:00:00.000", "CommitEndDateTime": "9999-12-31T23:00:00.000",
      "EndDateTime": None}, "start in the future"),
    ({"CommitEndDateTime": "9999-12-31T23:00:00.000", "EndDateTime": None}, "end in the future"),
    ({"EndDateTime": "9999-12-31T23:00:00.000"}, "registration time out of range"),
    ({"StartDateTime": "294277-01-01T00:00:00"}, "unparseable start time"),
    # the example: 1900 to 9999, 999,999,999 kWh (a 1.26-billion-NOK statement)
    ({"StartDateTime": "1900-01-01T00:00:00.000", "CommitEndDateTime": "9999-12-31T00:00:00.000",
      "EndDateTime": None, "Energy": 999_999_999}, "start before 2000"),
    # an unreliable clock skips the power check, but not this
    ({"Energy": 999_999_999, "CommitMetadata": 1}, "energy impossible for one session"),
    # an unreliable clock's impossible start with no usable registration time
    ({"StartDateTime": "1970-01-01T00:00:00.000", "CommitEndDateTime": "1970-01-01T01:00:00.000",
      "EndDateTime": None, "CommitMetadata": 1}, "impossible time and no registration time"),
]


@pytest.mark.parametrize("shape", ["page", "list"])
@pytest.mark.parametrize(("fields", "kind"), BAD_ZAPTEC, ids=[f"{k}-{i}" for i, (_, k) in enumerate(BAD_ZAPTEC)])
def test_bad_zaptec_value_is_a_rejected_row_and_the_rest_lands(store, feeds, shape, fields, kind):
    records = [zaptec_record("good-1", start=datetime(2025, 3, 1, 10)),
               zaptec_record("bad", start=datetime(2025, 3, 2, 10), **fields),
               zaptec_record("good-2", start=datetime(2025, 3, 3, 10))]
    summary = ingest_file(store, feeds.zaptec(records, shape=shape))
    assert (summary.records, summary.new, summary.rejected) == (3, 2, 1), summary.rejected_by_reason
    [(location, reason)] = rejected(store, summary.import_id)
    assert location == ("page 1, record 2" if shape == "page" else "record 2")
    assert reason.split(" — ")[0] == kind
    assert set(stored(store)) == {"good-1", "good-2"}


BAD_CSV = [
    ({"kwh": "NaN"}, "unparseable energy"),
    ({"kwh": "Infinity"}, "unparseable energy"),
    ({"kwh": "-inf"}, "unparseable energy"),
    ({"kwh": "1e308"}, "energy impossible for the duration"),
    ({"kwh": "1000000000"}, "energy impossible for the duration"),
    ({"kwh": "23,418"}, "unparseable energy"),
    ({"start": "1900-01-01T10:00:00+01:00"}, "start before 2000"),
    ({"start": "9999-12-31T10:00:00+01:00", "end": "9999-12-31T11:00:00+01:00"}, "start in the future"),
    ({"end": "9999-12-31T11:00:00+01:00"}, "end in the future"),
    ({"start": "2025-02-30T10:00:00+01:00"}, "unparseable start time"),
    ({"registered_at": "0001-01-01T00:00:00Z"}, "registration time out of range"),
]


@pytest.mark.parametrize(("fields", "kind"), BAD_CSV, ids=[f"{k}-{i}" for i, (_, k) in enumerate(BAD_CSV)])
def test_bad_csv_value_is_a_rejected_row_and_the_rest_lands(store, feeds, fields, kind):
    rows = [csv_row("c-1"), csv_row("c-2", **fields), csv_row("c-3")]
    summary = ingest_file(store, feeds.csv(rows, columns=list(support.CSV_COLUMNS)))
    assert (summary.records, summary.new, summary.rejected) == (3, 2, 1), summary.rejected_by_reason
    [(location, reason)] = rejected(store, summary.import_id)
    assert location == "line 3"
    assert reason.split(" — ")[0] == kind
    assert set(stored(store)) == {"c-1", "c-3"}


def test_a_week_long_session_is_kept_and_flagged_not_rejected(store, feeds):
    long = zaptec_record("long", start=datetime(2025, 3, 1, 10), minutes=60 * 24 * 21, kwh=74.5)
    summary = ingest_file(store, feeds.zaptec([long]))
    assert (summary.new, summary.rejected) == (1, 0)
    flagged = quality.find(store, ALL, "long_sessions")
    # shown as people know it (no session id): the one session, its energy and its three weeks
    assert list(flagged["energy_kwh"].astype(float)) == [74.5] and list(flagged["duration_h"]) == [504.0]


# -- unreliable clocks ----------------------------------------------------------------------------

def test_unreliable_clock_from_2000_counts_on_its_registration_and_the_report_says_so(store, feeds):
    # The charger's clock restarted at 2000-01-01 after a power cut (CommitMetadata 2: offline, no
    # reliable clock); the cloud registered the session on 10 July 2025 (summer time).
    reset = zaptec_record("reset", station="chg-1", start=datetime(2000, 1, 1, 0, 20), minutes=95, kwh=12.345,
                          metadata=2, registered=datetime(2025, 7, 10, 6, 0))
    normal = zaptec_record("normal", station="chg-1", start=datetime(2025, 7, 5, 10), kwh=4.0)
    summary = ingest_file(store, feeds.zaptec([reset, normal]))
    assert (summary.new, summary.rejected) == (2, 0)
    row = stored(store)["reset"]
    assert row["started_at"] == datetime(2000, 1, 1, 0, 20, tzinfo=UTC)  # kept as the charger said
    assert row["started_local"] == datetime(2025, 7, 10, 8, 0)  # counted on the registration, Oslo time
    assert row["dated_by_registration"] is True
    july = SessionFilter(date(2025, 7, 1), date(2025, 7, 31))
    report = reports.build_report(store, ALL, reports.ReportRequest(july))
    t = report.totals
    assert (t.sessions, t.energy_kwh) == (2, Decimal("16.345"))
    assert (t.dated_by_registration_sessions, t.dated_by_registration_kwh) == (1, Decimal("12.345"))
    assert report.notes == ["1 session (12.345 kWh) had an impossible start time from a charger whose clock was "
                            "unreliable, and is counted on the date the charger cloud registered it."]
    k = dashboard.kpis_for(store, ALL, dashboard.DashboardRequest(date(2025, 7, 1), date(2025, 7, 31)),
                           date(2025, 7, 1), date(2025, 7, 31))
    assert (k.sessions, k.energy_kwh) == (2, Decimal("16.345"))
    year_2000 = reports.build_report(store, ALL, reports.ReportRequest(SessionFilter(date(2000, 1, 1),
                                                                                     date(2000, 12, 31))))
    assert year_2000.is_empty


def test_unreliable_clock_with_a_plausible_date_keeps_it(store, feeds):
    shifted = zaptec_record("shifted", start=datetime(2025, 2, 1, 10), kwh=3, metadata=2,
                            registered=datetime(2025, 3, 10, 6))
    ingest_file(store, feeds.zaptec([shifted]))
    row = stored(store)["shifted"]
    assert (row["started_local"], row["dated_by_registration"]) == (datetime(2025, 2, 1, 11), False)


# -- names come from the caller's own scope -----------------------------------------------------

def test_rfid_report_names_no_one_outside_the_residents_scope(coop_store, feeds, auth_file):
    # Eve borrows Kari's tag after Kari last used it: the tag's newest user anywhere is Eve.
    borrowed = zaptec_record("e-borrow", station="chg-a1", serial="ZAP-A1", station_name="Garasje A1",
                             user_id=support.EVE.user_id, user_name=support.EVE.name, email=support.EVE.email,
                             tag=support.KARI.tag, start=datetime(2025, 3, 28, 18), kwh=6.0)
    ingest_file(coop_store, feeds.zaptec([borrowed], "borrowed.json"), installation="Testlaget")
    kari = accounts.scope_for(accounts.find_account("kari", auth_file), coop_store)
    every_day = SessionFilter(date(2025, 1, 1), date(2025, 12, 31))
    report = reports.build_report(coop_store, kari, reports.ReportRequest(every_day, by="rfid", include_idle=True))
    assert list(report.rows["name"]) == [support.KARI.tag]
    assert list(report.rows["detail"]) == [support.KARI.name]
    shown = " ".join(str(v) for v in report.rows.to_numpy().ravel()) + " ".join(report.notes)
    for person in (support.EVE, support.OLA, support.PER):
        assert person.name not in shown and person.user_id not in shown
    # The system owner sees who used the tag last.
    everyone = reports.build_report(coop_store, ALL, reports.ReportRequest(every_day, by="rfid"))
    details = dict(zip(everyone.rows["name"], everyone.rows["detail"], strict=True))
    assert details[support.KARI.tag] == support.EVE.name


# -- the feeds above really hold what they say ------------------------------------------------

def test_a_json_feed_with_nan_literals_is_still_json(feeds):
    # Guard for the cases above: the feed really holds the bare literals.
    text = feeds.zaptec([zaptec_record("n", kwh=float("nan"))]).read_text(encoding="utf-8")
    assert '"Energy": NaN' in text
    with pytest.raises(ValueError):
        json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


# -- meter readings CSV ----------------------------------------------------------------------------

METER_HEADER = "meter_id,read_at,register_kwh,installation\n"


@pytest.mark.parametrize(("cells", "kind"), [
    ("M-1,2025-02-01T08:00:00+01:00,NaN,Garage", "unparseable register_kwh"),
    ("M-1,2025-02-01T08:00:00+01:00,Infinity,Garage", "unparseable register_kwh"),
    ("M-1,2025-02-01T08:00:00+01:00,-inf,Garage", "unparseable register_kwh"),
    ("M-1,2025-02-01T08:00:00+01:00,1e308,Garage", "register out of range"),
    ("M-1,2025-02-01T08:00:00+01:00," + "9" * 5000 + ",Garage", "register out of range"),
    ("M-1,1900-02-01T08:00:00+01:00,1100,Garage", "read_at out of range"),
    ("M-1,0001-01-01T00:10:00,1100,Garage", "read_at out of range"),
    ("M-1,9999-12-31T23:30:00+00:00,1100,Garage", "read_at out of range"),
    ("M-1,2999-01-01T00:00:00+00:00,1100,Garage", "read_at out of range"),
    ("M-1,2025-02-01T08:00:00+01:00,1100," + "x" * (200 * 1024), "malformed CSV line"),
], ids=["nan", "inf", "-inf", "1e308", "5000-digits", "1900", "year-1", "year-9999", "future", "200KiB-field"])
def test_bad_meter_value_is_a_rejected_row_and_the_rest_lands(store, feeds, cells, kind):
    with store.transaction() as cur:
        ingest.ensure_installation(cur, "Garage", None)
    text = (METER_HEADER + "M-1,2025-01-01T08:00:00+01:00,1000,Garage\n" + cells + "\n"
            + "M-1,2025-03-01T08:00:00+01:00,1200,Garage\n")
    summary = ingest_file(store, feeds.text(text, "meters.csv"))
    assert (summary.records, summary.new, summary.rejected) == (3, 2, 1), summary.rejected_by_reason
    [(location, reason)] = rejected(store, summary.import_id)
    assert location == "line 3"
    assert reason.split(" — ")[0] == kind
    assert len(reason) < 300  # a huge value is not copied into the reason
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT register_kwh FROM meter_readings ORDER BY read_at").fetchall() == \
            [(Decimal("1000.000"),), (Decimal("1200.000"),)]
        raw = cur.execute("SELECT raw FROM rejected_rows WHERE import_id = $i", {"i": summary.import_id}).fetchone()[0]
    assert raw.startswith("M-1,") and len(raw) <= 1000



# -- the suite catches what it used to miss ----------------------------------------------------------

def test_registration_in_summer_time_counts_in_its_local_month(store, feeds):
    """Registered 30 June 22:30 UTC = 1 July 00:30 in Oslo (UTC+2 in summer): July, not June
    (a fixed UTC+1 would say 30 June 23:30)."""
    offline = zaptec_record("late", start=datetime(2025, 6, 28, 8), kwh=7.0, metadata=2 | 4,
                            registered=datetime(2025, 6, 30, 22, 30))
    winter = zaptec_record("winter", station="chg-2", start=datetime(2025, 1, 30, 8), kwh=3.0, metadata=2 | 4,
                           registered=datetime(2025, 1, 31, 23, 30))  # 1 February 00:30 (UTC+1)
    ingest_file(store, feeds.zaptec([offline, winter]))
    assert stored(store)["late"]["registered_local"] == datetime(2025, 7, 1, 0, 30)

    def by_registration(first: date, last: date) -> Decimal:
        request = reports.ReportRequest(SessionFilter(first, last), attribute_by="registered")
        return reports.build_report(store, ALL, request).totals.energy_kwh

    assert by_registration(date(2025, 7, 1), date(2025, 7, 31)) == Decimal("7.000")
    assert by_registration(date(2025, 6, 1), date(2025, 6, 30)) == Decimal("0.000")
    assert by_registration(date(2025, 2, 1), date(2025, 2, 28)) == Decimal("3.000")
    k = dashboard.kpis_for(store, ALL, dashboard.DashboardRequest(date(2025, 7, 1), date(2025, 7, 31),
                                                                  attribute_by="registered"),
                           date(2025, 7, 1), date(2025, 7, 31))
    assert (k.sessions, k.energy_kwh) == (1, Decimal("7.000"))


# Each stored field of a Zaptec record, and a changed value for it.
CHANGED_FIELDS = {
    "ChargerId": "chg-other", "UserId": "u-other", "TokenName": "Tag other",
    "StartDateTime": "2025-03-01T09:30:00.000", "CommitEndDateTime": "2025-03-01T11:30:00.000",
    "EndDateTime": "2025-03-02T08:00:00.000", "Energy": 5.001, "CommitMetadata": 2 | 4,
    "ReplacedBySessionId": "s-new", "ExternalId": "ext-2", "ChargerFirmwareVersion": "4.0.0",
    "SignedSession": "OCMF|{}", "EnergyDetails": [{"Timestamp": "2025-03-01T10:00:00Z", "Energy": 5.0}],
}
STORED_AS = {
    "ChargerId": ("station_id", "chg-other"), "UserId": ("user_id", "u-other"), "TokenName": ("tag", "Tag other"),
    "StartDateTime": ("started_at", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
    "CommitEndDateTime": ("ended_at", datetime(2025, 3, 1, 11, 30, tzinfo=UTC)),
    "EndDateTime": ("registered_at", datetime(2025, 3, 2, 8, tzinfo=UTC)),
    "Energy": ("energy_kwh", Decimal("5.001")), "CommitMetadata": ("offline", True),
    "ReplacedBySessionId": ("replaced_by", "s-new"), "ExternalId": ("external_id", "ext-2"),
    "ChargerFirmwareVersion": ("firmware", "4.0.0"), "SignedSession": ("signed", True),
    "EnergyDetails": ("energy_details", '[{"Timestamp":"2025-03-01T10:00:00Z","Energy":5.0}]'),
}


def _base_record() -> dict:
    return zaptec_record("s-1", start=datetime(2025, 3, 1, 10), minutes=60, kwh=5.0,
                         registered=datetime(2025, 3, 1, 11, 5), ExternalId="ext-1",
                         ChargerFirmwareVersion="3.2.1")


@pytest.mark.parametrize("field", list(CHANGED_FIELDS))
def test_reingest_with_one_field_changed_is_noticed_and_a_newer_copy_stores_it(store, feeds, field):
    ingest_file(store, feeds.zaptec([_base_record()], "first.json"))
    same = ingest_file(store, feeds.zaptec([_base_record()], "same.json", shape="list"))
    assert (same.new, same.duplicate, same.updated) == (0, 1, 0)
    changed = dict(_base_record(), **{field: CHANGED_FIELDS[field]})
    summary = ingest_file(store, feeds.zaptec([changed], "changed.json"))
    # At equal times the copies' content decides which is kept (README): either way, not a duplicate.
    assert (summary.new, summary.duplicate, summary.updated + summary.older, summary.rejected) == (0, 0, 1, 0), \
        summary.rejected_by_reason
    if field != "EndDateTime":  # registered later by the cloud: this copy is the newer one
        changed["EndDateTime"] = "2025-03-01T11:06:00.000"
        newer = ingest_file(store, feeds.zaptec([changed], "newer.json"))
        assert (newer.new, newer.duplicate, newer.updated, newer.older) == (0, 0, 1, 0)
    column, value = STORED_AS[field]
    row = stored(store)["s-1"]
    got = row[column] if column != "energy_details" else json.dumps(json.loads(row[column]), separators=(",", ":"))
    assert got == value
    assert len(stored(store)) == 1


# -- CSV as Norwegian Excel saves it (issue 9, item 1) -----------------------------------------------

NORWEGIAN_SESSIONS = (
    "session_id;station_id;station_name;user_id;started_at;ended_at;energy_kwh;registered_at\r\n"
    "n-1;ST-1;Plass Ø1;u-1;29.03.2025 17:05;29.03.2025 21:40;23,418;\r\n"
    "n-2;ST-1;Plass Ø1;u-2;30.03.2025 01:30;30.03.2025 03:30;4,5;30.03.2025 04:00\r\n"  # across the DST change
    "\r\n"
    "n-3;ST-2;Plass Æ2;u-2;2025-06-01T10:00:00+02:00;2025-06-01T11:00:00+02:00;7;\r\n"  # ISO 8601 too
    "n-4;ST-2;Plass Æ2;u-2;31.02.2025 10:00;31.02.2025 11:00;1,0;\r\n"  # no such day
    "n-5;ST-2;Plass Æ2;u-2;01.06.2025 10:00;01.06.2025 11:00;-2,5;\r\n"
)


@pytest.mark.parametrize(("encoding", "bom", "said"), [
    ("windows-1252", b"", "Windows-1252"), ("utf-8", b"", "UTF-8"), ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM")])
def test_sessions_csv_as_norwegian_excel_saves_it(store, feeds, encoding, bom, said):
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path = feeds.folder / "excel.csv"
    path.write_bytes(bom + NORWEGIAN_SESSIONS.encode(encoding))
    summary = ingest_file(store, path, installation="Garasjen")
    assert summary.read_as == f"semicolon-separated, decimal comma, {said}, day.month.year dates"
    assert f"  read as: {summary.read_as}" in summary.lines()
    assert (summary.records, summary.new, summary.rejected) == (5, 3, 2), summary.rejected_by_reason
    assert rejected(store, summary.import_id) == [
        ("line 6", "unparseable start time — 31.02.2025 10:00"), ("line 7", "negative energy — -2.5 kWh")]
    rows = stored(store)
    assert rows["n-1"]["energy_kwh"] == Decimal("23.418")
    assert rows["n-1"]["started_local"] == datetime(2025, 3, 29, 17, 5)  # local time of the installation
    assert rows["n-1"]["started_at"] == datetime(2025, 3, 29, 16, 5, tzinfo=UTC)
    assert rows["n-2"]["ended_at"] == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert rows["n-2"]["registered_at"] == datetime(2025, 3, 30, 2, 0, tzinfo=UTC)
    assert rows["n-3"]["started_at"] == datetime(2025, 6, 1, 8, tzinfo=UTC)
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT name FROM stations ORDER BY 1").fetchall() == [("Plass Æ2",), ("Plass Ø1",)]
    assert not list(feeds.folder.glob(".chargeboard-*"))  # the converted copy is gone


def test_a_csv_with_both_decimal_marks_is_one_clear_line(store, feeds):
    path = feeds.text("session_id;station_id;started_at;ended_at;energy_kwh\n"
                      "a;S;01.03.2025 10:00;01.03.2025 11:00;1,5\n"
                      "b;S;01.03.2025 12:00;01.03.2025 13:00;2.5\n", "mixed.csv")
    with pytest.raises(ingest.IngestError, match=r"^.*mixed\.csv: cannot tell how the CSV was saved — both decimal"):
        ingest_file(store, path)
    assert stored(store) == {}


def test_meter_csv_as_norwegian_excel_saves_it(store, feeds):
    with store.transaction() as cur:
        ingest.ensure_installation(cur, "Garasjen", None)
    feeds.folder.mkdir(parents=True, exist_ok=True)
    path = feeds.folder / "måler.csv"
    path.write_bytes("meter_id;read_at;register_kwh;installation\r\n"
                     "M-Ø;01.01.2025 00:00;1000,5;Garasjen\r\n"
                     "M-Ø;01.07.2025 00:00;1500,25;Garasjen\r\n"
                     "M-Ø;01.08.2025 00:00;NaN;Garasjen\r\n".encode("windows-1252"))
    summary = ingest_file(store, path)
    assert summary.read_as == "semicolon-separated, decimal comma, Windows-1252, day.month.year dates"
    assert (summary.records, summary.new, summary.rejected) == (3, 2, 1)
    with contextlib.closing(store.cursor()) as cur:
        assert cur.execute("SELECT meter_id, read_at, register_kwh FROM meter_readings ORDER BY read_at").fetchall() \
            == [("M-Ø", datetime(2024, 12, 31, 23, tzinfo=UTC), Decimal("1000.500")),
                ("M-Ø", datetime(2025, 6, 30, 22, tzinfo=UTC), Decimal("1500.250"))]
    assert rejected(store, summary.import_id) == [("line 4", "unparseable register_kwh — 'NaN'")]
