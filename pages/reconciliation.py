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
ALL = "all"
names = {ALL: "All installations", **{i[0]: f"{i[1]} (meter {', '.join(i[3])})" for i in found}} if found else {}
titles = {k: st.column_config.Column(v) for k, v in reconciliation.COLUMN_TITLES.items()}
kwh = {k: st.column_config.NumberColumn(reconciliation.COLUMN_TITLES[k], format="%.1f")
       for k in ("meter_kwh", "sessions_kwh", "standby_kwh", "rest_kwh", "consumed_since_first_reading_kwh")}
pct = {k: st.column_config.NumberColumn(reconciliation.COLUMN_TITLES[k], format="percent")
       for k in ("sessions_pct", "standby_pct", "rest_pct")}
columns = {**titles, **kwh, **pct}

with st.container(border=True):
    left, middle, right = st.columns([2, 2, 3])
    installation_id = left.selectbox("Installation", list(names), format_func=names.get, key="installation",
                                     index=1 if len(names) == 2 else 0, bind=widgets.URL) if names else None
    covered = reconciliation.months_with_readings(store(), None if installation_id == ALL else installation_id,
                                                  periods.local_today())
    presets = ("Custom", *(p for p in periods.PRESETS if p not in ("All time", "Custom")))
    date_from, date_to = widgets.period("period", "Custom" if covered else "Last 12 months", middle, right,
                                        presets, default_range=covered)
    if covered:
        middle.caption(f"Opens on the last complete months with meter readings: {periods.label(*covered)}.")

if installation_id == ALL:
    recs = reconciliation.reconcile_all(store(), scope, date_from, date_to)
    rows = reconciliation.all_installations_rows(recs)
    t = rows[-1]
    cols = st.columns(4)
    cols[0].metric("Meter, all installations", "—" if t["meter_kwh"] is None else f"{t['meter_kwh']:,.1f} kWh")
    cols[1].metric("Chargers (sessions)", f"{t['sessions_kwh']:,.1f} kWh", help=f"{t['sessions']:,} sessions")
    cols[2].metric("Standby estimate", f"{t['standby_kwh']:,.1f} kWh")
    cols[3].metric("Other loads and losses", "—" if t["rest_kwh"] is None else f"{t['rest_kwh']:,.1f} kWh")
    st.dataframe(rows, hide_index=True, use_container_width=True, column_config=columns, key="rec_all_table")
    st.caption("Each installation's own months, chart and readings: choose it above.")
elif installation_id:
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
    st.dataframe(reconciliation.table_rows(rec), hide_index=True, use_container_width=True, column_config=columns,
                 key="rec_table")
    with st.expander("Meter readings used at the period edges"):
        st.dataframe(reconciliation.readings_rows(rec), hide_index=True, use_container_width=True,
                     column_config=columns)
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
