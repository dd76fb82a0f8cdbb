"""Data quality (system owner): imports, rejected rows, anomalies, and sessions with unreliable time."""

from datetime import datetime, time

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import corrections, help, quality, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Data quality")
anomalies, unreliable, imports = st.tabs(["Anomalies", "Offline and unreliable time", "Imports and rejected rows"])

with anomalies:
    found = quality.counts(store(), scope)
    st.caption("Each check looks at every counted session. Open one to see the sessions and what to do.")
    for anomaly in quality.ANOMALIES:
        n = found[anomaly.key]
        # Material icons come with Streamlit's own font: emoji have no font on Debian's chromium (boxes).
        with st.expander(f"{anomaly.title}: **{n}**", expanded=False,
                         icon=":material/warning:" if n else ":material/check_circle:"):
            st.markdown(f"**What it likely means.** {anomaly.meaning}\n\n**What to do.** {anomaly.action}")
            if n:
                st.dataframe(quality.find(store(), scope, anomaly.key), hide_index=True, width="stretch",
                             column_config=quality.COLUMN_TITLES)

with unreliable:
    st.markdown(help.SYSTEM_WAS_OFFLINE)
    rows = corrections.candidates(store(), scope)
    if rows.empty:
        st.success("No session was charged offline or has an unreliable time.")
    else:
        # A session is shown by its station, start and user; its id only picks it in the form below.
        st.dataframe(rows.drop(columns=["corrections", "session_id"]), hide_index=True, width="stretch", column_config={
            "time_unreliable": "TIME?", "offline": "OFFLINE", "serial": "Serial number",
            "start_local": st.column_config.DatetimeColumn("Start (as the charger gave it)", format="YYYY-MM-DD HH:mm"),
            "registered_local": st.column_config.DatetimeColumn("Registered", format="YYYY-MM-DD HH:mm"),
            "station": "Station", "user_name": "User",
            "energy_kwh": st.column_config.NumberColumn("Energy (kWh)", format="%.3f"),
            "corrected_start": st.column_config.DatetimeColumn("Corrected start", format="YYYY-MM-DD HH:mm"),
            "corrected_by": "Corrected by",
            "corrected_at": st.column_config.DatetimeColumn("Corrected at (UTC)", format="YYYY-MM-DD HH:mm"),
            "note": "Note"})
        st.subheader("Record a corrected date")
        st.caption("The original date is kept; reports use the corrected one only when \"use corrected dates\" "
                   "is switched on. Every correction is recorded with who and when.")
        labels = {r.session_id: f"{r.station} · {r.start_local:%Y-%m-%d %H:%M} · {r.user_name or 'no user'} · "
                                f"{r.energy_kwh:.3f} kWh"
                  for r in rows.itertuples()}
        with st.form("correction", clear_on_submit=True):
            session_id = st.selectbox("Session", list(labels), format_func=labels.get)
            c1, c2 = st.columns(2)
            day = c1.date_input("Corrected date", format="YYYY-MM-DD")
            at = c2.time_input("Corrected start time", value=time(12, 0))
            note = st.text_input("Why (e.g. 'resident says it was the weekend of 9 May')", max_chars=corrections.MAX_NOTE)
            if st.form_submit_button("Record correction", type="primary"):
                try:
                    corrections.record(store(), scope, corrections.Correction(
                        session_id, datetime.combine(day, at), note))
                    st.success("Correction recorded.")
                    st.rerun()
                except corrections.CorrectionError as error:
                    st.error(str(error))

with imports:
    st.subheader("Imports")
    st.dataframe(quality.imports_log(store()), hide_index=True, width="stretch")
    st.subheader("Charger-cloud syncs")
    st.dataframe(quality.sync_runs(store()), hide_index=True, width="stretch")
    st.subheader("Rejected rows")
    rejected = quality.rejected_rows(store())
    if rejected.empty:
        st.success("No row has been rejected.")
    else:
        st.dataframe(rejected, hide_index=True, width="stretch")
        c1, c2 = st.columns(2)
        widgets.download("Download rejected rows (Excel)", quality.rejected_workbook(store(), scope, log=False),
                         "chargeboard_rejected-rows.xlsx", key="rejected_xlsx", what="rejected rows",
                         rows=len(rejected), store=store(), scope=scope, where=c1)
        widgets.download("Download rejected rows (CSV)", quality.rejected_csv(store()), "chargeboard_rejected-rows.csv",
                         key="rejected_csv", what="rejected rows (CSV)", rows=len(rejected), store=store(),
                         scope=scope, mime="text/csv", where=c2)
    with st.expander(help.CANNOT_RETRIEVE_REPORTS_TITLE):
        st.markdown(help.CANNOT_RETRIEVE_REPORTS)
