"""Statements priced by the tariff formula: each session's energy in 15-minute price intervals, each
component's exact amount.

A session is priced entirely by the tariff version in force on its dating day (its start, or when the
cloud registered it if its clock was unreliable) in its installation's chain (the co-op-wide periods, or
the installation's own chain where it has formula versions of its own: tariffs.installation_chains). The
sessions dated in a formula version's period of their installation's chain are left out of the flat query
(statement_user_costs.sql reads the same chains) and priced here:

- the price table: for every UTC-aligned quarter hour from the period's first local midnight to a
  day past its end (longer when a session runs further), each component's price per kWh from
  formula.component_prices() (an hourly spot price covers its four quarters; a 15-minute price its
  own), computed once per quarter here and handed to formula_session_costs.sql as lists;
- the query places each session's whole Wh in the quarters (its EnergyDetails, else evenly over its
  real duration; an unreliable clock evenly over its dating day's quarters, that is at the day's mean
  price) and sums Wh x price per component as integers: exact;
- a quarter without a price (no spot price for it and no Norgespris; a cost-price month without
  invoices) is not guessed: its kWh are unpriced and a note names the days (or the month).

Money stays exact here (Decimal); chargeboard.statements rounds each component once.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from chargeboard import formats
from chargeboard.i18n import _
from chargeboard.pricing import formula as formulas
from chargeboard.pricing.tariff_entry import cost_price_per_kwh
from chargeboard.scope import Scope
from chargeboard.store import Store

QUARTER = timedelta(minutes=15)
FLAT = "flat"  # the component of the sessions a flat version priced (statements beside a formula period)
# Every column a statement can show, in order: the formula's components, then the flat price's.
ALL_COMPONENTS = (*formulas.COMPONENTS, FLAT)
PRICE_EXPONENT = 18      # prices go to SQL in units of 10^-18 NOK per kWh
AMOUNT_EXPONENT = 21     # Wh x those units: amounts in 10^-21 NOK
BIGINT_MAX = 2 ** 63 - 1
MAX_TABLE_DAYS = 400     # a price table never grows past this many days after the period (broken clocks)
# The components whose price changes from one step to the next (with the spot price): summed per piece in
# formula_session_costs.sql. Every other component's price is the same within a class of steps.
PER_STEP = ("spot", "vat", "support")
PER_CLASS = tuple(c for c in formulas.COMPONENTS if c not in PER_STEP)


@dataclass
class FormulaRow:
    """One user and installation (or one session, per_session) of the formula path."""
    user_id: str
    installation_id: str
    sessions: int
    energy_kwh: Decimal
    unpriced_kwh: Decimal
    active_months: list[date]
    name: str
    email: str | None
    session_id: str | None
    first_local: datetime | None
    ended_local: datetime | None
    station: str | None
    components: dict[str, Decimal]   # exact amounts, every formula component (0 where none)
    component_kwh: dict[str, Decimal]  # the kWh in intervals where each component's price is not 0

    @property
    def cost(self) -> Decimal:
        return sum(self.components.values(), Decimal(0))


@dataclass
class FormulaPricing:
    rows: list[FormulaRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    components: tuple[str, ...] = ()   # the components the formula periods of the statement can give
    versions: tuple[int, ...] = ()     # the formula versions that priced something


def formula_periods(periods) -> list:
    return [p for p in periods if getattr(p, "formula", None) is not None]


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    start = datetime.combine(day, time.min, zone).astimezone(UTC)
    return start - timedelta(minutes=start.minute % 15, seconds=start.second, microseconds=start.microsecond)


@lru_cache(maxsize=1 << 16)  # (the same few prices recur: markup, grid, tax, 0)
def _units(price: Decimal) -> str:
    units = price.scaleb(PRICE_EXPONENT)
    if units != units.to_integral_value():
        raise ValueError(f"a formula price has more than {PRICE_EXPONENT} decimals: {price}")
    return str(int(units))


def cost_prices(store: Store, installation_id: str) -> dict[date, Decimal | None]:
    """Each month's cost price of an installation, as the Tariffs page shows it (tariff_entry: Σ kr / Σ kWh
    of each meter's newest invoice entry, to 6 decimals half up); None for a month without kWh."""
    return {month: cost_price_per_kwh(amount, kwh)
            for iid, _name, month, _meters, amount, kwh, *_who in store.rows("cost_price_entry_months")
            if iid == installation_id}


@dataclass
class PriceTable:
    start: datetime                  # UTC, the first step
    quarters: list[datetime]         # each step's start
    lists: dict[str, list[str]]      # component -> units per step
    priced: list[bool]
    step_minutes: int = 15

    def by_hours(self) -> PriceTable:
        """The same table in whole hours when each hour's four quarters have one price (hourly spot prices
        and a grid by whole hours): the query then places a quarter of the pieces, with the same Wh per hour
        (wh_until telescopes). Else itself."""
        n = len(self.quarters)
        if self.step_minutes != 15 or n % 4 or self.start.minute:
            return self
        columns = [self.priced, *self.lists.values()]
        for column in columns:
            for i in range(0, n, 4):
                if not column[i] == column[i + 1] == column[i + 2] == column[i + 3]:
                    return self
        return PriceTable(self.start, self.quarters[::4], {c: v[::4] for c, v in self.lists.items()},
                          self.priced[::4], 60)

    def query_parameters(self) -> dict:
        """formula_session_costs.sql's price parameters: each step's class and PER_STEP prices, and each class's
        PER_CLASS prices, whether it is priced and whether its PER_STEP prices are not 0. A class is the steps
        that share all of those (day or night, the tax and fee steps in force): a few dozen; a step without a
        price is a class of its own ($class_q names it). The PER_STEP prices go in units of 10^-18 / step_scale
        NOK (as few as hold them whole, so that Wh x price fits in a BIGINT for the fast sessions). Made once
        per table (a kept table is priced again)."""
        if "_parameters" not in self.__dict__:
            self.__dict__["_parameters"] = self._query_parameters()
        return self.__dict__["_parameters"]

    def _query_parameters(self) -> dict:
        classes: dict[tuple, int] = {}
        step_class = []
        for i in range(len(self.quarters)):
            key = (self.priced[i], *(self.lists[c][i] for c in PER_CLASS), *(self.lists[c][i] != "0" for c in PER_STEP),
                   None if self.priced[i] else i + 1)
            step_class.append(classes.setdefault(key, len(classes) + 1))
        keys = list(classes)
        per_step = {c: [int(v) for v in self.lists[c]] for c in PER_STEP}
        scale = 0  # the largest power of ten that divides every PER_STEP price
        while scale < PRICE_EXPONENT and all(v % 10 ** (scale + 1) == 0 for values in per_step.values() for v in values):
            scale += 1
        largest = max((abs(v) // 10 ** scale for values in per_step.values() for v in values), default=0)
        # a session inside the table (duration <= span) of at most fast_wh Wh: 2 x Wh x (duration + a step) +
        # duration and Wh x any per-step price fit in a BIGINT (the query's even_fast)
        step_us = self.step_minutes * 60_000_000
        span_us = len(self.quarters) * step_us
        fast_wh = min((BIGINT_MAX - span_us) // (2 * (span_us + step_us)), BIGINT_MAX // max(largest, 1), 10 ** 14)
        out = {"step_class": step_class, "class_priced": [k[0] for k in keys], "class_q": [k[-1] for k in keys],
               "step_scale": str(10 ** scale), "fast_kwh": str(Decimal(max(fast_wh, 0)) / 1000),
               "table_end": self.start + timedelta(microseconds=span_us),
               **{c: [str(v // 10 ** scale) for v in values] for c, values in per_step.items()}}
        out.update({f"class_{c}": [k[1 + j] for k in keys] for j, c in enumerate(PER_CLASS)})
        out.update({f"class_{c}_nz": [k[1 + len(PER_CLASS) + j] for k in keys] for j, c in enumerate(PER_STEP)})
        return out


# The last price tables built (a year's is 8,784 calls of formula.component_prices, ~0.4 s): the same formula,
# zone, range, spot prices and cost prices give the same table, so a statement priced again after a sync that
# brought no new prices reuses it. Kept tables are shared: read, never changed.
_TABLES: OrderedDict = OrderedDict()
_TABLES_KEPT = 4
_tables_lock = threading.Lock()


def price_table(store: Store, f: formulas.Formula, time_zone: str, start: datetime, end: datetime,
                month_prices: dict[date, Decimal | None] | None) -> PriceTable:
    """Each quarter's component prices in [start, end) (UTC, quarter-aligned)."""
    rows = []
    if f.kind == "formula" and f.spot:
        rows = store.rows("spot_prices_between", area=f.price_area, **{"from": start - timedelta(hours=1), "to": end})
    key = (json.dumps(f.as_json(), sort_keys=True), time_zone, start, end,
           tuple(sorted((month_prices or {}).items())), tuple(rows))
    with _tables_lock:
        if key in _TABLES:
            _TABLES.move_to_end(key)
            return _TABLES[key]
    table = _price_table(f, time_zone, start, end, month_prices, rows)
    with _tables_lock:
        _TABLES[key] = table
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    return table


def _price_table(f: formulas.Formula, time_zone: str, start: datetime, end: datetime,
                 month_prices: dict[date, Decimal | None] | None, rows: list[tuple]) -> PriceTable:
    zone = ZoneInfo(time_zone)
    spot: dict[datetime, Decimal] = {}
    # longer intervals first, so that a 15-minute price wins over an hourly one that covers it
    for starts_at, ends_at, price in sorted(rows, key=lambda r: (r[0] - r[1], r[0])):
        at = starts_at.astimezone(UTC)
        while at < ends_at:
            spot[at] = Decimal(price)
            at += QUARTER
    quarters, lists, priced = [], {c: [] for c in formulas.COMPONENTS}, []
    at = start
    while at < end:
        quarters.append(at)
        cost_price = None
        if f.kind == "cost_price" and month_prices:
            cost_price = month_prices.get(at.astimezone(zone).date().replace(day=1))
        prices = formulas.component_prices(f, at, time_zone, spot.get(at), cost_price)
        priced.append(prices is not None)
        for c in formulas.COMPONENTS:
            lists[c].append(_units(prices.get(c, Decimal(0))) if prices else "0")
        at += QUARTER
    return PriceTable(start, quarters, lists, priced).by_hours()


def mean_price(store: Store, f: formulas.Formula, time_zone: str, installation_id: str, first: date,
               last: date) -> Decimal | None:
    """The mean price per kWh (all components) of the priced intervals of the local days [first, last]: what
    a statement charges the shared standby and rest of a formula period at, as a flat period's are at
    its day-average price. None when no interval of those days has a price."""
    zone = ZoneInfo(time_zone)
    month_prices = cost_prices(store, installation_id) if f.kind == "cost_price" else None
    table = price_table(store, f, time_zone, _local_midnight(first, zone),
                        _local_midnight(last + timedelta(days=1), zone), month_prices)
    totals = [sum((int(table.lists[c][i]) for c in formulas.COMPONENTS), 0)
              for i in range(len(table.quarters)) if table.priced[i]]
    if not totals:
        return None
    return Decimal(sum(totals)).scaleb(-PRICE_EXPONENT) / len(totals)


def price_sessions(store: Store, scope: Scope, periods, date_from: date, date_to: date, *,
                   per_session: bool, chains: dict | None = None) -> FormulaPricing:
    """The sessions dated in the formula periods within [date_from, date_to] (local dates), priced: those of
    an installation in `chains` (tariffs.installation_chains) by its own chain, every other installation's
    by `periods` (the co-op-wide chain)."""
    result = FormulaPricing()
    chains = chains or {}
    installations = store.rows("installations_all")
    # (the chain, the installations it prices): the co-op-wide one first, then each installation's own
    chain_groups = [(periods, [i for i in installations if i[0] not in chains])]
    chain_groups += [(chains[i[0]], [i]) for i in installations if i[0] in chains]
    chosen = [(p, members) for chain, members in chain_groups if members or not chains
              for p in formula_periods(chain) if p.valid_from <= date_to and p.valid_to > date_from]
    if not chosen:
        return result
    used = {c for p, _members in chosen for c in p.formula.components()}
    result.components = tuple(c for c in formulas.COMPONENTS if c in used)
    versions = set()
    for period, chain_installations in chosen:
        f = period.formula
        first, last = max(period.valid_from, date_from), min(period.valid_to - timedelta(days=1), date_to)
        if f.kind == "cost_price":
            groups = [(inst[2], [inst[0]], inst) for inst in chain_installations]
        else:
            zones = sorted({inst[2] for inst in chain_installations})
            groups = [(z, [i[0] for i in chain_installations if i[2] == z], None) for z in zones]
        for time_zone, members, inst in groups:
            rows, missing, beyond = _price_group(store, scope, f, time_zone, members, inst, first, last,
                                                 per_session)
            if rows:
                versions.add(period.version)
            result.rows.extend(rows)
            result.notes.extend(_missing_notes(f, inst, missing, beyond))
        if f.kind == "formula" and f.spot:
            result.notes.extend(_source_notes(store, f, first, last, groups[0][0] if groups else "Europe/Oslo"))
    result.versions = tuple(sorted(versions))
    return result


def _price_group(store: Store, scope: Scope, f: formulas.Formula, time_zone: str, members: list[str], inst,
                 first: date, last: date, per_session: bool):
    zone = ZoneInfo(time_zone)
    start = _local_midnight(first, zone)
    end = _local_midnight(last + timedelta(days=2), zone)  # a day's margin for sessions running past the end
    month_prices = cost_prices(store, inst[0]) if f.kind == "cost_price" else None
    limit = _local_midnight(last + timedelta(days=MAX_TABLE_DAYS), zone)
    while True:
        table = price_table(store, f, time_zone, start, end, month_prices)
        rows = store.rows("formula_session_costs", scope, local_from=datetime.combine(first, time.min),
                          local_to=datetime.combine(last + timedelta(days=1), time.min), installations=members,
                          table_start=start, step_minutes=table.step_minutes, per_session=per_session,
                          **table.query_parameters())
        furthest = max((q for r in rows for q in r[-1]), default=0)
        if furthest <= len(table.quarters) or end >= limit:
            break
        # a session runs past the table: price the quarters it reaches too (rare: sessions of days)
        end = min(limit, start + timedelta(minutes=table.step_minutes) * furthest + timedelta(days=1))
    out, missing, beyond = [], set(), False
    for (user_id, inst_id, n, kwh, unpriced_wh, active, name, email, sid, first_local, last_local, station,
         *figures, unpriced_q) in rows:
        width = len(formulas.COMPONENTS)
        components = {c: Decimal(int(a)).scaleb(-AMOUNT_EXPONENT)
                      for c, a in zip(formulas.COMPONENTS, figures[:width], strict=True)}
        component_kwh = {c: Decimal(int(wh)) / 1000 for c, wh in zip(formulas.COMPONENTS, figures[width:], strict=True)}
        out.append(FormulaRow(user_id, inst_id, int(n), Decimal(kwh), Decimal(int(unpriced_wh)) / 1000, list(active),
                              name, email, sid, first_local, last_local, station, components, component_kwh))
        for q in unpriced_q:
            if 1 <= q <= len(table.quarters):
                missing.add(table.quarters[q - 1].astimezone(zone).date())
            else:
                beyond = True
    return out, missing, beyond


def _missing_notes(f: formulas.Formula, inst, missing: set[date], beyond: bool) -> list[str]:
    notes = []
    if missing and f.kind == "cost_price":
        months = sorted({d.replace(day=1) for d in missing})
        notes.append(_("{installation}: no electricity invoices (cost price) entered for {months}; the kWh charged "
                       "then are not priced. Enter the month's invoices.", installation=inst[1],
                       months=", ".join(formats.month(m) for m in months)))
    elif missing:
        notes.append(_("Spot prices for {area} are missing for {days}; the kWh charged then are not priced. Load "
                       "those days' prices.", area=f.price_area, days=", ".join(formats.day(d) for d in sorted(missing))))
    if beyond:
        notes.append(_("Some sessions' energy lies outside the days their tariff can price (a clock or energy "
                       "details far off their dates); it is not priced."))
    return notes


SOURCE_FILES_NAMED = 3  # more price files than this are named by the first and the last


def _source_notes(store: Store, f: formulas.Formula, first: date, last: date, time_zone: str) -> list[str]:
    zone = ZoneInfo(time_zone)
    start, end = _local_midnight(first, zone), _local_midnight(last + timedelta(days=1), zone)
    rows = store.rows("spot_price_sources", area=f.price_area, starts_from=start, starts_to=end, time_zone=time_zone)
    if not rows:
        return []
    if len(rows) > SOURCE_FILES_NAMED:  # a month of day files: the first, the last and how many
        return [_("Spot prices for {area} in this period came from {n} files, {first_file} to {last_file} "
                  "({intervals} intervals, {first}–{last}).", area=f.price_area, n=len(rows),
                  first_file=rows[0][0] or _("no file recorded"), last_file=rows[-1][0] or _("no file recorded"),
                  intervals=sum(r[1] for r in rows), first=formats.day(min(r[2] for r in rows)),
                  last=formats.day(max(r[3] for r in rows)))]
    files = "; ".join(_("{file} ({intervals} intervals, {first}–{last})", file=name or _("no file recorded"),
                        intervals=n, first=formats.day(lo), last=formats.day(hi))
                      for name, n, lo, hi in rows)
    return [_("Spot prices for {area} in this period came from: {files}.", area=f.price_area, files=files)]
