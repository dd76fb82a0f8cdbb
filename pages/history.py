"""Charge history: every session in the visitor's scope, filterable, newest first."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, history, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Charge history"))
flt = widgets.session_filter(store(), scope, offer_void=True, offer_status=True)
page_no = st.session_state.get("history_page", 1)
view = history.history_view(store(), scope, flt, page_no)

if view.sessions_in_scope == 0:
    st.info(_("There is no charging history yet. Sessions appear here once a feed from the charger cloud "
              "has been loaded (README: *Loading your own data*)."))
    st.stop()

totals = view.totals
cols = st.columns(4)
cols[0].metric(_("Sessions"), formats.integer(totals.sessions))
cols[1].metric(_("Energy"), formats.kwh(totals.energy_kwh, 3))
cols[2].metric(_("Charged offline ({icon})", icon=history.badge(history.OFFLINE_ICON)),
               formats.integer(totals.offline_sessions))
cols[3].metric(_("Time unreliable ({icon})", icon=history.badge(history.UNRELIABLE_ICON)),
               formats.integer(totals.unreliable_sessions))

if totals.sessions == 0:
    st.info(_("No sessions from {first} to {last} with these filters. The newest session you can see started "
              "{newest}. If a charger was offline during a session, the date it was registered may differ from "
              "the date it charged: try a wider period.", first=formats.day(flt.date_from),
              last=formats.day(flt.date_to), newest=formats.moment(view.newest_start)))
    st.stop()

st.dataframe(
    widgets.formatted(view.rows[["status", "start_local", "end_local", "duration_h", "station", "serial", "user_name",
                                 "tag", "energy_kwh", "registered_local"]],
                      {"duration_h": widgets.number(2), "energy_kwh": widgets.number(3)}),
    hide_index=True,
    width="stretch",
    column_config={
        "status": st.column_config.TextColumn(_("Status"), width="small", help=_("See the legend below the table")),
        "start_local": widgets.datetime_column(_("Start")),
        "end_local": widgets.datetime_column(_("End")),
        "duration_h": _("Duration (h)"),
        "station": _("Charging station"),
        "serial": _("Serial number"),
        "user_name": _("User"),
        "tag": _("RFID tag"),
        "energy_kwh": _("Energy (kWh)"),
        "registered_local": widgets.datetime_column(_("Registered"),
                                                    help=_("When the charger cloud registered the session")),
    },
)
left, right = st.columns([1, 3])
st.session_state["history_page"] = view.page_no  # the filters may have shrunk the page count
left.number_input(_("Page (of {pages})", pages=formats.integer(totals.pages)), min_value=1, max_value=totals.pages,
                  step=1, key="history_page")
right.caption(_("Newest first · {size} a page · times in the installation's local time", size=history.PAGE_SIZE))
widgets.history_download(store(), scope, flt, totals.sessions)
with st.expander(_("What the status icons mean"), expanded=totals.offline_sessions + totals.unreliable_sessions > 0):
    for icon, text in history.LEGEND.items():
        st.markdown(f"**{history.badge(icon)}** — {_(text)}")
