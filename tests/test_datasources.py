"""Uploads, installations and data freshness (the Data sources page's logic), on a real store."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import support

from chargeboard import datasources, exports, freshness, reports, sync
from chargeboard.credentials import Login
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope, system_scope


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
