"""The charge history: filtered, scoped, paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from chargeboard import memo, periods
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

PAGE_SIZE = 50

# The seed's own words for the two offline icons, shown as the legend of the table.
# Plain-word badges rather than emoji: they read the same on every screen, projector and printout
# (and need no emoji font). English msgids, translated where shown (badge()).
OFFLINE_ICON = N_("OFFLINE")
UNRELIABLE_ICON = N_("TIME?")
VOID_ICON = N_("VOID")
LEGEND = {
    OFFLINE_ICON: N_("The session happened while the charging station was offline. Even if the charging "
                     "was performed offline, the date/time in the list is correct. The charger cloud "
                     "registers the charge on the date and time when the station got the network back "
                     "(shown as 'Registered')."),
    UNRELIABLE_ICON: N_("The charger was disconnected from the internet during the session, and the "
                        "date/time is unlikely to be correct: the station was offline so long that its "
                        "internal memory became full, and it needs internet to set the correct date and time."),
    VOID_ICON: N_("Replaced by a corrected session: listed for reference, never counted."),
}


def badge(icon: str) -> str:
    """A status badge in the reader's language (OFFLINE / FRAKOBLET)."""
    return _(icon)


@dataclass(frozen=True)
class SessionFilter:
    """What every history, report and export query narrows by (besides the scope)."""

    date_from: date
    date_to: date
    station_ids: tuple[str, ...] = field(default=())
    user_ids: tuple[str, ...] = field(default=())   # '' = sessions with no user
    tags: tuple[str, ...] = field(default=())       # '' = sessions with no tag
    include_void: bool = False
    status: str = ""                                # a key of STATUS_FILTERS

    def params(self) -> dict:
        if self.status not in STATUS_FILTERS:
            raise ValueError(f"status filter one of {', '.join(STATUS_FILTERS)}, not {self.status!r}")
        return {
            **periods.bounds(self.date_from, self.date_to),
            "station_filter": list(self.station_ids),
            "user_filter": list(self.user_ids),
            "tag_filter": list(self.tags),
            "include_void": self.include_void,
            "status_filter": self.status,
        }


# The history's filter on how a session reached the store (schema.sql's session_matches_status reads the keys).
STATUS_FILTERS = {
    "": N_("All sessions"),
    "offline": N_("Charged offline ({icon})"),
    "unreliable": N_("Time unreliable ({icon})"),
    "flagged": N_("Offline or time unreliable"),
    "clean": N_("Neither (online, reliable time)"),
}
_STATUS_ICONS = {"offline": OFFLINE_ICON, "unreliable": UNRELIABLE_ICON}


def status_filter_label(key: str) -> str:
    """A status filter's name in the reader's language."""
    icon = _STATUS_ICONS.get(key)
    return _(STATUS_FILTERS[key], icon=badge(icon)) if icon else _(STATUS_FILTERS[key])


@dataclass(frozen=True)
class FilterOptions:
    stations: dict[str, str]
    users: dict[str, str]
    tags: dict[str, str]
    installations: dict[str, str] = field(default_factory=dict)          # id -> name
    station_installation: dict[str, str] = field(default_factory=dict)   # station id -> installation id
    serials: dict[str, str] = field(default_factory=dict)                # station id -> charger serial

    def stations_of(self, installation_ids) -> tuple[str, ...]:
        return tuple(s for s in self.stations if self.station_installation.get(s) in set(installation_ids))


@memo.per_data_version()
def filter_options(store: Store, scope: Scope) -> FilterOptions:
    stations = store.rows("stations_in_scope", scope)
    return FilterOptions(
        stations={r[0]: r[1] for r in stations},
        users={r[0]: r[1] for r in store.rows("users_in_scope", scope)},
        tags={r[0]: r[1] for r in store.rows("tags_in_scope", scope)},
        installations={r[4]: r[3] for r in stations},
        station_installation={r[0]: r[4] for r in stations},
        serials={r[0]: r[2] for r in stations if r[2]},
    )


@memo.per_data_version()
def first_day(store: Store, scope: Scope, installation_ids: tuple[str, ...] = ()) -> date | None:
    """The first day with a session (of reliable time) in scope: where "All time" starts and what
    tells a comparison it has partial data."""
    row = store.one("first_session_in_scope", scope, installation_filter=list(installation_ids))
    return row[0] if row else None


@dataclass(frozen=True)
class HistoryTotals:
    sessions: int
    energy_kwh: float
    offline_sessions: int
    unreliable_sessions: int
    void_sessions: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.sessions // PAGE_SIZE))


def totals(store: Store, scope: Scope, flt: SessionFilter) -> HistoryTotals:
    row = store.one("history_totals", scope, **flt.params())
    return HistoryTotals(*row[:5])


def stations_charged(store: Store, scope: Scope, flt: SessionFilter) -> list[str]:
    """The ids of the stations the filtered sessions used (the sessions `totals` counts)."""
    return [station_id for (station_id,) in store.rows("history_stations_charged", scope, **flt.params())]


def status_icons(offline: bool, unreliable: bool, void: bool) -> str:
    return " ".join(badge(icon) for icon, on in ((OFFLINE_ICON, offline), (UNRELIABLE_ICON, unreliable),
                                                 (VOID_ICON, void)) if on)


def page(store: Store, scope: Scope, flt: SessionFilter, page_no: int = 1, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One page of sessions, newest first: only page_size rows ever leave DuckDB."""
    rows = store.df("history_rows", scope, **flt.params(), limit=page_size,
                    offset=(max(page_no, 1) - 1) * page_size)
    rows.insert(0, "status", [status_icons(o, u, v) for o, u, v in
                              zip(rows["offline"], rows["time_unreliable"], rows["void"], strict=True)])
    return rows


@dataclass(frozen=True)
class HistoryView:
    totals: HistoryTotals
    rows: pd.DataFrame
    page_no: int
    sessions_in_scope: int
    newest_start: object


@memo.per_data_version()
def history_view(store: Store, scope: Scope, flt: SessionFilter, page_no: int = 1) -> HistoryView:
    """Everything the history page draws, in one call."""
    found = totals(store, scope, flt)
    page_no = min(max(page_no, 1), found.pages)
    newest_start, in_scope = store.one("newest_session", scope)
    rows = page(store, scope, flt, page_no)
    serials = dict(store.rows("station_serials", shown_station_ids=sorted(set(rows["station_id"]))))
    rows.insert(rows.columns.get_loc("station") + 1, "serial", [serials.get(s) for s in rows["station_id"]])
    return HistoryView(found, rows, page_no, in_scope, newest_start)
