"""My usage: a resident's own charging, this month and this year, with an anonymised comparison."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import help, history, my_usage, theme, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("My usage")
usage = my_usage.my_usage(store(), scope)
if not usage.linked:
    st.info("Your login is not linked to a user of the charging system yet, so there is no charging to show. "
            "Ask the system owner to check that your account's e-mail address is the one the charger cloud "
            "knows you by.")
    st.stop()

cols = st.columns(2)
cols[0].metric(f"This month ({usage.today:%B})", f"{usage.month_kwh:,.1f} kWh",
               help=f"{usage.month_sessions} sessions", border=True)
cols[1].metric(f"This year ({usage.today:%Y})", f"{usage.year_kwh:,.1f} kWh",
               help=f"{usage.year_sessions} sessions", border=True)
if usage.money is not None:
    cols = st.columns(2)
    cols[0].metric("Cost this month", f"{usage.money.month:,.2f} {usage.money.currency}", border=True)
    cols[1].metric("Cost this year", f"{usage.money.year:,.2f} {usage.money.currency}", border=True)
else:
    st.caption("Costs appear here once the system owner has set a price per kWh.")
st.caption(f"{usage.month_sessions} sessions this month · {usage.year_sessions} this year")

st.plotly_chart(my_usage.monthly_chart(usage), config=theme.plotly_config("my-usage"), key="chart_my_usage")
st.info(my_usage.comparison_text(usage))

st.subheader("My sessions")
shown = usage.sessions
if shown.empty:
    st.write("No sessions in the last 12 months.")
else:
    shown = shown.assign(status=[history.status_icons(o, u, False)
                                 for o, u in zip(shown["offline"], shown["time_unreliable"], strict=True)])
    cost = []
    if usage.money is not None:  # each session's energy cost, priced as the statement prices it
        shown = shown.assign(cost=[float(c) for c in my_usage.session_costs(store(), scope, shown)])
        cost = ["cost"]
    st.dataframe(shown[["start_local", "station", "energy_kwh", *cost, "duration_h", "tag", "registered_local",
                        "status"]],
                 hide_index=True, width="stretch", height=320, column_config={
                     "start_local": st.column_config.DatetimeColumn("Start", format="YYYY-MM-DD HH:mm"),
                     "station": "Station",
                     "energy_kwh": st.column_config.NumberColumn("kWh", format="%.2f"),
                     "cost": st.column_config.NumberColumn(
                         f"Cost ({usage.money.currency})" if usage.money else "Cost", format="%.2f",
                         help="The session's energy at the tariff's prices; the monthly fee is on the statement"),
                     "duration_h": st.column_config.NumberColumn("Hours", format="%.1f"),
                     "tag": "RFID tag",
                     "registered_local": st.column_config.DatetimeColumn(
                         "Registered", format="YYYY-MM-DD HH:mm", help="When the charger cloud registered it"),
                     "status": "Status"})
workbook, name = my_usage.export_workbook(store(), scope, usage, log=False)
widgets.download("Download my sessions (Excel)", workbook, name, key="my_usage_xlsx", what="my usage",
                 rows=len(usage.sessions), store=store(), scope=scope, primary=True)

st.subheader("My tags")
if usage.tags.empty:
    st.write("No RFID tags used.")
else:
    st.dataframe(usage.tags.assign(tag=usage.tags["tag"].replace("", "(no tag — started in the app)")),
                 hide_index=True, width="stretch", column_config={
                     "tag": "RFID tag", "sessions": st.column_config.NumberColumn("Sessions", format="%d"),
                     "energy_kwh": st.column_config.NumberColumn("kWh", format="%.1f"),
                     "first_used": st.column_config.DatetimeColumn("First used", format="YYYY-MM-DD"),
                     "last_used": st.column_config.DatetimeColumn("Last used", format="YYYY-MM-DD")})

with st.expander(help.SYSTEM_WAS_OFFLINE_TITLE):
    st.markdown(help.SYSTEM_WAS_OFFLINE)
with st.expander(help.WHAT_EACH_RESIDENT_USED_TITLE):
    st.markdown(help.WHAT_EACH_RESIDENT_USED)
