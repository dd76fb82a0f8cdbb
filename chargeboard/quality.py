"""Data quality, for the system owner: the imports log, rejected rows, and anomalies in the sessions.

Each anomaly is one query file (queries/quality/quality_<key>.sql) and one entry in ANOMALIES, with what it
likely means and what to do, in the plain style of the charger maker's help article. One whose list reads
more than its count needs has a second file that only counts it (COUNTED_BY). The overlapping sessions
are found by the ingest (schema.sql, session_overlaps): their queries only read the pairs it kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from chargeboard import excel, exports, formats, memo, reasons, settings, summary, sync
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

LONG_SESSION_HOURS = 72
SILENT_DAYS = 30


@dataclass(frozen=True)
class Anomaly:
    """One check. Its texts are English msgids, read translated (title, meaning, action)."""
    key: str             # queries/quality/quality_<key>.sql
    title_msgid: str
    meaning_msgid: str   # what it likely means
    action_msgid: str    # what to do
    params: tuple[str, ...] = ()  # which of now / max_kw / max_hours / silent_days the query takes

    @property
    def title(self) -> str:
        return _(self.title_msgid, **_text_values())

    @property
    def meaning(self) -> str:
        return _(self.meaning_msgid, **_text_values())

    @property
    def action(self) -> str:
        return _(self.action_msgid, **_text_values())


def _text_values() -> dict:
    return {"days": LONG_SESSION_HOURS // 24, "kw": formats.decimal(settings.MAX_CHARGER_KW, 0),
            "silent_days": SILENT_DAYS}


ANOMALIES = (
    Anomaly("overlapping_sessions",
            N_("Overlapping sessions on one station"),
            N_("A charging station charges one car at a time, so two sessions on the same station should not "
               "overlap. It usually means the station's clock was wrong for one of them (it was offline), or a "
               "session was sent twice with different ids."),
            N_("Open Charge history for the station and the dates. If one of the two has TIME?, give it a "
               "corrected date below. If both look the same, ask the charger supplier which one is real.")),
    Anomaly("zero_kwh_sessions",
            N_("Sessions with 0 kWh"),
            N_("The car was plugged in but took no energy: it was already full, a timer in the car delayed "
               "charging, or the charging was stopped at once. It does not affect anyone's bill."),
            N_("Usually nothing. Many in a row on one station may mean the station or the cable is faulty: "
               "ask the resident, or the charger supplier.")),
    Anomaly("long_sessions",
            N_("Sessions longer than {days} days"),
            N_("The car stayed plugged in for days (holiday, a car parked on its spot), or the session was "
               "not closed because the station was offline when the car left."),
            N_("Check the energy: if it is plausible the session is fine. If the station was offline, the end "
               "time may be when it came back online."),
            ("max_hours",)),
    Anomaly("energy_above_power",
            N_("Energy above what the station can deliver ({kw} kW × duration)"),
            N_("A charger delivers at most {kw} kW, so this much energy cannot have been charged in this time. "
               "The start or end time is wrong (the station's clock was not set), or the energy reading is."),
            N_("Compare with the electricity meter for the period. If the time is wrong, give the session a "
               "corrected date; if the energy is wrong, ask the charger supplier."),
            ("max_kw",)),
    Anomaly("future_sessions",
            N_("Sessions in the future"),
            N_("The station's clock was ahead when the session was recorded. The charging station needs internet "
               "to be able to set the correct date and time."),
            N_("Make sure the station is online. Give the session a corrected date so reports count it on the "
               "right day (when you choose \"use corrected dates\")."),
            ("now",)),
    Anomaly("shared_tags",
            N_("A tag used by several users"),
            N_("One RFID tag (charging card) is recorded on more than one user: a couple sharing a car and a tag, "
               "a lent tag, or a tag handed on to a new resident without being re-registered."),
            N_("If the users share the bill, nothing to do. Otherwise register the tag to the right user in the "
               "charger portal, so each one's report is right.")),
    Anomaly("silent_stations",
            N_("Stations silent for {silent_days} days"),
            N_("No session has been registered on the station for a month. It may be unused, broken, or "
               "offline: the charging stations still work while offline, and their sessions arrive when they "
               "get the network back."),
            N_("Check that the station is online in the charger portal. If it was offline, its sessions will "
               "appear later, registered on the day it came back."),
            ("now", "silent_days")),
)
ANOMALY_BY_KEY = {a.key: a for a in ANOMALIES}
# An anomaly whose list reads more than its count needs: a query of its own counts it.
COUNTED_BY = {"overlapping_sessions": "quality_overlapping_sessions_count",
              "shared_tags": "quality_shared_tags_count"}  # (tags; its list has a row per tag and user)
# An anomaly whose query takes `$rows` (None: all) and picks its first rows before it reads what it
# shows of them (a store may hold millions of overlapping pairs).
FIRST_ROWS_INSIDE = {"overlapping_sessions"}


def _params(key: str, now: datetime) -> dict:
    values = {"now": now, "max_kw": settings.MAX_CHARGER_KW, "max_hours": LONG_SESSION_HOURS,
              "silent_days": SILENT_DAYS}
    return {name: values[name] for name in ANOMALY_BY_KEY[key].params}


@memo.per_data_version()  # every rerun of Data quality asks again; the answer changes with the data
def find(store: Store, scope: Scope, key: str, now: datetime | None = None, rows: int | None = None) -> pd.DataFrame:
    """The rows of one anomaly (the drill-down), the first `rows` of them when given."""
    if key not in ANOMALY_BY_KEY:
        raise ValueError(f"unknown anomaly {key!r}")
    params = _params(key, now or datetime.now(UTC))
    if key in FIRST_ROWS_INSIDE:
        return store.df(f"quality_{key}", scope, rows=rows, **params)
    if rows is None:
        return store.df(f"quality_{key}", scope, **params)
    return store.df_head(f"quality_{key}", scope, rows, **params)


def drill_down(store: Store, scope: Scope, key: str, found: int) -> tuple[pd.DataFrame, str | None]:
    """An anomaly's rows as its drill-down shows them (the first settings.ROWS_SHOWN: a store may hold
    millions of one anomaly), and a note when there
    are more (`found` is its count from counts(); shared tags count tags, a row is a tag's user)."""
    rows = find(store, scope, key, rows=settings.ROWS_SHOWN)
    if key == "shared_tags":
        return rows, None
    return rows, summary.first_rows_note(len(rows), found)


@memo.per_data_version()
def counts(store: Store, scope: Scope, now: datetime | None = None) -> dict[str, int]:
    """How many of each anomaly (overlapping sessions, tags for shared tags, stations for silent
    ones), counted in DuckDB."""
    now = now or datetime.now(UTC)
    result = {}
    for anomaly in ANOMALIES:
        if anomaly.key in COUNTED_BY:
            result[anomaly.key] = store.one(COUNTED_BY[anomaly.key], scope, **_params(anomaly.key, now))[0]
        else:
            result[anomaly.key] = store.count(f"quality_{anomaly.key}", scope, **_params(anomaly.key, now))
    return result


@dataclass(frozen=True)
class RowsShown:
    """The first rows of a list that may grow without end (a daily sync adds imports; a bad feed
    adds rows by the thousand), how many it has, and the note that says so."""
    rows: pd.DataFrame
    total: int
    note: str | None


def _first_rows(store: Store, name: str) -> RowsShown:
    total = store.count(name)
    rows = store.df_head(name, None, settings.ROWS_SHOWN)
    return RowsShown(rows, total, summary.first_rows_note(len(rows), total))


def imports_shown(store: Store) -> RowsShown:
    """The newest imports (settings.ROWS_SHOWN of them)."""
    return _first_rows(store, "quality_imports_log")


def rejected_shown(store: Store) -> RowsShown:
    """The newest imports' first rejected rows (settings.ROWS_SHOWN) (the downloads hold them all),
    each reason in the reader's language."""
    shown = _first_rows(store, "quality_rejected_rows")
    shown.rows["reason"] = shown.rows["reason"].map(reasons.shown)
    return shown


def sync_runs(store: Store, limit: int = 50) -> pd.DataFrame:
    """The charger-cloud sync log as people read it: the installation by its name, without the
    clouds' and the store's ids (the Data sources page keeps them for the operator)."""
    runs = sync.sync_log(store, limit=limit)
    names = {r[0]: r[1] for r in store.rows("installations_all")}
    runs.insert(runs.columns.get_loc("installation_id"), "installation",
                [names.get(i, "") if isinstance(i, str) else "" for i in runs["installation_id"]])
    return runs.drop(columns=["cloud_id", "installation_id"])


def rejected_csv(store: Store, dialect: str = exports.DEFAULT_CSV_DIALECT) -> bytes:
    """Rejected rows as CSV in a dialect (the app: the reader's), cells neutralised against formulas."""
    columns = [("import", N_("Import"), "int"), ("file", N_("File"), "text"), ("where", N_("Where"), "text"),
               ("reason", N_("Reason"), "text"), ("raw", N_("Row as given"), "text")]
    rows = ((import_id, file_name or "", location or "", reasons.shown(reason), raw or "")
            for import_id, file_name, _pos, location, reason, raw, *_rest in store.rows("quality_rejected_rows"))
    text, _count = exports.write_csv(columns, rows, dialect)
    return text.encode("utf-8")


@memo.per_data_version(maxsize=16)
def rejected_downloads(store: Store, scope: Scope, dialect: str) -> tuple[bytes, bytes]:
    """The page's two downloads of every rejected row (Excel, CSV in the reader's dialect), built once
    per data version and hour (the memo's key), not on every run of Data quality: a bad feed leaves
    rejected rows by the ten thousand, and the page's other tabs rerun the whole script."""
    return rejected_workbook(store, scope, log=False), rejected_csv(store, dialect)


def _rejected_page_header(found) -> tuple[str, str, str]:
    """What every printed page of the rejected rows names: the installations and the days of the imports."""
    installations = sorted({row[6] for row in found if row[6]})
    days = sorted(row[7].astimezone(UTC).date() for row in found if row[7] is not None)
    period = _("imports {period} (UTC)", period=formats.period(days[0], days[-1])) if days else ""
    return (", ".join(installations) or _("All installations"), _("Rejected rows"), period)


def rejected_workbook(store: Store, scope: Scope, *, log: bool = True) -> bytes:
    found = store.rows("quality_rejected_rows")
    rows = [(i, f, loc, reasons.shown(reason), raw) for i, f, _p, loc, reason, raw, _inst, _at in found]
    sheet = excel.Sheet(_("Rejected rows"), [excel.Column(_("Import"), "int"), excel.Column(_("File"), "text"),
                                             excel.Column(_("Where"), "text"), excel.Column(_("Reason"), "text", 50),
                                             excel.Column(_("Row as given"), "text", 80)], rows)
    buffer = io.BytesIO()
    written = excel.write_workbook(buffer, [sheet], [
        (_("Report"), _("Rows the ingest refused, with the reason")),
        (_("Exported by"), f"{scope.display_name or scope.username} ({scope.username})"),
        (_("Exported at (UTC)"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))],
        page_header=_rejected_page_header(found))
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "rejected rows", "chargeboard_rejected-rows.xlsx", written)
    return buffer.getvalue()
