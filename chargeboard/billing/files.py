"""The files for whoever collects the money, made from a closed billing run (model.Run) and nothing
else: the business manager's list (CSV, Norwegian Excel), Tripletex's order import (CSV) and, where the
co-op invoices its residents itself, a ZIP of the run's invoice PDFs (invoices.py).

One row (one order, one invoice) per dwelling and paying owner of the run (Run.billed()). Every file is a
pure function of the stored run: there is no "now" in it, so exporting a closed run again gives the same
bytes. Text a spreadsheet would run as a formula is neutralised (exports.csv_safe), as in every export.
The README ("Billing files") documents the columns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

from chargeboard import exports, formats, i18n
from chargeboard.billing import invoices, model
from chargeboard.billing.billed_rows import billed, line_text, period_text, texts
from chargeboard.billing.model import Run
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

CSV_MIME = "text/csv"
ZIP_MIME = "application/zip"
FORMATS = ("manager", "tripletex", "invoices")
MANAGER_DIALECT = "excel-nb"   # ';', decimal comma, UTF-8 with a byte-order mark, CRLF (exports.CSV_DIALECTS)

# (key, title msgid, kind as exports.write_csv formats it)
MANAGER_COLUMNS = [
    ("dwelling", N_("Dwelling"), "text"), ("section", N_("Section number"), "text"),
    ("share_number", N_("Share number"), "text"), ("owner", N_("Owner"), "text"),
    ("customer_number", N_("Customer number"), "text"), ("period", N_("Period"), "text"),
    ("energy_kwh", "kWh", "kwh"), ("amount", N_("Amount incl. VAT"), "amount"), ("vat", N_("VAT"), "amount"),
    ("text", N_("Text"), "text"),
]
# Tripletex's order import (Ordreimport – beskrivelse av kolonner): its own header names, never translated.
TRIPLETEX_COLUMNS = ("ORDER NO", "ORDER DATE", "CUSTOMER NO", "CUSTOMER NAME", "CUSTOMER EMAIL",
                     "ORDER LINE - DESCRIPTION", "ORDER LINE - UNIT PRICE", "ORDER LINE - COUNT",
                     "ORDER LINE - VAT CODE")
TRIPLETEX_VAT_HIGH, TRIPLETEX_NO_VAT = "3", "0"   # Tripletex's system VAT codes (README: assumptions)
ORDERS_PER_RUN = 100_000                          # ORDER NO = run × ORDERS_PER_RUN + the order's place in it


class BillingFileError(ValueError):
    """A file cannot be made; the message says why."""


# -- the business manager's list ----------------------------------------------------------------------

def manager_rows(run: Run) -> list[tuple]:
    """The list's rows, as MANAGER_COLUMNS (kWh as a Decimal, amounts to the øre)."""
    return [(row.dwelling_number, row.section_number or "", row.share_number or "",
             row.payer.name if row.payer else "", (row.payer.customer_number or "") if row.payer else "",
             period_text(run.period_from, run.period_to), Decimal(row.energy_wh) / 1000, row.amount, row.vat,
             texts(run, row)) for row in billed(run)]


def manager_csv(run: Run, lang: str = "nb") -> bytes:
    """The business manager's list: Norwegian Excel's CSV (exports' excel-nb dialect), titles in `lang`."""
    with i18n.language(lang):
        text, _count = exports.write_csv(MANAGER_COLUMNS, manager_rows(run), MANAGER_DIALECT)
    return text.encode("utf-8")


# -- Tripletex ----------------------------------------------------------------------------------------

def _tripletex_text(value: str) -> str:
    """Text for Tripletex: formula-safe, on one line, without the separator (its import does not read
    quoted fields reliably, README)."""
    return exports.csv_safe(" ".join(str(value).replace(";", ",").split()))


def _tripletex_number(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def tripletex_rows(run: Run, order_date: date) -> list[tuple[str, ...]]:
    """One row per run line; the lines of one dwelling and payer share an order (ORDER NO)."""
    out = []
    for place, row in enumerate(billed(run), start=1):
        order_no = str(run.run_id * ORDERS_PER_RUN + place)
        for line in row.lines:
            description = f"{row.dwelling_number}: {line_text(run, line)}"
            out.append((order_no, order_date.isoformat(),
                        _tripletex_text((row.payer.customer_number or "") if row.payer else ""),
                        _tripletex_text(row.payer.name if row.payer else ""),
                        _tripletex_text((row.payer.email or "") if row.payer else ""),
                        _tripletex_text(description), _tripletex_number(line.amount - line.vat), "1",
                        TRIPLETEX_VAT_HIGH if line.vat else TRIPLETEX_NO_VAT))
    return out


def tripletex_csv(run: Run, order_date: date) -> bytes:
    """Tripletex's order import: ';'-separated, UTF-8 with a byte-order mark, CRLF, decimal comma,
    dates YYYY-MM-DD, unit prices excluding VAT (amount incl. VAT minus the run's VAT), count 1."""
    if len(run.billed()) >= ORDERS_PER_RUN:
        raise BillingFileError(_("a run of {n} orders does not fit Tripletex's order numbers", n=len(run.billed())))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(TRIPLETEX_COLUMNS)
    writer.writerows(tripletex_rows(run, order_date))
    return out.getvalue().encode("utf-8")


# -- one-click downloads (the page) and the command line ------------------------------------------------

def file_name(run: Run, what: str, extension: str) -> str:
    return f"chargeboard_run{run.run_id}_{what}_{run.period_from:%Y-%m-%d}_{run.period_to:%Y-%m-%d}.{extension}"


def _system_owner(scope: Scope) -> None:
    if not scope.is_system_owner:
        raise BillingFileError(_("only the system owner exports a billing run's files"))


def export(store: Store, scope: Scope, run_id: int, fmt: str, *, lang: str = "nb", by: str | None = None,
           log: bool = True) -> tuple[bytes, str, str]:
    """A closed run's file for download: (bytes, file name, MIME type). `invoices` issues the run's
    invoices first (once: idempotent) and gives a ZIP of their PDFs. Raises model.RunNotFound,
    BillingFileError or invoices.InvoiceError."""
    _system_owner(scope)
    run = model.load(store, run_id)
    if fmt == "manager":
        data, name, mime = manager_csv(run, lang), file_name(run, "business_manager", "csv"), CSV_MIME
    elif fmt == "tripletex":
        data, name, mime = tripletex_csv(run, invoices.close_day(store, run_id)), file_name(run, "tripletex",
                                                                                             "csv"), CSV_MIME
    elif fmt == "invoices":
        issued = invoices.issue(store, scope, run_id, by)
        data, name, mime = invoices_zip(store, run, issued), file_name(run, "invoices", "zip"), ZIP_MIME
    else:
        raise BillingFileError(_("the format must be manager, tripletex or invoices, not {format}", format=fmt))
    if log:
        store.log_export(scope, f"Billing run {run_id} ({fmt})", name, len(run.billed()))
    return data, name, mime


def invoices_zip(store: Store, run: Run, issued: list[invoices.Invoice]) -> bytes:
    """The run's invoice PDFs in one ZIP, each file dated the invoice date (no "now": same bytes again)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for invoice in issued:
            number = next(r.dwelling_number for r in billed(run) if r.dwelling_id == invoice.dwelling_id)
            name = f"invoice_{invoice.invoice_number}_{formats.file_name_part(number, 'dwelling')}.pdf"
            stamp = (invoice.invoice_date.year, invoice.invoice_date.month, invoice.invoice_date.day, 0, 0, 0)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, invoices.invoice_pdf(store, run, invoice))
    return buffer.getvalue()


def download(store: Store, scope: Scope, run_id: int, fmt: str, *, lang: str = "nb",
             by: str | None = None) -> exports.ExportFile:
    """A run's file for a page's download button: built now, logged when downloaded (exports.log_download
    as the button's on_click). `invoices` issues the run's invoices: build it behind a button of its own,
    never while the page is merely drawn."""
    data, name, mime = export(store, scope, run_id, fmt, lang=lang, by=by, log=False)
    return exports.ExportFile(data, name, len(model.load(store, run_id).billed()), mime,
                              what=f"Billing run {run_id} ({fmt})")
