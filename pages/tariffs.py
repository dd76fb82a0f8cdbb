"""Tariffs: prices per kWh with validity periods, night bands, fixed fee (system owner).
Every change is a new version; nothing is overwritten."""

import streamlit as st

from chargeboard.web import guard

scope = guard(__file__)

from chargeboard import periods, tariffs  # noqa: E402 — nothing runs before the guard
from chargeboard.web import store  # noqa: E402

st.title("Tariffs")
st.caption("A change adds a version (who, when); statements say which versions they used, and can be "
           "recomputed as they were before a change.")
if saved := st.session_state.pop("tariff_saved", None):
    st.success(saved)

current = tariffs.periods(store())
st.subheader("Prices in force")
if current:
    st.dataframe([{"from": p.valid_from, "until": "" if p.valid_to.year == 9999 else p.valid_to,
                   "price": p.describe, "monthly fee": f"{p.monthly_fee} {p.currency}",
                   "standby shared": tariffs.SHARE_RULES[p.standby_share],
                   "other loads shared": tariffs.SHARE_RULES[p.rest_share],
                   "version": p.version, "entered by": p.created_by} for p in current],
                 hide_index=True, use_container_width=True)
else:
    st.info("No tariff yet: statements show 0 for energy until a price is entered.")

st.subheader("Enter a price (new version)")
with st.form("tariff"):
    a, b, c = st.columns(3)
    valid_from = a.date_input("Valid from (local date)", periods.local_today().replace(day=1), format="YYYY-MM-DD")
    price = b.text_input("Price per kWh", placeholder="e.g. 1.85")
    currency = c.text_input("Currency", current[-1].currency if current else tariffs.DEFAULT_CURRENCY, max_chars=3)
    a, b, c = st.columns(3)
    fee = a.text_input("Fixed fee per resident per month", "0")
    night = b.checkbox("Cheaper hours (time of use)")
    band_price = c.text_input("Price in those hours", placeholder="e.g. 1.10")
    a, b, c = st.columns(3)
    band_from = a.number_input("From hour (local)", 0, 23, 22)
    band_to = b.number_input("To hour (exclusive)", 0, 23, 6)
    withdraw = c.checkbox("Withdraw the period starting on that date instead")
    rules = list(tariffs.SHARE_RULES)
    a, b = st.columns(2)
    standby_share = a.selectbox("Statements share the chargers' standby", rules, format_func=tariffs.SHARE_RULES.get)
    rest_share = b.selectbox("Statements share other loads and losses", rules, format_func=tariffs.SHARE_RULES.get)
    note = st.text_input("Note (why)")
    if st.form_submit_button("Save new version", type="primary"):
        bands = [{"from_hour": band_from, "to_hour": band_to, "price": band_price}] if night else None
        try:
            version = tariffs.add_version(store(), scope.username, valid_from, price or "0", bands=bands,
                                          monthly_fee=fee or "0", currency=currency, note=note or None,
                                          withdrawn=withdraw, standby_share=standby_share, rest_share=rest_share)
        except (tariffs.TariffError, KeyError, ValueError) as error:
            st.error(f"Not saved: {error}")
        else:
            st.session_state["tariff_saved"] = f"Saved as version {version}."
            st.rerun()

st.subheader("History (every version)")
st.dataframe(tariffs.history_rows(store()), hide_index=True, use_container_width=True, column_config={
    "version": "Version", "valid_from": st.column_config.DateColumn("Valid from", format="YYYY-MM-DD"),
    "change": "Price", "monthly_fee": "Monthly fee", "standby_shared": "Standby shared",
    "rest_shared": "Other loads shared", "note": "Note", "entered": "Entered"})
