"""Capacity and peaks: the month's highest hourly loads, the capacity step and its cost (system owner)."""

import pandas as pd
import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, periods, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.pricing import capacity  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Capacity and peaks"))
st.caption(_("The grid tariff's capacity part (kapasitetsledd): set by the month's highest hourly loads, "
             "which the chargers drive."))
with st.expander(_("Why the capacity peak matters")):
    for title, text in capacity.help_texts():
        st.markdown(f"**{title}.** {text}")

found = dict(capacity.installations(store()))
if not found:
    st.info(_("No installation yet: load charge sessions first."))
    st.stop()

with st.container(border=True):
    left, middle, right = st.columns([2, 2, 3])
    installation_id = left.selectbox(_("Installation"), list(found), format_func=found.get, key="cap_installation")
    offered = capacity.months(store(), installation_id, scope) or [periods.local_today().replace(day=1)]
    month = middle.selectbox(_("Month"), offered, format_func=formats.month_long, key="cap_month")
    rule, tariff_steps, version = capacity.rule_of_tariff(store(), month, installation_id)
    rule = right.radio(_("The grid company's rule"), capacity.RULES, index=capacity.RULES.index(rule),
                       format_func=widgets.shown_as(capacity.RULE_TITLES), key=f"cap_rule_v{version or 0}", horizontal=True)
    with st.expander(_("Capacity steps (kr per month)")):
        st.caption(_("From tariff version {version}; a change here only tries other steps (the Tariffs page keeps "
                     "the grid company's).", version=version) if version else
                   _("Examples in the shape grid companies publish them; enter your grid company's steps in the "
                     "tariff (Tariffs page). A load exactly on an edge belongs to the higher step. Leave the last "
                     "step's upper edge empty."))
        edited = st.data_editor(
            pd.DataFrame([{"from_kw": float(s.from_kw), "to_kw": None if s.to_kw is None else float(s.to_kw),
                           "per_month": float(s.per_month)} for s in tariff_steps]),
            num_rows="dynamic", hide_index=True, key=f"cap_steps_v{version or 0}", width="stretch",
            column_config={"from_kw": st.column_config.NumberColumn(_("From (kW)"), min_value=0.0),
                           "to_kw": st.column_config.NumberColumn(_("To (kW)"), min_value=0.0),
                           "per_month": st.column_config.NumberColumn(_("kr per month"), min_value=0.0)})

steps = [{k: (None if pd.isna(v) else str(v)) for k, v in row.items()} for row in edited.to_dict("records")
         if not pd.isna(row.get("from_kw"))]
try:
    cm = capacity.kept_month(store(), scope, installation_id, month, rule, capacity.steps_from(steps))
except capacity.CapacityError as error:
    st.error(_("The capacity steps cannot be used: {error}", error=error))
    st.stop()

cols = st.columns(4)
cols[0].metric(_("Chargers' level"), f"{formats.decimal(cm.chargers_level, 2)} kW",
               help=_("Step {step}: {cost} per month", step=capacity.step_text(cm.chargers_step),
                      cost=formats.money(cm.chargers_cost)))
cols[1].metric(_("Chargers' step"), capacity.step_text(cm.chargers_step), formats.money(cm.chargers_cost),
               delta_color="off")
if cm.has_meter:
    cols[2].metric(_("Installation's level (meter)"), f"{formats.decimal(cm.installation_level, 2)} kW",
                   help=_("Without the chargers: {kw} kW, step {step}, {cost} per month",
                          kw=formats.decimal(cm.without_chargers_level, 2),
                          step=capacity.step_text(cm.without_chargers_step),
                          cost=formats.money(cm.without_chargers_cost)))
    cols[3].metric(_("Attributed to charging"), formats.money(cm.attributed_cost),
                   _("Installation's step {step}: {cost}", step=capacity.step_text(cm.installation_step),
                     cost=formats.money(cm.installation_cost)), delta_color="off")
else:
    cols[2].metric(_("Installation's level (meter)"), "–")
    cols[3].metric(_("Attributed to charging"), formats.money(cm.attributed_cost),
                   _("the chargers' own step"), delta_color="off")
    if cm.meter_ids:
        st.warning(_("The meter's interval readings do not cover the month: days missing {days}. The cost "
                     "attributed to charging is the chargers' own step until they do.",
                     days=capacity.days_text(cm.missing_days)))
    else:
        st.info(_("No meter interval readings for this month. Load them (meter_id, from, to, kwh per hour or "
                  "quarter hour) with `python -m chargeboard ingest FILE` to see the installation's own peaks."))
if cm.unplaced_sessions:
    st.caption(_("{n} sessions ({kwh}) with an unreliable charger clock are left out: their hours are unknown.",
                 n=formats.integer(cm.unplaced_sessions), kwh=formats.kwh(cm.unplaced_kwh)))

st.plotly_chart(capacity.chart(cm), width="stretch", key="cap_chart")
st.subheader(_("The peak hours that set the cost"))
titles = {k: _(v) for k, v in capacity.COLUMN_TITLES.items()}
peaks = pd.DataFrame(capacity.peak_table(cm), columns=["hour", "chargers_kw", "installation_kw", "chargers_share"])
for column in ("chargers_kw", "installation_kw", "chargers_share"):
    peaks[column] = pd.to_numeric(peaks[column], errors="coerce")
if not cm.has_meter:  # no installation figures to show
    peaks = peaks.drop(columns=["installation_kw", "chargers_share"])
st.dataframe(widgets.formatted(peaks, {"chargers_kw": widgets.number(3), "installation_kw": widgets.number(3),
                                       "chargers_share": formats.percent}),
             hide_index=True, width="stretch", column_config=titles, key="cap_peaks")
residents = pd.DataFrame(capacity.resident_rows(store(), cm), columns=["user", "kwh", "share"])
if len(residents):
    st.subheader(_("Residents' energy in the peak hours"))
    st.caption(_("For sharing the attributed cost among residents in proportion to their energy in these hours."))
    for column in ("kwh", "share"):
        residents[column] = pd.to_numeric(residents[column], errors="coerce")
    st.dataframe(widgets.formatted(residents, {"kwh": widgets.number(3), "share": formats.percent}),
                 hide_index=True, width="stretch", column_config=titles, key="cap_residents")
