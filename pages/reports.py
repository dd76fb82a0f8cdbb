"""Charge reports: consumption by charging station, user or RFID tag, as table, charts and Excel."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import corrections, exports, formats, help, reports, theme, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _, ngettext  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Charge reports"))
flt = widgets.session_filter(store(), scope, default_preset="Last month")
left, middle, right = st.columns([3, 2, 3])
by = widgets.choice_in_address(left.segmented_control, _("Consumption by"), list(reports.GROUPINGS), key="by",
                               default="station", label_of=lambda k: _(reports.GROUPINGS[k])) or "station"
include_idle = middle.toggle(_("Include those with no sessions"), key="idle", bind=widgets.URL,
                             help=_("A report normally lists only stations (users, tags) that had a session "
                                    "in the period. Switch on to see idle ones with 0."))
attribute_by = widgets.choice_in_address(right.radio, _("Date sessions by"), list(reports.ATTRIBUTIONS), key="dating",
                                         default="start", label_of=lambda k: _(reports.ATTRIBUTIONS[k]),
                                         horizontal=True, help=_(corrections.ATTRIBUTE_BY_HELP))
use_corrected = right.toggle(_(corrections.USE_CORRECTED_LABEL), key="corrected", bind=widgets.URL,
                             help=_(corrections.USE_CORRECTED_HELP))
report = reports.build_report(store(), scope, reports.ReportRequest(flt, by, include_idle, attribute_by, use_corrected))

if report.is_empty and not include_idle:
    st.info(_("No charging in this period with these filters."))
    widgets.help_expanders(help.CANNOT_RETRIEVE, expanded=True)
    widgets.help_expanders(help.WHY_NOT_ALL)
    st.stop()

t = report.totals
cols = st.columns(4)
cols[0].metric(_("Energy"), formats.kwh(t.energy_kwh, 3))
cols[1].metric(_("Sessions"), formats.integer(t.sessions))
cols[2].metric(_("Charging time"), f"{formats.decimal(t.charging_hours, 1)} h")
cols[3].metric(_("Time unreliable (sessions · kWh)"),
               f"{formats.integer(t.unreliable_sessions)} · {formats.decimal(t.unreliable_kwh, 1)}",
               help=_("Sessions whose time is unreliable are counted on the date the store holds for them."))
for note in report.notes:
    st.caption(note)

table, by_month = st.tabs([_("Report"), _("Month by month")])
with table:
    st.plotly_chart(reports.entity_chart(report), width="stretch",
                    config=theme.plotly_config(f"report-by-{by}"))
    # No internal ids: a station shows its name and its charger's serial number.
    shown = ["name", "serial"] if by == "station" else ["name", "detail"]
    st.dataframe(widgets.formatted(report.rows[[*shown, "sessions", "energy_kwh", "charging_hours", "share"]],
                                   {"sessions": widgets.number(), "energy_kwh": widgets.number(3),
                                    "charging_hours": widgets.number(1), "share": formats.percent}),
                 hide_index=True, width="stretch", column_config={
                     "name": _(reports.GROUPINGS[by]), "serial": _("Serial number"),
                     "detail": _(reports.DETAIL_TITLES[by]),
                     "sessions": _("Sessions"),
                     "energy_kwh": _("Energy (kWh)"),
                     "charging_hours": _("Charging time (h)"),
                     # The share as the reader writes it (93,8 %); a ProgressColumn would write 93.79%.
                     "share": _("Share"),
                 })
    st.caption(_("Total: {sessions} · {energy}",
                 sessions=ngettext("{n} session", "{n} sessions", t.sessions, n=formats.integer(t.sessions)),
                 energy=formats.kwh(t.energy_kwh, 3)))
with by_month:
    st.plotly_chart(reports.monthly_chart(report), width="stretch",
                    config=theme.plotly_config(f"report-by-{by}-monthly"))
    monthly = reports.monthly_table_shown(report)
    st.dataframe(widgets.formatted(monthly, {c: widgets.number(3) for c in monthly.columns[1:]}),
                 hide_index=True, width="stretch")

# Built with the page (a report is small), logged only when downloaded: the file is ready
# at the click, so nothing can race a rerun.
workbook = exports.page_report_workbook(store(), scope, report.request)
st.download_button(_("Download report (Excel)"), key="report_xlsx", data=workbook.data,
                   file_name=workbook.file_name, mime=workbook.mime, type="primary", on_click=exports.log_download,
                   args=(store(), scope, workbook))
widgets.help_expanders(help.WHY_NOT_ALL, help.WAS_OFFLINE, help.VS_METER)
