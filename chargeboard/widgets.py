"""Widgets several pages share. They only read what the user picks; no queries of their own
beyond the scoped filter options, so a resident is never offered another resident's name.
Their values are kept in the page's address (query string): see from_url / to_url."""

from __future__ import annotations

from datetime import date

import streamlit as st

from chargeboard import exports, history, periods
from chargeboard.history import SessionFilter
from chargeboard.scope import Scope
from chargeboard.store import Store

# --- the view in the address ---------------------------------------------------------------------
# A page's filters live in its query string (Streamlit's bind="query-params": the widget's key is the
# parameter's name), so a reload or a bookmark opens the same view. A value read from an address
# is only ever one of the caller's own options (its scope): one it may not see is dropped silently
# by Streamlit, so a link never widens what is shown.
URL = "query-params"


def period(key: str, default_preset: str, left, right, presets: tuple[str, ...] = periods.PRESETS,
           first_day: date | None = None, default_range: tuple[date, date] | None = None) -> tuple:
    """A period preset (or custom dates, both included) in `left`, the dates it means in `right`.
    "All time" starts at `first_day`, the first session in scope. URL: ?period=…(&dates=…&dates=…)."""
    today = periods.local_today()
    preset = left.selectbox("Period", presets, index=presets.index(default_preset), key=key, bind=URL)
    if preset != "Custom":
        date_from, date_to = periods.preset_range(preset, today, first_day)
        right.markdown(f"**{periods.label(date_from, date_to)}** · {date_from:%d %b %Y} – {date_to:%d %b %Y} "
                       "(installation's local time)")
        return date_from, date_to
    default = default_range or periods.preset_range(default_preset if default_preset != "Custom" else "This month",
                                                    today, first_day)
    picked = right.date_input("From – to (both days included)", default, key=f"{key}_dates",
                              format="YYYY-MM-DD", bind=URL)
    # While a range is being picked the widget holds one date: use it for both ends until then.
    return (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else default


def session_filter(store: Store, scope: Scope, default_preset: str = "This month",
                   offer_void: bool = False, offer_status: bool = False) -> SessionFilter:
    """The period, installation, stations, users and tags (and on the history the offline filter),
    kept in the address."""
    options = history.filter_options(store, scope)
    with st.container(border=True):
        first, second = st.columns([1, 2])
        date_from, date_to = period("period", default_preset, first, second, first_day=history.first_day(store, scope))
        cols = st.columns(4)
        installations = cols[0].multiselect("Installation", list(options.installations),
                                            format_func=options.installations.get, key="installation", bind=URL,
                                            placeholder="All installations")
        station_choices = options.stations_of(installations) if installations else tuple(options.stations)
        stations = cols[1].multiselect("Charging station", list(station_choices), key="station", bind=URL,
                                       format_func=lambda s: _station_label(options, s), placeholder="All stations")
        users = cols[2].multiselect("User", list(options.users), format_func=options.users.get,
                                    key="user", bind=URL, placeholder="All users")
        tags = cols[3].multiselect("RFID tag", list(options.tags), format_func=options.tags.get,
                                   key="tag", bind=URL, placeholder="All tags")
        status, include_void = "", False
        if offer_status or offer_void:
            left, right = st.columns(2)
            if offer_status:
                status = left.selectbox("Offline or unreliable time", list(history.STATUS_FILTERS),
                                        format_func=history.STATUS_FILTERS.get, key="status", bind=URL)
            if offer_void:
                include_void = right.toggle("Also list sessions replaced by a corrected one (never counted)",
                                            key="void", bind=URL)
    # Installations narrow to their stations; chosen stations narrow further (always inside them).
    stations = [s for s in stations if s in station_choices]
    station_ids = tuple(stations) or (options.stations_of(installations) if installations else ())
    return SessionFilter(date_from, date_to, station_ids, tuple(users), tuple(tags), include_void, status)


def _station_label(options: history.FilterOptions, station_id: str) -> str:
    """A station by its name and its charger's serial number, never by an internal id."""
    name, serial = options.stations.get(station_id, station_id), options.serials.get(station_id)
    return f"{name} · {serial}" if serial and serial != name else name


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
