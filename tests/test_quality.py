"""Data quality: each anomaly is found on a fixture that contains exactly one of it (and no other)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import support

from chargeboard import formats, help, i18n, quality, settings
from chargeboard.ingest import ingest_file
from chargeboard.scope import system_scope

OWNER = system_scope()
NOW = datetime(2025, 3, 31, 12, tzinfo=UTC)
BASE = datetime(2025, 3, 20, 10)  # 11 days before NOW, so no station is silent


def rec(sid, *, station="chg-1", user="u-1", tag=None, start=BASE, minutes=60, kwh=5.0, **kw):
    return support.zaptec_record(sid, station=station, serial=f"ZAP-{station}", station_name=f"Station {station}",
                                 user_id=user, user_name=f"Name {user}", email=f"{user}@example.org",
                                 tag=tag or f"Tag {user}", start=start, minutes=minutes, kwh=kwh, **kw)


CLEAN = [rec("c1"), rec("c2", station="chg-2", user="u-2", start=BASE + timedelta(days=1))]
ONE_OF_EACH = {
    "overlapping_sessions": [rec("x", user="u-3", start=BASE + timedelta(minutes=30))],
    "zero_kwh_sessions": [rec("x", start=BASE + timedelta(days=2), kwh=0)],
    "long_sessions": [rec("x", start=BASE - timedelta(days=5), minutes=73 * 60, kwh=40)],
    "energy_above_power": [rec("x", start=BASE + timedelta(days=2), minutes=60, kwh=23.0)],
    "future_sessions": [rec("x", start=datetime(2025, 4, 2, 10))],
    "shared_tags": [rec("x", user="u-3", tag="Tag u-1", start=BASE + timedelta(days=3))],
    "silent_stations": [rec("x", station="chg-3", start=BASE - timedelta(days=40))],
}


def load(store, feeds, records):
    summary = ingest_file(store, feeds.zaptec(records, "q.json"), installation="Quality test")
    assert summary.rejected == 0, summary.rejected_by_reason
    return store


def test_clean_fixture_has_no_anomaly(store, feeds):
    load(store, feeds, CLEAN)
    assert quality.counts(store, OWNER, NOW) == {a.key: 0 for a in quality.ANOMALIES}


@pytest.mark.parametrize("key", list(ONE_OF_EACH))
def test_each_anomaly_found_exactly_once(store, feeds, key):
    load(store, feeds, CLEAN + ONE_OF_EACH[key])
    found = quality.counts(store, OWNER, NOW)
    assert found == {a.key: int(a.key == key) for a in quality.ANOMALIES}
    rows = quality.find(store, OWNER, key, NOW)
    if key == "shared_tags":
        assert set(rows["user_name"]) == {"Name u-1", "Name u-3"} and set(rows["tag"]) == {"Tag u-1"}
    elif key == "silent_stations":
        assert list(rows["station"]) == ["Station chg-3"] and int(rows["days_silent"].iloc[0]) >= 30
    elif key == "overlapping_sessions":  # c1 (u-1) and x (u-3), on one station
        assert {rows["user_name"].iloc[0], rows["other_user_name"].iloc[0]} == {"Name u-1", "Name u-3"}
        assert list(rows["station"]) == ["Station chg-1"] and list(rows["serial"]) == ["ZAP-chg-1"]
    else:  # x alone, shown by its station, serial, user and energy
        x = ONE_OF_EACH[key][0]
        assert len(rows) == 1 and float(rows["energy_kwh"].iloc[0]) == x["Energy"]
        assert (rows["station"].iloc[0], rows["serial"].iloc[0], rows["user_name"].iloc[0]) == (
            "Station chg-1", "ZAP-chg-1", "Name u-1")
    assert not {"session_id", "overlaps_session_id", "station_id"} & set(rows.columns)


def test_every_anomaly_explains_itself_and_has_its_own_query():
    for anomaly in quality.ANOMALIES:
        assert anomaly.meaning and anomaly.action
        assert (quality.settings.QUERIES_DIR / "quality" / f"quality_{anomaly.key}.sql").exists()


def test_void_sessions_are_not_anomalies(store, feeds):
    load(store, feeds, CLEAN + [rec("v", kwh=0, metadata=5 | 32, ReplacedBySessionId="c1",
                                    start=BASE + timedelta(days=4))])
    assert quality.counts(store, OWNER, NOW)["zero_kwh_sessions"] == 0


def test_imports_log_and_rejected_rows_download(store, feeds):
    bad = rec("bad", kwh=-1)
    ingest_file(store, feeds.zaptec([*CLEAN, bad, rec("=cmd", kwh=-2)], "with-bad.json"), installation="Q")
    log = quality.imports_shown(store)
    assert list(log.rows["file_name"]) == ["with-bad.json"] and int(log.rows["rejected_rows"].iloc[0]) == 2
    assert log.note is None
    rejected = quality.rejected_shown(store)
    assert rejected.total == 2 and rejected.note is None
    assert all("negative energy" in r for r in rejected.rows["reason"])
    text = quality.rejected_csv(store).decode("utf-8-sig")
    assert text.splitlines()[0] == "import,file,where,reason,raw" and len(text.splitlines()) == 3
    with i18n.language("nb"):  # what a Norwegian reader downloads: ;-separated, titled, with a BOM
        nb = quality.rejected_csv(store, "excel-nb")
    assert nb.startswith("\ufeff".encode())
    nb_rows = list(csv.reader(io.StringIO(nb.decode("utf-8-sig")), delimiter=";"))
    assert len(nb_rows) == 3 and nb_rows[0][1] != "file"
    assert all(not cell.startswith(("=", "+", "@")) for row in nb_rows for cell in row)  # no cell starts a formula
    book = openpyxl.load_workbook(io.BytesIO(quality.rejected_workbook(store, OWNER)))
    rows = list(book["Rejected rows"].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][1] == "with-bad.json"


def test_a_long_list_shows_its_first_rows_and_says_so_while_the_downloads_hold_all(store, feeds, monkeypatch):
    # 50,005 rejected rows (8 columns: 400,040 cells) once made the page fail (too many cells for a table).
    monkeypatch.setattr(settings, "ROWS_SHOWN", 2)
    bad = [rec(f"bad-{n}", kwh=-1) for n in range(3)]
    ingest_file(store, feeds.zaptec([*CLEAN, *bad], "first.json"), installation="Q")
    ingest_file(store, feeds.zaptec(CLEAN + [rec("c3", start=BASE + timedelta(days=2))], "second.json"),
                installation="Q")
    ingest_file(store, feeds.zaptec(CLEAN + [rec("c4", start=BASE + timedelta(days=3))], "third.json"),
                installation="Q")
    rejected = quality.rejected_shown(store)
    assert (len(rejected.rows), rejected.total, rejected.note) == (2, 3, "The first 2 of 3.")
    assert len(quality.rejected_csv(store).decode("utf-8-sig").splitlines()) == 1 + 3
    imports = quality.imports_shown(store)
    assert list(imports.rows["file_name"]) == ["third.json", "second.json"] and imports.total == 3
    assert imports.note == "The first 2 of 3."


def test_the_pages_rejected_downloads_are_built_once_per_data_version(store, feeds):
    from chargeboard import memo  # noqa: PLC0415

    ingest_file(store, feeds.zaptec([*CLEAN, rec("bad", kwh=-1)], "with-bad.json"), installation="Q")
    memo.enable()
    try:
        first = quality.rejected_downloads(store, OWNER, "excel-en")
        assert quality.rejected_downloads(store, OWNER, "excel-en") is first  # kept between runs
        assert quality.rejected_downloads(store, OWNER, "excel-nb")[1] != first[1]  # the reader's dialect
        ingest_file(store, feeds.zaptec([rec("bad-2", kwh=-2)], "more-bad.json"), installation="Q")
        again = quality.rejected_downloads(store, OWNER, "excel-en")
        assert len(again[1].decode("utf-8-sig").splitlines()) == len(first[1].decode("utf-8-sig").splitlines()) + 1
    finally:
        memo.enable(False)


def test_rejected_rows_workbook_prints_like_the_other_workbooks(store, feeds):
    ingest_file(store, feeds.zaptec([*CLEAN, rec("bad", kwh=-1)], "with-bad.json"), installation="Garasje Q")
    day = formats.day(quality.imports_shown(store).rows["started_at"].iloc[0].tz_convert("UTC").date(), lang="en")
    ws = openpyxl.load_workbook(io.BytesIO(quality.rejected_workbook(store, OWNER)))["Rejected rows"]
    assert (ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text) == (
        "Garasje Q", "Rejected rows", f"imports {day}–{day} (UTC)")
    assert ws.oddFooter.center.text == "Page &P of &N"
    assert ws.page_setup.orientation == "landscape"  # the raw rows are wide
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$1" and ws.print_area == "'Rejected rows'!$A$1:$E$2"


def test_help_texts_are_the_seeds_questions():
    titles = [title for title, _ in help.ALL]
    assert "I can not retrieve charger reports" in titles
    assert "4 kWh" in help.REPORT_VS_METER and "offline" in help.SYSTEM_WAS_OFFLINE
    assert "active charge session" in help.WHY_NOT_ALL_STATIONS


def test_overlaps_are_one_row_per_session_that_starts_while_another_charges(store, feeds):
    """Beside the earlier session still charging that runs longest; found by one window over each
    station's sessions, so a station that overlaps all day costs a sort, not every pair."""
    load(store, feeds, [
        # on chg-1, a long one and two inside it (not overlapping each other): each overlaps the long one
        rec("long", start=BASE, minutes=180), rec("in1", user="u-2", start=BASE + timedelta(minutes=30), minutes=30),
        rec("in2", user="u-3", start=BASE + timedelta(minutes=90), minutes=30),
        # on chg-2, a chain: b overlaps a, c overlaps b but starts after a ended
        rec("a", station="chg-2", start=BASE, minutes=60),
        rec("b", station="chg-2", user="u-2", start=BASE + timedelta(minutes=30), minutes=60),
        rec("c", station="chg-2", user="u-3", start=BASE + timedelta(minutes=75), minutes=45)])
    rows = quality.find(store, OWNER, "overlapping_sessions", NOW)
    pairs = {(r.station, r.user_name, r.other_user_name, r.overlap_minutes) for r in rows.itertuples()}
    assert pairs == {("Station chg-1", "Name u-1", "Name u-2", 30.0), ("Station chg-1", "Name u-1", "Name u-3", 30.0),
                     ("Station chg-2", "Name u-1", "Name u-2", 30.0), ("Station chg-2", "Name u-2", "Name u-3", 15.0)}
    assert quality.counts(store, OWNER, NOW)["overlapping_sessions"] == 4
    first = quality.find(store, OWNER, "overlapping_sessions", NOW, rows=3)  # the drill-down's cap
    assert len(first) == 3 and list(first["other_start_local"]) == list(rows["other_start_local"][:3])


def test_the_overlap_count_agrees_with_its_list_on_ties_and_zero_length_sessions(store, feeds):
    """The tab's count comes from a query of its own (quality_overlapping_sessions_count.sql): it must
    count exactly the sessions the list shows, also where the rule's edges are (the pairs the ingest
    kept: tests/test_session_overlaps.py)."""
    at = BASE + timedelta(minutes=20)
    load(store, feeds, [
        rec("long", start=BASE, minutes=180),
        rec("same-start-a", user="u-2", start=at, minutes=30), rec("same-start-b", user="u-3", start=at, minutes=10, kwh=1.0),
        rec("zero-inside", user="u-2", start=BASE + timedelta(minutes=50), minutes=0, kwh=0),
        rec("zero-at-end", user="u-3", start=BASE + timedelta(minutes=180), minutes=0, kwh=0),
        rec("after", start=BASE + timedelta(minutes=181), minutes=30),
        rec("z1", station="chg-2", start=BASE, minutes=0, kwh=0),
        rec("z2", station="chg-2", user="u-2", start=BASE, minutes=0, kwh=0),
        rec("z3", station="chg-2", user="u-3", start=BASE, minutes=30),
        rec("end-equal-a", station="chg-3", start=BASE, minutes=60),
        rec("end-equal-b", station="chg-3", user="u-2", start=BASE + timedelta(minutes=30), minutes=30),
        rec("end-equal-c", station="chg-3", user="u-3", start=BASE + timedelta(minutes=45), minutes=15, kwh=1.0),
        # chg-4: a zero-length session at the very start of an earlier one (by id) is inside no charging
        rec("q-a", station="chg-4", start=BASE, minutes=30), rec("q-b", station="chg-4", user="u-2", start=BASE,
                                                                 minutes=0, kwh=0)])
    listed = quality.find(store, OWNER, "overlapping_sessions", NOW)
    # chg-1: both same-start sessions and the zero-length one inside `long` (not the one at its end, nor `after`);
    # chg-2: none (z3 starts as the zero-length ones end); chg-3: b and c (two earlier sessions end together);
    # chg-4: none
    assert len(listed) == 5
    assert quality.counts(store, OWNER, NOW)["overlapping_sessions"] == len(listed)


def test_a_drill_down_shows_its_first_rows_and_says_how_many_there_are(store, feeds, monkeypatch):
    load(store, feeds, CLEAN + [rec(f"o{n}", user="u-3", start=BASE + timedelta(minutes=10 * n), minutes=5,
                                kwh=0.5)
                                for n in range(1, 5)])  # four sessions inside c1 (10:00-11:00)
    found = quality.counts(store, OWNER, NOW)["overlapping_sessions"]
    monkeypatch.setattr(settings, "ROWS_SHOWN", 3)
    with i18n.language("en"):
        rows, more = quality.drill_down(store, OWNER, "overlapping_sessions", found)
    assert (found, len(rows), more) == (4, 3, "The first 3 of 4.")
    monkeypatch.setattr(settings, "ROWS_SHOWN", 4)
    assert quality.drill_down(store, OWNER, "overlapping_sessions", found)[1] is None  # all shown: no note


def test_shared_tags_are_counted_as_tags_and_listed_by_tag_and_user(store, feeds):
    """The count (quality_shared_tags_count.sql) reads the monthly sums, the list the sessions: both
    find the same tags, and a void session's user does not make a tag shared."""
    load(store, feeds, CLEAN + [
        rec("t1", user="u-2", tag="Tag u-1", start=BASE + timedelta(days=2)),             # Tag u-1: u-1 and u-2
        rec("t2", user="u-3", tag="Tag u-1", start=BASE + timedelta(days=3)),             # and u-3
        rec("t3", user="u-1", tag="Tag u-2", start=BASE + timedelta(days=4)),             # Tag u-2: u-2 and u-1
        rec("v", user="u-3", tag="Tag u-9", start=BASE + timedelta(days=5), metadata=5 | 32,
            ReplacedBySessionId="c1"),                                                    # void: not counted
        rec("v2", user="u-4", tag="Tag u-1", start=BASE + timedelta(days=7), metadata=5 | 32,
            ReplacedBySessionId="c1"),                                                    # void: not listed
        rec("t4", user="u-9", tag="Tag u-9", start=BASE + timedelta(days=6))])
    listed = quality.find(store, OWNER, "shared_tags", NOW)
    assert sorted({(r.tag, r.user_name) for r in listed.itertuples()}) == [
        ("Tag u-1", "Name u-1"), ("Tag u-1", "Name u-2"), ("Tag u-1", "Name u-3"),
        ("Tag u-2", "Name u-1"), ("Tag u-2", "Name u-2")]
    assert quality.counts(store, OWNER, NOW)["shared_tags"] == 2
