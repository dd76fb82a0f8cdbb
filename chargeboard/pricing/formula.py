"""The tariff formula: what a kWh costs on a Norwegian co-op's own bill, component by component.

A tariff version (chargeboard.tariffs) is either a flat price with optional cheaper hours, or a
*formula* (its ``formula`` JSON, README "Tariff formula"): the area's spot price per interval, the
supplier's markup, the grid company's energy part (day/night, weekend and holidays, winter/summer),
the consumption tax and the Enova fee (each a list of steps with the date they apply from), VAT, and
the state's strømstøtte; or Norgespris (a fixed price replacing the spot price and the support from
a date). Or, simpler, kind "cost_price": the month's price from the co-op's own invoices.

Every price here is NOK per kWh excluding VAT, exact (Decimal). component_prices() gives the price
of each component for one price interval; a statement multiplies each by the interval's Wh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from chargeboard.i18n import N_, _

# The statement's columns, in order (README "Tariff formula" names them).
COMPONENTS = ("spot", "norgespris", "markup", "grid", "tax", "enova", "vat", "support", "cost_price")
COMPONENT_TITLES = {
    "spot": N_("Spot price"), "norgespris": N_("Norgespris"), "markup": N_("Supplier's markup"),
    "grid": N_("Grid energy part"), "tax": N_("Consumption tax"), "enova": N_("Enova fee"), "vat": N_("VAT"),
    "support": N_("Electricity support (strømstøtte)"), "cost_price": N_("Cost price"),
}
# The components VAT is charged on.
VAT_BASE = ("spot", "norgespris", "markup", "grid", "tax", "enova")
PRICE_AREAS = ("NO1", "NO2", "NO3", "NO4", "NO5")
CAPACITY_RULES = ("top3_days", "max_hour")
KINDS = ("formula", "cost_price")
MAX_PRICE = Decimal("1000")  # NOK per kWh: a typo guard, far above any real price
MAX_CAPACITY = Decimal("1000000")  # kW of a step, kr a month of a step: a typo guard (steps reach thousands of kr)


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    """A price that applies from a local date until the next step's date."""
    valid_from: date
    per_kwh: Decimal


@dataclass(frozen=True)
class Grid:
    day: Decimal
    night: Decimal
    night_from: int = 22          # night = [night_from, night_to) local hours, wrapping midnight
    night_to: int = 6
    weekend_is_night: bool = False
    holiday_is_night: bool = False
    winter_months: tuple[int, ...] = ()
    winter_day: Decimal | None = None
    winter_night: Decimal | None = None

    def is_night(self, local: datetime) -> bool:
        hour = local.hour
        in_band = (self.night_from <= hour < self.night_to if self.night_from < self.night_to
                   else hour >= self.night_from or hour < self.night_to)
        return (in_band or (self.weekend_is_night and local.weekday() >= 5)
                or (self.holiday_is_night and local.date() in norwegian_holidays(local.year)))

    def price(self, local: datetime) -> Decimal:
        night = self.is_night(local)
        if local.month in self.winter_months:
            chosen = self.winter_night if night else self.winter_day
            if chosen is not None:
                return chosen
        return self.night if night else self.day


@dataclass(frozen=True)
class CapacityStep:
    from_kw: Decimal
    to_kw: Decimal | None         # None: open
    per_month: Decimal            # kr per month as the grid company prints it


@dataclass(frozen=True)
class Capacity:
    rule: str                     # top3_days | max_hour
    steps: tuple[CapacityStep, ...]
    share_with_residents: bool = False


@dataclass(frozen=True)
class Formula:
    kind: str = "formula"
    price_area: str | None = None
    spot: bool = False
    markup: Decimal = Decimal(0)
    grid: Grid | None = None
    consumption_tax: tuple[Step, ...] = ()
    enova_fee: tuple[Step, ...] = ()
    vat_rate: Decimal = Decimal(0)
    support_share: Decimal = Decimal(0)
    support_thresholds: dict[int, Decimal] = field(default_factory=dict)
    norgespris: Step | None = None
    norgespris_until: date | None = None  # its last day (the scheme ran 1 Oct 2025 – 31 Dec 2026); None: open
    capacity: Capacity | None = None

    def norgespris_on(self, day: date) -> Decimal | None:
        if self.norgespris is None or day < self.norgespris.valid_from:
            return None
        return None if self.norgespris_until is not None and day > self.norgespris_until else self.norgespris.per_kwh

    def needs_spot_on(self, day: date) -> bool:
        """Whether a day's intervals cannot be priced without the area's spot price."""
        return self.kind == "formula" and self.spot and self.norgespris_on(day) is None

    def as_json(self) -> dict:
        out: dict = {"kind": self.kind}
        if self.price_area:
            out["price_area"] = self.price_area
        if self.kind == "cost_price":
            return out
        if self.spot:
            out["spot"] = True
        if self.markup:
            out["markup_per_kwh"] = str(self.markup)
        if self.grid:
            g = self.grid
            grid = {"day": str(g.day), "night": str(g.night), "night_hours": [g.night_from, g.night_to],
                    "weekend_is_night": g.weekend_is_night, "holiday_is_night": g.holiday_is_night}
            if g.winter_months:
                grid["winter_months"] = list(g.winter_months)
            if g.winter_day is not None:
                grid["winter_day"] = str(g.winter_day)
            if g.winter_night is not None:
                grid["winter_night"] = str(g.winter_night)
            out["grid"] = grid
        for key, steps in (("consumption_tax", self.consumption_tax), ("enova_fee", self.enova_fee)):
            if steps:
                out[key] = [{"from": s.valid_from.isoformat(), "per_kwh": str(s.per_kwh)} for s in steps]
        if self.vat_rate:
            out["vat_rate"] = str(self.vat_rate)
        if self.support_share:
            out["support"] = {"share": str(self.support_share),
                              "threshold_by_year": {str(y): str(t) for y, t in sorted(self.support_thresholds.items())}}
        if self.norgespris:
            out["norgespris"] = {"from": self.norgespris.valid_from.isoformat(), "per_kwh": str(self.norgespris.per_kwh),
                                 **({"until": self.norgespris_until.isoformat()} if self.norgespris_until else {})}
        if self.capacity:
            c = self.capacity
            out["capacity"] = {"rule": c.rule, "share_with_residents": c.share_with_residents,
                               "steps": [{"from_kw": str(s.from_kw), **({"to_kw": str(s.to_kw)} if s.to_kw is not None
                                                                        else {}), "per_month": str(s.per_month)}
                                         for s in c.steps]}
        return out

    def components(self) -> tuple[str, ...]:
        """The components this formula can give (in COMPONENTS order)."""
        if self.kind == "cost_price":
            return ("cost_price",)
        have = {"spot": self.spot, "norgespris": self.norgespris is not None, "markup": bool(self.markup),
                "grid": self.grid is not None, "tax": bool(self.consumption_tax), "enova": bool(self.enova_fee),
                "vat": bool(self.vat_rate), "support": bool(self.support_share) and self.spot}
        return tuple(c for c in COMPONENTS if have.get(c))


# -- reading a formula ---------------------------------------------------------------------------------

def _price(value, what: str, *, lowest: Decimal = Decimal(0), highest: Decimal = MAX_PRICE) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise FormulaError(_("{what} is not a number: {value}", what=what, value=repr(value))) from None
    if not number.is_finite() or not lowest <= number <= highest:
        raise FormulaError(_("{what} must be a number from {lowest} to {highest}, not {value}", what=what,
                             lowest=lowest, highest=highest, value=repr(value)))
    if number != number.quantize(Decimal("0.000001")):
        raise FormulaError(_("{what} takes at most 6 decimals, not {value}", what=what, value=repr(value)))
    return number


def _day(value, what: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise FormulaError(_("{what} is not a date (YYYY-MM-DD): {value}", what=what, value=repr(value))) from None


def _hour(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise FormulaError(_("{what} must be a whole hour 0–23, not {value}", what=what, value=repr(value)))
    return value


def _flag(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise FormulaError(_("{what} must be true or false, not {value}", what=what, value=repr(value)))
    return value


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise FormulaError(_("{what} must be an object ({{…}}), not {value}", what=what, value=repr(value)))
    return value


def _steps(value, what: str) -> tuple[Step, ...]:
    if not isinstance(value, list):
        raise FormulaError(_("{what} must be a list of {{\"from\": date, \"per_kwh\": price}}", what=what))
    steps = [Step(_day(_object(s, what).get("from"), f"{what}[{i}].from"), _price(s.get("per_kwh"), f"{what}[{i}].per_kwh"))
             for i, s in enumerate(value)]
    days = [s.valid_from for s in steps]
    if len(set(days)) != len(days):
        raise FormulaError(_("{what} has two steps from the same date", what=what))
    return tuple(sorted(steps, key=lambda s: s.valid_from))


KNOWN_KEYS = {"kind", "price_area", "spot", "markup_per_kwh", "grid", "consumption_tax", "enova_fee", "vat_rate",
              "support", "norgespris", "capacity"}


def parse(value) -> Formula:
    """A formula from its JSON (text or a dict), checked: every error names the field and the value."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise FormulaError(_("the tariff formula is not valid JSON: {error}", error=error)) from None
    data = _object(value, "formula")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise FormulaError(_("unknown field(s) in the tariff formula: {fields}", fields=", ".join(unknown)))
    kind = data.get("kind", "formula")
    if kind not in KINDS:
        raise FormulaError(_("kind must be one of {kinds}, not {value}", kinds=", ".join(KINDS), value=repr(kind)))
    area = data.get("price_area")
    if area is not None and area not in PRICE_AREAS:
        raise FormulaError(_("price_area must be one of {areas}, not {value}", areas=", ".join(PRICE_AREAS),
                             value=repr(area)))
    if kind == "cost_price":
        extra = sorted(set(data) - {"kind", "price_area"})
        if extra:
            raise FormulaError(_("a cost-price tariff takes no other components: {fields}", fields=", ".join(extra)))
        return Formula(kind=kind, price_area=area)
    spot = _flag(data.get("spot", False), "spot")
    if spot and area is None:
        raise FormulaError(_("a spot price needs a price_area (NO1–NO5)"))
    grid = None
    if "grid" in data:
        g = _object(data["grid"], "grid")
        night_hours = g.get("night_hours", [22, 6])
        if not isinstance(night_hours, list) or len(night_hours) != 2 or night_hours[0] == night_hours[1]:
            # (equal hours would make every hour night: the band wraps midnight when from > to)
            raise FormulaError(_("grid.night_hours must be [from hour, to hour], not {value}", value=repr(night_hours)))
        winter = g.get("winter_months", [])
        if not isinstance(winter, list) or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12
                                               for m in winter):
            raise FormulaError(_("grid.winter_months must be a list of months 1–12, not {value}", value=repr(winter)))
        grid = Grid(day=_price(g.get("day"), "grid.day"), night=_price(g.get("night", g.get("day")), "grid.night"),
                    night_from=_hour(night_hours[0], "grid.night_hours[0]"),
                    night_to=_hour(night_hours[1], "grid.night_hours[1]"),
                    weekend_is_night=_flag(g.get("weekend_is_night", False), "grid.weekend_is_night"),
                    holiday_is_night=_flag(g.get("holiday_is_night", False), "grid.holiday_is_night"),
                    winter_months=tuple(sorted(set(winter))),
                    winter_day=_price(g["winter_day"], "grid.winter_day") if "winter_day" in g else None,
                    winter_night=_price(g["winter_night"], "grid.winter_night") if "winter_night" in g else None)
    vat = _price(data.get("vat_rate", "0"), "vat_rate")
    if vat > 1:
        raise FormulaError(_("vat_rate is a share (0.25 for 25 %), not {value}", value=repr(data.get("vat_rate"))))
    share, thresholds = Decimal(0), {}
    if "support" in data:
        s = _object(data["support"], "support")
        share = _price(s.get("share", "0.90"), "support.share")
        if share > 1:
            raise FormulaError(_("support.share is a share (0.90 for 90 %), not {value}", value=repr(s.get("share"))))
        by_year = _object(s.get("threshold_by_year", {}), "support.threshold_by_year")
        for year, threshold in by_year.items():
            if not str(year).isdigit() or not 2000 <= int(year) <= 2100:
                raise FormulaError(_("support.threshold_by_year takes years as keys, not {value}", value=repr(year)))
            thresholds[int(year)] = _price(threshold, f"support.threshold_by_year.{year}")
        if share and not spot:
            raise FormulaError(_("strømstøtte is computed on the spot price: set \"spot\": true"))
    norgespris, norgespris_until = None, None
    if "norgespris" in data:
        n = _object(data["norgespris"], "norgespris")
        norgespris = Step(_day(n.get("from"), "norgespris.from"), _price(n.get("per_kwh", "0.40"), "norgespris.per_kwh"))
        if n.get("until") is not None:
            norgespris_until = _day(n["until"], "norgespris.until")
            if norgespris_until < norgespris.valid_from:
                raise FormulaError(_("norgespris.until (its last day) is before norgespris.from"))
    capacity = None
    if "capacity" in data:
        c = _object(data["capacity"], "capacity")
        rule = c.get("rule", "top3_days")
        if rule not in CAPACITY_RULES:
            raise FormulaError(_("capacity.rule must be one of {rules}, not {value}", rules=", ".join(CAPACITY_RULES),
                                 value=repr(rule)))
        raw_steps = c.get("steps", [])
        if not isinstance(raw_steps, list) or not raw_steps:
            raise FormulaError(_("capacity.steps must list the grid company's steps"))
        steps = []
        for i, s in enumerate(raw_steps):
            s = _object(s, f"capacity.steps[{i}]")
            steps.append(CapacityStep(
                _price(s.get("from_kw", "0"), f"capacity.steps[{i}].from_kw", highest=MAX_CAPACITY),
                _price(s["to_kw"], f"capacity.steps[{i}].to_kw", highest=MAX_CAPACITY)
                if s.get("to_kw") is not None else None,
                _price(s.get("per_month"), f"capacity.steps[{i}].per_month", highest=MAX_CAPACITY)))
        for i, step in enumerate(steps):
            if step.to_kw is not None and step.to_kw <= step.from_kw:
                raise FormulaError(_("{what} must end (to_kw) above where it starts (from_kw)",
                                     what=f"capacity.steps[{i}]"))
        steps.sort(key=lambda s: s.from_kw)
        for before, after in zip(steps, steps[1:], strict=False):
            if before.to_kw is None or before.to_kw != after.from_kw:
                raise FormulaError(_("capacity.steps must follow each other without gaps (each to_kw is the next "
                                     "from_kw)"))
        capacity = Capacity(rule, tuple(steps),
                            _flag(c.get("share_with_residents", False), "capacity.share_with_residents"))
    return Formula(kind=kind, price_area=area, spot=spot,
                   markup=_price(data.get("markup_per_kwh", "0"), "markup_per_kwh"), grid=grid,
                   consumption_tax=_steps(data.get("consumption_tax", []), "consumption_tax"),
                   enova_fee=_steps(data.get("enova_fee", []), "enova_fee"), vat_rate=vat, support_share=share,
                   support_thresholds=thresholds, norgespris=norgespris, norgespris_until=norgespris_until,
                   capacity=capacity)


# -- pricing one interval ---------------------------------------------------------------------------------

def _step_on(steps: tuple[Step, ...], day: date) -> Decimal:
    price = Decimal(0)
    for step in steps:
        if step.valid_from <= day:
            price = step.per_kwh
    return price


def component_prices(formula: Formula, starts_at: datetime, time_zone: str, spot: Decimal | None,
                     cost_price: Decimal | None = None) -> dict[str, Decimal] | None:
    """Each component's price per kWh for the interval starting at `starts_at` (aware), whose local
    time (in `time_zone`) decides the grid's day/night and the steps in force. `spot` is the area's
    price for the interval excl. VAT (None: not loaded), `cost_price` the month's invoiced price. None
    when the interval cannot be priced (its spot price or the month's cost price is missing). Exact."""
    if formula.kind == "cost_price":
        return None if cost_price is None else {"cost_price": cost_price}
    local = starts_at.astimezone(ZoneInfo(time_zone))
    day = local.date()
    prices = dict.fromkeys(COMPONENTS, Decimal(0))
    fixed = formula.norgespris_on(day)
    if fixed is not None:
        prices["norgespris"] = fixed
    elif formula.spot:
        if spot is None:
            return None
        prices["spot"] = spot
    prices["markup"] = formula.markup
    if formula.grid:
        prices["grid"] = formula.grid.price(local)
    prices["tax"] = _step_on(formula.consumption_tax, day)
    prices["enova"] = _step_on(formula.enova_fee, day)
    prices["vat"] = formula.vat_rate * sum((prices[c] for c in VAT_BASE), Decimal(0))
    threshold = formula.support_thresholds.get(day.year)
    if fixed is None and formula.spot and formula.support_share and threshold is not None and spot > threshold:
        prices["support"] = -formula.support_share * (spot - threshold) * (1 + formula.vat_rate)
    return prices


# -- Norwegian public holidays ------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def norwegian_holidays(year: int) -> frozenset[date]:
    """The public holidays (helligdager) and 1 and 17 May of a year; grid companies price them as night."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    easter = date(year, month, (h + m - 7 * n + 114) % 31 + 1)
    return frozenset({date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26),
                      *(easter + timedelta(days=k) for k in (-3, -2, 0, 1, 39, 49, 50))})
