"""Statements per dwelling (issue 30, item 2): a period's sessions by the dwelling they belong to and who pays.

Every counted session dated in the period (as statements date it: statement_day) belongs to the dwelling
`dwelling_of(...)` names on that day (RFID tag first, then feed user, then station), or to none: those are
listed as "no dwelling", never dropped, and billed to no one. Its payer follows the board's rule:

- 'owner_at_end': the owner on the period's last day pays the whole period;
- 'by_ownership': the owner on the session's own day.

Several owners on one day (a couple): the one with the earliest valid_from, then the lowest owner_id.

Prices are the statements' own, never a second pricing: each session's exact cost is the one
chargeboard.statements gives it (with_session_costs over the system scope: flat or formula, hour by hour).
A line per (dwelling, payer) carries its sessions' energy cost plus the tariff's fixed monthly fee for each
calendar month in which the dwelling charged in the period (at the fee in force on the month's first day
in the period), given to whoever pays on the month's last day in the period. The standby, rest and capacity
shares of per-user statements are NOT carried: a dwelling pays its own charging and the fee (README).

VAT (amounts include it): a session a formula priced has its formula's VAT component; a flat price's
and the fee's are `amount x r / (1 + r)` with billing_settings.vat_rate (default 25 %). Money is exact until
each column (energy cost, fee, VAT) is rounded once over all lines with statements.allocate.

Who sees what: the lines are always priced and rounded over everyone (kept once per period, rule and data
version, chargeboard.memo, as statements are), then narrowed to the reader (`narrowed`): the system owner
sees every line and the "no dwelling" group; an account linked to dwellings (Scope.dwelling_grants) sees
the lines it pays (payer in Scope.owner_ids) and the lines of its dwelling whose every day it owned (the
other half of a couple), never another dwelling's, never the "no dwelling" group; anyone else is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from chargeboard import memo, statements, tariffs
from chargeboard.i18n import _
from chargeboard.pricing import energy
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store

PAYER_RULES = ("owner_at_end", "by_ownership")
# A session's exact cost and VAT as billing keeps them (billing_run_sessions' DECIMAL(28, 10)): a flat price's
# cost is exact at this scale (Wh x a price of 4 decimals); the formula's (10^-21 units) and a VAT share are
# rounded to it, so what is stored is what was added up, and a reopening finds no difference that is not one.
RAW = Decimal("1E-10")
DEFAULT_VAT_RATE = Decimal("0.25")


class BillingError(ValueError):
    """A billing request that cannot be done (bad period, rule, scope); the message is for the operator."""


@dataclass(frozen=True)
class Ownership:
    owner_id: int
    dwelling_id: int
    name: str
    valid_from: date
    valid_until: date | None

    def owns_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


@dataclass(frozen=True)
class Dwelling:
    dwelling_id: int
    installation_id: str
    number: str
    section_number: str | None
    share_number: str | None


@dataclass(frozen=True)
class PricedSession:
    """One counted session as billing sees it: its statement day, dwelling (None: none) and exact price."""
    session_id: str
    installation_id: str
    day: date
    dwelling_id: int | None
    energy_wh: int
    raw_cost: Decimal          # as statements.session_costs priced it, to RAW
    raw_vat: Decimal           # the VAT in raw_cost, to RAW
    # for the reader of a statement (its files), not for billing: the local time it is dated by, its station
    started_local: datetime | None = field(default=None, compare=False)
    station: str = field(default="", compare=False)


@dataclass
class DwellingLine:
    dwelling_id: int | None    # None: the "no dwelling" group (billed to no one)
    number: str
    payer_owner_id: int | None
    payer_name: str
    sessions: int = 0
    energy_wh: int = 0
    months: set[date] = field(default_factory=set)   # the months whose fee this line carries
    raw_energy: Decimal = Decimal(0)
    raw_fee: Decimal = Decimal(0)
    raw_vat: Decimal = Decimal(0)
    energy_cost: Decimal = Decimal(0)   # rounded (allocated per column)
    fixed_fee: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.energy_cost + self.fixed_fee

    @property
    def raw_amount(self) -> Decimal:
        return self.raw_energy + self.raw_fee


@dataclass
class DwellingStatements:
    date_from: date
    date_to: date
    payer_rule: str
    currency: str
    lines: list[DwellingLine]            # dwellings (number order), then "no dwelling" last
    sessions: list[tuple[PricedSession, int | None]]   # every session with its payer
    fees: list[tuple[int, int | None, date, Decimal, Decimal]]  # (dwelling, payer, day, fee, vat), exact
    periods_used: list[tariffs.PricePeriod]
    # the energy cost's components of the period's formula versions (statements.Statements.components; ()
    # for flat prices): a statement explains them in plain words (statements.meanings)
    components: tuple[str, ...] = ()
    as_of: datetime | None = None        # the tariffs as of this instant (the statements')
    notes: tuple[str, ...] = ()          # the statements' notes (unpriced days, a tariff changed afterwards)

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.lines if x.dwelling_id is not None), Decimal(0))

    @property
    def vat(self) -> Decimal:
        return sum((x.vat for x in self.lines if x.dwelling_id is not None), Decimal(0))

    def fee_payer_day(self, day: date) -> date:
        """The day whose owner pays a fee dated `day` (a `fees` entry's): its month's last in the period."""
        return min(month_end(day), self.date_to)

    def sessions_of(self, line: DwellingLine) -> list[PricedSession]:
        """A line's sessions, oldest first."""
        found = [s for s, payer in self.sessions if s.dwelling_id == line.dwelling_id
                 and payer == line.payer_owner_id]
        return sorted(found, key=lambda s: (s.started_local or _midnight(s.day), s.session_id))


# -- the register ---------------------------------------------------------------------------------------

def dwellings(store: Store) -> dict[int, Dwelling]:
    return {r[0]: Dwelling(*r) for r in store.rows("billing_dwelling_register")}


def ownerships(store: Store) -> list[Ownership]:
    return [Ownership(*r) for r in store.rows("billing_owner_periods")]


def owner_on(owners: Iterable[Ownership], dwelling_id: int | None, day: date) -> Ownership | None:
    """Who pays for a dwelling on a day: of its owners that day, the earliest valid_from, then lowest id."""
    if dwelling_id is None:
        return None
    on = [o for o in owners if o.dwelling_id == dwelling_id and o.owns_on(day)]
    return min(on, key=lambda o: (o.valid_from, o.owner_id)) if on else None


def payer_of(owners: Iterable[Ownership], rule: str, dwelling_id: int | None, day: date,
             period_to: date) -> Ownership | None:
    """The payer of a session dated `day` in a period ending `period_to`, under the rule."""
    if rule not in PAYER_RULES:
        raise BillingError(_("payer rule must be one of {rules}, not {rule}", rules=", ".join(PAYER_RULES),
                             rule=repr(rule)))
    return owner_on(owners, dwelling_id, period_to if rule == "owner_at_end" else day)


def vat_rate(store: Store) -> Decimal:
    row = store.one("billing_vat_rate")
    return Decimal(row[0]) if row else DEFAULT_VAT_RATE


# -- pricing (the statements', per session) -------------------------------------------------------------

def priced_sessions(store: Store, date_from: date, date_to: date
                    ) -> tuple[statements.Statements, list[PricedSession]]:
    """Every counted session dated in the period with its dwelling and its exact price as statements price
    it (whatever the caller's role: billing is computed over everyone, like statements)."""
    everyone = system_scope()
    request = statements.StatementRequest(date_from, date_to, standby_share="off", rest_share="off")
    rate = vat_rate(store)
    for attempt in range(3):
        st = statements.build_statements(store, everyone, request)
        st, by_user = statements.with_session_costs(store, everyone, st)
        costs = {s.session_id: s for per_user in by_user.values() for s in per_user}
        rows = store.rows("billing_session_days", everyone, local_from=_midnight(date_from),
                          local_to=_midnight(date_to + timedelta(days=1)))
        if len(rows) == len(costs) and all(r[0] in costs for r in rows):
            break
        if attempt == 2:
            raise statements.StatementDataChanged(_("sessions changed while the period was priced; try again"))
    out = []
    for session_id, installation_id, day, dwelling_id, wh in rows:
        cost = costs[session_id]
        raw = Decimal(cost.raw_cost).quantize(RAW, ROUND_HALF_UP)
        if cost.raw_components and energy.FLAT not in cost.raw_components:  # a formula priced it: its VAT
            raw_vat = Decimal(cost.raw_components.get("vat", Decimal(0))).quantize(RAW, ROUND_HALF_UP)
        else:
            raw_vat = vat_of(raw, rate)
        out.append(PricedSession(session_id, installation_id, day, dwelling_id, int(wh), raw, raw_vat,
                                 cost.started_local, cost.station))
    return st, out


def vat_of(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT in an amount that includes it, to RAW (as stored)."""
    return (amount * rate / (1 + rate)).quantize(RAW, ROUND_HALF_UP) if rate else Decimal(0)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def month_fees(st: statements.Statements, date_from: date, sessions: Iterable[PricedSession]
               ) -> dict[tuple[int, date], Decimal]:
    """The fixed monthly fee per (dwelling, month with charging in the period), exact: the fee of the
    tariff in force on the month's first day in the period."""
    periods = st.all_periods or st.periods_used
    out: dict[tuple[int, date], Decimal] = {}
    for s in sessions:
        if s.dwelling_id is None:
            continue
        month = s.day.replace(day=1)
        if (s.dwelling_id, month) not in out:
            period = tariffs.period_on(periods, max(month, date_from))
            out[(s.dwelling_id, month)] = period.monthly_fee if period else Decimal(0)
    return out


def month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# -- statements per dwelling ----------------------------------------------------------------------------

def dwelling_statements(store: Store, scope: Scope, date_from: date, date_to: date,
                        payer_rule: str = "owner_at_end") -> DwellingStatements:
    """The period's statements per dwelling and payer, narrowed to the lines the caller may see (the
    module's "Who sees what"). BillingError for a caller linked to no dwelling (and not the system
    owner), a bad period or rule."""
    if not scope.see_all and not scope.dwelling_grants:
        raise BillingError(_("only the system owner sees the statements of every dwelling"))
    everyone = _dwelling_statements_of_everyone(store, system_scope(), date_from, date_to, payer_rule)
    return everyone if scope.see_all else narrowed(everyone, scope)


def narrowed(ds: DwellingStatements, scope: Scope) -> DwellingStatements:
    """The lines (and their sessions and fees) `scope` may see: every one for the system owner; for an
    account linked to dwellings, those it pays and those of its dwellings on days it owned (each of the
    line's days: its sessions' and its fees'); never the "no dwelling" group."""
    if scope.see_all:
        return ds
    days: dict[tuple[int | None, int | None], set[date]] = {}
    for s, payer in ds.sessions:
        days.setdefault((s.dwelling_id, payer), set()).add(s.day)
    for dwelling_id, payer, day, _fee, _vat in ds.fees:
        days.setdefault((dwelling_id, payer), set()).add(ds.fee_payer_day(day))
    mine = scope.owner_ids

    def sees(dwelling_id: int | None, payer: int | None) -> bool:
        if dwelling_id is None:
            return False
        if payer is not None and payer in mine:
            return True
        grants = [g for g in scope.dwelling_grants if g.dwelling_id == dwelling_id]
        line_days = days.get((dwelling_id, payer), set())
        return bool(grants and line_days) and all(any(g.covers(d) for g in grants) for d in line_days)

    return replace(ds, lines=[x for x in ds.lines if sees(x.dwelling_id, x.payer_owner_id)],
                   sessions=[(s, p) for s, p in ds.sessions if sees(s.dwelling_id, p)],
                   fees=[f for f in ds.fees if sees(f[0], f[1])])


# Priced once per period, rule and data version whoever asks (the rounding is over every line), like
# statements._statements_of_everyone; the result is shared and never changed: `narrowed` makes new lists.
@memo.per_data_version(maxsize=32)
def _dwelling_statements_of_everyone(store: Store, everyone: Scope, date_from: date, date_to: date,
                                     payer_rule: str) -> DwellingStatements:
    if not everyone.see_all:
        raise ValueError("dwelling statements are priced over every line: call dwelling_statements")
    if date_to < date_from:
        raise BillingError(_("the period ends ({last}) before it starts ({first})", last=date_to, first=date_from))
    if payer_rule not in PAYER_RULES:
        raise BillingError(_("payer rule must be one of {rules}, not {rule}", rules=", ".join(PAYER_RULES),
                             rule=repr(payer_rule)))
    st, sessions = priced_sessions(store, date_from, date_to)
    register = dwellings(store)
    owners = ownerships(store)
    rate = vat_rate(store)
    lines: dict[tuple[int | None, int | None], DwellingLine] = {}

    def line_of(dwelling_id: int | None, payer: Ownership | None) -> DwellingLine:
        key = (dwelling_id, payer.owner_id if payer else None)
        if key not in lines:
            number = register[dwelling_id].number if dwelling_id is not None else ""
            lines[key] = DwellingLine(dwelling_id, number, key[1], payer.name if payer else "")
        return lines[key]

    with_payer = []
    for s in sessions:
        payer = payer_of(owners, payer_rule, s.dwelling_id, s.day, date_to)
        with_payer.append((s, payer.owner_id if payer else None))
        line = line_of(s.dwelling_id, payer)
        line.sessions += 1
        line.energy_wh += s.energy_wh
        line.raw_energy += s.raw_cost
        line.raw_vat += s.raw_vat
    fees = []
    for (dwelling_id, month), fee in month_fees(st, date_from, sessions).items():
        day = min(month_end(month), date_to)
        payer = payer_of(owners, payer_rule, dwelling_id, day, date_to)
        line = line_of(dwelling_id, payer)
        line.months.add(month)
        line.raw_fee += fee
        line.raw_vat += vat_of(fee, rate)
        fees.append((dwelling_id, payer.owner_id if payer else None, max(month, date_from), fee, vat_of(fee, rate)))
    ordered = sorted(lines.values(), key=lambda x: (x.dwelling_id is None, _number_key(x.number),
                                                    x.dwelling_id or 0, x.payer_owner_id or 0))
    unit = tariffs.minor_unit(st.currency)
    billed = [x for x in ordered if x.dwelling_id is not None]
    for column, raw in (("energy_cost", "raw_energy"), ("fixed_fee", "raw_fee"), ("vat", "raw_vat")):
        for x, amount in zip(billed, statements.allocate([getattr(x, raw) for x in billed], unit), strict=True):
            setattr(x, column, amount)
    for x in ordered:
        if x.dwelling_id is None:  # listed with its own rounding, never in the billed totals
            x.energy_cost = x.raw_energy.quantize(unit, ROUND_HALF_UP)
            x.vat = x.raw_vat.quantize(unit, ROUND_HALF_UP)
    return DwellingStatements(date_from, date_to, payer_rule, st.currency, ordered, with_payer, fees,
                              list(st.periods_used), tuple(st.components), st.as_of, tuple(st.notes))


def _number_key(number: str) -> tuple:
    """Dwelling numbers in a natural order: 2 before 10, H0101 before H0102."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.findall(r"\d+|\D+", number))
