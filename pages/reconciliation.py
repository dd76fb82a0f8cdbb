"""Meter reconciliation: the meter vs. the chargers' sessions, standby and the rest (system owner)."""

from datetime import datetime, time

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import meters, periods, reconciliation, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Meter reconciliation")
st.caption("Why the charger report does not show the same as the electricity meter / invoice.")
with st.expander("Why do the meter and the charger report differ?"):
    for title, text in reconciliation.HELP:
        st.markdown(f"**{title}.** {text}")

found = reconciliation.installations(store())
if not found:
    st.info("No electricity meter yet. Load a meter-reading CSV (meter_id, read_at, register_kwh, installation) "
            "with `python -m chargeboard ingest FILE`, or enter a first reading below.")
names = {i[0]: f"{i[1]} ({', '.join(i[3])})" for i in found}

with st.container(border=True):
    left, middle, right = st.columns([2, 2, 3])
    installation_id = left.selectbox("Installation", list(names), format_func=names.get, key="rec_inst") \
        if names else None
    date_from, date_to = widgets.period("rec", "Last 12 months", middle, right,
                                        tuple(p for p in periods.PRESETS if p != "All time"))

if installation_id:
    rec = reconciliation.reconcile(store(), scope, installation_id, date_from, date_to)
    t = rec.total
    cols = st.columns(4)
    cols[0].metric("Meter", "—" if t.meter_kwh is None else f"{t.meter_kwh:,.1f} kWh")
    cols[1].metric("Chargers (sessions)", f"{t.sessions_kwh:,.1f} kWh",
                   help=f"{t.sessions:,} sessions; void sessions never count")
    cols[2].metric("Standby estimate", f"{t.standby_kwh:,.1f} kWh",
                   help="Stations installed in the period × standby kWh per month, prorated by days")
    cols[3].metric("Other loads and losses", "—" if t.rest_kwh is None else f"{t.rest_kwh:,.1f} kWh",
                   delta=None if t.share(t.rest_kwh) is None else f"{t.share(t.rest_kwh):.1%} of the meter",
                   delta_color="off")
    for note in rec.notes:
        st.warning(note)
    st.plotly_chart(reconciliation.chart(rec), use_container_width=True)
    pct = st.column_config.NumberColumn(format="percent")
    st.dataframe(reconciliation.table_rows(rec), hide_index=True, use_container_width=True, column_config={
        "period": "Period", "meter_kwh": st.column_config.NumberColumn("Meter (kWh)", format="%.1f"),
        "sessions": "Sessions", "sessions_kwh": st.column_config.NumberColumn("Chargers (kWh)", format="%.1f"),
        "sessions_pct": pct, "standby_kwh": st.column_config.NumberColumn("Standby (kWh)", format="%.1f"),
        "standby_pct": pct, "stations": "Stations",
        "rest_kwh": st.column_config.NumberColumn("Other loads and losses (kWh)", format="%.1f"),
        "rest_pct": pct, "flag": "Flag"}, key="rec_table")
    with st.expander("Meter readings used at the period edges"):
        st.dataframe(reconciliation.readings_rows(rec), hide_index=True, use_container_width=True)
    workbook, name = reconciliation.workbook(store(), scope, rec, log=False)
    widgets.download("Download reconciliation (Excel)", workbook, name, key="rec_xlsx", what="Reconciliation",
                     rows=len(rec.months), store=store(), scope=scope, primary=True)

with st.expander("Standby settings per charging station"):
    st.caption("A station counts from its install date (default: the day of its first session), with "
               f"{reconciliation.DEFAULT_STANDBY_KWH_MONTH} kWh standby per month unless set here.")
    stations = {r[0]: f"{r[1]} ({r[3]})" for r in store().rows("stations_in_scope", scope)}
    with st.form("station_settings"):
        cols = st.columns(3)
        station = cols[0].selectbox("Station", list(stations), format_func=stations.get, key="standby_station")
        installed_on = cols[1].date_input("Installed on (empty: first session)", None, format="YYYY-MM-DD",
                                          key="standby_installed")
        standby_kwh = cols[2].number_input("Standby (kWh per month)", 0.0, 100.0,
                                           float(reconciliation.DEFAULT_STANDBY_KWH_MONTH), 0.5, key="standby_kwh")
        if st.form_submit_button("Save station setting") and station:
            reconciliation.set_station(store(), station, installed_on, standby_kwh)
            st.session_state["reading_saved"] = f"Saved the standby setting of {stations[station]}."
            st.rerun()

st.subheader("Enter a meter reading")
if saved := st.session_state.pop("reading_saved", None):
    st.success(saved)
with st.form("meter_reading", clear_on_submit=True):
    known = [m for i in found for m in i[3]]
    cols = st.columns(4)
    meter_id = cols[0].selectbox("Meter", known + ["(new meter)"], key="reading_meter")
    new_meter = cols[0].text_input("New meter's id", key="reading_new_meter")
    day = cols[1].date_input("Read on", periods.local_today(), key="reading_day", format="YYYY-MM-DD")
    at = cols[1].time_input("at (local time)", time(8, 0), key="reading_time")
    register = cols[2].text_input("Register (kWh)", key="reading_register", placeholder="e.g. 51234.567")
    install_names = [r[1] for r in store().rows("installations_all")]
    installation = cols[3].selectbox("Installation (new meter)", install_names, key="reading_installation")
    replacement = cols[3].checkbox("New meter (register restarts)", key="reading_replacement")
    if st.form_submit_button("Save reading"):
        chosen = new_meter.strip() if meter_id == "(new meter)" else meter_id
        try:
            outcome = meters.add_reading(store(), scope.username, chosen, datetime.combine(day, at), register,
                                         replacement, installation if meter_id == "(new meter)" else None)
        except meters.MeterError as error:
            st.error(f"Not saved: {error}")
        else:
            st.session_state["reading_saved"] = (f"Saved the reading of {chosen}." if outcome == "new"
                                                 else "That reading was already stored.")
            st.rerun()
