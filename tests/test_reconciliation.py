"""Reconciliation of the meter with the sessions and the standby estimate."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from costs_support import add_sessions, make_store, session

from chargeboard import i18n, meters, reconciliation
from chargeboard.scope import Scope, system_scope


def readings(store, tmp_path, rows: str) -> None:
    path = tmp_path / "meters.csv"
    path.write_text("meter_id,read_at,register_kwh,installation,replacement\n" + rows, encoding="utf-8")
    assert meters.ingest_meter_file(store, path).rejected == 0


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path, [
        session("s1", "kari", "ST1", "2026-01-10T18:00:00", "2026-01-10T21:00:00", 60.0),
        session("s2", "ola", "ST2", "2026-01-16T18:00:00", "2026-01-16T20:00:00", 30.0),   # ST2 from Jan 16
        session("s3", "kari", "ST1", "2026-02-03T18:00:00", "2026-02-03T20:00:00", 40.0),
    ])
    yield s
    s.close()


def test_interpolation_at_period_edges(store, tmp_path):
    # 10 kWh a day between the readings; the month's edges fall 12 h and 31.5 days after the first
    readings(store, tmp_path, "M,2025-12-31T12:00:00+01:00,1000.000,Garage A,\n"
                              "M,2026-02-01T12:00:00+01:00,1320.000,Garage A,\n")
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 1, 31))
    jan = rec.months[0]
    assert jan.meter_kwh == Decimal("310.000")
    assert jan.sessions_kwh == Decimal("90.000") and jan.sessions == 2
    # each station from its first session: ST1 from the 10th (22 days of 31), ST2 from the 16th (16 days)
    assert jan.standby_kwh == (Decimal(4) * 22 / 31 + Decimal(4) * 16 / 31).quantize(Decimal("0.001"))
    assert jan.rest_kwh == Decimal("310.000") - Decimal("90.000") - jan.standby_kwh
    assert jan.flag == "large rest"  # 215 of 310 kWh unexplained
    used = reconciliation.readings_rows(rec)
    assert [u["edge"] for u in used] == ["1 Jan 2026 00:00", "1 Feb 2026 00:00"]  # the reader's date format
    assert used[0]["reading_before"].startswith("31 Dec 2025 12:00 · 1,000.000\u00a0kWh")
    with i18n.language("nb"):
        nb = reconciliation.readings_rows(rec)
        assert [u["edge"] for u in nb] == ["01.01.2026 00:00", "01.02.2026 00:00"]
        assert nb[0]["reading_before"].startswith("31.12.2025 12:00 · 1\u00a0000,000\u00a0kWh")
        assert [m.label for m in rec.months][:1] == ["Jan 2026"]  # labels are made in the language of the call
    assert used[0]["consumed_since_first_reading_kwh"] == Decimal("5.000")
    assert "interpolated" in used[0]["method"]
    # February's end is past the last reading: no meter figure (never extrapolated)
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 2, 28))
    assert rec.months[1].meter_kwh is None and rec.total.meter_kwh is None
    assert any("never extrapolated" in n for n in rec.notes)


def test_meter_replacement(store, tmp_path):
    readings(store, tmp_path, "M,2026-01-01T00:00:00+01:00,1000.000,Garage A,\n"
                              "M,2026-01-20T00:00:00+01:00,1100.000,Garage A,\n"     # old meter's last reading
                              "M,2026-01-20T00:00:00+01:00,5.000,Garage A,true\n"    # new meter's first
                              "M,2026-02-01T00:00:00+01:00,95.000,Garage A,\n")
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 1, 31))
    assert rec.months[0].meter_kwh == Decimal("190.000")


def test_negative_rest_flagged_and_standby_configurable(store, tmp_path):
    readings(store, tmp_path, "M,2026-01-01T00:00:00+01:00,0,Garage A,\nM,2026-02-01T00:00:00+01:00,50,Garage A,\n")
    reconciliation.set_station(store, "ST2", date(2026, 1, 1), Decimal("2"))
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 1, 31))
    jan = rec.months[0]
    assert jan.standby_kwh == (2 + Decimal(4) * 22 / 31).quantize(Decimal("0.001"))  # ST2 set: 2 kWh, all month
    assert jan.rest_kwh == Decimal("-44.839") and jan.flag == "NEGATIVE REST"
    assert any("wrong meter" in n and "offline sessions not yet uploaded" in n for n in rec.notes)
    data, name = reconciliation.workbook(store, system_scope(), rec)
    assert name.endswith("_reconciliation_2026-01-01_2026-01-31.xlsx") and data[:2] == b"PK"


def test_workbook_prints_like_the_other_workbooks(store, tmp_path):
    # Installation, report and period on every page, "Page x of y", one page wide, header repeated.
    readings(store, tmp_path, "M,2026-01-01T00:00:00+01:00,0,Garage A,\nM,2026-02-01T00:00:00+01:00,150,Garage A,\n")
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 1, 31))
    data, _ = reconciliation.workbook(store, system_scope(), rec)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        assert (ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text) == (
            "Garage A", "Meter reconciliation", "1 Jan 2026–31 Jan 2026"), ws.title
        assert ws.oddFooter.center.text == "Page &P of &N"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    by_month = book["By month"]
    assert by_month.page_setup.orientation == "landscape"  # eleven columns: wider than a portrait page
    assert by_month.print_title_rows == "$1:$1" and book["Readings used"].print_title_rows == "$1:$1"
    with i18n.language("nb"):  # a Norwegian reader's workbook: sheets, titles, header and dates in Norwegian
        norwegian = openpyxl.load_workbook(io.BytesIO(reconciliation.workbook(store, system_scope(), rec, log=False)[0]))
        expected = [i18n._("By month"), i18n._("Readings used")]
    assert norwegian.sheetnames[:2] == expected and expected != ["By month", "Readings used"]
    header = norwegian.worksheets[0].oddHeader
    assert header.right.text == "01.01.2026–31.01.2026" and header.center.text != "Meter reconciliation"
    assert norwegian.worksheets[0]["B1"].value != "Meter (kWh)"


def test_standby_prorated_mid_month_configured_install_date(store, tmp_path):
    readings(store, tmp_path, "M,2026-01-01T00:00:00+01:00,0,Garage A,\n")
    reconciliation.set_station(store, "ST1", date(2026, 1, 22), None)  # 10 days of January
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 1), date(2026, 1, 31))
    assert rec.months[0].standby_kwh == (Decimal(40) / 31 + Decimal(64) / 31).quantize(Decimal("0.001"))
    # part of a month: only the period's days count
    rec = reconciliation.reconcile(store, system_scope(), "garage-a", date(2026, 1, 25), date(2026, 1, 31))
    assert rec.months[0].standby_kwh == (Decimal(4) * 7 / 31 * 2).quantize(Decimal("0.001"))


def test_only_the_system_owner(store):
    with pytest.raises(reconciliation.ReconciliationError):
        reconciliation.reconcile(store, Scope("kari", "resident", user_ids=("u-kari",)), "garage-a",
                                 date(2026, 1, 1), date(2026, 1, 31))


def test_opens_on_the_last_complete_months_with_readings(store, tmp_path):
    # Readings from 31 Dec 12:00 to 1 Apr 08:00: January to March have a meter figure, April does not.
    readings(store, tmp_path, "M,2025-12-31T12:00:00+01:00,1000.000,Garage A,\n"
                              "M,2026-02-15T12:00:00+01:00,1400.000,Garage A,\n"
                              "M,2026-04-01T08:00:00+02:00,1900.000,Garage A,\n")
    assert reconciliation.months_with_readings(store, "garage-a", date(2026, 11, 25)) == (date(2026, 1, 1),
                                                                                          date(2026, 3, 31))
    # Only complete months: on 20 March, February is the last one.
    assert reconciliation.months_with_readings(store, "garage-a", date(2026, 3, 20)) == (date(2026, 1, 1),
                                                                                         date(2026, 2, 28))
    # At most the 12 months before the last covered one.
    assert reconciliation.months_with_readings(store, "garage-a", date(2026, 11, 25), at_most=2) == (
        date(2026, 2, 1), date(2026, 3, 31))
    rec = reconciliation.reconcile(store, system_scope(), "garage-a",
                                   *reconciliation.months_with_readings(store, "garage-a", date(2026, 11, 25)))
    assert rec.total.meter_kwh is not None and all(m.meter_kwh is not None for m in rec.months)
    assert [m.label for m in rec.months] == ["Jan 2026", "Feb 2026", "Mar 2026"]  # month labels with the year
    assert reconciliation.months_with_readings(store, "garage-b", date(2026, 11, 25)) is None  # no meter


def test_all_installations_view(store, tmp_path):
    add_sessions(store, tmp_path, [session("b1", "per", "STB", "2026-01-05T10:00:00", "2026-01-05T11:00:00", 5.0)],
                 "Garage B", "garage-b.json")
    readings(store, tmp_path, "M,2026-01-01T00:00:00+01:00,0,Garage A,\nM,2026-02-01T00:00:00+01:00,500,Garage A,\n"
                              "N,2026-01-01T00:00:00+01:00,0,Garage B,\n")
    recs = reconciliation.reconcile_all(store, system_scope(), date(2026, 1, 1), date(2026, 1, 31))
    rows = reconciliation.all_installations_rows(recs)
    assert [r["installation"] for r in rows] == ["Garage A", "Garage B", "All installations"]
    assert rows[0]["meter_kwh"] == Decimal("500.000") and rows[0]["sessions_kwh"] == Decimal("90.000")
    assert rows[1]["meter_kwh"] is None  # Garage B's meter has one reading
    assert rows[2]["meter_kwh"] is None and rows[2]["sessions_kwh"] == Decimal("95.000")
    assert set(rows[0]) <= set(reconciliation.COLUMN_TITLES)  # every column has a title for people
    assert set(reconciliation.table_rows(recs[0])[0]) <= set(reconciliation.COLUMN_TITLES)
    assert set(reconciliation.readings_rows(recs[0])[0]) <= set(reconciliation.COLUMN_TITLES)
