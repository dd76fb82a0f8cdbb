"""A resident linked to a dwelling (issue 30) sees the dwelling's charging on the days they own it, and
nothing else: a couple sharing a tag, a flat sold mid-month, a parking space's station sold with the flat,
a neighbour, and the system owner and charger owner as before. The register's rows are written here
directly (insert_register), not through the register's own API."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import support

from chargeboard import accounts, dashboard, exports, history, my_usage, reports, statements, tariffs
from chargeboard.ingest import ingest_file
from chargeboard.scope import DwellingGrant, Scope
from chargeboard.store import Store

INSTALLATION = "Solbakken"
SALE = date(2025, 3, 15)  # H0102 changes hands: the seller owns up to the 14th, the buyer from the 15th

# session id, station, user (None: RFID only / open), tag, start (UTC), kWh
SESSIONS = (
    ("a1", "chg-a", "u-anne", "Brikke H0101", datetime(2025, 1, 8, 17, 0), "10.001"),
    ("a2", "chg-a", "u-anne", "Brikke H0101", datetime(2025, 3, 12, 17, 0), "12.010"),
    ("b1", "chg-a", None, "Brikke H0101", datetime(2025, 3, 18, 6, 0), "7.100"),   # Bjørn, the shared tag
    ("s1", "chg-b", "u-selma", "Brikke H0102", datetime(2025, 3, 10, 18, 0), "20.200"),
    ("s4", "chg-p2", None, None, datetime(2025, 2, 5, 9, 0), "4.000"),             # the flat's parking space
    ("k2", "chg-b", "u-kjell", "Brikke H0102", datetime(2025, 3, 20, 18, 0), "30.300"),
    ("k3", "chg-b", "u-kjell", "Brikke H0102", datetime(2025, 3, 14, 23, 30), "3.300"),  # 00:30 on the 15th, Oslo
    ("k5", "chg-p2", None, None, datetime(2025, 4, 2, 9, 0), "5.000"),
    ("a6", "chg-p2", "u-anne", "Brikke H0101", datetime(2025, 3, 25, 8, 0), "6.600"),  # tag first: H0101's
    ("o1", "chg-c", "u-ola", "Brikke H0201", datetime(2025, 3, 16, 8, 0), "9.900"),
    ("g1", "chg-c", None, None, datetime(2025, 3, 17, 8, 0), "1.000"),              # no dwelling
)
KWH = {sid: Decimal(kwh) for sid, *_rest, kwh in SESSIONS}
EMAILS = {"u-anne": "anne@example.org", "u-selma": "selma@example.org", "u-kjell": "kjell@example.org",
          "u-ola": "ola@example.org"}

VISIBLE = {
    "anne": {"a1", "a2", "b1", "a6"},
    "bjorn": {"a1", "a2", "b1", "a6"},   # no feed user of his own: the dwelling's charging only
    "selma": {"s1", "s4"},               # her days only
    "kjell": {"k2", "k3", "k5"},         # his days only
    "nabo": {"o1"},
    "styret": {sid for sid, *_ in SESSIONS},
    "parker": {"s4", "k5", "a6"},        # a charger owner of chg-p2: as before, by station
}


def insert_register(store: Store) -> None:
    """H0101 (a couple, from 2024), H0102 (sold on SALE: tag and parking-space station go with it), H0201."""
    with store.cursor() as cur:
        installation_id = cur.execute("SELECT installation_id FROM installations WHERE name = ?",
                                      [INSTALLATION]).fetchone()[0]
        cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, created_by) VALUES "
                    "(1, $i, 'H0101', 'test'), (2, $i, 'H0102', 'test'), (3, $i, 'H0201', 'test')",
                    {"i": installation_id})
        cur.execute("""INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, valid_from, valid_until) VALUES
            (1, 1, 'Anne', 'anne@example.org', DATE '2024-01-01', NULL),
            (2, 1, 'Bjørn', 'bjorn@example.org', DATE '2024-06-01', NULL),
            (3, 2, 'Selma', 'selma@example.org', DATE '2020-01-01', $sale),
            (4, 2, 'Kjell', 'kjell@example.org', $sale, NULL),
            (5, 3, 'Ola', 'ola@example.org', DATE '2020-01-01', NULL)""", {"sale": SALE})
        cur.execute("""INSERT INTO dwelling_members (dwelling_id, kind, member_id, valid_from, valid_until) VALUES
            (1, 'tag', 'Brikke H0101', DATE '2024-01-01', NULL),
            (1, 'user', 'u-anne', DATE '2024-01-01', NULL),
            (2, 'tag', 'Brikke H0102', DATE '2020-01-01', NULL),
            (2, 'user', 'u-selma', DATE '2020-01-01', $sale),
            (2, 'user', 'u-kjell', $sale, NULL),
            (2, 'station', 'chg-p2', DATE '2020-01-01', NULL),
            (3, 'tag', 'Brikke H0201', DATE '2020-01-01', NULL)""", {"sale": SALE})


@pytest.fixture
def register_store(store, feeds, auth_file):
    records = [support.zaptec_record(sid, station=station, serial=station.upper(), station_name=station,
                                     user_id=user, user_name=user, email=EMAILS.get(user), tag=tag,
                                     start=start, minutes=240, kwh=kwh)
               for sid, station, user, tag, start, kwh in SESSIONS]
    ingest_file(store, feeds.zaptec(records, "solbakken.json"), installation=INSTALLATION)
    insert_register(store)
    for username, email in (("anne", "anne@example.org"), ("bjorn", "bjorn@example.org"),
                            ("selma", "selma@example.org"), ("kjell", "Kjell@Example.org "),
                            ("nabo", "ola@example.org")):
        accounts.add_user(username, name=username.title(), email=email, role="resident",
                          password=f"{username}-passord-1", path=auth_file)
    accounts.add_user("parker", name="Parker", email="parker@example.org", role="charger_owner",
                      stations=["chg-p2"], password="parker-passord-1", path=auth_file)
    return store


def _installation_id(store) -> str:
    return next(r[0] for r in store.rows("installations_all") if r[1] == INSTALLATION)


def scope_of(store, auth_file, username: str) -> Scope:
    return accounts.scope_for(accounts.find_account(username, auth_file), store)


EVERYTHING = history.SessionFilter(date(2024, 1, 1), date(2025, 12, 31))


def visible(store, scope, flt=EVERYTHING) -> set[str]:
    return set(history.history_view(store, scope, flt).rows["session_id"])


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_each_account_sees_exactly_its_dwellings_days(register_store, auth_file, username):
    scope = scope_of(register_store, auth_file, username)
    assert visible(register_store, scope) == VISIBLE[username]
    totals = history.history_view(register_store, scope, EVERYTHING).totals
    assert totals.energy_kwh == sum((KWH[s] for s in VISIBLE[username]), Decimal(0))


def test_the_scope_names_the_dwellings_and_days(register_store, auth_file):
    selma = scope_of(register_store, auth_file, "selma")
    assert selma.dwelling_grants == (DwellingGrant(2, 3, _installation_id(register_store), "H0102", date(2020, 1, 1), SALE),)
    kjell = scope_of(register_store, auth_file, "kjell")  # e-mail typed with capitals and a space
    assert kjell.dwelling_grants == (DwellingGrant(2, 4, _installation_id(register_store), "H0102", SALE, None),)
    assert kjell.sees_dwelling(2, SALE, date(2025, 3, 31))
    assert not kjell.sees_dwelling(2, date(2025, 3, 1), date(2025, 3, 31))  # the seller's days too
    assert selma.sees_dwelling(2, date(2025, 3, 1), date(2025, 3, 14))
    assert not selma.sees_dwelling(2, date(2025, 3, 1), date(2025, 3, 15))
    assert not selma.sees_dwelling(1, date(2025, 3, 1), date(2025, 3, 1))
    assert scope_of(register_store, auth_file, "bjorn").dwelling_numbers() == ("H0101",)
    assert (selma.owner_ids, kjell.owner_ids) == ({3}, {4})
    assert scope_of(register_store, auth_file, "styret").sees_dwelling(2, date(2000, 1, 1), date(2030, 1, 1))
    # a charger owner and the system owner get no dwelling part: their queries are as before
    for username in ("parker", "styret"):
        scope = scope_of(register_store, auth_file, username)
        assert (scope.dwelling_grants, scope.dwelling_days) == ((), ())


def test_the_scope_agrees_with_dwelling_of(register_store, auth_file):
    """The rule in_scope checks with lists is dwelling_of's (tag, then user, then station) on the
    statement day, within the owner's dates: compared session by session with the register's macro."""
    owners = {"anne": 1, "bjorn": 2, "selma": 3, "kjell": 4, "nabo": 5}
    with register_store.cursor() as cur:
        rows = cur.execute("""
            SELECT s.session_id, o.owner_id
            FROM (SELECT *, statement_day(started_local, registered_local, time_unreliable) AS day FROM sessions) s
            JOIN dwelling_owners o
              ON o.dwelling_id = dwelling_of(s.installation_id, s.station_id, s.user_id, s.tag, s.day)
             AND s.day >= o.valid_from AND (o.valid_until IS NULL OR s.day < o.valid_until)""").fetchall()
    by_owner = {owner: {sid for sid, o in rows if o == owner} for owner in owners.values()}
    for username, owner in owners.items():
        scope = scope_of(register_store, auth_file, username)
        through_dwellings = Scope(username, "resident", dwelling_grants=scope.dwelling_grants,
                                  dwelling_days=scope.dwelling_days)
        assert visible(register_store, through_dwellings) == by_owner[owner], username


WHOLE_MONTHS = history.SessionFilter(date(2025, 1, 1), date(2025, 4, 30))  # summed months Jan–Apr


@pytest.mark.parametrize("username", sorted(VISIBLE))
@pytest.mark.parametrize("by", ["station", "user", "rfid"])
def test_reports_sum_exactly_the_owners_days(register_store, auth_file, username, by):
    """A month's sum knows no day: March holds the seller's and the buyer's sessions, and each of
    them reads exactly their own, for whole months as for the days at the edges."""
    scope = scope_of(register_store, auth_file, username)
    for flt in (WHOLE_MONTHS, history.SessionFilter(date(2025, 3, 10), date(2025, 4, 30))):
        report = reports.build_report(register_store, scope, reports.ReportRequest(flt, by=by))
        shown = {s for s in VISIBLE[username]
                 if flt.date_from <= _local_day(register_store, s) <= flt.date_to}
        assert report.totals.sessions == len(shown), (username, flt)
        assert report.totals.energy_kwh == sum((KWH[s] for s in shown), Decimal(0))
        months = report.monthly
        assert reports.exact_kwh(months["energy_kwh"]) == report.totals.energy_kwh


def _local_day(store, session_id) -> date:
    with store.cursor() as cur:
        return cur.execute("SELECT started_local::DATE FROM main.sessions WHERE session_id = ?",
                           [session_id]).fetchone()[0]


def test_month_sums_of_a_dwelling_scope_are_its_own_sessions(register_store, auth_file):
    """scoped_session_months: stored sums for a scope with no dwellings, the scope's own sessions
    summed for one with dwellings (the filter options, first day and dashboard read them too)."""
    selma = scope_of(register_store, auth_file, "selma")
    kjell = scope_of(register_store, auth_file, "kjell")
    assert history.first_day(register_store, selma) == date(2025, 2, 5)
    assert history.first_day(register_store, kjell) == date(2025, 3, 15)
    options = history.filter_options(register_store, kjell)
    assert set(options.users) == {"u-kjell", ""}       # the guest on the parking space: ''
    assert "u-selma" not in options.users and "u-anne" not in options.users
    assert set(options.tags) == {"Brikke H0102", ""}
    assert set(options.stations) == {"chg-b", "chg-p2"}
    march = dashboard.DashboardRequest(date(2025, 3, 1), date(2025, 3, 31))
    for scope, sessions in ((kjell, {"k2", "k3"}), (selma, {"s1"})):
        kpis = dashboard.kpis_for(register_store, scope, march, march.date_from, march.date_to)
        assert (kpis.sessions, kpis.energy_kwh) == (len(sessions), sum((KWH[s] for s in sessions), Decimal(0)))


def test_my_usage_shows_the_dwellings_charging(register_store, auth_file):
    today = date(2025, 4, 30)
    for username in ("selma", "kjell", "bjorn"):
        scope = scope_of(register_store, auth_file, username)
        usage = my_usage.my_usage(register_store, scope, today)
        assert usage.linked
        expected = {s for s in VISIBLE[username] if _local_day(register_store, s) >= date(2024, 5, 1)}
        assert set(usage.sessions["session_id"]) == expected, username
        assert usage.year_kwh == sum((KWH[s] for s in expected), Decimal(0))
        march = dict(zip(usage.monthly["month"], usage.monthly["energy_kwh"], strict=True))[date(2025, 3, 1)]
        assert march == sum((KWH[s] for s in expected if _local_day(register_store, s).month == 3), Decimal(0))
        tags = set(register_store.df("my_usage_tags", scope)["tag"])
        assert tags == {t or "" for sid, _st, _u, t, *_ in SESSIONS if sid in expected}
        data, _name = my_usage.export_workbook(register_store, scope, usage, log=False)
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        kwh = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True) if isinstance(row[0], datetime)]
        assert sorted(Decimal(str(k)).quantize(Decimal("0.001")) for k in kwh) == sorted(KWH[s] for s in expected)


def test_my_usage_costs_of_a_dwelling_are_its_sessions(register_store, auth_file):
    tariffs.add_version(register_store, support.STYRET.username, date(2024, 1, 1), "2.00")
    kjell = scope_of(register_store, auth_file, "kjell")
    money = my_usage.money(register_store, kjell, date(2025, 3, 31))
    assert money.month == (KWH["k2"] + KWH["k3"]) * 2
    assert money.year == money.month


def test_exports_hold_only_the_owners_days(register_store, auth_file):
    flt = EVERYTHING
    for username in ("selma", "kjell", "bjorn", "nabo"):
        scope = scope_of(register_store, auth_file, username)
        others = {sid for sid, *_ in SESSIONS} - VISIBLE[username]
        csv_text = exports.history_csv(register_store, scope, flt, log=False).data.decode("utf-8")
        workbook = exports.history_workbook(register_store, scope, flt, log=False)
        cells = {str(c) for row in openpyxl.load_workbook(io.BytesIO(workbook.data)).worksheets[0]
                 .iter_rows(values_only=True) for c in row if c is not None}
        for sid in VISIBLE[username]:
            assert f",{sid}," in csv_text and sid in cells
        for sid in others:
            assert f",{sid}," not in csv_text and sid not in cells, (username, sid)
        report = reports.build_report(register_store, scope, reports.ReportRequest(flt, by="user"))
        names = set(report.rows["key"])
        assert names <= {u or "" for sid, _st, u, *_ in SESSIONS if sid in VISIBLE[username]}


def test_statements_show_own_lines_and_only_own_sessions(register_store, auth_file):
    """Statements per feed user stay as they are (a dwelling's statement is billing's): a resident
    sees only the lines of their own feed users, and their files hold no one else's session."""
    tariffs.add_version(register_store, support.STYRET.username, date(2024, 1, 1), "2.00")
    request = statements.StatementRequest(date(2025, 3, 1), date(2025, 3, 31))
    for username, lines in (("selma", {"u-selma"}), ("kjell", {"u-kjell"}), ("bjorn", set()), ("nabo", {"u-ola"})):
        scope = scope_of(register_store, auth_file, username)
        st = statements.build_statements(register_store, scope, request)
        assert {x.user_id for x in st.lines} == lines
        costs = statements.session_costs(register_store, scope, st)
        seen = {s.session_id for sessions in costs.values() for s in sessions}
        assert seen <= VISIBLE[username]
        text, _name = statements.csv_text(register_store, scope, st, log=False)
        for other in {"u-selma", "u-kjell", "u-anne", "u-ola"} - lines:
            assert other not in text


# -- the page ------------------------------------------------------------------------------------------

@pytest.fixture
def dwelling_app(tmp_path, auth_template, monkeypatch):
    """The app on the small co-op, where Nina (no feed user of her own) owns the dwelling of Kari's tag
    from 1 March 2025: she sees its sessions from that day (k3), not Kari's before (k1, k2)."""
    from conftest import serve_in_app  # noqa: PLC0415

    db = support.build_coop_db(tmp_path)
    store = Store(db)
    with store.cursor() as cur:
        installation_id = cur.execute("SELECT installation_id FROM installations").fetchone()[0]
        cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, created_by) "
                    "VALUES (7, ?, 'H0307', 'test')", [installation_id])
        cur.execute("INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, valid_from) "
                    "VALUES (9, 7, 'Nina', 'nina@example.org', DATE '2025-03-01')")
        cur.execute("INSERT INTO dwelling_members VALUES (7, 'tag', ?, DATE '2020-01-01', NULL)", [support.KARI.tag])
    store.close()
    env = yield from serve_in_app(db, auth_template, tmp_path, monkeypatch)
    return env


def test_my_usage_page_names_the_dwelling(dwelling_app, monkeypatch):
    from test_app import page_as, texts  # noqa: PLC0415

    monkeypatch.setenv("CHARGEBOARD_TODAY", "2025-04-30")
    nina = support.Login("nina", "nina-passord-1", "Nina", "resident", "nina@example.org")
    accounts.add_user(nina.username, name=nina.name, email=nina.email, role=nina.role, password=nina.password,
                      path=Path(dwelling_app["CHARGEBOARD_AUTH"]))
    at = page_as(nina, "my_usage")
    shown = texts(at.main)
    assert "Dwelling H0307" in shown
    assert "not linked" not in shown
    sessions = at.dataframe[0].value
    assert len(sessions) == 1 and sessions["energy_kwh"].iloc[0] == pytest.approx(5.5)  # k3 only
