"""Tariffs: prices per kWh with validity periods, night bands, fixed fee (system owner).
Every change is a new version; nothing is overwritten."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, periods, tariffs, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.web import store  # noqa: E402

st.title(_("Tariffs"))
st.caption(_("A change adds a version (who, when); statements say which versions they used, and can be "
           "recomputed as they were before a change."))
if saved := st.session_state.pop("tariff_saved", None):
    st.success(saved)

current = tariffs.periods(store())
st.subheader(_("Prices in force"))
if current:
    # _() on a share rule's title: the tariffs module's titles are English msgids (or already translated).
    st.dataframe([{_("from"): formats.day(p.valid_from), _("until"): "" if p.valid_to.year == 9999 else
                   formats.day(p.valid_to), _("price"): p.describe,
                   _("monthly fee"): formats.money(p.monthly_fee, p.currency),
                   _("standby shared"): _(tariffs.SHARE_RULES[p.standby_share]),
                   _("other loads shared"): _(tariffs.SHARE_RULES[p.rest_share]),
                   _("version"): p.version, _("entered by"): p.created_by} for p in current],
                 hide_index=True, width="stretch")
else:
    st.info(_("No tariff yet: statements show 0 for energy until a price is entered."))

st.subheader(_("Enter a price (new version)"))
with st.form("tariff"):
    a, b, c = st.columns(3)
    valid_from = a.date_input(_("Valid from (local date)"), periods.local_today().replace(day=1),
                              format=widgets.date_input_format())
    price = b.text_input(_("Price per kWh"), placeholder=_("e.g. 1.85"))
    currency = c.text_input(_("Currency"), current[-1].currency if current else tariffs.DEFAULT_CURRENCY, max_chars=3)
    a, b, c = st.columns(3)
    fee = a.text_input(_("Fixed fee per resident per month"), "0")
    night = b.checkbox(_("Cheaper hours (time of use)"))
    band_price = c.text_input(_("Price in those hours"), placeholder=_("e.g. 1.10"))
    a, b, c = st.columns(3)
    band_from = a.number_input(_("From hour (local)"), 0, 23, 22)
    band_to = b.number_input(_("To hour (exclusive)"), 0, 23, 6)
    withdraw = c.checkbox(_("Withdraw the period starting on that date instead"))
    rules = list(tariffs.SHARE_RULES)
    a, b = st.columns(2)
    standby_share = a.selectbox(_("Statements share the chargers' standby"), rules, format_func=widgets.shown_as(tariffs.SHARE_RULES))
    rest_share = b.selectbox(_("Statements share other loads and losses"), rules, format_func=widgets.shown_as(tariffs.SHARE_RULES))
    note = st.text_input(_("Note (why)"))
    if st.form_submit_button(_("Save new version"), type="primary"):
        bands = [{"from_hour": band_from, "to_hour": band_to, "price": band_price}] if night else None
        try:
            version = tariffs.add_version(store(), scope.username, valid_from, price or "0", bands=bands,
                                          monthly_fee=fee or "0", currency=currency, note=note or None,
                                          withdrawn=withdraw, standby_share=standby_share, rest_share=rest_share)
        except (tariffs.TariffError, KeyError, ValueError) as error:
            st.error(_("Not saved: {error}", error=error))
        else:
            st.session_state["tariff_saved"] = _("Saved as version {version}.", version=version)
            st.rerun()

st.subheader(_("History (every version)"))
st.dataframe(tariffs.history_rows(store()), hide_index=True, width="stretch", column_config={
    "version": _("Version"), "valid_from": widgets.date_column(_("Valid from")),
    "change": _("Price"), "monthly_fee": _("Monthly fee"), "standby_shared": _("Standby shared"),
    "rest_shared": _("Other loads shared"), "note": _("Note"), "entered": _("Entered")})
