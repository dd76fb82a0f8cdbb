"""The board dashboard: KPIs against the previous period and last year, monthly trend with
year-over-year, station utilisation, when sessions start, and standby/rest from the meters.

Everything reads through the caller's Scope (a charger owner sees their stations and own
charging; the system owner everything). Each chart's title states its one finding, and colours
come from chargeboard.theme (one colour per meaning across the app).

Definitions (the README repeats them):

* **Active users**: distinct users with at least one counted session in the period (open
  charging without a user is not a user).
* **kWh per session**: energy / sessions in the period.
* **Station utilisation**: hours the stations were occupied (plugged-in span, clipped to the
  period) / (stations in scope × hours in the period). "Stations in scope" are those with any
  session the caller may see, ever. Hours in the period are wall-clock hours, so a period
  containing a DST change is off by one hour out of hundreds.
* Periods (chargeboard.periods): a calendar month, quarter or year (or its part up to today) is
  compared with the previous one and with the same one a year earlier; any other period with the
  same number of days right before. A comparison whose periods are not fully covered by the data
  (the data starts later, or a period runs past today) shows why instead of a percentage.
* A charger owner's dashboard counts the stations they own, never their own charging elsewhere
  (that is a separate section, `own_charging_elsewhere`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from chargeboard import formats, history, memo, periods, reconciliation, theme
from chargeboard.history import SessionFilter
from chargeboard.i18n import N_, _
from chargeboard.scope import CHARGER_OWNER, Scope
from chargeboard.store import Store

ATTRIBUTIONS = {"start": N_("session start"), "registered": N_("date the charger cloud registered it")}
# English msgids; weekday() gives one in the reader's language.
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
# "Most sessions start on Mondays": the plural a sentence needs.
_WEEKDAYS_PLURAL = (N_("Mondays"), N_("Tuesdays"), N_("Wednesdays"), N_("Thursdays"), N_("Fridays"),
                    N_("Saturdays"), N_("Sundays"))


def weekday(number: int) -> str:
    """1 (Monday) … 7 (Sunday), in the reader's language."""
    return _(WEEKDAYS[number - 1])


@dataclass(frozen=True)
class DashboardRequest:
    date_from: date
    date_to: date
    installation_ids: tuple[str, ...] = field(default=())
    attribute_by: str = "start"       # 'start' | 'registered'
    use_corrected: bool = False       # use dates corrected by the system owner

    def params(self, date_from: date | None = None, date_to: date | None = None) -> dict:
        if self.attribute_by not in ATTRIBUTIONS:
            raise ValueError(f"attribute by one of {', '.join(ATTRIBUTIONS)}, not {self.attribute_by!r}")
        return {**periods.bounds(date_from or self.date_from, date_to or self.date_to),
                "installation_filter": list(self.installation_ids),
                "attribute_by": self.attribute_by, "use_corrected": self.use_corrected}


# --- periods and scope ------------------------------------------------------------------------

def board_scope(scope: Scope) -> Scope:
    """What the dashboard counts: a charger owner's own stations only (their scope also holds their
    own charging at stations of others, which is shown apart). Narrows, never widens."""
    return replace(scope, user_ids=()) if scope.role == CHARGER_OWNER else scope


def hours_in(date_from: date, date_to: date) -> float:
    return ((date_to - date_from).days + 1) * 24.0


# --- KPIs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kpis:
    date_from: date
    date_to: date
    sessions: int
    energy_kwh: Decimal
    active_users: int
    occupied_hours: float
    stations: int

    @property
    def kwh_per_session(self) -> Decimal | None:
        return (self.energy_kwh / self.sessions).quantize(Decimal("0.001")) if self.sessions else None

    @property
    def utilisation(self) -> float | None:
        """Share of station-hours occupied, 0..1 (None without stations)."""
        available = self.stations * hours_in(self.date_from, self.date_to)
        return min(1.0, self.occupied_hours / available) if available else None

    def value(self, name: str):
        return getattr(self, name)


KPI_NAMES = {  # attribute: (label with unit (an English msgid: kpi_label), unit)
    "energy_kwh": (N_("Energy (kWh)"), "kWh"),
    "sessions": (N_("Sessions"), ""),
    "active_users": (N_("Active users"), ""),
    "kwh_per_session": (N_("kWh per session"), "kWh"),
    "utilisation": (N_("Station utilisation (%)"), "%"),
}


def kpi_label(name: str) -> str:
    """A KPI's label in the reader's language."""
    return _(KPI_NAMES[name][0])


def kpis_for(store: Store, scope: Scope, request: DashboardRequest, date_from: date, date_to: date) -> Kpis:
    row = store.one("dashboard_kpis", scope, **request.params(date_from, date_to),
                    **periods.whole_months(date_from, date_to))
    sessions, energy, users, occupied, stations = row
    return Kpis(date_from, date_to, int(sessions), Decimal(energy), int(users), float(occupied), int(stations))


@dataclass(frozen=True)
class KpiComparison:
    current: Kpis
    previous: Kpis
    last_year: Kpis
    first_data: date | None = None
    today: date | None = None

    def coverage(self, against: str) -> periods.Coverage:
        """Whether the comparison's two periods are both covered by the data."""
        other = getattr(self, against)
        today = self.today or periods.local_today()
        mine = periods.Coverage(self.current.date_from, self.current.date_to, self.first_data, today)
        theirs = periods.Coverage(other.date_from, other.date_to, self.first_data, today)
        return theirs if theirs.partial else mine

    def partial_note(self, against: str) -> str | None:
        """Why the comparison shows no percentage ("data only from 20 Oct 2026"), or None."""
        found = self.coverage(against)
        return _("partial data: {reason}", reason=found.reason) if found.partial else None

    def change(self, name: str, against: str = "previous") -> float | None:
        """Relative change of a KPI (0.12 = +12 %); for utilisation the change in percentage points / 100.
        None when either period is only partly covered by the data: a percentage would mislead."""
        if self.partial_note(against):
            return None
        now, then = self.current.value(name), getattr(self, against).value(name)
        if now is None or then is None:
            return None
        if name == "utilisation":
            return float(now) - float(then)
        return (float(now) - float(then)) / float(then) if then else None


def kpi_comparison(store: Store, scope: Scope, request: DashboardRequest, today: date | None = None) -> KpiComparison:
    f, t = request.date_from, request.date_to
    return KpiComparison(kpis_for(store, scope, request, f, t),
                         kpis_for(store, scope, request, *periods.previous_period(f, t)),
                         kpis_for(store, scope, request, *periods.same_period_last_year(f, t)),
                         history.first_day(store, scope, request.installation_ids), today or periods.local_today())


def format_kpi(name: str, value) -> str:
    if value is None:
        return "–"
    if name == "utilisation":
        return formats.decimal(value * 100, 1)
    if name == "kwh_per_session":
        return formats.decimal(value, 1)
    return formats.integer(value)


def format_change(name: str, change: float | None, label: str = "") -> str | None:
    """'+12 %' (or '+0.8 pp' for utilisation, a change in percentage points), then the label."""
    if change is None:
        return None
    points = round(change * 100, 1 if name == "utilisation" else 0)
    # never "-0 %" (or "+0 %"): nothing changed at this precision. An ASCII minus: st.metric reads
    # a delta starting with "-" as a fall.
    sign = "+" if points > 0 else "-" if points < 0 else ""
    magnitude = formats.decimal(abs(points), 1) if name == "utilisation" else formats.integer(abs(points))
    text = _("{number} pp", number=sign + magnitude) if name == "utilisation" else f"{sign}{magnitude} %"
    return f"{text} {label}".strip()


# --- monthly trend with year-over-year -----------------------------------------------------

def monthly_trend(store: Store, scope: Scope, request: DashboardRequest, months: int = 12) -> pd.DataFrame:
    """The `months` calendar months ending with the period's last month, each with the same month a
    year earlier: columns month, energy_kwh, sessions, last_year_kwh, last_year_sessions."""
    last = request.date_to.replace(day=1)
    first = periods.add_months(last, -(months - 1))
    end = periods.add_months(last, 1) - timedelta(days=1)
    by_month = {m: (e, int(s)) for m, s, e in
                store.rows("dashboard_monthly", scope, **request.params(periods.add_months(first, -12), end),
                           **periods.whole_months(periods.add_months(first, -12), end))}
    rows = []
    for i in range(months):
        month = periods.add_months(first, i)
        energy, sessions = by_month.get(month, (Decimal("0.000"), 0))
        before_energy, before_sessions = by_month.get(periods.add_months(month, -12), (Decimal("0.000"), 0))
        rows.append((month, energy, sessions, before_energy, before_sessions))
    return pd.DataFrame(rows, columns=["month", "energy_kwh", "sessions", "last_year_kwh", "last_year_sessions"])


def trend_title(trend: pd.DataFrame, first_data: date | None = None) -> str:
    """The busiest month, and the 12 months against the 12 before — unless the data starts inside
    the year before (then a percentage would compare with a few weeks: say so instead)."""
    if trend.empty or not any(trend["energy_kwh"]):
        return _("No charging in these 12 months")
    best = trend.loc[trend["energy_kwh"].astype(float).idxmax()]
    title = _("{month} was the busiest month: {energy} kWh", month=formats.month_long(best["month"]),
              energy=formats.integer(best["energy_kwh"]))
    title = title[0].upper() + title[1:]
    total, before = sum(trend["energy_kwh"]), sum(trend["last_year_kwh"])
    year_before = periods.add_months(trend["month"].iloc[0], -12)
    if first_data is not None and first_data > year_before:
        title += " · " + _("the year before has data only from {day}", day=formats.day(first_data))
    elif before:
        change = format_change("energy_kwh", (float(total) - float(before)) / float(before))
        title += " · " + _("12 months {change} on the year before", change=change)
    return title


@memo.per_source()
def trend_chart(trend: pd.DataFrame, present: bool = False, first_data: date | None = None) -> go.Figure:
    months = [datetime.combine(m, datetime.min.time()) for m in trend["month"]]
    fig = go.Figure()
    # Hovers written here in the reader's formats (plotly's own month names are English).
    fig.add_bar(x=months, y=trend["energy_kwh"].astype(float), name=_("Energy"), marker_color=theme.ENERGY,
                customdata=[f"{formats.month_long(m)}: {formats.kwh(e, 0)}"
                            for m, e in zip(trend["month"], trend["energy_kwh"], strict=True)],
                hovertemplate="%{customdata}<extra></extra>")
    fig.add_scatter(x=months, y=trend["last_year_kwh"].astype(float), name=_("Same month last year"),
                    mode="lines+markers", line={"color": theme.LAST_YEAR, "width": 3, "dash": "dot"},
                    marker={"symbol": "diamond", "size": 9},
                    customdata=[_("Year before: {energy}", energy=formats.kwh(e, 0)) for e in trend["last_year_kwh"]],
                    hovertemplate="%{customdata}<extra></extra>")
    theme.month_axis(fig, months)
    return theme.style(fig, title=trend_title(trend, first_data), x_title=_("Month"), y_title=_("Energy (kWh)"),
                       present=present, height=420)


# --- utilisation per station -----------------------------------------------------------------

def station_utilisation(store: Store, scope: Scope, request: DashboardRequest) -> pd.DataFrame:
    data = store.df("dashboard_station_utilisation", scope, **request.params())
    available = hours_in(request.date_from, request.date_to)
    data["utilisation"] = (data["occupied_hours"] / available).clip(upper=1.0) if available else 0.0
    return data.sort_values(["utilisation", "station"], ascending=[False, True]).reset_index(drop=True)


def utilisation_title(data: pd.DataFrame) -> str:
    if data.empty or not data["utilisation"].any():
        return _("No station was occupied in this period")
    top = data.iloc[0]
    mean = data["utilisation"].mean()
    return _("{station} was occupied most: {share} of hours (all stations {mean} on average)",
             station=top["station"], share=formats.percent(top["utilisation"], 0), mean=formats.percent(mean, 0))


# A bar a station: an installation of thousands drew a chart tens of thousands of pixels tall (and
# sent every bar). The board reads the busiest; Charge reports lists every station.
UTILISATION_BARS = 30


def utilisation_note(data: pd.DataFrame) -> str | None:
    """Under the chart, when it shows only the busiest stations."""
    if len(data) <= UTILISATION_BARS:
        return None
    return _("The {shown} most occupied of {n} stations. Every station's charging time is in Charge reports, "
             "by charging station.", shown=UTILISATION_BARS, n=formats.integer(len(data)))


@memo.per_source()
def utilisation_chart(data: pd.DataFrame, present: bool = False) -> go.Figure:
    shown = data.head(UTILISATION_BARS).sort_values("utilisation", ascending=True)  # data: busiest first
    fig = go.Figure(go.Bar(
        x=(shown["utilisation"] * 100).round(1), y=shown["station"], orientation="h",
        marker_color=theme.UTILISATION,
        customdata=[_("{share} of hours · {hours} h occupied · {sessions} sessions",
                      share=formats.percent(u, 1), hours=formats.integer(h), sessions=formats.integer(n))
                    for u, h, n in zip(shown["utilisation"], shown["occupied_hours"], shown["sessions"], strict=True)],
        hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.update_xaxes(range=[0, max(5.0, float(shown["utilisation"].max() or 0) * 100 * 1.1)], ticksuffix=" %")
    return theme.style(fig, title=utilisation_title(data), x_title=_("Share of hours occupied (%)"), y_title="",
                       present=present, height=max(320, 24 * len(shown) + 140))


# --- when sessions start -----------------------------------------------------------------------

def start_heatmap(store: Store, scope: Scope, request: DashboardRequest) -> pd.DataFrame:
    """Sessions starting, 7 weekdays (rows, Monday first) × 24 local hours (columns)."""
    data = store.df("dashboard_start_heatmap", scope, **request.params())
    grid = pd.DataFrame(0, index=range(1, 8), columns=range(24), dtype="int64")
    for weekday, hour, sessions in zip(data["weekday"], data["hour"], data["sessions"], strict=True):
        grid.loc[int(weekday), int(hour)] = int(sessions)
    return grid


def heatmap_title(grid: pd.DataFrame) -> str:
    if not grid.to_numpy().any():
        return _("No sessions started in this period")
    weekday, hour = grid.stack().idxmax()
    peak = int(grid.loc[weekday, hour])
    by_hour = grid.sum(axis=0)
    busiest_hour = int(by_hour.idxmax())
    return _("Most sessions start on {weekdays} at {start}–{end} ({peak}); over the week the busiest hour is "
             "{busiest}", weekdays=_(_WEEKDAYS_PLURAL[weekday - 1]), start=f"{hour:02d}:00",
             end=f"{(hour + 1) % 24:02d}:00", peak=peak, busiest=f"{busiest_hour:02d}:00")


@memo.per_source()
def heatmap_chart(grid: pd.DataFrame, present: bool = False) -> go.Figure:
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[f"{h:02d}" for h in grid.columns], y=[_(d) for d in WEEKDAYS],
        colorscale=theme.SEQUENTIAL, colorbar={"title": {"text": _("Sessions")}},
        hovertemplate="%{y} %{x}:00: " + _("{sessions} sessions started", sessions="%{z}") + "<extra></extra>",
        xgap=1, ygap=1))
    fig.update_yaxes(autorange="reversed")
    return theme.style(fig, title=heatmap_title(grid), x_title=_("Hour of day (local time, h)"), y_title=_("Weekday"),
                       present=present, height=380)


# --- standby and rest (issue 4's reconciliation) ---------------------------------------------

@dataclass(frozen=True)
class MeterBalance:
    """Meter consumption split into charged (sessions), standby and rest, for one period (kWh)."""
    meter_kwh: Decimal
    charged_kwh: Decimal
    standby_kwh: Decimal
    rest_kwh: Decimal


def meter_balance(store: Store, scope: Scope, request: DashboardRequest) -> MeterBalance | None:
    """Standby and rest from chargeboard.reconciliation.reconcile (no second implementation here),
    summed over the installations with a meter in the request. None when the caller is not the
    system owner (the reconciliation compares the whole installation with its meter) or no
    installation has meter readings around the period."""
    if not scope.is_system_owner:
        return None
    lines = []
    for installation_id, *_rest in reconciliation.installations(store):
        if request.installation_ids and installation_id not in request.installation_ids:
            continue
        total = reconciliation.reconcile(store, scope, installation_id, request.date_from, request.date_to).total
        if total.meter_kwh is not None:
            lines.append(total)
    if not lines:
        return None
    meter = sum((x.meter_kwh for x in lines), Decimal(0))
    charged = sum((x.sessions_kwh for x in lines), Decimal(0))
    standby = sum((x.standby_kwh for x in lines), Decimal(0))
    return MeterBalance(meter, charged, standby, meter - charged - standby)


@memo.per_source()
def balance_chart(balance: MeterBalance, present: bool = False) -> go.Figure:
    parts = ((_("Charged by vehicles"), balance.charged_kwh, theme.ENERGY),
             (_("Chargers' standby"), balance.standby_kwh, theme.STANDBY),
             (_("Rest (other loads on the meter)"), balance.rest_kwh, theme.REST))
    fig = go.Figure()
    for name, kwh, colour in parts:
        fig.add_bar(x=[float(kwh)], y=[_("Meter")], orientation="h", name=name, marker_color=colour,
                    customdata=[f"{name}: {formats.kwh(kwh, 0)}"], hovertemplate="%{customdata}<extra></extra>")
    fig.update_layout(barmode="stack")
    share = float(balance.charged_kwh) / float(balance.meter_kwh) if balance.meter_kwh else 0
    return theme.style(fig, title=_("Vehicles took {share} of the {energy} kWh on the meter",
                                    share=formats.percent(share, 0), energy=formats.integer(balance.meter_kwh)),
                       x_title=_("Energy (kWh)"), y_title="", present=present, height=260)


# --- the whole page ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OwnChargingElsewhere:
    """A charger owner's own charging at stations they do not own, in the period."""
    sessions: int
    energy_kwh: Decimal
    stations: dict[str, str]   # station id -> name


def own_charging_elsewhere(store: Store, scope: Scope, request: DashboardRequest) -> OwnChargingElsewhere | None:
    """None for anyone but a charger owner (or one with no own charging at others' stations in the
    period). The stations are those of the period's sessions, not every station they ever used."""
    if scope.role != CHARGER_OWNER or not scope.user_ids:
        return None
    own = replace(scope, station_ids=())  # only their own user's sessions
    period = SessionFilter(request.date_from, request.date_to)
    used = set(history.stations_charged(store, own, period)) - set(scope.station_ids)
    elsewhere = {k: v for k, v in history.filter_options(store, own).stations.items() if k in used}
    if not elsewhere:  # an empty station filter would mean every station: ask for none at all
        return None
    found = history.totals(store, own, replace(period, station_ids=tuple(elsewhere)))
    return OwnChargingElsewhere(found.sessions, Decimal(found.energy_kwh), elsewhere)


@dataclass(frozen=True)
class DashboardView:
    """The KPIs are computed at once; each chart's data when the page first asks for it, so the
    page draws its headline before the charts' queries run (and a kept view keeps them)."""
    request: DashboardRequest
    kpis: KpiComparison
    store: Store = field(repr=False, compare=False)
    scope: Scope = field(repr=False, compare=False)

    @memo.once
    def trend(self) -> pd.DataFrame:
        return monthly_trend(self.store, board_scope(self.scope), self.request)

    @memo.once
    def utilisation(self) -> pd.DataFrame:
        return station_utilisation(self.store, board_scope(self.scope), self.request)

    @memo.once
    def heatmap(self) -> pd.DataFrame:
        return start_heatmap(self.store, board_scope(self.scope), self.request)

    @memo.once
    def balance(self) -> MeterBalance | None:
        return meter_balance(self.store, board_scope(self.scope), self.request)

    @memo.once
    def elsewhere(self) -> OwnChargingElsewhere | None:
        return own_charging_elsewhere(self.store, self.scope, self.request)

    @property
    def is_empty(self) -> bool:
        return self.kpis.current.stations == 0

    @property
    def previous_period(self) -> tuple[date, date]:
        return periods.previous_period(self.request.date_from, self.request.date_to)

    @property
    def last_year_period(self) -> tuple[date, date]:
        return periods.same_period_last_year(self.request.date_from, self.request.date_to)


# The period the dashboard opens on (the page's default; warm.py computes this one ahead).
LANDING_PERIOD = "Last month"


def landing_figures(store: Store, scope: Scope, today: date | None = None) -> None:
    """The dashboard as it opens (its default period, every installation, dated by start), computed
    with its charts exactly as the page asks for them, so that with the memo on they are kept: what
    warm.py computes ahead for the system owners when new data lands."""
    installations(store, scope)
    request = DashboardRequest(*periods.preset_range(LANDING_PERIOD, today or periods.local_today()))
    view = dashboard_view(store, scope, request)
    if view.is_empty:
        return
    trend_chart(view.trend, False, view.kpis.first_data)
    utilisation_chart(view.utilisation, False)
    heatmap_chart(view.heatmap, False)
    if view.balance is not None:
        balance_chart(view.balance, False)


@memo.per_data_version()
def dashboard_view(store: Store, scope: Scope, request: DashboardRequest, today: date | None = None) -> DashboardView:
    return DashboardView(request, kpi_comparison(store, board_scope(scope), request, today), store, scope)


@memo.per_data_version()
def installations(store: Store, scope: Scope) -> dict[str, str]:
    return {r[0]: r[1] for r in store.rows("installations_in_scope", board_scope(scope))}
