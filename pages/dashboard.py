"""Board dashboard: KPIs against the previous period and last year, trend, utilisation, start times."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import board_pack, corrections, dashboard, formats, help, i18n, onboarding, periods, theme, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.scope import CHARGER_OWNER  # noqa: E402
from chargeboard.web import page_spec, store, title_for  # noqa: E402
from chargeboard.widgets import download  # noqa: E402

present = st.toggle(_("Present mode — large type, no sidebar"), key="present", bind=widgets.URL,
                    help=_("For a meeting's projector. The address keeps it (with the filters), so a bookmark "
                           "opens the dashboard ready to present."))
if present:
    st.markdown(theme.present_css(), unsafe_allow_html=True)

owner = scope.role == CHARGER_OWNER
st.title(title_for(page_spec(__file__), scope.role))
checklist = onboarding.view(store(), scope)  # the system owner's first-run checklist (no steps for others)
if not present and checklist.box_shown:
    widgets.checklist_box(checklist, on_hide=lambda: onboarding.set_box_hidden(store(), scope, True))
installations = dashboard.installations(store(), scope)
with st.container(border=not present):
    c1, c2, c3, c4 = st.columns([2, 3, 3, 2])
    presets = tuple(p for p in periods.PRESETS if p not in ("All time", "Custom"))
    date_from, date_to = widgets.period("period", dashboard.LANDING_PERIOD, c1, st.empty(), presets)
    picked = c2.multiselect(_("Installation"), list(installations), format_func=installations.get,
                            key="installation", bind=widgets.URL, placeholder=_("All installations"))
    attribute_by = widgets.choice_in_address(c3.radio, _("Date sessions by"), list(corrections.ATTRIBUTE_BY),
                                             key="dating", default="start",
                                             label_of=lambda k: _(corrections.ATTRIBUTE_BY[k]), horizontal=True,
                                             help=_(corrections.ATTRIBUTE_BY_HELP))
    use_corrected = c4.toggle(_(corrections.USE_CORRECTED_LABEL), key="corrected", bind=widgets.URL,
                              help=_(corrections.USE_CORRECTED_HELP))

request = dashboard.DashboardRequest(date_from, date_to, tuple(picked), attribute_by, use_corrected)
view = dashboard.dashboard_view(store(), scope, request)


def draw_elsewhere() -> None:
    """A charger owner's own charging at others' stations: its own section, never in the figures above."""
    if view.elsewhere is None:
        return
    st.header(_("Your own charging at other stations"), divider="gray")
    where = ", ".join(formats.text_in_markdown(name) for name in sorted(view.elsewhere.stations.values()))
    cols = st.columns(2)
    cols[0].metric(_("Energy (kWh)"), formats.decimal(view.elsewhere.energy_kwh, 1), border=True)
    cols[1].metric(_("Sessions"), formats.integer(view.elsewhere.sessions), border=True)
    st.caption(_("At {stations}; not counted above. Session by session on My usage and Charge history.",
                 stations=where))


if owner:
    st.header(_("Your charging stations"), divider="gray")
    st.caption(_("Everyone's charging on the stations you own. Your own charging at other stations is "
                 "counted apart, at the end of this page."))
if view.is_empty:
    st.info(_("There is no charging on your stations yet.") if owner else
            _("There is no charging history in your scope yet."))
    widgets.help_expanders(help.CANNOT_RETRIEVE, expanded=True)
    draw_elsewhere()
    st.stop()

k = view.kpis
st.subheader(_("{period} against {previous} and {last_year}", period=periods.label(date_from, date_to),
               previous=periods.label(*view.previous_period), last_year=periods.label(*view.last_year_period)))


def against(name: str, which: str, title: str) -> str:
    """'+12 % vs September 2026', or why there is no percentage."""
    return k.partial_note(which) or _("{change} vs {period}", change=dashboard.format_change(name, k.change(name, which))
                                      or "–", period=title)


tiles = st.columns(len(dashboard.KPI_NAMES))
for tile, name in zip(tiles, dashboard.KPI_NAMES, strict=True):
    tile.metric(dashboard.kpi_label(name), dashboard.format_kpi(name, k.current.value(name)),
                delta=dashboard.format_change(name, k.change(name, "previous")),
                delta_color="off" if name == "utilisation" else "normal", border=True,
                help=f"{periods.label(*view.previous_period)}: {dashboard.format_kpi(name, k.previous.value(name))} · "
                     f"{periods.label(*view.last_year_period)}: {dashboard.format_kpi(name, k.last_year.value(name))}")
    tile.caption(f"{against(name, 'previous', periods.label(*view.previous_period))} · "
                 f"{against(name, 'last_year', periods.label(*view.last_year_period))}")

st.plotly_chart(dashboard.trend_chart(view.trend, present, view.kpis.first_data), config=theme.plotly_config("monthly-trend", present),
                key="chart_trend")
# One chart a row: plotly never wraps a title, and a finding cut at a half-width chart's edge is
# half a finding (the titles name a station and a weekday, in either language).
st.plotly_chart(dashboard.utilisation_chart(view.utilisation, present),
                config=theme.plotly_config("station-utilisation", present), key="chart_utilisation")
if note := dashboard.utilisation_note(view.utilisation):
    st.caption(note)
st.plotly_chart(dashboard.heatmap_chart(view.heatmap, present),
                config=theme.plotly_config("session-starts", present), key="chart_heatmap")
if view.balance is not None:
    st.plotly_chart(dashboard.balance_chart(view.balance, present),
                    config=theme.plotly_config("meter-balance", present), key="chart_balance")
else:
    st.caption(_("Standby and rest: no reconciled meter data for this period (meter readings and the "
                 "reconciliation feed this chart)."))

draw_elsewhere()

if not present:  # the board pack PDF, built when asked for (a second or two)
    wanted = (request, store().data_version(), i18n.current())  # a PDF in the reader's language
    prepared = st.session_state.get("board_pack")
    if prepared and prepared[0] == wanted:
        download(_("Download the board pack (PDF)"), prepared[1][0], prepared[1][1], key="board_pack_pdf",
                         what="Board pack (PDF)", rows=0, store=store(), scope=scope, mime=board_pack.PDF_MIME)
    elif st.button(_("Prepare the board pack (PDF)"), key="board_pack_prepare",
                   help=_("This period's KPIs, charts, meter balance and data-quality notes, A4 landscape.")):
        with st.spinner(_("Printing the board pack…")):
            st.session_state["board_pack"] = (wanted, board_pack.board_pack(store(), scope, request, log=False))
        st.rerun()

if not present:
    widgets.help_expanders(help.VS_METER, help.WAS_OFFLINE, help.WHY_NOT_ALL)
    st.caption(_("Utilisation = hours a station was occupied (car plugged in) / hours in the period, for the "
                 "stations you can see. Active users = users with at least one session. Times are the "
                 "installation's local time."))
