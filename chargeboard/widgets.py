"""Widgets several pages share. They only read what the user picks; no queries of their own
beyond the scoped filter options, so a resident is never offered another resident's name."""

from __future__ import annotations

import streamlit as st

from chargeboard import exports, history, periods
from chargeboard.history import SessionFilter
from chargeboard.scope import Scope
from chargeboard.store import Store


def period(key: str, default_preset: str, left, right, presets: tuple[str, ...] = periods.PRESETS) -> tuple:
    """A period preset (or custom dates, both included) in `left`, the dates it means in `right`."""
    today = periods.local_today()
    preset = left.selectbox("Period", presets, index=presets.index(default_preset), key=f"{key}_period")
    if preset != "Custom":
        date_from, date_to = periods.preset_range(preset, today)
        right.markdown(f"**{date_from:%d %b %Y} – {date_to:%d %b %Y}** (installation's local time)")
        return date_from, date_to
    default = periods.preset_range(default_preset if default_preset != "Custom" else "This month", today)
    picked = right.date_input("From – to (both days included)", default, key=f"{key}_dates", format="YYYY-MM-DD")
    # While a range is being picked the widget holds one date: use it for both ends until then.
    return (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else default


def session_filter(store: Store, scope: Scope, key: str = "flt", default_preset: str = "This month",
                   offer_void: bool = False) -> SessionFilter:
    options = history.filter_options(store, scope)
    with st.container(border=True):
        first, second = st.columns([1, 2])
        date_from, date_to = period(key, default_preset, first, second)
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


def download(label: str, data: bytes | str, file_name: str, *, key: str, what: str, rows: int, store: Store,
             scope: Scope, mime: str = exports.ExportFile.mime, primary: bool = False, where=st) -> None:
    """A one-click download of a file built with the page, logged in the store when clicked.
    (Not Streamlit's deferred callable: its file id can be dropped by a rerun racing the click.)"""
    where.download_button(label, data=data, file_name=file_name, mime=mime, key=key,
                          type="primary" if primary else "secondary",
                          on_click=exports.record, args=(store, scope, what, file_name, rows))


# A history of up to this many sessions is built with the page (a few hundred ms at most);
# a longer one is built when asked for, then downloaded.
HISTORY_BUILT_WITH_PAGE = 5_000


def history_download(store: Store, scope: Scope, flt: SessionFilter, sessions: int) -> None:
    """The charge history as Excel (CSV beyond what a sheet holds), in scope and filtered."""
    as_excel = exports.fits_excel(sessions)
    build = exports.history_workbook if as_excel else exports.history_csv
    label = f"Download this history ({'Excel' if as_excel else 'CSV'})"
    if not as_excel:
        st.warning(f"{sessions:,} sessions are more than an Excel sheet holds "
                   f"({exports.excel.MAX_DATA_ROWS:,} rows): download them as CSV, or choose a shorter period.")
    wanted = (flt, scope)
    prepared = st.session_state.get("history_export")
    if sessions <= HISTORY_BUILT_WITH_PAGE:
        export = build(store, scope, flt, log=False)
    elif prepared and prepared[0] == wanted:
        export = prepared[1]
    else:
        if st.button(f"Prepare {sessions:,} sessions for download", key="history_prepare"):
            with st.spinner("Building the file…"):
                st.session_state["history_export"] = (wanted, build(store, scope, flt, log=False))
            st.rerun()
        return
    download(label, export.data, export.file_name, key="history_download", what=export.what, rows=export.rows,
             store=store, scope=scope, mime=export.mime, primary=True)
