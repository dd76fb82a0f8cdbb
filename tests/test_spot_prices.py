"""Spot prices in (issue 29, item 1): the price API's JSON day files and ENTSO-E XML loaded into
spot_prices with every bad row a rejected row; the fetch from a local stand-in of the price API
(tests/price_api_fake.py) with gaps, unpublished days, 15-minute and DST days, retries, and a failure
half-way that stores nothing; the command line against a real store file."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from price_api_fake import OSLO, PriceApi, day_records

from chargeboard import cli, reasons, settings
from chargeboard.pricing import spot
from chargeboard.store import Store

ROOT = settings.PROJECT_ROOT


@pytest.fixture
def api():
    fake = PriceApi().start()
    yield fake
    fake.stop()


def write(folder: Path, name: str, records) -> Path:
    path = folder / name
    path.write_text(records if isinstance(records, str) else json.dumps(records), encoding="utf-8")
    return path


def stored(store: Store, area: str = "NO1") -> list[tuple]:
    with store.cursor() as cur:
        return [(s.astimezone(UTC), e.astimezone(UTC), n) for s, e, n in cur.execute(
            "SELECT starts_at, ends_at, nok_per_kwh FROM spot_prices WHERE area = $a ORDER BY starts_at",
            {"a": area}).fetchall()]


def rejected(store: Store, import_id: int) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute("SELECT position, location, reason FROM rejected_rows WHERE import_id = $i "
                           "ORDER BY position", {"i": import_id}).fetchall()


# -- the price API's JSON --------------------------------------------------------------------------

def test_a_day_file_loads_once_and_a_newer_file_replaces_prices(store, tmp_path):
    day = date(2026, 12, 7)
    path = write(tmp_path, "12-07_NO1.json", day_records(day))
    first = spot.import_file(store, path, imported_by="styret")
    assert (first.area, first.records, first.new, first.unchanged, first.replaced, first.rejected) == \
        ("NO1", 24, 24, 0, 0, 0)
    rows = stored(store)
    assert len(rows) == 24 and rows[0][0] == datetime(2026, 12, 6, 23, tzinfo=UTC)
    assert rows[5][2] == Decimal("0.550000")
    again = spot.import_file(store, path)
    assert (again.new, again.unchanged, again.replaced) == (0, 24, 0)
    assert stored(store) == rows
    corrected = day_records(day)
    corrected[5]["NOK_per_kWh"] = 1.23456789  # kept to 6 decimals
    newer = spot.import_file(store, write(tmp_path, "12-07_NO1-fixed_NO1.json", corrected))
    assert (newer.new, newer.unchanged, newer.replaced) == (0, 23, 1)
    assert stored(store)[5][2] == Decimal("1.234568")
    assert "1 replaced" in newer.lines()[0] and "23 unchanged" in newer.lines()[0]
    with store.cursor() as cur:
        assert cur.execute("SELECT imported_by, format, new_rows, duplicate_rows, updated_rows FROM imports "
                           "ORDER BY import_id").fetchall()[0] == ("styret", "spot-json", 24, 0, 0)


def test_hourly_prices_replaced_by_quarter_hours_leave_no_overlap(store, tmp_path):
    day = date(2026, 12, 7)
    spot.import_file(store, write(tmp_path, "a_NO1.json", day_records(day)))
    summary = spot.import_file(store, write(tmp_path, "b_NO1.json", day_records(day, 15)))
    assert (summary.new, summary.replaced) == (0, 96)  # every quarter takes (a part of) a stored hour's place
    rows = stored(store)
    assert len(rows) == 96 and all(a[1] == b[0] for a, b in zip(rows, rows[1:], strict=False))


def test_each_bad_row_is_rejected_with_its_record_and_reason(store, tmp_path):
    day = date(2026, 12, 7)
    records = day_records(day)
    records[1]["NOK_per_kWh"] = "abc"
    records[2]["NOK_per_kWh"] = 250
    records[3]["time_end"] = records[3]["time_start"]
    records[4]["time_start"] = "2026-12-07T04:10:00+01:00"
    records[4]["time_end"] = "2026-12-07T05:10:00+01:00"
    records[5]["time_start"] = "2026-12-07T05:00:00"
    del records[6]["NOK_per_kWh"]
    records[7] = [1, 2]
    records.append(dict(records[10], NOK_per_kWh=9.99))  # interval 10 twice, two prices
    records.append(dict(records[11]))                    # interval 11 twice, the same price: counted once
    summary = spot.import_file(store, write(tmp_path, "x_NO1.json", records))
    got = {position: reason for position, _location, reason in rejected(store, summary.import_id)}
    assert got[2].startswith("unparseable price — NOK_per_kWh")
    assert got[3].startswith("price out of range — 250")
    assert got[4].startswith("price interval not 15 or 60 minutes")
    assert got[5].startswith("price interval not aligned")
    assert got[6] == "unparseable price time — time_start '2026-12-07T05:00:00' has no offset"
    assert got[7] == "missing price — no NOK_per_kWh"
    assert got[8].startswith("record is not an object")
    assert got[11].startswith("conflicting price in the file") and got[25].startswith("conflicting price in the file")
    assert 12 not in got and 26 not in got
    assert summary.rejected == 9 and summary.new == 24 - 8
    assert len(stored(store)) == 16
    with store.cursor() as cur:
        assert cur.execute("SELECT location FROM rejected_rows WHERE import_id = $i AND position = 2",
                           {"i": summary.import_id}).fetchone() == ("record 2",)
    for _position, _location, reason in rejected(store, summary.import_id):
        assert reasons.kind_of(reason) in reasons.KINDS, reason
    assert spot.missing_days(store, "NO1", day, day + timedelta(days=1)) == [day]


def test_the_area_comes_from_the_file_name_or_is_given(store, tmp_path):
    records = day_records(date(2026, 12, 7))
    assert spot.import_file(store, write(tmp_path, "12-07_NO5.json", records)).area == "NO5"
    assert spot.import_file(store, write(tmp_path, "prices.json", records), area="NO3").area == "NO3"
    with pytest.raises(spot.PriceFileError, match="which price area"):
        spot.import_file(store, write(tmp_path, "prices.json", records))
    with pytest.raises(spot.PriceFileError, match="says price area NO5, but NO2 was given"):
        spot.import_file(store, tmp_path / "12-07_NO5.json", area="NO2")
    with pytest.raises(spot.PriceFileError, match="not a price API day file"):
        spot.import_file(store, write(tmp_path, "d_NO1.json", {"a": 1}))
    with pytest.raises(spot.PriceFileError, match="not JSON"):
        spot.import_file(store, write(tmp_path, "e_NO1.json", "[{"))
    assert [c.area for c in spot.coverage(store)] == ["NO3", "NO5"]


def test_dst_days_and_quarter_hours_cover_their_days(store, tmp_path):
    short, long_, quarter = date(2026, 3, 29), date(2026, 10, 25), date(2026, 10, 26)
    for day, minutes in ((short, 60), (long_, 60), (quarter, 15)):
        spot.import_file(store, write(tmp_path, f"{day:%m-%d}_NO1.json", day_records(day, minutes)))
    assert len(stored(store)) == 23 + 25 + 96
    assert spot.missing_days(store, "NO1", date(2026, 3, 28), date(2026, 3, 30)) == [date(2026, 3, 28)]
    assert spot.missing_days(store, "NO1", long_, quarter + timedelta(days=1)) == []
    [cov] = spot.coverage(store)
    assert (cov.area, cov.first_day, cov.last_day, cov.intervals, cov.resolution) == \
        ("NO1", short, quarter, 144, "15/60 min")


def test_a_gap_leaves_its_day_missing(store, tmp_path):
    day = date(2026, 12, 7)
    spot.import_file(store, write(tmp_path, "g_NO1.json", day_records(day, skip=(13,))))
    assert len(stored(store)) == 23
    assert spot.missing_days(store, "NO1", day - timedelta(days=1), day + timedelta(days=2)) == \
        [day - timedelta(days=1), day, day + timedelta(days=1)]


# -- ENTSO-E XML ------------------------------------------------------------------------------------

def entsoe(points: list[tuple[int, str]], *, start="2026-12-06T23:00Z", end="2026-12-07T23:00Z",
           resolution="PT60M", curve="A03", eic="10YNO-1--------2", currency="EUR") -> str:
    body = "".join(f"<Point><position>{p}</position><price.amount>{a}</price.amount></Point>" for p, a in points)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">
  <mRID>1</mRID><type>A44</type>
  <TimeSeries>
    <mRID>1</mRID><businessType>A62</businessType>
    <in_Domain.mRID codingScheme="A01">{eic}</in_Domain.mRID>
    <out_Domain.mRID codingScheme="A01">{eic}</out_Domain.mRID>
    <currency_Unit.name>{currency}</currency_Unit.name>
    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>
    <curveType>{curve}</curveType>
    <Period>
      <timeInterval><start>{start}</start><end>{end}</end></timeInterval>
      <resolution>{resolution}</resolution>
      {body}
    </Period>
  </TimeSeries>
</Publication_MarketDocument>"""


def test_entsoe_a03_repeats_the_price_before_a_missing_position(store, tmp_path):
    path = write(tmp_path, "entsoe.xml", entsoe([(1, "50.00"), (2, "60.10"), (5, "70"), (24, "80")]))
    with pytest.raises(spot.PriceFileError, match="--eur-nok"):
        spot.import_file(store, path)
    summary = spot.import_file(store, path, eur_nok="11,5")
    assert (summary.area, summary.format, summary.records, summary.new) == ("NO1", "entsoe-xml", 4, 24)
    rows = stored(store)
    assert [r[2] for r in rows[:6]] == [Decimal("0.575000"), Decimal("0.691150"), Decimal("0.691150"),
                                        Decimal("0.691150"), Decimal("0.805000"), Decimal("0.805000")]
    assert rows[-1] == (datetime(2026, 12, 7, 22, tzinfo=UTC), datetime(2026, 12, 7, 23, tzinfo=UTC),
                        Decimal("0.920000"))
    with store.cursor() as cur:
        assert cur.execute("SELECT eur_per_kwh, exr FROM spot_prices ORDER BY starts_at LIMIT 1").fetchone() == \
            (Decimal("0.050000"), Decimal("11.500000"))


def test_entsoe_a01_leaves_a_gap_and_pt15m_has_quarters(store, tmp_path):
    a01 = spot.import_file(store, write(tmp_path, "a01.xml", entsoe([(1, "50"), (3, "70")], curve="A01")),
                           eur_nok="10")
    assert a01.new == 2
    quarters = entsoe([(p, str(10 * p)) for p in range(1, 97)], start="2026-12-07T23:00Z",
                      end="2026-12-08T23:00Z", resolution="PT15M", eic="10Y1001A1001A48H")
    summary = spot.import_file(store, write(tmp_path, "q.xml", quarters), eur_nok="10")
    assert (summary.area, summary.new) == ("NO5", 96)
    rows = stored(store, "NO5")
    assert rows[1] == (datetime(2026, 12, 7, 23, 15, tzinfo=UTC), datetime(2026, 12, 7, 23, 30, tzinfo=UTC),
                       Decimal("0.200000"))


def test_entsoe_bad_points_and_files(store, tmp_path):
    xml = entsoe([(1, "50"), (2, "NaN"), (30, "1"), (3, "99999"), (4, "40"), (4, "41")])
    summary = spot.import_file(store, write(tmp_path, "bad.xml", xml), eur_nok="10")
    got = [reason for _p, _l, reason in rejected(store, summary.import_id)]
    assert any(r.startswith("unparseable price — price.amount") for r in got)
    assert any(r.startswith("price position out of range — 30") for r in got)
    assert any(r.startswith("price out of range — 999.99") for r in got)
    assert any(r.startswith("conflicting price in the file — position 4") for r in got)
    with pytest.raises(spot.PriceFileError, match="not a Norwegian price area"):
        spot.import_file(store, write(tmp_path, "se.xml", entsoe([(1, "5")], eic="10Y1001A1001A46L")), eur_nok="10")
    with pytest.raises(spot.PriceFileError, match="says price area NO1, but NO2 was given"):
        spot.import_file(store, write(tmp_path, "no1.xml", entsoe([(1, "5")])), area="NO2", eur_nok="10")
    with pytest.raises(spot.PriceFileError, match="only EUR per MWh"):
        spot.import_file(store, write(tmp_path, "nok.xml", entsoe([(1, "5")], currency="NOK")), eur_nok="10")
    with pytest.raises(spot.PriceFileError, match="positive number"):
        spot.import_file(store, tmp_path / "no1.xml", eur_nok="-1")


def test_every_reason_kind_of_the_spot_module_is_registered():
    text = (ROOT / "chargeboard" / "pricing" / "spot.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r"""RowError\(f?["']([a-z][^"'\n{}]*?) — """, text))
    assert {"price out of range", "conflicting price in the file", "unparseable price time"} <= kinds
    assert kinds <= reasons.KINDS, kinds - reasons.KINDS


# -- the fetch ----------------------------------------------------------------------------------------

def test_fetch_stores_the_days_and_says_which_are_not_published_yet(store, api):
    today = date(2026, 12, 7)
    for day in (date(2026, 12, 5), date(2026, 12, 6), today, today + timedelta(days=1)):
        api.put(day, "NO1", day_records(day))
    api.put(date(2026, 12, 6), "NO1", day_records(date(2026, 12, 6), skip=(3,)))  # a gap
    outcome = spot.fetch(store, "NO1", date(2026, 12, 5), date(2026, 12, 9), api.url, fetched_by="styret",
                         today=today)
    assert outcome.ok, outcome.error
    assert outcome.unpublished == [date(2026, 12, 9)]
    assert [s.file for s in outcome.summaries] == ["2026/12-05_NO1.json", "2026/12-06_NO1.json",
                                                   "2026/12-07_NO1.json", "2026/12-08_NO1.json"]
    assert outcome.totals() == {"new": 95, "unchanged": 0, "replaced": 0, "rejected": 0}
    assert "not published yet: 9 Dec 2026" in "\n".join(outcome.lines())
    assert spot.missing_days(store, "NO1", date(2026, 12, 5), date(2026, 12, 10)) == \
        [date(2026, 12, 6), date(2026, 12, 9)]
    again = spot.fetch(store, "NO1", date(2026, 12, 5), date(2026, 12, 8), api.url, today=today)
    assert again.totals()["new"] == 0 and again.totals()["unchanged"] == 95
    line = spot.freshness_line(store, "NO1")
    assert re.fullmatch(r"Spot prices NO1 up to 8 Dec 2026, fetched \d+ \w+ \d{4},? \d\d:\d\d", line), line
    log = spot.fetch_log(store)
    assert list(log["error"].isna()) == [True, True] and list(log["fetched_by"])[-1] == "styret"


def test_fetch_dst_and_quarter_hour_days(store, api):
    days = {date(2026, 3, 29): 60, date(2026, 10, 25): 60, date(2026, 10, 26): 15}
    for day, minutes in days.items():
        api.put(day, "NO2", day_records(day, minutes))
    for day in days:
        outcome = spot.fetch(store, "NO2", day, day, api.url, today=date(2026, 12, 1))
        assert outcome.ok, outcome.error
    assert [s.records for s in spot.fetch(store, "NO2", date(2026, 10, 25), date(2026, 10, 26), api.url,
                                          today=date(2026, 12, 1)).summaries] == [25, 96]
    assert len(stored(store, "NO2")) == 23 + 25 + 96
    assert spot.missing_days(store, "NO2", date(2026, 10, 25), date(2026, 10, 27)) == []


def test_a_404_for_a_past_day_fails_the_fetch_and_stores_nothing(store, api):
    api.put(date(2026, 12, 1), "NO1", day_records(date(2026, 12, 1)))
    outcome = spot.fetch(store, "NO1", date(2026, 12, 1), date(2026, 12, 2), api.url, today=date(2026, 12, 7))
    assert not outcome.ok and "answered 404" in outcome.error and "12-02_NO1.json" in outcome.error
    assert stored(store) == []
    assert "nothing was stored" in outcome.lines()[0]
    assert spot.fetch_log(store)["error"].iloc[0] == outcome.error


def test_a_429_is_waited_out_and_a_500_half_way_stores_nothing(store, api):
    for day in (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)):
        api.put(day, "NO1", day_records(day))
    api.fail("12-01_NO1", 429, times=1, retry_after="0")
    ok = spot.fetch(store, "NO1", date(2026, 12, 1), date(2026, 12, 1), api.url, today=date(2026, 12, 7),
                    retries=2, backoff=0)
    assert ok.ok and ok.totals()["new"] == 24
    assert api.log.count("/api/v1/prices/2026/12-01_NO1.json") == 2
    api.fail("12-03_NO1", 500, times=5)
    failed = spot.fetch(store, "NO1", date(2026, 12, 2), date(2026, 12, 3), api.url, today=date(2026, 12, 7),
                        retries=2, backoff=0)
    assert not failed.ok and "answered 500 after 3 tries" in failed.error
    assert len(stored(store)) == 24  # day 2 was downloaded, but not stored: the fetch is all or nothing
    assert spot.missing_days(store, "NO1", date(2026, 12, 2), date(2026, 12, 3)) == [date(2026, 12, 2)]


def test_fetch_refuses_bad_requests(store, api):
    assert "before --from" in spot.fetch(store, "NO1", date(2026, 12, 2), date(2026, 12, 1), api.url).error
    assert "unknown price area" in spot.fetch(store, "SE3", date(2026, 12, 1), date(2026, 12, 1), api.url).error
    assert "http" in spot.fetch(store, "NO1", date(2026, 12, 1), date(2026, 12, 1), "ftp://x").error
    assert api.log == []


# -- the command line ---------------------------------------------------------------------------------

def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def in_process(*args: str) -> subprocess.CompletedProcess:
    """The same command line in this process (cli.main): a second's start-up less for each of the cases
    that only check what it answers; the first import and fetch run as real processes."""
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(list(args), stdout=out, stderr=err)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_cli_prices_import_and_fetch_against_a_store_file(db_path, tmp_path, api):
    good = write(tmp_path, "12-07_NO1.json", day_records(date(2026, 12, 7)))
    bad_records = day_records(date(2026, 12, 8))
    bad_records[0]["NOK_per_kWh"] = 1e9
    bad = write(tmp_path, "12-08_NO1.json", bad_records)
    done = run_cli("prices", "import", str(good), str(bad), "--db", str(db_path))
    assert done.returncode == 0, done.stderr
    assert "12-07_NO1.json: spot prices NO1 (spot-json), 24 records → 24 new, 0 unchanged, 0 replaced, 0 rejected" in done.stdout
    assert "23 new, 0 unchanged, 0 replaced, 1 rejected" in done.stdout
    assert "rejected: 1 × price out of range" in done.stdout
    again = in_process("prices", "import", str(good), "--db", str(db_path))
    assert "0 new, 24 unchanged" in again.stdout

    xml = write(tmp_path, "day.xml", entsoe([(1, "50")]))
    no_rate = in_process("prices", "import", str(xml), "--db", str(db_path))
    assert no_rate.returncode == 1 and "--eur-nok" in no_rate.stderr and "Traceback" not in no_rate.stderr
    with_rate = in_process("prices", "import", str(xml), "--eur-nok", "11.5", "--db", str(db_path))
    assert with_rate.returncode == 0 and "1 record → 0 new, 0 unchanged, 24 replaced" in with_rate.stdout
    assert in_process("prices", "import", str(xml), "--eur-nok", "elleve", "--db", str(db_path)).returncode == 2
    missing = in_process("prices", "import", str(tmp_path / "nope.json"), "--db", str(db_path))
    assert missing.returncode == 2 and "no such file" in missing.stderr

    for day in (date(2026, 12, 9), date(2026, 12, 10)):
        api.put(day, "NO2", day_records(day, 15))
    fetched = run_cli("prices", "fetch", "--area", "NO2", "--from", "2026-12-09", "--to", "2026-12-10",
                      "--api-url", api.url, "--db", str(db_path))
    assert fetched.returncode == 0, fetched.stderr
    assert "2 days stored → 192 new" in fetched.stdout
    failed = in_process("prices", "fetch", "--area", "NO2", "--from", "2026-01-01", "--to", "2026-01-02",  # before TODAY
                     "--api-url", api.url, "--db", str(db_path))
    assert failed.returncode == 1 and "answered 404" in failed.stderr and "nothing was stored" in failed.stderr
    assert in_process("prices", "fetch", "--area", "NO2", "--db", str(db_path)).returncode == 2
    assert in_process("prices", "fetch", "--area", "SE3", "--from", "2026-12-01", "--to", "2026-12-01",
                   "--db", str(db_path)).returncode == 2
    store = Store(db_path)
    try:
        assert {c.area: c.intervals for c in spot.coverage(store)} == {"NO1": 24 + 23, "NO2": 192}
    finally:
        store.close()


def test_cli_areas_are_the_spot_modules():
    from chargeboard import cli  # noqa: PLC0415

    assert cli.PRICE_AREAS == spot.AREAS


def test_cli_prices_are_handed_to_the_serving_app(db_path, tmp_path, api):
    """While the app serves the store, `prices import` and `prices fetch` run in its process."""
    import io  # noqa: PLC0415

    from chargeboard import cli, handover  # noqa: PLC0415

    spool = handover.open_spool(settings.inbox_dir(db_path), create=True)
    store = Store(db_path, allowed_dirs=[spool.path])
    server = handover.start_server(store, spool, cli.HANDED_OVER, log=io.StringIO())
    try:
        path = write(tmp_path, "12-07_NO3.json", day_records(date(2026, 12, 7)))
        done = run_cli("prices", "import", str(path), "--db", str(db_path))
        assert done.returncode == 0, done.stderr
        assert "the app is serving" in done.stderr and "24 new" in done.stdout and "12-07_NO3.json" in done.stdout
        api.put(date(2026, 12, 8), "NO3", day_records(date(2026, 12, 8)))
        fetched = run_cli("prices", "fetch", "--area", "NO3", "--from", "2026-12-08", "--to", "2026-12-08",
                          "--api-url", api.url, "--db", str(db_path))
        assert fetched.returncode == 0 and "1 day stored → 24 new" in fetched.stdout, fetched.stderr
        assert {c.area: c.intervals for c in spot.coverage(store)} == {"NO3": 48}
    finally:
        store.close()
        server.thread.join(10)


# -- the daily fetch -----------------------------------------------------------------------------------

def test_the_daily_fetch_fills_the_week_and_tomorrow_once_an_hour(store, api):
    now = datetime(2026, 12, 7, 14, 30, tzinfo=OSLO)
    assert spot.scheduled_fetch(store, now) is None  # off: no setting
    with pytest.raises(spot.PriceFileError, match="http"):
        spot.set_schedule(store, "NO1", True, "file:///etc", "styret")
    spot.set_schedule(store, "NO1", True, api.url + "/", "styret")
    assert spot.schedule(store).api_url == api.url
    for offset in range(-7, 1):  # tomorrow not published yet
        day = date(2026, 12, 7) + timedelta(days=offset)
        api.put(day, "NO1", day_records(day))
    first = spot.scheduled_fetch(store, now)
    assert first.ok and (first.day_from, first.day_to) == (date(2026, 11, 30), date(2026, 12, 8))
    assert first.unpublished == [date(2026, 12, 8)] and first.totals()["new"] == 8 * 24
    assert spot.scheduled_fetch(store, now + timedelta(minutes=30)) is None  # tried within the hour
    api.put(date(2026, 12, 8), "NO1", day_records(date(2026, 12, 8)))
    later = spot.scheduled_fetch(store, now + timedelta(minutes=61))
    assert (later.day_from, later.totals()["new"]) == (date(2026, 12, 8), 24)
    assert spot.scheduled_fetch(store, now + timedelta(hours=3)) is None  # nothing missing
    assert spot.fetch_log(store)["fetched_by"].tolist() == ["(schedule)", "(schedule)"]
    spot.set_schedule(store, "NO1", False, None, "styret")
    assert spot.scheduled_fetch(store, datetime(2026, 12, 9, 15, tzinfo=OSLO)) is None


# -- the Tariffs page -----------------------------------------------------------------------------------

def test_the_tariffs_page_fetches_prices_and_shows_the_coverage(store, auth_file, api):
    """AppTest: the system owner's Tariffs page fetches two days from the (stand-in) price API set as the
    daily fetch's address, then shows them in the coverage table with the freshness line."""
    import support  # noqa: PLC0415
    from conftest import release_app_store  # noqa: PLC0415
    from test_app import page_as, texts  # noqa: PLC0415

    today = date.fromisoformat(support.TODAY)
    for day in (today, today + timedelta(days=1)):
        api.put(day, "NO4", day_records(day))
    spot.set_schedule(store, "NO4", False, api.url, "styret")  # off: only the page's button fetches
    store.close()
    release_app_store()
    try:
        at = page_as(support.STYRET, "tariffs")
        assert "Spot prices" in texts(at) and "No spot prices loaded yet." in texts(at)
        assert at.selectbox(key="fetch_area").value == "NO4"
        next(b for b in at.button if b.label == "Fetch prices").click().run()
        assert not at.exception, at.exception
        shown = texts(at)
        assert "2 days stored → 48 new, 0 unchanged, 0 replaced, 0 rejected" in shown, shown
        assert "Spot prices NO4 up to 16 Jan 2026, fetched" in shown
        table = at.dataframe[-1].value
        assert list(table.iloc[0])[:4] == ["NO4", "15 Jan 2026", "16 Jan 2026", "48"]
        assert [p for p in api.log] == ["/api/v1/prices/2026/01-15_NO4.json", "/api/v1/prices/2026/01-16_NO4.json"]
    finally:
        release_app_store()


def test_price_imports_do_not_make_the_sessions_look_fresh(store, tmp_path):
    from chargeboard import freshness  # noqa: PLC0415

    spot.import_file(store, write(tmp_path, "12-07_NO1.json", day_records(date(2026, 12, 7))))
    assert freshness.data_freshness(store).text == "No data loaded yet"


def test_a_file_with_hours_and_quarter_hours_for_the_same_time_keeps_the_quarters(store, tmp_path):
    day = date(2026, 12, 7)
    records = day_records(day, 15) + day_records(day, 60)[:2]
    summary = spot.import_file(store, write(tmp_path, "both_NO1.json", records))
    assert (summary.new, summary.rejected) == (96, 2)
    got = [reason for _p, _l, reason in rejected(store, summary.import_id)]
    assert all(r.startswith("overlapping price interval — the hour from") for r in got), got
    assert len(stored(store)) == 96
