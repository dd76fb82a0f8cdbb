"""The Tariffs page's formula and cost-price sections (issue 29 items 2 and 4): the system owner
enters a formula version without JSON, pastes one, enters an invoice month and sees them in the
history and the table; a resident is refused the page (AppTest, a store of its own)."""

from __future__ import annotations

import json
from decimal import Decimal

import support
from test_app import REFUSED, ROOT, fresh, log_in, page_as, texts

from chargeboard import tariffs, web
from chargeboard.pricing import formula


def tariffs_page(login):
    return page_as(login, "tariffs")


def widget(at, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def history(at) -> list[dict]:
    return at.dataframe[-1].value.to_dict("records")


def test_the_system_owner_enters_a_formula_version_and_a_cost_price_month(own_store_env):
    at = tariffs_page(support.STYRET)
    widget(at, "text_input", "Supplier's markup per kWh").input("0,05")
    widget(at, "text_input", "Grid day price").input("0.36")
    widget(at, "text_input", "Grid night price").input("0.26")
    widget(at, "text_input", "Consumption tax per kWh").input("0.0713")
    at.text_input(key="formula_fee").input("49")  # (the flat price's form has the same label)
    widget(at, "checkbox", "Norgespris").check()
    next(b for b in at.button if b.label == "Save formula version").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Saved as version 1: Spot NO1 + 5.00" in texts(at)

    [period] = tariffs.periods(web.app_store())
    saved = period.formula
    assert saved.spot and saved.price_area == "NO1" and saved.markup == Decimal("0.05")
    assert (saved.grid.day, saved.grid.night, saved.grid.weekend_is_night) == (Decimal("0.36"), Decimal("0.26"), True)
    assert saved.vat_rate == Decimal("0.25") and saved.support_share == Decimal("0.90")
    assert [s.per_kwh for s in saved.consumption_tax] == [Decimal("0.0713")]
    assert saved.norgespris.per_kwh == Decimal("0.40") and saved.capacity is None
    assert period.monthly_fee == 49
    rows = history(at)
    assert rows[0]["change"].startswith("Spot NO1 + 5.00\u00a0øre markup + grid 36.00/26.00\u00a0øre")
    assert "Norgespris 40.00\u00a0øre from" in rows[0]["change"]

    # a faulty field is refused, naming it, and nothing is stored
    widget(at, "text_input", "Grid day price").input("abc")
    next(b for b in at.button if b.label == "Save formula version").click().run()
    assert [e.value for e in at.error] == ["Not saved: grid.day is not a number: 'abc'"]
    assert len(tariffs.history_rows(web.app_store())) == 1

    # the advanced way: paste the JSON a file for `tariff set` holds
    pasted = {"valid_from": "2027-01-01", "formula": {"kind": "cost_price"}, "note": "from the invoices"}
    widget(at, "text_area", "Tariff version (JSON)").input(json.dumps(pasted))
    next(b for b in at.button if b.label == "Save the pasted version").click().run()
    assert not at.error, [e.value for e in at.error]
    assert history(at)[0]["change"] == "Cost price from the co-op's invoices"
    assert tariffs.periods(web.app_store())[-1].formula == formula.parse({"kind": "cost_price"})

    # an invoice month
    widget(at, "text_input", "Month (YYYY-MM)").input("2026-10")
    widget(at, "text_input", "Meter (as on the invoice)").input("707057500")
    widget(at, "text_input", "Invoiced kr (incl. VAT)").input("12345,67")
    widget(at, "text_input", "Invoiced kWh").input("5432.1")
    next(b for b in at.button if b.label == "Save invoice month").click().run()
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[-2].value.to_dict("records")  # before the history
    assert [(r["month"], r["meters"], r["price_per_kwh"]) for r in table] == [("October 2026", "707057500", "2.2727")]
    assert "meter 707057500" in texts(at)

    widget(at, "text_input", "Invoiced kWh").input("0")
    next(b for b in at.button if b.label == "Save invoice month").click().run()
    assert [e.value for e in at.error] == ["Not saved: kwh: must be a number above 0, not '0'"]


def test_a_resident_cannot_enter_tariffs(own_store_env):
    """Not offered the page, and the page file requested directly (as on a fresh server) refuses."""
    at = log_in(fresh(str(ROOT / "pages" / "tariffs.py")), support.RESIDENT.username, support.RESIDENT.password)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [REFUSED]
    assert not [b for b in at.button if b.label in ("Save formula version", "Save invoice month")]
    assert not at.text_area and len(at.dataframe) == 0
    assert "Cost prices (invoices)" not in texts(at)
