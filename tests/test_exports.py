"""Report and history exports (issue 3) for each role, read back with openpyxl: rows in
scope only, no formulas anywhere, naive local datetimes (DST edges), the About sheet,
the file name and the exports log."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import support

from chargeboard import accounts, exports
from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.reports import ReportRequest, build_report
from chargeboard.scope import ROLE_TITLES, system_scope

YEAR = SessionFilter(date(2025, 1, 1), date(2025, 12, 31))


def _person_record(sid, station, person, start, kwh):
    serial, name = support.STATIONS[station]
    return support.zaptec_record(sid, station=station, serial=serial, station_name=name, user_id=person.user_id,
                                 user_name=person.name, email=person.email, tag=person.tag, start=start,
                                 minutes=60, kwh=kwh)


# On chg-b1, which the charger owner does not own. Start (UTC) -> Oslo wall time.
DST = {
    "dst-spring": (support.KARI, datetime(2025, 3, 30, 1, 30), 2.0, datetime(2025, 3, 30, 3, 30)),
    "dst-autumn-1": (support.KARI, datetime(2025, 10, 26, 0, 30), 3.0, datetime(2025, 10, 26, 2, 30)),  # CEST
    "dst-autumn-2": (support.OLA, datetime(2025, 10, 26, 1, 30), 4.0, datetime(2025, 10, 26, 2, 30)),  # CET
}
KWH = {**support.COOP_KWH, **{sid: kwh for sid, (_, _, kwh, _) in DST.items()}}
USER = {**support.COOP_USER, **{sid: p.user_id for sid, (p, *_) in DST.items()}}
VISIBLE = {
    "styret": support.COOP_VISIBLE["styret"] | set(DST),
    "per": support.COOP_VISIBLE["per"],
    "kari": support.COOP_VISIBLE["kari"] | {"dst-spring", "dst-autumn-1"},
    "ola": support.COOP_VISIBLE["ola"] | {"dst-autumn-2"},
}
ROLES = {"styret": "system_owner", "per": "charger_owner", "kari": "resident"}


@pytest.fixture
def coop(store, feeds, auth_file):
    records = support.coop_records() + [_person_record(sid, "chg-b1", p, start, kwh)
                                        for sid, (p, start, kwh, _) in DST.items()]
    ingest_file(store, feeds.zaptec(records), installation="Testlaget")
    return store


def scope_of(store, username):
    return accounts.scope_for(accounts.find_account(username), store)


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def data_rows(sheet):
    """Rows under the header, without the totals row (the last one)."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return rows[:-1]


def assert_no_formulas(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def about(book) -> dict:
    return {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}


def exports_log(store):
    return store.rows("exports_log")


@pytest.mark.parametrize("username", list(ROLES))
def test_report_workbook_per_role(coop, username):
    scope = scope_of(coop, username)
    report = build_report(coop, scope, ReportRequest(YEAR, by="user"))
    exported = exports.report_workbook(coop, scope, report)
    expected = defaultdict(Decimal)
    for sid in VISIBLE[username]:
        expected[USER[sid] or ""] += Decimal(str(KWH[sid]))
    book = load(exported.data)
    assert book.sheetnames == ["By user", "By month", "About"]
    rows = data_rows(book["By user"])
    got = {(r[0] or ""): Decimal(f"{r[4]:.3f}") for r in rows}
    assert got == dict(expected)
    total = list(book["By user"].iter_rows(values_only=True))[-1]
    assert total[0] == "Total" and Decimal(f"{total[4]:.3f}") == sum(expected.values())
    assert_no_formulas(book)
    info = about(book)
    assert username in info["Exported by"] and ROLE_TITLES[ROLES[username]] in info["Exported by"]
    assert exported.file_name == "chargeboard_testlaget_report-by-user_2025-01-01_2025-12-31.xlsx"
    assert re.fullmatch(r"chargeboard_[a-z0-9-]+_[a-z-]+_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.xlsx", exported.file_name)
    log = exports_log(coop)
    _, who, role, _, what, name, count = log[0]
    assert (who, role, name, count) == (username, ROLES[username], exported.file_name, len(expected))
    assert "report" in what.lower()


@pytest.mark.parametrize("username", list(ROLES))
def test_history_workbook_per_role(coop, username):
    scope = scope_of(coop, username)
    exported = exports.history_workbook(coop, scope, YEAR)
    book = load(exported.data)
    assert book.sheetnames == ["Charge history", "About"]
    sheet = book["Charge history"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in data_rows(sheet)]
    assert {r["Session id"] for r in rows} == VISIBLE[username]
    assert exported.rows == len(VISIBLE[username])
    for row in rows:
        assert isinstance(row["Start"], datetime) and row["Start"].tzinfo is None
        assert Decimal(f"{row['Energy (kWh)']:.3f}") == Decimal(str(KWH[row["Session id"]]))
        if row["Session id"] in DST:
            assert row["Start"] == DST[row["Session id"]][3], row
    assert_no_formulas(book)
    info = about(book)
    assert username in info["Exported by"] and ROLE_TITLES[ROLES[username]] in info["Exported by"]
    assert exported.file_name == "chargeboard_testlaget_history_2025-01-01_2025-12-31.xlsx"
    _, who, role, _, what, name, count = exports_log(coop)[0]
    assert (who, role, what, name, count) == (username, ROLES[username], "Charge history", exported.file_name,
                                              len(VISIBLE[username]))


def test_resident_history_csv_has_only_own_session_ids(coop):
    scope = scope_of(coop, "kari")
    exported = exports.history_csv(coop, scope, YEAR)
    rows = list(csv.DictReader(io.StringIO(exported.data.decode())))
    assert {r["session_id"] for r in rows} == VISIBLE["kari"]
    assert exported.file_name.endswith("_history_2025-01-01_2025-12-31.csv")
    assert exports_log(coop)[0][1:3] == ("kari", "resident")


def test_every_export_is_logged(coop):
    scope = system_scope()
    report = build_report(coop, scope, ReportRequest(YEAR, by="station"))
    exports.report_workbook(coop, scope, report)
    exports.history_workbook(coop, scope, YEAR)
    exports.history_csv(coop, scope, YEAR)
    assert [r[4] for r in exports_log(coop)] == ["Charge history (CSV)", "Charge history",
                                                 "Charge report by charging station"]


EVIL_USER = '=HYPERLINK("http://x","y")'
# chargeboard.excel writes formula-like text as a text cell with a leading ' (its own tests say so).
SAFE = {v: "'" + v for v in (EVIL_USER, "+1", "-2+3", "@SUM(A1)")}


@pytest.fixture
def evil(store, feeds):
    records = [support.zaptec_record("evil-1", station="chg-x", serial="@SUM(A1)", station_name="-2+3",
                                     user_id="u-evil", user_name=EVIL_USER, email="evil@example.org", tag="+1",
                                     start=datetime(2025, 5, 5, 10), kwh=1.5)]
    ingest_file(store, feeds.zaptec(records), installation="Testlaget")
    return store


@pytest.mark.parametrize("by", ["station", "user", "rfid"])
def test_formula_like_names_stay_text_in_workbooks(evil, by):
    scope = system_scope()
    report = build_report(evil, scope, ReportRequest(YEAR, by=by))
    book = load(exports.report_workbook(evil, scope, report).data)
    assert_no_formulas(book)
    values = {c.value for r in book.worksheets[0].iter_rows() for c in r}
    assert {"station": SAFE["-2+3"], "user": SAFE[EVIL_USER], "rfid": SAFE["+1"]}[by] in values
    history = load(exports.history_workbook(evil, scope, YEAR).data)["Charge history"]
    header = [c.value for c in history[1]]
    row = dict(zip(header, history[2], strict=True))
    for column, value in (("User", EVIL_USER), ("RFID tag", "+1"), ("Charging station", "-2+3")):
        assert row[column].value == SAFE[value] and row[column].data_type == "s", column


def test_history_csv_prefixes_formula_like_text(evil):
    text = exports.history_csv(evil, system_scope(), YEAR).data.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["user_name"] == "'" + EVIL_USER
    assert row["tag"] == "'+1"
    assert row["station"] == "'-2+3"
    report = build_report(evil, system_scope(), ReportRequest(YEAR, by="user"))
    assert "'" + EVIL_USER.replace('"', '""') in exports.report_csv(report)


def test_csv_safe():
    assert exports.csv_safe("=1+1") == "'=1+1"
    for lead in "=+-@\t\r\x00":
        assert exports.csv_safe(lead + "x") == "'" + lead + "x"
    assert exports.csv_safe("Kari") == "Kari"
    assert exports.csv_safe(3) == 3
