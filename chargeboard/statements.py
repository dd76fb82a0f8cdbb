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
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from chargeboard import excel, reconciliation, tariffs
from chargeboard.exports import csv_safe
from chargeboard.scope import ROLE_TITLES, Scope, system_scope
from chargeboard.store import Store

SHARE_RULES = tariffs.SHARE_RULES
MONEY_FIELDS = ("energy_cost", "fixed_fee", "standby_share", "rest_share")


class StatementError(ValueError):
    pass


@dataclass(frozen=True)
class StatementRequest:
    date_from: date
    date_to: date
    standby_share: str | None = None  # None: the rule of the tariff in force on the period's last day
    rest_share: str | None = None
    as_of: datetime | None = None   # tariffs as of this instant (default: now)

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise StatementError(f"the period ends ({self.date_to}) before it starts ({self.date_from})")
        for rule in (self.standby_share, self.rest_share):
            if rule is not None and rule not in SHARE_RULES:
                raise StatementError(f"share rule must be one of {', '.join(SHARE_RULES)}, not {rule!r}")

    @property
    def label(self) -> str:
        return f"{self.date_from:%Y-%m-%d} – {self.date_to:%Y-%m-%d}"


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

    @property
    def is_resident(self) -> bool:
        return self.user_id != ""

    @property
    def total(self) -> Decimal:
        return self.energy_cost + self.fixed_fee + self.standby_share + self.rest_share


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

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), Decimal(0))


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


def own_costs(store: Store, scope: Scope, today: date):
    """What the caller's own charging costs this month and this year so far (My usage):
    the caller's own statement lines, computed exactly as the statements page does. None
    while no tariff is set. Cached per scope and data version: My usage is a resident's
    landing page, and two statement runs on every rerun cost a few hundred ms at 1M sessions."""
    return _own_costs(store, scope, today, store.data_version())


@lru_cache(maxsize=512)
def _own_costs(store: Store, scope: Scope, today: date, data_version: tuple):
    from chargeboard.my_usage import Money  # noqa: PLC0415 — my_usage imports this module lazily

    if not tariffs.periods(store):
        return None
    own = set(scope.user_ids)

    def total(date_from: date) -> tuple[Decimal, str]:
        result = build_statements(store, scope, StatementRequest(date_from, today))
        return sum((x.total for x in result.lines if x.user_id in own), Decimal(0)), result.currency

    month, currency = total(today.replace(day=1))
    year, _ = total(date(today.year, 1, 1))
    return Money(month=month, year=year, currency=currency)


def _day_price(period: tariffs.PricePeriod) -> Decimal:
    return sum((period.hour_price(h) for h in range(24)), Decimal(0)) / 24


def build_statements(store: Store, scope: Scope, request: StatementRequest) -> Statements:
    as_of = request.as_of or datetime.now(UTC)
    periods = tariffs.periods(store, as_of)
    last = tariffs.period_on(periods, request.date_to)
    request = replace(request, as_of=as_of,
                      standby_share=request.standby_share or (last.standby_share if last else "off"),
                      rest_share=request.rest_share or (last.rest_share if last else "off"))
    currency = tariffs.currency_of(periods)
    unit = tariffs.minor_unit(currency)
    notes: list[str] = []
    everyone = system_scope()  # the allocation needs every line; narrowed to `scope` below
    rows = store.rows("statement_user_costs", everyone,
                      local_from=datetime.combine(request.date_from, time.min),
                      local_to=datetime.combine(request.date_to + timedelta(days=1), time.min), as_of=as_of,
                      per_session=False)
    lines: dict[str, StatementLine] = {}
    months: dict[str, set[date]] = {}
    for user_id, inst, n, kwh, cost, unpriced, active, name, email in rows:
        line = lines.setdefault(user_id, StatementLine(user_id, name, email))
        line.sessions += n
        line.energy_kwh += kwh
        line.unpriced_kwh += unpriced
        line.raw["energy_cost"] += Decimal(cost)
        line.kwh_by_installation[inst] = line.kwh_by_installation.get(inst, Decimal(0)) + kwh
        months.setdefault(user_id, set()).update(active)
    ordered = sorted(lines.values(), key=lambda x: (not x.is_resident, x.name.lower(), x.user_id))
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
    if unpriced:
        notes.append(f"{unpriced} kWh fell on days with no tariff and are not priced: add a price period.")
    shared_kwh = {"standby": Decimal(0), "rest": Decimal(0)}
    if request.standby_share != "off" or request.rest_share != "off":
        _shares(store, request, periods, ordered, shared_kwh, notes)
    for name in MONEY_FIELDS:
        for line, amount in zip(ordered, allocate([x.raw[name] for x in ordered], unit), strict=True):
            setattr(line, name, amount)
    totals = {name: sum((getattr(x, name) for x in ordered), Decimal(0)) for name in MONEY_FIELDS}
    used = [p for p in periods if p.valid_from <= request.date_to and p.valid_to > request.date_from]
    period_end = datetime.combine(request.date_to + timedelta(days=1), time.min, UTC)
    if period_end < as_of:
        then = [p.version for p in tariffs.periods(store, period_end)
                if p.valid_from <= request.date_to and p.valid_to > request.date_from]
        changed = [p for p in used if p.version not in then]
        if then and changed:
            notes.append("The tariff of this period was changed after the period ended ("
                         + ", ".join(f"version {p.version} by {p.created_by} on {p.created_at:%Y-%m-%d}"
                                     for p in changed)
                         + f"; at the period's end, version(s) {', '.join(map(str, then))} applied). Statements "
                           "made before the change used those prices: compute 'as of' then to see them.")
    if not used:
        notes.append("No tariff covers this period: the energy costs are 0. Enter a price on the Tariffs page.")
    if scope.see_all:
        shown = ordered
    else:
        visible = {r[0] for r in store.rows("statement_visible_users", scope)}
        shown = [x for x in ordered if x.user_id in visible]
    return Statements(request, as_of, currency, shown, totals, len(ordered), used, shared_kwh, notes)


def _shares(store: Store, request: StatementRequest, periods, lines: list[StatementLine],
            shared_kwh: dict[str, Decimal], notes: list[str]) -> None:
    """Add each installation's standby and rest cost to the raw amounts of its residents."""
    by_inst = {i[0]: i for i in reconciliation.installations(store)}
    insts = {inst for x in lines if x.is_resident for inst in x.kwh_by_installation}
    for inst in sorted(insts):
        if inst not in by_inst:
            notes.append(f"Installation {inst} has no meter: its standby and rest are not shared.")
            continue
        rec = reconciliation.reconcile(store, system_scope(), inst, request.date_from, request.date_to)
        cost = {"standby": Decimal(0), "rest": Decimal(0)}
        for month in rec.months:
            period = tariffs.period_on(periods, month.date_from)
            price = _day_price(period) if period else Decimal(0)
            if request.standby_share != "off":
                cost["standby"] += month.standby_kwh * price
                shared_kwh["standby"] += month.standby_kwh
            if request.rest_share != "off":
                rest = month.rest_kwh
                if rest is None:
                    notes.append(f"{rec.installation} {month.label}: no meter figure, so no rest to share.")
                elif rest < 0:
                    notes.append(f"{rec.installation} {month.label}: negative rest ({rest} kWh) is not shared.")
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


# -- exports -----------------------------------------------------------------------------------------

SUMMARY_COLUMNS = [("Resident", "text"), ("E-mail", "text"), ("Sessions", "int"), ("Energy (kWh)", "kwh"),
                   ("Energy cost", "money"), ("Fixed fee", "money"), ("Standby share", "money"),
                   ("Other loads share", "money"), ("Total", "money")]


def summary_rows(st: Statements) -> list[list]:
    return [[x.name, x.email or "", x.sessions, x.energy_kwh, x.energy_cost, x.fixed_fee, x.standby_share,
             x.rest_share, x.total] for x in st.lines]


def _about(st: Statements, scope: Scope) -> list[tuple[str, str]]:
    r = st.request
    return [
        ("Report", "Charging statements"), ("Period", f"{r.label}, both days included, installation's local time"),
        ("Currency", st.currency),
        ("Tariffs as of (UTC)", f"{st.as_of:%Y-%m-%d %H:%M:%S}"),
        *[(f"Tariff version {p.version}", f"from {p.valid_from}: {p.describe}; fixed fee {p.monthly_fee} per "
           f"resident per active month; entered by {p.created_by} at {p.created_at:%Y-%m-%d %H:%M} UTC")
          for p in st.periods_used],
        ("Standby estimate", SHARE_RULES[r.standby_share]), ("Other loads and losses", SHARE_RULES[r.rest_share]),
        ("Rounding", "Amounts are exact until rounded once to the currency's minor unit; each column's rows "
                     "add up exactly to its total (largest-remainder allocation)."),
        ("Exported by", f"{scope.display_name or scope.username} ({scope.username}), role {ROLE_TITLES[scope.role]}"),
        ("Rows limited to", "every resident" if scope.see_all else "the caller's own statement"),
        ("Exported at (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        *[("Note", n) for n in st.notes],
    ]


def _sheet_name(line: StatementLine, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", line.name).strip()[:26] or "Resident"
    name, n = base, 1
    while name.lower() in taken or name.lower() in ("about", "summary", "history"):
        n += 1
        name = f"{base[:26]} {n}"
    taken.add(name.lower())
    return name


def workbook(store: Store, scope: Scope, st: Statements, *, log: bool = True) -> tuple[bytes, str]:
    """Summary sheet plus a sheet per resident (the caller's own only, unless system owner)."""
    cols = [excel.Column(t, k) for t, k in SUMMARY_COLUMNS]
    totals = None
    if scope.see_all:
        totals = ["Total", "", sum(x.sessions for x in st.lines), sum((x.energy_kwh for x in st.lines), Decimal(0)),
                  *[st.totals[f] for f in MONEY_FIELDS], st.total]
    sheets = [excel.Sheet("Summary", cols, summary_rows(st), totals=totals)]
    taken: set[str] = {"summary"}
    for x in st.lines:
        body = [["Charging sessions", f"{x.sessions} sessions, {x.energy_kwh} kWh", x.energy_cost],
                ["Fixed monthly fee", f"{x.active_months} month(s) with charging", x.fixed_fee],
                ["Share of chargers' standby", SHARE_RULES[st.request.standby_share], x.standby_share],
                ["Share of other loads and losses", SHARE_RULES[st.request.rest_share], x.rest_share]]
        sheets.append(excel.Sheet(_sheet_name(x, taken),
                                  [excel.Column("Item", "text"), excel.Column("Basis", "text"),
                                   excel.Column(f"Amount ({st.currency})", "money")],
                                  body, totals=[f"Total — {x.name}", st.request.label, x.total]))
    buffer = io.BytesIO()
    excel.write_workbook(buffer, sheets, _about(st, scope))
    who = "all" if scope.see_all else re.sub(r"[^a-z0-9]+", "-", scope.username.lower())
    name = f"chargeboard_statements_{who}_{st.request.date_from:%Y-%m-%d}_{st.request.date_to:%Y-%m-%d}.xlsx"
    if log:  # else the page logs it when the file is downloaded
        store.execute("record_export", username=scope.username, role=scope.role, what="Statements",
                      file_name=name, row_count=len(st.lines))
    return buffer.getvalue(), name


def csv_text(store: Store, scope: Scope, st: Statements, *, log: bool = True) -> tuple[str, str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "name", "email", "sessions", "energy_kwh", "energy_cost", "fixed_fee",
                     "standby_share", "rest_share", "total", "currency"])
    for x in st.lines:
        writer.writerow([csv_safe(x.user_id), csv_safe(x.name), csv_safe(x.email or ""), x.sessions,
                         f"{x.energy_kwh:.3f}", *[f"{getattr(x, f)}" for f in MONEY_FIELDS], f"{x.total}", st.currency])
    if scope.see_all:
        writer.writerow(["", "Total", "", sum(x.sessions for x in st.lines),
                         f"{sum((x.energy_kwh for x in st.lines), Decimal(0)):.3f}",
                         *[f"{st.totals[f]}" for f in MONEY_FIELDS], f"{st.total}", st.currency])
    who = "all" if scope.see_all else re.sub(r"[^a-z0-9]+", "-", scope.username.lower())
    name = f"chargeboard_statements_{who}_{st.request.date_from:%Y-%m-%d}_{st.request.date_to:%Y-%m-%d}.csv"
    if log:  # else the page logs it when the file is downloaded
        store.execute("record_export", username=scope.username, role=scope.role, what="Statements (CSV)",
                      file_name=name, row_count=len(st.lines))
    return out.getvalue(), name
