"""My usage: a resident's own charging — this month and this year, month by month, own sessions,
own tags, an anonymised comparison with the installation, and an own Excel export.

"Own" is the caller's own charging (Scope.own(): their feed users and, for a resident linked to a
dwelling, the dwelling's charging on the days they own it), never the wider scope: a charger owner's
scope also holds other people's sessions on their stations, and those are not "my usage".

Privacy: the installation average is the ONE figure on this page computed from data outside the
caller's scope (queries/my_usage/my_usage_installation_average.sql). That query returns aggregates only —
how many residents charged, and their average kWh — and the average is withheld in SQL when fewer
than MIN_RESIDENTS_FOR_AVERAGE residents charged, so no resident's figure can be derived from it.
It covers complete months only (the last complete month; this year's complete months): a running
month's average moves each time someone charges, so two visits a session apart would differ by
that one neighbour's session divided by the number of residents — a figure anyone can multiply
back. A complete month no longer moves with each new session.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from chargeboard import excel, formats, history, memo, periods, statements, tariffs, theme
from chargeboard.history import SessionFilter
from chargeboard.i18n import _
from chargeboard.scope import Scope, role_title
from chargeboard.store import Store

MIN_RESIDENTS_FOR_AVERAGE = 5
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class InstallationAverage:
    """Aggregates only, of complete months: `month` (the last complete month) and this year's
    complete months (January up to `month`; none in January). avg is None when fewer than
    MIN_RESIDENTS_FOR_AVERAGE residents charged."""
    month_residents: int
    month_avg_kwh: Decimal | None
    year_residents: int
    year_avg_kwh: Decimal | None
    month: date | None = None


def last_complete_month(today: date) -> date:
    return periods.add_months(today.replace(day=1), -1)


def installation_average(store: Store, scope: Scope, today: date) -> InstallationAverage:
    this_month = today.replace(day=1)
    month = last_complete_month(today)
    row = store.one("my_usage_installation_average", scope,
                    month_from=datetime.combine(month, datetime.min.time()),
                    year_from=datetime.combine(date(today.year, 1, 1), datetime.min.time()),
                    local_to=datetime.combine(this_month, datetime.min.time()),  # complete months only
                    min_residents=MIN_RESIDENTS_FOR_AVERAGE)
    if not row:
        return InstallationAverage(0, None, 0, None, month)
    m_n, m_avg, y_n, y_avg = row
    return InstallationAverage(int(m_n or 0), None if m_avg is None else Decimal(m_avg),
                               int(y_n or 0), None if y_avg is None else Decimal(y_avg), month)


def money(store: Store, scope: Scope, today: date) -> statements.Money | None:
    """This month's and this year's cost of the caller's own charging, from the statements
    (issue 4's tariffs; no second implementation of the pricing here). None without a tariff.
    A resident linked to a dwelling: the energy cost of the sessions shown (each priced as the
    statements price it), since a feed user's statement line is not the dwelling's charging."""
    if not scope.dwelling_grants:
        return statements.own_costs(store, scope, today)
    if not tariffs.periods(store):
        return None
    month, year = statements.own_cost_requests(today)
    month_prices, currency = _session_costs(store, scope, month.date_from, month.date_to)
    year_prices, _currency = _session_costs(store, scope, year.date_from, year.date_to)
    return statements.Money(month=sum(month_prices.values(), Decimal(0)), year=sum(year_prices.values(), Decimal(0)),
                            currency=currency)


def session_costs(store: Store, scope: Scope, sessions: pd.DataFrame) -> list[Decimal]:
    """Each own session's energy cost, priced by the statements' own per-session query
    (statements.session_prices: no second implementation of the pricing), rounded to the minor
    unit. The monthly fee and shares of standby and rest are per month: they are on the statement."""
    costs, _currency = own_session_prices(store, scope, sessions)
    return [costs.get(sid, Decimal(0)) for sid in sessions["session_id"]]


def own_session_prices(store: Store, scope: Scope, sessions: pd.DataFrame) -> tuple[dict[str, Decimal], str]:
    """The priced own sessions of the window these sessions span (by start and by registration, how a
    session with an unreliable clock is dated), by session id, and the currency; none priced without
    a tariff. Kept per window and data version: the page's table and its workbook share one pricing."""
    times = pd.concat([sessions["start_local"], sessions["registered_local"]]).dropna()
    if times.empty:
        first = last = periods.local_today()
    else:
        first, last = pd.Timestamp(times.min()).date(), pd.Timestamp(times.max()).date()
    return _session_costs(store, scope, first, last)


@memo.per_data_version()
def _session_costs(store: Store, scope: Scope, first: date, last: date) -> tuple[dict[str, Decimal], str]:
    return statements.session_prices(store, scope.own(), first, last)  # own sessions only (a charger owner's too)


@dataclass(frozen=True)
class MyUsage:
    """The kWh of the months are read at once; the sessions, tags, average and costs when the page
    first asks for them, so the page draws its kWh tiles before the pricing runs (a kept result
    keeps them)."""
    today: date
    linked: bool                   # the account is linked to a user of the charger feed or a dwelling
    monthly: pd.DataFrame          # month, energy_kwh, sessions: 12 months ending this month
    month_kwh: Decimal
    month_sessions: int
    year_kwh: Decimal
    year_sessions: int
    store: Store = field(repr=False, compare=False)
    scope: Scope = field(repr=False, compare=False)
    dwellings: tuple[str, ...] = ()  # the numbers of the dwellings whose charging is shown (issue 30)

    @memo.once
    def sessions(self) -> pd.DataFrame:
        """Own sessions, last 12 months, newest first."""
        first = self.monthly["month"].iloc[0]
        return self.store.df("history_rows", self.scope.own(), **_own_sessions(self.scope, first, self.today))

    @memo.once
    def tags(self) -> pd.DataFrame:
        return self.store.df("my_usage_tags", self.scope)

    @memo.once
    def average(self) -> InstallationAverage:
        return installation_average(self.store, self.scope, self.today)

    @memo.once
    def money(self) -> statements.Money | None:
        return money(self.store, self.scope, self.today)


@memo.per_data_version()
def usage_years(store: Store, scope: Scope, today: date | None = None) -> list[int]:
    """The years My usage offers, newest first: this year and every year with own charging."""
    this_year = (today or periods.local_today()).year
    years = {int(year) for (year,) in store.rows("my_usage_years", scope)} if scope.linked else set()
    return sorted(years | {this_year}, reverse=True)


def year_end(year: int, today: date | None = None) -> date:
    """The day My usage reads an earlier year as of: its last day (this year: today)."""
    today = today or periods.local_today()
    return today if year >= today.year else date(year, 12, 31)


@memo.per_data_version()
def my_usage(store: Store, scope: Scope, today: date | None = None, *, year: int | None = None) -> MyUsage:
    """The caller's own usage as of `today`; `year` (an earlier one) reads that year as of its last day:
    its December, the whole year, its twelve months."""
    today = today or periods.local_today()
    if year is not None:
        today = year_end(year, today)
    this_month = today.replace(day=1)
    first = periods.add_months(this_month, -11)
    window = periods.bounds(min(first, date(today.year, 1, 1)), today)
    by_month = {m: (e, int(s)) for m, s, e in store.rows("my_usage_monthly", scope, **window)}
    months = [periods.add_months(first, i) for i in range(12)]
    monthly = pd.DataFrame([(m, *by_month.get(m, (Decimal("0.000"), 0))) for m in months],
                           columns=["month", "energy_kwh", "sessions"])
    year = [v for m, v in by_month.items() if m.year == today.year]
    month = by_month.get(this_month, (Decimal("0.000"), 0))
    return MyUsage(
        today=today, linked=scope.linked, monthly=monthly,
        month_kwh=month[0], month_sessions=month[1],
        year_kwh=sum((v[0] for v in year), Decimal("0.000")), year_sessions=sum(v[1] for v in year),
        store=store, scope=scope, dwellings=scope.dwelling_numbers())


def dwelling_text(usage: MyUsage) -> str:
    """Which dwelling's charging the page shows, for a resident linked to one (or more)."""
    return _("Dwelling {numbers}: this page shows its charging on the days you own it, besides your own.",
             numbers=", ".join(usage.dwellings))


def comparison_text(usage: MyUsage) -> str:
    avg = usage.average
    if avg.month_avg_kwh is None and avg.year_avg_kwh is None:
        return _("The installation's average is shown when at least {n} residents have charged in a complete "
                 "month, so that no one's own figure can be worked out from it.", n=MIN_RESIDENTS_FOR_AVERAGE)
    month = last_complete_month(usage.today)
    own = dict(zip(usage.monthly["month"], usage.monthly["energy_kwh"], strict=True))
    parts = []
    if avg.month_avg_kwh is not None:
        parts.append(_("in {month} you charged {own} kWh; the average resident {average} kWh "
                       "({residents} residents charged)", month=formats.month_long(month),
                       own=formats.integer(own.get(month, Decimal(0))), average=formats.integer(avg.month_avg_kwh),
                       residents=avg.month_residents))
    if avg.year_avg_kwh is not None:
        year_kwh = sum((kwh for m, kwh in own.items() if m.year == usage.today.year and m <= month), Decimal(0))
        parts.append(_("from January to {month} you charged {own} kWh; the average resident {average} kWh "
                       "({residents} residents charged)", month=formats.month_name(month),
                       own=formats.integer(year_kwh), average=formats.integer(avg.year_avg_kwh),
                       residents=avg.year_residents))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def monthly_title(usage: MyUsage) -> str:
    if not any(usage.monthly["energy_kwh"]):
        return _("No charging in the last 12 months")
    best = usage.monthly.loc[usage.monthly["energy_kwh"].astype(float).idxmax()]
    return _("You charged most in {month}: {energy} kWh", month=formats.month_long(best["month"]),
             energy=formats.integer(best["energy_kwh"]))


@memo.per_source()
def monthly_chart(usage: MyUsage) -> go.Figure:
    months = [datetime.combine(m, datetime.min.time()) for m in usage.monthly["month"]]
    fig = go.Figure()
    # The hover text is written here, in the reader's formats (plotly's month names are English).
    hovers = [_("{month}: {energy} · {sessions} sessions", month=formats.month_long(m), energy=formats.kwh(e),
                sessions=formats.integer(n))
              for m, e, n in zip(usage.monthly["month"], usage.monthly["energy_kwh"], usage.monthly["sessions"],
                                 strict=True)]
    fig.add_bar(x=months, y=usage.monthly["energy_kwh"].astype(float), name=_("You"), marker_color=theme.YOU,
                customdata=hovers, hovertemplate="%{customdata}<extra></extra>")
    theme.month_axis(fig, months)
    theme.style(fig, title=monthly_title(usage), x_title=_("Month"), y_title=_("Energy (kWh)"), height=340)
    fig.update_layout(margin={"t": 60, "l": 4, "r": 4, "b": 4}, showlegend=False)
    return fig


def _own_sessions(scope: Scope, date_from: date, date_to: date) -> dict:
    """history_rows parameters for the caller's OWN sessions, read with scope.own() (also for a
    charger owner: never others' sessions on his stations). An account linked to no feed user and no
    dwelling asks for no rows at all."""
    return {**SessionFilter(date_from, date_to).params(), "limit": None if scope.linked else 0, "offset": 0}


def _naive(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    value = pd.Timestamp(value).to_pydatetime()
    return value.replace(tzinfo=None)


@memo.per_data_version(maxsize=64)
def page_workbook(store: Store, scope: Scope, today: date) -> tuple[bytes, str]:
    """The page's one-click download, built once per reader, data and hour (the memo's key), not on
    every run of the page: it prices every session again and writes a workbook (a quarter of a
    second of the server's time, a resident's first page after the login)."""
    return export_workbook(store, scope, my_usage(store, scope, today), log=False)


def export_workbook(store: Store, scope: Scope, usage: MyUsage, *, log: bool = True) -> tuple[bytes, str]:
    """The resident's own sessions (last 12 months) and months as an Excel file; logged as an export.
    Each session's cost is priced by the statements' own query (blank while no tariff is set)."""
    first = usage.monthly["month"].iloc[0]
    costs, currency = own_session_prices(store, scope, usage.sessions)  # the page's table priced them already
    # Read again as exact values (a DataFrame holds kWh as float).
    session_rows = [(_naive(start), _naive(end), _naive(registered), float(hours), station, tag or "", kwh,
                     costs.get(session_id), history.status_icons(offline, unreliable, False))
                    for (start, end, hours, station, _sid, _user, _uid, tag, kwh, offline, unreliable, _void,
                         registered, session_id, _replaced)
                    in store.rows("history_rows", scope.own(), **_own_sessions(scope, first, usage.today))]
    priced = [r[7] for r in session_rows if r[7] is not None]
    month_rows = [(m, int(s), e) for m, e, s in
                  zip(usage.monthly["month"], usage.monthly["energy_kwh"], usage.monthly["sessions"], strict=True)]
    # Headers and notes in the reader's language; cells stay typed (numbers, dates).
    sheets = [
        excel.Sheet(_("My sessions"), [excel.Column(_("Start"), "datetime"), excel.Column(_("End"), "datetime"),
                                       excel.Column(_("Registered"), "datetime"),
                                       excel.Column(_("Duration (h)"), "hours"),
                                       excel.Column(_("Charging station"), "text"), excel.Column(_("RFID tag"), "text"),
                                       excel.Column(_("Energy (kWh)"), "kwh"),
                                       excel.Column(_("Cost ({currency})", currency=currency), "money"),
                                       excel.Column(_("Status"), "text")],
                    session_rows, totals=(_("Total"), None, None, None, None, None,
                                          sum((r[6] for r in session_rows), Decimal("0.000")),
                                          sum(priced, Decimal(0)) if priced else None, None)),
        excel.Sheet(_("By month"), [excel.Column(_("Month"), "date"), excel.Column(_("Sessions"), "int"),
                                    excel.Column(_("Energy (kWh)"), "kwh")], month_rows),
    ]
    about = [(_("Report"), _("My usage: own charging sessions")),
             (_("Period"), _("{first} to {last}, installation's local time", first=formats.day(first),
                             last=formats.day(usage.today))),
             (_("Exported by"), f"{scope.display_name or scope.username} ({scope.username}), "
                                f"{role_title(scope.role)}"),
             (_("Rows limited to"), _("the sessions of your own user account") if not scope.dwelling_grants else
              _("the sessions of your own user account and of dwelling {numbers} on the days you own it",
                numbers=", ".join(scope.dwelling_numbers()))),
             (_("Exported at (UTC)"), formats.moment(datetime.now(UTC))),
             (_("Registered"), _("When the charger cloud registered the session; differs from Start when the "
                                 "charger was offline ({offline}). {unreliable} = the session's time is unlikely "
                                 "to be correct.", offline=history.badge(history.OFFLINE_ICON),
                                 unreliable=history.badge(history.UNRELIABLE_ICON))),
             (_("Cost"), _("Each session priced exactly as the statements price it (the tariff in force, hour by "
                           "hour), rounded to the øre; blank while no tariff covers it. A month's statement may "
                           "differ from the sum of its sessions by an øre, as it rounds once."))]
    buffer = io.BytesIO()
    written = excel.write_workbook(buffer, sheets, about, page_header=(
        scope.display_name or scope.username, _("My usage"), formats.period(first, usage.today)))
    name = f"chargeboard_my-usage_{scope.username}_{usage.today:%Y-%m-%d}.xlsx"
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "my usage", name, written)
    return buffer.getvalue(), name
