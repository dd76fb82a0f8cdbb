"""Charge history: every session in the visitor's scope, filterable, newest first."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import history, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Charge history")
flt = widgets.session_filter(store(), scope, offer_void=True, offer_status=True)
page_no = st.session_state.get("history_page", 1)
view = history.history_view(store(), scope, flt, page_no)

if view.sessions_in_scope == 0:
    st.info("There is no charging history yet. Sessions appear here once a feed from the charger cloud "
            "has been loaded (README: *Loading your own data*).")
    st.stop()

totals = view.totals
cols = st.columns(4)
cols[0].metric("Sessions", f"{totals.sessions:,}")
cols[1].metric("Energy", f"{totals.energy_kwh:,.3f} kWh")
cols[2].metric(f"Charged offline ({history.OFFLINE_ICON})", f"{totals.offline_sessions:,}")
cols[3].metric(f"Time unreliable ({history.UNRELIABLE_ICON})", f"{totals.unreliable_sessions:,}")

if totals.sessions == 0:
    st.info(f"No sessions from {flt.date_from} to {flt.date_to} with these filters. The newest session "
            f"you can see started {view.newest_start:%Y-%m-%d %H:%M}. If a charger was offline during "
            "a session, the date it was registered may differ from the date it charged: try a wider period.")
    st.stop()

st.dataframe(
    view.rows[["status", "start_local", "end_local", "duration_h", "station", "serial", "user_name", "tag",
               "energy_kwh", "registered_local"]],
    hide_index=True,
    use_container_width=True,
    column_config={
        "status": st.column_config.TextColumn("Status", width="small", help="See the legend below the table"),
        "start_local": st.column_config.DatetimeColumn("Start", format="YYYY-MM-DD HH:mm"),
        "end_local": st.column_config.DatetimeColumn("End", format="YYYY-MM-DD HH:mm"),
        "duration_h": st.column_config.NumberColumn("Duration (h)", format="%.2f"),
        "station": "Charging station",
        "serial": "Serial number",
        "user_name": "User",
        "tag": "RFID tag",
        "energy_kwh": st.column_config.NumberColumn("Energy (kWh)", format="%.3f"),
        "registered_local": st.column_config.DatetimeColumn("Registered", format="YYYY-MM-DD HH:mm",
                                                            help="When the charger cloud registered the session"),
    },
)
left, right = st.columns([1, 3])
st.session_state["history_page"] = view.page_no  # the filters may have shrunk the page count
left.number_input(f"Page (of {totals.pages})", min_value=1, max_value=totals.pages, step=1, key="history_page")
right.caption(f"Newest first · {history.PAGE_SIZE} a page · times in the installation's local time")
widgets.history_download(store(), scope, flt, totals.sessions)
with st.expander("What the status icons mean", expanded=totals.offline_sessions + totals.unreliable_sessions > 0):
    for icon, text in history.LEGEND.items():
        st.markdown(f"**{icon}** — {text}")
