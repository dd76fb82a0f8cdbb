"""Uploads, installations and data freshness (the Data sources page's logic), on a real store."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import support

from chargeboard import datasources, exports, freshness, reports, sync
from chargeboard.credentials import Login
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store


def upload(store, path: Path, installation: str | None = None, **kwargs) -> datasources.UploadResult:
    data = path.read_bytes()
    return datasources.load_upload(store, path.name, io.BytesIO(data), len(data), installation, **kwargs)


def test_an_upload_with_many_rejected_rows_shows_the_first_and_says_so(store, feeds, monkeypatch):
    monkeypatch.setattr(datasources.settings, "ROWS_SHOWN", 2)
    bad = [support.zaptec_record(f"bad-{n}", kwh="lots") for n in range(3)]
    result = upload(store, feeds.zaptec(bad, name="bad.json"))
    assert result.summary.rejected == 3 and len(result.rejected) == 2
    assert result.rejected_note == "The first 2 of 3."


def test_upload_gives_the_same_summary_as_the_command_line(store, feeds, tmp_path):
    good = support.zaptec_record("u1", start=datetime(2025, 3, 1, 10))
    bad = support.zaptec_record("u2", kwh="lots")
    path = feeds.zaptec([good, bad], name="march.json")
    seen = []
    result = upload(store, path, on_progress=lambda fraction, text: seen.append(fraction))
    assert result.error is None
    assert (result.summary.new, result.summary.rejected) == (1, 1)
    assert result.summary.file == "march.json"
    assert list(result.rejected.columns) == ["location", "reason", "raw"]
    assert "energy" in result.rejected.iloc[0].reason.lower() and result.rejected_note is None
    assert seen[-1] == 1.0 and seen == sorted(seen)
    # the saved copy is gone again, and nothing else lies in the private folder
    folder = sync.landing_dir(store.path)
    assert not any((folder / "uploads").iterdir())
    assert folder.stat().st_mode & 0o777 == 0o700
    # the same file from the command line's code path: a repeat, same counts
    again = ingest_file(store, path, display_name="march.json")
    assert (again.duplicate, again.rejected) == (1, 1)


def test_broken_and_too_large_files_are_refused_with_one_line(store, feeds, monkeypatch):
    broken = feeds.text("this is not a feed\n", "notes.txt")
    result = upload(store, broken)
    assert result.error and result.error.startswith("notes.txt:") and "\n" not in result.error
    monkeypatch.setenv("CHARGEBOARD_UPLOAD_MAX_MB", "1")
    big = datasources.load_upload(store, "../../etc/huge.csv", io.BytesIO(b""), 2_500_000)
    assert big.error == ("huge.csv: 2.5 MB is over the upload limit of 1 MB (CHARGEBOARD_UPLOAD_MAX_MB); "
                         "nothing was loaded")
    assert store.rows("quality_imports_log") == []


# A browser sends whatever file name its user's system (or a crafted request) gives; {outside} is an
# absolute path under the test's own folder, so a broken upload cannot touch the machine's files.
HOSTILE_NAMES = {
    "../../x.json": "x.json",
    "..\\..\\x.json": "x.json",                     # Windows separators
    "{outside}/passwd": "passwd",                     # an absolute path
    "a\x00b.json": "a_b.json",                         # NUL
    "two\nlines.json": "two_lines.json",               # a newline (a second line in the summary)
    "x" * 300 + ".json": "x" * 100,                   # longer than a file name may be
    "...": "upload",                                  # only dots
    "..": "upload",
    "<b>bold</b>.json": "b_.json",                    # markup
}


@pytest.mark.parametrize(("name", "expected"), HOSTILE_NAMES.items(), ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_upload_name_is_never_a_path_and_is_shown_harmless(store, feeds, tmp_path, name, expected):
    """Catches an upload's file name used as its path or shown as sent (`target = folder / name` or
    `shown = name` in datasources.load_upload): the copy is written inside the uploads folder under
    a name of our own, and the name shown, logged and stored is the harmless one."""
    outside = tmp_path / "outside"
    outside.mkdir()
    name = name.replace("{outside}", str(outside))
    data = feeds.zaptec([support.zaptec_record("h1")], name="feed.json").read_bytes()
    uploads = sync.landing_dir(store.path) / "uploads"

    def files() -> set[Path]:
        return {p for p in tmp_path.rglob("*") if p.is_file() and p.parent != tmp_path}  # not the store's own

    before, written = files(), []

    def watch(_fraction, text):
        if text.startswith("Loading"):  # saved, not yet loaded: where did the copy go?
            written.extend(files() - before)

    result = datasources.load_upload(store, name, io.BytesIO(data), len(data), on_progress=watch)
    assert result.error is None, result.error
    (copy,) = written
    assert copy.parent == uploads and copy.name.endswith(f"-{expected}"), copy
    assert result.name == result.summary.file == expected
    assert store.rows("quality_imports_log")[0][1] == expected
    assert not any(c in line for line in result.lines() for c in "\n\x00"), result.lines()
    assert files() == before  # the copy is gone and nothing was written elsewhere


def test_installations_create_rename_and_time_zone(store, feeds):
    assert datasources.create_installation(store, "  Sameiet   Nord ", "Europe/Oslo") == "sameiet-nord"
    with pytest.raises(datasources.SourceError, match="exists already"):
        datasources.create_installation(store, "sameiet nord")
    with pytest.raises(datasources.SourceError, match="not a time zone"):
        datasources.create_installation(store, "Sør", "Europe/Nowhere")
    # a summer session at 22:30 UTC is the next day in Oslo, the same day in New York
    upload(store, feeds.zaptec([support.zaptec_record("n1", start=datetime(2025, 6, 30, 22, 30))]), "sameiet-nord")
    local = "SELECT started_local FROM sessions WHERE session_id = 'n1'"
    assert store.cursor().execute(local).fetchone()[0] == datetime(2025, 7, 1, 0, 30)
    datasources.set_time_zone(store, "sameiet-nord", "America/New_York")
    assert store.cursor().execute(local).fetchone()[0] == datetime(2025, 6, 30, 18, 30)
    datasources.rename_installation(store, "sameiet-nord", "Sameiet Nord og Sør")
    row = datasources.installations(store, system_scope()).iloc[0]
    assert (row.installation_id, row["name"], row.time_zone, row.stations, row.sessions, row.imports) == (
        "sameiet-nord", "Sameiet Nord og Sør", "America/New_York", 1, 1, 1)
    assert datasources.stations_of(store, "sameiet-nord").to_dict("records") == [
        {"station_id": "chg-1", "serial": "ZAP000001", "name": "Charger 1"}]


def test_freshness_says_where_the_data_came_from_and_warns(store, feeds, monkeypatch, tmp_path):
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))
    now = datetime.now(UTC)
    assert freshness.data_freshness(store).text == "No data loaded yet"
    ingest_file(store, feeds.zaptec([support.zaptec_record("f1")]))
    assert freshness.data_freshness(store, now=now + timedelta(days=3, minutes=5)).text == \
        "Data: last import 3 days ago"
    now = datetime.now(UTC)  # after the import: the sync below is newer
    connection = sync.add_connection(store, "zaptec", Login("board@example.org", "pw-123456"),
                                     api_url="http://127.0.0.1:9", interval_minutes=60)
    # added, never synced, two intervals later: a warning
    late = freshness.data_freshness(store, now=now + timedelta(hours=3))
    assert late.warning == "No successful Zaptec · bo…@example.org sync yet (expected every 60 minutes)."
    store.cursor().execute("INSERT INTO sync_runs (run_id, connection_id, provider, started_at, finished_at) "
                           "VALUES (1, $c, 'zaptec', $t, $t)", {"c": connection, "t": now})
    fresh = freshness.data_freshness(store, now=now + timedelta(minutes=12))
    assert fresh == freshness.Freshness("Data synced 12 minutes ago")
    stale = freshness.data_freshness(store, now=now + timedelta(hours=2, minutes=1))
    assert stale.warning.startswith("No successful Zaptec · bo…@example.org sync for 2 hours")
    store.cursor().execute("INSERT INTO sync_runs (run_id, connection_id, provider, started_at, finished_at, error) "
                           "VALUES (2, $c, 'zaptec', $t, $t, 'Zaptec refused the login: wrong username or password')",
                           {"c": connection, "t": now + timedelta(minutes=30)})
    failed = freshness.data_freshness(store, now=now + timedelta(minutes=40))
    assert "sync failed 10 minutes ago: Zaptec refused the login" in failed.warning
    resident = Scope("kari", "resident", user_ids=("u-1",))
    told = freshness.data_freshness(store, resident, now=now + timedelta(minutes=40))
    assert told.warning == "The last Zaptec sync failed. The newest sessions may be missing."
    # the export's About sheet says the same
    flt = SessionFilter(datetime(2025, 1, 1).date(), datetime(2025, 12, 31).date())
    report = reports.build_report(store, system_scope(), reports.ReportRequest(flt, by="station"))
    book = openpyxl.load_workbook(io.BytesIO(exports.report_workbook(store, system_scope(), report, log=False).data))
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Data freshness"].startswith("Data synced just now — The last Zaptec")


# -- merging two installations (issue 27, item 5) -------------------------------------------------

TABLES_WITH_INSTALLATION = ("installations", "stations", "sessions", "imports", "session_months", "session_overlaps",
                            "meters", "cloud_installations", "sync_runs")


def _totals(store) -> dict:
    cur = store.cursor()
    one = lambda sql: cur.execute(sql).fetchone()  # noqa: E731
    return {
        "sessions": one("SELECT count(*), count(*) FILTER (WHERE void), sum(energy_kwh) FILTER (WHERE NOT void) "
                        "FROM sessions"),
        "months": one("SELECT sum(session_count), sum(energy_kwh), sum(charging_seconds) FROM session_months"),
        "overlaps": cur.execute("SELECT session_id, earlier_session_id FROM session_overlaps ORDER BY ALL").fetchall(),
        "stations": cur.execute("SELECT station_id, device_id FROM stations ORDER BY ALL").fetchall(),
        "meter_readings": cur.execute("SELECT meter_id, read_at, register_kwh FROM meter_readings ORDER BY ALL").fetchall(),
        "imports": one("SELECT count(*), sum(records) FROM imports"),
    }


def _by_installation(store) -> dict:
    cur = store.cursor()
    return {table: cur.execute(f"SELECT DISTINCT installation_id FROM {table} ORDER BY 1").fetchall()  # noqa: S608
            for table in TABLES_WITH_INSTALLATION}


def test_merge_moves_everything_into_one_installation_and_keeps_every_total(store, feeds, tmp_path):
    ingest_file(store, feeds.zaptec([support.zaptec_record(f"t{i}", start=datetime(2026, 3, 1 + i, 10), kwh=5 + i)
                                     for i in range(3)], name="export.json"), installation="Testlia")
    # the second installation a sync made: other chargers, a voided session and its replacement, two
    # sessions that overlap on one station, a meter, a cloud tie and its sync log; in UTC, not Oslo time
    b_sessions = [
        support.zaptec_record("b1", station="chg-3", serial="ZAP-003", start=datetime(2026, 3, 31, 22, 30), kwh=7.25),
        support.zaptec_record("b2", station="chg-3", serial="ZAP-003", start=datetime(2026, 4, 2, 10), minutes=120),
        support.zaptec_record("b3", station="chg-3", serial="ZAP-003", start=datetime(2026, 4, 2, 11), kwh=1.5),
        support.zaptec_record("b4", station="chg-4", serial="ZAP-004", start=datetime(2026, 4, 3, 8), kwh=9,
                              metadata=5 | 32, ReplacedBySessionId="b5"),
        support.zaptec_record("b5", station="chg-4", serial="ZAP-004", start=datetime(2026, 4, 3, 8), kwh=8.5)]
    ingest_file(store, feeds.zaptec(b_sessions, name="sync.json"), installation="Borettslaget Testlia", time_zone="UTC")
    meters_csv = tmp_path / "meters.csv"
    meters_csv.write_text("meter_id,read_at,register_kwh,installation\n"
                          "M-B,2026-03-01T00:00:00Z,1000.0,borettslaget-testlia\n"
                          "M-B,2026-04-01T00:00:00Z,1400.5,borettslaget-testlia\n", encoding="utf-8")
    ingest_file(store, meters_csv, installation="borettslaget-testlia")
    store.execute("cloud_installation_tie", provider="zaptec", cloud_id="inst-1",
                  installation_id="borettslaget-testlia", cloud_name="Borettslaget Testlia")
    store.cursor().execute("INSERT INTO sync_runs (run_id, provider, cloud_id, installation_id, started_at) "
                           "VALUES (1, 'zaptec', 'inst-1', 'borettslaget-testlia', now())")
    before = _totals(store)
    assert before["overlaps"] == [("b3", "b2")]
    assert _by_installation(store)["meters"] == [("borettslaget-testlia",)]

    merged = datasources.merge_installations(store, "borettslaget-testlia", "testlia")
    assert merged == datasources.Merged(sessions=5, counted_kwh=Decimal("22.250"), stations=2, meters=1, imports=2)
    assert _totals(store) == before
    assert _by_installation(store) == dict.fromkeys(TABLES_WITH_INSTALLATION, [("testlia",)])
    # b1 began 22:30 UTC on 31 March: in Testlia's Oslo time it is a session of April 1st
    cur = store.cursor()
    assert cur.execute("SELECT started_local FROM sessions WHERE session_id = 'b1'").fetchone()[0] == datetime(
        2026, 4, 1, 0, 30)
    # the monthly sums are those of the sessions, month by month
    summed = "SELECT month, sum(session_count), sum(energy_kwh) FROM session_months GROUP BY ALL ORDER BY ALL"
    counted = ("SELECT date_trunc('month', started_local)::DATE, count(*), sum(energy_kwh) FROM sessions "
               "WHERE NOT void GROUP BY ALL ORDER BY ALL")
    assert cur.execute(summed).fetchall() == cur.execute(counted).fetchall()
    assert datasources.installations(store, system_scope()).sessions.tolist() == [8]


def test_merge_is_refused_when_a_session_is_stored_in_both(store, feeds):
    ingest_file(store, feeds.zaptec([support.zaptec_record("t1"), support.zaptec_record("t2", kwh=3)]),
                installation="Testlia")
    datasources.create_installation(store, "Kopi")
    # (an older store kept the same session in two installations; the ingest refuses that today)
    store.cursor().execute("INSERT INTO sessions SELECT * REPLACE ('kopi' AS installation_id, 'chg-9' AS station_id) "
                           "FROM sessions WHERE session_id = 't2'")
    before = [_totals(store), _by_installation(store)]
    with pytest.raises(datasources.SourceError, match=r"1 session ids are stored in both \(e.g. t2\), and merged "
                                                      "they would be counted twice"):
        datasources.merge_installations(store, "kopi", "testlia")
    assert [_totals(store), _by_installation(store)] == before
    with pytest.raises(datasources.SourceError, match="two different"):
        datasources.merge_installations(store, "testlia", "testlia")
    with pytest.raises(datasources.SourceError, match="no installation nowhere"):
        datasources.merge_installations(store, "nowhere", "testlia")


def test_the_page_proposes_the_installation_holding_the_chargers_then_syncs_into_it(store, feeds, auth_file,
                                                                                     monkeypatch, tmp_path):
    """Data sources in AppTest: Test connection lists the cloud's installation with the one holding its
    chargers chosen; saved and synced, the sessions land there; a merge of an empty one is reported."""
    import cloud_fake  # noqa: PLC0415
    from conftest import release_app_store  # noqa: PLC0415
    from test_app import page_as, texts  # noqa: PLC0415

    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))
    monkeypatch.setenv("CHARGEBOARD_SYNC_BACKOFF", "0.01")
    start = datetime(2026, 11, 1, 17)
    records = [support.zaptec_record(f"z{i}", station=("chg-1", "chg-2")[i % 2], serial=("ZAP-001", "ZAP-002")[i % 2],
                                     start=start + timedelta(days=i), kwh=4 + i) for i in range(5)]
    ingest_file(store, feeds.zaptec(records[:3], name="export.json"), installation="Testlia")
    datasources.create_installation(store, "Tom")
    fake = cloud_fake.FakeCloud().start()
    fake.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Testlia"}]
    fake.zaptec_sessions["inst-1"] = records
    connection = sync.add_connection(store, "zaptec", Login(cloud_fake.USERNAME, cloud_fake.PASSWORD),
                                     api_url=fake.url, backfill_from=datetime(2026, 1, 1).date())
    # paused: the app's schedule would sync it at once; here the page's buttons do
    sync.update_connection(store, connection, cloud_ids=[], backfill_from=datetime(2026, 1, 1).date(),
                           window_days=45, interval_minutes=60, enabled=False)
    store.close()
    release_app_store()
    try:
        at = page_as(support.STYRET, "data_sources")
        at.button(key=f"test_{connection}").click().run()
        assert not at.exception, at.exception
        feeds_box = at.selectbox(key=f"feeds_{connection}_inst-1")
        assert feeds_box.value == "testlia"
        assert "proposed: Testlia already holds 2 of its 2 chargers" in texts(at)
        next(b for b in at.button if b.label == "Save where they feed").click().run()
        assert "Saved: each cloud installation feeds the installation chosen." in texts(at)
        at.button(key=f"sync_{connection}").click().run()
        assert not at.exception, at.exception
        shown = texts(at)
        assert "Borettslaget Testlia → testlia" in shown and "2 new, 0 updated, 3 duplicate, 0 rejected" in shown
        assert len(at.error) == 0, [e.value for e in at.error]
        # the empty installation merged into Testlia
        at.selectbox(key="merge_source").select("tom")
        at.selectbox(key="merge_into").select("testlia")
        next(c for c in at.checkbox if c.label.startswith("Yes, remove the first")).check()
        next(b for b in at.button if b.label == "Merge").click().run()
        assert not at.exception, at.exception
        assert "Tom was merged into Testlia: 0 sessions" in texts(at)
        assert at.selectbox(key="edit_installation").options == ["Testlia"]
    finally:
        release_app_store()
        fake.stop()


def test_the_board_changes_a_replaced_chargers_serial_in_the_page_and_it_is_logged(store, feeds, auth_file):
    """The import summary tells the board a stored serial was kept; a board without a terminal changes it
    on the Data sources page (before: only `python -m chargeboard station set-serial` could)."""
    from conftest import release_app_store  # noqa: PLC0415
    from test_app import page_as, texts  # noqa: PLC0415

    ingest_file(store, feeds.zaptec([support.zaptec_record("z1", station="chg-1", serial="ZAP-001")],
                                    name="first.json"), installation="Testlia")
    store.close()
    release_app_store()
    try:
        at = page_as(support.STYRET, "data_sources")
        at.selectbox(key="serial_station").select("chg-1")
        at.text_input(key="serial_new").input("ZAP-099")
        next(b for b in at.button if b.label == "Change the serial").click().run()
        assert not at.exception, at.exception
        assert "station chg-1: serial ZAP-001 → ZAP-099 (logged)" in texts(at).replace("\\", "")
    finally:
        release_app_store()
    reopened = Store(store.path)
    try:
        assert reopened.cursor().execute("SELECT device_id FROM stations WHERE station_id = 'chg-1'").fetchone() \
            == ("ZAP-099",)
        assert reopened.cursor().execute(
            "SELECT old_serial, new_serial, changed_by FROM station_serial_changes").fetchall() == \
            [("ZAP-001", "ZAP-099", support.STYRET.username)]
    finally:
        reopened.close()
