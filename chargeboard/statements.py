"""Cost split: a statement per resident for a period.

A statement line is one feed user (the sessions without a user, open charging, get one line
of their own, paid by the co-op): sessions, kWh, energy cost (priced hour by hour with the
tariffs, see statement_user_costs.sql), the fixed monthly fee (for every calendar month in
which the resident charged in the period, at the fee in force on the month's first day of the
period), and optional shares of the chargers' standby estimate and of the unexplained rest
("other loads and losses"), priced at the day-average price. Shares are off by default; on,
each installation's shared cost is split among the residents who charged there in the period,
equally or in proportion to their kWh there. A negative rest is never shared.

Money is exact: every amount is computed as an unrounded Decimal and rounded to the currency's
minor unit once, here. Each column's total is its exact sum rounded once; the residents'
amounts in that column are allocated by largest remainder (ties: statement order), so they add
up exactly to the total shown; a resident's total is the sum of their columns.

Every resident's amounts depend on the others' (the rounding, the shares), so the lines are
always computed for everyone and then narrowed to what the caller may see: a resident's own
statement is exactly their line in the board's workbook.

Texts (notes, errors, the workbook's and the CSV's titles) are in the active language
(chargeboard.i18n), figures in text from chargeboard.formats; the exports log stays English.
A Statements object keeps the texts of the language it was built in (its notes, the open-charging
line's name): build and print it in the same one.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from chargeboard import excel, exports, formats, freshness, memo, reconciliation, tariffs
from chargeboard.collation import norwegian_key
from chargeboard.i18n import N_, _, ngettext
from chargeboard.pricing import capacity, energy
from chargeboard.pricing import formula as formulas
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store

SHARE_RULES = tariffs.SHARE_RULES
# Up to this many statements the page builds the workbook with every run (well under a second);
# more are built when asked for, with the PDFs (5,000 statements with their sessions take many seconds).
BUILT_WITH_PAGE = 300
MONEY_FIELDS = ("energy_cost", "fixed_fee", "standby_share", "rest_share", "capacity_share")
# The energy cost's components (chargeboard.pricing.energy): the formula's, and "flat" for the sessions
# a flat version priced. A statement shows them when a formula version's period is in it.
COMPONENTS = energy.ALL_COMPONENTS
COMPONENT_TITLES = {**formulas.COMPONENT_TITLES, energy.FLAT: N_("Flat price")}
OPEN_CHARGING = N_("Open charging (no user)")  # the line of the sessions without a user


class StatementError(ValueError):
    pass


class StatementDataChanged(StatementError):
    """Sessions were loaded (or changed) between a statement and the reading of its sessions."""


@dataclass(frozen=True)
class StatementRequest:
    date_from: date
    date_to: date
    standby_share: str | None = None  # None: the rule of the tariff in force on the period's last day
    rest_share: str | None = None
    as_of: datetime | None = None   # tariffs as of this instant (default: now)

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise StatementError(_("the period ends ({last}) before it starts ({first})", last=self.date_to,
                                   first=self.date_from))
        for rule in (self.standby_share, self.rest_share):
            if rule is not None and rule not in SHARE_RULES:
                raise StatementError(_("share rule must be one of {rules}, not {rule}", rules=", ".join(SHARE_RULES),
                                       rule=repr(rule)))

    @property
    def label(self) -> str:
        """01.01.2026–31.01.2026 / 1 Jan 2026–31 Jan 2026."""
        return formats.period(self.date_from, self.date_to)


@dataclass
class StatementLine:
    user_id: str
    name: str
    email: str | None
    sessions: int = 0
    energy_kwh: Decimal = Decimal("0.000")
    active_months: int = 0
    unpriced_kwh: Decimal = Decimal("0.000")
    kwh_by_installation: dict[str, Decimal] = field(default_factory=dict)
    raw: dict[str, Decimal] = field(default_factory=lambda: {f: Decimal(0) for f in MONEY_FIELDS})
    energy_cost: Decimal = Decimal(0)
    fixed_fee: Decimal = Decimal(0)
    standby_share: Decimal = Decimal(0)
    rest_share: Decimal = Decimal(0)
    capacity_share: Decimal = Decimal(0)  # the capacity cost attributed to charging, by kWh in the peak hours
    # the energy cost by component (COMPONENTS), exact and rounded; empty when no formula version is
    # in the statement. Then energy_cost is the sum of the rounded components.
    raw_components: dict[str, Decimal] = field(default_factory=dict)
    components: dict[str, Decimal] = field(default_factory=dict)
    component_kwh: dict[str, Decimal] = field(default_factory=dict)  # kWh priced by each component

    @property
    def is_resident(self) -> bool:
        return self.user_id != ""

    @property
    def total(self) -> Decimal:
        return self.energy_cost + self.fixed_fee + self.standby_share + self.rest_share + self.capacity_share


@dataclass
class Statements:
    request: StatementRequest
    as_of: datetime
    currency: str
    lines: list[StatementLine]          # what the caller may see
    totals: dict[str, Decimal]          # over ALL lines (shown to the system owner only)
    all_lines: int
    periods_used: list[tariffs.PricePeriod]
    shared_kwh: dict[str, Decimal]      # standby / rest kWh shared
    notes: list[str]
    # every price period as of as_of: a session dated in the period may run into the next one's first day
    all_periods: list[tariffs.PricePeriod] = field(default_factory=list)
    # the energy cost's components shown (COMPONENTS order; () = no formula version in the period: the
    # statement is the flat price's, as before) and their totals over ALL lines
    components: tuple[str, ...] = ()
    component_totals: dict[str, Decimal] = field(default_factory=dict)
    capacity_months: tuple[date, ...] = ()  # the months whose attributed capacity cost is shared
    # the chains of the installations with formula versions of their own, as of as_of (tariffs.installation_chains)
    chains: dict[str, list[tariffs.PricePeriod]] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), Decimal(0))


@dataclass(frozen=True)
class Money:
    """What a resident's own charging costs this month and this year so far (My usage)."""
    month: Decimal
    year: Decimal
    currency: str


@dataclass(frozen=True)
class SessionCost:
    """One session of a statement, priced as the statement prices it."""
    session_id: str
    user_id: str
    started_local: datetime      # the local time the session is dated by
    ended_local: datetime | None
    station: str
    energy_kwh: Decimal
    raw_cost: Decimal            # exact, unrounded
    cost: Decimal = Decimal(0)   # rounded; a statement's sessions add up exactly to its energy cost
    # how its energy was priced: (tariff version, local hour the piece starts in, price per kWh, Wh) pieces,
    # whole Wh that add up to the session's kWh and whose Wh x price add up to raw_cost; version and price
    # None where unpriced. A session of one price is one piece from its start (an unreliable clock's at its
    # day's base price, whatever band its hour is in)
    parts: tuple[tuple[int | None, int | None, Decimal | None, int], ...] = ()
    # by component (COMPONENTS; a flat version's session: "flat"), exact; raw_cost is their sum. Filled
    # when the statement shows components, and then `components` holds them rounded: each component of
    # a line allocated over its sessions, so the sessions add up to the line per component too
    raw_components: dict[str, Decimal] = field(default_factory=dict)
    components: dict[str, Decimal] = field(default_factory=dict)


def allocate(raw: list[Decimal], unit: Decimal) -> list[Decimal]:
    """Round each amount to `unit` so that they add up to the exact sum rounded once
    (largest remainder; ties go to the earlier amount)."""
    if not raw:
        return []
    shape = unit.as_tuple()
    if shape.digits == (1,):  # a power of ten (0.01, 1): shifting the point is exact and fast
        scaled = [r.scaleb(-shape.exponent) for r in raw]
    else:
        scaled = [r / unit for r in raw]
    total_units = int(sum(scaled, Decimal(0)).to_integral_value(ROUND_HALF_UP))
    floors = [int(x.to_integral_value(ROUND_FLOOR)) for x in scaled]
    left = total_units - sum(floors)
    if left:
        order = sorted(range(len(raw)), key=lambda i: (floors[i] - scaled[i], i))
        for i in order[:left]:
            floors[i] += 1
    return [Decimal(f) * unit for f in floors]


def allocate_to(raw: list[Decimal], target: Decimal, unit: Decimal) -> list[Decimal]:
    """Round each amount to `unit` so that they add up exactly to `target` (an already rounded
    total within one unit per amount of their exact sum), by largest remainder."""
    if not raw:
        return []
    scaled = [r / unit for r in raw]
    floors = [int(x.to_integral_value(ROUND_FLOOR)) for x in scaled]
    left = int((target / unit).to_integral_value(ROUND_HALF_UP)) - sum(floors)
    if not 0 <= left <= len(raw):
        raise StatementError(_("cannot round {n} amounts summing to {sum} to a total of {total}", n=len(raw),
                               sum=sum(raw), total=target))
    order = sorted(range(len(raw)), key=lambda i: (floors[i] - scaled[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * unit for f in floors]


@memo.per_data_version()
def own_costs(store: Store, scope: Scope, today: date):
    """What the caller's own charging costs this month and this year so far (My usage):
    the caller's own statement lines, computed exactly as the statements page does. None
    while no tariff is set. Kept per scope and data version in the app (chargeboard.memo), like
    the page's other results."""
    if not tariffs.has_tariff(store):
        return None
    own = set(scope.user_ids)

    def total(request: StatementRequest) -> tuple[Decimal, str]:
        result = build_statements(store, scope, request)
        return sum((x.total for x in result.lines if x.user_id in own), Decimal(0)), result.currency

    (month, currency), (year, _currency) = (total(r) for r in own_cost_requests(today))
    return Money(month=month, year=year, currency=currency)


def own_cost_requests(today: date) -> tuple[StatementRequest, StatementRequest]:
    """The statements My usage's costs read: this month and this year so far (warm.py prices them ahead)."""
    return StatementRequest(today.replace(day=1), today), StatementRequest(date(today.year, 1, 1), today)


def _day_price(period: tariffs.PricePeriod) -> Decimal:
    return sum((period.hour_price(h) for h in range(24)), Decimal(0)) / 24


# The period the Statements page opens on (warm.py prices it ahead, with My usage's month and year).
DEFAULT_PERIOD = "Last month"


# Kept per data version: every rerun of the Statements page (a click on a download) priced every
# session again. A tariff or issuer change is a write, so it changes the version; a request without
# as_of is priced as of the first computation for that version (the page says when).
@memo.per_data_version()
def build_statements(store: Store, scope: Scope, request: StatementRequest) -> Statements:
    """The statements of a period, with the lines the caller may see."""
    everyone = _statements_of_everyone(store, system_scope(), request)
    if scope.see_all:
        return everyone
    visible = {r[0] for r in store.rows("statement_visible_users", scope)}
    return replace(everyone, lines=[x for x in everyone.lines if x.user_id in visible])


# Every line is priced whoever asks (the shares and the rounding are allocated over all of them), so the
# pricing is kept once per request and data version, not once per reader: the residents who log in
# after a feed lands share one pricing of their month and year (My usage) instead of one each.
# Its lines are shared and never changed after this function; build_statements narrows them per reader.
# `everyone` is always the system scope: the memo keys every result on the scope it was computed in.
@memo.per_data_version()
def _statements_of_everyone(store: Store, everyone: Scope, request: StatementRequest) -> Statements:
    if not everyone.see_all:
        raise ValueError("statements are priced over every line: call build_statements with the reader's scope")
    as_of = request.as_of or datetime.now(UTC)
    periods = tariffs.periods(store, as_of)
    chains = tariffs.installation_chains(store, as_of)
    last = tariffs.period_on(periods, request.date_to)
    request = replace(request, as_of=as_of,
                      standby_share=request.standby_share or (last.standby_share if last else "off"),
                      rest_share=request.rest_share or (last.rest_share if last else "off"))
    currency = tariffs.currency_of(periods)
    unit = tariffs.minor_unit(currency)
    notes: list[str] = []
    rows = store.rows("statement_user_costs", everyone,
                      local_from=datetime.combine(request.date_from, time.min),
                      local_to=datetime.combine(request.date_to + timedelta(days=1), time.min), as_of=as_of,
                      per_session=False)
    priced = energy.price_sessions(store, everyone, periods, request.date_from, request.date_to, per_session=False,
                                   chains=chains)
    lines: dict[str, StatementLine] = {}
    months: dict[str, set[date]] = {}
    flat_unpriced = Decimal(0)
    for user_id, inst, n, kwh, cost, unpriced, active, name, email, *_per_session in rows:
        if not user_id:  # the query names it in English: the reader's language here
            name = _(OPEN_CHARGING)
        line = lines.setdefault(user_id, StatementLine(user_id, name, email))
        line.sessions += n
        line.energy_kwh += kwh
        line.unpriced_kwh += unpriced
        flat_unpriced += unpriced
        line.raw["energy_cost"] += Decimal(cost)
        if priced.components:
            line.raw_components[energy.FLAT] = line.raw_components.get(energy.FLAT, Decimal(0)) + Decimal(cost)
            line.component_kwh[energy.FLAT] = line.component_kwh.get(energy.FLAT, Decimal(0)) + kwh - unpriced
        line.kwh_by_installation[inst] = line.kwh_by_installation.get(inst, Decimal(0)) + kwh
        months.setdefault(user_id, set()).update(active)
    for row in priced.rows:
        name = _(OPEN_CHARGING) if not row.user_id else row.name
        line = lines.setdefault(row.user_id, StatementLine(row.user_id, name, row.email))
        line.sessions += row.sessions
        line.energy_kwh += row.energy_kwh
        line.unpriced_kwh += row.unpriced_kwh
        line.raw["energy_cost"] += row.cost
        for c in priced.components:
            line.raw_components[c] = line.raw_components.get(c, Decimal(0)) + row.components[c]
            line.component_kwh[c] = line.component_kwh.get(c, Decimal(0)) + row.component_kwh[c]
        line.kwh_by_installation[row.installation_id] = (line.kwh_by_installation.get(row.installation_id, Decimal(0))
                                                         + row.energy_kwh)
        months.setdefault(row.user_id, set()).update(row.active_months)
    # the components shown: the formula periods' (and "flat" beside them when a flat version is in the period
    # of a charging installation's chain, or priced anything)
    components: tuple[str, ...] = ()
    if priced.components:
        charged = {inst for x in lines.values() for inst in x.kwh_by_installation} or {None}
        flat_used = any(p.formula is None for inst in charged for p in tariffs.chain_of(periods, chains, inst)
                        if p.valid_from <= request.date_to and p.valid_to > request.date_from) \
            or any(x.raw_components.get(energy.FLAT) for x in lines.values())
        components = (*priced.components, *((energy.FLAT,) if flat_used else ()))
    ordered = sorted(lines.values(), key=lambda x: (not x.is_resident, norwegian_key(x.name), x.user_id))
    fee_of: dict[date, Decimal] = {}
    for line in ordered:
        line.active_months = len(months[line.user_id])
        if line.is_resident:
            for month in months[line.user_id]:
                if month not in fee_of:
                    period = tariffs.period_on(periods, max(month, request.date_from))
                    fee_of[month] = period.monthly_fee if period else Decimal(0)
                line.raw["fixed_fee"] += fee_of[month]
    unpriced = sum((x.unpriced_kwh for x in ordered), Decimal(0))
    if flat_unpriced:
        notes.append(_("{kwh} fell on days with no tariff and are not priced: add a price period.",
                       kwh=formats.kwh(flat_unpriced, 3)))
    notes.extend(priced.notes)
    shared_kwh = {"standby": Decimal(0), "rest": Decimal(0)}
    if request.standby_share != "off" or request.rest_share != "off":
        _shares(store, request, periods, chains, ordered, shared_kwh, notes)
    capacity_months = _capacity_shares(store, request, periods, chains, ordered, notes)
    for name in MONEY_FIELDS:
        if name == "energy_cost" and components:
            continue  # the sum of its rounded components, below
        for line, amount in zip(ordered, allocate([x.raw[name] for x in ordered], unit), strict=True):
            setattr(line, name, amount)
    for c in components:  # each component rounded once over the lines, as the other money columns
        for line, amount in zip(ordered, allocate([x.raw_components.get(c, Decimal(0)) for x in ordered], unit),
                                strict=True):
            line.components[c] = amount
    if components:
        for line in ordered:
            line.energy_cost = sum((line.components[c] for c in components), Decimal(0))
    totals = {name: sum((getattr(x, name) for x in ordered), Decimal(0)) for name in MONEY_FIELDS}
    component_totals = {c: sum((x.components[c] for x in ordered), Decimal(0)) for c in components}
    used = _used(periods, chains, request)
    period_end = datetime.combine(request.date_to + timedelta(days=1), time.min, UTC)
    if period_end < as_of:
        then = [p.version for p in _used(tariffs.periods(store, period_end),
                                         tariffs.installation_chains(store, period_end), request)]
        changed = [p for p in used if p.version not in then]
        if then and changed:
            versions = ", ".join(_("version {version} by {who} on {day}", version=p.version, who=p.created_by,
                                   day=formats.day(p.created_at)) for p in changed)
            notes.append(_("The tariff of this period was changed after the period ended ({versions}; at the "
                           "period's end, version(s) {then} applied). Statements made before the change used "
                           "those prices: compute 'as of' then to see them.", versions=versions,
                           then=", ".join(map(str, then))))
    if not used and not unpriced:  # (with sessions, the unpriced note above already says it, and what to do)
        notes.append(_("No tariff covers this period: the energy costs are 0. Enter a price on the Tariffs page."))
    return Statements(request, as_of, currency, ordered, totals, len(ordered), used, shared_kwh, notes, periods,
                      components, component_totals, capacity_months, chains)


def _used(periods, chains, request: StatementRequest) -> list[tariffs.PricePeriod]:
    """The periods of the co-op-wide chain and of every installation's own chain that overlap the request's
    period, each version once, by valid_from then version."""
    found: dict[int, tariffs.PricePeriod] = {}
    for chain in (periods, *chains.values()):
        for p in chain:
            if p.valid_from <= request.date_to and p.valid_to > request.date_from:
                found.setdefault(p.version, p)
    return sorted(found.values(), key=lambda p: (p.valid_from, p.version))


def session_costs(store: Store, scope: Scope, st: Statements) -> dict[str, list[SessionCost]]:
    """Every session behind each shown statement line, oldest first, priced by the same query as
    the statement (per session); each line's session amounts add up exactly to its energy cost.
    Read in the caller's own scope: a line the caller may see holds only sessions in that scope."""
    rows, formula_rows = _session_rows(store, scope, st)
    by_user: dict[str, list[SessionCost]] = {x.user_id: [] for x in st.lines}
    periods = st.all_periods or st.periods_used
    for row in formula_rows:
        if row.user_id in by_user:
            by_user[row.user_id].append(SessionCost(
                row.session_id, row.user_id, row.first_local, row.ended_local, row.station or "", row.energy_kwh,
                row.cost, raw_components={c: row.components[c] for c in st.components if c in row.components}))
    for user_id, _inst, _n, kwh, cost, unpriced, _active, _name, _email, sid, first, last, station, parts in rows:
        if user_id in by_user:
            kwh, cost = Decimal(kwh), Decimal(cost)
            if parts:
                pieces = tuple((x["version"], x["hour"], x["price"], x["wh"]) for x in parts)
            elif not kwh:
                pieces = ()
            elif unpriced:  # (the query gives the pieces of every session but those of one price or none)
                pieces = ((None, None, None, int(kwh * 1000)),)
            else:  # one price: its cost is kWh x that price, exactly
                period = tariffs.period_on(periods, first.date())
                pieces = ((period.version if period else None, first.hour, cost / kwh, int(kwh * 1000)),)
            by_user[user_id].append(SessionCost(sid, user_id, first, last, station or "", kwh, cost, parts=pieces,
                                                raw_components={energy.FLAT: cost} if st.components else {}))
    unit = tariffs.minor_unit(st.currency)
    for line in st.lines:
        sessions = sorted(by_user[line.user_id], key=lambda s: (s.started_local, s.session_id))
        if sum((s.raw_cost for s in sessions), Decimal(0)) != line.raw["energy_cost"] or len(sessions) != line.sessions:
            raise StatementDataChanged(_("the sessions of {name} do not add up to their statement line; was data "
                                         "loaded while the statement was computed? Try again.", name=line.name))
        if st.components:
            # each component of the line allocated over its sessions; a session's cost is the sum of its own
            by_component = {c: allocate_to([s.raw_components.get(c, Decimal(0)) for s in sessions],
                                           line.components[c], unit) for c in st.components}
            by_user[line.user_id] = [
                replace(s, components={c: by_component[c][i] for c in st.components},
                        cost=sum((by_component[c][i] for c in st.components), Decimal(0)))
                for i, s in enumerate(sessions)]
            continue
        amounts = allocate_to([s.raw_cost for s in sessions], line.energy_cost, unit)
        by_user[line.user_id] = [replace(s, cost=a) for s, a in zip(sessions, amounts, strict=True)]
    return by_user


def with_session_costs(store: Store, scope: Scope, st: Statements, tries: int = 3
                       ) -> tuple[Statements, dict[str, list[SessionCost]]]:
    """The statements and their sessions, read so that they agree. A feed that lands between the
    statement and the reading of its sessions (an ingest while a page is open) makes them disagree:
    then the statements are computed again, for the same request, on the data as it is now, so a file
    always adds up (it may then be newer than the page that offered it)."""
    for attempt in range(tries):
        try:
            return st, session_costs(store, scope, st)
        except StatementDataChanged:
            if attempt == tries - 1:
                raise
            st = build_statements(store, scope, st.request)
    raise AssertionError("unreachable")


def session_prices(store: Store, scope: Scope, date_from: date, date_to: date) -> tuple[dict[str, Decimal], str]:
    """Each session in the caller's scope dated in the period, priced by the statements' own query and
    rounded to the minor unit (no tariffs: none), with the currency. For a list of one's own sessions."""
    as_of = datetime.now(UTC)
    all_periods = tariffs.periods(store, as_of)
    currency = tariffs.currency_of(all_periods)
    if not tariffs.has_tariff(store, as_of):
        return {}, currency
    unit = tariffs.minor_unit(currency)
    rows = store.rows("statement_user_costs", scope, local_from=datetime.combine(date_from, time.min),
                      local_to=datetime.combine(date_to + timedelta(days=1), time.min), as_of=as_of,
                      per_session=True)
    prices = {r[9]: Decimal(r[4]).quantize(unit, ROUND_HALF_UP) for r in rows if not r[5]}
    for row in energy.price_sessions(store, scope, all_periods, date_from, date_to, per_session=True,
                                     chains=tariffs.installation_chains(store, as_of)).rows:
        if not row.unpriced_kwh:
            prices[row.session_id] = row.cost.quantize(unit, ROUND_HALF_UP)
    return prices, currency


# The per-session query costs a few times the statement's own; the page builds the workbook and the
# PDF from the same rows, so they are kept for the last few (scope, period, tariff versions, data).
_SESSION_ROWS: OrderedDict = OrderedDict()
_SESSION_ROWS_KEPT = 4
_SESSION_ROWS_LOCK = threading.Lock()  # each browser session runs in its own thread


def _session_rows(store: Store, scope: Scope, st: Statements) -> tuple[list[tuple], list[energy.FormulaRow]]:
    r = st.request
    key = (store, scope, r.date_from, r.date_to, tuple((p.version, p.valid_from) for p in st.periods_used),
           store.data_version())
    with _SESSION_ROWS_LOCK:
        if key in _SESSION_ROWS:
            _SESSION_ROWS.move_to_end(key)
            return _SESSION_ROWS[key]
    periods = st.all_periods or st.periods_used
    rows = (store.rows("statement_user_costs", scope, local_from=datetime.combine(r.date_from, time.min),
                       local_to=datetime.combine(r.date_to + timedelta(days=1), time.min), as_of=st.as_of,
                       per_session=True),
            energy.price_sessions(store, scope, periods, r.date_from, r.date_to, per_session=True,
                                  chains=st.chains).rows)
    with _SESSION_ROWS_LOCK:
        _SESSION_ROWS[key] = rows
        while len(_SESSION_ROWS) > _SESSION_ROWS_KEPT:
            _SESSION_ROWS.popitem(last=False)
    return rows


OTHER_HOURS = "other hours"  # a band part's label for the hours outside every band (band_label() says it)
NO_TARIFF = "no tariff"      # a band part's label for the energy on days no price period covers


def band_label(label: str) -> str:
    """A band part's label as a reader reads it: "hours 22–06" / "other hours" (timer 22–06 / øvrige timer)."""
    if label == NO_TARIFF:
        return _("days with no tariff")
    return _("other hours") if label == OTHER_HOURS else _("hours {band}", band=label)


@dataclass(frozen=True)
class BandPart:
    label: str          # "22–06", OTHER_HOURS or NO_TARIFF
    price: Decimal      # per kWh
    energy_kwh: Decimal
    amount: Decimal     # energy_kwh x price, rounded to the minor unit up or down (see band_split)


def band_split(st: Statements, line: StatementLine, sessions: list[SessionCost]) -> list[BandPart]:
    """A line's energy by time-of-use band and price, for tariffs with bands (else []): the Wh that
    fell in those hours, as the statement priced them (the sessions' own pieces, whole Wh), so a
    part's kWh add up to the line's and its exact amount is its kWh x price. The exact amounts add
    up to the line's unrounded energy cost; each is rounded to the minor unit, up or down by largest
    remainder (allocate_to), so they add up exactly to the line's energy cost and none is a whole
    unit off its kWh x price."""
    if not any(p.bands for p in st.periods_used) or not sessions or st.components:
        return []  # (beside a formula period the statement shows its components instead)
    by_version = {p.version: p for p in (st.all_periods or st.periods_used)}
    wh: dict[tuple[str, Decimal], int] = {}
    for s in sessions:
        for version, hour, price, part_wh in s.parts:
            if price is None:
                key = (NO_TARIFF, Decimal(0))
            else:
                period = by_version.get(version)
                band = next((b for b in period.bands if b.covers(hour)), None) if period and hour is not None else None
                # (a band whose price is the base price: its hours are priced as the others are)
                key = (f"{band.from_hour:02d}–{band.to_hour:02d}" if band and band.price == price else OTHER_HOURS,
                       Decimal(price))
            wh[key] = wh.get(key, 0) + part_wh
    keys = sorted((k for k in wh if wh[k]), key=lambda k: (k[0] == NO_TARIFF, k[0] == OTHER_HOURS, k[0], k[1]))
    kwh = [Decimal(wh[k]) / 1000 for k in keys]
    if sum(kwh, Decimal(0)) != line.energy_kwh:
        raise StatementDataChanged(_("the sessions of {name} do not add up to their statement line; was data "
                                     "loaded while the statement was computed? Try again.", name=line.name))
    amounts = allocate_to([e * k[1] for k, e in zip(keys, kwh, strict=True)], line.energy_cost,
                          tariffs.minor_unit(st.currency))
    return [BandPart(k[0], k[1], e, a) for k, e, a in zip(keys, kwh, amounts, strict=True)]


def _shares(store: Store, request: StatementRequest, periods, chains, lines: list[StatementLine],
            shared_kwh: dict[str, Decimal], notes: list[str]) -> None:
    """Add each installation's standby and rest cost to the raw amounts of its residents."""
    by_inst = {i[0]: i for i in reconciliation.installations(store)}
    insts = {inst for x in lines if x.is_resident for inst in x.kwh_by_installation}
    for inst in sorted(insts):
        if inst not in by_inst:
            notes.append(_("Installation {installation} has no meter: its standby and rest are not shared.",
                           installation=inst))
            continue
        rec = reconciliation.reconcile(store, system_scope(), inst, request.date_from, request.date_to)
        cost = {"standby": Decimal(0), "rest": Decimal(0)}
        for month in rec.months:
            period = tariffs.period_on(tariffs.chain_of(periods, chains, inst), month.date_from)
            if period is not None and period.formula is not None:  # the mean of the month's interval prices
                last = min(month.date_to, period.valid_to - timedelta(days=1))
                price = energy.mean_price(store, period.formula, by_inst[inst][2], inst, month.date_from,
                                          last) or Decimal(0)
            else:
                price = _day_price(period) if period else Decimal(0)
            if request.standby_share != "off":
                cost["standby"] += month.standby_kwh * price
                shared_kwh["standby"] += month.standby_kwh
            if request.rest_share != "off":
                rest = month.rest_kwh
                if rest is None:
                    notes.append(_("{installation} {month}: no meter figure, so no rest to share.",
                                   installation=rec.installation, month=month.label))
                elif rest < 0:
                    notes.append(_("{installation} {month}: negative rest ({kwh}) is not shared.",
                                   installation=rec.installation, month=month.label, kwh=formats.kwh(rest, 3)))
                else:
                    cost["rest"] += rest * price
                    shared_kwh["rest"] += rest
        residents = [x for x in lines if x.is_resident and x.kwh_by_installation.get(inst)]
        kwh_total = sum((x.kwh_by_installation[inst] for x in residents), Decimal(0))
        for what, rule in (("standby", request.standby_share), ("rest", request.rest_share)):
            if rule == "off" or not residents:
                continue
            for x in residents:
                weight = (Decimal(1) / len(residents) if rule == "equal"
                          else x.kwh_by_installation[inst] / kwh_total if kwh_total else Decimal(0))
                x.raw[f"{what}_share"] += cost[what] * weight


def _capacity_shares(store: Store, request: StatementRequest, periods, chains, lines: list[StatementLine],
                     notes: list[str]) -> tuple[date, ...]:
    """Add each whole month's capacity cost attributed to charging (chargeboard.pricing.capacity) to the
    raw amounts of the lines, in proportion to their kWh in the peak hours that set it, where the tariff
    in force on the month's first day (in each installation's chain) is a formula sharing it
    (capacity.share_with_residents). The months shared; a month the period covers only in part is not
    shared (a note says so)."""
    shared: list[date] = []
    by_user = {x.user_id: x for x in lines}
    installations = sorted({inst for x in lines for inst in x.kwh_by_installation})

    def sharing_period(inst, month):
        period = tariffs.period_on(tariffs.chain_of(periods, chains, inst), month)
        sharing = (period is not None and period.formula is not None and period.formula.capacity is not None
                   and period.formula.capacity.share_with_residents)
        return period if sharing else None

    whole_months = []  # (month, the installations sharing it): each a whole month of the period
    month = request.date_from.replace(day=1)
    while month <= request.date_to:
        next_month = (month + timedelta(days=32)).replace(day=1)
        sharing = [inst for inst in installations if sharing_period(inst, month)]
        whole = request.date_from <= month and next_month - timedelta(days=1) <= request.date_to
        if (sharing or sharing_period(None, month)) and not whole:
            notes.append(_("The capacity cost of {month} is shared in a statement of the whole month only.",
                           month=formats.month_long(month)))
        elif sharing:
            whole_months.append((month, sharing))
        month = next_month
    # The months of each installation and rule read at once (a year's in one pass of each query, not 12),
    # kept: every statement of the period, My usage's too, reads the same ones
    asked: dict[tuple, list[date]] = {}
    for month, sharing in whole_months:
        for inst in sharing:
            rule, steps = capacity.rule_and_steps(sharing_period(inst, month).formula.capacity)
            asked.setdefault((inst, rule, steps), []).append(month)
    found = {}
    for (inst, rule, steps), months in asked.items():
        for month, cm in capacity.kept_months(store, system_scope(), inst, tuple(months), rule, steps).items():
            found[(inst, month)] = cm
    for month, sharing in whole_months:
        for inst in sharing:
            cm = found[(inst, month)]
            weights = {u: kwh for u, kwh in cm.residents_peak_kwh.items() if u in by_user}
            weight_total = sum(weights.values(), Decimal(0))
            if not cm.attributed_cost:
                continue
            if not weight_total:
                notes.append(_("{installation} {month}: no charging in the peak hours, so the capacity cost "
                               "attributed to charging ({cost}) is not shared.", installation=cm.installation,
                               month=formats.month_long(month), cost=formats.money(cm.attributed_cost)))
                continue
            for user_id, kwh in weights.items():
                by_user[user_id].raw["capacity_share"] += cm.attributed_cost * kwh / weight_total
            shared.append(month)
    return tuple(sorted(set(shared)))


# -- who issues the statements ------------------------------------------------------------------------

@dataclass(frozen=True)
class Issuer:
    name: str
    address: str = ""   # postal address, lines separated by newlines


def issuer(store: Store) -> Issuer:
    """The co-op's name and address for statements: as set, else the installation's name (or names)."""
    row = store.one("statement_issuer")
    if row:
        return Issuer(row[0], row[1] or "")
    names = [r[1] for r in store.rows("installations_all")]
    return Issuer(", ".join(names) if names else _("Charging co-op"))


ISSUER_NAME_MAX, ISSUER_ADDRESS_MAX = 200, 500  # characters


def set_issuer(store: Store, scope: Scope, name: str, address: str, updated_by: str | None = None) -> Issuer:
    """Set what every statement prints as its issuer. The system owner's alone (the command line's
    scope is the system owner's); `updated_by` defaults to the scope's username."""
    if not scope.is_system_owner:
        raise StatementError(_("only the system owner sets the co-op details printed on statements"))
    name, address = (name or "").strip(), "\n".join(x.strip() for x in (address or "").strip().splitlines())
    if not name or len(name) > ISSUER_NAME_MAX or len(address) > ISSUER_ADDRESS_MAX:
        raise StatementError(_("the co-op's name (1–{name_max} characters) and address (up to {address_max}) are "
                               "needed", name_max=ISSUER_NAME_MAX, address_max=ISSUER_ADDRESS_MAX))
    store.execute("statement_issuer_set", issuer_name=name, address=address,
                  updated_by=updated_by or scope.username)
    return Issuer(name, address)


def money_text(amount: Decimal, currency: str) -> str:
    """An amount to the currency's minor unit in the active language, without the currency:
    '1 234,50' / '1,234.50' (the figure the statement holds)."""
    unit = tariffs.minor_unit(currency)
    return formats.decimal(amount.quantize(unit), -unit.as_tuple().exponent)


ROUNDING_NOTE = N_("Amounts are exact until rounded once to the currency's minor unit; each column's rows add up "
                   "exactly to its total (largest-remainder allocation), and a statement's sessions add up exactly "
                   "to its energy cost.")


# -- exports -----------------------------------------------------------------------------------------

# (CSV key, title msgid, Excel kind)
SUMMARY_COLUMNS = [("name", N_("Resident"), "text"), ("email", N_("E-mail"), "text"),
                   ("sessions", N_("Sessions"), "int"), ("energy_kwh", N_("Energy (kWh)"), "kwh"),
                   ("energy_cost", N_("Energy cost"), "money"), ("fixed_fee", N_("Fixed fee"), "money"),
                   ("standby_share", N_("Standby share"), "money"), ("rest_share", N_("Other loads share"), "money"),
                   ("total", N_("Total"), "money")]
CAPACITY_COLUMN = ("capacity_share", N_("Capacity share"), "money")  # before the total, where it is shared


def summary_columns(st: Statements) -> list[tuple[str, str, str]]:
    """The summary's columns (key, title msgid, kind): the capacity share's only in a statement that shares it."""
    return SUMMARY_COLUMNS[:-1] + [CAPACITY_COLUMN] * bool(st.capacity_months) + SUMMARY_COLUMNS[-1:]


def money_fields(st: Statements) -> tuple[str, ...]:
    """The money columns the summary shows, in its order (the capacity share only where it is shared)."""
    return MONEY_FIELDS if st.capacity_months else tuple(f for f in MONEY_FIELDS if f != "capacity_share")


def summary_rows(st: Statements) -> list[list]:
    """The summary's rows; beside a formula period, each component used after the total (component_titles)."""
    return [[x.name, x.email or "", x.sessions, x.energy_kwh, *[getattr(x, f) for f in money_fields(st)], x.total,
             *[x.components[c] for c in st.components]] for x in st.lines]


def component_title(component: str) -> str:
    """A component's column title in the active language (Spot price, VAT, Flat price, …)."""
    return _(COMPONENT_TITLES[component])


# What each line of a statement priced by the bill's formula means, for a resident reading it.
COMPONENT_MEANINGS = {
    "spot": N_("the market price of electricity in the co-op's price area, hour by hour (or quarter by quarter), "
               "excl. VAT"),
    "norgespris": N_("the state's fixed price the co-op chose instead of the market price, excl. VAT"),
    "markup": N_("the electricity supplier's own charge per kWh"),
    "grid": N_("the grid company's price per kWh for carrying the electricity, cheaper at night"),
    "tax": N_("the state's tax on electricity use (elavgift)"),
    "enova": N_("the fee per kWh that funds Enova"),
    "vat": N_("25 % VAT on all of the above"),
    "support": N_("the state's electricity support (strømstøtte): 90 % of the market price above a threshold, paid "
                  "to the co-op and passed on to you, so it is a negative amount"),
    "cost_price": N_("the price per kWh on the co-op's own electricity and grid invoices for the month"),
    energy.FLAT: N_("the co-op's fixed price per kWh, for charging priced by a flat tariff"),
}
CAPACITY_MEANING = N_("your part of the grid's capacity charge (kapasitetsledd) that the chargers caused, in "
                      "proportion to your charging in the month's peak hours")


def meanings(st: Statements) -> list[tuple[str, str]]:
    """(title, what it means) for each line a statement shows beyond kWh and fees, in the active language."""
    out = [(component_title(c), _(COMPONENT_MEANINGS[c])) for c in st.components]
    if st.capacity_months:
        out.append((_("Capacity share"), _(CAPACITY_MEANING)))
    return out


def component_titles(st: Statements) -> list[str]:
    return [component_title(c) for c in st.components]


def component_csv_values(st: Statements, line: StatementLine) -> list[Decimal]:
    """The CSV's component columns (every one of COMPONENTS, 0 where not used): a statement of flat
    prices only has its energy cost in "flat"."""
    zero = tariffs.minor_unit(st.currency) * 0  # (0.00: written as the other amounts are)
    if st.components:
        return [line.components.get(c, zero) for c in COMPONENTS]
    return [line.energy_cost if c == energy.FLAT else zero for c in COMPONENTS]


def component_parts(st: Statements, line: StatementLine) -> list[tuple[str, Decimal, Decimal]]:
    """A line's energy cost by component: (title, kWh priced by it, amount); the amounts add up to the
    line's energy cost ([] when the statement has no formula period). A component's kWh are those in
    intervals where its price is not 0 (Norgespris: the days it applied; strømstøtte: the intervals
    over the threshold)."""
    return [(component_title(c), line.component_kwh.get(c, Decimal(0)), line.components[c]) for c in st.components]


def tariff_line(p: tariffs.PricePeriod) -> str:
    """A tariff version in words, as a statement names the prices it used (an installation's own version: for
    it, without a fee, as the fee is the co-op-wide versions')."""
    if p.installation:
        return _("Version {version}, from {day}, for {installation}: {prices}", version=p.version,
                 day=formats.day(p.valid_from), installation=p.installation, prices=p.describe)
    return _("Version {version}, from {day}: {prices}; fixed fee {fee} per resident per month with charging",
             version=p.version, day=formats.day(p.valid_from), prices=p.describe,
             fee=tariffs.fee_text(p.monthly_fee, p.currency))


def _about(st: Statements, scope: Scope) -> list[tuple[str, str]]:
    r = st.request
    return [
        (_("Report"), _("Charging statements")),
        (_("Period"), _("{period}, both days included, installation's local time", period=r.label)),
        (_("Currency"), st.currency),
        (_("Tariffs as of (UTC)"), formats.moment(st.as_of, "UTC")),
        *[(_("Tariff version {version}", version=p.version),
           _("{tariff}; entered by {who} at {moment} UTC", tariff=tariff_line(p), who=p.created_by,
             moment=formats.moment(p.created_at, "UTC")))
          for p in st.periods_used],
        (_("Standby estimate"), tariffs.share_rule(r.standby_share)),
        (_("Other loads and losses"), tariffs.share_rule(r.rest_share)),
        (_("Rounding"), _(ROUNDING_NOTE)),
        (_("Exported by"), exports.exported_by(scope)),
        (_("Rows limited to"), _("every resident") if scope.see_all else _("the caller's own statement")),
        (_("Exported at (UTC)"), formats.moment(datetime.now(UTC), "UTC")),
        *[(_("Note"), n) for n in st.notes],
    ]


def _sheet_name(line: StatementLine, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", line.name).strip()[:26] or _("Resident")[:26]
    reserved = {"history", excel.about_sheet_name().lower(), _("Summary").lower()}
    name, n = base, 1
    while name.lower() in taken or name.lower() in reserved:
        n += 1
        name = f"{base[:26]} {n}"
    taken.add(name.lower())
    return name


def capacity_share_text() -> str:
    return _("Share of the capacity cost attributed to charging (by your kWh in the peak hours)")


def resident_rows(st: Statements, line: StatementLine, sessions: list[SessionCost]) -> list[list]:
    """A statement as rows (date, station, kWh, amount): its sessions, then the fee and the shares;
    the amounts add up to the line's total."""
    rows: list[list] = [[s.started_local, s.station, s.energy_kwh, s.cost] for s in sessions]
    rows.append([ngettext("Fixed monthly fee: {n} month with charging", "Fixed monthly fee: {n} months with charging",
                          line.active_months), "", None, line.fixed_fee])
    if st.request.standby_share != "off":
        rows.append([_("Share of chargers' standby ({rule})", rule=tariffs.share_rule(st.request.standby_share)), "",
                     None, line.standby_share])
    if st.request.rest_share != "off":
        rows.append([_("Share of other loads and losses ({rule})", rule=tariffs.share_rule(st.request.rest_share)),
                     "", None, line.rest_share])
    if st.capacity_months:
        rows.append([capacity_share_text(), "", None, line.capacity_share])
    return rows


def _component_block(st: Statements, line: StatementLine) -> list[list]:
    """A resident sheet's "By component" block (under the sessions): component, kWh, amount, and the
    energy cost they add up to."""
    if not st.components:
        return []
    return [[_("By component"), None, None, None],
            [_("Component"), None, _("Energy (kWh)"), _("Amount ({currency})", currency=st.currency)],
            *[[title, None, kwh, amount] for title, kwh, amount in component_parts(st, line)],
            [_("Energy cost"), None, line.energy_kwh, line.energy_cost]]


def workbook(store: Store, scope: Scope, st: Statements, *, log: bool = True) -> tuple[bytes, str]:
    """Summary sheet plus a sheet per resident (the caller's own only, unless system owner): a heading
    (resident, period), every session with its price, the fee and shares, and the total."""
    st, sessions = with_session_costs(store, scope, st)
    cols = [excel.Column(_(title), kind) for _key, title, kind in summary_columns(st)]
    totals = None
    if scope.see_all:
        totals = [_("Total"), "", sum(x.sessions for x in st.lines), sum((x.energy_kwh for x in st.lines), Decimal(0)),
                  *[st.totals[f] for f in money_fields(st)], st.total, *[st.component_totals[c] for c in st.components]]
    cols += [excel.Column(title, "money") for title in component_titles(st)]
    who = issuer(store)
    period = _("{period} (both days included, local time)", period=st.request.label)
    summary = _("Summary")
    sheets = [excel.Sheet(summary, cols, summary_rows(st), totals=totals)]  # the page header names the period
    taken: set[str] = {summary.lower()}
    for x in st.lines:
        heading = [_("Charging statement — {name}", name=x.name) + (f" <{x.email}>" if x.email else ""),
                   _("Period: {period}", period=period), _("Issued by: {issuer}", issuer=who.name)]
        sheets.append(excel.Sheet(_sheet_name(x, taken),
                                  [excel.Column(_("Date (local time)"), "datetime"), excel.Column(_("Station"), "text"),
                                   excel.Column(_("Energy (kWh)"), "kwh"),
                                   excel.Column(_("Amount ({currency})", currency=st.currency), "money")],
                                  resident_rows(st, x, sessions[x.user_id]),
                                  totals=[ngettext("Total — {n} session", "Total — {n} sessions", x.sessions),
                                          "", x.energy_kwh, x.total],
                                  heading=heading, after=_component_block(st, x)))
    buffer = io.BytesIO()
    excel.write_workbook(buffer, sheets, [*_about(st, scope),
                                          (_("Data freshness"), freshness.data_freshness(store, scope).line())],
                         page_header=(who.name, _("Charging statements"), st.request.label))
    who = "all" if scope.see_all else formats.file_name_part(scope.username, "statements")
    name = f"chargeboard_statements_{who}_{st.request.date_from:%Y-%m-%d}_{st.request.date_to:%Y-%m-%d}.xlsx"
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "Statements", name, len(st.lines))
    return buffer.getvalue(), name


CSV_COLUMNS = [("user_id", N_("User id"), "text"), ("name", N_("Name"), "text"), ("email", N_("E-mail"), "text"),
               ("sessions", N_("Sessions"), "int"), ("energy_kwh", N_("Energy (kWh)"), "kwh"),
               *[(key, title, "amount") for key, title, kind in SUMMARY_COLUMNS if kind == "money"],
               ("currency", N_("Currency"), "text"),
               # the energy cost by component (README "Statement CSV"): always all of them, 0 where not used
               *[(c, COMPONENT_TITLES[c], "amount") for c in COMPONENTS],
               (CAPACITY_COLUMN[0], CAPACITY_COLUMN[1], "amount")]  # (in the total; 0 where not shared)
CSV_MONEY_FIELDS = tuple(f for f in MONEY_FIELDS if f != "capacity_share")  # the capacity share comes last


def csv_text(store: Store, scope: Scope, st: Statements, *, log: bool = True,
             dialect: str = exports.DEFAULT_CSV_DIALECT) -> tuple[str, str]:
    """The statements as CSV in a dialect (exports.CSV_DIALECTS) and the file name; in rfc4180 exactly
    as documented (keys as the header, '.', an untranslated "Total" row for the system owner)."""
    rows = [[x.user_id, x.name, x.email or "", x.sessions, x.energy_kwh, *[getattr(x, f) for f in CSV_MONEY_FIELDS],
             x.total, st.currency, *component_csv_values(st, x), x.capacity_share] for x in st.lines]
    if scope.see_all:
        rows.append(["", "Total" if exports.csv_dialect(dialect).machine else _("Total"), "",
                     sum(x.sessions for x in st.lines), sum((x.energy_kwh for x in st.lines), Decimal(0)),
                     *[st.totals[f] for f in CSV_MONEY_FIELDS], st.total, st.currency,
                     *[sum((v[i] for v in (component_csv_values(st, x) for x in st.lines)), Decimal(0))
                       for i in range(len(COMPONENTS))], st.totals["capacity_share"]])
    text, _count = exports.write_csv(CSV_COLUMNS, rows, dialect)
    who = "all" if scope.see_all else formats.file_name_part(scope.username, "statements")
    name = f"chargeboard_statements_{who}_{st.request.date_from:%Y-%m-%d}_{st.request.date_to:%Y-%m-%d}.csv"
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "Statements (CSV)", name, len(st.lines))
    return text, name
