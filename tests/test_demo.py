"""Tests of the deterministic demo-data generator (chargeboard_demo/generator.py)."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import support

from chargeboard_demo import generator as demo

ROOT = Path(__file__).resolve().parents[1]

END = dt.date(2026, 11, 24)
OSLO = ZoneInfo("Europe/Oslo")
FIELDS = ["Id", "DeviceId", "DeviceName", "ChargerId", "StartDateTime", "EndDateTime", "CommitEndDateTime",
          "Energy", "UserId", "UserFullName", "UserEmail", "TokenName", "ExternalId", "CommitMetadata",
          "ReplacedBySessionId", "SignedSession", "ChargerFirmwareVersion", "EnergyDetails"]
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")


def _utc(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return None


def _pages(path: Path) -> list[dict]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    return payload if isinstance(payload, list) else [payload]


def _records(files: demo.DemoFiles) -> list[dict]:
    return [r for inst in demo.INSTALLATION_NAMES for page in _pages(files.feeds[inst]) for r in page["Data"]]


def _malformed_kind(r: dict) -> str | None:
    if "Id" not in r or not r["Id"]:
        return "missing_id"
    start, end = _utc(r["StartDateTime"]), _utc(r["CommitEndDateTime"])
    if start is None:
        return "unparseable_start"
    if end < start:
        return "end_before_start"
    if r["Energy"] < 0:
        return "negative_energy"
    hours = (end - start).total_seconds() / 3600
    if not r["CommitMetadata"] & demo.VOID and r["Energy"] > 2 * demo.STATION_BY_DEVICE[r["DeviceId"]].max_kw * hours:
        return "impossible_energy"
    return None


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> demo.DemoFiles:
    return demo.generate_demo(tmp_path_factory.mktemp("demo"), end=END)


@pytest.fixture(scope="module")
def records(files) -> list[dict]:
    return _records(files)


@pytest.fixture(scope="module")
def valid(records) -> list[dict]:
    """Records an importer should keep: well-formed, not void, reliable clock, duplicates once."""
    seen, out = set(), []
    for r in records:
        if _malformed_kind(r) or r["CommitMetadata"] & demo.VOID or not r["CommitMetadata"] & demo.RELIABLE_CLOCK:
            continue
        if r["Id"] not in seen:
            seen.add(r["Id"])
            out.append(r)
    return out


def _file_bytes(files: demo.DemoFiles) -> list[bytes]:
    return [p.read_bytes() for p in (*files.feeds.values(), files.meters, files.meter_intervals, *files.prices)]


def test_same_end_and_seed_give_identical_bytes(files, tmp_path):
    again = demo.generate_demo(tmp_path / "again", end=END, seed=demo.DEFAULT_SEED)
    assert _file_bytes(again) == _file_bytes(files)
    # ... also in another interpreter with another hash seed (no dependence on set/dict hashing)
    code = ("import datetime, pathlib, sys; from chargeboard_demo.generator import generate_demo; "
            "generate_demo(pathlib.Path(sys.argv[1]), end=datetime.date(2026, 11, 24))")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "sub")], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONHASHSEED": "12345"})
    sub = demo.DemoFiles({i: tmp_path / "sub" / demo.FEED_FILES[i] for i in demo.INSTALLATION_NAMES},
                         tmp_path / "sub" / demo.METERS_FILE, tmp_path / "sub" / demo.METER_INTERVALS_FILE,
                         tuple(tmp_path / "sub" / p.relative_to(files.meters.parent) for p in files.prices))
    assert _file_bytes(sub) == _file_bytes(files)


def test_other_seed_gives_other_data(files, tmp_path):
    other = demo.generate_demo(tmp_path, end=END, seed=7)
    assert _file_bytes(other)[0] != _file_bytes(files)[0]


def test_default_end_is_yesterday_in_oslo():
    assert demo.default_end() == dt.date.fromisoformat(support.TODAY) - dt.timedelta(days=1)  # pinned
    first, last = demo.history_window(END)
    assert last == END and (last - first).days + 1 == demo.HISTORY_DAYS


def test_file_names_and_page_shapes(files):
    assert {i: p.name for i, p in files.feeds.items()} == demo.FEED_FILES
    a = json.loads(files.feeds[demo.GARAGE_A].read_text(encoding="utf-8"))
    assert isinstance(a, dict) and a["Pages"] == 1 and isinstance(a["Data"], list)
    b = json.loads(files.feeds[demo.GARAGE_B].read_text(encoding="utf-8"))
    assert isinstance(b, list) and len(b) == 2 and all(p["Pages"] == 2 for p in b)


def test_record_fields_and_time_format(records):
    for r in records:
        assert list(r) == FIELDS or ("Id" not in r and list(r) == FIELDS[1:]), r
        for key in ("StartDateTime", "EndDateTime", "CommitEndDateTime"):
            assert TIME_RE.match(r[key]), r[key]
        assert all(TIME_RE.match(d["Timestamp"]) for d in r["EnergyDetails"])
        assert r["ExternalId"] is None
        assert isinstance(r["CommitMetadata"], int)
        assert r["Energy"] == round(r["Energy"], 3)


def test_sizes(records):
    assert {r["DeviceId"] for r in records} == {s.device_id for s in demo.STATIONS}
    assert len(demo.STATIONS) == 24
    assert collections.Counter(s.installation for s in demo.STATIONS) == {demo.GARAGE_A: 14, demo.GARAGE_B: 10}
    users = {r["UserId"] for r in records if r["UserId"]}
    assert 35 <= len(users) <= 45
    tags = {r["TokenName"] for r in records if r["TokenName"]}
    assert 45 <= len(tags) <= 55
    assert 5_000 <= len(records) <= 20_000
    names = {r["DeviceName"] for r in records}
    assert "Garage A – plass 13" in names and "Garage B – plass 1" in names


def test_energy_details_sum_exactly_to_energy(records):
    for r in records:
        assert sum(round(d["Energy"] * 1000) for d in r["EnergyDetails"]) == round(r["Energy"] * 1000), r


def test_energy_range_of_ordinary_sessions(valid):
    ordinary = [r for r in valid if not r["CommitMetadata"] & demo.ABORTED]
    assert all(2.0 <= r["Energy"] <= 45.0 for r in ordinary)


def test_offline_sessions(records):
    offline = [r for r in records if r["CommitMetadata"] & demo.OFFLINE and r["CommitMetadata"] & demo.RELIABLE_CLOCK]
    assert len(offline) == demo.N_OFFLINE_SESSIONS
    assert {r["DeviceId"] for r in offline} == {demo.OFFLINE_DEVICE_ID}
    delays = [_utc(r["EndDateTime"]) - _utc(r["CommitEndDateTime"]) for r in offline]
    assert all(d >= dt.timedelta(hours=1) for d in delays)
    assert max(delays) >= dt.timedelta(days=1)
    assert not any(r["CommitMetadata"] & demo.ONLINE for r in offline)


def test_unreliable_clock_sessions(records):
    clock = [r for r in records if not r["CommitMetadata"] & demo.RELIABLE_CLOCK]
    assert len(clock) == demo.N_UNRELIABLE_CLOCK_SESSIONS
    assert all(r["CommitMetadata"] & demo.OFFLINE for r in clock)
    in_2000 = [r for r in clock if r["StartDateTime"].startswith("2000-01-0")]
    assert len(in_2000) == demo.N_CLOCK_RESET_SESSIONS
    assert {r["DeviceId"] for r in in_2000} == {demo.CLOCK_RESET_DEVICE_ID}
    shifted = [r for r in clock if r not in in_2000]
    assert [r["DeviceId"] for r in shifted] == [demo.CLOCK_SHIFTED_DEVICE_ID]
    # the cloud's EndDateTime is right: well after the charger's (wrong) CommitEndDateTime
    assert _utc(shifted[0]["EndDateTime"]) - _utc(shifted[0]["CommitEndDateTime"]) > -demo.CLOCK_SHIFT
    first, _ = demo.history_window(END)
    assert all(_utc(r["EndDateTime"]).astimezone(OSLO).date() >= first for r in clock)


def test_void_session_points_to_present_correction(files):
    for inst in demo.INSTALLATION_NAMES:
        feed = [r for page in _pages(files.feeds[inst]) for r in page["Data"]]
        for r in feed:
            if r["CommitMetadata"] & demo.VOID:
                assert r["ReplacedBySessionId"]
                repl = [x for x in feed if x.get("Id") == r["ReplacedBySessionId"]]
                assert len(repl) == 1 and not repl[0]["CommitMetadata"] & demo.VOID
                assert repl[0]["StartDateTime"] == r["StartDateTime"] and repl[0]["Energy"] != r["Energy"]
    voids = [r for r in _records(files) if r["CommitMetadata"] & demo.VOID]
    assert len(voids) == demo.N_VOID_SESSIONS
    others = [r for r in _records(files) if not r["CommitMetadata"] & demo.VOID]
    assert all(r["ReplacedBySessionId"] is None for r in others)


def test_exact_duplicate_on_page_boundary(files, records):
    counts = collections.Counter(r.get("Id") for r in records if r.get("Id"))
    dups = [i for i, n in counts.items() if n > 1]
    assert len(dups) == demo.N_DUPLICATE_RECORDS and counts[dups[0]] == 2
    page1, page2 = _pages(files.feeds[demo.GARAGE_B])
    assert page1["Data"][-1] == page2["Data"][0] and page1["Data"][-1]["Id"] == dups[0]


def test_guest_and_aborted_sessions(records):
    guests = [r for r in records if r["UserId"] is None]
    assert len(guests) == demo.N_GUEST_SESSIONS + demo.N_VISITOR_SESSIONS
    assert all(r["TokenName"] is None and r["UserFullName"] is None and r["UserEmail"] is None for r in guests)
    aborted = [r for r in records if r["CommitMetadata"] & demo.ABORTED]
    assert len(aborted) == demo.N_ABORTED_SESSIONS


def test_visitors_charge_on_the_shared_stations_in_the_billing_months(records):
    """Issue 30: open-charging visitors in the last full month and the one before it, VISITORS_PER_MONTH a
    garage a month, on stations that are no one's home spot, so those months have sessions of no dwelling."""
    months = demo.visitor_months(END)
    assert months == [(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), (dt.date(2026, 10, 1), dt.date(2026, 10, 31))]
    homes = {c.home for c in demo._CARS if c.home}
    seen = collections.Counter()
    for r in records:
        day = _utc(r["StartDateTime"]).astimezone(OSLO).date() if r["UserId"] is None else None
        month = next((m for m in months if day and m[0] <= day <= m[1]), None)
        if month:
            station = demo.STATION_BY_DEVICE[r["DeviceId"]]
            seen[month, station.installation] += 1
            if station.device_id in homes:  # (a guest of the two years may land anywhere, a visitor not)
                seen["on a home spot"] += 1
    assert all(seen[m, inst] >= demo.VISITORS_PER_MONTH for m in months for inst in demo.INSTALLATION_NAMES)
    assert sum(seen[m, i] for m in months for i in demo.INSTALLATION_NAMES) - seen["on a home spot"] >= \
        demo.N_VISITOR_SESSIONS
    assert demo.last_full_month(dt.date(2026, 10, 31)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_visitors_end_within_a_history_that_ends_on_a_months_last_day(tmp_path):
    end = dt.date(2026, 10, 31)  # the last full month is the history's own last month
    guests = [r for r in _records(demo.generate_demo(tmp_path, end=end)) if r["UserId"] is None]
    assert len(guests) == demo.N_GUEST_SESSIONS + demo.N_VISITOR_SESSIONS
    assert max(_utc(r["EndDateTime"]).astimezone(OSLO).date() for r in guests) <= end
    assert sum(_utc(r["StartDateTime"]).astimezone(OSLO).date() >= dt.date(2026, 10, 1) for r in guests) >= \
        2 * demo.VISITORS_PER_MONTH


def test_one_malformed_record_of_each_kind(records):
    kinds = collections.Counter(_malformed_kind(r) for r in records)
    del kinds[None]
    assert kinds == {k: 1 for k in demo.MALFORMED_KINDS}


def test_commit_metadata_of_normal_sessions(valid):
    normal = collections.Counter(r["CommitMetadata"] & ~(demo.STOPPED_BY_RFID | demo.SIGNED) for r in valid)
    assert normal.most_common(1)[0][0] == demo.ONLINE | demo.RELIABLE_CLOCK
    assert any(r["CommitMetadata"] & demo.STOPPED_BY_RFID for r in valid)
    signed = [r for r in valid if r["CommitMetadata"] & demo.SIGNED]
    assert signed and all(r["SignedSession"] and r["DeviceId"] in demo.SIGNED_DEVICE_IDS for r in signed)


def test_identities(records):
    emails = {r["UserEmail"] for r in records if r["UserEmail"]}
    for ident in demo.DEMO_IDENTITIES.values():
        assert ident.email in emails
        mine = [r for r in records if r["UserId"] == ident.user_id]
        assert {r["UserEmail"] for r in mine} == {ident.email}
        assert {r["UserFullName"] for r in mine} == {ident.full_name}
        assert {r["TokenName"] for r in mine} == set(ident.tags)
    assert demo.DEMO_IDENTITIES["kari"].email == "kari.nordmann@example.org"
    assert demo.DEMO_IDENTITIES["kari"].installation == demo.GARAGE_A
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.org", e) for e in emails)
    assert "oyvind.eriksen@example.org" in emails and "espen.saether@example.org" in emails


def test_replaced_tag(records):
    ola = demo.DEMO_IDENTITIES["ola"]
    old = [r["StartDateTime"] for r in records if r["TokenName"] == demo.REPLACED_TAG_OLD]
    new = [r["StartDateTime"] for r in records if r["TokenName"] == demo.REPLACED_TAG_NEW]
    assert old and new and max(old) < min(new)
    assert {r["UserId"] for r in records if r["TokenName"] in ola.tags} == {ola.user_id}


def test_shared_tag(records):
    users = {r["UserFullName"] for r in records if r["TokenName"] == demo.SHARED_TAG}
    assert users == {"Ingrid Berg", "Lars Berg"}


def test_station_owner(valid):
    per = demo.DEMO_IDENTITIES["per"]
    assert set(per.owned_device_ids) == {"ZAP200001", "ZAP200002"}
    his = [r for r in valid if r["UserId"] == per.user_id]
    assert sum(r["DeviceId"] in per.owned_device_ids for r in his) / len(his) > 0.7
    others_there = [r for r in valid if r["DeviceId"] in per.owned_device_ids and r["UserId"] != per.user_id]
    assert others_there and len(others_there) < len(his)


def test_evening_peak_and_weekends(valid):
    local = [_utc(r["StartDateTime"]).astimezone(OSLO) for r in valid]
    assert sum(16 <= t.hour < 20 for t in local) / len(local) > 0.4
    weekday = [t for t in local if t.weekday() < 5]
    weekend = [t for t in local if t.weekday() >= 5]
    midday = lambda ts: sum(10 <= t.hour < 15 for t in ts) / len(ts)  # noqa: E731
    assert midday(weekend) > 2 * midday(weekday)
    assert sum(t.hour < 16 for t in local) / len(local) > 0.1  # some morning / daytime sessions


def test_more_energy_in_winter(valid):
    per_session = collections.defaultdict(list)
    for r in valid:
        per_session[_utc(r["StartDateTime"]).astimezone(OSLO).month].append(r["Energy"])
    mean = lambda months: (sum(sum(per_session[m]) for m in months)  # noqa: E731
                           / sum(len(per_session[m]) for m in months))
    assert mean((12, 1, 2)) > 1.2 * mean((6, 7, 8))


def test_sessions_within_history_window(valid):
    first, last = demo.history_window(END)
    for r in valid:
        assert _utc(r["StartDateTime"]).astimezone(OSLO).date() >= first
        assert _utc(r["EndDateTime"]).astimezone(OSLO).date() <= last
        assert _utc(r["CommitEndDateTime"]) >= _utc(r["StartDateTime"])


def test_no_overlapping_sessions_on_a_station(valid):
    by_station = collections.defaultdict(list)
    for r in valid:
        by_station[r["DeviceId"]].append((_utc(r["StartDateTime"]), _utc(r["CommitEndDateTime"])))
    for spans in by_station.values():
        spans.sort()
        assert all(b[0] >= a[1] for a, b in pairwise(spans))


def _meter_rows(files) -> dict[str, list[tuple[dt.datetime, float]]]:
    with files.meters.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["meter_id", "read_at", "register_kwh"]
        rows = collections.defaultdict(list)
        for meter_id, read_at, kwh in reader:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00", read_at)
            assert re.fullmatch(r"\d+\.\d{3}", kwh)
            rows[meter_id].append((dt.datetime.fromisoformat(read_at), float(kwh)))
    return rows


def test_meter_readings(files):
    rows = _meter_rows(files)
    assert set(rows) == {"METER-A", "METER-B"}
    for readings in rows.values():
        times = [t for t, _ in readings]
        assert times == sorted(times)
        values = [v for _, v in readings]
        assert all(b >= a for a, b in pairwise(values))
        assert all(t.astimezone(OSLO).date() <= END for t in times)
    gaps = [(m, b - a) for m, rs in rows.items() for (a, _), (b, _) in pairwise(rs)]
    assert sum(g > dt.timedelta(days=45) for _, g in gaps) == len(demo.METER_MISSING_READINGS)
    irregular = [t for rs in rows.values() for t, _ in rs if t.day != 1]
    assert len(irregular) == len(demo.METER_IRREGULAR_READINGS)
    assert all(7 <= t.hour <= 8 for rs in rows.values() for t, _ in rs if t.day == 1)


def test_meter_agrees_with_sessions(files, valid):
    """Meter delta = sessions' kWh + 4 kWh/station/month standby + 120-200 kWh/month other loads."""
    rows = _meter_rows(files)
    for inst in demo.INSTALLATION_NAMES:
        hours = sorted((_utc(d["Timestamp"]), d["Energy"]) for r in valid
                       if demo.STATION_BY_DEVICE[r["DeviceId"]].installation == inst for d in r["EnergyDetails"])
        readings = rows[demo.METER_IDS[inst]]
        for (t0, v0), (t1, v1) in pairwise(readings):
            charged = sum(e for t, e in hours if t0 <= t < t1)
            months = (t1 - t0).total_seconds() / 86400 / 30.44
            rest = (v1 - v0 - charged) / months - demo.STANDBY_KWH_PER_STATION_MONTH * demo.STATION_COUNTS[inst]
            assert 100 <= rest <= 230, (inst, t0, t1, rest)


# --------------------------------------------------------------------------------------------
# Issue 29: the meter's hourly readings, the peak week, the price files
# --------------------------------------------------------------------------------------------

def _interval_rows(files) -> list[tuple[dt.datetime, dt.datetime, float]]:
    with files.meter_intervals.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["meter_id", "from", "to", "kwh"]
        rows = []
        for meter_id, start, end, kwh in reader:
            assert meter_id == demo.INTERVAL_METER
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00\+0[12]:00", start) and re.fullmatch(r"\d+\.\d{3}", kwh)
            rows.append((dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end), float(kwh)))
    return rows


def _top3_days(rows, month: dt.date) -> list[tuple[float, dt.datetime]]:
    """The grid companies' rule: each day's highest hour, the 3 highest of those days."""
    best: dict[dt.date, tuple[float, dt.datetime]] = {}
    for start, _, kwh in rows:
        local = start.astimezone(OSLO)
        if (local.year, local.month) == (month.year, month.month) and kwh > best.get(local.date(), (-1.0,))[0]:
            best[local.date()] = (kwh, local)
    return sorted(best.values(), reverse=True)[:3]


def test_meter_intervals_cover_every_hour_of_the_last_twelve_months(files):
    rows = _interval_rows(files)
    first, last = demo.intervals_window(END)
    assert first == dt.date(2025, 12, 1) == demo.last_twelve_months(END) and last == END
    assert rows[0][0] == dt.datetime(2025, 12, 1, tzinfo=OSLO)
    assert rows[-1][1] == dt.datetime(2026, 11, 25, tzinfo=OSLO)
    assert all(b[0] == a[1] and a[1] - a[0] == dt.timedelta(hours=1) for a, b in pairwise(rows))
    assert len(rows) == ((rows[-1][1] - rows[0][0]).total_seconds() // 3600)  # 23 and 25 hour days included
    march = [r for r in rows if r[0].astimezone(OSLO).date() == dt.date(2026, 3, 29)]
    assert len(march) == 23


def test_meter_intervals_add_up_to_the_register(files):
    """The hours between two monthly readings add up to the registers' difference (to rounding and the
    readings' minutes): the two files describe the same meter."""
    rows = _interval_rows(files)
    readings = [(t, v) for t, v in _meter_rows(files)[demo.INTERVAL_METER] if t >= rows[0][0]]
    assert len(readings) >= 10
    for (t0, v0), (t1, v1) in pairwise(readings):
        hours = sum(kwh for start, _, kwh in rows if t0 <= start < t1)
        assert abs(hours - (v1 - v0)) < 10, (t0, t1, hours, v1 - v0)  # a partial hour at each end


def test_the_chargers_set_the_peak_month(files, valid):
    rows = _interval_rows(files)
    month = demo.peak_month(END)
    assert month == dt.date(2026, 1, 1) and demo.peak_week(END) == dt.date(2026, 1, 12)
    top = _top3_days(rows, month)
    week = demo.peak_week(END)
    assert all(week <= t.date() < week + dt.timedelta(days=5) and 17 <= t.hour <= 20 for _, t in top), top
    peak = sum(k for k, _ in top) / 3
    others = [_top3_days(rows, dt.date(y, m, 1)) for y, m in ((2025, 12), *((2026, m) for m in range(2, 12)))]
    assert all(peak > 1.5 * sum(k for k, _ in o) / 3 for o in others)
    # in those hours the chargers drew nearly all of it (the EnergyDetails are the hour's energy)
    charged = collections.Counter()
    for r in valid:
        if demo.STATION_BY_DEVICE[r["DeviceId"]].installation == demo.GARAGE_A:
            for d in r["EnergyDetails"]:
                charged[_utc(d["Timestamp"])] += d["Energy"]
    for kwh, t in top:
        assert charged[t.astimezone(dt.UTC)] > 0.95 * kwh
    # many residents at once: at least 10 Garage A sessions started 17-18 on one of those evenings
    starts = collections.Counter(_utc(r["StartDateTime"]).astimezone(OSLO).date() for r in valid
                                 if demo.STATION_BY_DEVICE[r["DeviceId"]].installation == demo.GARAGE_A
                                 and _utc(r["StartDateTime"]).astimezone(OSLO).hour == 17)
    assert max(starts[week + dt.timedelta(days=d)] for d in range(5)) >= 10


def test_price_files_for_every_day_the_formula_tariff_prices(files):
    first, last = demo.last_twelve_months(END), demo.history_window(END)[1]
    assert len(files.prices) == (last - first).days + 1
    assert files.prices[0] == files.meters.parent / "prices" / f"{first.year}" / f"{first:%m-%d}_NO1.json"
    assert files.prices[-1].name == f"{last:%m-%d}_NO1.json"
