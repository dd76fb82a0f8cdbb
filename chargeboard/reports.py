"""The charge report: consumption by charging station, user or RFID tag over a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from chargeboard import formats, memo, periods, theme
from chargeboard.history import SessionFilter
from chargeboard.i18n import N_, _, ngettext
from chargeboard.scope import Scope
from chargeboard.store import Store

# English msgids (N_), translated where shown.
GROUPINGS = {"station": N_("Charging station"), "user": N_("User"), "rfid": N_("RFID tag")}
ATTRIBUTIONS = {"start": N_("session start"), "registered": N_("date the charger cloud registered it")}
DETAIL_TITLES = {"station": N_("Serial"), "user": N_("E-mail"), "rfid": N_("Last used by")}
# "by station" in a chart title, a grouping as a sentence names it.
_BY = {"station": N_("by charging station"), "user": N_("by user"), "rfid": N_("by RFID tag")}


@dataclass(frozen=True)
class ReportRequest:
    flt: SessionFilter
    by: str = "station"
    include_idle: bool = False
    attribute_by: str = "start"
    use_corrected: bool = False

    def params(self) -> dict:
        if self.by not in GROUPINGS:
            raise ValueError(f"group by one of {', '.join(GROUPINGS)}, not {self.by!r}")
        if self.attribute_by not in ATTRIBUTIONS:
            raise ValueError(f"attribute by one of {', '.join(ATTRIBUTIONS)}, not {self.attribute_by!r}")
        return {**self.flt.params(), **periods.whole_months(self.flt.date_from, self.flt.date_to),
                "group_by": self.by, "include_idle": self.include_idle,
                "attribute_by": self.attribute_by, "use_corrected": self.use_corrected}

    @property
    def period_label(self) -> str:
        return periods.label(self.flt.date_from, self.flt.date_to)


@dataclass
class ReportTotals:
    sessions: int = 0
    energy_kwh: Decimal = Decimal("0.000")
    charging_hours: float = 0.0
    unreliable_sessions: int = 0
    unreliable_kwh: Decimal = Decimal("0.000")
    offline_sessions: int = 0
    # Unreliable clock with an impossible start (e.g. restarted at 2000-01-01): counted on the
    # date the cloud registered them (validate_staged_sessions.sql).
    dated_by_registration_sessions: int = 0
    dated_by_registration_kwh: Decimal = Decimal("0.000")


@dataclass
class Report:
    request: ReportRequest
    rows: pd.DataFrame
    monthly: pd.DataFrame
    totals: ReportTotals = field(default_factory=ReportTotals)

    @property
    def is_empty(self) -> bool:
        return self.totals.sessions == 0

    @property
    def notes(self) -> list[str]:
        """What a reader must know to trust the figures, one sentence each."""
        t = self.totals
        if not t.dated_by_registration_sessions:
            return []
        return [dated_by_registration_note(t.dated_by_registration_sessions, t.dated_by_registration_kwh)]


def dated_by_registration_note(sessions: int, kwh: Decimal) -> str:
    return ngettext("{n} session ({energy} kWh) had an impossible start time from a charger whose clock was "
                    "unreliable, and is counted on the date the charger cloud registered it.",
                    "{n} sessions ({energy} kWh) had an impossible start time from a charger whose clock was "
                    "unreliable, and are counted on the date the charger cloud registered them.",
                    sessions, n=formats.integer(sessions), energy=formats.decimal(kwh, 3))


def exact_kwh(values) -> Decimal:
    """Sum kWh exactly. DuckDB's DECIMAL(·,3) reaches pandas as float64; each value is
    still the nearest double to a whole number of Wh, so rounding it back to 3 decimals
    recovers it exactly, and the Decimal sum cannot drift."""
    return sum((Decimal(f"{v:.3f}") for v in values), Decimal("0.000"))


@memo.per_data_version()
def build_report(store: Store, scope: Scope, request: ReportRequest) -> Report:
    """The report rows, the month-by-month breakdown and the totals, all in scope."""
    params = request.params()
    both = store.df("consumption_by_group", scope, **params)  # entity rows, then entity × month rows
    per_month = both["month"].notna()
    rows = both[~per_month].drop(columns="month").reset_index(drop=True)
    # A station is shown by its name and its charger's serial number; the key (the feed's internal
    # id) stays in the rows for the CSV and is hidden on the page.
    rows.insert(2, "serial", rows["detail"] if request.by == "station" else None)
    monthly = both.loc[per_month, ["key", "month", "sessions", "energy_kwh"]].reset_index(drop=True)
    totals = ReportTotals(
        sessions=int(rows["sessions"].sum()),
        energy_kwh=exact_kwh(rows["energy_kwh"]),
        charging_hours=float(rows["charging_hours"].sum()),
        unreliable_sessions=int(rows["unreliable_sessions"].sum()),
        unreliable_kwh=exact_kwh(rows["unreliable_kwh"]),
        offline_sessions=int(rows["offline_sessions"].sum()),
        dated_by_registration_sessions=int(rows["dated_by_registration_sessions"].sum()),
        dated_by_registration_kwh=exact_kwh(rows["dated_by_registration_kwh"]),
    )
    return Report(request, rows, monthly, totals)


def monthly_table(report: Report) -> pd.DataFrame:
    """Entities × months (kWh), with the entities' names and a total column."""
    if report.monthly.empty:
        return pd.DataFrame(columns=["name"])
    names = dict(zip(report.rows["key"], report.rows["name"], strict=True))
    wide = report.monthly.pivot_table(index="key", columns="month", values="energy_kwh",
                                      aggfunc="sum", fill_value=0.0)
    wide.columns = [f"{m:%Y-%m}" for m in wide.columns]
    wide["total"] = wide.sum(axis=1).round(3)
    wide.insert(0, "name", [names.get(k, k) for k in wide.index])
    return wide.sort_values("total", ascending=False).reset_index(drop=True)


def monthly_table_shown(report: Report) -> pd.DataFrame:
    """monthly_table as a reader sees it: months named in their language ("okt. 2026"), the name
    column titled by the grouping, the total's unit said."""
    wide = monthly_table(report)
    names = {c: formats.month(date.fromisoformat(f"{c}-01")) for c in wide.columns if c not in ("name", "total")}
    return wide.rename(columns={"name": _(GROUPINGS[report.request.by]), "total": _("Total (kWh)"), **names})


@memo.per_source()
def entity_chart(report: Report) -> go.Figure:
    by = _(_BY[report.request.by])
    rows = report.rows.sort_values("energy_kwh", ascending=True)
    fig = go.Figure(go.Bar(x=rows["energy_kwh"].astype(float), y=rows["name"], orientation="h",
                           marker_color=theme.ENERGY, customdata=[formats.kwh(v, 3) for v in rows["energy_kwh"]],
                           hovertemplate="%{y}: %{customdata}<extra></extra>"))
    top = report.rows.iloc[0] if len(report.rows) else None
    finding = (_("{name} charged the most: {energy} kWh of {total}", name=top["name"],
                 energy=formats.integer(float(top["energy_kwh"])),
                 total=formats.integer(float(report.totals.energy_kwh)))
               if top is not None and report.totals.sessions else _("No charging"))
    return theme.style(fig, title=f"{finding} · {by}, {report.request.period_label}",
                       x_title=_("Energy (kWh)"), y_title="", height=max(320, 26 * len(rows) + 120))


@memo.per_source()
def monthly_chart(report: Report, top: int = len(theme.CATEGORICAL) - 1) -> go.Figure:
    """Stacked monthly bars; beyond the `top` largest entities the rest is one 'others' band
    (grey). No colour repeats within the chart: `top` is at most the categorical colours."""
    top = min(top, len(theme.CATEGORICAL))
    by = _(_BY[report.request.by])
    data = report.monthly.copy()
    fig = go.Figure()
    title = _("Energy per month {by}, {period}", by=by, period=report.request.period_label)
    others = _("others")
    if not data.empty:
        names = dict(zip(report.rows["key"], report.rows["name"], strict=True))
        order = list(report.rows["key"][:top])
        data["band"] = [names.get(k, k) if k in order else others for k in data["key"]]
        bands = data.groupby(["band", "month"], as_index=False)["energy_kwh"].sum()
        shown = [names.get(k, k) for k in order] + ([others] if others in set(bands["band"]) else [])
        for band, colour in zip(shown, [*theme.CATEGORICAL[:len(order)], theme.GREY], strict=False):
            part = bands[bands["band"] == band]
            # The name is fed in as a trace property (escaped by theme.style), never into the template.
            fig.add_bar(x=part["month"], y=part["energy_kwh"].astype(float), name=band, marker_color=colour,
                        customdata=[f"{formats.month_long(m)}: {formats.kwh(v, 3)}"
                                    for m, v in zip(part["month"], part["energy_kwh"], strict=True)],
                        hovertemplate="%{fullData.name} · %{customdata}<extra></extra>")
        per_month = data.groupby("month")["energy_kwh"].sum()
        busiest = per_month.idxmax()
        found = _("{month} was the busiest month: {energy} kWh", month=formats.month_long(busiest),
                  energy=formats.integer(float(per_month.max())))
        title = f"{found[0].upper()}{found[1:]} · {title}"
        theme.month_axis(fig, sorted(set(data["month"])))
    fig.update_layout(barmode="stack")
    return theme.style(fig, title=title, x_title=_("Month"), y_title=_("Energy (kWh)"))
