"""The charge history: filtered, scoped, paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from chargeboard import periods
from chargeboard.scope import Scope
from chargeboard.store import Store

PAGE_SIZE = 50

# The seed's own words for the two offline icons, shown as the legend of the table.
# Plain-word badges rather than emoji: they read the same on every screen, projector and printout.
OFFLINE_ICON = "OFFLINE"
UNRELIABLE_ICON = "TIME?"
VOID_ICON = "VOID"
LEGEND = {
    OFFLINE_ICON: "The session happened while the charging station was offline. Even if the charging "
                  "was performed offline, the date/time in the list is correct. The charger cloud "
                  "registers the charge on the date and time when the station got the network back "
                  "(shown as 'Registered').",
    UNRELIABLE_ICON: "The charger was disconnected from the internet during the session, and the "
                     "date/time is unlikely to be correct: the station was offline so long that its "
                     "internal memory became full, and it needs internet to set the correct date and time.",
    VOID_ICON: "Replaced by a corrected session: listed for reference, never counted.",
}


@dataclass(frozen=True)
class SessionFilter:
    """What every history, report and export query narrows by (besides the scope)."""

    date_from: date
    date_to: date
    station_ids: tuple[str, ...] = field(default=())
    user_ids: tuple[str, ...] = field(default=())   # '' = sessions with no user
    tags: tuple[str, ...] = field(default=())       # '' = sessions with no tag
    include_void: bool = False

    def params(self) -> dict:
        return {
            **periods.bounds(self.date_from, self.date_to),
            "station_filter": list(self.station_ids),
            "user_filter": list(self.user_ids),
            "tag_filter": list(self.tags),
            "include_void": self.include_void,
        }


@dataclass(frozen=True)
class FilterOptions:
    stations: dict[str, str]
    users: dict[str, str]
    tags: dict[str, str]


def filter_options(store: Store, scope: Scope) -> FilterOptions:
    return FilterOptions(
        stations={r[0]: r[1] for r in store.rows("stations_in_scope", scope)},
        users={r[0]: r[1] for r in store.rows("users_in_scope", scope)},
        tags={r[0]: r[1] for r in store.rows("tags_in_scope", scope)},
    )


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


def status_icons(offline: bool, unreliable: bool, void: bool) -> str:
    return " ".join(icon for icon, on in ((OFFLINE_ICON, offline), (UNRELIABLE_ICON, unreliable),
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


def history_view(store: Store, scope: Scope, flt: SessionFilter, page_no: int = 1) -> HistoryView:
    """Everything the history page draws, in one call."""
    found = totals(store, scope, flt)
    page_no = min(max(page_no, 1), found.pages)
    newest_start, in_scope = store.one("newest_session", scope)
    return HistoryView(found, page(store, scope, flt, page_no), page_no, in_scope, newest_start)
