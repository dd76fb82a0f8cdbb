"""Zaptec and Easee sync against a local fake cloud (tests/cloud_fake.py) and a real DuckDB store.

After every scenario the store holds exactly what the feed says, and a failed run leaves
it as it was."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import cloud_fake
import openpyxl
import pytest
import support
from cloud_fake import FakeCloud, easee_session

from chargeboard import credentials, sync
from chargeboard.credentials import Login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BACKFILL = date(2026, 1, 1)
RIGHT = Login(cloud_fake.USERNAME, cloud_fake.PASSWORD)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch, tmp_path):
    monkeypatch.setenv("CHARGEBOARD_SYNC_BACKOFF", "0.01")
    monkeypatch.setenv("CHARGEBOARD_SYNC_RETRIES", "2")
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))
    monkeypatch.delenv("CHARGEBOARD_SYNC_KEY", raising=False)


@pytest.fixture
def fake():
    cloud = FakeCloud().start()
    yield cloud
    cloud.stop()


def zrec(sid: str, start: datetime, kwh: float = 5.0, station: str = "chg-1", **extra) -> dict:
    serial = {"chg-1": "ZAP-001", "chg-2": "ZAP-002"}[station]
    return support.zaptec_record(sid, station=station, serial=serial, station_name=f"Plass {station[-1]}",
                                 start=start.replace(tzinfo=None), kwh=kwh, **extra)


def zaptec_target(fake: FakeCloud, login: Login = RIGHT, **options) -> sync.Target:
    return sync.Target("zaptec", login, fake.url, backfill_from=BACKFILL, **options)


def stored(store) -> dict[str, tuple]:
    """The store's sessions as the feed would say them: id -> (installation, station, kWh, void, start)."""
    rows = store.cursor().execute(
        "SELECT session_id, installation_id, station_id, energy_kwh, void, replaced_by, started_at FROM sessions"
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4], r[5], r[6].astimezone(UTC).replace(tzinfo=None)) for r in rows}


def expected_zaptec(records: list[dict], installation: str = "borettslaget-sky") -> dict[str, tuple]:
    return {r["Id"]: (installation, r["ChargerId"], Decimal(str(r["Energy"])).quantize(Decimal("0.001")),
                      bool(int(r["CommitMetadata"]) & 32), r.get("ReplacedBySessionId"),
                      datetime.fromisoformat(r["StartDateTime"])) for r in records}


def whole_store(store) -> list:
    """Every row a sync may write, to show that a failed one wrote none of them."""
    cur = store.cursor()
    return [cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608 — constant names
            for table in ("sessions", "stations", "users", "imports", "rejected_rows")]


FIVE = [zrec(f"z{i}", datetime(2026, 11, 1 + i, 17, 0), kwh=4.0 + i, station=("chg-1", "chg-2")[i % 2])
        for i in range(5)]


def test_zaptec_backfill_pages_and_a_second_sync_changes_nothing(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE) + [zrec("old", datetime(2025, 12, 31, 12, 0))]
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    (result,) = outcome.results
    assert (result.pages, result.records, result.new) == (3, 5, 5)  # 5 records, 2 a page; "old" before the backfill
    assert result.window_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert stored(store) == expected_zaptec(FIVE)
    serials = dict(store.cursor().execute("SELECT station_id, device_id FROM stations").fetchall())
    assert serials == {"chg-1": "ZAP-001", "chg-2": "ZAP-002"}
    page_indexes = [p for _, _, p in fake.requests_to("/api/chargehistory")]
    assert ["PageIndex=0" in page_indexes[0], "PageIndex=2" in page_indexes[2]] == [True, True]

    before = whole_store(store)
    again = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=1))
    assert again.ok
    assert (again.results[0].new, again.results[0].updated, again.results[0].duplicate) == (0, 0, 5)
    # the second run reads the trailing window only (before the end of the first run's)
    assert again.results[0].window_from == NOW - timedelta(days=45)
    assert whole_store(store) == before  # not even a repeat in the imports log
    # a window that reaches back further (an old session in it) is a new file: loaded, still no change
    fake.zaptec_sessions["inst-1"].append(zrec("older", datetime(2026, 10, 20, 12, 0)))
    third = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=2))
    assert (third.results[0].new, third.results[0].duplicate) == (1, 5)
    assert stored(store) == expected_zaptec([*FIVE, fake.zaptec_sessions["inst-1"][-1]])


def test_changed_voided_and_late_offline_sessions_arrive_in_a_later_sync(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    changed = dict(FIVE[1], Energy=9.25)
    voided = dict(FIVE[2], CommitMetadata=1 | 4 | 32, ReplacedBySessionId="z2-new")
    replacement = zrec("z2-new", datetime(2026, 11, 3, 17, 0), kwh=6.5, station="chg-1")
    # charged offline three weeks ago, uploaded only now
    offline = zrec("late", datetime(2026, 10, 30, 8, 0), kwh=11.0, CommitMetadata=2 | 4,
                   EndDateTime="2026-11-20T10:00:00.000")
    feed = [FIVE[0], changed, voided, FIVE[3], FIVE[4], replacement, offline]
    fake.zaptec_sessions["inst-1"] = feed
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(days=1))
    assert outcome.ok, outcome.lines()
    assert (outcome.results[0].new, outcome.results[0].updated, outcome.results[0].duplicate) == (2, 2, 3)
    assert stored(store) == expected_zaptec(feed)
    counted = store.cursor().execute("SELECT sum(energy_kwh) FROM sessions WHERE NOT void").fetchone()[0]
    assert counted == Decimal("4.000") + Decimal("9.250") + Decimal("7.000") + Decimal("8.000") \
        + Decimal("6.500") + Decimal("11.000")



def test_a_stale_cloud_page_after_the_void_does_not_bring_the_session_back(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    voided = dict(FIVE[2], CommitMetadata=1 | 4 | 32, ReplacedBySessionId="z2-new")
    replacement = zrec("z2-new", datetime(2026, 11, 3, 17, 0), kwh=6.5, station="chg-1")
    fake.zaptec_sessions["inst-1"] = [FIVE[0], FIVE[1], voided, FIVE[3], FIVE[4], replacement]
    assert sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=1)).ok
    counted = "SELECT sum(energy_kwh) FROM sessions WHERE NOT void"
    after_void = store.cursor().execute(counted).fetchone()[0]
    # A lagging cloud (or an older page) still says z2 as it was, and the replacement too
    fake.zaptec_sessions["inst-1"] = [*FIVE, replacement]
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=2))
    assert outcome.ok, outcome.lines()
    result = outcome.results[0]
    assert (result.new, result.updated, result.duplicate, result.older) == (0, 0, 5, 1)
    assert "1 older copy ignored (the store holds a newer one)" in result.line()
    assert store.cursor().execute(counted).fetchone()[0] == after_void
    assert store.cursor().execute("SELECT void FROM sessions WHERE session_id = 'z2'").fetchone()[0]
    assert sync.sync_log(store).iloc[0].older_rows == 1
    # the same stale pull again is not loaded again, and is counted the same
    again = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=3)).results[0]
    assert (again.new, again.updated, again.duplicate, again.older) == (0, 0, 5, 1)

def test_expired_token_logs_in_again_once(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    fake.token_uses = 3  # a token serves 3 requests, then 401
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    assert fake.logins >= 2
    assert stored(store) == expected_zaptec(FIVE)


def test_password_changed_in_the_cloud_fails_with_one_line_and_changes_nothing(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    before = whole_store(store)
    fake.password = "changed-in-the-app"
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=1))
    assert not outcome.ok
    assert "refused the login" in outcome.error and "\n" not in outcome.error
    assert cloud_fake.PASSWORD not in outcome.error
    assert whole_store(store) == before
    assert sync.sync_log(store).iloc[0].error == outcome.error


def test_429_is_waited_out_as_retry_after_says(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    fake.fail("/api/chargehistory", 429, times=1, retry_after="1")
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    first, second = fake.requests_to("/api/chargehistory")[:2]
    assert "PageIndex=0" in first[2] and "PageIndex=0" in second[2]
    assert second[0] - first[0] >= 0.9  # it waited the second Retry-After asked for
    assert stored(store) == expected_zaptec(FIVE)


def test_requests_stay_under_ten_a_second(store, fake):
    fake.page_size = 1
    fake.zaptec_sessions["inst-1"] = [zrec(f"r{i}", datetime(2026, 10, 1, 0, 0) + timedelta(hours=3 * i), kwh=1)
                                      for i in range(24)]
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    times = [t for t, _, _ in fake.log]
    assert len(times) >= 27
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 1.0, "11 requests within one second"


def test_a_500_halfway_leaves_the_store_as_it_was_and_the_next_run_completes(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    more = list(FIVE) + [zrec("n1", datetime(2026, 11, 10, 9, 0)), zrec("n2", datetime(2026, 11, 11, 9, 0))]
    fake.zaptec_sessions["inst-1"] = more
    before = whole_store(store)
    # page 0 is served, page 1 keeps failing past the retry cap (2 retries)
    original_page = fake._page

    def failing_page(items, query):
        if query.get("PageIndex") == ["1"] and "InstallationId" in query:
            raise RuntimeError("injected 500 on page 1")
        return original_page(items, query)

    fake._page = failing_page
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=1))
    assert not outcome.ok
    assert "500" in outcome.results[0].error and "\n" not in outcome.results[0].error
    assert len([p for _, _, p in fake.requests_to("/api/chargehistory") if "PageIndex=1" in p]) >= 3
    assert whole_store(store) == before
    fake._page = original_page
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=2))
    assert outcome.ok, outcome.lines()
    assert stored(store) == expected_zaptec(more)
    log = sync.sync_log(store)
    assert list(log.error.isna()) == [True, False, True]


def test_a_failed_first_sync_creates_nothing(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    fake.fail("/api/chargehistory", 503, times=3)  # beyond the 2 retries
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert not outcome.ok and "503" in outcome.results[0].error
    cur = store.cursor()
    assert cur.execute("SELECT count(*) FROM installations").fetchone()[0] == 0
    assert cur.execute("SELECT count(*) FROM cloud_installations").fetchone()[0] == 0
    assert all(rows == [] for rows in whole_store(store))
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    assert stored(store) == expected_zaptec(FIVE)


def test_installation_is_kept_when_renamed_in_the_app(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    assert sync.run_sync(store, zaptec_target(fake), now=NOW).ok
    store.cursor().execute("UPDATE installations SET name = 'Nytt navn'")
    fake.zaptec_sessions["inst-1"] = list(FIVE) + [zrec("n1", datetime(2026, 11, 10, 9, 0))]
    assert sync.run_sync(store, zaptec_target(fake), now=NOW + timedelta(hours=1)).ok
    assert store.cursor().execute("SELECT installation_id, name FROM installations").fetchall() == [
        ("borettslaget-sky", "Nytt navn")]


# -- Easee -----------------------------------------------------------------------------

def easee_target(fake: FakeCloud, login: Login = RIGHT) -> sync.Target:
    return sync.Target("easee", login, fake.url, backfill_from=BACKFILL)


def expected_easee(sessions: list[dict]) -> dict[str, tuple]:
    return {f"easee-{s['id']}": ("sameiet-easee", s["chargerId"], Decimal(str(s["kiloWattHours"])).quantize(
        Decimal("0.001")), False, None, datetime.fromisoformat(s["carConnected"]).astimezone(UTC).replace(tzinfo=None))
        for s in sessions if s["carDisconnected"]}


def test_easee_sessions_land_as_sessions_and_a_second_sync_changes_nothing(store, fake):
    sessions_1 = [easee_session(1, start="2026-02-01T17:00:00Z", end="2026-02-01T19:00:00Z", kwh=7.5),
                  easee_session(2, start="2026-06-10T06:00:00+02:00", end="2026-06-10T08:30:00+02:00", kwh=12.25),
                  easee_session(3, start="2026-11-20T11:00:00Z", end=None, kwh=1.0)]  # still charging
    sessions_2 = [easee_session(4, "EH000002", start="2026-09-09T20:00:00Z", end="2026-09-10T01:00:00Z",
                                kwh=30.0, user=None, token=None)]
    fake.easee_sessions = {"EH000001": sessions_1, "EH000002": sessions_2}
    outcome = sync.run_sync(store, easee_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    assert outcome.results[0].new == 3
    assert stored(store) == expected_easee(sessions_1 + sessions_2)
    # a month at a time for each charger: Jan–Nov is 11 slices, twice
    assert len(fake.requests_to("/api/sessions/charger/")) == 2 * 11
    cur = store.cursor()
    assert cur.execute("SELECT user_id, tag FROM sessions WHERE session_id = 'easee-1'").fetchone() == (
        "easee-user-77", "RFID-77")
    assert dict(cur.execute("SELECT station_id, name FROM stations").fetchall()) == {
        "EH000001": "Lader 1", "EH000002": "Lader 2"}
    before = whole_store(store)[:3]  # sessions, stations, users
    again = sync.run_sync(store, easee_target(fake), now=NOW + timedelta(hours=1))
    assert again.ok and again.results[0].new == 0 and again.results[0].updated == 0
    assert whole_store(store)[:3] == before


def test_easee_refreshes_an_expired_token_and_lands_the_finished_session(store, fake):
    running = easee_session(5, start="2026-11-15T17:00:00Z", end=None, kwh=2.0)
    fake.easee_sessions = {"EH000001": [running], "EH000002": []}
    fake.token_uses = 4
    assert sync.run_sync(store, easee_target(fake), now=NOW).ok
    assert fake.refreshes >= 1
    assert stored(store) == {}
    finished = dict(running, carDisconnected="2026-11-15T21:00:00Z", kiloWattHours=18.5)
    bad = easee_session(6, start="not a time", end="2026-11-16T01:00:00Z")
    fake.easee_sessions["EH000001"] = [finished]
    fake.easee_sessions["EH000002"] = []
    outcome = sync.run_sync(store, easee_target(fake), now=NOW + timedelta(hours=1))
    assert outcome.ok, outcome.lines()
    assert stored(store) == expected_easee([finished])
    # a record the fake cannot filter by time still reaches the ingest's validation as a row
    from chargeboard import easee  # noqa: PLC0415
    row = easee.session_row(bad, {})
    assert row["started_at"] == "not a time"


def test_easee_wrong_password(store, fake):
    outcome = sync.run_sync(store, easee_target(fake, Login(cloud_fake.USERNAME, "wrong")), now=NOW)
    assert not outcome.ok and "Easee refused the login" in outcome.error


@pytest.mark.parametrize("target", [zaptec_target, easee_target])
def test_a_redirect_is_not_followed_so_the_password_never_leaves_for_another_host(store, target):
    """The saved API address answers 307 to another origin (here another port): the login's body,
    with the stored password, must not be sent there."""
    elsewhere = FakeCloud().start()
    redirecting = FakeCloud().start()
    try:
        redirecting.redirect_to = elsewhere.url
        outcome = sync.run_sync(store, target(redirecting), now=NOW)
        assert not outcome.ok and "redirect" in outcome.error and "\n" not in outcome.error
        assert cloud_fake.PASSWORD not in outcome.error
        assert elsewhere.log == [] and not any(cloud_fake.PASSWORD.encode() in b for b in elsewhere.bodies)
    finally:
        redirecting.stop()
        elsewhere.stop()


# -- stored connections and credentials ------------------------------------------------------

def test_connection_password_is_encrypted_and_never_in_the_store_or_logs(db_path, fake, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    from chargeboard.store import Store  # noqa: PLC0415

    store = Store(db_path)
    try:
        fake.zaptec_sessions["inst-1"] = list(FIVE)
        connection_id = sync.add_connection(store, "zaptec", RIGHT, api_url=fake.url, backfill_from=BACKFILL)
        outcome = sync.sync_connection(store, connection_id, now=NOW)
        assert outcome.ok, outcome.lines()
        assert stored(store) == expected_zaptec(FIVE)
        shown = sync.connections(store)
        assert "secret" not in shown.columns
        assert cloud_fake.PASSWORD not in shown.to_csv() and cloud_fake.USERNAME not in shown.to_csv()
        from chargeboard import exports  # noqa: PLC0415
        from chargeboard.history import SessionFilter  # noqa: PLC0415
        from chargeboard.scope import system_scope  # noqa: PLC0415

        flt = SessionFilter(date(2026, 1, 1), date(2026, 12, 31))
        for export in (exports.history_csv(store, system_scope(), flt, log=False),
                       exports.history_workbook(store, system_scope(), flt, log=False)):
            assert export.rows == 5
            assert cloud_fake.PASSWORD.encode() not in export.data  # xlsx is zipped: see also the sheet text below
        book = openpyxl.load_workbook(io.BytesIO(exports.history_workbook(store, system_scope(), flt, log=False).data))
        cells = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)
        assert cloud_fake.PASSWORD not in cells and cloud_fake.USERNAME not in cells
        store.cursor().execute("CHECKPOINT")
    finally:
        store.close()
    for file in db_path.parent.glob(db_path.name + "*"):
        data = file.read_bytes()
        assert cloud_fake.PASSWORD.encode() not in data and cloud_fake.USERNAME.encode() not in data
    assert cloud_fake.PASSWORD not in caplog.text
    assert (db_path.parent / "sync-key").stat().st_mode & 0o777 == 0o600
    # another key: one clear line, nothing synced
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY", "a-different-key-" + "x" * 32)
    store = Store(db_path)
    try:
        outcome = sync.sync_connection(store, connection_id, now=NOW)
        assert not outcome.ok
        assert "cannot be decrypted" in outcome.error and "\n" not in outcome.error
        with pytest.raises(credentials.CredentialError, match="Enter the password again"):
            sync.target_of(store, connection_id)
        sync.replace_login(store, connection_id, RIGHT)  # entered again: readable with the new key
        assert sync.sync_connection(store, connection_id, now=NOW + timedelta(hours=1)).ok
    finally:
        store.close()


def test_scheduler_syncs_a_due_connection_in_the_background(store, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    sync.add_connection(store, "zaptec", RIGHT, api_url=fake.url, backfill_from=BACKFILL)
    sync.start_scheduler(store, tick_seconds=0.2)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(stored(store)) < 5:
            time.sleep(0.1)  # polling the store's state, not a fixed wait
    finally:
        sync.stop_scheduler(store)  # before the fixture closes the store under a running query
    assert stored(store) == expected_zaptec(FIVE)
    # not due again within its interval
    assert sync.due_connections(store, datetime.now(UTC)) == []
    assert sync.due_connections(store, datetime.now(UTC) + timedelta(minutes=61)) != []


# -- the command line -------------------------------------------------------------------------

def run_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_cli_sync_end_to_end_and_wrong_password(tmp_path, fake):
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    db = tmp_path / "cli.duckdb"
    env = {"ZAPTEC_USERNAME": cloud_fake.USERNAME, "ZAPTEC_PASSWORD": cloud_fake.PASSWORD}
    done = run_cli(["sync", "zaptec", "--api-url", fake.url, "--from", "2026-01-01", "--db", str(db)], env)
    assert done.returncode == 0, done.stderr
    assert "5 sessions → 5 new" in done.stdout
    again = run_cli(["sync", "zaptec", "--api-url", fake.url, "--installation", "inst-1", "--db", str(db)], env)
    assert again.returncode == 0 and "0 new" in again.stdout

    wrong = run_cli(["sync", "zaptec", "--api-url", fake.url, "--db", str(db)],
                    {**env, "ZAPTEC_PASSWORD": "not-the-password"})
    assert wrong.returncode != 0
    assert wrong.stderr.strip().count("\n") == 0 and "refused the login" in wrong.stderr
    assert "Traceback" not in wrong.stderr and "not-the-password" not in wrong.stderr + wrong.stdout

    unknown = run_cli(["sync", "zaptec", "--api-url", fake.url, "--installation", "nope", "--db", str(db)], env)
    assert unknown.returncode != 0 and "does not see installation nope" in unknown.stderr
    nologin = run_cli(["sync", "easee", "--db", str(db)], {"EASEE_USERNAME": "", "EASEE_PASSWORD": ""})
    assert nologin.returncode == 2 and nologin.stderr.startswith("error: no easee login")


def test_stored_login_is_never_sent_to_another_address(store, fake, monkeypatch):
    """A command (or a hand-over to the app) naming another --api-url must not get the stored password."""
    from chargeboard import cli  # noqa: PLC0415

    monkeypatch.delenv("ZAPTEC_USERNAME", raising=False)
    monkeypatch.delenv("ZAPTEC_PASSWORD", raising=False)
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    sync.add_connection(store, "zaptec", RIGHT, api_url=fake.url, backfill_from=BACKFILL)
    other = FakeCloud().start()
    try:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["sync", "zaptec", "--api-url", other.url, "--db", str(store.path)], stdout=out, stderr=err)
        assert code == 2 and "--api-url differs" in err.getvalue()
        assert other.log == [] and all(cloud_fake.PASSWORD.encode() not in b for b in other.bodies)
        code = cli.main(["sync", "zaptec", "--db", str(store.path)], stdout=out, stderr=err)
        assert code == 0, err.getvalue()
        assert "5 new" in out.getvalue()
    finally:
        other.stop()


# -- which installation a cloud installation feeds (issue 27, item 5) ----------------------------

def _testlia_export(store, feeds) -> list[dict]:
    """The board's export of two chargers, loaded into "Testlia" before any sync."""
    exported = FIVE[:3]
    from chargeboard.ingest import ingest_file  # noqa: PLC0415

    summary = ingest_file(store, feeds.zaptec(exported, name="testlia-export.json"), installation="Testlia")
    assert (summary.installation_id, summary.new) == ("testlia", 3)
    return exported


def _installations(store) -> list[tuple]:
    return store.cursor().execute("SELECT installation_id, name FROM installations ORDER BY ALL").fetchall()


def test_a_cloud_installation_feeds_the_installation_that_holds_its_chargers(store, feeds, fake):
    _testlia_export(store, feeds)
    fake.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Testlia"}]
    fake.zaptec_sessions["inst-1"] = list(FIVE)  # the three exported and two newer
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    (result,) = outcome.results
    assert (result.installation_id, result.new, result.duplicate, result.rejected) == ("testlia", 2, 3, 0)
    assert _installations(store) == [("testlia", "Testlia")]  # no second installation
    assert stored(store) == expected_zaptec(FIVE, installation="testlia")
    assert store.rows("cloud_installation_of", provider="zaptec", cloud_id="inst-1") == [("testlia",)]
    _worked, _said, (found,) = sync.test_login("zaptec", RIGHT, fake.url)
    assert sync.proposal(store, "zaptec", found) == sync.Proposal("inst-1", "Borettslaget Testlia", "testlia", True,
                                                                  (("testlia", "Testlia", 2),))
    months = store.cursor().execute("SELECT sum(energy_kwh), sum(session_count) FROM session_months").fetchone()
    assert months == (sum(Decimal(str(r["Energy"])) for r in FIVE), 5)


def test_the_owner_ties_a_cloud_installation_and_a_tie_that_would_lock_out_is_refused(store, feeds, fake):
    _testlia_export(store, feeds)
    fake.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Testlia"}]
    _worked, _said, (found,) = sync.test_login("zaptec", RIGHT, fake.url)
    with pytest.raises(sync.SyncError, match="2 of its charging stations are stored in Testlia"):
        sync.tie_cloud_installation(store, "zaptec", found, None)  # a new installation would get none
    with pytest.raises(sync.SyncError, match="no installation nowhere"):
        sync.tie_cloud_installation(store, "zaptec", found, "nowhere")
    assert _installations(store) == [("testlia", "Testlia")]
    assert sync.tie_cloud_installation(store, "zaptec", found, "testlia") == "testlia"
    assert sync.proposal(store, "zaptec", found).tied
    assert list(sync.cloud_installations(store).installation_name) == ["Testlia"]
    # a cloud installation with chargers nobody holds may get a new installation, named as in the cloud
    other = sync.zaptec.CloudInstallation("inst-9", "Sameiet Nytt", [("chg-9", "ZAP-009", "Plass 9")])
    assert sync.tie_cloud_installation(store, "zaptec", other, None) == "sameiet-nytt"
    assert ("sameiet-nytt", "Sameiet Nytt") in _installations(store)


def test_a_pull_that_rejects_most_of_its_sessions_is_a_failure_with_the_reason(store, feeds, fake):
    # another cloud installation with one bad record in six: a success that says what it rejected
    fake.zaptec_installations.append({"Id": "inst-2", "Name": "Sameiet Annet"})
    fake.zaptec_chargers.append({"Id": "chg-7", "DeviceId": "ZAP-007", "Name": "Plass 7", "InstallationId": "inst-2"})
    fake.zaptec_sessions["inst-2"] = [
        *(support.zaptec_record(f"a{i}", station="chg-7", serial="ZAP-007", start=datetime(2026, 11, 1 + i, 9, 0))
          for i in range(5)), support.zaptec_record("a-bad", station="chg-7", start=datetime(2026, 11, 8, 9, 0),
                                      kwh="lots")]
    outcome = sync.run_sync(store, zaptec_target(fake, cloud_ids=("inst-2",)), now=NOW)
    assert outcome.ok, outcome.lines()
    assert (outcome.results[0].new, outcome.results[0].rejected) == (5, 1)
    fake.zaptec_installations.pop()

    _testlia_export(store, feeds)
    # the store as the bug left it: the cloud tied to a second installation, which holds no station
    store.execute("cloud_installation_tie", provider="zaptec", cloud_id="inst-1",
                  installation_id="borettslaget-testlia", cloud_name="Borettslaget Testlia")
    store.cursor().execute("INSERT INTO installations VALUES ('borettslaget-testlia', 'Borettslaget Testlia', "
                           "'Europe/Oslo')")
    fake.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Testlia"}]
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    connection_id = sync.add_connection(store, "zaptec", RIGHT, api_url=fake.url, backfill_from=BACKFILL)
    for hours in (0, 1):  # the second pull is the same file again: still a failure
        outcome = sync.sync_connection(store, connection_id, now=NOW + timedelta(hours=hours))
        assert not outcome.ok
        (result,) = outcome.results
        assert result.rejected == 5
        # the three exported sessions are testlia's; the two new ones are on its stations
        assert result.error.startswith("5 of 5 sessions were rejected (3 × session belongs to another "
                                       "installation — z0 is stored for installation testlia)")
        assert "FAILED" in result.line()
        assert sync.sync_log(store).iloc[0].error == result.error
    from chargeboard import freshness  # noqa: PLC0415

    warning = freshness.data_freshness(store).warning
    assert "sync failed" in warning and "5 of 5 sessions were rejected" in warning
    assert sync.connections(store).iloc[0].last_error == result.error
    # re-tied to the installation that holds the chargers, the next sync succeeds
    _worked, _said, (found,) = sync.test_login("zaptec", RIGHT, fake.url)
    sync.tie_cloud_installation(store, "zaptec", found, "testlia")
    outcome = sync.sync_connection(store, connection_id, now=NOW + timedelta(hours=2))
    assert outcome.ok, outcome.lines()
    assert (outcome.results[0].new, outcome.results[0].rejected) == (2, 0)


def test_cli_sync_proposes_the_holder_or_feeds_the_installation_named_by_into(tmp_path, feeds, fake):
    from chargeboard.ingest import ingest_file  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    db = tmp_path / "cli.duckdb"
    store = Store(db)
    try:
        ingest_file(store, feeds.zaptec(FIVE[:3], name="export.json"), installation="Testlia")
        store.cursor().execute("INSERT INTO installations VALUES ('annet', 'Annet', 'Europe/Oslo')")
    finally:
        store.close()
    fake.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Testlia"}]
    fake.zaptec_sessions["inst-1"] = list(FIVE)
    env = {"ZAPTEC_USERNAME": cloud_fake.USERNAME, "ZAPTEC_PASSWORD": cloud_fake.PASSWORD}
    base = ["sync", "zaptec", "--api-url", fake.url, "--from", "2026-01-01", "--db", str(db)]
    refused = run_cli([*base, "--installation", "inst-1", "--into", "annet"], env)
    assert refused.returncode == 1 and "stored in Testlia" in refused.stderr
    needs_one = run_cli([*base, "--into", "testlia"], env)
    assert needs_one.returncode == 2 and "--into needs --installation" in needs_one.stderr
    done = run_cli(base, env)
    assert done.returncode == 0, done.stderr
    assert "Borettslaget Testlia → testlia" in done.stdout and "2 new, 0 updated, 3 duplicate, 0 rejected" in done.stdout
    into = run_cli([*base, "--installation", "inst-1", "--into", "testlia"], env)
    assert into.returncode == 0, into.stderr
    store = Store(db)
    try:
        assert _installations(store) == [("annet", "Annet"), ("testlia", "Testlia")]
    finally:
        store.close()


def test_a_sync_after_a_pause_longer_than_its_window_reads_the_paused_interval(store, fake):
    """Catches the window after a long pause starting at now − window (a gap: what the pause's first
    months brought is never read) or at the last window's end itself (a session an offline charger
    started before that end and uploaded during the pause is never read): after a pause the window
    starts the trailing window before the end of the last one read, as every sync's does.
    (All times are before today's real date: the ingest rejects starts after its own clock.)"""
    paused_at = NOW - timedelta(days=150)
    first = [zrec("before", paused_at - timedelta(days=60))]
    fake.zaptec_sessions["inst-1"] = list(first)
    assert sync.run_sync(store, zaptec_target(fake), now=paused_at).ok
    in_the_pause = [zrec(f"p{i}", paused_at + timedelta(days=14 * i, hours=i)) for i in range(1, 11)]
    # charged offline three weeks before the pause began, uploaded to the cloud during it
    late = zrec("late", paused_at - timedelta(days=21), CommitMetadata=2 | 4,
                EndDateTime=f"{paused_at + timedelta(days=30):%Y-%m-%dT%H:%M:%S}.000")
    fake.zaptec_sessions["inst-1"] = [*first, *in_the_pause, late]
    outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
    assert outcome.ok, outcome.lines()
    assert stored(store) == expected_zaptec([*first, *in_the_pause, late])
    assert (outcome.results[0].new, outcome.results[0].duplicate) == (11, 0)
    assert outcome.results[0].window_from == paused_at - timedelta(days=45)


def test_the_test_and_the_result_are_said_in_the_readers_language(store, fake):
    from chargeboard import i18n  # noqa: PLC0415

    fake.zaptec_sessions["inst-1"] = list(FIVE)
    with i18n.language("nb"):
        worked, said, found = sync.test_login("zaptec", RIGHT, fake.url)
        assert worked and found and said.startswith("Innloggingen virket. Zaptec viser 1 anlegg: "), said
        assert "The login" not in said and "chargers" not in said
        failed, refused, _found = sync.test_login("zaptec", Login(cloud_fake.USERNAME, "wrong"), fake.url)
        assert not failed and refused.startswith("Innloggingen virket ikke: "), refused
        outcome = sync.run_sync(store, zaptec_target(fake), now=NOW)
        (line,) = outcome.lines()
        assert "5 ladeøkter → 5 nye, 0 oppdatert, 0 duplikater, 0 avvist" in line, line
        assert sync.SyncOutcome(error="x").lines() == ["FEILET — x"]
    with i18n.language("en"):
        assert "5 sessions → 5 new" in outcome.lines()[0]
