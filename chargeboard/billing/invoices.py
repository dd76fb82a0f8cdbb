"""Invoices, where the co-op invoices its residents itself: one per dwelling and paying owner of a
closed run (Run.billed()), each with a number from the co-op's sequence (invoice_number_seq: never
handed out twice, so never reused, even by a run reopened and corrected), a KID (kid.py, the co-op's
method and layout), the invoice date (the day the run was closed, local time) and the due date (that
plus the billing settings' days).

Issuing is idempotent: a dwelling and payer that already has its invoice in a run keeps it (number,
KID and dates); only the missing ones are issued. A payer's amount of zero or less gets no invoice
(a correction run's credit is settled by the board, not by an invoice).

The PDF (invoice_pdf) follows the statement's look (chargeboard.pdf) in the payer's language, and is
the same bytes every time: reportlab's invariant mode (no creation date, a fixed document id), and
nothing in it comes from the clock.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from chargeboard import formats, i18n, pdf, statements
from chargeboard.billing import billing_settings, kid, model
from chargeboard.billing.billed_rows import Billed, billed, line_text, period_text
from chargeboard.billing.model import Run
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

ROUNDING_NOTE = N_("Amounts are rounded once to the øre; the lines add up exactly to the total, and the VAT is "
                   "the VAT of the amounts billed.")


class InvoiceError(ValueError):
    """Invoices cannot be issued or printed; the message says why."""


@dataclass(frozen=True)
class Invoice:
    invoice_number: int
    run_id: int
    dwelling_id: int
    payer_owner_id: int | None
    kid: str
    invoice_date: date
    due_date: date
    amount: Decimal
    vat: Decimal
    account_number: str            # as when issued


def close_day(store: Store, run_id: int) -> date:
    """The local date the run was closed on (the invoice date, Tripletex's order date)."""
    row = store.rows("invoice_run_close_day", run_id=run_id)
    if not row:
        raise model.RunNotFound(run_id)
    return row[0][0]


def of_run(store: Store, run_id: int) -> list[Invoice]:
    """The run's invoices, in number order."""
    return [Invoice(*r) for r in store.rows("invoices_of_run", run_id=run_id)]


def issue(store: Store, scope: Scope, run_id: int, by: str | None = None) -> list[Invoice]:
    """Issue the run's missing invoices (the system owner's alone); returns every invoice of the run in the
    order its dwellings are billed. Needs the co-op's account number in the billing settings."""
    if not scope.is_system_owner:
        raise InvoiceError(_("only the system owner issues invoices"))
    run = model.load(store, run_id)
    settings = billing_settings.read(store)
    if not settings.account_number:
        raise InvoiceError(_("set the co-op's account number first (billing settings): an invoice must say where "
                             "to pay"))
    rows = [row for row in billed(run) if row.amount > 0]
    invoice_day = close_day(store, run_id)
    due = invoice_day + timedelta(days=settings.due_days)
    issued: list[int] = []
    by_key: dict[tuple[int, int | None], Invoice] = {}
    with store.transaction() as cur:
        for row in rows:
            payer_id = row.payer.owner_id if row.payer else None
            found = cur.execute(query_text("invoice_of_payer"), {"run_id": run_id, "dwelling_id": row.dwelling_id,
                                                                  "payer_owner_id": payer_id}).fetchall()
            if found:
                by_key[(row.dwelling_id, payer_id)] = Invoice(*found[0])
                continue
            number = int(cur.execute(query_text("invoice_next_number")).fetchone()[0])
            try:
                reference = kid.make(number, row.payer.customer_number if row.payer else None,
                                     method=settings.kid_method, layout=settings.kid_layout)
            except kid.KidError as error:
                raise InvoiceError(_("dwelling {dwelling}: {reason}", dwelling=row.dwelling_number,
                                     reason=error)) from None
            invoice = Invoice(number, run_id, row.dwelling_id, payer_id, reference, invoice_day, due, row.amount,
                              row.vat, settings.account_number)
            cur.execute(query_text("invoice_insert"), {
                "invoice_number": number, "run_id": run_id, "dwelling_id": row.dwelling_id,
                "payer_owner_id": payer_id, "kid": reference, "invoice_date": invoice_day, "due_date": due,
                "amount": row.amount, "vat": row.vat, "account_number": settings.account_number})
            by_key[(row.dwelling_id, payer_id)] = invoice
            issued.append(number)
        if issued:
            cur.execute(query_text("invoice_run_event_add"), {
                "run_id": run_id, "done_by": by or scope.username, "action": "invoice",
                "detail": f"issued {len(issued)} invoice(s): {issued[0]}–{issued[-1]}"})
    return [by_key[(row.dwelling_id, row.payer.owner_id if row.payer else None)] for row in rows]


# -- the PDF --------------------------------------------------------------------------------------------

def _row_of(run: Run, invoice: Invoice) -> Billed:
    for row in billed(run):
        if row.dwelling_id == invoice.dwelling_id and (row.payer.owner_id if row.payer else None) == \
                invoice.payer_owner_id:
            return row
    raise InvoiceError(_("invoice {number} is not of run {run}", number=invoice.invoice_number, run=run.run_id))


def invoice_language(row: Billed) -> str:
    return i18n.normal_language(row.payer.language if row.payer else None)


def invoice_pdf(store: Store, run: Run, invoice: Invoice) -> bytes:
    """The invoice as a PDF in its payer's language (nb/en); the same bytes every time."""
    row = _row_of(run, invoice)
    who = statements.issuer(store)
    with i18n.language(invoice_language(row)):
        story = _story(run, invoice, row, who)
        title = _("Invoice {number}", number=invoice.invoice_number)
        footer = _("{issuer} · invoice {number}", issuer=who.name, number=invoice.invoice_number)
        pdf.fonts()
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                bottomMargin=16 * mm, title=title, author=who.name, creator="Chargeboard",
                                invariant=1)
        doc.build(story, canvasmaker=pdf._numbered_canvas(lambda _section: footer))  # noqa: SLF001 — the house's footer
    return buffer.getvalue()


def _story(run: Run, invoice: Invoice, row: Billed, who: statements.Issuer) -> list:
    cur = run.currency
    money = lambda amount: statements.money_text(amount, cur)  # noqa: E731
    facts = [
        (_("Invoice number"), str(invoice.invoice_number)),
        (_("Invoice date"), formats.day(invoice.invoice_date)),
        (_("Due date"), formats.day(invoice.due_date)),
        (_("Period"), period_text(run.period_from, run.period_to)),
    ]
    head = pdf.letterhead(who.name, who.address, _("Invoice"), facts)

    to = [pdf.para(_("To"), 8, colour=pdf.MUTED),
          pdf.para(row.payer.name if row.payer else _("(no owner registered)"), 11, True)]
    if row.payer and row.payer.email:
        to.append(pdf.para(row.payer.email, 9))
    dwelling = [_("Dwelling {number}", number=row.dwelling_number)]
    if row.section_number:
        dwelling.append(_("section number {number}", number=row.section_number))
    if row.share_number:
        dwelling.append(_("share number {number}", number=row.share_number))
    to.append(pdf.para(", ".join(dwelling), 9))
    if row.payer and row.payer.customer_number:
        to.append(pdf.para(_("Customer number {number}", number=row.payer.customer_number), 9))

    pay = pdf.table([[_("Account number"), _("KID"), _("Amount to pay ({currency})", currency=cur), _("Due date")],
                     [kid.account_text(invoice.account_number or ""), invoice.kid, money(invoice.amount),
                      formats.day(invoice.due_date)]],
                    [50 * mm, 55 * mm, 40 * mm, 35 * mm], right=[2], size=10)

    items = [[_("Item"), _("Dates"), "kWh", _("Amount incl. VAT ({currency})", currency=cur)]]
    for line in row.lines:
        items.append([pdf.para(line_text(run, line), 8.5), period_text(line.day_from, line.day_to),
                      formats.decimal(Decimal(line.energy_wh) / 1000, 3), money(line.amount)])
    items.append([_("Total excl. VAT"), "", "", money(invoice.amount - invoice.vat)])
    items.append([_("VAT"), "", "", money(invoice.vat)])
    items.append([_("Total to pay"), "", formats.decimal(Decimal(row.energy_wh) / 1000, 3),
                  formats.money(invoice.amount, cur)])
    lines_table = pdf.table(items, [68 * mm, 45 * mm, 22 * mm, 45 * mm], right=[2, 3], bold_last=True, size=9)

    notes = [pdf.para(_("Rounding"), 9, True), pdf.para(_(ROUNDING_NOTE), 8),
             pdf.para(_("Pay to account {account} with KID {kid}: the KID tells the co-op which invoice you paid.",
                        account=kid.account_text(invoice.account_number or ""), kid=invoice.kid), 8)]
    return [head, Spacer(1, 6 * mm), *to, Spacer(1, 5 * mm), pay, Spacer(1, 6 * mm), lines_table,
            Spacer(1, 5 * mm), KeepTogether(notes)]
