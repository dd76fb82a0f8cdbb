"""A tariff formula in words, in the active language (issue 29): what the Tariffs page, the tariff
history and `tariff list` show instead of JSON.

"Spot NO1 + 5,00 øre markup + grid 36,00/26,00 øre (night 22–06, weekends and holidays) +
consumption tax + Enova + 25 % VAT − strømstøtte 90 % above 77 øre; Norgespris 40,00 øre from
01.10.2025". Prices are excl. VAT, in øre per kWh as the bills print them.
"""

from __future__ import annotations

from decimal import Decimal

from chargeboard import formats
from chargeboard.i18n import _
from chargeboard.pricing.formula import Formula, Grid


def ore(price: Decimal) -> str:
    """NOK per kWh as øre with two decimals: 0.05 → "5,00 øre" (Norwegian) / "5.00 øre" (English)."""
    return f"{formats.decimal(Decimal(price) * 100, 2)}\u00a0øre"


def _hours(grid: Grid) -> str:
    return f"{grid.night_from:02d}–{grid.night_to:02d}"


def _grid(grid: Grid) -> str:
    prices = f"{formats.decimal(grid.day * 100, 2)}/{formats.decimal(grid.night * 100, 2)}\u00a0øre"
    if grid.weekend_is_night and grid.holiday_is_night:
        night = _("night {hours}, weekends and holidays", hours=_hours(grid))
    elif grid.weekend_is_night:
        night = _("night {hours} and weekends", hours=_hours(grid))
    elif grid.holiday_is_night:
        night = _("night {hours} and holidays", hours=_hours(grid))
    else:
        night = _("night {hours}", hours=_hours(grid))
    text = _("grid {prices} ({night})", prices=prices, night=night)
    if grid.winter_months:
        day = grid.winter_day if grid.winter_day is not None else grid.day
        night_price = grid.winter_night if grid.winter_night is not None else grid.night
        months = ", ".join(str(m) for m in grid.winter_months)
        text += " " + _("(winter months {months}: {prices})", months=months,
                        prices=f"{formats.decimal(day * 100, 2)}/{formats.decimal(night_price * 100, 2)}\u00a0øre")
    return text


def _share(value: Decimal) -> str:
    return f"{formats.decimal(value * 100, 0)}\u00a0%"


def describe_formula(formula: Formula) -> str:
    """The formula in words, in the active language (see the module's docstring)."""
    if formula.kind == "cost_price":
        return _("Cost price from the co-op's invoices")
    parts = []
    if formula.spot:
        parts.append(_("Spot {area}", area=formula.price_area))
    if formula.markup:
        parts.append(_("{price} markup", price=ore(formula.markup)))
    if formula.grid:
        parts.append(_grid(formula.grid))
    if formula.consumption_tax:
        parts.append(_("consumption tax"))
    if formula.enova_fee:
        parts.append(_("Enova"))
    if formula.vat_rate:
        parts.append(_("{rate} VAT", rate=_share(formula.vat_rate)))
    text = " + ".join(parts) or _("no energy price")
    if formula.spot and formula.support_share:
        if formula.support_thresholds:
            year = max(formula.support_thresholds)
            support = _("strømstøtte {share} above {threshold}", share=_share(formula.support_share),
                        threshold=ore(formula.support_thresholds[year]))
        else:
            support = _("strømstøtte {share} (no threshold entered)", share=_share(formula.support_share))
        text += " − " + support
    extra = []
    if formula.norgespris:
        extra.append(_("Norgespris {price} from {day}", price=ore(formula.norgespris.per_kwh),
                       day=formats.day(formula.norgespris.valid_from)) if formula.norgespris_until is None else
                     _("Norgespris {price} from {day} to {last}", price=ore(formula.norgespris.per_kwh),
                       day=formats.day(formula.norgespris.valid_from), last=formats.day(formula.norgespris_until)))
    if formula.capacity:
        rule = (_("mean of the top 3 hours on 3 days") if formula.capacity.rule == "top3_days"
                else _("the highest hour"))
        capacity = _("capacity part: {rule}, {n} steps", rule=rule, n=len(formula.capacity.steps))
        if formula.capacity.share_with_residents:
            capacity += " " + _("(shared with residents)")
        extra.append(capacity)
    return "; ".join([text, *extra])
