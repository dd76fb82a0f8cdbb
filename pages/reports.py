"""Charge reports: consumption by charging station, user or RFID tag, as table, charts and Excel."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import corrections, exports, help, reports, theme, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Charge reports")
flt = widgets.session_filter(store(), scope, default_preset="Last month")
left, middle, right = st.columns([3, 2, 3])
by = left.segmented_control("Consumption by", list(reports.GROUPINGS), format_func=reports.GROUPINGS.get,
                            default="station", key="by", bind=widgets.URL) or "station"
include_idle = middle.toggle("Include those with no sessions", key="idle", bind=widgets.URL,
                             help="A report normally lists only stations (users, tags) that had a session "
                                  "in the period. Switch on to see idle ones with 0.")
attribute_by = right.radio("Date sessions by", list(reports.ATTRIBUTIONS), format_func=reports.ATTRIBUTIONS.get,
                           horizontal=True, key="dating", bind=widgets.URL, help=corrections.ATTRIBUTE_BY_HELP)
use_corrected = right.toggle(corrections.USE_CORRECTED_LABEL, key="corrected", bind=widgets.URL,
                             help=corrections.USE_CORRECTED_HELP)
report = reports.build_report(store(), scope, reports.ReportRequest(flt, by, include_idle, attribute_by, use_corrected))

if report.is_empty and not include_idle:
    st.info("No charging in this period with these filters.")
    with st.expander(help.CANNOT_RETRIEVE_REPORTS_TITLE, expanded=True):
        st.markdown(help.CANNOT_RETRIEVE_REPORTS)
    with st.expander(help.WHY_NOT_ALL_STATIONS_TITLE):
        st.markdown(help.WHY_NOT_ALL_STATIONS)
    st.stop()

t = report.totals
cols = st.columns(4)
cols[0].metric("Energy", f"{t.energy_kwh:,.3f} kWh")
cols[1].metric("Sessions", f"{t.sessions:,}")
cols[2].metric("Charging time", f"{t.charging_hours:,.1f} h")
cols[3].metric("Time unreliable (sessions · kWh)", f"{t.unreliable_sessions} · {t.unreliable_kwh:,.1f}",
               help="Sessions whose time is unreliable are counted on the date the store holds for them.")
for note in report.notes:
    st.caption(note)

table, by_month = st.tabs(["Report", "Month by month"])
with table:
    st.plotly_chart(reports.entity_chart(report), use_container_width=True,
                    config=theme.plotly_config(f"report-by-{by}"))
    # No internal ids: a station shows its name and its charger's serial number.
    shown = ["name", "serial"] if by == "station" else ["name", "detail"]
    st.dataframe(report.rows[[*shown, "sessions", "energy_kwh", "charging_hours", "share"]],
                 hide_index=True, use_container_width=True, column_config={
                     "name": reports.GROUPINGS[by], "serial": "Serial number", "detail": reports.DETAIL_TITLES[by],
                     "sessions": st.column_config.NumberColumn("Sessions", format="%d"),
                     "energy_kwh": st.column_config.NumberColumn("Energy (kWh)", format="%.3f"),
                     "charging_hours": st.column_config.NumberColumn("Charging time (h)", format="%.1f"),
                     "share": st.column_config.ProgressColumn("Share", format="percent", min_value=0, max_value=1),
                 })
    st.caption(f"Total: {t.sessions:,} sessions · {t.energy_kwh:,.3f} kWh")
with by_month:
    st.plotly_chart(reports.monthly_chart(report), use_container_width=True,
                    config=theme.plotly_config(f"report-by-{by}-monthly"))
    st.dataframe(reports.monthly_table(report), hide_index=True, use_container_width=True)

# Built with the page (a report is small), logged only when downloaded: the file is ready
# at the click, so nothing can race a rerun.
workbook = exports.report_workbook(store(), scope, report, log=False)
st.download_button("Download report (Excel)", key="report_xlsx", data=workbook.data, file_name=workbook.file_name,
                   mime=workbook.mime, type="primary", on_click=exports.log_download, args=(store(), scope, workbook))
for title, text in ((help.WHY_NOT_ALL_STATIONS_TITLE, help.WHY_NOT_ALL_STATIONS),
                    (help.SYSTEM_WAS_OFFLINE_TITLE, help.SYSTEM_WAS_OFFLINE),
                    (help.REPORT_VS_METER_TITLE, help.REPORT_VS_METER)):
    with st.expander(title):
        st.markdown(text)
