"""Widgets several pages share. They only read what the user picks; no queries of their own
beyond the scoped filter options, so a resident is never offered another resident's name.
Their values are kept in the page's address (query string): see from_url / to_url."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

import pandas as pd
import streamlit as st

from chargeboard import exports, formats, history, i18n, periods
from chargeboard.history import SessionFilter
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

# --- the view in the address ---------------------------------------------------------------------
# A page's filters live in its query string (Streamlit's bind="query-params": the widget's key is the
# parameter's name), so a reload or a bookmark opens the same view. A value read from an address
# is only ever one of the caller's own options (its scope): one it may not see is dropped silently
# by Streamlit, so a link never widens what is shown.
URL = "query-params"


def address_code(value: str) -> str:
    """A choice as its address writes it, the same in every language: its English name or key,
    lower-case, words joined by '-' ("Last quarter" -> last-quarter)."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def _from_address(text: str, options: Sequence[str], label_of: Callable[[str], str]) -> str | None:
    """The option an address names: by its code, its English name, or its label in any language (an
    address bookmarked when it kept the shown text: ?period=Forrige+kvartal)."""
    for option in options:
        if text in (address_code(option), option):
            return option
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            found = next((o for o in options if label_of(o) == text), None)
        if found is not None:
            return found
    return None


def choice_in_address(widget: Callable, label: str, options: Sequence[str], *, key: str, default: str,
                      label_of: Callable[[str], str], **kwargs):
    """widget(label, options, key=key, ...) showing each option as label_of says in the reader's
    language, its choice kept in the address under `key` by its language-neutral code
    (address_code), so a link works in either language. (Streamlit's bind keeps the shown text,
    which another language does not know.) The default is left out of the address, as bind does."""
    kept = f"chargeboard_address_{key}"  # the code this widget last wrote to the address
    wanted = st.query_params.get(key)
    if wanted != st.session_state.get(kept):  # the address changed beside the widget: a link, a bookmark
        st.session_state[key] = (_from_address(wanted, options, label_of) if wanted is not None else None) or default
    elif key not in st.session_state:
        st.session_state[key] = default
    if st.session_state[key] not in options:
        st.session_state[key] = default
    labels = {option: label_of(option) for option in options}  # translated now (see shown_as)
    value = widget(label, list(options), format_func=labels.get, key=key, **kwargs)
    code = None if value in (None, default) else address_code(value)
    if code is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != code:
        st.query_params[key] = code
    st.session_state[kept] = code
    return value


def period(key: str, default_preset: str, left, right, presets: tuple[str, ...] = periods.PRESETS,
           first_day: date | None = None, default_range: tuple[date, date] | None = None) -> tuple:
    """A period preset (or custom dates, both included) in `left`, the dates it means in `right`.
    "All time" starts at `first_day`, the first session in scope. URL: ?period=…(&period_dates=…&period_dates=…)."""
    today = periods.local_today()
    # Shown in the reader's language; the address keeps the English name's code (?period=last-quarter).
    preset = choice_in_address(left.selectbox, _("Period"), presets, key=key, default=default_preset, label_of=_)
    if preset != "Custom":
        date_from, date_to = periods.preset_range(preset, today, first_day)
        right.markdown(_("**{label}** · {first} – {last} (installation's local time)",
                         label=periods.label(date_from, date_to), first=formats.day(date_from),
                         last=formats.day(date_to)))
        return date_from, date_to
    default = default_range or periods.preset_range(default_preset if default_preset != "Custom" else "This month",
                                                    today, first_day)
    picked = right.date_input(_("From – to (both days included)"), default, key=f"{key}_dates",
                              format=date_input_format(), bind=URL)
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
        installations = cols[0].multiselect(_("Installation"), list(options.installations),
                                            format_func=options.installations.get, key="installation", bind=URL,
                                            placeholder=_("All installations"))
        station_choices = options.stations_of(installations) if installations else tuple(options.stations)
        stations = cols[1].multiselect(_("Charging station"), list(station_choices), key="station", bind=URL,
                                       format_func=lambda s: _station_label(options, s),
                                       placeholder=_("All stations"))
        users = cols[2].multiselect(_("User"), list(options.users), format_func=options.users.get,
                                    key="user", bind=URL, placeholder=_("All users"))
        tags = cols[3].multiselect(_("RFID tag"), list(options.tags), format_func=options.tags.get,
                                   key="tag", bind=URL, placeholder=_("All tags"))
        status, include_void = "", False
        if offer_status or offer_void:
            left, right = st.columns(2)
            if offer_status:
                status = choice_in_address(left.selectbox, _("Offline or unreliable time"),
                                           list(history.STATUS_FILTERS), key="status", default="",
                                           label_of=history.status_filter_label)
            if offer_void:
                include_void = right.toggle(_("Also list sessions replaced by a corrected one (never counted)"),
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
                          on_click=store.log_export, args=(scope, what, file_name, rows))


# A history of up to this many sessions is built with the page (a few hundred ms at most);
# a longer one is built when asked for, then downloaded.
HISTORY_BUILT_WITH_PAGE = 5_000


def history_download(store: Store, scope: Scope, flt: SessionFilter, sessions: int) -> None:
    """The charge history as Excel (CSV beyond what a sheet holds), in scope and filtered."""
    as_excel = exports.fits_excel(sessions)
    build = exports.history_workbook if as_excel else functools.partial(exports.history_csv, dialect=csv_dialect())
    label = _("Download this history (Excel)") if as_excel else _("Download this history (CSV)")
    if not as_excel:
        st.warning(_("{sessions} sessions are more than an Excel sheet holds ({rows} rows): download them "
                     "as CSV, or choose a shorter period.", sessions=formats.integer(sessions),
                     rows=formats.integer(exports.excel.MAX_DATA_ROWS)))
    wanted = (flt, scope, i18n.current())  # the file is in the reader's language and dialect
    prepared = st.session_state.get("history_export")
    if sessions <= HISTORY_BUILT_WITH_PAGE:  # fits a sheet: the page's workbook, kept between runs
        export = exports.page_history_workbook(store, scope, flt)
    elif prepared and prepared[0] == wanted:
        export = prepared[1]
    else:
        if st.button(_("Prepare {sessions} sessions for download", sessions=formats.integer(sessions)),
                     key="history_prepare"):
            with st.spinner(_("Building the file…")):
                st.session_state["history_export"] = (wanted, build(store, scope, flt, log=False))
            st.rerun()
        return
    data = export.data
    download(label, data, export.file_name, key="history_download", what=export.what, rows=export.rows,
             store=store, scope=scope, mime=export.mime, primary=True)


def shown_as(labels: Mapping[object, str]) -> Callable[[object], str]:
    """A widget's format_func showing each option's English msgid in the reader's language,
    translated now: Streamlit (and AppTest) may call format_func outside this run's language."""
    return {key: _(text) for key, text in labels.items()}.get


def help_expanders(*articles: tuple[str, str], expanded: bool = False) -> None:
    """In-app help (help.py's (title, text) pairs) in the reader's language, one expander each."""
    for title, text in articles:
        with st.expander(_(title), expanded=expanded):
            st.markdown(_(text))


# --- the first-run checklist (chargeboard.onboarding) -----------------------------------------------
_DONE_ICON, _TODO_ICON = ":material/check_circle:", ":material/radio_button_unchecked:"


def _step_link(step, *, full: bool) -> None:
    """A step: a tick (or an empty circle), its title as a link to its page; what to do as the link's
    tooltip, and under it in the full list. "Done" / "To do" is said in words too (an icon is not read)."""
    state = _("done") if step.done else _("to do")
    st.page_link(step.page, label=f"{step.title} ({state})", icon=_DONE_ICON if step.done else _TODO_ICON,
                 help=step.what)
    if full:
        st.caption(step.what)


def checklist_box(checklist, on_hide: Callable[[], None]) -> None:
    """The compact box on the system owner's landing page (onboarding.Checklist): the heading, each step
    a link with a tick, and a button that hides it (`on_hide`)."""
    with st.container(border=True, key="onboarding_box"):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"**{checklist.heading}**")
        right.button(_("Hide"), key="onboarding_hide", on_click=on_hide,
                     help=_("Hides this list for every system owner. It stays on Data sources, where it can be "
                            "shown here again."))
        for step in checklist.steps:
            _step_link(step, full=False)


def checklist_expander(checklist, on_show: Callable[[], None]) -> None:
    """The whole checklist (onboarding.Checklist), with what to do under each step (Data sources), and the
    button that shows the landing page's box again once hidden (`on_show`)."""
    if not checklist.steps:
        return
    with st.expander(checklist.heading, expanded=False):
        for step in checklist.steps:
            _step_link(step, full=True)
        if checklist.hidden:
            st.button(_("Show the list on the dashboard again"), key="onboarding_show", on_click=on_show)


# --- the reader's formats in widgets and tables --------------------------------------------------

def date_input_format() -> str:
    """st.date_input's format in the reader's language (it offers only these three shapes)."""
    return "DD.MM.YYYY" if i18n.current() == "nb" else "YYYY-MM-DD"


def formatted(frame: pd.DataFrame, columns: Mapping[str, Callable[[object], str]]):
    """A table whose numbers read as the reader writes them ("7 148,5" / "7,148.5").

    Streamlit's NumberColumn formats always write a decimal point, so the numbers are formatted
    here (formats.py) as the Styler's display text; the cells keep their numbers, so a column still
    sorts by value. `columns` maps a column to its formatter (e.g. `lambda v: formats.decimal(v, 3)`).
    """
    if frame.size > pd.get_option("styler.render.max_elements"):
        # Pandas refuses to style a table this large and Streamlit would fail the page: it is shown
        # as it is, numbers in Streamlit's own format (pages cut their long lists well before this).
        return frame
    texts = [c for c in frame.columns if c not in columns and not pd.api.types.is_numeric_dtype(frame[c])
             and not pd.api.types.is_datetime64_any_dtype(frame[c])]
    numbers = {column: _blank_when_missing(formatter) for column, formatter in columns.items()
               if column in frame.columns}
    # Streamlit draws a missing cell as "None" whatever the Styler's text for it, so a missing value
    # is replaced in the data: "—" in a text, nothing in a formatted figure (that column then sorts
    # as text: its cells are no longer all numbers).
    blanks = {column: "—" for column in texts} | {column: "" for column in numbers}
    missing = [column for column in blanks if frame[column].map(_missing).any()]
    if missing:
        frame = frame.assign(**{column: frame[column].astype(object).map(
            lambda v, fill=blanks[column]: fill if _missing(v) else v) for column in missing})
    # (A dict formatter without a subset would reset every other column to the default display.)
    return (frame.style.format(lambda v: "—" if _missing(v) else str(v), subset=texts)
            .format(numbers, subset=list(numbers)))


def _blank_when_missing(formatter: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: "" if _missing(value) else formatter(value)


def _missing(value: object) -> bool:
    """None, NaN, NaT, pandas NA, or the blank `formatted` put in a figure's place."""
    return (value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)
            or (isinstance(value, str) and value == ""))


def number(digits: int = 0) -> Callable[[object], str]:
    """A formatter for `formatted`: an integer, or a decimal with `digits` places."""
    return formats.integer if digits == 0 else (lambda v: formats.decimal(v, digits))


def datetime_column(label: str, with_time: bool = True, **kwargs):
    """A date (and time) column in the reader's date format (24.11.2026 21:20 / 24 Nov 2026 21:20)."""
    return st.column_config.DatetimeColumn(label, format=formats.moment_date_format(with_time=with_time), **kwargs)


def date_column(label: str, **kwargs):
    return st.column_config.DateColumn(label, format=formats.moment_date_format(), **kwargs)


# Titles of the columns the store's queries name (shown by `table`); English msgids.
COLUMN_TITLES = {
    "session_id": N_("Session"), "overlaps_session_id": N_("Overlaps session"), "station": N_("Station"),
    "station_id": N_("Station id"), "start_local": N_("Start"), "other_start_local": N_("Other's start"),
    "overlap_minutes": N_("Overlap (min)"), "energy_kwh": N_("Energy (kWh)"),
    "other_energy_kwh": N_("Other's energy (kWh)"), "user_name": N_("User"), "tag": N_("RFID tag"),
    "registered_local": N_("Registered"), "duration_h": N_("Duration (h)"),
    "max_possible_kwh": N_("At most possible (kWh)"), "sessions": N_("Sessions"), "first_used": N_("First used"),
    "last_used": N_("Last used"), "installation": N_("Installation"), "last_session_local": N_("Last session"),
    "days_silent": N_("Days silent"), "serial": N_("Serial number"), "other_user_name": N_("Other user"), "import_id": N_("Import"), "file_name": N_("File"), "format": N_("Format"),
    "installation_id": N_("Installation id"), "started_at": N_("Started (UTC)"), "finished_at": N_("Finished (UTC)"),
    "records": N_("Records"), "new_rows": N_("New"), "duplicate_rows": N_("Duplicates"),
    "updated_rows": N_("Updated"), "older_rows": N_("Older, ignored"),
    "conflicting_rows": N_("Conflicting, ignored"), "rejected_rows": N_("Rejected"), "file_bytes": N_("Bytes"),
    "content_sha256": N_("Content (SHA-256)"), "position": N_("Position"), "location": N_("Where"),
    "reason": N_("Reason"), "raw": N_("Row as given"), "run_id": N_("Run"), "provider": N_("Cloud"),
    "connection": N_("Connection"), "cloud_id": N_("Cloud id"), "window_from": N_("Window from"),
    "window_to": N_("Window to"), "pages": N_("Pages"), "error": N_("Error"),
    "username": N_("Username"), "name": N_("Name"), "role": N_("Role"), "e-mail": N_("E-mail"),
    "stations": N_("Stations"), "installations": N_("Installations"), "language": N_("Language"),
    "at": N_("When (UTC)"), "by": N_("By"), "action": N_("Change"), "account": N_("Account"),
    "detail": N_("Detail"), "lock": N_("Lock"), "failures": N_("Failed logins"), "until": N_("Locked until"),
}
_INTEGER_COLUMNS = {"sessions", "records", "new_rows", "duplicate_rows", "updated_rows", "older_rows",
                    "conflicting_rows", "rejected_rows", "pages",
                    "days_silent", "overlap_minutes", "file_bytes", "import_id", "run_id", "position", "failures"}


def readable_order(columns, first: tuple[str, ...] = (), last: tuple[str, ...] = ()) -> list[str]:
    """A table's column order for a reader: `first` (names, totals) leading, `last` (internal ids)
    at the end, the others between in their order. A narrow screen cuts the right-hand columns off."""
    columns = list(columns)
    head = [c for c in first if c in columns]
    tail = [c for c in last if c in columns and c not in head]
    return head + [c for c in columns if c not in head and c not in tail] + tail


def table(frame: pd.DataFrame, column_config: Mapping | None = None, **kwargs) -> None:
    """st.dataframe of a query's rows for the reader: columns titled in their language (COLUMN_TITLES),
    energy and hours with their decimal mark, counts grouped, dates and times in their date format.
    `column_config` adds to or overrides the titles."""
    if isinstance(frame, list):
        frame = pd.DataFrame(frame)
    numbers = {}
    config: dict = {}
    for column in frame.columns:
        title = _(COLUMN_TITLES[column]) if column in COLUMN_TITLES else column
        if pd.api.types.is_datetime64_any_dtype(frame[column]) and frame[column].isna().any():
            # A missing moment would be drawn "None" (see formatted): written as text here instead.
            numbers[column] = formats.moment
            config[column] = title
            continue
        if column.endswith("_kwh"):
            numbers[column] = number(3)
        elif column == "duration_h" or column.endswith("_hours"):
            numbers[column] = number(2)
        elif column in _INTEGER_COLUMNS:
            numbers[column] = number()
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = datetime_column(title)
        else:
            config[column] = title
    config.update(column_config or {})
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(formatted(frame, numbers), column_config=config, **kwargs)


# --- CSV in the reader's spreadsheet dialect -----------------------------------------------------

def csv_dialect() -> str:
    """Norwegian Excel opens `;`-separated CSV with decimal commas; English Excel comma and point."""
    return exports.csv_dialect_for(i18n.current())
