"""Every line printed on a statement multiplies out and adds up: the PDF (read back with pdftotext),
the workbook (re-opened with openpyxl), the CSV (parsed back) and the rows the Statements page shows.

The rounding rule: a line that prints kWh and a unit price has an exact amount kWh x price (the kWh
are whole Wh, the energy that fell at that price); the printed amount is that rounded to the øre, up
or down (largest remainder, so that the lines add up exactly to their total): less than one øre from
kWh x price, never more. Every column of lines adds up exactly to the total printed under it.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import support
from costs_support import make_store, session

from chargeboard import i18n, pdf, statements, tariffs
from chargeboard.scope import system_scope

ORE = Decimal("0.01")
FEB_MAR = statements.StatementRequest(date(2026, 2, 1), date(2026, 3, 31))
NUMBER = r"-?\d{1,3}(?:[\u00a0\u202f ]\d{3})*,\d+"  # 1 234,567 in Norwegian


def evening(day: str, hours: list[float]) -> list[tuple[str, float]]:
    """Hourly EnergyDetails from 17:00 on `day`, one value an hour."""
    start = datetime.fromisoformat(f"{day}T17:00:00")
    return [((start + timedelta(hours=i)).isoformat(), e) for i, e in enumerate(hours)]


@pytest.fixture
def store(tmp_path):
    """Band tariffs that change on 1 March (prices, bands and the monthly fee), sessions down every
    pricing path: one price, evenly over a band edge, hourly readings charging fast at first (so the
    energy in the cheap night hours is far from an even spread), across the new tariff's first day,
    across the DST change, and open charging."""
    s = make_store(tmp_path, [
        session("k1", "kari", "ST1", "2026-02-05T18:10:00", "2026-02-06T06:50:00", 31.337),
        session("k2", "kari", "ST1", "2026-02-28T21:07:00", "2026-03-01T01:13:00", 12.345),
        session("k3", "kari", "ST2", "2026-03-28T23:30:00", "2026-03-29T05:10:00", 17.777),
        # short day sessions of 0.753 kWh: each costs 1.00397, so rounded one by one they lose 0.03
        *[session(f"kd{d}", "kari", "ST1", f"2026-02-{d:02d}T10:00:00", f"2026-02-{d:02d}T11:00:00", 0.753)
          for d in range(12, 20)],
        session("k4", "kari", "ST1", "2026-03-10T17:00:00", "2026-03-11T01:00:00", 20.0,
                details=evening("2026-03-10", [7.4, 7.1, 3.3, 1.2, 0.6, 0.25, 0.1, 0.05])),
        session("o1", "ola", "ST2", "2026-02-10T17:00:00", "2026-02-11T07:00:00", 40.0,
                details=evening("2026-02-10", [11.1, 11.0, 10.9, 4.4, 1.3, 0.8, 0.3, 0.2] + [0.0] * 6)),
        session("o2", "ola", "ST2", "2026-03-12T16:30:00", "2026-03-12T21:45:00", 15.5),
        session("p1", "per", "ST1", "2026-03-03T06:00:00", "2026-03-03T07:00:00", 5.0),
        session("p2", "per", "ST2", "2026-02-20T19:01:00", "2026-02-21T08:59:00", 66.666),
        session("g1", None, "ST2", "2026-03-20T22:00:00", "2026-03-21T08:00:00", 9.999),
    ])
    tariffs.add_version(s, "styret", date(2026, 1, 1), "1.3333", monthly_fee="49",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "0.95"}])
    tariffs.add_version(s, "styret", date(2026, 3, 1), "1.85", monthly_fee="59",
                        bands=[{"from_hour": 22, "to_hour": 6, "price": "0.8"},
                               {"from_hour": 16, "to_hour": 20, "price": "2.5"}])
    yield s
    s.close()


def number(text: str) -> Decimal:
    return Decimal(re.sub(r"[\u00a0\u202f ]", "", text).replace(",", "."))


def assert_multiplies_out(kwh: Decimal, price: Decimal, amount: Decimal, what: str) -> None:
    assert abs(kwh * price - amount) < ORE, f"{what}: {kwh} kWh x {price} = {kwh * price}, printed {amount}"


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(data)
    return subprocess.run([shutil.which("pdftotext"), "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_every_pdf_line_multiplies_out_and_adds_up(store, tmp_path):
    """Each resident's PDF, read back as text: every "of which hours …" line's kWh x unit price is its
    amount to the øre, those lines add up to the charging line's kWh and amount, the sessions add up
    to their sum row and to the charging line, and the items add up to the total to pay.
    Breaks tried: the split by hours spreading each session's kWh evenly over its hours while the
    amounts follow the hourly readings (the code before this test: "herav timer 16–20, 7,500 kWh à
    2,50 kr/kWh" printed 21,55); each session's price rounded half up on its own instead of allocated
    to the line's energy cost (statements.session_costs): Kari's sessions no longer add up."""
    with i18n.language("nb"):
        st = statements.build_statements(store, system_scope(), FEB_MAR)
        band_lines = 0
        for line in st.lines:
            data, _name = pdf.statements_pdf(store, system_scope(), st, user_id=line.user_id, log=False)
            text = pdf_text(data, tmp_path)
            charging = re.search(rf"^\s*Lading\s+(\d+) ladeøkt(?:er)?, ({NUMBER}) kWh\s+({NUMBER})$", text, re.M)
            assert charging, text
            sessions, kwh, amount = int(charging[1]), number(charging[2]), number(charging[3])
            assert (sessions, kwh, amount) == (line.sessions, line.energy_kwh, line.energy_cost)
            parts = re.findall(rf"^\s*herav (.+?)\s{{2,}}({NUMBER}) kWh à ({NUMBER}) kr/kWh\s+({NUMBER})$", text, re.M)
            assert parts, text
            for label, part_kwh, price, part_amount in parts:
                assert_multiplies_out(number(part_kwh), number(price), number(part_amount), f"{line.name} {label}")
            assert sum(number(p[1]) for p in parts) == kwh and sum(number(p[3]) for p in parts) == amount
            band_lines += len(parts)
            fee = re.search(rf"^\s*Fastledd per måned\s+(\d+) måned(?:er)? med lading\s+({NUMBER})$", text, re.M)
            total = re.search(rf"^\s*Totalt å betale\s+({NUMBER}) kr$", text, re.M)
            assert fee and total, text
            assert amount + number(fee[2]) == number(total[1]) == line.total
            rows = re.findall(rf"^\s*\d\d\.\d\d\.\d{{4}} \d\d:\d\d\s+\S.*?\s({NUMBER})\s+({NUMBER})$", text, re.M)
            sums = re.search(rf"^\s*Sum av ladeøktene\s+({NUMBER})\s+({NUMBER})$", text, re.M)
            assert len(rows) == sessions and sums, text
            assert sum(number(r[0]) for r in rows) == number(sums[1]) == kwh
            assert sum(number(r[1]) for r in rows) == number(sums[2]) == amount
    assert band_lines >= 3 * len(st.lines)  # the night and day hours of both tariff versions


def test_every_workbook_line_adds_up(store):
    """The workbook re-opened: each summary row's amounts add up to its total, each column to the
    totals row; each resident's sheet: the sessions' kWh and the amounts add up to its total row.
    Break tried: each session's price rounded half up on its own instead of allocated to the line's
    energy cost (statements.session_costs): Kari's session amounts fall 0.03 short of her total."""
    st = statements.build_statements(store, system_scope(), FEB_MAR)
    data, _name = statements.workbook(store, system_scope(), st, log=False)
    book = openpyxl.load_workbook(io.BytesIO(data))
    exact = lambda v: Decimal(str(v)) if v is not None else Decimal(0)  # noqa: E731 — floats as written
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0][4:] == ("Energy cost", "Fixed fee", "Standby share", "Other loads share", "Total")
    body, totals = summary[1:-1], summary[-1]
    assert len(body) == len(st.lines) and totals[0] == "Total"
    for row in body:
        assert sum(exact(v) for v in row[4:8]) == exact(row[8]), row
    for column in range(2, 9):
        assert sum(exact(row[column]) for row in body) == exact(totals[column]), column
    for line, sheet in zip(st.lines, book.worksheets[1:len(st.lines) + 1], strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        first = next(i for i, r in enumerate(rows) if r[0] == "Date (local time)") + 1
        items, total = rows[first:-1], rows[-1]
        sessions = [r for r in items if r[2] is not None]
        assert len(sessions) == line.sessions
        assert sum(exact(r[2]) for r in sessions) == exact(total[2]) == line.energy_kwh
        assert sum(exact(r[3]) for r in items) == exact(total[3]) == line.total
        assert sum(exact(r[3]) for r in sessions) == line.energy_cost


def test_every_csv_and_screen_line_adds_up(store):
    """The CSV parsed back and the rows the Statements page shows (statements.summary_rows, with the
    page's total metric): each row's amounts add up to its total, each column to the total row.
    Break tried: each line's amounts rounded half up on their own and the totals the exact column
    sums rounded once (instead of allocate()'s largest remainder): the energy cost column sums to
    0.01 more than its total."""
    st = statements.build_statements(store, system_scope(), FEB_MAR)
    text, _name = statements.csv_text(store, system_scope(), st, log=False)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    body, totals = rows[:-1], rows[-1]
    money = ("energy_cost", "fixed_fee", "standby_share", "rest_share")
    assert totals["name"] == "Total" and len(body) == len(st.lines)
    for row in body:
        assert sum(Decimal(row[k]) for k in money) == Decimal(row["total"]), row
    for key in ("sessions", "energy_kwh", *money, "total"):
        assert sum(Decimal(r[key]) for r in body) == Decimal(totals[key]), key
    screen = statements.summary_rows(st)
    for row in screen:
        assert sum(row[4:8], Decimal(0)) == row[8], row
    assert sum(row[8] for row in screen) == st.total == Decimal(totals["total"])
    assert sum(row[3] for row in screen) == Decimal(totals["energy_kwh"])


def test_a_statement_over_two_months_charges_each_months_own_fee(store):
    """The fixed fee changes from 49 (January's tariff) to 59 on 1 March: a resident who charged in
    February and March pays 49 + 59, not twice the fee in force on the period's first day.
    Break tried: the fee looked up on the period's first day (tariffs.period_on(periods,
    request.date_from)) instead of each month's: Kari paid 98,00."""
    st = statements.build_statements(store, system_scope(), FEB_MAR)
    by_name = {x.name: x for x in st.lines}
    assert by_name["Kari Nordmann"].active_months == 2 and by_name["Kari Nordmann"].fixed_fee == Decimal("108.00")
    assert by_name["Ola Hansen"].fixed_fee == Decimal("108.00")
    assert by_name["Per Olsen"].fixed_fee == Decimal("108.00")
    # a period from mid-February: February's fee is still February's (the month's first day in the period)
    mid = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 2, 15),
                                                                                        date(2026, 3, 31)))
    assert {x.name: x.fixed_fee for x in mid.lines if x.is_resident} == {
        "Kari Nordmann": Decimal("108.00"), "Ola Hansen": Decimal("59.00"), "Per Olsen": Decimal("108.00")}


def test_the_statements_page_shows_lines_that_add_up(store, tmp_path, auth_template, monkeypatch):
    """The Statements page as the board sees it (AppTest, "Last quarter" on 10 April: January to
    March): the table's rows add up to each total, its columns to the Total metric.
    Break tried: a line's total rounded once from its exact amounts (StatementLine.total) instead of
    the sum of its rounded columns: Ola's row shows 88.22 + 108.00 = 196.23. (The same break fails
    the PDF, workbook and CSV tests above.)"""
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415 — imports streamlit

    from chargeboard import web  # noqa: PLC0415

    db = store.path
    store.close()
    auth = tmp_path / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    for name, value in support.test_env(db, auth, tmp_path / "no-cookie-key").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHARGEBOARD_TODAY", "2026-04-10")
    web.app_store.clear()
    try:
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60).run()
        next(t for t in at.text_input if t.label == "Username").input(support.STYRET.username)
        next(t for t in at.text_input if t.label == "Password").input(support.STYRET.password)
        next(b for b in at.button if b.label == "Login").click()
        at.run().run()
        at.switch_page("pages/statements.py").run()
        at.selectbox(key="period").select("Last quarter").run()
        assert not at.exception, at.exception
        table = at.dataframe[0].value
        money = ["energy_cost", "fixed_fee", "standby_share", "rest_share"]
        cents = lambda v: Decimal(str(round(float(v), 2)))  # noqa: E731 — the page's numbers, to the øre
        assert len(table) == 4 and table["total"].notna().all()
        # The name and the total lead (a 1366 px screen cuts the right-hand columns off); the e-mail is last.
        order = list(at.dataframe[0].proto.column_order)
        assert order[:2] == ["name", "total"] and order[-1] == "email" and set(order) == set(table.columns)
        for _index, row in table.iterrows():
            assert sum(cents(row[k]) for k in money) == cents(row["total"]), row
        total = next(m for m in at.metric if m.label == "Total").value
        assert number(total.replace("NOK", "").replace(",", "").replace(".", ",").strip()) == sum(
            cents(v) for v in table["total"])
    finally:
        web.app_store.clear()
