"""The demo co-op's formula tariff (issue 29): every component of a Norwegian co-op's bill, in the tariff
formula's JSON form (README "Tariff formula", chargeboard/pricing/formula.py).

EXAMPLE figures, not anyone's price list. Prices are NOK per kWh excluding VAT, except the capacity steps,
which are kr a month including VAT as grid companies print them.

* Spot: NO1 (Oslo / Østlandet), the demo's generated prices (prices.py); supplier's markup 5 øre.
* Grid energy part: Elvia-like day/night split, 22–06 and weekends/holidays at the night price, higher in
  January–March. Elvia's published household energy part was 47.50 / 40.00 øre incl. consumption tax, Enova
  fee and VAT (elvia.no, "Hvorfor øker vi nettleien", after an October increase); taking those out leaves
  about 21 / 15 øre, the figures below. Elvia has no winter prices: the winter figures are made up to show
  the rule.
* Consumption tax (forbruksavgift / elavgift), excl. VAT: 2024 9.51 øre Jan–Mar, 16.44 øre Apr–Dec (checked:
  Norgesnett, Lede); 2025 9.79 / 16.93 øre (NOT checked here: the rates as we know them, also FORMULA.md's
  example); 2026 one rate, 7.13 øre all year (checked: Fjellnett's 2026 price list).
* Enova fee: 1 øre/kWh (households' rate; businesses pay a yearly amount instead).
* VAT 25 % (southern Norway).
* Strømstøtte: 90 % of the spot price above the year's threshold, excl. VAT: 73 øre in 2024 (checked:
  regjeringen.no), 75 øre in 2025 (issue 29), 77 øre in 2026 (NOT checked here). A housing co-op receives it
  on its shared meter, charging included.
* Norgespris is left out. It exists from 1 October 2025 (40 øre excl. VAT) and a co-op's shared meter may
  choose it, but it replaces the spot price AND the strømstøtte: with it, most of the demo's formula year
  would show a flat 40 øre, and a newcomer would not see spot prices or strømstøtte at work. A formula can
  add it with ``"norgespris": {"from": "2025-10-01", "per_kwh": "0.40"}``.
* Capacity (kapasitetsledd): the mean of the month's 3 highest hours on 3 different days, in steps of
  kr/month incl. VAT. 0–2, 2–5 and 5–10 kW are Elvia's published 120 / 190 / 305 kr (the same page as
  above); the higher steps continue in the usual ten-step shape of a grid company's table (e.g. Griug's
  2024 steps up to "100 kW and above"), amounts made up. A co-op using under 100 MWh a year pays these
  steps; larger ones have a kW-based tariff instead. The chargers' share of the capacity cost is shared
  among the residents by their energy in the peak hours.
"""

from __future__ import annotations

DEMO_FORMULA: dict = {
    "kind": "formula",
    "price_area": "NO1",
    "spot": True,
    "markup_per_kwh": "0.0500",
    "grid": {"day": "0.2100", "night": "0.1500", "night_hours": [22, 6],
             "weekend_is_night": True, "holiday_is_night": True,
             "winter_months": [1, 2, 3], "winter_day": "0.2600", "winter_night": "0.1800"},
    "consumption_tax": [{"from": "2024-01-01", "per_kwh": "0.0951"}, {"from": "2024-04-01", "per_kwh": "0.1644"},
                        {"from": "2025-01-01", "per_kwh": "0.0979"}, {"from": "2025-04-01", "per_kwh": "0.1693"},
                        {"from": "2026-01-01", "per_kwh": "0.0713"}],
    "enova_fee": [{"from": "2024-01-01", "per_kwh": "0.0100"}],
    "vat_rate": "0.25",
    "support": {"share": "0.90", "threshold_by_year": {"2024": "0.73", "2025": "0.75", "2026": "0.77"}},
    "capacity": {"rule": "top3_days",
                 "steps": [{"from_kw": "0", "to_kw": "2", "per_month": "120"},
                           {"from_kw": "2", "to_kw": "5", "per_month": "190"},
                           {"from_kw": "5", "to_kw": "10", "per_month": "305"},
                           {"from_kw": "10", "to_kw": "15", "per_month": "420"},
                           {"from_kw": "15", "to_kw": "20", "per_month": "535"},
                           {"from_kw": "20", "to_kw": "25", "per_month": "650"},
                           {"from_kw": "25", "to_kw": "50", "per_month": "1100"},
                           {"from_kw": "50", "to_kw": "75", "per_month": "1650"},
                           {"from_kw": "75", "to_kw": "100", "per_month": "2200"},
                           {"from_kw": "100", "per_month": "4400"}],
                 "share_with_residents": True},
}
MONTHLY_FEE = "49"  # the co-op's own fixed fee a resident, as in the flat demo tariff
