"""My usage: a resident's own charging, this month and this year, with an anonymised comparison."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, help, history, my_usage, theme, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _, ngettext  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("My usage"))
years = my_usage.usage_years(store(), scope)
year = st.selectbox(_("Year"), years, key="my_usage_year",
                    help=_("This year, or an earlier year in which you charged (read as of its last day)."))
usage = my_usage.my_usage(store(), scope, year=year)
this_year = year == years[0]
if not usage.linked:
    st.info(_("Your login is not linked to a user of the charging system yet, so there is no charging to show. "
              "Ask the system owner to check that your account's e-mail address is the one the charger cloud "
              "knows you by."))
    st.stop()
if usage.dwellings:
    st.caption(my_usage.dwelling_text(usage))


def sessions_text(n: int) -> str:
    return ngettext("{n} session", "{n} sessions", n, n=formats.integer(n))


if this_year:
    month_label = _("This month ({month})", month=formats.month_name(usage.today))
    year_label = _("This year ({year})", year=usage.today.year)
    month_cost, year_cost = _("Cost this month"), _("Cost this year")
else:  # an earlier year, read as of its last day
    month_label, year_label = formats.month_long(usage.today), _("Year {year}", year=usage.today.year)
    month_cost = _("Cost in {period}", period=formats.month_long(usage.today))
    year_cost = _("Cost in {period}", period=usage.today.year)
cols = st.columns(2)
cols[0].metric(month_label, formats.kwh(usage.month_kwh), help=sessions_text(usage.month_sessions), border=True)
cols[1].metric(year_label, formats.kwh(usage.year_kwh), help=sessions_text(usage.year_sessions), border=True)
if usage.money is not None:
    cols = st.columns(2)
    cols[0].metric(month_cost, formats.money(usage.money.month, usage.money.currency), border=True)
    cols[1].metric(year_cost, formats.money(usage.money.year, usage.money.currency), border=True)
else:
    st.caption(_("Costs appear here once the system owner has set a price per kWh."))
if this_year:
    st.caption(_("{sessions} this month · {year_sessions} this year", sessions=sessions_text(usage.month_sessions),
                 year_sessions=formats.integer(usage.year_sessions)))

st.plotly_chart(my_usage.monthly_chart(usage), config=theme.plotly_config("my-usage"), key="chart_my_usage")
st.info(my_usage.comparison_text(usage))

st.subheader(_("My sessions"))
shown = usage.sessions
if shown.empty:
    st.write(_("No sessions in the last 12 months.") if this_year else _("No sessions in {year}.", year=year))
else:
    shown = shown.assign(status=[history.status_icons(o, u, False)
                                 for o, u in zip(shown["offline"], shown["time_unreliable"], strict=True)])
    cost = []
    if usage.money is not None:  # each session's energy cost, priced as the statement prices it
        shown = shown.assign(cost=[float(c) for c in my_usage.session_costs(store(), scope, shown)])
        cost = ["cost"]
    st.dataframe(widgets.formatted(shown[["start_local", "station", "energy_kwh", *cost, "duration_h", "tag",
                                          "registered_local", "status"]],
                                   {"energy_kwh": widgets.number(2), "cost": widgets.number(2),
                                    "duration_h": widgets.number(1)}),
                 hide_index=True, width="stretch", height=320, column_config={
                     "start_local": widgets.datetime_column(_("Start")),
                     "station": _("Station"),
                     "energy_kwh": _("kWh"),
                     "cost": st.column_config.Column(
                         _("Cost ({currency})", currency=usage.money.currency) if usage.money else _("Cost"),
                         help=_("The session's energy at the tariff's prices; the monthly fee is on the statement")),
                     "duration_h": _("Hours"),
                     "tag": _("RFID tag"),
                     "registered_local": widgets.datetime_column(
                         _("Registered"), help=_("When the charger cloud registered it")),
                     "status": _("Status")})
workbook, name = my_usage.page_workbook(store(), scope, usage.today)
widgets.download(_("Download my sessions (Excel)"), workbook, name, key="my_usage_xlsx", what="my usage",
                 rows=len(usage.sessions), store=store(), scope=scope, primary=True)

st.subheader(_("My tags"))
if usage.tags.empty:
    st.write(_("No RFID tags used."))
else:
    st.dataframe(widgets.formatted(usage.tags.assign(tag=usage.tags["tag"].replace(
                     "", _("(no tag — started in the app)"))),
                                   {"sessions": widgets.number(), "energy_kwh": widgets.number(1)}),
                 hide_index=True, width="stretch", column_config={
                     "tag": _("RFID tag"), "sessions": _("Sessions"),
                     "energy_kwh": _("kWh"),
                     "first_used": widgets.datetime_column(_("First used"), with_time=False),
                     "last_used": widgets.datetime_column(_("Last used"), with_time=False)})

widgets.help_expanders(help.WAS_OFFLINE, help.EACH_RESIDENT)
