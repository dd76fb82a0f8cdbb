"""Excel and CSV exports. Every export reads through the caller's Scope (the same queries
as the pages) and is logged in the store: who, with which role, when, what, how many rows.

Texts (titles, sheet names, About) are in the active language (chargeboard.i18n), dates and
figures in text from chargeboard.formats; Excel cells stay typed. The exports log keeps the
English name of what was exported, whatever the reader's language, so the log reads the same
for everyone.

CSV comes in three dialects (CSV_DIALECTS): `rfc4180`, the machine-readable one the README
documents (comma, decimal point, ISO dates, the documented column keys, in any language);
`excel-nb`, what Norwegian Excel opens as columns (`;`, decimal comma, dd.mm.yyyy, UTF-8 with
a byte-order mark, CRLF, titles in the active language); `excel-en` (comma, decimal point,
ISO dates, UTF-8 with a byte-order mark, CRLF, titles in the active language). Text that a
spreadsheet would run as a formula is neutralised in all three (csv_safe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from chargeboard import excel, formats, freshness, memo
from chargeboard.history import SessionFilter
from chargeboard.i18n import N_, _
from chargeboard.reports import (
    ATTRIBUTIONS,
    DETAIL_TITLES,
    GROUPINGS,
    Report,
    ReportRequest,
    build_report,
    monthly_table,
)
from chargeboard.scope import ROLE_TITLES, Scope
from chargeboard.store import Store

OFFLINE_NOTE = N_("Sessions done while a charger was offline are counted on their session start (the time the "
                  "charger recorded), not on the day the cloud registered them, unless the report says otherwise.")
UNRELIABLE_NOTE = N_("Sessions whose time is unreliable (the charger's clock was not set) are counted on the date "
                     "the store holds for them; the 'Time unreliable' columns say how many and how much energy.")
# The report's first sheet, per grouping (the English names are what they have always been).
SHEET_BY = {"station": N_("By charging station"), "user": N_("By user"), "rfid": N_("By rfid tag")}


# -- CSV dialects -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CsvDialect:
    name: str
    delimiter: str
    decimal_mark: str
    byte_order_mark: bool
    line_end: str | None    # None: the line end each CSV has always had (rfc4180, unchanged)
    titles: bool            # column titles in the active language (spreadsheets), else the documented keys
    moment_format: str      # strftime of a date and time; None keeps Python's ISO text
    machine: bool           # values exactly as the rfc4180 files have always written them


CSV_DIALECTS = {
    "rfc4180": CsvDialect("rfc4180", ",", ".", False, None, False, "", True),
    "excel-nb": CsvDialect("excel-nb", ";", ",", True, "\r\n", True, "%d.%m.%Y %H:%M", False),
    "excel-en": CsvDialect("excel-en", ",", ".", True, "\r\n", True, "%Y-%m-%d %H:%M", False),
}
DEFAULT_CSV_DIALECT = "rfc4180"
# Decimals of a figure by kind (the kinds of excel.Column, plus "duration": hours the rfc4180 history
# has always written unrounded, and "amount": an already rounded Decimal, written as it is).
_DIGITS = {"kwh": 3, "hours": 2, "duration": 2, "percent": 4}


def csv_dialect_for(lang: str) -> str:
    """The spreadsheet dialect of a reader's language: what the app offers for download."""
    return "excel-nb" if lang == "nb" else "excel-en"


def csv_dialect(name: str) -> CsvDialect:
    try:
        return CSV_DIALECTS[name]
    except KeyError:
        raise ValueError(f"CSV dialect must be one of {', '.join(CSV_DIALECTS)}, not {name!r}") from None


def csv_safe(value):
    """A CSV opened in a spreadsheet runs formulas too: text that would start one is
    prefixed with ' (OWASP ASVS 1.2.10)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\x00"):
        return "'" + value
    return value


def _is_missing(value) -> bool:
    """NaN, NaT, pandas NA: values that are not equal to themselves (or cannot say)."""
    try:
        return bool(value != value)
    except Exception:  # noqa: BLE001 - pandas NA refuses bool()
        return True


def _csv_cell(value, kind: str, dialect: CsvDialect):
    """One value as the dialect writes it. Text is made formula-safe first; figures are formatted
    after, so a negative number is never mistaken for a formula and prefixed."""
    if isinstance(value, str):
        return csv_safe(value)
    if value is None or _is_missing(value):
        return ""
    if dialect.machine:
        if kind in ("kwh", "hours", "percent"):
            return f"{value:.{_DIGITS[kind]}f}"
        return value  # the csv module's str(): 2026-01-05 18:00:00, True, 1.5, Decimal as it is
    if isinstance(value, bool):
        return _("yes") if value else ""
    if isinstance(value, datetime):
        return value.strftime(dialect.moment_format)
    if isinstance(value, date):
        return value.strftime(dialect.moment_format.split(" ")[0])
    if isinstance(value, int):
        return str(value)
    digits = _DIGITS.get(kind)
    text = f"{value:.{digits}f}" if digits is not None else str(value)
    return text.replace(".", dialect.decimal_mark)


def write_csv(columns: Sequence[tuple[str, str, str]], rows: Iterable[Sequence], dialect: str = DEFAULT_CSV_DIALECT,
              *, line_end: str = "\n") -> tuple[str, int]:
    """CSV text of `rows` under `columns` (key, title msgid, kind) in a dialect, and the row count.
    `line_end` is the line end this CSV has always had in rfc4180. The text starts with U+FEFF
    (the byte-order mark once encoded as UTF-8) where the dialect asks for it."""
    d = csv_dialect(dialect)
    out = io.StringIO()
    if d.byte_order_mark:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=d.delimiter, lineterminator=d.line_end or line_end)
    writer.writerow([_(title) if d.titles else key for key, title, _kind in columns])
    kinds = [kind for _key, _title, kind in columns]
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(v, kind, d) for v, kind in zip(row, kinds, strict=True)])
        count += 1
    return out.getvalue(), count


# -- workbooks --------------------------------------------------------------------------------------

@dataclass
class ExportFile:
    data: bytes
    file_name: str
    rows: int
    mime: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    what: str = ""  # what the exports log records (English, like every log entry)


def installation_label(store: Store, scope: Scope) -> str:
    names = [r[1] for r in store.rows("installations_in_scope", scope)]
    return names[0] if len(names) == 1 else (_("all installations") if names else _("no installation"))


def file_name(installation: str, report: str, flt: SessionFilter, extension: str = "xlsx") -> str:
    return f"chargeboard_{formats.file_name_part(installation, 'installation')}_{report}_{flt.date_from:%Y-%m-%d}_{flt.date_to:%Y-%m-%d}.{extension}"


def period_text(flt: SessionFilter) -> str:
    return formats.period(flt.date_from, flt.date_to)


def _filters_text(flt: SessionFilter) -> str:
    parts = [f"{label}: {', '.join(v or _('(none)') for v in values)}" for label, values in
             ((_("stations"), flt.station_ids), (_("users"), flt.user_ids), (_("tags"), flt.tags)) if values]
    return "; ".join(parts) or _("none (everything in scope)")


def exported_by(scope: Scope) -> str:
    return _("{name} ({username}), role {role}", name=scope.display_name or scope.username, username=scope.username,
             role=_(ROLE_TITLES[scope.role]))


def _about(store: Store, scope: Scope, installation: str, what: str, flt: SessionFilter,
           extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    newest, _zone = store.one("newest_session", scope)
    return [
        (_("Report"), what),
        (_("Installation"), installation),
        (_("Period"), _("{period}, both days included, installation's local time", period=period_text(flt))),
        *extra,
        (_("Filters"), _filters_text(flt)),
        (_("Exported by"), exported_by(scope)),
        (_("Rows limited to"), _("everything the role may see") if scope.see_all else
         _("the sessions this role may see (own sessions / own stations)")),
        (_("Exported at (UTC)"), formats.moment(datetime.now(UTC), "UTC")),
        (_("Data fresh to (newest session start, local)"), formats.moment(newest) if newest else _("no sessions")),
        (_("Data freshness"), freshness.data_freshness(store, scope).line()),
        (_("Offline sessions"), _(OFFLINE_NOTE)),
        (_("Unreliable time"), _(UNRELIABLE_NOTE)),
        (_("Void sessions"), _("Sessions replaced by a corrected session are never counted.")),
    ]


def log_download(store: Store, scope: Scope, export: ExportFile) -> None:
    """Log a file that was built before the click (a download button's on_click)."""
    store.log_export(scope, export.what, export.file_name, export.rows)


def _month_title(key: str) -> str:
    """A month column of the month-by-month sheet ("2026-10") as the reader writes it (okt. 2026)."""
    year, month = key.split("-")
    return formats.month(date(int(year), int(month), 1))


def report_workbook(store: Store, scope: Scope, report: Report, *, log: bool = True) -> ExportFile:
    """The charge report as a workbook: the report sheet, the month-by-month sheet, About.
    With log=False the caller logs it when it is actually downloaded (log_download)."""
    request = report.request
    by_title = _(GROUPINGS[request.by])
    columns = [excel.Column(_("Key"), "text"), excel.Column(by_title, "text"),
               excel.Column(_(DETAIL_TITLES[request.by]), "text"), excel.Column(_("Sessions"), "int"),
               excel.Column(_("Energy (kWh)"), "kwh"), excel.Column(_("Charging time (h)"), "hours"),
               excel.Column(_("Share of total"), "percent"), excel.Column(_("Time unreliable: sessions"), "int"),
               excel.Column(_("Time unreliable: kWh"), "kwh"), excel.Column(_("Charged offline: sessions"), "int")]
    fields = ["key", "name", "detail", "sessions", "energy_kwh", "charging_hours", "share",
              "unreliable_sessions", "unreliable_kwh", "offline_sessions"]
    t = report.totals
    sheet_name = _(SHEET_BY[request.by]) if request.by in SHEET_BY else _("By {grouping}", grouping=by_title)
    report_sheet = excel.Sheet(
        sheet_name[:31], columns, report.rows[fields].itertuples(index=False, name=None),
        totals=[_("Total"), "", "", t.sessions, t.energy_kwh, t.charging_hours, 1.0 if t.sessions else 0,
                t.unreliable_sessions, t.unreliable_kwh, t.offline_sessions])
    wide = monthly_table(report)
    months = [c for c in wide.columns if c not in ("name", "total")]
    monthly_sheet = excel.Sheet(
        _("By month"), [excel.Column(by_title, "text")] + [excel.Column(_month_title(m), "kwh") for m in months]
        + [excel.Column(_("Total (kWh)"), "kwh")],
        wide[["name", *months, "total"]].itertuples(index=False, name=None),
        totals=[_("Total"), *[wide[m].sum() for m in months], wide["total"].sum()] if len(wide) else None)
    installation = installation_label(store, scope)
    what = _("Charge report by {grouping}", grouping=by_title.lower())
    about = _about(store, scope, installation, what, request.flt, [
        (_("Grouping"), by_title),
        (_("Sessions dated by"), _(ATTRIBUTIONS[request.attribute_by])),
        (_("Entities with no sessions"), _("listed with 0") if request.include_idle else _("left out")),
        *((_("Dated by registration"), note) for note in report.notes),
    ])
    buffer = io.BytesIO()
    excel.write_workbook(buffer, [report_sheet, monthly_sheet], about,
                         page_header=(installation, what, period_text(request.flt)))
    name = file_name(installation, f"report-by-{request.by}", request.flt)
    export = ExportFile(buffer.getvalue(), name, len(report.rows),
                        what=f"Charge report by {GROUPINGS[request.by].lower()}")
    if log:
        log_download(store, scope, export)
    return export


# (title msgid, Excel kind, CSV key as the rfc4180 history has always named it, CSV kind)
HISTORY_COLUMNS = [
    (N_("Start"), "datetime", "start_local", "datetime"), (N_("End"), "datetime", "end_local", "datetime"),
    (N_("Duration (h)"), "hours", "duration_h", "duration"), (N_("Charging station"), "text", "station", "text"),
    (N_("Station id"), "text", "station_id", "text"), (N_("User"), "text", "user_name", "text"),
    (N_("User id"), "text", "user_id", "text"), (N_("RFID tag"), "text", "tag", "text"),
    (N_("Energy (kWh)"), "kwh", "energy_kwh", "amount"), (N_("Charged offline"), "text", "offline", "bool"),
    (N_("Time unreliable"), "text", "time_unreliable", "bool"), (N_("Void (replaced)"), "text", "void", "bool"),
    (N_("Registered"), "datetime", "registered_local", "datetime"), (N_("Session id"), "text", "session_id", "text"),
    (N_("Replaced by"), "text", "replaced_by", "text"),
]


def history_columns() -> list[excel.Column]:
    return [excel.Column(_(title), kind) for title, kind, _key, _csv_kind in HISTORY_COLUMNS]


def _history_rows(rows):
    yes = _("yes")
    for row in rows:
        row = list(row)
        for i in (9, 10, 11):
            row[i] = yes if row[i] else ""
        yield row


def fits_excel(rows: int) -> bool:
    return rows <= excel.MAX_DATA_ROWS - 1  # one row is the totals row


# The pages' one-click downloads are built with the page, before the click: kept per reader, filter,
# data version and hour (chargeboard.memo) instead of being written again on every run of the page.
# Logged when downloaded (log_download), never here: a kept file is downloaded many times.
@memo.per_data_version(maxsize=32)
def page_history_workbook(store: Store, scope: Scope, flt: SessionFilter) -> ExportFile:
    return history_workbook(store, scope, flt, log=False)


@memo.per_data_version(maxsize=32)
def page_report_workbook(store: Store, scope: Scope, request: ReportRequest) -> ExportFile:
    return report_workbook(store, scope, build_report(store, scope, request), log=False)


def history_workbook(store: Store, scope: Scope, flt: SessionFilter, *, log: bool = True) -> ExportFile:
    """The filtered charge history, streamed from DuckDB into the workbook in batches."""
    _columns, rows = store.stream("history_rows", scope, **flt.params(), limit=None, offset=0)
    total_kwh = store.one("history_totals", scope, **flt.params())[1]
    installation = installation_label(store, scope)
    title = _("Charge history")
    sheet = excel.Sheet(title, history_columns(), _history_rows(rows),
                        totals=[_("Total"), None, None, None, None, None, None, None, total_kwh,
                                None, None, None, None, None, None])
    buffer = io.BytesIO()
    written = excel.write_workbook(buffer, [sheet], _about(store, scope, installation, title, flt, []),
                                   page_header=(installation, title, period_text(flt)))
    name = file_name(installation, "history", flt)
    if log:
        store.log_export(scope, "Charge history", name, written)
    return ExportFile(buffer.getvalue(), name, written, what="Charge history")


REPORT_CSV_COLUMNS = [
    ("key", N_("Key"), "text"), ("name", N_("Name"), "text"), ("sessions", N_("Sessions"), "int"),
    ("energy_kwh", N_("Energy (kWh)"), "kwh"), ("charging_hours", N_("Charging time (h)"), "hours"),
    ("share", N_("Share of total"), "percent"), ("unreliable_sessions", N_("Time unreliable: sessions"), "int"),
    ("unreliable_kwh", N_("Time unreliable: kWh"), "kwh"), ("offline_sessions", N_("Charged offline: sessions"), "int"),
    # Last, so the documented columns keep their places; empty unless grouped by station.
    ("serial", N_("Serial"), "text"),
]


def report_csv(report: Report, dialect: str = DEFAULT_CSV_DIALECT) -> str:
    """The report as CSV: the feed's own key, sessions, energy_kwh with 3 decimals, the share as a
    fraction with 4, a station's charger serial last; in rfc4180 exactly as documented (keys as the header, '.', LF line ends)."""
    rows = report.rows[[key for key, _title, _kind in REPORT_CSV_COLUMNS]].itertuples(index=False, name=None)
    return write_csv(REPORT_CSV_COLUMNS, rows, dialect)[0]


def history_csv(store: Store, scope: Scope, flt: SessionFilter, *, log: bool = True,
                dialect: str = DEFAULT_CSV_DIALECT) -> ExportFile:
    """The same history as CSV, for periods beyond Excel's 1,048,575 rows."""
    _columns, rows = store.stream("history_rows", scope, **flt.params(), limit=None, offset=0)
    columns = [(key, title, csv_kind) for title, _kind, key, csv_kind in HISTORY_COLUMNS]
    text, count = write_csv(columns, rows, dialect, line_end="\r\n")
    installation = installation_label(store, scope)
    name = file_name(installation, "history", flt, "csv")
    if log:
        store.log_export(scope, "Charge history (CSV)", name, count)
    return ExportFile(text.encode("utf-8"), name, count, "text/csv", what="Charge history (CSV)")
