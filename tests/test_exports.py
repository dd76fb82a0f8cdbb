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

from chargeboard import accounts, exports, i18n
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


# -- issue 11: the reader's language, number formats and CSV dialects -------------------------------

NB_DAY_TIME = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d")


def nb_decimal(text: str) -> Decimal:
    """A Norwegian decimal as excel-nb writes it: a comma, never a point, no grouping."""
    assert "." not in text and "," in text, text
    return Decimal(text.replace(",", "."))


def test_report_workbook_in_norwegian_has_norwegian_titles_and_typed_cells(coop):
    scope = system_scope()
    with i18n.language("nb"):
        exported = exports.report_workbook(coop, scope, build_report(coop, scope, ReportRequest(YEAR, by="user")))
    book = load(exported.data)
    assert book.sheetnames == ["Per bruker", "Per måned", "Om"]
    sheet = book["Per bruker"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Nøkkel", "Bruker", "E-post", "Ladeøkter", "Energi (kWh)"]
    assert header[6] == "Andel av totalt"
    rows = list(sheet.iter_rows(min_row=2))
    expected = defaultdict(Decimal)
    for sid in VISIBLE["styret"]:
        expected[USER[sid] or ""] += Decimal(str(KWH[sid]))
    assert {(r[0].value or ""): Decimal(f"{r[4].value:.3f}") for r in rows[:-1]} == dict(expected)
    first = rows[0]
    assert first[3].data_type == "n" and isinstance(first[3].value, int) and first[3].number_format == "#,##0"
    assert isinstance(first[4].value, float) and first[4].number_format == "#,##0.000"
    assert first[6].number_format == "0.0%"
    assert rows[-1][0].value == "Totalt" and rows[-1][0].font.b
    months = [c.value for c in book["Per måned"][1]]
    assert months[0] == "Bruker" and "jan. 2025" in months and months[-1] == "Totalt (kWh)"
    info = {r[0]: r[1] for r in book["Om"].iter_rows(min_row=2, values_only=True)}
    assert info["Rapport"] == "Laderapport per bruker"
    assert info["Periode"].startswith("01.01.2025–31.12.2025, begge dager medregnet")
    assert ", rolle " in info["Eksportert av"]
    assert NB_DAY_TIME.fullmatch(info["Eksportert (UTC)"])
    assert sheet.oddFooter.center.text == "Side &P av &N" and sheet.oddHeader.right.text == "01.01.2025–31.12.2025"
    assert exports_log(coop)[0][4] == "Charge report by user"  # the log stays English for everyone


@pytest.mark.parametrize(("lang", "sheet_name", "start", "date_format", "yes"), [
    ("nb", "Ladehistorikk", "Start", "dd.mm.yyyy hh:mm", "ja"),
    ("en", "Charge history", "Start", "d mmm yyyy hh:mm", "yes")])
def test_history_workbook_dates_are_typed_with_the_languages_format(coop, lang, sheet_name, start, date_format,
                                                                    yes):
    with i18n.language(lang):
        book = load(exports.history_workbook(coop, system_scope(), YEAR).data)
    assert book.sheetnames == [sheet_name, "Om" if lang == "nb" else "About"]
    sheet = book[sheet_name]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in list(sheet.iter_rows(min_row=2))[:-1]]
    assert len(rows) == len(VISIBLE["styret"])
    for row in rows:
        assert row[start].is_date and isinstance(row[start].value, datetime)
        assert row[start].number_format == date_format
    flagged = {r[header[9]].value for r in rows}  # charged offline
    assert flagged == {yes, None}


@pytest.fixture
def report(coop):
    return build_report(coop, system_scope(), ReportRequest(YEAR, by="user"))


def test_report_csv_for_norwegian_excel_parses_back(report):
    with i18n.language("nb"):
        text = exports.report_csv(report, "excel-nb")
    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") and "\r\n" in text and text.count("\n") == text.count("\r\n")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert list(rows[0]) == ["Nøkkel", "Navn", "Ladeøkter", "Energi (kWh)", "Ladetid (t)", "Andel av totalt",
                             "Upålitelig tid: ladeøkter", "Upålitelig tid: kWh", "Ladet frakoblet: ladeøkter", "Serienummer"]
    expected = defaultdict(Decimal)
    for sid in VISIBLE["styret"]:
        expected[USER[sid] or ""] += Decimal(str(KWH[sid]))
    assert {r["Nøkkel"]: nb_decimal(r["Energi (kWh)"]) for r in rows} == dict(expected)
    assert all(re.fullmatch(r"\d+,\d{3}", r["Energi (kWh)"]) and r["Ladeøkter"].isdigit() for r in rows)
    assert sum(nb_decimal(r["Andel av totalt"]) for r in rows) == pytest.approx(Decimal(1), abs=Decimal("0.001"))


def test_report_csv_for_english_excel_and_the_machine_readable_one(report):
    english = exports.report_csv(report, "excel-en")
    assert english.startswith("\ufeffKey,Name,Sessions,Energy (kWh),") and english.endswith("\r\n")
    machine = exports.report_csv(report)  # rfc4180: the documented keys, no BOM, in any language
    with i18n.language("nb"):
        assert exports.report_csv(report, "rfc4180") == machine
    assert machine.startswith("key,name,sessions,energy_kwh,") and "\r" not in machine
    for text, sep in ((english, ","), (machine, ",")):
        rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=sep))
        kwh = [r.get("Energy (kWh)") or r.get("energy_kwh") for r in rows]
        assert all(re.fullmatch(r"\d+\.\d{3}", k) for k in kwh)
    with pytest.raises(ValueError, match="excel-nb"):
        exports.report_csv(report, "excel-sv")


def test_history_csv_for_norwegian_excel_parses_back(coop):
    with i18n.language("nb"):
        exported = exports.history_csv(coop, system_scope(), YEAR, dialect="excel-nb")
    assert exported.data.startswith(b"\xef\xbb\xbf") and exported.mime == "text/csv"
    text = exported.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == exported.rows == len(VISIBLE["styret"])
    assert {r["Økt-ID"] for r in rows} == VISIBLE["styret"]
    for row in rows:
        assert NB_DAY_TIME.fullmatch(row["Start"]) and nb_decimal(row["Energi (kWh)"]) == Decimal(
            str(KWH[row["Økt-ID"]]))
        # k3 was charged offline (tests/support.py), no other (catches the flag never written: "ja" or "")
        assert row["Ladet frakoblet"] == ("ja" if row["Økt-ID"] == "k3" else ""), row
    dst = next(r for r in rows if r["Økt-ID"] == "dst-spring")
    assert dst["Start"] == "30.03.2025 03:30"  # the installation's local time, as the workbook has it


@pytest.mark.parametrize("dialect", list(exports.CSV_DIALECTS))
def test_formula_like_text_is_neutralised_in_every_csv_dialect(evil, dialect):
    separator = ";" if dialect == "excel-nb" else ","
    text = exports.history_csv(evil, system_scope(), YEAR, dialect=dialect).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    values = set(rows[1])
    assert {"'" + EVIL_USER, "'+1", "'-2+3"} <= values, (dialect, rows[1])
    assert not any(v[:1] in "=+-@" for v in values if v), rows[1]
    assert len(rows[0]) == len(rows[1]) == 15  # the separator splits the header and the row alike
    report = build_report(evil, system_scope(), ReportRequest(YEAR, by="station"))
    parsed = list(csv.reader(io.StringIO(exports.report_csv(report, dialect).removeprefix("\ufeff"), newline=""),
                             delimiter=separator))
    assert "'-2+3" in parsed[1] and not any(v[:1] in "=+-@" for v in parsed[1] if v)


def test_csv_dialect_names_are_the_command_lines():
    from chargeboard import cli  # noqa: PLC0415

    assert tuple(exports.CSV_DIALECTS) == cli.CSV_DIALECTS
    assert exports.csv_dialect_for("nb") == "excel-nb" and exports.csv_dialect_for("en") == "excel-en"


@pytest.mark.parametrize("dialect", list(exports.CSV_DIALECTS))
def test_report_csv_by_station_carries_the_charger_serial_like_the_workbook(coop, dialect):
    report = build_report(coop, system_scope(), ReportRequest(YEAR, by="station"))
    separator = ";" if dialect == "excel-nb" else ","
    rows = list(csv.reader(io.StringIO(exports.report_csv(report, dialect).removeprefix("\ufeff"), newline=""),
                           delimiter=separator))
    header, body = rows[0], rows[1:]
    assert header[:4] in (["key", "name", "sessions", "energy_kwh"], ["Key", "Name", "Sessions", "Energy (kWh)"])
    serial = header.index("serial" if dialect == "rfc4180" else "Serial")
    assert {r[0]: r[serial] for r in body} == {key: serial for key, (serial, _name) in support.STATIONS.items()}
    sheet = load(exports.report_workbook(coop, system_scope(), report, log=False).data).worksheets[0]
    assert {r[0]: r[2] for r in data_rows(sheet)} == {r[0]: r[serial] for r in body}
    by_user = build_report(coop, system_scope(), ReportRequest(YEAR, by="user"))
    user_rows = list(csv.DictReader(io.StringIO(exports.report_csv(by_user), newline="")))
    assert user_rows and all(r["serial"] == "" for r in user_rows)
