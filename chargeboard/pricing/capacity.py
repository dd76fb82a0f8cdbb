"""Capacity and peaks (kapasitetsledd): the month's highest hourly loads, the grid company's step they
reach, and the part of that cost the chargers cause.

The grid tariff's capacity part is a price per month set by the month's peak load, in steps of kW
(0-2 kW, 2-5 kW, ...). Hourly kWh is the hour's average kW, so the load of an hour in kW is its kWh.
The grid company's rule is one of:

* ``top3_days``: the mean of the 3 highest hours on 3 different days (each day's highest hour; the
  3 highest of those; their mean; a month with fewer than 3 days of load counts the missing days as 0);
* ``max_hour``: the single highest hour.

A level on a step's edge belongs to the higher step (from_kw <= level < to_kw; the last step may be
open). Ties between equal hours go to the earlier hour (the level is the same either way).

The chargers' load per clock hour of the installation comes from the sessions (void ones never
count): each session's EnergyDetails when it has them (each hour's Energy scaled so the hours add up
to the session's kWh), else its kWh spread evenly over its real duration, in whole Wh. The
installation's load per hour comes from the meter's interval readings (quarters summed to hours),
only when they cover every hour of the month.

The capacity cost attributed to charging:

* with meter interval readings for the whole month: the installation's step cost minus the cost of
  the step the installation would have reached without the chargers (its load minus the chargers'
  load, hour by hour, under the same rule);
* without: the cost of the step the chargers alone reach.

Hours are keyed by their UTC start (aware datetimes): the autumn night's repeated local hour is two
hours, and a day is the installation's local calendar day (23, 24 or 25 hours).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from chargeboard import formats, memo, tariffs, theme
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store

TOP3_DAYS, MAX_HOUR = "top3_days", "max_hour"
RULES = (TOP3_DAYS, MAX_HOUR)
RULE_TITLES = {TOP3_DAYS: N_("Mean of the 3 highest hours on 3 different days"),
               MAX_HOUR: N_("The single highest hour of the month")}
DEFAULT_RULE = TOP3_DAYS
TOP_DAYS = 3
DEFAULT_TIME_ZONE = "Europe/Oslo"
KWH = Decimal("0.001")
HOUR = timedelta(hours=1)

# EXAMPLE steps, kr per month incl. VAT: the ten kW steps Norwegian grid companies publish (0-2, 2-5, 5-10,
# ... 100+ kW, e.g. Griug's table from 1 Jan 2024, whose prices are 220 ... 7 095 kr incl. VAT), with
# prices of that order. No grid company's 2025/2026 prices could be checked here: a co-op enters its own.
DEFAULT_STEPS_RAW = (("0", "2", "135"), ("2", "5", "170"), ("5", "10", "290"), ("10", "15", "400"),
                     ("15", "20", "520"), ("20", "25", "650"), ("25", "50", "1250"), ("50", "75", "1850"),
                     ("75", "100", "2450"), ("100", None, "4900"))


class CapacityError(ValueError):
    """A rule or a step that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Step:
    from_kw: Decimal
    to_kw: Decimal | None  # None: open (the last step)
    per_month: Decimal     # kr per month

    def as_dict(self) -> dict:
        return {"from_kw": str(self.from_kw), **({"to_kw": str(self.to_kw)} if self.to_kw is not None else {}),
                "per_month": str(self.per_month)}


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise CapacityError(f"{what} is not a number — {value!r}") from None
    if not number.is_finite() or number < 0:
        raise CapacityError(f"{what} must be a number of 0 or more — {value!r}")
    return number


def steps_from(raw) -> tuple[Step, ...]:
    """Steps from the tariff formula's "capacity" "steps" (dicts with from_kw, to_kw, per_month, as
    strings or numbers) or Step objects: in order, each starting where the one before ends, only the
    last open. Raises CapacityError naming the step."""
    steps: list[Step] = []
    for n, item in enumerate(raw, start=1):
        if isinstance(item, Step):
            step = item
        elif hasattr(item, "from_kw") and hasattr(item, "per_month"):  # formula.CapacityStep
            step = Step(Decimal(item.from_kw), None if item.to_kw is None else Decimal(item.to_kw),
                        Decimal(item.per_month))
        else:
            if not isinstance(item, dict) or "from_kw" not in item or "per_month" not in item:
                raise CapacityError(f"step {n} needs from_kw and per_month")
            to_kw = item.get("to_kw")
            step = Step(_decimal(item["from_kw"], f"step {n}'s from_kw"),
                        None if to_kw in (None, "") else _decimal(to_kw, f"step {n}'s to_kw"),
                        _decimal(item["per_month"], f"step {n}'s per_month"))
        if step.to_kw is not None and step.to_kw <= step.from_kw:
            raise CapacityError(f"step {n} ends ({step.to_kw} kW) where it starts or before ({step.from_kw} kW)")
        if steps:
            before = steps[-1]
            if before.to_kw is None:
                raise CapacityError(f"step {n - 1} is open (no to_kw), so it must be the last")
            if step.from_kw != before.to_kw:
                raise CapacityError(f"step {n} starts at {step.from_kw} kW, not where step {n - 1} ends "
                                    f"({before.to_kw} kW)")
        steps.append(step)
    if not steps:
        raise CapacityError("no capacity steps")
    return tuple(steps)


DEFAULT_STEPS = steps_from({"from_kw": f, "to_kw": t, "per_month": p} for f, t, p in DEFAULT_STEPS_RAW)


def rule_and_steps(formula_capacity) -> tuple[str, tuple[Step, ...]]:
    """The rule and steps of a tariff formula's "capacity" (its JSON object, FORMULA.md, or the parsed
    formula.Capacity), checked; the defaults (top3_days, the example steps) for what it leaves out."""
    if formula_capacity is not None and not isinstance(formula_capacity, dict):  # formula.Capacity
        formula_capacity = {"rule": formula_capacity.rule, "steps": formula_capacity.steps}
    formula_capacity = formula_capacity or {}
    rule = check_rule(formula_capacity.get("rule") or DEFAULT_RULE)
    steps = formula_capacity.get("steps")
    return rule, DEFAULT_STEPS if not steps else steps_from(steps)


def rule_of_tariff(store: Store, month: date, installation_id: str | None = None
                   ) -> tuple[str, tuple[Step, ...], int | None]:
    """The rule and steps of the tariff version in force on the month's first day (in the installation's
    chain: its own formula versions and the co-op-wide ones; None = the co-op-wide chain), when it is a
    formula with a "capacity" part, and that version's number; else the defaults and None."""
    chain = tariffs.periods(store)
    if installation_id is not None:
        chain = tariffs.chain_of(chain, tariffs.installation_chains(store), installation_id)
    period = tariffs.period_on(chain, month.replace(day=1))
    if period is None or period.formula is None or period.formula.capacity is None:
        return DEFAULT_RULE, DEFAULT_STEPS, None
    return (*rule_and_steps(period.formula.capacity), period.version)


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise CapacityError(f"unknown capacity rule {rule!r} (use {' or '.join(RULES)})")
    return rule


# -- the pure core ------------------------------------------------------------------------------------

def peak_hours(hourly: dict[datetime, Decimal], rule: str,
               time_zone: str = DEFAULT_TIME_ZONE) -> list[tuple[datetime, Decimal]]:
    """The hours that set the level, highest first: for top3_days each day's highest hour, the 3
    highest of those (days of the installation's local calendar); for max_hour the highest hour.
    Hours with no load are never peaks; equal loads: the earlier hour first."""
    check_rule(rule)
    zone = ZoneInfo(time_zone)
    ordered = sorted(((hour, kw) for hour, kw in hourly.items() if kw > 0),
                     key=lambda item: (-item[1], item[0].astimezone(UTC)))
    if rule == MAX_HOUR:
        return ordered[:1]
    best_of_day: dict[date, tuple[datetime, Decimal]] = {}
    for hour, kw in ordered:  # highest first, so a day's first is its highest
        best_of_day.setdefault(hour.astimezone(zone).date(), (hour, kw))
    return sorted(best_of_day.values(), key=lambda item: (-item[1], item[0].astimezone(UTC)))[:TOP_DAYS]


def capacity_level(hours: list[tuple[datetime, Decimal]], rule: str) -> Decimal:
    """The level in kW the rule makes of the peak hours (exact; top3_days divides by 3 even when
    fewer days had any load)."""
    check_rule(rule)
    if rule == MAX_HOUR:
        return hours[0][1] if hours else Decimal(0)
    return sum((kw for _hour, kw in hours[:TOP_DAYS]), Decimal(0)) / TOP_DAYS


def step_for(level: Decimal, steps) -> Step:
    """The step a level reaches: from_kw <= level < to_kw (a level on an edge goes to the higher step);
    below the first step, the first; the last step when it is open or the level is above every step."""
    steps = steps_from(steps)
    for step in steps:
        if step.to_kw is None or level < step.to_kw:
            return step
    return steps[-1]


def without(installation: dict[datetime, Decimal], chargers: dict[datetime, Decimal]) -> dict[datetime, Decimal]:
    """The installation's load without the chargers', hour by hour (never below 0: sessions that say
    more than the meter measured in an hour leave nothing, not a negative load)."""
    return {hour: max(Decimal(0), kw - chargers.get(hour, Decimal(0))) for hour, kw in installation.items()}


def month_hours(month: date, time_zone: str) -> list[datetime]:
    """The clock hours of a local month, as UTC instants (a DST month has one more or one less)."""
    start, end = month_bounds(month, time_zone)
    hours, at = [], start
    while at < end:
        hours.append(at)
        at += HOUR
    return hours


def month_bounds(month: date, time_zone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(time_zone)
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, time(0), zone).astimezone(UTC),
            datetime.combine(following, time(0), zone).astimezone(UTC))


# -- a month of one installation ------------------------------------------------------------------------

@dataclass(frozen=True)
class PeakRow:
    hour: datetime                   # UTC start of the hour
    installation_kw: Decimal | None  # None without meter interval readings
    chargers_kw: Decimal

    @property
    def chargers_share(self) -> Decimal | None:
        if not self.installation_kw:
            return None
        return self.chargers_kw / self.installation_kw


@dataclass
class CapacityMonth:
    installation_id: str
    installation: str
    time_zone: str
    month: date
    rule: str
    steps: tuple[Step, ...]
    hours: list[datetime]                       # every clock hour of the month (UTC starts)
    chargers_hourly: dict[datetime, Decimal]    # kW (= kWh in the hour), hours with load
    chargers_peaks: list[tuple[datetime, Decimal]]
    chargers_level: Decimal
    chargers_step: Step
    meter_ids: list[str] = field(default_factory=list)  # meters with interval readings in the month
    missing_days: list[date] = field(default_factory=list)  # days the interval readings do not cover fully
    installation_hourly: dict[datetime, Decimal] | None = None
    installation_peaks: list[tuple[datetime, Decimal]] | None = None
    installation_level: Decimal | None = None
    installation_step: Step | None = None
    without_chargers_level: Decimal | None = None
    without_chargers_step: Step | None = None
    # Wh per user in the hours that can set the cost (the highest hours of the chargers' 3 highest days,
    # ties included, and the installation's peak hours): enough for residents_peak_kwh under either rule
    users_hourly_wh: dict[datetime, dict[str, int]] = field(default_factory=dict)
    unplaced_sessions: int = 0
    unplaced_kwh: Decimal = Decimal(0)

    @property
    def has_meter(self) -> bool:
        """Whether the meter's interval readings cover every hour of the month."""
        return self.installation_hourly is not None

    @property
    def chargers_cost(self) -> Decimal:
        return self.chargers_step.per_month

    @property
    def installation_cost(self) -> Decimal | None:
        return None if self.installation_step is None else self.installation_step.per_month

    @property
    def without_chargers_cost(self) -> Decimal | None:
        return None if self.without_chargers_step is None else self.without_chargers_step.per_month

    @property
    def attributed_cost(self) -> Decimal:
        """The month's capacity cost attributed to charging (the module's docstring says how)."""
        if self.has_meter:
            return self.installation_cost - self.without_chargers_cost
        return self.chargers_cost

    @property
    def setting_peaks(self) -> list[tuple[datetime, Decimal]]:
        """The peak hours that set the cost: the installation's with meter readings, else the chargers'."""
        return self.installation_peaks if self.has_meter else self.chargers_peaks

    @property
    def peak_rows(self) -> list[PeakRow]:
        """Each peak hour that sets the cost, with the installation's and the chargers' kW in it."""
        return [PeakRow(hour, self.installation_hourly[hour] if self.has_meter else None,
                        self.chargers_hourly.get(hour, Decimal(0)))
                for hour, _kw in self.setting_peaks]

    @property
    def residents_peak_kwh(self) -> dict[str, Decimal]:
        """Per user id ('' = open charging), their kWh (whole Wh) in the peak hours that set the cost:
        for sharing the attributed cost among residents in proportion."""
        found: dict[str, int] = {}
        for hour, _kw in self.setting_peaks:
            for user_id, wh in self.users_hourly_wh.get(hour, {}).items():
                found[user_id] = found.get(user_id, 0) + wh
        return {user_id: Decimal(wh) / 1000 for user_id, wh in sorted(found.items()) if wh}


def _installation(store: Store, installation_id: str) -> tuple[str, str]:
    for row in store.rows("installations_all"):
        if row[0] == installation_id:
            return row[1], row[2] or DEFAULT_TIME_ZONE
    raise CapacityError(f"unknown installation {installation_id!r}")


def installations(store: Store) -> list[tuple[str, str]]:
    """(id, name) of every installation, by name."""
    return [(row[0], row[1]) for row in store.rows("installations_all")]


def months(store: Store, installation_id: str, scope: Scope | None = None) -> list[date]:
    """The months with charging or meter interval readings, newest first."""
    return [row[0] for row in store.rows("capacity_months", scope or system_scope(), installation_id=installation_id)]


# Kept per scope and data version in the app: the page reruns on every click (the rule, a step, the
# chart), and a month at 10M sessions takes ~0.4 s to compute. `steps` as steps_from gives them (hashable).
@memo.per_data_version()
def kept_month(store: Store, scope: Scope, installation_id: str, month: date, rule: str,
               steps: tuple[Step, ...]) -> CapacityMonth:
    """month_capacity for the page; callers treat the result as read-only."""
    return month_capacity(store, installation_id, month, rule, steps, scope=scope)


# Kept as kept_month: a year's statements ask for their 12 months at once (one pass, issue 29). `months`
# a tuple of first days.
@memo.per_data_version()
def kept_months(store: Store, scope: Scope, installation_id: str, months: tuple[date, ...], rule: str,
                steps: tuple[Step, ...]) -> dict[date, CapacityMonth]:
    """months_capacity for the statements; callers treat the result as read-only."""
    return months_capacity(store, installation_id, months, rule, steps, scope=scope)


# The board pack lists at most this many months (a year), newest first.
PERIOD_MONTHS_SHOWN = 12


def period_months(store: Store, installation_ids: list[str], date_from: date, date_to: date) -> list[CapacityMonth]:
    """The capacity months of a period for the board pack: each installation's calendar months that the
    period covers whole and that have charging or meter readings (newest first, at most
    PERIOD_MONTHS_SHOWN of them), each under the rule and steps of the tariff in force that month."""
    found = []
    for installation_id in installation_ids:
        for month in months(store, installation_id):
            last_day = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            if date_from <= month and last_day <= date_to:
                found.append((month, installation_id))
    found.sort(key=lambda m: (m[0], m[1]), reverse=True)
    shown = found[:PERIOD_MONTHS_SHOWN]
    # the months of one installation under one rule and steps read together (months_capacity: one pass)
    groups: dict[tuple, list[date]] = {}
    for month, installation_id in shown:
        rule, steps, _version = rule_of_tariff(store, month, installation_id)
        groups.setdefault((installation_id, rule, tuple(steps_from(steps))), []).append(month)
    read: dict[tuple[date, str], CapacityMonth] = {}
    for (installation_id, rule, steps), group in groups.items():
        for month, cm in months_capacity(store, installation_id, group, rule, steps).items():
            read[(month, installation_id)] = cm
    return [read[(month, installation_id)] for month, installation_id in shown]


def _meter_hours(rows, hours: list[datetime], zone: ZoneInfo) -> tuple[list[str], list[date], dict | None]:
    """(meters, days not fully covered, the installation's kW per hour or None) from the intervals."""
    meter_ids = sorted({r[0] for r in rows})
    if not meter_ids:
        return [], sorted({h.astimezone(zone).date() for h in hours}), None
    minutes: dict[tuple[str, datetime], int] = {}
    load: dict[datetime, Decimal] = {}
    for meter_id, hour, kwh, covered in rows:
        hour = hour.astimezone(UTC)
        minutes[(meter_id, hour)] = int(covered)
        load[hour] = load.get(hour, Decimal(0)) + Decimal(kwh)
    missing = sorted({h.astimezone(zone).date() for h in hours for m in meter_ids if minutes.get((m, h), 0) < 60})
    if missing:
        return meter_ids, missing, None
    return meter_ids, [], {h: load.get(h, Decimal(0)) for h in hours}


def month_capacity(store: Store, installation_id: str, month: date, rule: str = DEFAULT_RULE,
                   steps=DEFAULT_STEPS, scope: Scope | None = None) -> CapacityMonth:
    """One installation's capacity month (local calendar month of `month`): the chargers' load per
    hour, the installation's where the meter's interval readings cover the month, their peaks, levels,
    steps and the cost attributed to charging. `rule` and `steps` as the tariff formula's "capacity"
    (RULES; steps_from). The scope defaults to the system owner's (every session)."""
    month = month.replace(day=1)
    return months_capacity(store, installation_id, [month], rule, steps, scope)[month]


def months_capacity(store: Store, installation_id: str, months, rule: str = DEFAULT_RULE,
                    steps=DEFAULT_STEPS, scope: Scope | None = None) -> dict[date, CapacityMonth]:
    """month_capacity of each of `months` (any days; each stands for its local calendar month), by month
    (its first day), in order, under one rule and steps. Consecutive months are read in one pass of each
    query (issue 29: a year's statements share 12 months' capacity cost) and split by local month here:
    each month is exactly what month_capacity gives for it alone."""
    check_rule(rule)
    steps = steps_from(steps)
    scope = scope or system_scope()
    name, time_zone = _installation(store, installation_id)
    found: dict[date, CapacityMonth] = {}
    for run in _runs(sorted({m.replace(day=1) for m in months}), time_zone):
        found.update(_run_capacity(store, scope, installation_id, name, time_zone, run, rule, steps))
    return found


def _runs(months: list[date], time_zone: str) -> list[list[date]]:
    """The months (first days, in order) as runs of consecutive months, each read in one pass. A month whose
    bounds are not whole UTC hours (a zone with a half-hour offset) is read alone: an hour then straddles
    two months, and one pass over both could place a session's first piece in the other month."""
    runs: list[list[date]] = []
    for month in months:
        if runs and _whole_hours(month, time_zone) and _whole_hours(runs[-1][-1], time_zone) \
                and (runs[-1][-1] + timedelta(days=32)).replace(day=1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def _whole_hours(month: date, time_zone: str) -> bool:
    return all(b.minute == 0 and b.second == 0 and b.microsecond == 0 for b in month_bounds(month, time_zone))


def _run_capacity(store: Store, scope: Scope, installation_id: str, name: str, time_zone: str, run: list[date],
                  rule: str, steps: tuple[Step, ...]) -> dict[date, CapacityMonth]:
    """The capacity months of consecutive months `run`: each query once over the run, its rows split by month."""
    zone = ZoneInfo(time_zone)
    bounds = [month_bounds(month, time_zone) for month in run]
    start, end = bounds[0][0], bounds[-1][1]
    months_params = {"from_utc": start, "to_utc": end, "month_froms": [b[0] for b in bounds],
                     "month_tos": [b[1] for b in bounds]}
    starts = [b[0] for b in bounds]
    start_epochs = [int(b[0].timestamp()) for b in bounds]  # (whole seconds: bounds are whole hours or alone)

    def index_of(hour: datetime) -> int:
        return bisect.bisect_right(starts, hour) - 1

    meter_rows: list[list] = [[] for _m in run]
    for row in store.rows("capacity_meter_hours", installation_id=installation_id, from_utc=start, to_utc=end):
        meter_rows[index_of(row[1])].append(row)
    hours = [month_hours(month, time_zone) for month in run]
    meter = [_meter_hours(rows, month_hours_, zone) for rows, month_hours_ in zip(meter_rows, hours, strict=True)]
    installation_peaks = [None if m[2] is None else peak_hours(m[2], rule, time_zone) for m in meter]
    users: list[dict[datetime, dict[str, int]]] = [{} for _m in run]
    chargers_wh: list[dict[datetime, int]] = [{} for _m in run]
    hour_of: dict[int, tuple[int, datetime]] = {}  # (some 10^5 rows a month name its ~744 hours)
    for hour_epoch, user_id, wh in store.rows(
            "capacity_charger_hours", scope, installation_id=installation_id, time_zone=time_zone,
            also_hours=[h for peaks in installation_peaks for h, _kw in peaks or []], **months_params):
        known = hour_of.get(hour_epoch)
        if known is None:
            known = hour_of[hour_epoch] = (bisect.bisect_right(start_epochs, hour_epoch) - 1,
                                           datetime.fromtimestamp(hour_epoch, UTC))
        i, hour = known
        if user_id is None:
            chargers_wh[i][hour] = wh
        else:
            users[i].setdefault(hour, {})[user_id] = wh
    unplaced = {row[0] - 1: row[1:] for row in store.rows("capacity_unplaced_sessions", scope,
                                                           installation_id=installation_id, **months_params)}
    found = {}
    for i, month in enumerate(run):
        chargers = {hour: Decimal(wh) / 1000 for hour, wh in chargers_wh[i].items() if wh}
        peaks = peak_hours(chargers, rule, time_zone)
        level = capacity_level(peaks, rule)
        sessions, kwh = unplaced.get(i, (0, 0))
        result = CapacityMonth(installation_id, name, time_zone, month, rule, steps, hours[i], chargers, peaks,
                               level, step_for(level, steps), users_hourly_wh=users[i],
                               unplaced_sessions=int(sessions or 0), unplaced_kwh=Decimal(kwh or 0))
        meter_ids, missing, installation = meter[i]
        result.meter_ids, result.missing_days = meter_ids, missing
        if installation is not None:
            result.installation_hourly = installation
            result.installation_peaks = installation_peaks[i]
            result.installation_level = capacity_level(result.installation_peaks, rule)
            result.installation_step = step_for(result.installation_level, steps)
            rest = without(installation, chargers)
            result.without_chargers_level = capacity_level(peak_hours(rest, rule, time_zone), rule)
            result.without_chargers_step = step_for(result.without_chargers_level, steps)
        found[month] = result
    return found


# -- what the page shows -------------------------------------------------------------------------------

HELP = [
    (N_("Why the capacity peak matters"), N_(
        "Besides the price per kWh, the grid company charges a capacity part every month (kapasitetsledd). "
        "It is set by the month's highest hourly loads: the higher the peak, the higher the step and the "
        "monthly price. Electric cars charging at the same time often make the peak, so spreading charging "
        "over the night lowers the cost for everyone.")),
    (N_("How the level is found"), N_(
        "An hour's energy in kWh is its average load in kW. Most grid companies take the mean of the 3 "
        "highest hours on 3 different days of the month; some take the single highest hour. A level exactly "
        "on a step's edge belongs to the higher step.")),
    (N_("The chargers' load"), N_(
        "Each session's energy is placed in the hours it charged: by the charger's hourly energy details when "
        "it reported them, else spread evenly over the session. Void sessions never count; sessions whose "
        "charger clock was unreliable cannot be placed in hours and are left out.")),
    (N_("The cost attributed to charging"), N_(
        "With the meter's interval readings (kWh per hour or quarter hour) for the whole month: the "
        "installation's capacity cost minus the cost of the step it would have reached without the chargers "
        "(its load minus the chargers', hour by hour, under the same rule). Without them: the cost of the step "
        "the chargers alone reach.")),
]


def help_texts() -> list[tuple[str, str]]:
    return [(_(title), _(text)) for title, text in HELP]


def chart(cm: CapacityMonth):
    """The month's hourly load: the chargers' bars, the installation's where known, the peaks marked."""
    zone = ZoneInfo(cm.time_zone)
    # The local time of each hour (the autumn night's repeated hour is two bars, an hour apart in UTC)
    shown = [h.astimezone(zone).replace(tzinfo=None) for h in cm.hours]
    figure = go.Figure()
    if cm.has_meter:
        figure.add_bar(x=shown, y=[float(cm.installation_hourly[h]) for h in cm.hours],
                       name=_("Installation (meter)"), marker_color=theme.GREY, opacity=0.6)
    figure.add_bar(x=shown, y=[float(cm.chargers_hourly.get(h, 0)) for h in cm.hours], name=_("Chargers"),
                   marker_color=theme.ENERGY)
    peaks = cm.setting_peaks
    if peaks:
        source = cm.installation_hourly if cm.has_meter else cm.chargers_hourly
        figure.add_scatter(x=[h.astimezone(zone).replace(tzinfo=None) for h, _kw in peaks],
                           y=[float(source[h]) for h, _kw in peaks], mode="markers", name=_("Peak hours"),
                           marker={"color": theme.WARNING, "size": 12, "symbol": "triangle-down"})
    level = cm.installation_level if cm.has_meter else cm.chargers_level
    figure.add_hline(y=float(level), line_dash="dot", line_color=theme.WARNING,
                     annotation_text=_("Level {kw} kW", kw=formats.decimal(level, 2)))
    figure.update_layout(barmode="overlay", yaxis_title=_("kW (kWh per hour)"), xaxis_title=None,
                         separators=formats.plotly_separators(), legend={"orientation": "h"},
                         margin={"t": 30})
    return figure


def peak_table(cm: CapacityMonth) -> list[dict]:
    """The peak hours that set the cost: local time, kW of the chargers and the installation, the share."""
    return [{"hour": hour_text(row.hour, cm.time_zone), "chargers_kw": row.chargers_kw,
             "installation_kw": row.installation_kw, "chargers_share": row.chargers_share}
            for row in cm.peak_rows]


def hour_text(hour: datetime, time_zone: str) -> str:
    """An hour's local start as the reader writes it; the autumn night's repeated hour with its UTC offset."""
    local = hour.astimezone(ZoneInfo(time_zone))
    other = local.replace(fold=1 - local.fold)
    text = formats.moment(hour, time_zone)
    if other.utcoffset() != local.utcoffset():
        offset = local.utcoffset()
        hours = int(offset.total_seconds()) // 3600
        text += f" (UTC{hours:+03d}:00)"
    return text


COLUMN_TITLES = {"hour": N_("Hour (local time)"), "chargers_kw": N_("Chargers (kW)"),
                 "installation_kw": N_("Installation (kW)"), "chargers_share": N_("Chargers' share"),
                 "user": N_("Resident"), "kwh": N_("kWh in the peak hours"), "share": N_("Share")}


def resident_rows(store: Store, cm: CapacityMonth) -> list[dict]:
    """Each resident's kWh in the peak hours that set the cost, and their share of the chargers' kWh there."""
    found = cm.residents_peak_kwh
    total = sum(found.values(), Decimal(0))
    names = {row[0]: row[1] for row in store.rows("capacity_user_names", user_ids=list(found))}
    return [{"user": names.get(user_id) or (user_id or _("Open charging (no user)")), "kwh": kwh,
             "share": kwh / total if total else None} for user_id, kwh in found.items()]


def days_text(days: list[date]) -> str:
    """Days as runs, in the active language: "3 Dec 2026, 8 Dec 2026–31 Dec 2026"."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return ", ".join(formats.day(a) if a == b else formats.period(a, b) for a, b in runs)


def step_text(step: Step | None) -> str:
    if step is None:
        return "–"
    def kw(value: Decimal) -> str:
        return formats.decimal(value, 0 if value == value.to_integral_value() else 1)

    if step.to_kw is None:
        return _("{from_kw} kW and more", from_kw=kw(step.from_kw))
    return _("{from_kw}–{to_kw} kW", from_kw=kw(step.from_kw), to_kw=kw(step.to_kw))
