"""Reconciliation: why the charger report does not show the same as the electricity meter.

For an installation and a period (local dates, both included), per month and in total:

* meter consumption: the register at the period's end minus at its start. Readings rarely
  fall on the edges, so the register is interpolated linearly in time between the readings
  on either side of each edge; the readings used are listed. An edge outside the readings
  gives no meter figure (never extrapolated). A meter replacement restarts the register:
  no consumption is counted from the reading before it to it.
* chargers' consumption: what the vehicles drew, from the sessions (void ones never count).
* standby estimate: every station installed in the period × its standby kWh per month
  (default 4, settable per station), prorated by the days it was installed.
* the rest: meter − sessions − standby, "other loads and losses" (lighting, ventilation,
  cable losses). A negative rest is flagged with its likely causes.
"""

from __future__ import annotations

import io
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from chargeboard import excel, formats, freshness, memo, periods, theme
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope, role_title
from chargeboard.store import Store

DEFAULT_STANDBY_KWH_MONTH = Decimal("4")
KWH = Decimal("0.001")
# The app's one colour per meaning (chargeboard/theme.py); the meter line is black: the reference.
COLOURS = {"sessions": theme.ENERGY, "standby": theme.STANDBY, "rest": theme.REST, "meter": theme.BLACK}

# The seed article's own explanations, shown as in-app help and in the export (English msgids:
# help_texts() gives them in the reader's language).
HELP = [
    (N_("What the chargers count"), N_("All charging stations log and register the power that is consumed by the "
     "vehicle from each individual charging station. The charger report only shows what is consumed by the vehicle, "
     "not the overall power consumption on the electricity meter.")),
    (N_("Other loads"), N_("If there are other devices / loads connected to the same electricity meter (lighting, "
     "ventilation, door openers, heating cables), they are registered on the electricity meter, but not in the "
     "charger report. They show here as the rest: other loads and losses.")),
    (N_("Standby"), N_("The standby power consumption of a charging station is approx. 4 kWh per month. The meter "
     "counts it; the sessions do not. It is estimated here per station, for the days the station was installed.")),
    (N_("Offline chargers"), N_("Charging stations still work while offline, but their sessions reach the report "
     "only when they get the network back; until then the meter has counted energy the sessions do not show yet.")),
]


def help_texts() -> list[tuple[str, str]]:
    return [(_(title), _(text)) for title, text in HELP]


NEGATIVE_REST_CAUSES = N_(
    "The sessions and the standby estimate add up to more than the meter measured. Likely causes: "
    "a wrong meter tied to this installation (or chargers on another meter); a mistyped or misdated meter "
    "reading, or a meter replacement not marked as one; sessions dated in this period that drew their energy "
    "in another (near the period's edges); missing sessions or offline sessions not yet uploaded in the "
    "neighbouring period, which makes this one look too high; a standby setting that is too high."
)
LARGE_REST_SHARE = Decimal("0.5")
LARGE_REST_CAUSES = N_("More than half of the meter's consumption is not explained by the sessions: missing "
                       "sessions, offline sessions not yet uploaded, or large other loads on the same meter.")
# A line's flag is one of these English msgids (compared in code); shown translated (table_rows).
NO_READINGS = N_("no meter readings around this period")
NEGATIVE_REST = N_("NEGATIVE REST")
LARGE_REST = N_("large rest")


class ReconciliationError(ValueError):
    pass


@dataclass(frozen=True)
class MeterPoint:
    meter_id: str
    read_at: datetime
    register_kwh: Decimal
    replacement: bool
    consumed: Decimal   # cumulative consumption since the meter's first reading, across replacements
    source: str


@dataclass(frozen=True)
class EdgeValue:
    meter_id: str
    edge: datetime            # local, naive
    before: MeterPoint | None
    after: MeterPoint | None
    consumed: Decimal | None  # interpolated cumulative consumption at the edge

    @property
    def method(self) -> str:
        if self.consumed is None:
            return "no reading on one side: not computed"
        if self.before is not None and self.before.read_at == self.after.read_at:
            return "reading at the edge"
        return "interpolated linearly between the readings before and after"


@dataclass
class Line:
    label: str
    date_from: date
    date_to: date
    meter_kwh: Decimal | None
    sessions: int
    sessions_kwh: Decimal
    standby_kwh: Decimal
    stations: int
    offline_sessions: int = 0

    @property
    def rest_kwh(self) -> Decimal | None:
        if self.meter_kwh is None:
            return None
        return self.meter_kwh - self.sessions_kwh - self.standby_kwh

    def share(self, part: Decimal | None) -> Decimal | None:
        if part is None or self.meter_kwh is None or self.meter_kwh == 0:
            return None
        return part / self.meter_kwh

    @property
    def flag(self) -> str:
        rest = self.rest_kwh
        if rest is None:
            return NO_READINGS
        if rest < 0:
            return NEGATIVE_REST
        if self.meter_kwh and rest / self.meter_kwh > LARGE_REST_SHARE:
            return LARGE_REST
        return ""


@dataclass
class Reconciliation:
    installation_id: str
    installation: str
    time_zone: str
    meters: list[str]
    date_from: date
    date_to: date
    months: list[Line]
    total: Line
    edges: list[EdgeValue] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        out = []
        if any(line.rest_kwh is not None and line.rest_kwh < 0 for line in [*self.months, self.total]):
            out.append(_(NEGATIVE_REST_CAUSES))
        if any(line.flag == LARGE_REST for line in [*self.months, self.total]):
            out.append(_(LARGE_REST_CAUSES))
        if any(line.meter_kwh is None for line in self.months):
            out.append(_("Some months have no meter figure: the readings do not reach both of their edges "
                         "(the register is interpolated between readings, never extrapolated)."))
        return out


# -- the meter ---------------------------------------------------------------------------------

def meter_series(rows) -> dict[str, list[MeterPoint]]:
    """Per meter, its readings with the cumulative consumption (replacements restart the register)."""
    series: dict[str, list[MeterPoint]] = {}
    for meter_id, read_at, register, replacement, source, *_rest in rows:
        points = series.setdefault(meter_id, [])
        register = Decimal(register)
        if not points:
            consumed = Decimal("0.000")
        elif replacement:
            consumed = points[-1].consumed
        else:
            consumed = points[-1].consumed + (register - points[-1].register_kwh)
        points.append(MeterPoint(meter_id, read_at.astimezone(UTC), register, bool(replacement), consumed, source))
    return series


def consumed_at(points: list[MeterPoint], instant: datetime) -> tuple[Decimal | None, MeterPoint | None,
                                                                       MeterPoint | None]:
    """The cumulative consumption at an instant, interpolated linearly in time; None outside the readings."""
    times = [p.read_at for p in points]
    exact = bisect_left(times, instant)
    if exact < len(points) and times[exact] == instant:
        # at a replacement instant both readings carry the same consumption
        return points[exact].consumed, points[exact], points[exact]
    after_at = bisect_right(times, instant)
    if after_at == 0 or after_at == len(points):
        return (None, points[after_at - 1] if after_at else None,
                points[after_at] if after_at < len(points) else None)
    before, after = points[after_at - 1], points[after_at]
    span = Decimal((after.read_at - before.read_at).total_seconds())
    part = Decimal((instant - before.read_at).total_seconds())
    return before.consumed + (after.consumed - before.consumed) * part / span, before, after


def local_midnight(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(time_zone)).astimezone(UTC)


# -- the period --------------------------------------------------------------------------------

def month_segments(date_from: date, date_to: date) -> list[tuple[date, date, date]]:
    """(month, first day, last day) of each calendar month's part inside [date_from, date_to]."""
    if date_to < date_from:
        raise ReconciliationError(f"the period ends ({date_to}) before it starts ({date_from})")
    out, month = [], date_from.replace(day=1)
    while month <= date_to:
        following = (month + timedelta(days=32)).replace(day=1)
        out.append((month, max(month, date_from), min(following - timedelta(days=1), date_to)))
        month = following
    return out


def installations(store: Store) -> list[tuple[str, str, str, list[str]]]:
    return [tuple(r) for r in store.rows("reconciliation_installations")]


@memo.per_data_version()
def reconcile(store: Store, scope: Scope, installation_id: str, date_from: date, date_to: date,
              default_standby: Decimal = DEFAULT_STANDBY_KWH_MONTH) -> Reconciliation:
    """The reconciliation of one installation's meter(s) over a period, month by month."""
    if not scope.is_system_owner:
        raise ReconciliationError("the reconciliation compares the whole installation with its meter: "
                                  "it is for the system owner")
    found = next((i for i in installations(store) if i[0] == installation_id), None)
    if found is None:
        raise ReconciliationError(f"installation {installation_id!r} has no meter")
    _id, name, tz, meter_ids = found
    segments = month_segments(date_from, date_to)
    local_from = datetime.combine(date_from, time.min)
    local_to = datetime.combine(date_to + timedelta(days=1), time.min)
    sessions = {r[0]: r[1:] for r in store.rows("reconciliation_sessions_by_month", scope,
                                                 installation_id=installation_id, local_from=local_from,
                                                 local_to=local_to)}
    standby = {r[0]: r[1:] for r in store.rows("reconciliation_standby_by_month", scope,
                                                installation_id=installation_id, date_from=date_from,
                                                date_to=date_to, default_standby=default_standby)}
    series = meter_series(store.rows("meter_readings_of_installation", installation_id=installation_id))
    edges: dict[date, list[EdgeValue]] = {}

    def edge(day: date) -> list[EdgeValue]:
        if day not in edges:
            instant = local_midnight(day, tz)
            edges[day] = [EdgeValue(m, datetime.combine(day, time.min), *_swap(consumed_at(series.get(m, []), instant)))
                          for m in meter_ids]
        return edges[day]

    def meter_between(first: date, last: date) -> Decimal | None:
        start, end = edge(first), edge(last + timedelta(days=1))
        if any(e.consumed is None for e in start + end):
            return None
        return (sum((e.consumed for e in end), Decimal(0)) - sum((e.consumed for e in start), Decimal(0))
                ).quantize(KWH)

    months = []
    for month, first, last in segments:
        n, kwh, offline, _unreliable = sessions.get(month, (0, Decimal("0.000"), 0, 0))
        month_days, stations, standby_days = standby.get(month, (1, 0, Decimal(0)))
        label = formats.month(month) + ("" if (first, last) == (month, _month_end(month))
                                        else f" ({first:%d}–{last:%d})")
        months.append(Line(label, first, last, meter_between(first, last), int(n), Decimal(kwh),
                           (Decimal(standby_days) / month_days).quantize(KWH), int(stations), int(offline)))
    total = Line(_("Total"), date_from, date_to, meter_between(date_from, date_to),
                 sum(m.sessions for m in months), sum((m.sessions_kwh for m in months), Decimal("0.000")),
                 sum((m.standby_kwh for m in months), Decimal("0.000")),
                 max((m.stations for m in months), default=0), sum(m.offline_sessions for m in months))
    used = [e for day in sorted(edges) for e in edges[day]]
    return Reconciliation(installation_id, name, tz, list(meter_ids), date_from, date_to, months, total, used)


def _swap(found: tuple) -> tuple:
    consumed, before, after = found
    return before, after, consumed


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_with_readings(store: Store, installation_id: str | None, today: date,
                         at_most: int = 12) -> tuple[date, date] | None:
    """The last complete calendar months (up to `at_most`) that every meter's readings reach on both
    sides, so each has a meter figure: where the page opens. None when no whole month is covered.
    installation_id None: months covered for every installation with a meter."""
    chosen = [i for i in installations(store) if installation_id in (None, i[0])]
    first_covered, last_covered = None, None
    for inst_id, _name, tz, meter_ids in chosen:
        series = meter_series(store.rows("meter_readings_of_installation", installation_id=inst_id))
        for meter_id in meter_ids:
            points = series.get(meter_id)
            if not points:
                return None
            first = points[0].read_at.astimezone(ZoneInfo(tz))
            last = points[-1].read_at.astimezone(ZoneInfo(tz))
            # A month is covered from the first midnight of a month at or after the first reading ...
            start = first.date().replace(day=1)
            if (first.date(), first.time()) != (start, time.min):
                start = periods.add_months(start, 1)
            # ... to the month whose following first-of-month midnight the last reading reaches.
            end = periods.add_months(last.date().replace(day=1), -1)
            first_covered = start if first_covered is None else max(first_covered, start)
            last_covered = end if last_covered is None else min(last_covered, end)
    if first_covered is None or last_covered is None:
        return None
    last_covered = min(last_covered, periods.add_months(today.replace(day=1), -1))  # complete months only
    first_covered = max(first_covered, periods.add_months(last_covered, -(at_most - 1)))
    if first_covered > last_covered:
        return None
    return first_covered, _month_end(last_covered)


@memo.per_data_version()
def reconcile_all(store: Store, scope: Scope, date_from: date, date_to: date) -> list[Reconciliation]:
    """Every installation with a meter, reconciled over the same period (the all-installations view)."""
    return [reconcile(store, scope, inst[0], date_from, date_to) for inst in installations(store)]


def all_installations_rows(recs: list[Reconciliation]) -> list[dict]:
    """One row per installation (its period total), then the sum of all; the meter sum is None when
    any installation has no meter figure for the period."""
    def row(label: str, line: Line) -> dict:
        return {"installation": label, "meter_kwh": line.meter_kwh, "sessions": line.sessions,
                "sessions_kwh": line.sessions_kwh, "standby_kwh": line.standby_kwh, "stations": line.stations,
                "rest_kwh": line.rest_kwh, "rest_pct": line.share(line.rest_kwh), "flag": _(line.flag) if line.flag else ""}
    if not recs:
        return []
    meters = [r.total.meter_kwh for r in recs]
    total = Line(_("All installations"), recs[0].date_from, recs[0].date_to,
                 None if None in meters else sum(meters, Decimal(0)), sum(r.total.sessions for r in recs),
                 sum((r.total.sessions_kwh for r in recs), Decimal("0.000")),
                 sum((r.total.standby_kwh for r in recs), Decimal("0.000")), sum(r.total.stations for r in recs),
                 sum(r.total.offline_sessions for r in recs))
    return [row(r.installation, r.total) for r in recs] + [row(_("All installations"), total)]


# Column titles for people (the rows' keys are for code): the page and the workbook use them
# (English msgids, translated where shown; no "% o…" in a msgid: gettext reads it as a %-format).
COLUMN_TITLES = {
    "period": N_("Month"), "installation": N_("Installation"), "meter_kwh": N_("Meter (kWh)"),
    "sessions": N_("Sessions"), "sessions_kwh": N_("Chargers, sessions (kWh)"),
    "sessions_pct": N_("Sessions (share of meter)"), "standby_kwh": N_("Standby estimate (kWh)"),
    "standby_pct": N_("Standby (share of meter)"), "stations": N_("Stations installed"),
    "rest_kwh": N_("Other loads and losses (kWh)"), "rest_pct": N_("Other (share of meter)"), "flag": N_("Flag"),
    "edge": N_("Edge (local time)"), "meter": N_("Meter"), "reading_before": N_("Reading before"),
    "reading_after": N_("Reading after"), "consumed_since_first_reading_kwh": N_("Consumed since first reading (kWh)"),
    "method": N_("Method"),
}


# -- standby settings -----------------------------------------------------------------------------

def set_station(store: Store, station_id: str, installed_on: date | None,
                standby_kwh_month: Decimal | float | str | None) -> None:
    """Set a station's install date (None: its first session's day) and standby kWh per month
    (None: the default)."""
    if standby_kwh_month is not None:
        standby_kwh_month = Decimal(str(standby_kwh_month)).quantize(KWH)
        if standby_kwh_month < 0:
            raise ReconciliationError("standby must be ≥ 0 kWh per month")
    store.execute("reconciliation_station_settings_upsert", station_id=station_id, installed_on=installed_on,
                  standby_kwh_month=standby_kwh_month)


# -- views ----------------------------------------------------------------------------------------------

def table_rows(rec: Reconciliation) -> list[dict]:
    def row(line: Line) -> dict:
        return {"period": line.label, "meter_kwh": line.meter_kwh, "sessions": line.sessions,
                "sessions_kwh": line.sessions_kwh, "sessions_pct": line.share(line.sessions_kwh),
                "standby_kwh": line.standby_kwh, "standby_pct": line.share(line.standby_kwh),
                "stations": line.stations, "rest_kwh": line.rest_kwh, "rest_pct": line.share(line.rest_kwh),
                "flag": _(line.flag) if line.flag else ""}
    return [row(m) for m in rec.months] + [row(rec.total)]


def readings_rows(rec: Reconciliation) -> list[dict]:
    def describe(p: MeterPoint | None) -> str:
        if p is None:
            return "—"
        local = p.read_at.astimezone(ZoneInfo(rec.time_zone))
        return f"{formats.moment(local)} · {formats.kwh(p.register_kwh, 3)}" + (
            " " + _("(new meter)") if p.replacement else "")
    return [{"edge": formats.moment(e.edge), "meter": e.meter_id, "reading_before": describe(e.before),
             "reading_after": describe(e.after),
             "consumed_since_first_reading_kwh": None if e.consumed is None else e.consumed.quantize(KWH),
             "method": e.method} for e in rec.edges]


@memo.per_source()
def chart(rec: Reconciliation) -> go.Figure:
    x = [m.date_from.replace(day=1) for m in rec.months]
    fig = go.Figure()
    for key, title, values in (("sessions", _("Chargers (sessions)"), [m.sessions_kwh for m in rec.months]),
                               ("standby", _("Standby estimate"), [m.standby_kwh for m in rec.months]),
                               ("rest", _("Other loads and losses"), [m.rest_kwh for m in rec.months])):
        fig.add_bar(x=x, y=[None if v is None else float(v) for v in values], name=title,
                    marker_color=COLOURS[key], customdata=[f"{title}: {formats.kwh(v)}" for v in values],
                    hovertemplate="%{customdata}<extra></extra>")
    meter = _("Meter")
    fig.add_scatter(x=x, y=[None if m.meter_kwh is None else float(m.meter_kwh) for m in rec.months],
                    name=meter, mode="lines+markers", line={"color": COLOURS["meter"], "width": 3},
                    customdata=[f"{meter}: {formats.kwh(m.meter_kwh)}" for m in rec.months],
                    hovertemplate="%{customdata}<extra></extra>")
    fig.update_layout(barmode="relative")
    theme.month_axis(fig, x)
    return theme.style(fig, title=_chart_message(rec), x_title=_("Month"), y_title=_("Energy (kWh)"))


def _chart_message(rec: Reconciliation) -> str:
    """The chart's one message: how much of the metered energy the chargers explain."""
    metered = [m for m in rec.months if m.meter_kwh]
    if not metered:
        return _("{installation}: chargers per month (no meter readings for these months)",
                 installation=rec.installation)
    meter = sum(m.meter_kwh for m in metered)
    charged = sum(m.sessions_kwh for m in metered)
    return _("{installation}: charging explains {share} of the meter's {energy} kWh (months with readings)",
             installation=rec.installation, share=formats.percent(float(charged / meter), 0),
             energy=formats.integer(float(meter)))


def workbook(store: Store, scope: Scope, rec: Reconciliation, *, log: bool = True) -> tuple[bytes, str]:
    """The reconciliation as an Excel workbook (month by month, readings used, About)."""
    keys = {"period": "text", "meter_kwh": "kwh", "sessions": "int", "sessions_kwh": "kwh", "sessions_pct": "percent",
            "standby_kwh": "kwh", "standby_pct": "percent", "stations": "int", "rest_kwh": "kwh",
            "rest_pct": "percent", "flag": "text"}
    reading_keys = {"edge": "text", "meter": "text", "reading_before": "text", "reading_after": "text",
                    "consumed_since_first_reading_kwh": "kwh", "method": "text"}
    rows = table_rows(rec)
    body = [[r[k] for k in keys] for r in rows[:-1]]
    sheets = [excel.Sheet(_("By month"), [excel.Column(_(COLUMN_TITLES[k]), kind) for k, kind in keys.items()], body,
                          totals=[rows[-1][k] for k in keys]),
              excel.Sheet(_("Readings used"),
                          [excel.Column(_(COLUMN_TITLES[k]), kind) for k, kind in reading_keys.items()],
                          [[r[k] for k in reading_keys] for r in readings_rows(rec)])]
    period = formats.period(rec.date_from, rec.date_to)
    about = [(_("Report"), _("Reconciliation: meter vs. chargers")), (_("Installation"), rec.installation),
             (_("Meters"), ", ".join(rec.meters)),
             (_("Period"), _("{period}, both days included, local time", period=period)),
             (_("Exported by"), _("{name} ({username}), role {role}", name=scope.display_name or scope.username,
                                  username=scope.username, role=role_title(scope.role))),
             (_("Exported at (UTC)"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
             (_("Data freshness"), freshness.data_freshness(store, scope).line()),
             *help_texts(), *[(_("Note"), n) for n in rec.notes]]
    buffer = io.BytesIO()
    written = excel.write_workbook(buffer, sheets, about, page_header=(
        rec.installation, _("Meter reconciliation"), period))
    name = f"chargeboard_{formats.file_name_part(rec.installation, 'installation')}_reconciliation_{rec.date_from:%Y-%m-%d}_{rec.date_to:%Y-%m-%d}.xlsx"
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "Reconciliation", name, written)
    return buffer.getvalue(), name
