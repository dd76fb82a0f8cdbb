"""The demo co-op's formula tariff (chargeboard_demo/tariff.py): a valid formula with every component but
Norgespris, priced on the demo's own spot prices, and the two tariff versions the demo store gets."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import costs_support as cs
import pytest

from chargeboard import meters, tariffs
from chargeboard.pricing import formula
from chargeboard_demo import __main__ as demo_main
from chargeboard_demo import generator, prices
from chargeboard_demo.tariff import DEMO_FORMULA

OSLO = ZoneInfo("Europe/Oslo")


# The energy components (the capacity steps are the month's, not a kWh's).
ENERGY_ONLY = {k: v for k, v in DEMO_FORMULA.items() if k != "capacity"}


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=OSLO)


def test_the_demo_formula_is_valid_and_round_trips():
    parsed = formula.parse(DEMO_FORMULA)
    assert formula.parse(json.dumps(parsed.as_json())) == parsed
    assert parsed.price_area == "NO1" and parsed.spot and parsed.norgespris is None
    assert parsed.capacity.rule == "top3_days" and parsed.capacity.share_with_residents
    assert parsed.capacity.steps[-1].to_kw is None and len(parsed.capacity.steps) == 10


def test_every_component_but_norgespris_shows_on_a_winter_evening():
    parsed = formula.parse(ENERGY_ONLY)
    got = formula.component_prices(parsed, _at("2026-01-13T18:00"), "Europe/Oslo", Decimal("1.2000"))
    assert {c for c, p in got.items() if p} == {"spot", "markup", "grid", "tax", "enova", "vat", "support"}
    assert got["grid"] == Decimal("0.2600")  # winter day
    assert got["tax"] == Decimal("0.0713")  # 2026: one rate all year
    assert got["support"] == -Decimal("0.90") * (Decimal("1.2000") - Decimal("0.77")) * Decimal("1.25")


@pytest.mark.parametrize(("at", "grid", "tax"), [
    ("2025-06-10T12:00", "0.2100", "0.1693"),  # summer weekday: day price; April–December 2025 tax
    ("2025-06-10T23:00", "0.1500", "0.1693"),  # night
    ("2025-06-14T12:00", "0.1500", "0.1693"),  # Saturday: night price
    ("2025-05-17T12:00", "0.1500", "0.1693"),  # a public holiday (a Saturday too)
    ("2025-05-29T12:00", "0.1500", "0.1693"),  # Ascension Day (a Thursday)
    ("2025-02-11T09:00", "0.2600", "0.0979"),  # winter day; January–March 2025 tax
    ("2024-12-02T09:00", "0.2100", "0.1644"),
])
def test_grid_and_tax_follow_the_calendar(at, grid, tax):
    got = formula.component_prices(formula.parse(ENERGY_ONLY), _at(at), "Europe/Oslo", Decimal("0.5"))
    assert (got["grid"], got["tax"], got["support"]) == (Decimal(grid), Decimal(tax), Decimal(0))


def test_strømstøtte_on_the_demo_prices():
    """Over the formula year some of the demo's intervals get strømstøtte, and never a positive amount."""
    parsed = formula.parse(ENERGY_ONLY)
    end = dt.date(2026, 11, 24)
    day, support = generator.last_twelve_months(end), []
    while day <= end:
        for row in prices.day_prices(day):
            got = formula.component_prices(parsed, dt.datetime.fromisoformat(row["time_start"]), "Europe/Oslo",
                                           Decimal(str(row["NOK_per_kWh"])))
            support.append(got["support"])
        day += dt.timedelta(days=7)
    assert all(s <= 0 for s in support)
    assert 0.2 < sum(s < 0 for s in support) / len(support) < 0.8


def test_the_demo_store_gets_the_flat_tariff_then_the_formula(store):
    end = dt.date(2026, 11, 24)
    demo_main.add_demo_tariffs(store, dt.date(2024, 11, 1), end)
    periods = tariffs.periods(store)
    assert [p.valid_from for p in periods][:2] == [dt.date(2024, 11, 1), dt.date(2025, 12, 1)]
    assert periods[0].formula is None and periods[0].monthly_fee == periods[1].monthly_fee
    assert periods[1].formula == formula.parse(DEMO_FORMULA)


def test_the_demo_loads_its_prices_and_the_meters_hours(tmp_path):
    """load_prices_and_intervals: the day files through the price import, the hours through the ingest."""
    store = cs.make_store(tmp_path, [cs.session("s", "kari", "c1", "2025-10-01T17:00", "2025-10-01T18:00", 5)],
                          installation=generator.GARAGE_A)
    first, last = dt.date(2025, 9, 29), dt.date(2025, 10, 2)  # hours, then quarters
    price_files = prices.write_price_files(tmp_path, first, last)
    hours = tmp_path / generator.METER_INTERVALS_FILE
    hours.write_text("meter_id,from,to,kwh\nMETER-A,2025-10-01T00:00:00+02:00,2025-10-01T01:00:00+02:00,0.250\n"
                     "METER-A,2025-10-01T01:00:00+02:00,2025-10-01T02:00:00+02:00,11.125\n", encoding="utf-8")
    meters.register_meter(store, "METER-A", generator.GARAGE_A)
    files = generator.DemoFiles({}, tmp_path / generator.METERS_FILE, hours, tuple(price_files))
    demo_main.load_prices_and_intervals(store, files)
    stored = store.rows("spot_prices_between", area="NO1", **{"from": dt.datetime(2025, 9, 29, tzinfo=OSLO),
                                                             "to": dt.datetime(2025, 10, 3, tzinfo=OSLO)})
    assert len(stored) == 24 * 2 + 96 * 2
    assert [r[2] for r in store.rows("meter_intervals_of", meter_id="METER-A")] == [Decimal("0.250"), Decimal("11.125")]
    store.close()
