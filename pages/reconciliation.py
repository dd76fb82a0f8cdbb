"""Meter reconciliation: the meter vs. the chargers' sessions, standby and the rest (system owner)."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, meters, periods, reconciliation, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Meter reconciliation"))
st.caption(_("Why the charger report does not show the same as the electricity meter / invoice."))
with st.expander(_("Why do the meter and the charger report differ?")):
    for title, text in reconciliation.help_texts():
        st.markdown(f"**{title}.** {text}")

found = reconciliation.installations(store())
if not found:
    st.info(_("No electricity meter yet. Load a meter-reading CSV (meter_id, read_at, register_kwh, installation) "
            "with `python -m chargeboard ingest FILE`, or enter a first reading below."))
ALL = "all"
names = {ALL: _("All installations"), **{i[0]: _("{installation} (meter {meters})", installation=i[1],
                                                       meters=", ".join(i[3])) for i in found}} if found else {}
columns = {k: _(v) for k, v in reconciliation.COLUMN_TITLES.items()}
# Numbers as the reader writes them (widgets.formatted): kWh with one decimal, shares as percentages.
number_formats = {**{k: widgets.number(1) for k in ("meter_kwh", "sessions_kwh", "standby_kwh", "rest_kwh",
                                                    "consumed_since_first_reading_kwh")},
                  **{k: formats.percent for k in ("sessions_pct", "standby_pct", "rest_pct")},
                  "sessions": widgets.number(), "stations": widgets.number()}


def shown(rows: list[dict]):
    frame = pd.DataFrame(rows)
    for column in number_formats:  # Decimals (and None) as numbers, so the table sorts by value
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return widgets.formatted(frame, number_formats)

with st.container(border=True):
    left, middle, right = st.columns([2, 2, 3])
    installation_id = left.selectbox(_("Installation"), list(names), format_func=names.get, key="installation",
                                     index=1 if len(names) == 2 else 0, bind=widgets.URL) if names else None
    covered = reconciliation.months_with_readings(store(), None if installation_id == ALL else installation_id,
                                                  periods.local_today())
    presets = ("Custom", *(p for p in periods.PRESETS if p not in ("All time", "Custom")))
    date_from, date_to = widgets.period("period", "Custom" if covered else "Last 12 months", middle, right,
                                        presets, default_range=covered)
    if covered:
        middle.caption(_("Opens on the last complete months with meter readings: {period}.",
                         period=periods.label(*covered)))

if installation_id == ALL:
    recs = reconciliation.reconcile_all(store(), scope, date_from, date_to)
    rows = reconciliation.all_installations_rows(recs)
    t = rows[-1]
    cols = st.columns(4)
    cols[0].metric(_("Meter, all installations"), formats.kwh(t["meter_kwh"]))
    cols[1].metric(_("Chargers (sessions)"), formats.kwh(t["sessions_kwh"]),
                   help=_("{sessions} sessions", sessions=formats.integer(t["sessions"])))
    cols[2].metric(_("Standby estimate"), formats.kwh(t["standby_kwh"]))
    cols[3].metric(_("Other loads and losses"), formats.kwh(t["rest_kwh"]))
    st.dataframe(shown(rows), hide_index=True, width="stretch", column_config=columns, key="rec_all_table")
    st.caption(_("Each installation's own months, chart and readings: choose it above."))
elif installation_id:
    rec = reconciliation.reconcile(store(), scope, installation_id, date_from, date_to)
    t = rec.total
    cols = st.columns(4)
    cols[0].metric(_("Meter"), formats.kwh(t.meter_kwh))
    cols[1].metric(_("Chargers (sessions)"), formats.kwh(t.sessions_kwh),
                   help=_("{sessions} sessions; void sessions never count", sessions=formats.integer(t.sessions)))
    cols[2].metric(_("Standby estimate"), formats.kwh(t.standby_kwh),
                   help=_("Stations installed in the period × standby kWh per month, prorated by days"))
    cols[3].metric(_("Other loads and losses"), formats.kwh(t.rest_kwh),
                   delta=None if t.share(t.rest_kwh) is None else _("{share} of the meter",
                                                                    share=formats.percent(t.share(t.rest_kwh))),
                   delta_color="off")
    for note in rec.notes:
        st.warning(note)
    st.plotly_chart(reconciliation.chart(rec), width="stretch")
    st.dataframe(shown(reconciliation.table_rows(rec)), hide_index=True, width="stretch", column_config=columns,
                 key="rec_table")
    with st.expander(_("Meter readings used at the period edges")):
        st.dataframe(shown(reconciliation.readings_rows(rec)), hide_index=True, width="stretch",
                     column_config=columns)
    workbook, name = reconciliation.workbook(store(), scope, rec, log=False)
    widgets.download(_("Download reconciliation (Excel)"), workbook, name, key="rec_xlsx", what="Reconciliation",
                     rows=len(rec.months), store=store(), scope=scope, primary=True)

with st.expander(_("Standby settings per charging station")):
    st.caption(_("A station counts from its install date (default: the day of its first session), with "
                 "{standby} kWh standby per month unless set here.",
                 standby=formats.decimal(reconciliation.DEFAULT_STANDBY_KWH_MONTH, 0)))
    stations = {r[0]: f"{r[1]} ({r[3]})" for r in store().rows("stations_in_scope", scope)}
    with st.form("station_settings"):
        cols = st.columns(3)
        station = cols[0].selectbox(_("Station"), list(stations), format_func=stations.get, key="standby_station")
        installed_on = cols[1].date_input(_("Installed on (empty: first session)"), None, format=widgets.date_input_format(),
                                          key="standby_installed")
        standby_kwh = cols[2].number_input(_("Standby (kWh per month)"), 0.0, 100.0,
                                           float(reconciliation.DEFAULT_STANDBY_KWH_MONTH), 0.5, key="standby_kwh")
        if st.form_submit_button(_("Save station setting")) and station:
            reconciliation.set_station(store(), station, installed_on, standby_kwh)
            st.session_state["reading_saved"] = _("Saved the standby setting of {station}.", station=stations[station])
            st.rerun()

st.subheader(_("Enter a meter reading"))
if saved := st.session_state.pop("reading_saved", None):
    st.success(saved)
with st.form("meter_reading", clear_on_submit=True):
    known = [m for i in found for m in i[3]]
    cols = st.columns(4)
    new_meter_choice = _("(new meter)")
    meter_id = cols[0].selectbox(_("Meter"), known + [new_meter_choice], key="reading_meter")
    new_meter = cols[0].text_input(_("New meter's id"), key="reading_new_meter")
    day = cols[1].date_input(_("Read on"), periods.local_today(), key="reading_day", format=widgets.date_input_format())
    at = cols[1].time_input(_("at (local time)"), time(8, 0), key="reading_time")
    register = cols[2].text_input(_("Register (kWh)"), key="reading_register", placeholder=_("e.g. 51234.567"),
                                 help=_("With a decimal point or a decimal comma."))
    install_names = [r[1] for r in store().rows("installations_all")]
    installation = cols[3].selectbox(_("Installation (new meter)"), install_names, key="reading_installation")
    replacement = cols[3].checkbox(_("New meter (register restarts)"), key="reading_replacement")
    if st.form_submit_button(_("Save reading")):
        chosen = new_meter.strip() if meter_id == new_meter_choice else meter_id
        try:
            outcome = meters.add_reading(store(), scope.username, chosen, datetime.combine(day, at), register,
                                         replacement, installation if meter_id == new_meter_choice else None)
        except meters.MeterError as error:
            st.error(_("Not saved: {error}", error=error))
        else:
            st.session_state["reading_saved"] = (_("Saved the reading of {meter}.", meter=chosen) if outcome == "new"
                                                 else _("That reading was already stored."))
            st.rerun()
