"""Data quality (system owner): imports, rejected rows, anomalies, and sessions with unreliable time."""

from datetime import datetime, time

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import corrections, formats, help, quality, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Data quality"))
anomalies, unreliable, imports = st.tabs([_("Anomalies"), _("Offline and unreliable time"),
                                          _("Imports and rejected rows")])

with anomalies:
    found = quality.counts(store(), scope)
    st.caption(_("Each check looks at every counted session. Open one to see the sessions and what to do."))
    for anomaly in quality.ANOMALIES:
        n = found[anomaly.key]
        # Material icons (Streamlit's own font), not emoji: Debian's chromium may have no emoji font.
        with st.expander(f"{anomaly.title}: **{formats.integer(n)}**", expanded=False,
                         icon=":material/warning:" if n else ":material/check_circle:"):
            st.markdown(_("**What it likely means.** {meaning}\n\n**What to do.** {action}",
                          meaning=anomaly.meaning, action=anomaly.action))
            if n:
                rows, more = quality.drill_down(store(), scope, anomaly.key, n)
                if more:
                    st.caption(more)
                widgets.table(rows)

with unreliable:
    st.markdown(_(help.SYSTEM_WAS_OFFLINE))
    rows = corrections.candidates(store(), scope)
    if rows.empty:
        st.success(_("No session was charged offline or has an unreliable time."))
    else:
        # A session is shown by its station, start and user; its id only picks it in the form below.
        widgets.table(rows.drop(columns=["corrections", "session_id"]), column_config={
            "time_unreliable": _("TIME?"), "offline": _("OFFLINE"),
            "start_local": widgets.datetime_column(_("Start (as the charger gave it)")),
            "corrected_start": widgets.datetime_column(_("Corrected start")),
            "corrected_by": _("Corrected by"),
            "corrected_at": widgets.datetime_column(_("Corrected at (UTC)")),
            "note": _("Note")})
        st.subheader(_("Record a corrected date"))
        st.caption(_("The original date is kept; reports use the corrected one only when \"use corrected dates\" "
                     "is switched on. Every correction is recorded with who and when."))
        labels = {r.session_id: f"{r.station} · {formats.moment(r.start_local)} · {r.user_name or _('no user')} · "
                                f"{formats.kwh(r.energy_kwh, 3)}"
                  for r in rows.itertuples()}
        with st.form("correction", clear_on_submit=True):
            session_id = st.selectbox(_("Session"), list(labels), format_func=labels.get)
            c1, c2 = st.columns(2)
            day = c1.date_input(_("Corrected date"), format=widgets.date_input_format())
            at = c2.time_input(_("Corrected start time"), value=time(12, 0))
            note = st.text_input(_("Why (e.g. 'resident says it was the weekend of 9 May')"),
                                 max_chars=corrections.MAX_NOTE)
            if st.form_submit_button(_("Record correction"), type="primary"):
                try:
                    corrections.record(store(), scope, corrections.Correction(
                        session_id, datetime.combine(day, at), note))
                    st.success(_("Correction recorded."))
                    st.rerun()
                except corrections.CorrectionError as error:
                    st.error(str(error))

with imports:
    st.subheader(_("Imports"))
    imports_log = quality.imports_shown(store())
    if imports_log.note:
        st.caption(imports_log.note)
    widgets.table(imports_log.rows)
    st.subheader(_("Charger-cloud syncs"))
    widgets.table(quality.sync_runs(store()))
    st.subheader(_("Rejected rows"))
    rejected = quality.rejected_shown(store())
    if not rejected.total:
        st.success(_("No row has been rejected."))
    else:
        if rejected.note:
            st.caption(rejected.note)
        widgets.table(rejected.rows)
        c1, c2 = st.columns(2)
        workbook, csv_text = quality.rejected_downloads(store(), scope, widgets.csv_dialect())
        widgets.download(_("Download rejected rows (Excel)"), workbook,
                         "chargeboard_rejected-rows.xlsx", key="rejected_xlsx", what="rejected rows",
                         rows=rejected.total, store=store(), scope=scope, where=c1)
        widgets.download(_("Download rejected rows (CSV)"), csv_text,
                         "chargeboard_rejected-rows.csv", key="rejected_csv", what="rejected rows (CSV)",
                         rows=rejected.total, store=store(), scope=scope, mime="text/csv", where=c2)
    widgets.help_expanders(help.CANNOT_RETRIEVE)
