"""A closed run's statement for one dwelling and paying owner (billed_rows.Billed), as a PDF: what the
owners are e-mailed where the co-op does not invoice them itself (the business manager collects the
money; the invoice is the common-cost invoice). It says who issued it (the co-op), the dwelling and share
number, the owner, the run's period, the run's lines for that dwelling and payer with kWh and amount, the
VAT and the total, and, in plain words, how amounts are rounded and what a late line is.

Nothing in it comes from the clock: reportlab's invariant mode (no creation date, a fixed document id), so
printing a closed run's statement again gives the same bytes.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from chargeboard import formats, i18n, pdf, statements
from chargeboard.billing.billed_rows import Billed, line_text, period_text
from chargeboard.billing.model import Run
from chargeboard.i18n import N_, _

PDF_MIME = "application/pdf"
ROUNDING_NOTE = N_("Each amount is rounded once to the øre; the lines add up exactly to the total, and the VAT "
                   "is the VAT of the amounts billed.")
LATE_NOTE = N_("A charger that was offline may send its sessions days later. Sessions that arrive after a "
               "period was billed are billed in the next run, as a dated line for their own period, paid by "
               "whoever paid that period. Nothing is billed twice and nothing is lost.")
KIND_TITLES = {"period": N_("Charging"), "fees": N_("Fixed fee"), "late": N_("Late sessions"),
               "correction": N_("Correction"), "carried_in": N_("Carried over from an earlier run")}


def file_name(run: Run, row: Billed) -> str:
    number = formats.file_name_part(row.dwelling_number, "dwelling")
    return f"chargeboard_run{run.run_id}_{number}_{run.period_from:%Y-%m-%d}_{run.period_to:%Y-%m-%d}.pdf"


def run_statement_pdf(issuer: statements.Issuer, run: Run, row: Billed, lang: str) -> bytes:
    """The statement of one dwelling and payer of a closed run in `lang` (nb/en); the same bytes every time."""
    with i18n.language(i18n.normal_language(lang)):
        title = _("Charging statement {period}", period=period_text(run.period_from, run.period_to))
        footer = _("{issuer} · billing run {run} · dwelling {number}", issuer=issuer.name, run=run.run_id,
                   number=row.dwelling_number)
        story = _story(run, row, issuer)
        pdf.fonts()
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                bottomMargin=16 * mm, title=title, author=issuer.name, creator="Chargeboard",
                                invariant=1)
        doc.build(story, canvasmaker=pdf._numbered_canvas(lambda _section: footer))  # noqa: SLF001 — the house's footer
    return buffer.getvalue()


def _story(run: Run, row: Billed, who: statements.Issuer) -> list:
    cur = run.currency
    money = lambda amount: statements.money_text(amount, cur)  # noqa: E731
    facts = [(_("Billing run"), str(run.run_id)), (_("Period"), period_text(run.period_from, run.period_to))]
    head = pdf.letterhead(who.name, who.address, _("Charging statement"), facts)

    to = [pdf.para(_("To"), 8, colour=pdf.MUTED),
          pdf.para(row.payer.name if row.payer else _("(no owner registered)"), 11, True)]
    dwelling = [_("Dwelling {number}", number=row.dwelling_number)]
    if row.section_number:
        dwelling.append(_("section number {number}", number=row.section_number))
    if row.share_number:
        dwelling.append(_("share number {number}", number=row.share_number))
    to.append(pdf.para(", ".join(dwelling), 9))
    if row.payer and row.payer.customer_number:
        to.append(pdf.para(_("Customer number {number}", number=row.payer.customer_number), 9))

    items = [[_("Item"), _("Dates"), "kWh", _("Amount incl. VAT ({currency})", currency=cur)]]
    for line in row.lines:  # (the stored line text is English: the item is worded here, in the reader's language)
        text = _(KIND_TITLES[line.kind]) if line.kind in KIND_TITLES else line_text(run, line)
        items.append([pdf.para(text, 8.5), period_text(line.day_from, line.day_to),
                      formats.decimal(Decimal(line.energy_wh) / 1000, 3), money(line.amount)])
    items.append([_("Total excl. VAT"), "", "", money(row.amount - row.vat)])
    items.append([_("VAT"), "", "", money(row.vat)])
    items.append([_("Total"), "", formats.decimal(Decimal(row.energy_wh) / 1000, 3), formats.money(row.amount, cur)])
    lines_table = pdf.table(items, [68 * mm, 45 * mm, 22 * mm, 45 * mm], right=[2, 3], bold_last=True, size=9)

    notes = [pdf.para(_("Rounding"), 9, True), pdf.para(_(ROUNDING_NOTE), 8),
             pdf.para(_("Late sessions"), 9, True), pdf.para(_(LATE_NOTE), 8),
             pdf.para(_("The amount is collected as the co-op has decided (e.g. on the common-cost invoice): "
                        "this statement is not an invoice."), 8, colour=pdf.MUTED)]
    return [head, Spacer(1, 6 * mm), *to, Spacer(1, 6 * mm), lines_table, Spacer(1, 5 * mm), KeepTogether(notes)]
