"""Excel and CSV exports. Every export reads through the caller's Scope (the same queries
as the pages) and is logged in the store: who, with which role, when, what, how many rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from chargeboard import excel, freshness
from chargeboard.history import SessionFilter
from chargeboard.ingest import slug
from chargeboard.reports import ATTRIBUTIONS, DETAIL_TITLES, GROUPINGS, Report, monthly_table
from chargeboard.scope import ROLE_TITLES, Scope
from chargeboard.store import Store

OFFLINE_NOTE = ("Sessions done while a charger was offline are counted on their session start (the time the "
                "charger recorded), not on the day the cloud registered them, unless the report says otherwise.")
UNRELIABLE_NOTE = ("Sessions whose time is unreliable (the charger's clock was not set) are counted on the date "
                   "the store holds for them; the 'Time unreliable' columns say how many and how much energy.")


@dataclass
class ExportFile:
    data: bytes
    file_name: str
    rows: int
    mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    what: str = ""


def installation_label(store: Store, scope: Scope) -> str:
    names = [r[1] for r in store.rows("installations_in_scope", scope)]
    return names[0] if len(names) == 1 else ("all installations" if names else "no installation")


def file_name(installation: str, report: str, flt: SessionFilter, extension: str = "xlsx") -> str:
    return f"chargeboard_{slug(installation)}_{report}_{flt.date_from:%Y-%m-%d}_{flt.date_to:%Y-%m-%d}.{extension}"


def period_text(flt: SessionFilter) -> str:
    return f"{flt.date_from:%Y-%m-%d} – {flt.date_to:%Y-%m-%d}"


def _filters_text(flt: SessionFilter) -> str:
    parts = [f"{label}: {', '.join(v or '(none)' for v in values)}" for label, values in
             (("stations", flt.station_ids), ("users", flt.user_ids), ("tags", flt.tags)) if values]
    return "; ".join(parts) or "none (everything in scope)"


def _about(store: Store, scope: Scope, installation: str, what: str, flt: SessionFilter,
           extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    newest, _ = store.one("newest_session", scope)
    return [
        ("Report", what),
        ("Installation", installation),
        ("Period", f"{flt.date_from:%Y-%m-%d} to {flt.date_to:%Y-%m-%d}, both days included, installation's local time"),
        *extra,
        ("Filters", _filters_text(flt)),
        ("Exported by", f"{scope.display_name or scope.username} ({scope.username}), role {ROLE_TITLES[scope.role]}"),
        ("Rows limited to", "everything the role may see" if scope.see_all else
         "the sessions this role may see (own sessions / own stations)"),
        ("Exported at (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("Data fresh to (newest session start, local)", f"{newest:%Y-%m-%d %H:%M}" if newest else "no sessions"),
        ("Data freshness", freshness.data_freshness(store, scope).line()),
        ("Offline sessions", OFFLINE_NOTE),
        ("Unreliable time", UNRELIABLE_NOTE),
        ("Void sessions", "Sessions replaced by a corrected session are never counted."),
    ]


def record(store: Store, scope: Scope, what: str, name: str, rows: int) -> None:
    """Log one export: who, with which role, when, what, how many rows."""
    store.execute("record_export", username=scope.username, role=scope.role, what=what, file_name=name, row_count=rows)


def log_download(store: Store, scope: Scope, export: ExportFile) -> None:
    """Log a file that was built before the click (a download button's on_click)."""
    record(store, scope, export.what, export.file_name, export.rows)


def report_workbook(store: Store, scope: Scope, report: Report, *, log: bool = True) -> ExportFile:
    """The charge report as a workbook: the report sheet, the month-by-month sheet, About.
    With log=False the caller logs it when it is actually downloaded (log_download)."""
    request = report.request
    by_title = GROUPINGS[request.by]
    columns = [excel.Column("Key", "text"), excel.Column(by_title, "text"),
               excel.Column(DETAIL_TITLES[request.by], "text"), excel.Column("Sessions", "int"),
               excel.Column("Energy (kWh)", "kwh"), excel.Column("Charging time (h)", "hours"),
               excel.Column("Share of total", "percent"), excel.Column("Time unreliable: sessions", "int"),
               excel.Column("Time unreliable: kWh", "kwh"), excel.Column("Charged offline: sessions", "int")]
    fields = ["key", "name", "detail", "sessions", "energy_kwh", "charging_hours", "share",
              "unreliable_sessions", "unreliable_kwh", "offline_sessions"]
    t = report.totals
    report_sheet = excel.Sheet(
        f"By {by_title.lower()}", columns, report.rows[fields].itertuples(index=False, name=None),
        totals=["Total", "", "", t.sessions, t.energy_kwh, t.charging_hours, 1.0 if t.sessions else 0,
                t.unreliable_sessions, t.unreliable_kwh, t.offline_sessions])
    wide = monthly_table(report)
    months = [c for c in wide.columns if c not in ("name", "total")]
    monthly_sheet = excel.Sheet(
        "By month", [excel.Column(by_title, "text")] + [excel.Column(m, "kwh") for m in months]
        + [excel.Column("Total (kWh)", "kwh")],
        wide[["name", *months, "total"]].itertuples(index=False, name=None),
        totals=["Total", *[wide[m].sum() for m in months], wide["total"].sum()] if len(wide) else None)
    installation = installation_label(store, scope)
    what = f"Charge report by {by_title.lower()}"
    about = _about(store, scope, installation, what, request.flt, [
        ("Grouping", by_title),
        ("Sessions dated by", ATTRIBUTIONS[request.attribute_by]),
        ("Entities with no sessions", "listed with 0" if request.include_idle else "left out"),
        *(("Dated by registration", note) for note in report.notes),
    ])
    buffer = io.BytesIO()
    excel.write_workbook(buffer, [report_sheet, monthly_sheet], about,
                         page_header=(installation, what, period_text(request.flt)))
    name = file_name(installation, f"report-by-{request.by}", request.flt)
    export = ExportFile(buffer.getvalue(), name, len(report.rows), what=what)
    if log:
        log_download(store, scope, export)
    return export


HISTORY_COLUMNS = [
    excel.Column("Start", "datetime"), excel.Column("End", "datetime"), excel.Column("Duration (h)", "hours"),
    excel.Column("Charging station", "text"), excel.Column("Station id", "text"), excel.Column("User", "text"),
    excel.Column("User id", "text"), excel.Column("RFID tag", "text"), excel.Column("Energy (kWh)", "kwh"),
    excel.Column("Charged offline", "text"), excel.Column("Time unreliable", "text"),
    excel.Column("Void (replaced)", "text"), excel.Column("Registered", "datetime"),
    excel.Column("Session id", "text"), excel.Column("Replaced by", "text"),
]


def _history_rows(rows):
    for row in rows:
        row = list(row)
        for i in (9, 10, 11):
            row[i] = "yes" if row[i] else ""
        yield row


def fits_excel(rows: int) -> bool:
    return rows <= excel.MAX_DATA_ROWS - 1  # one row is the totals row


def history_workbook(store: Store, scope: Scope, flt: SessionFilter, *, log: bool = True) -> ExportFile:
    """The filtered charge history, streamed from DuckDB into the workbook in batches."""
    _, rows = store.stream("history_rows", scope, **flt.params(), limit=None, offset=0)
    total_kwh = store.one("history_totals", scope, **flt.params())[1]
    installation = installation_label(store, scope)
    sheet = excel.Sheet("Charge history", HISTORY_COLUMNS, _history_rows(rows),
                        totals=["Total", None, None, None, None, None, None, None, total_kwh,
                                None, None, None, None, None, None])
    buffer = io.BytesIO()
    written = excel.write_workbook(buffer, [sheet], _about(store, scope, installation, "Charge history", flt, []),
                                   page_header=(installation, "Charge history", period_text(flt)))
    name = file_name(installation, "history", flt)
    if log:
        record(store, scope, "Charge history", name, written)
    return ExportFile(buffer.getvalue(), name, written, what="Charge history")


def csv_safe(value):
    """A CSV opened in a spreadsheet runs formulas too: text that would start one is
    prefixed with ' (OWASP ASVS 1.2.10)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\x00"):
        return "'" + value
    return value


def report_csv(report: Report) -> str:
    """The report as CSV: the feed's own key, sessions, energy_kwh with 3 decimals ('.')."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["key", "name", "sessions", "energy_kwh", "charging_hours", "share",
                     "unreliable_sessions", "unreliable_kwh", "offline_sessions"])
    for row in report.rows.itertuples(index=False):
        writer.writerow([csv_safe(row.key), csv_safe(row.name), row.sessions, f"{row.energy_kwh:.3f}",
                         f"{row.charging_hours:.2f}", f"{row.share:.4f}", row.unreliable_sessions,
                         f"{row.unreliable_kwh:.3f}", row.offline_sessions])
    return text.getvalue()


def history_csv(store: Store, scope: Scope, flt: SessionFilter, *, log: bool = True) -> ExportFile:
    """The same history as CSV, for periods beyond Excel's 1,048,575 rows."""
    columns, rows = store.stream("history_rows", scope, **flt.params(), limit=None, offset=0)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        count += 1
    installation = installation_label(store, scope)
    name = file_name(installation, "history", flt, "csv")
    if log:
        record(store, scope, "Charge history (CSV)", name, count)
    return ExportFile(text.getvalue().encode(), name, count, "text/csv", what="Charge history (CSV)")
