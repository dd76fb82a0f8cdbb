"""The Tariffs page's formula form turned into the formula JSON (pricing.tariff_entry), without the
page: capacity steps from the editable table, kept tax steps, the defaults from the version in force."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from chargeboard import tariffs
from chargeboard.pricing import formula, tariff_entry
from chargeboard.pricing.tariff_entry import EntryError, FormulaForm, formula_json


def test_a_form_with_every_component_gives_the_formula():
    form = FormulaForm(price_area="NO4", markup="0,05", grid_day="0.36", grid_night="", night_from=23, night_to=7,
                       weekend_is_night=False, winter_months=[2, 1], winter_day="0.41", tax="0.0713",
                       tax_from=date(2026, 1, 1), tax_steps=[{"from": "2025-01-01", "per_kwh": "0.0979"}],
                       enova="0.01", enova_from=date(2024, 1, 1), vat=False, support_year=2026,
                       support_threshold="0.77", support_thresholds={"2025": "0.75"}, norgespris=True,
                       norgespris_from=date(2025, 10, 1), norgespris_until=date(2026, 12, 31), capacity=True,
                       capacity_rule="max_hour",
                       capacity_steps=[{"from_kw": "0", "to_kw": "2", "per_month": "150"},
                                       {"from_kw": "2", "to_kw": None, "per_month": "250"},
                                       {"from_kw": None, "to_kw": math.nan, "per_month": ""}],  # an empty table row
                       share_capacity=True)
    parsed = formula.parse(formula_json(form))
    assert parsed.price_area == "NO4" and parsed.spot and parsed.markup == Decimal("0.05")
    assert (parsed.grid.day, parsed.grid.night) == (Decimal("0.36"), Decimal("0.36"))  # no night price: the day's
    assert (parsed.grid.night_from, parsed.grid.night_to, parsed.grid.winter_months) == (23, 7, (1, 2))
    assert [(s.valid_from, s.per_kwh) for s in parsed.consumption_tax] == [
        (date(2025, 1, 1), Decimal("0.0979")), (date(2026, 1, 1), Decimal("0.0713"))]  # the earlier step kept
    assert parsed.vat_rate == 0 and parsed.support_thresholds == {2025: Decimal("0.75"), 2026: Decimal("0.77")}
    assert parsed.capacity.rule == "max_hour" and parsed.capacity.share_with_residents
    assert (parsed.norgespris.valid_from, parsed.norgespris_until) == (date(2025, 10, 1), date(2026, 12, 31))
    assert [(s.from_kw, s.to_kw) for s in parsed.capacity.steps] == [(0, 2), (2, None)]


def test_form_errors_name_the_field():
    with pytest.raises(formula.FormulaError, match="grid.day"):
        formula.parse(formula_json(FormulaForm(grid_day="")))
    with pytest.raises(EntryError, match="Norgespris needs the date"):
        formula_json(FormulaForm(grid=False, norgespris=True))
    with pytest.raises(formula.FormulaError, match="capacity.steps"):
        formula.parse(formula_json(FormulaForm(grid=False, capacity=True, capacity_steps=[
            {"from_kw": "0", "to_kw": "2", "per_month": "1"}, {"from_kw": "3", "per_month": "2"}])))
    assert formula_json(FormulaForm(kind="cost_price", grid_day="x")) == {"kind": "cost_price"}


def test_the_form_starts_from_the_formula_in_force(store):
    fresh = tariff_entry.form_defaults(store)
    assert fresh.support_thresholds["2026"] == "0.77" and fresh.tax_steps == []
    form = FormulaForm(grid_day="0.36", grid_night="0.26", tax="0.0979", tax_from=date(2025, 1, 1),
                       support_threshold="0.75", support_year=2025, capacity=True,
                       capacity_steps=[{"from_kw": "0", "per_month": "99"}])
    tariff_entry.add_formula_version(store, "styret", date(2025, 1, 1), form, monthly_fee="10")
    again = tariff_entry.form_defaults(store)
    assert (again.grid_day, again.grid_night, again.tax_steps) == (
        "0.36", "0.26", [{"from": "2025-01-01", "per_kwh": "0.0979"}])
    assert again.support_thresholds["2025"] == "0.75" and again.capacity_steps == [{"from_kw": "0", "per_month": "99"}]
    # saving the unchanged form again stores the same formula
    tariff_entry.add_formula_version(store, "styret", date(2026, 1, 1), again)
    first, second = tariffs.periods(store)
    assert first.formula.grid == second.formula.grid and first.formula.consumption_tax == second.formula.consumption_tax
    assert first.monthly_fee == 10 and second.monthly_fee == 0
