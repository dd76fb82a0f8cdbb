"""Issue 30, item 4: the files for whoever collects the money, made from a closed billing run — the business
manager's list and Tripletex's order import read back with the csv module, the invoices (numbers, KID,
PDF read back with pypdf), the KID and account-number checks against published examples, and the
billing settings. The closed runs are written straight into the store (write_run), as runs.py would."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from chargeboard import cli, exports, i18n
from chargeboard.billing import billing_settings, files, invoices, kid, model
from chargeboard.scope import Scope, system_scope

# -- a closed run, written as runs.py writes one ------------------------------------------------------

ACCOUNT = "12345678903"  # norwegian-numbers' documented makeAccountNumber('1234567890') (see below)
RESIDENT = Scope(username="kari", role="resident", user_ids=("u-kari",))


def _dwelling(cur, dwelling_id: int, number: str, section: str | None, share: str | None) -> None:
    cur.execute("INSERT INTO dwellings (dwelling_id, installation_id, number, section_number, share_number, "
                "created_by) VALUES (?, 'garage', ?, ?, ?, 'test') ON CONFLICT DO NOTHING",
                [dwelling_id, number, section, share])


def _owner(cur, owner_id: int, dwelling_id: int, name: str, *, email=None, customer=None, language=None) -> None:
    cur.execute("INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, customer_number, language, "
                "valid_from) VALUES (?, ?, ?, ?, ?, ?, DATE '2020-01-01') ON CONFLICT DO NOTHING",
                [owner_id, dwelling_id, name, email, customer, language])


def write_run(store, run_id: int, period: tuple[date, date], lines: list[dict], *,
              closed_at: str = "2026-12-01 23:30:00+00") -> None:
    """A closed run with its lines; each line: dwelling (id, number, section, share), owner (id, name, …)
    or None, amount, vat, wh, text, kind, days."""
    with store.transaction() as cur:
        cur.execute("INSERT INTO installations (installation_id, name, time_zone) VALUES ('garage', 'Garasjen', "
                    "'Europe/Oslo') ON CONFLICT DO NOTHING")
        cur.execute("INSERT INTO billing_runs (run_id, kind, period_from, period_to, payer_rule, minimum_amount, "
                    "currency, closed_at, closed_by, tariff_versions, price_sources) VALUES (?, 'regular', ?, ?, "
                    "'owner_at_end', 0, 'NOK', ?::TIMESTAMPTZ, 'styret', '[]', '[]')",
                    [run_id, period[0], period[1], closed_at])
        for line_no, line in enumerate(lines, start=1):
            dwelling_id, number, section, share = line["dwelling"]
            _dwelling(cur, dwelling_id, number, section, share)
            owner = line.get("owner")
            if owner:
                _owner(cur, owner["id"], dwelling_id, owner["name"], email=owner.get("email"),
                       customer=owner.get("customer"), language=owner.get("language"))
            day_from, day_to = line.get("days", period)
            cur.execute("INSERT INTO billing_run_lines (run_id, line_no, dwelling_id, payer_owner_id, kind, day_from, "
                        "day_to, session_count, energy_wh, amount, vat, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, line_no, dwelling_id, owner["id"] if owner else None, line.get("kind", "period"),
                         day_from, day_to, line.get("sessions", 1), line["wh"], Decimal(line["amount"]),
                         Decimal(line["vat"]), line.get("text", "")])


NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
H0101 = (1, "H0101", "7", "101")
H0102 = (2, "H0102", "8", "102")
H0201 = (3, "=HYPERLINK(\"http://x\")", None, "-3")     # a number typed into the register as a formula
KARI = {"id": 11, "name": "Kari Nordmann", "email": "kari@example.org", "customer": "1001", "language": "nb"}
OLA = {"id": 12, "name": "Ola Normann", "email": "ola@example.org", "customer": "1002", "language": "en"}
EVIL = {"id": 13, "name": "@SUM(1+1)*cmd|' /C calc'!A0", "customer": "+47", "email": "-x@example.org"}


def november_run(store, run_id: int = 1) -> model.Run:
    write_run(store, run_id, NOVEMBER, [
        {"dwelling": H0101, "owner": KARI, "amount": "312.50", "vat": "62.50", "wh": 123_456, "text": "Lading november"},
        {"dwelling": H0101, "owner": KARI, "amount": "10.01", "vat": "2.00", "wh": 4_000, "kind": "late",
         "days": (date(2026, 10, 1), date(2026, 10, 31)), "text": "Sene økter oktober"},
        {"dwelling": H0102, "owner": OLA, "amount": "99.99", "vat": "20.00", "wh": 40_001, "text": ""},
        {"dwelling": H0201, "owner": EVIL, "amount": "0.01", "vat": "0.00", "wh": 1, "text": "=1+2"},
    ])
    return model.load(store, run_id)


def read_csv(data: bytes, *, one_line_texts: bool = True) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, as Norwegian Excel opens it
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and (not one_line_texts or "\n" not in text.replace("\r\n", ""))
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


# -- the business manager's list ----------------------------------------------------------------------

def test_the_business_managers_list_reads_back_as_the_runs_dwellings_and_payers(store):
    run = november_run(store)
    rows = read_csv(files.manager_csv(run, "nb"))
    assert rows[0] == ["Bolig", "Seksjonsnummer", "Andelsnummer", "Eier", "Kundenummer", "Periode", "kWh",
                       "Beløp inkl. mva.", "Mva.", "Tekst"]
    body = rows[1:]
    assert len(body) == len(run.billed()) == 3  # one row per (dwelling, payer): H0101's two lines are one row
    kari = body[0]
    assert kari[:6] == ["H0101", "7", "101", "Kari Nordmann", "1001", "01.11.2026–30.11.2026"]
    assert kari[6] == "127,456" and kari[7] == "322,51" and kari[8] == "64,50"
    assert kari[9] == "Lading november / Sene økter oktober"
    assert body[1][9] == "Lading 01.11.2026–30.11.2026"  # no text stored: the default line text
    # every amount adds up to the run's total, to the øre; every Wh is there
    assert sum(amount(r[7]) for r in body) == run.total == Decimal("422.51")
    assert sum(amount(r[6]) for r in body) * 1000 == sum(x.energy_wh for x in run.lines)
    with i18n.language("en"):
        english = read_csv(files.manager_csv(run, "en"))
    assert english[0][:3] == ["Dwelling", "Section number", "Share number"] and english[1][7] == "322,51"


def test_no_cell_of_either_file_starts_a_formula(store):
    run = november_run(store)
    for data in (files.manager_csv(run), files.tripletex_csv(run, date(2026, 12, 2))):
        for row in read_csv(data)[1:]:
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (cell, row)
    evil = read_csv(files.manager_csv(run))[3]
    assert evil[0] == "'=HYPERLINK(\"http://x\")" and evil[2] == "'-3" and evil[3].startswith("'@SUM")
    assert evil[4] == "'+47" and evil[9] == "'=1+2"


def test_exporting_a_closed_run_again_gives_the_same_bytes(store):
    run = november_run(store)
    scope = system_scope()
    billing_settings.save(store, scope, account_number=ACCOUNT)
    first = {fmt: files.export(store, scope, 1, fmt)[0] for fmt in files.FORMATS}
    again = {fmt: files.export(store, scope, 1, fmt)[0] for fmt in files.FORMATS}
    assert first == again
    assert files.manager_csv(run) == files.manager_csv(model.load(store, 1))
    names = zipfile.ZipFile(io.BytesIO(first["invoices"])).namelist()
    assert names == ["invoice_1_h0101.pdf", "invoice_2_h0102.pdf", "invoice_3_hyperlink-http-x.pdf"]


# -- Tripletex ----------------------------------------------------------------------------------------

def test_the_tripletex_order_import_reads_back_as_the_runs_lines(store):
    run = november_run(store)
    closed_on = invoices.close_day(store, 1)
    assert closed_on == date(2026, 12, 2)  # 23:30 UTC on 1 December is 00:30 on the 2nd in Oslo
    rows = read_csv(files.tripletex_csv(run, closed_on))
    assert rows[0] == list(files.TRIPLETEX_COLUMNS)
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert len(body) == len(run.lines) == 4
    assert [r["ORDER NO"] for r in body] == ["100001", "100001", "100002", "100003"]
    assert {r["ORDER DATE"] for r in body} == {"2026-12-02"}
    assert body[0]["CUSTOMER NO"] == "1001" and body[0]["CUSTOMER NAME"] == "Kari Nordmann"
    assert body[0]["CUSTOMER EMAIL"] == "kari@example.org"
    assert body[0]["ORDER LINE - DESCRIPTION"] == "H0101: Lading november"
    # unit price excl. VAT, count 1: price + VAT = the line's amount incl. VAT, to the øre
    for row, line in zip(body, run.lines, strict=True):
        assert row["ORDER LINE - COUNT"] == "1"
        assert amount(row["ORDER LINE - UNIT PRICE"]) + line.vat == line.amount
        assert row["ORDER LINE - VAT CODE"] == ("3" if line.vat else "0")
    assert body[0]["ORDER LINE - UNIT PRICE"] == "250,00"


def test_a_text_with_the_separator_stays_in_its_column(store):
    write_run(store, 5, NOVEMBER, [{"dwelling": H0101, "owner": {**KARI, "name": "Kari; Nordmann\nAS"},
                                    "amount": "1.25", "vat": "0.25", "wh": 10, "text": "a;b"}])
    rows = read_csv(files.tripletex_csv(model.load(store, 5), date(2026, 12, 2)))
    assert len(rows[1]) == len(files.TRIPLETEX_COLUMNS)
    assert rows[1][3] == "Kari, Nordmann AS" and rows[1][5] == "H0101: a,b"
    assert rows[1][0] == "500001"


# -- KID and account numbers --------------------------------------------------------------------------

# Published examples: the open-source norwegian-numbers (github.com/Ondkloss/norwegian-numbers.js,
# README and test/norwegian-numbers.spec.ts): makeKidNumber('1234') = '12344', makeKidNumber('234567') =
# '2345676', makeKidNumber('0') = '00' (MOD10); MOD11: '1234567890' -> '12345678903', '31' -> '310',
# '40' -> '40-' (remainder 1: the check is '-'); makeAccountNumber('1234567890') = '12345678903', and
# '0000002001' has no account number (remainder 1). Monitor ERP's KID help
# (help.monitorerp.com, "Getting started with KID numbers"): invoice 60224 has the MOD10 KID 602243.
# no-data-validator (github.com/glennwedin/no-data-validator, README): KID 2707841373001170014 is valid (its
# check digit is MOD11's; MOD10 would end it in 0).
@pytest.mark.parametrize(("valid", "method"), [
    ("12344", kid.MOD10), ("2345676", kid.MOD10), ("00", kid.MOD10), ("602243", kid.MOD10),
    ("2707841373001170014", kid.MOD11),
    ("12345678903", kid.MOD11), ("310", kid.MOD11), ("40-", kid.MOD11), ("12343", kid.MOD11),
])
def test_published_kids_are_valid(valid, method):
    assert kid.is_valid(valid, method)
    assert kid.check(valid[:-1], method) == valid[-1]


@pytest.mark.parametrize(("invalid", "method"), [
    ("12345", kid.MOD10), ("2345677", kid.MOD10), ("40-", kid.MOD10), ("1", kid.MOD10), ("12a44", kid.MOD10),
    ("1" * 26, kid.MOD10), ("12344", kid.MOD11), ("400", kid.MOD11), ("12345678904", kid.MOD11), ("", kid.MOD11),
    ("12344", "mod97"),
])
def test_wrong_kids_are_not(invalid, method):
    assert not kid.is_valid(invalid, method)


def test_every_single_typo_in_a_made_kid_is_caught():
    for method in kid.METHODS:
        made = kid.make(4711, method=method)
        assert len(made) == kid.INVOICE_DIGITS + 1 and kid.is_valid(made, method)
        for place in range(len(made) - 1):
            for digit in "0123456789":
                if digit != made[place]:
                    assert not kid.is_valid(made[:place] + digit + made[place + 1:], method), (method, place, digit)


def test_a_kid_has_a_fixed_length_and_the_layout_with_the_customer_number():
    assert kid.make(1) == "000000018" and kid.make(99_999_999)[:-1] == "99999999"
    with_customer = kid.make(1, "1001", method=kid.MOD11, layout=kid.LAYOUT_CUSTOMER_INVOICE)
    assert with_customer[:-1] == "00100100000001" and len(with_customer) == 15
    assert kid.is_valid(with_customer, kid.MOD11)
    for bad in (dict(invoice_number=0), dict(invoice_number=10 ** 8),
                dict(invoice_number=1, customer_number="AB12", layout=kid.LAYOUT_CUSTOMER_INVOICE),
                dict(invoice_number=1, customer_number=None, layout=kid.LAYOUT_CUSTOMER_INVOICE),
                dict(invoice_number=1, customer_number="1234567", layout=kid.LAYOUT_CUSTOMER_INVOICE),
                dict(invoice_number=1, method="mod97")):
        with pytest.raises(kid.KidError):
            kid.make(**bad)
    # MOD11 with remainder 1 gives '-': found among the first invoice numbers, and valid
    dashed = next(kid.make(n, method=kid.MOD11) for n in range(1, 100) if kid.make(n, method=kid.MOD11)[-1] == "-")
    assert kid.is_valid(dashed, kid.MOD11) and not kid.is_valid(dashed, kid.MOD10)


@pytest.mark.parametrize(("number", "valid"), [
    ("12345678903", True), ("1234 56 78903", True), ("1234.56.78903", True),
    ("12345678904", False), ("1234567890", False), ("123456789031", False), ("0000002001-", False),
    ("00000020010", False),  # '0000002001' has remainder 1: no check digit, no account
    ("abcdefghijk", False), ("", False),
])
def test_account_numbers_are_mod11_checked(number, valid):
    assert kid.is_valid_account_number(number) is valid


# -- billing settings ---------------------------------------------------------------------------------

def test_billing_settings_are_the_system_owners_checked_and_logged(store):
    assert billing_settings.read(store) == billing_settings.BillingSettings()
    owner = system_scope()
    with pytest.raises(billing_settings.BillingSettingsError, match="only the system owner"):
        billing_settings.save(store, RESIDENT, account_number=ACCOUNT)
    for bad in (dict(account_number="12345678904"), dict(kid_method="mod97"), dict(due_days="-1"),
                dict(due_days="400"), dict(vat_rate="125"), dict(minimum_amount="-1"), dict(minimum_amount="1.234"),
                dict(payer_rule="whoever"), dict(line_text="two\nlines"), dict(kid_layout="x"), dict(colour="red")):
        with pytest.raises(billing_settings.BillingSettingsError):
            billing_settings.save(store, owner, **bad)
    assert billing_settings.changes(store) == []
    saved = billing_settings.save(store, owner, by="styret", account_number="1234 56 78903", kid_method="mod11",
                                  due_days="20", vat_rate="25", minimum_amount="100", line_text="Lading {period}")
    assert (saved.account_number, saved.kid_method, saved.due_days, saved.vat_rate, saved.minimum_amount) == \
        (ACCOUNT, "mod11", 20, Decimal("0.2500"), Decimal("100.00"))
    assert billing_settings.read(store) == saved and saved.updated_by == "styret"
    details = sorted(detail for _at, by, detail in billing_settings.changes(store) if by == "styret")
    assert details == ["account_number: (none) -> 12345678903", "due_days: 14 -> 20",
                       "kid_method: mod10 -> mod11", "line_text: (none) -> Lading {period}",
                       "minimum_amount: 0.00 -> 100.00"]  # the VAT rate was already 25 %
    billing_settings.save(store, owner, due_days=20)  # no change: nothing logged
    assert len(billing_settings.changes(store)) == 5


# -- invoices -----------------------------------------------------------------------------------------

def test_invoices_are_issued_once_per_dwelling_and_never_reuse_a_number(store):
    owner = system_scope()
    november_run(store, 1)
    with pytest.raises(invoices.InvoiceError, match="account number"):
        invoices.issue(store, owner, 1)
    billing_settings.save(store, owner, account_number=ACCOUNT, due_days=14)
    with pytest.raises(invoices.InvoiceError, match="system owner"):
        invoices.issue(store, RESIDENT, 1)
    first = invoices.issue(store, owner, 1, by="styret")
    assert [i.invoice_number for i in first] == [1, 2, 3]
    assert [i.amount for i in first] == [Decimal("322.51"), Decimal("99.99"), Decimal("0.01")]
    assert {(i.invoice_date, i.due_date) for i in first} == {(date(2026, 12, 2), date(2026, 12, 16))}
    assert all(kid.is_valid(i.kid, kid.MOD10) and int(i.kid[:-1]) == i.invoice_number for i in first)
    assert invoices.issue(store, owner, 1) == first  # idempotent: a double click issues nothing new
    # a number taken by a transaction that failed is never handed out again
    billing_settings.save(store, owner, kid_method="mod11", kid_layout="customer_invoice")
    write_run(store, 2, (date(2026, 12, 1), date(2026, 12, 31)), [
        {"dwelling": H0101, "owner": KARI, "amount": "50.00", "vat": "10.00", "wh": 20_000},
        {"dwelling": H0102, "owner": {**OLA, "id": 14, "customer": None}, "amount": "20.00", "vat": "4.00", "wh": 1}])
    with pytest.raises(invoices.InvoiceError, match="H0102: customer number"):
        invoices.issue(store, owner, 2)
    assert invoices.of_run(store, 2) == []
    billing_settings.save(store, owner, kid_layout="invoice")
    second = invoices.issue(store, owner, 2)
    numbers = [i.invoice_number for i in second]
    assert min(numbers) > 3 and len(set(numbers)) == 2  # after every number already handed out, never reused
    assert all(kid.is_valid(i.kid, kid.MOD11) for i in second)
    all_numbers = [i.invoice_number for run in (1, 2) for i in invoices.of_run(store, run)]
    assert len(all_numbers) == len(set(all_numbers)) == 5


def test_the_invoice_pdf_reads_back_with_number_kid_account_and_amounts(store):
    owner = system_scope()
    run = november_run(store)
    billing_settings.save(store, owner, account_number=ACCOUNT)
    issued = invoices.issue(store, owner, 1)
    data = invoices.invoice_pdf(store, run, issued[0])
    assert data == invoices.invoice_pdf(store, run, issued[0])  # the same bytes again
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    # Kari reads Norwegian
    for part in ("Faktura", "Fakturanummer: 1", "02.12.2026", "16.12.2026", "1234 56 78903", issued[0].kid,
                 "H0101", "101", "Kari Nordmann", "322,51", "64,50", "258,01", "Lading november",
                 "Sene økter oktober"):
        assert part in text, part
    ola = invoices.invoice_pdf(store, run, issued[1])
    english = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(ola)).pages)
    assert "Invoice number: 2" in " ".join(english.split()) and "99.99" in english and issued[1].kid in english
    # a later change of the account does not change an issued invoice
    billing_settings.save(store, owner, account_number="86011117947")
    assert invoices.invoice_pdf(store, run, issued[0]) == data


def test_a_dwelling_sold_in_the_run_gets_one_invoice_per_payer(store):
    owner = system_scope()
    billing_settings.save(store, owner, account_number=ACCOUNT)
    write_run(store, 3, NOVEMBER, [
        {"dwelling": H0101, "owner": KARI, "amount": "50.00", "vat": "10.00", "wh": 20_000},
        {"dwelling": H0101, "owner": OLA, "amount": "20.00", "vat": "4.00", "wh": 1}])
    issued = invoices.issue(store, owner, 3)
    assert [(i.payer_owner_id, i.amount) for i in issued] == [(KARI["id"], Decimal("50.00")), (OLA["id"], Decimal("20.00"))]
    assert len({i.invoice_number for i in issued}) == 2 and len({i.kid for i in issued}) == 2
    assert invoices.issue(store, owner, 3) == issued  # idempotent per dwelling and payer


# -- the command line ---------------------------------------------------------------------------------

def test_billing_export_and_settings_on_the_command_line(store, db_path, tmp_path, capsys):
    november_run(store)
    expected = files.manager_csv(model.load(store, 1), "en")
    store.close()
    out = tmp_path / "manager.csv"
    assert cli.main(["billing", "export", "--run", "1", "--format", "manager", "--out", str(out)]) == 0
    assert out.read_bytes() == expected
    assert cli.main(["billing", "export", "--run", "1", "--format", "invoices", "--out",
                     str(tmp_path / "i.zip")]) == 2
    assert "account number" in capsys.readouterr().err
    assert cli.main(["billing", "settings", "--account", "1234 56 78904"]) == 2
    assert "not a Norwegian account number" in capsys.readouterr().err
    assert cli.main(["billing", "settings", "--account", "1234 56 78903", "--kid-method", "mod11"]) == 0
    assert "1234 56 78903" in capsys.readouterr().out
    assert cli.main(["billing", "export", "--run", "1", "--format", "invoices", "--out",
                     str(tmp_path / "i.zip")]) == 0
    assert len(zipfile.ZipFile(tmp_path / "i.zip").namelist()) == 3
    assert cli.main(["billing", "export", "--run", "1", "--format", "tripletex"]) == 0
    assert capsys.readouterr().out.splitlines()[0].lstrip("\ufeff").startswith("ORDER NO;ORDER DATE")
    assert cli.main(["billing", "export", "--run", "9", "--format", "manager"]) == 2
    assert "no billing run 9" in capsys.readouterr().err


def test_billing_export_and_settings_are_handed_to_the_serving_app(db_path, tmp_path, capsys):
    """While the app holds the store, `billing export` and `billing settings` run inside it (cli.HANDED_OVER)."""
    from chargeboard import handover, settings  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    spool = handover.open_spool(settings.inbox_dir(db_path), create=True)
    store = Store(db_path, allowed_dirs=[spool.path])
    server = handover.start_server(store, spool, cli.HANDED_OVER, log=io.StringIO())
    try:
        run = november_run(store)
        out = tmp_path / "tripletex.csv"
        assert cli.main(["billing", "export", "--run", "1", "--format", "tripletex", "--out", str(out)]) == 0
        assert out.read_bytes() == files.tripletex_csv(run, date(2026, 12, 2))
        assert "the app is serving this store" in capsys.readouterr().err
        assert cli.main(["billing", "settings", "--account", "12345678903", "--due-days", "10"]) == 0
        said = capsys.readouterr()
        assert "1234 56 78903" in said.out and "the app is serving this store" in said.err
        assert billing_settings.read(store).due_days == 10  # written by the app, in its store
        assert cli.main(["billing", "export", "--run", "1", "--format", "invoices", "--out",
                         str(tmp_path / "invoices.zip")]) == 0
        assert [i.invoice_number for i in invoices.of_run(store, 1)] == [1, 2, 3]
    finally:
        store.close()
        server.thread.join(10)


def test_the_command_lines_choices_are_the_modules():
    assert cli.BILLING_FORMATS == files.FORMATS and cli.KID_METHODS == kid.METHODS
    assert cli.KID_LAYOUTS == kid.LAYOUTS and cli.PAYER_RULES == billing_settings.PAYER_RULES


def test_the_pages_download_is_the_exported_file_and_is_logged_on_click(store):
    november_run(store)
    owner = system_scope()
    got = files.download(store, owner, 1, "manager")
    assert (got.data, got.file_name, got.mime) == files.export(store, owner, 1, "manager", log=False)
    assert got.file_name == "chargeboard_run1_business_manager_2026-11-01_2026-11-30.csv" and got.rows == 3
    with pytest.raises(files.BillingFileError, match="system owner"):
        files.download(store, RESIDENT, 1, "tripletex")
    with pytest.raises(model.RunNotFound):
        files.download(store, owner, 99, "manager")
    with pytest.raises(files.BillingFileError, match="format"):
        files.download(store, owner, 1, "pdf")


# -- any run: both files read back as the run, cell by cell --------------------------------------------

_text = st.lists(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
                 | st.sampled_from(["=", "+", "-", "@", ";", '"', "\t", "\r\n", "æøå", " "]), max_size=6).map("".join)
_line = st.fixed_dictionaries({
    "dwelling": st.integers(1, 4), "owner": st.integers(0, 3),
    "amount": st.decimals(Decimal("-500"), Decimal("5000"), places=2),
    "wh": st.integers(0, 10 ** 7), "text": _text, "name": _text, "customer": _text,
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, min_size=1, max_size=12), run_id=st.integers(1, 10 ** 6))
def test_any_run_reads_back_from_both_files(store, lines, run_id):
    with store.transaction() as cur:
        for statement in ("DELETE FROM billing_runs", "DELETE FROM billing_run_lines", "DELETE FROM dwellings",
                          "DELETE FROM dwelling_owners"):
            cur.execute(statement)
    written = []
    for line in lines:
        d = line["dwelling"]
        owner = None if not line["owner"] else {"id": d * 10 + line["owner"], "name": line["name"] or "x",
                                                 "customer": line["customer"]}
        vat = (line["amount"] / 5).quantize(Decimal("0.01"))
        written.append({"dwelling": (d, f"H{d}{line['text'][:3]}", None, line["text"]), "owner": owner,
                        "amount": str(line["amount"]), "vat": str(vat), "wh": line["wh"], "text": line["text"]})
    write_run(store, run_id, NOVEMBER, written)
    run = model.load(store, run_id)
    groups = list(run.billed().values())

    manager = read_csv(files.manager_csv(run), one_line_texts=False)[1:]
    assert len(manager) == len(groups)
    for row, group in zip(manager, groups, strict=True):
        first = group[0]
        assert row[0] == exports.csv_safe(first.dwelling_number)
        assert row[2] == exports.csv_safe(first.share_number or "")
        assert row[3] == exports.csv_safe(first.payer.name if first.payer else "")
        assert row[4] == exports.csv_safe((first.payer.customer_number or "") if first.payer else "")
        assert amount(row[7]) == sum(x.amount for x in group) and amount(row[8]) == sum(x.vat for x in group)
        assert amount(row[6]) * 1000 == sum(x.energy_wh for x in group)
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for i, cell in enumerate(row) if i not in (7, 8))
    assert sum(amount(r[7]) for r in manager) == run.total

    tripletex = read_csv(files.tripletex_csv(run, date(2026, 12, 2)))[1:]
    assert len(tripletex) == len(run.lines)
    by_order = {}
    for row in tripletex:
        assert len(row) == len(files.TRIPLETEX_COLUMNS)
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for i, cell in enumerate(row) if i != 6)
        by_order.setdefault(row[0], []).append(amount(row[6]))
    assert len(by_order) == len(groups)
    for prices, group in zip(by_order.values(), groups, strict=True):
        assert prices == [x.amount - x.vat for x in group]
