"""Widgets several pages share. They only read what the user picks; no queries of their own
beyond the scoped filter options, so a resident is never offered another resident's name."""

from __future__ import annotations

import streamlit as st

from chargeboard import history, periods
from chargeboard.history import SessionFilter
from chargeboard.scope import Scope
from chargeboard.store import Store


def session_filter(store: Store, scope: Scope, key: str = "flt", default_preset: str = "This month",
                   offer_void: bool = False) -> SessionFilter:
    options = history.filter_options(store, scope)
    today = periods.local_today()
    with st.container(border=True):
        first, second = st.columns([1, 2])
        preset = first.selectbox("Period", periods.PRESETS, index=periods.PRESETS.index(default_preset),
                                 key=f"{key}_period")
        if preset == "Custom":
            start_default, end_default = periods.preset_range("This month", today)
            picked = second.date_input("From – to (both days included)", (start_default, end_default),
                                       key=f"{key}_dates", format="YYYY-MM-DD")
            date_from, date_to = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (start_default, end_default)
        else:
            date_from, date_to = periods.preset_range(preset, today)
            second.markdown(f"**{date_from:%d %b %Y} – {date_to:%d %b %Y}** (installation's local time)")
        cols = st.columns(3)
        stations = cols[0].multiselect("Charging station", list(options.stations), format_func=options.stations.get,
                                       key=f"{key}_stations", placeholder="All stations")
        users = cols[1].multiselect("User", list(options.users), format_func=options.users.get,
                                    key=f"{key}_users", placeholder="All users")
        tags = cols[2].multiselect("RFID tag", list(options.tags), format_func=options.tags.get,
                                   key=f"{key}_tags", placeholder="All tags")
        include_void = offer_void and st.toggle("Also list sessions replaced by a corrected one (never counted)",
                                                key=f"{key}_void")
    return SessionFilter(date_from, date_to, tuple(stations), tuple(users), tuple(tags), include_void)
