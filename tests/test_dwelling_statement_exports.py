"""Statements per dwelling in the app and in every file (issue 30, item 2, and "a resident sees their
dwelling's statements and nobody else's, in the app and in every file"), per role, on a real store.

The co-op (Solbakken, March 2025, flat 2.00 kr/kWh and a fixed fee of 25 kr a month):
- H0101: a couple, Anne (from 2024) and Bjørn (from June 2024), sharing the tag "Brikke H0101": Anne pays;
- H0102: sold on 15 March by Selma to Kjell; its tag and its parking space's station chg-p2 go with it;
- H0201: the neighbour, Ola (account "nabo"), whose owner name starts with "=" (a formula, if a file let it);
- a guest on chg-c belongs to no dwelling; Parker is a charger owner of chg-p2, linked to no dwelling.
Excel is read back with openpyxl, the PDF with pypdf, the CSV with the csv module.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import support
from pypdf import PdfReader

from chargeboard import accounts, exports, formats, statements, tariffs
from chargeboard.billing import dwelling_exports as dx
from chargeboard.billing.dwelling_statements import BillingError, dwelling_statements
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope
from chargeboard.store import Store

INSTALLATION = "Solbakken"
SALE = date(2025, 3, 15)
MARCH = (date(2025, 3, 1), date(2025, 3, 31))
PRICE, FEE = Decimal("2.00"), Decimal("25")

# session id, station, user (None: tag only / open), tag, start (UTC), kWh
SESSIONS = (
    ("a2", "chg-a", "u-anne", "Brikke H0101", datetime(2025, 3, 12, 17, 0), "12.010"),
    ("b1", "chg-a", None, "Brikke H0101", datetime(2025, 3, 18, 6, 0), "7.100"),    # Bjørn, the shared tag
    ("s1", "chg-b", "u-selma", "Brikke H0102", datetime(2025, 3, 10, 18, 0), "20.200"),
    ("s4", "chg-p2", None, None, datetime(2025, 3, 5, 9, 0), "4.000"),              # the flat's parking space
    ("k2", "chg-b", "u-kjell", "Brikke H0102", datetime(2025, 3, 20, 18, 0), "30.300"),
    ("k3", "chg-b", "u-kjell", "Brikke H0102", datetime(2025, 3, 14, 23, 30), "3.300"),  # 00:30 on the 15th
    ("k5", "chg-p2", None, None, datetime(2025, 3, 22, 9, 0), "5.000"),
    ("o1", "chg-c", "u-ola", "Brikke H0201", datetime(2025, 3, 16, 8, 0), "9.900"),
    ("g1", "chg-c", None, None, datetime(2025, 3, 17, 8, 0), "1.000"),              # no dwelling
)
KWH = {sid: Decimal(kwh) for sid, *_rest, kwh in SESSIONS}
NABO_NAME = "=Ola Nabo"
# (dwelling number, payer) -> its sessions, by rule
LINES = {
    "by_ownership": {("H0101", "Anne"): {"a2", "b1"}, ("H0102", "Selma"): {"s1", "s4"},
                     ("H0102", "Kjell"): {"k2", "k3", "k5"}, ("H0201", NABO_NAME): {"o1"}},
    "owner_at_end": {("H0101", "Anne"): {"a2", "b1"}, ("H0102", "Kjell"): {"s1", "s4", "k2", "k3", "k5"},
                     ("H0201", NABO_NAME): {"o1"}},
}
# who sees which lines, by rule
SEES = {
    "by_ownership": {"anne": {("H0101", "Anne")}, "bjorn": {("H0101", "Anne")}, "selma": {("H0102", "Selma")},
                     "kjell": {("H0102", "Kjell")}, "nabo": {("H0201", NABO_NAME)}},
    # the buyer pays the whole period (and sees it); the seller pays nothing and sees no line of it
    "owner_at_end": {"anne": {("H0101", "Anne")}, "bjorn": {("H0101", "Anne")}, "selma": set(),
                     "kjell": {("H0102", "Kjell")}, "nabo": {("H0201", NABO_NAME)}},
}
NUMBERS = ("H0101", "H0102", "H0201")
PAYERS = ("Anne", "Selma", "Kjell", NABO_NAME)


def insert_register(store: Store) -> None:
    with store.cursor() as cur:
        installation_id = cur.execute("SELECT installation_id FROM installations WHERE name = ?",
                                      [INSTALLATION]).fetchone()[0]
        cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, section_number, share_number, "
                    "created_by) VALUES (1, $i, 'H0101', '1', 'A-101', 'test'), (2, $i, 'H0102', '1', 'A-102', 'test'), "
                    "(3, $i, 'H0201', '2', 'A-201', 'test')", {"i": installation_id})
        cur.execute("""INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, valid_from, valid_until) VALUES
            (1, 1, 'Anne', 'anne@example.org', DATE '2024-01-01', NULL),
            (2, 1, 'Bjørn', 'bjorn@example.org', DATE '2024-06-01', NULL),
            (3, 2, 'Selma', 'selma@example.org', DATE '2020-01-01', $sale),
            (4, 2, 'Kjell', 'kjell@example.org', $sale, NULL),
            (5, 3, $nabo, 'ola@example.org', DATE '2020-01-01', NULL)""", {"sale": SALE, "nabo": NABO_NAME})
        cur.execute("""INSERT INTO dwelling_members (dwelling_id, kind, member_id, valid_from, valid_until) VALUES
            (1, 'tag', 'Brikke H0101', DATE '2024-01-01', NULL),
            (1, 'user', 'u-anne', DATE '2024-01-01', NULL),
            (2, 'tag', 'Brikke H0102', DATE '2020-01-01', NULL),
            (2, 'user', 'u-selma', DATE '2020-01-01', $sale),
            (2, 'user', 'u-kjell', $sale, NULL),
            (2, 'station', 'chg-p2', DATE '2020-01-01', NULL),
            (3, 'tag', 'Brikke H0201', DATE '2020-01-01', NULL)""", {"sale": SALE})


@pytest.fixture
def coop(store, feeds, auth_file):
    records = [support.zaptec_record(sid, station=station, serial=station.upper(), station_name=station,
                                     user_id=user, user_name=user, email=user and f"{user[2:]}@example.org", tag=tag,
                                     start=start, minutes=240, kwh=kwh)
               for sid, station, user, tag, start, kwh in SESSIONS]
    ingest_file(store, feeds.zaptec(records, "solbakken.json"), installation=INSTALLATION)
    insert_register(store)
    tariffs.add_version(store, support.STYRET.username, date(2024, 1, 1), str(PRICE), monthly_fee=str(FEE))
    for username, email in (("anne", "anne@example.org"), ("bjorn", "bjorn@example.org"),
                            ("selma", "selma@example.org"), ("kjell", "kjell@example.org"),
                            ("nabo", "ola@example.org")):
        accounts.add_user(username, name=username.title(), email=email, role="resident",
                          password=f"{username}-passord-1", path=auth_file)
    accounts.add_user("parker", name="Parker", email="parker@example.org", role="charger_owner",
                      stations=["chg-p2"], password="parker-passord-1", path=auth_file)
    return store


def scope_of(store, auth_file, username: str) -> Scope:
    return accounts.scope_for(accounts.find_account(username, auth_file), store)


def line_keys(ds) -> set[tuple[str, str]]:
    return {(x.number, x.payer_name) for x in ds.lines if x.dwelling_id is not None}


def expected_amount(sessions: set[str]) -> Decimal:
    """A line's energy cost computed here: its kWh at the flat price (exact to the øre here)."""
    return sum((KWH[s] for s in sessions), Decimal(0)) * PRICE


# -- reading the files back --------------------------------------------------------------------------

def workbook_lines(data: bytes) -> tuple[dict[tuple[str, str], tuple], list[tuple], list, openpyxl.Workbook]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    summary = book.worksheets[0]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    lines = {(r[0], r[3].removeprefix("'")): r for r in rows if r[0] in NUMBERS}  # ("'=…": kept text)
    total = next((r for r in rows if r[0] == "Total"), None)
    return lines, rows, total, book


def csv_lines(text: str) -> tuple[dict[tuple[str, str], dict], list[dict]]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return {(r["dwelling"], r["payer"]): r for r in rows if r["dwelling"] in NUMBERS}, rows


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\xa0", " ")


def money(amount: Decimal) -> str:
    """An amount as a statement prints it in English (NOK 63.22; the PDF's text has plain spaces)."""
    return formats.money(amount, "NOK").replace("\xa0", " ")


def all_cells(book) -> str:
    return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for c in row if c is not None)


# -- the system owner ----------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["by_ownership", "owner_at_end"])
def test_the_system_owner_sees_every_line_in_the_app_and_in_each_file(coop, auth_file, rule):
    styret = scope_of(coop, auth_file, "styret")
    ds = dwelling_statements(coop, styret, *MARCH, rule)
    assert line_keys(ds) == set(LINES[rule])
    for x in ds.lines:
        if x.dwelling_id is not None:
            sessions = LINES[rule][(x.number, x.payer_name)]
            assert x.sessions == len(sessions)
            assert x.energy_wh == int(sum((KWH[s] for s in sessions), Decimal(0)) * 1000)
            assert x.energy_cost == expected_amount(sessions)
            assert x.fixed_fee == (FEE if (x.number, x.payer_name) != ("H0102", "Selma") else 0)
            assert abs(x.vat - x.amount * Decimal("0.2")) < Decimal("0.01")  # 25 % inside: a fifth
    assert ds.vat == (ds.total * Decimal("0.2")).quantize(Decimal("0.01"))  # rounded once over the lines
    nowhere = [x for x in ds.lines if x.dwelling_id is None]
    assert len(nowhere) == 1 and nowhere[0].sessions == 1 and nowhere[0].energy_wh == 1000

    data, name = dx.workbook(coop, styret, ds, log=False)
    assert name.endswith(".xlsx") and "_all_" in name
    lines, rows, total, book = workbook_lines(data)
    assert set(lines) == set(LINES[rule])
    for x in ds.lines:
        if x.dwelling_id is not None:
            r = lines[(x.number, x.payer_name)]
            assert (r[5], Decimal(str(r[9])), Decimal(str(r[10]))) == (x.sessions, x.amount, x.vat)
    # the total row is the dwellings' lines to the øre; the "no dwelling" group is listed below it, not in it
    assert Decimal(str(total[9])) == ds.total == sum((Decimal(str(r[9])) for r in lines.values()), Decimal(0))
    assert Decimal(str(total[10])) == ds.vat
    assert any(r[0] == dx._(dx.NO_DWELLING) for r in rows[rows.index(total):])
    # a sheet per line (and the no-dwelling group's), each adding up to its line
    assert len(book.worksheets) == 1 + len(ds.lines) + 1
    for sheet in book.worksheets[1:-1]:
        body = list(sheet.iter_rows(values_only=True))
        totals = next(r for r in body if isinstance(r[0], str) and r[0].startswith("Total"))
        sessions = [r for r in body if isinstance(r[0], datetime)]
        fee = [r for r in body if isinstance(r[0], str) and r[0].startswith("Fixed monthly fee")]
        assert sum(Decimal(str(r[3])) for r in sessions + fee) == Decimal(str(totals[3]))
    # formula-safe: the owner named "=Ola Nabo" is text, never a formula
    cell = next(c for row in book.worksheets[0].iter_rows() for c in row if c.value == f"'{NABO_NAME}")
    assert cell.data_type == "s"
    assert not [c for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]

    text, csv_name = dx.csv_text(coop, styret, ds, log=False, dialect="rfc4180")
    assert csv_name.endswith(".csv")
    by_key, csv_rows = csv_lines(text)
    assert {(k[0], k[1].lstrip("'")) for k in by_key} == set(LINES[rule])
    assert f"'{NABO_NAME}" in text and f",{NABO_NAME}," not in text
    total_row = next(r for r in csv_rows if r["dwelling"] == "Total")
    assert Decimal(total_row["amount"]) == ds.total == sum((Decimal(r["amount"]) for r in by_key.values()),
                                                           Decimal(0))
    assert Decimal(total_row["vat"]) == ds.vat
    assert csv_rows[-1]["dwelling"] == dx._(dx.NO_DWELLING)

    data, pdf_name = dx.pdf_file(coop, styret, ds, log=False)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(ds.lines)  # one page per line here
    printed = pdf_text(data)
    for number, payer in LINES[rule]:
        assert number in printed and payer in printed
    for x in ds.lines:  # each statement's total to pay and its VAT, to the øre
        assert money(x.amount) in printed
        assert statements.money_text(x.vat, ds.currency).replace("\xa0", " ") in printed
    for share in ("A-101", "A-102", "A-201"):
        assert f"Share number: {share}" in printed
    assert "What the lines mean" in printed and "Of which VAT" in printed


def test_the_norwegian_excel_csv_adds_up_to_the_ore(coop, auth_file):
    styret = scope_of(coop, auth_file, "styret")
    ds = dwelling_statements(coop, styret, *MARCH, "by_ownership")
    from chargeboard import i18n  # noqa: PLC0415

    with i18n.language("nb"):
        text, _name = dx.csv_text(coop, styret, ds, log=False, dialect="excel-nb")
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    amount = header.index("Beløp inkl. mva.")
    billed = [r for r in body if r[0] in NUMBERS]
    total = next(r for r in body if r[0] == "Totalt")
    as_decimal = lambda v: Decimal(v.replace(",", "."))  # noqa: E731
    assert as_decimal(total[amount]) == sum((as_decimal(r[amount]) for r in billed), Decimal(0)) == ds.total


# -- residents, the neighbour, a charger owner -------------------------------------------------------------

@pytest.mark.parametrize("rule", ["by_ownership", "owner_at_end"])
@pytest.mark.parametrize("username", ["anne", "bjorn", "selma", "kjell", "nabo"])
def test_a_resident_sees_only_their_own_lines_in_the_app_and_in_every_file(coop, auth_file, username, rule):
    scope = scope_of(coop, auth_file, username)
    ds = dwelling_statements(coop, scope, *MARCH, rule)
    mine = SEES[rule][username]
    assert line_keys(ds) == mine
    assert all(x.dwelling_id is not None for x in ds.lines)  # never the "no dwelling" group
    # the amounts are the system owner's lines', to the øre (priced over everyone, then narrowed)
    everyone = {(x.number, x.payer_name): x for x in dwelling_statements(coop, scope_of(coop, auth_file, "styret"),
                                                                         *MARCH, rule).lines}
    assert {(x.number, x.payer_name): (x.amount, x.vat) for x in ds.lines} == \
        {k: (everyone[k].amount, everyone[k].vat) for k in mine}
    seen_sessions = {s.session_id for s, _payer in ds.sessions}
    assert seen_sessions == set().union(*(LINES[rule][k] for k in mine))
    others_numbers = set(NUMBERS) - {n for n, _p in mine}
    others_payers = set(PAYERS) - {p for _n, p in mine}

    data, name = dx.workbook(coop, scope, ds, log=False)
    assert username in name
    lines, rows, total, book = workbook_lines(data)
    assert set(lines) == mine and total is None
    cells = all_cells(book)
    for number in others_numbers:
        assert number not in cells, number
    if rule == "by_ownership":  # (owner_at_end: the buyer's file names the seller among the period's owners)
        for payer in others_payers:
            assert payer not in cells, payer
    for x in ds.lines:
        assert Decimal(str(lines[(x.number, x.payer_name)][9])) == x.amount

    text, _name = dx.csv_text(coop, scope, ds, log=False)
    by_key, csv_rows = csv_lines(text)
    assert {(k[0], k[1].lstrip("'")) for k in by_key} == mine and len(csv_rows) == len(mine)
    for number in others_numbers:
        assert number not in text
    assert sum((Decimal(r["amount"]) for r in csv_rows), Decimal(0)) == ds.total

    if not mine:
        with pytest.raises(Exception, match="no statement to print"):
            dx.pdf_file(coop, scope, ds, log=False)
        return
    data, _name = dx.pdf_file(coop, scope, ds, log=False)
    printed = pdf_text(data)
    for number in others_numbers:
        assert number not in printed
    for x in ds.lines:
        assert x.number in printed and money(x.amount) in printed


def test_a_charger_owner_and_an_unlinked_resident_see_no_dwelling_line(coop, auth_file):
    parker = scope_of(coop, auth_file, "parker")
    kari = Scope("kari", "resident", user_ids=("u-anne",))  # a feed user of the dwelling, but no owner
    for scope in (parker, kari):
        with pytest.raises(BillingError, match="only the system owner"):
            dwelling_statements(coop, scope, *MARCH, "by_ownership")
        with pytest.raises(BillingError):
            dx.page(coop, scope, *MARCH, "by_ownership", "rfc4180")
        assert dx.views(coop, scope) == ()
    assert dx.views(coop, scope_of(coop, auth_file, "styret")) == ("user", "dwelling")
    assert dx.views(coop, scope_of(coop, auth_file, "kjell")) == ("dwelling", "user")


def test_a_resident_cannot_choose_the_payer_rule(coop, auth_file):
    kjell = scope_of(coop, auth_file, "kjell")
    assert dx.page_payer_rule(coop, kjell, "by_ownership") == "owner_at_end"  # the board's (the default)
    assert dx.page_payer_rule(coop, scope_of(coop, auth_file, "styret"), "by_ownership") == "by_ownership"


def test_the_files_are_logged_as_exports(coop, auth_file):
    scope = scope_of(coop, auth_file, "kjell")
    ds = dwelling_statements(coop, scope, *MARCH, "by_ownership")
    dx.workbook(coop, scope, ds)
    dx.csv_text(coop, scope, ds)
    dx.pdf_file(coop, scope, ds)
    with coop.cursor() as cur:
        logged = cur.execute("SELECT username, what, row_count FROM exports ORDER BY what").fetchall()
    assert [(u, w, n) for u, w, n in logged if w.startswith("Dwelling")] == [
        ("kjell", "Dwelling statements", 1), ("kjell", "Dwelling statements (CSV)", 1),
        ("kjell", "Dwelling statements (PDF)", 1)]


def test_the_csv_dialects_are_the_exports_own(coop, auth_file):
    styret = scope_of(coop, auth_file, "styret")
    ds = dwelling_statements(coop, styret, *MARCH, "by_ownership")
    for dialect in exports.CSV_DIALECTS:
        text, _name = dx.csv_text(coop, styret, ds, log=False, dialect=dialect)
        assert text.count("\n") == len(ds.lines) + 2  # header, the lines, the total row


# -- the page ------------------------------------------------------------------------------------------

@pytest.fixture
def dwelling_app(tmp_path, auth_template, monkeypatch):
    """The small co-op with one dwelling, H0307, of Kari's tag; Nina owns it from 1 March 2025."""
    from conftest import serve_in_app  # noqa: PLC0415

    db = support.build_coop_db(tmp_path)
    store = Store(db)
    with store.cursor() as cur:
        installation_id = cur.execute("SELECT installation_id FROM installations").fetchone()[0]
        cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, share_number, created_by) "
                    "VALUES (7, ?, 'H0307', 'S-37', 'test')", [installation_id])
        cur.execute("INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, valid_from) "
                    "VALUES (9, 7, 'Nina', 'nina@example.org', DATE '2025-03-01')")
        cur.execute("INSERT INTO dwelling_members VALUES (7, 'tag', ?, DATE '2020-01-01', NULL)", [support.KARI.tag])
    tariffs.add_version(store, support.STYRET.username, date(2024, 1, 1), "2.00", monthly_fee="25")
    store.close()
    env = yield from serve_in_app(db, auth_template, tmp_path, monkeypatch)
    return env


@pytest.fixture(autouse=True)
def _in_april(monkeypatch, request):
    """The page opens on "Last month": March 2025 (after serve_in_app, which sets its own today)."""
    if "dwelling_app" in request.fixturenames:
        request.getfixturevalue("dwelling_app")
        monkeypatch.setenv("CHARGEBOARD_TODAY", "2025-04-15")


def test_the_system_owner_switches_to_statements_per_dwelling(dwelling_app):
    from test_app import page_as, texts  # noqa: PLC0415

    at = page_as(support.STYRET, "statements")
    at.selectbox(key="period").select("Last month").run()  # March 2025
    switch = at.radio(key="stmt_view")
    assert switch.value == "user" and list(switch.options) == ["Per user", "Per dwelling"]
    assert "Kari Nordmann" in set(at.dataframe[0].value["name"])  # per user, as before
    switch.set_value("dwelling").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["dwelling"]) == ["H0307"] and list(table["payer"]) == ["Nina"]
    assert float(table["amount"].iloc[0]) == pytest.approx(5.5 * 2 + 25)
    shown = texts(at.main)
    assert "belong to no dwelling" in shown  # Eve's and the guests' March sessions
    assert at.selectbox(key="stmt_payer_rule").value == "owner_at_end"
    labels = {b.label for b in at.get("download_button")}
    assert {"Download as Excel", "Download as CSV", "Download as PDF"} <= labels


def test_a_linked_resident_opens_on_their_dwelling_and_can_switch_to_per_user(dwelling_app):
    from test_app import page_as, texts  # noqa: PLC0415

    nina = support.Login("nina", "nina-passord-1", "Nina", "resident", "nina@example.org")
    accounts.add_user(nina.username, name=nina.name, email=nina.email, role=nina.role, password=nina.password,
                      path=Path(dwelling_app["CHARGEBOARD_AUTH"]))
    at = page_as(nina, "statements")
    at.selectbox(key="period").select("Last month").run()  # March 2025
    assert at.radio(key="stmt_view").value == "dwelling"
    table = at.dataframe[0].value
    assert list(table["dwelling"]) == ["H0307"]
    assert "belong to no dwelling" not in texts(at.main)          # the system owner's alone
    assert not [s for s in at.selectbox if s.key == "stmt_payer_rule"]  # the board's rule, not hers to choose
    at.radio(key="stmt_view").set_value("user").run()
    assert not at.exception, at.exception
    assert "No charging in this period" in texts(at.main)        # Nina has no feed user of her own


def test_an_unlinked_resident_sees_no_switch(dwelling_app):
    from test_app import page_as  # noqa: PLC0415

    at = page_as(support.RESIDENT, "statements")
    assert not [r for r in at.radio if r.key == "stmt_view"]


def test_many_lines_print_their_pdf_when_asked(dwelling_app, monkeypatch):
    from test_app import page_as  # noqa: PLC0415

    monkeypatch.setattr(dx, "PDF_WITH_PAGE", 0)  # every statement counts as "many"
    at = page_as(support.STYRET, "statements")
    at.selectbox(key="period").select("Last month").run()
    at.radio(key="stmt_view").set_value("dwelling").run()
    assert "Download as PDF" not in {b.label for b in at.get("download_button")}
    at.button(key="stmt_dwelling_pdf_prepare").click().run()
    assert not at.exception, at.exception
    assert "Download as PDF" in {b.label for b in at.get("download_button")}
