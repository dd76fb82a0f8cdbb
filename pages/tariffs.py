"""Tariffs: prices per kWh with validity periods, night bands, fixed fee (system owner).
Every change is a new version; nothing is overwritten."""

from datetime import timedelta

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import formats, periods, tariffs, widgets  # noqa: E402 — nothing runs before the guard
from chargeboard.i18n import _  # noqa: E402
from chargeboard.pricing import spot  # noqa: E402
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

st.subheader(_("Spot prices"))
st.caption(_("The price areas' spot prices per hour or quarter hour, in NOK per kWh excluding VAT, for tariffs "
             "that use the spot price. Load the price API's day files (JSON) or ENTSO-E day-ahead files (XML), or "
             "fetch days from the price API. Loading a file again changes nothing; a newer price for an interval "
             "replaces the stored one."))
for done, lines in st.session_state.pop("spot_results", []):
    (st.success if done else st.warning)("\n\n".join(lines))
prices = spot.overview(store())
for line in prices.freshness:
    st.caption(line)
if prices.coverage:
    st.dataframe([{_("price area"): c.area, _("first day"): formats.day(c.first_day),
                   _("last day"): formats.day(c.last_day), _("intervals"): formats.integer(c.intervals),
                   _("interval length"): c.resolution} for c in prices.coverage], hide_index=True, width="stretch")
else:
    st.info(_("No spot prices loaded yet."))

areas = [None, *spot.AREAS]
with st.form("spot_upload", clear_on_submit=True):
    uploads = st.file_uploader(_("Price files (JSON or XML)"), type=["json", "xml"], accept_multiple_files=True)
    a, b = st.columns(2)
    upload_area = a.selectbox(_("Price area"), areas, format_func=lambda v: v or _("as the file says"))
    rate = b.text_input(_("EUR→NOK rate (ENTSO-E XML only)"), placeholder=_("e.g. 11.50"))
    if st.form_submit_button(_("Load price files")) and uploads:
        st.session_state["spot_results"] = spot.import_uploads(store(), [(f.name, f.getvalue()) for f in uploads],
                                                               upload_area, rate, scope.username)
        st.rerun()

with st.form("spot_fetch"):
    today = periods.local_today()
    a, b, c = st.columns(3)
    fetch_area = a.selectbox(_("Price area"), spot.AREAS, key="fetch_area",
                             index=spot.AREAS.index(prices.schedule.area) if prices.schedule else 0)
    fetch_from = b.date_input(_("From (local date)"), today, format=widgets.date_input_format())
    fetch_to = c.date_input(_("To (included)"), today + timedelta(days=1), format=widgets.date_input_format())
    if st.form_submit_button(_("Fetch prices")):
        outcome = spot.fetch(store(), fetch_area, fetch_from, fetch_to,
                             prices.schedule.api_url if prices.schedule else spot.DEFAULT_API_URL,
                             fetched_by=scope.username)
        st.session_state["spot_results"] = [(outcome.ok, outcome.lines())]
        st.rerun()

with st.form("spot_schedule"):
    a, b, c = st.columns(3)
    daily = a.checkbox(_("Fetch every day"), bool(prices.schedule and prices.schedule.enabled),
                       help=_("From 14:00 the next day's prices, and any day of the last week that lacks prices; "
                              "at most once an hour."))
    daily_area = b.selectbox(_("Price area"), spot.AREAS, key="daily_area",
                             index=spot.AREAS.index(prices.schedule.area) if prices.schedule else 0)
    api_url = c.text_input(_("Price API address"), prices.schedule.api_url if prices.schedule else spot.DEFAULT_API_URL)
    if st.form_submit_button(_("Save")):
        try:
            spot.set_schedule(store(), daily_area, daily, api_url, scope.username)
        except spot.PriceFileError as error:
            st.error(_("Not saved: {error}", error=error))
        else:
            st.session_state["spot_results"] = [(True, [_("Saved.")])]
            st.rerun()
