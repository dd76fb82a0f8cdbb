"""Board dashboard: KPIs against the previous period and last year, trend, utilisation, start times."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import board_pack, corrections, dashboard, help, periods, theme  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402
from chargeboard.widgets import download  # noqa: E402

present = st.toggle("Present mode — large type, no sidebar", value=st.query_params.get("present") == "1",
                    key="dash_present", help="For a meeting's projector. The address gets ?present=1, so a "
                                             "bookmark opens the dashboard ready to present.")
if present:
    st.query_params["present"] = "1"
    st.markdown(theme.present_css(), unsafe_allow_html=True)
elif "present" in st.query_params:
    del st.query_params["present"]

st.title("Board dashboard")
installations = dashboard.installations(store(), scope)
with st.container(border=not present):
    c1, c2, c3, c4 = st.columns([2, 3, 3, 2])
    presets = [p for p in periods.PRESETS if p not in ("All time", "Custom")]
    preset = c1.selectbox("Period", presets, index=presets.index("Last month"), key="dash_period")
    date_from, date_to = periods.preset_range(preset, periods.local_today())
    picked = c2.multiselect("Installation", list(installations), format_func=installations.get,
                            key="dash_installations", placeholder="All installations")
    attribute_by = c3.radio("Date sessions by", list(corrections.ATTRIBUTE_BY),
                            format_func=corrections.ATTRIBUTE_BY.get, horizontal=True, key="dash_attribute",
                            help=corrections.ATTRIBUTE_BY_HELP)
    use_corrected = c4.toggle(corrections.USE_CORRECTED_LABEL, key="dash_corrected",
                              help=corrections.USE_CORRECTED_HELP)

request = dashboard.DashboardRequest(date_from, date_to, tuple(picked), attribute_by, use_corrected)
view = dashboard.dashboard_view(store(), scope, request)
if view.is_empty:
    st.info("There is no charging history in your scope yet.")
    with st.expander(help.CANNOT_RETRIEVE_REPORTS_TITLE, expanded=True):
        st.markdown(help.CANNOT_RETRIEVE_REPORTS)
    st.stop()

k = view.kpis
prev_f, prev_t = dashboard.previous_period(date_from, date_to)
ly_f, ly_t = dashboard.same_period_last_year(date_from, date_to)
st.subheader(f"{dashboard.period_label(date_from, date_to)} against {dashboard.period_label(prev_f, prev_t)} "
             f"and {dashboard.period_label(ly_f, ly_t)}")
tiles = st.columns(len(dashboard.KPI_NAMES))
for tile, (name, (label, _unit)) in zip(tiles, dashboard.KPI_NAMES.items(), strict=True):
    tile.metric(label, dashboard.format_kpi(name, k.current.value(name)),
                delta=dashboard.format_change(name, k.change(name, "previous")),
                delta_color="off" if name == "utilisation" else "normal", border=True,
                help=f"Previous period: {dashboard.format_kpi(name, k.previous.value(name))} · "
                     f"last year: {dashboard.format_kpi(name, k.last_year.value(name))}")
    tile.caption(f"{dashboard.format_change(name, k.change(name, 'previous')) or '–'} vs previous period · "
                 f"{dashboard.format_change(name, k.change(name, 'last_year')) or '–'} vs last year")

st.plotly_chart(dashboard.trend_chart(view.trend, present), config=theme.plotly_config("monthly-trend", present),
                key="chart_trend")
left, right = st.columns(2) if not present else (st.container(), st.container())
left.plotly_chart(dashboard.utilisation_chart(view.utilisation, present),
                  config=theme.plotly_config("station-utilisation", present), key="chart_utilisation")
right.plotly_chart(dashboard.heatmap_chart(view.heatmap, present),
                   config=theme.plotly_config("session-starts", present), key="chart_heatmap")
if view.balance is not None:
    st.plotly_chart(dashboard.balance_chart(view.balance, present),
                    config=theme.plotly_config("meter-balance", present), key="chart_balance")
else:
    st.caption("Standby and rest: no reconciled meter data for this period (meter readings and the "
               "reconciliation feed this chart).")

if not present:  # the board pack PDF, built when asked for (a second or two)
    wanted = (request, store().data_version())
    prepared = st.session_state.get("board_pack")
    if prepared and prepared[0] == wanted:
        download("Download the board pack (PDF)", prepared[1][0], prepared[1][1], key="board_pack_pdf",
                         what="Board pack (PDF)", rows=0, store=store(), scope=scope, mime=board_pack.PDF_MIME)
    elif st.button("Prepare the board pack (PDF)", key="board_pack_prepare",
                   help="This period's KPIs, charts, meter balance and data-quality notes, A4 landscape."):
        with st.spinner("Printing the board pack…"):
            st.session_state["board_pack"] = (wanted, board_pack.board_pack(store(), scope, request, log=False))
        st.rerun()

if not present:
    for title, text in ((help.REPORT_VS_METER_TITLE, help.REPORT_VS_METER),
                        (help.SYSTEM_WAS_OFFLINE_TITLE, help.SYSTEM_WAS_OFFLINE),
                        (help.WHY_NOT_ALL_STATIONS_TITLE, help.WHY_NOT_ALL_STATIONS)):
        with st.expander(title):
            st.markdown(text)
    st.caption("Utilisation = hours a station was occupied (car plugged in) / hours in the period, for the "
               "stations you can see. Active users = users with at least one session. Times are the "
               "installation's local time.")
