"""The board pack: the dashboard for a chosen period as an A4-landscape PDF for the minutes.

It holds what the dashboard shows, from the same functions (chargeboard.dashboard): the KPIs
with their comparisons (previous period and last year), the monthly trend with the year before,
station utilisation, when sessions start, the meter balance (standby and rest), and the
period's data-quality notes (chargeboard.quality's checks, counted for sessions in the period).
Charts are vector graphics (reportlab.graphics), so they stay sharp when printed or projected;
colours are the app's (chargeboard.theme), and every chart's title states its finding.
Labels are in the active language (chargeboard.i18n), figures, months and dates from
chargeboard.formats; the texts dashboard, periods and quality give are translated where they are
made (or, for their module-level labels, here with _()).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from chargeboard import dashboard, formats, pdf, periods, quality, theme
from chargeboard.i18n import _
from chargeboard.pricing import capacity
from chargeboard.scope import Scope
from chargeboard.store import Store

PAGE = landscape(A4)
WIDTH = PAGE[0] - 30 * mm  # inside the margins
PDF_MIME = pdf.PDF_MIME


@dataclass(frozen=True)
class QualityNote:
    title: str
    count: int
    meaning: str
    action: str


def quality_notes(store: Store, scope: Scope, date_from: date, date_to: date,
                  now: datetime | None = None) -> list[QualityNote]:
    """The data-quality checks with findings among the period's sessions (by local start; a shared tag
    used in the period; a station silent now), each with what it likely means and what to do."""
    now = now or datetime.now(UTC)
    first, last = pd.Timestamp(date_from), pd.Timestamp(date_to) + pd.Timedelta(days=1)
    notes = []
    for anomaly in quality.ANOMALIES:
        rows = quality.find(store, scope, anomaly.key, now)
        if "start_local" in rows:
            start = pd.to_datetime(rows["start_local"])
            rows = rows[(start >= first) & (start < last)]
        elif "last_used" in rows:
            rows = rows[(pd.to_datetime(rows["last_used"]) >= first) & (pd.to_datetime(rows["first_used"]) < last)]
        count = int(rows["tag"].nunique()) if anomaly.key == "shared_tags" else len(rows)
        if count:
            notes.append(QualityNote(_(anomaly.title), count, _(anomaly.meaning), _(anomaly.action)))
    return notes


# --- charts (vector) ------------------------------------------------------------------------------

def _c(hex_colour: str):
    return colors.HexColor(hex_colour)


def _nice_max(value: float) -> tuple[float, float]:
    """An axis maximum and tick step: 1, 2 or 5 × a power of ten, about five ticks."""
    if value <= 0:
        return 1.0, 0.2
    raw = value / 5
    power = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 10 ** -len(str(int(1 / raw)))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    top = step * (int(value / step) + (0 if value % step == 0 else 1))
    return top, step


def _text(drawing: Drawing, x: float, y: float, text: str, size: float = 8, anchor: str = "start",
          bold: bool = False, colour=pdf.INK) -> None:
    font, bold_font = pdf.fonts()
    drawing.add(String(x, y, text, fontName=bold_font if bold else font, fontSize=size, fillColor=colour,
                       textAnchor=anchor))


def _fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """Cut a label to fit `width` points (with an ellipsis)."""
    font = pdf.fonts()[1 if bold else 0]
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


TITLE_SPACE = 30  # points above a chart's plot: its title, in up to two lines


def _title(drawing: Drawing, title: str, width: float, height: float) -> None:
    """The chart's finding, wrapped onto at most two lines (the second cut if it must be)."""
    lines = simpleSplit(title, pdf.fonts()[1], 10, width)
    if len(lines) > 2:
        lines = [lines[0], _fit(" ".join(lines[1:]), 10, width, bold=True)]
    for i, line in enumerate(lines):
        _text(drawing, 0, height - 11 - i * 12, line, 10, bold=True)


def trend_chart(trend: pd.DataFrame, width: float = WIDTH, height: float = 300) -> Drawing:
    d = Drawing(width, height)
    _title(d, dashboard.trend_title(trend), width, height)
    left, bottom, top = 46, 30, height - TITLE_SPACE - 24
    plot_w = width - left - 10
    values = [float(v) for v in trend["energy_kwh"]] + [float(v) for v in trend["last_year_kwh"]]
    y_max, step = _nice_max(max(values, default=0))
    scale = (top - bottom) / y_max
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = bottom + tick * scale
        d.add(Line(left, y, left + plot_w, y, strokeColor=pdf.RULE, strokeWidth=0.4))
        _text(d, left - 4, y - 3, formats.integer(tick), 7, "end", colour=pdf.MUTED)
        tick += step
    _text(d, 0, (top + bottom) / 2 + 30, "kWh", 7, colour=pdf.MUTED)
    n = max(len(trend), 1)
    slot = plot_w / n
    points = []
    for i, row in enumerate(trend.itertuples(index=False)):
        x = left + i * slot
        h = float(row.energy_kwh) * scale
        d.add(Rect(x + slot * 0.18, bottom, slot * 0.64, h, fillColor=_c(theme.ENERGY), strokeColor=None))
        _text(d, x + slot / 2, bottom - 10, formats.month(row.month), 6.5, "middle", colour=pdf.MUTED)
        points += [x + slot / 2, bottom + float(row.last_year_kwh) * scale]
    if len(points) >= 4:
        d.add(PolyLine(points, strokeColor=_c(theme.LAST_YEAR), strokeWidth=1.8, strokeDashArray=[3, 2]))
    for px, py in zip(points[::2], points[1::2], strict=True):
        d.add(Polygon([px, py + 3, px + 3, py, px, py - 3, px - 3, py], fillColor=_c(theme.LAST_YEAR),
                      strokeColor=None))
    # legend, under the title, never over it
    lx = left
    ly = height - TITLE_SPACE - 12
    d.add(Rect(lx, ly, 8, 8, fillColor=_c(theme.ENERGY), strokeColor=None))
    _text(d, lx + 11, ly + 1, _("Energy (kWh)"), 7.5)
    d.add(Line(lx + 80, ly + 4, lx + 96, ly + 4, strokeColor=_c(theme.LAST_YEAR), strokeWidth=1.8,
               strokeDashArray=[3, 2]))
    _text(d, lx + 100, ly + 1, _("Same month last year"), 7.5)
    return d


def utilisation_chart(data: pd.DataFrame, width: float = WIDTH / 2 - 6, max_rows: int = 18) -> Drawing:
    shown = data.head(max_rows)
    height = 30 + TITLE_SPACE + 14 * max(len(shown), 1)
    d = Drawing(width, height)
    _title(d, dashboard.utilisation_title(data), width, height)
    label_w = 92
    plot_w = width - label_w - 40
    top_share = max(0.05, float(shown["utilisation"].max() or 0) * 1.1) if len(shown) else 0.05
    for i, row in enumerate(shown.itertuples(index=False)):
        y = height - TITLE_SPACE - 16 - (i + 1) * 14
        _text(d, label_w - 4, y + 2, _fit(str(row.station), 7, label_w - 6), 7, "end")
        w = float(row.utilisation) / top_share * plot_w
        d.add(Rect(label_w, y, w, 10, fillColor=_c(theme.UTILISATION), strokeColor=None))
        _text(d, label_w + w + 3, y + 2, formats.percent(float(row.utilisation)), 7, colour=pdf.MUTED)
    if len(data) > max_rows:
        _text(d, label_w, 4, _("The {shown} most occupied of {n} stations.", shown=max_rows, n=len(data)), 7,
              colour=pdf.MUTED)
    _text(d, label_w, height - TITLE_SPACE - 10, _("Share of the period's hours a car was plugged in"), 7,
          colour=pdf.MUTED)
    return d


def _blend(share: float) -> colors.Color:
    """White to ENERGY blue, like the app's sequential scale."""
    blue = _c(theme.BLUE)
    return colors.Color(1 - (1 - blue.red) * share, 1 - (1 - blue.green) * share, 1 - (1 - blue.blue) * share)


def heatmap_chart(grid: pd.DataFrame, width: float = WIDTH / 2 - 6, height: float = 210) -> Drawing:
    d = Drawing(width, height)
    _title(d, dashboard.heatmap_title(grid), width, height)
    left, bottom = 30, 22
    cell_w = (width - left - 4) / 24
    cell_h = (height - TITLE_SPACE - 8 - bottom) / 7
    peak = max(int(grid.to_numpy().max()), 1)
    for r, weekday in enumerate(grid.index):
        y = bottom + (6 - r) * cell_h
        _text(d, left - 3, y + cell_h / 2 - 3, _(dashboard.WEEKDAYS[int(weekday) - 1])[:3], 7, "end")
        for c, hour in enumerate(grid.columns):
            count = int(grid.loc[weekday, hour])
            d.add(Rect(left + c * cell_w, y, cell_w - 0.6, cell_h - 0.6, fillColor=_blend(count / peak),
                       strokeColor=None))
    for c in range(0, 24, 3):
        _text(d, left + c * cell_w + cell_w / 2, bottom - 9, f"{c:02d}", 6.5, "middle", colour=pdf.MUTED)
    _text(d, left, 2, _("Sessions started per weekday and local hour (darkest: {peak})", peak=formats.integer(peak)),
          7, colour=pdf.MUTED)
    return d


def balance_chart(balance: dashboard.MeterBalance, width: float = WIDTH, height: float = 90) -> Drawing:
    d = Drawing(width, height)
    share = float(balance.charged_kwh) / float(balance.meter_kwh) if balance.meter_kwh else 0
    _title(d, _("Vehicles took {share} of the {kwh} on the meter", share=formats.percent(share, 0),
                kwh=formats.kwh(balance.meter_kwh, 0)), width, height)
    parts = ((_("Charged by vehicles"), balance.charged_kwh, theme.ENERGY),
             (_("Chargers' standby"), balance.standby_kwh, theme.STANDBY),
             (_("Rest (other loads on the meter)"), balance.rest_kwh, theme.REST))
    total = sum(max(float(kwh), 0) for _name, kwh, _colour in parts) or 1
    x = 0.0
    for _name, kwh, colour in parts:
        w = max(float(kwh), 0) / total * width
        d.add(Rect(x, 26, w, 22, fillColor=_c(colour), strokeColor=None))
        x += w
    x = 0.0
    for name, kwh, colour in parts:
        d.add(Rect(x, 6, 8, 8, fillColor=_c(colour), strokeColor=None))
        label = f"{name}: {formats.kwh(kwh, 0)}"
        _text(d, x + 11, 7, label, 7.5)
        x += 22 + len(label) * 4.2
    return d


# --- the document --------------------------------------------------------------------------------

def _change(k: dashboard.KpiComparison, name: str, against: str) -> str:
    """The change as the dashboard shows it: a percentage, or why there is none (partial data)."""
    return k.partial_note(against) or dashboard.format_change(name, k.change(name, against)) or "–"


def _kpi_rows(view: dashboard.DashboardView) -> list[list[str]]:
    k = view.kpis
    prev = _("Previous period") + f"\n{periods.label(k.previous.date_from, k.previous.date_to)}"
    year = _("Last year") + f"\n{periods.label(k.last_year.date_from, k.last_year.date_to)}"
    rows = [[_("KPI"), _("This period"), prev, _("Change"), year, _("Change")]]
    for name, (label, _unit) in dashboard.KPI_NAMES.items():
        rows.append([_(label), dashboard.format_kpi(name, k.current.value(name)),
                     dashboard.format_kpi(name, k.previous.value(name)),
                     _change(k, name, "previous"),
                     dashboard.format_kpi(name, k.last_year.value(name)),
                     _change(k, name, "last_year")])
    return rows


# The KPI, its value, then each comparison's value and change. A change may be a sentence ("partial
# data: no data before Jan 2025"), so the change columns are the wide ones.
KPI_WIDTHS = [56 * mm, 30 * mm, 46 * mm, 44 * mm, 46 * mm, 44 * mm]
KPI_SIZE = 9


def kpi_table(view: dashboard.DashboardView) -> Table:
    """The KPIs with their comparisons. Every cell is a paragraph that wraps within its column
    (a plain string is drawn on one line, over its neighbours when it is longer than the column)."""
    rows = _kpi_rows(view)
    cells = [[pdf.para(text, KPI_SIZE, bold=r == 0, alignment=TA_LEFT if c == 0 else TA_RIGHT)
              for c, text in enumerate(row)] for r, row in enumerate(rows)]
    return pdf.table(cells, KPI_WIDTHS, right=[1, 2, 3, 4, 5], size=KPI_SIZE)


def _balance_rows(balance: dashboard.MeterBalance) -> list[list[str]]:
    def share(kwh) -> str:
        return formats.percent(float(kwh) / float(balance.meter_kwh)) if balance.meter_kwh else "–"
    return [[_("Meter balance"), "kWh", _("Share of the meter")],
            [_("Electricity meter"), formats.decimal(balance.meter_kwh, 1), share(balance.meter_kwh)],
            [_("Charged by vehicles (sessions)"), formats.decimal(balance.charged_kwh, 1), share(balance.charged_kwh)],
            [_("Chargers' standby (estimate)"), formats.decimal(balance.standby_kwh, 1), share(balance.standby_kwh)],
            [_("Rest: other loads and losses"), formats.decimal(balance.rest_kwh, 1), share(balance.rest_kwh)]]


def _capacity_rows(months: list[capacity.CapacityMonth]) -> list[list[str]]:
    rows = [[_("Month"), _("Installation"), _("Chargers' level"), _("Chargers' step"), _("Installation's level (meter)"),
             _("Attributed to charging")]]
    for cm in months:
        rows.append([formats.month_long(cm.month), cm.installation, f"{formats.decimal(cm.chargers_level, 1)} kW",
                     f"{capacity.step_text(cm.chargers_step)} · {formats.money(cm.chargers_cost)}",
                     f"{formats.decimal(cm.installation_level, 1)} kW" if cm.has_meter else "–",
                     formats.money(cm.attributed_cost)])
    return rows


def capacity_block(store: Store, scope: Scope, installation_ids: list[str], date_from: date, date_to: date) -> list:
    """The period's capacity months (the system owner's pack only: the meter and every resident's load)."""
    if not scope.see_all:
        return []
    months = capacity.period_months(store, installation_ids, date_from, date_to)
    if not months:
        return []
    widths = [38 * mm, 50 * mm, 34 * mm, 50 * mm, 44 * mm, 44 * mm]
    return [KeepTogether([pdf.para(_("Capacity and peaks"), 12, True), Spacer(1, 2 * mm),
                          pdf.table(_capacity_rows(months), widths, right=[2, 4, 5], size=8.5), Spacer(1, 1.5 * mm),
                          pdf.para(_("The grid tariff's capacity part is set by the month's highest hourly loads. "
                                     "Attributed to charging: with the meter's hourly readings, the installation's "
                                     "step cost minus the step it would reach without the chargers; without them, "
                                     "the chargers' own step."), 7.5, colour=pdf.MUTED)]),
            Spacer(1, 5 * mm)]


def board_pack(store: Store, scope: Scope, request: dashboard.DashboardRequest, *, log: bool = True,
               now: datetime | None = None) -> tuple[bytes, str]:
    """The board pack PDF for the request's period, in the caller's scope, and its file name.
    periods.PeriodError (a ValueError, one line) for a period outside what can be reported."""
    periods.check_period(request.date_from, request.date_to)
    view = dashboard.dashboard_view(store, scope, request)
    names = dashboard.installations(store, scope)
    picked = [names[i] for i in request.installation_ids if i in names] or list(names.values())
    where = ", ".join(picked) if len(picked) <= 3 else _("{n} installations", n=len(picked))
    period = periods.label(request.date_from, request.date_to)
    made = (now or datetime.now(UTC))
    dated = _("{period} ({days}, both days included, local time) · sessions dated by {attribution}", period=period,
              days=formats.period(request.date_from, request.date_to),
              attribution=_(dashboard.ATTRIBUTIONS[request.attribute_by]))
    story: list = [pdf.Section("board"),
                   pdf.para(_("Board pack — {where}", where=where or _("no installation")), 18, True),
                   pdf.para(dated + (" · " + _("corrected dates used") if request.use_corrected else ""), 9,
                            colour=pdf.MUTED),
                   Spacer(1, 5 * mm)]
    if view.is_empty:
        story.append(pdf.para(_("There is no charging history in this scope yet."), 11))
    else:
        story += [pdf.para(_("Key figures"), 12, True), Spacer(1, 2 * mm),
                  kpi_table(view), Spacer(1, 1.5 * mm),
                  pdf.para(_("Change against the previous period of the same length and the same dates last year. "
                             "Utilisation changes are in percentage points (pp). Active users: users with at least "
                             "one session."), 7.5, colour=pdf.MUTED),
                  Spacer(1, 5 * mm)]
        if view.balance is not None:
            story += [KeepTogether([pdf.para(_("Meter balance"), 12, True), Spacer(1, 2 * mm),
                                    pdf.table(_balance_rows(view.balance), [70 * mm, 30 * mm, 36 * mm], right=[1, 2],
                                              size=9),
                                    Spacer(1, 3 * mm), balance_chart(view.balance)])]
        else:
            story.append(pdf.para(_("Meter balance: no reconciled meter readings around this period (or not shown "
                                    "in this role)."), 9, colour=pdf.MUTED))
        story += capacity_block(store, scope, [i for i in request.installation_ids if i in names] or list(names),
                                request.date_from, request.date_to)
        story += [PageBreak(), trend_chart(view.trend), Spacer(1, 8 * mm)]
        side = Table([[utilisation_chart(view.utilisation), heatmap_chart(view.heatmap)]],
                         colWidths=[WIDTH / 2, WIDTH / 2], hAlign="LEFT")
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(side)
    notes = quality_notes(store, scope, request.date_from, request.date_to, made)
    block = [pdf.para(_("Data quality in this period"), 12, True), Spacer(1, 2 * mm)]
    if notes:
        rows = [[_("Check"), _("Found"), _("What it likely means"), _("What to do")]]
        rows += [[pdf.para(n.title, 8, True), str(n.count), pdf.para(n.meaning, 8), pdf.para(n.action, 8)]
                 for n in notes]
        block.append(pdf.table(rows, [55 * mm, 15 * mm, 100 * mm, 97 * mm], right=[1], size=8))
    else:
        block.append(pdf.para(_("No data-quality findings among this period's sessions."), 9))
    story += [Spacer(1, 6 * mm), KeepTogether(block)]
    footer = _("Chargeboard board pack · {where} · {period} · made {moment} UTC", where=where, period=period,
               moment=formats.moment(made, "UTC"))
    data = pdf.build(story, pagesize=PAGE, title=_("Board pack {period}", period=period), footer=lambda _s: footer)
    name = (f"chargeboard_board-pack_{request.date_from:%Y-%m-%d}_{request.date_to:%Y-%m-%d}.pdf")
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "Board pack (PDF)", name, 0)
    return data, name
