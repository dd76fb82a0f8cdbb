"""Statements per dwelling as files and as the Statements page's per-dwelling view (issue 30, item 2).

Every file is built from the reader's narrowed lines only (dwelling_statements.dwelling_statements with the
reader's scope): the system owner's holds every dwelling line and the "no dwelling" group; a resident's
holds the lines of their own dwelling that they pay or owned on each of its days, and nothing else.

- Excel (the house's writer, chargeboard.excel, as statements.workbook): a summary sheet of the lines (the
  system owner's with a total row, and the "no dwelling" group under it, never in the total), a sheet per
  line with its sessions, the fixed fee, the total and its VAT, and the About sheet.
- PDF (chargeboard.pdf's statement style): one statement per line, from a new page: dwelling and share
  number, owner(s) and who pays, period, sessions, kWh, amounts, VAT, and what the lines mean in plain words.
- CSV (exports.write_csv, the reader's dialect: Norwegian Excel's for a Norwegian reader): one row per
  line; the system owner's with a "Total" row and the "no dwelling" row after it.

Amounts are the statement's own (Decimal, rounded once per column over every line); a line's sessions are
rounded with statements.allocate_to so that they add up exactly to its energy cost. Text a spreadsheet would
run as a formula stays text (excel's writer, exports.csv_safe). Every file is logged as the other exports
are (store.log_export), by the page when downloaded (log=False) or here.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from chargeboard import excel, exports, formats, freshness, memo, pdf, statements, tariffs
from chargeboard.billing import billing_settings
from chargeboard.billing.dwelling_statements import (
    PAYER_RULES,
    Dwelling,
    DwellingLine,
    DwellingStatements,
    Ownership,
    dwelling_statements,
    dwellings,
    ownerships,
)
from chargeboard.i18n import N_, _, ngettext
from chargeboard.scope import Scope
from chargeboard.store import Store

PAYER_RULE_TITLES = {"owner_at_end": N_("The owner on the period's last day pays the whole period"),
                     "by_ownership": N_("Each owner pays for the days they owned the dwelling")}
VIEWS = {"dwelling": N_("Per dwelling"), "user": N_("Per user")}
# Up to this many lines the page prints the PDF with every run; more (a co-op's board) when asked for.
PDF_WITH_PAGE = 40
NO_DWELLING = N_("No dwelling (not billed)")


def payer_rule_title(rule: str) -> str:
    return _(PAYER_RULE_TITLES[rule])


def view_title(view: str) -> str:
    return _(VIEWS[view])


def views(store: Store, scope: Scope) -> tuple[str, ...]:
    """The Statements page's views, the default first: ("user", "dwelling") for the system owner when the
    store has dwellings; ("dwelling", "user") for an account linked to a dwelling; () otherwise (per user
    only, as before)."""
    if scope.see_all:
        return ("user", "dwelling") if store.rows("billing_dwelling_register") else ()
    return ("dwelling", "user") if scope.dwelling_grants else ()


def page_payer_rule(store: Store, scope: Scope, chosen: str | None) -> str:
    """The rule the page prices by: the system owner's choice, else the board's (billing settings)."""
    if scope.see_all and chosen in PAYER_RULES:
        return chosen
    return billing_settings.read(store).payer_rule


# -- the lines as printed -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Printed:
    """One line of a statement per dwelling as the files print it."""
    line: DwellingLine
    dwelling: Dwelling | None
    owners: tuple[str, ...]                          # who owned it on the line's days (the payer first)
    sessions: tuple[tuple[datetime | None, str, Decimal, Decimal], ...]  # (local start, station, kWh, amount)
    first_day: date | None                           # the line's first and last days with charging
    last_day: date | None

    @property
    def is_dwelling(self) -> bool:
        return self.line.dwelling_id is not None

    @property
    def number(self) -> str:
        return self.line.number if self.is_dwelling else _(NO_DWELLING)

    @property
    def energy_kwh(self) -> Decimal:
        return Decimal(self.line.energy_wh) / 1000

    @property
    def section(self) -> str:
        return (self.dwelling.section_number or "") if self.dwelling else ""

    @property
    def share_number(self) -> str:
        return (self.dwelling.share_number or "") if self.dwelling else ""


def printed(store: Store, ds: DwellingStatements) -> list[Printed]:
    """The statement's (already narrowed) lines with their dwelling, owners and rounded sessions."""
    register = dwellings(store)
    owners = ownerships(store)
    unit = tariffs.minor_unit(ds.currency)
    out = []
    for line in ds.lines:
        sessions = ds.sessions_of(line)
        amounts = statements.allocate_to([s.raw_cost for s in sessions], line.energy_cost, unit)
        days = {s.day for s in sessions} | {ds.fee_payer_day(f[2]) for f in ds.fees
                                           if (f[0], f[1]) == (line.dwelling_id, line.payer_owner_id)}
        out.append(Printed(
            line, register.get(line.dwelling_id) if line.dwelling_id is not None else None,
            _owner_names(owners, line, days),
            tuple((s.started_local, s.station, Decimal(s.energy_wh) / 1000, a) for s, a in zip(sessions, amounts,
                                                                                             strict=True)),
            min((s.day for s in sessions), default=None), max((s.day for s in sessions), default=None)))
    return out


def _owner_names(owners: list[Ownership], line: DwellingLine, days: set[date]) -> tuple[str, ...]:
    if line.dwelling_id is None:
        return ()
    found = sorted((o for o in owners if o.dwelling_id == line.dwelling_id and any(o.owns_on(d) for d in days)),
                   key=lambda o: (o.owner_id != line.payer_owner_id, o.valid_from, o.owner_id))
    names = list(dict.fromkeys(o.name for o in found))
    if line.payer_name and line.payer_name not in names:
        names.insert(0, line.payer_name)
    return tuple(names)


def meanings(ds: DwellingStatements) -> list[tuple[str, str]]:
    """(title, what it means) for each line of a statement per dwelling, in the active language."""
    out = [(_("Charging"), _("the energy your dwelling's cars charged in the period (by its RFID tags, its users "
                             "and its stations on the days they belonged to it), priced hour by hour as on the "
                             "statements per user")),
           (_("Fixed monthly fee"), _("the tariff's fixed fee, once for each calendar month in which the dwelling "
                                      "charged")),
           (_("VAT"), _("the value added tax included in the amounts; it is not added on top")),
           (_("Who pays"), payer_rule_title(ds.payer_rule))]
    out += [(statements.component_title(c), _(statements.COMPONENT_MEANINGS[c])) for c in ds.components]
    return out


def _who(scope: Scope) -> str:
    return "all" if scope.see_all else formats.file_name_part(scope.username, "statements")


def file_name(ds: DwellingStatements, scope: Scope, extension: str) -> str:
    return (f"chargeboard_dwelling_statements_{_who(scope)}_{ds.date_from:%Y-%m-%d}_{ds.date_to:%Y-%m-%d}"
            f".{extension}")


def _period(ds: DwellingStatements) -> str:
    return formats.period(ds.date_from, ds.date_to)


def _tariff_lines(ds: DwellingStatements) -> list[str]:
    return [statements.tariff_line(p) for p in ds.periods_used]


# -- Excel ------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = [("dwelling", N_("Dwelling"), "text"), ("section", N_("Section number"), "text"),
                   ("share_number", N_("Share number"), "text"), ("payer", N_("Paid by"), "text"),
                   ("owners", N_("Owners"), "text"), ("sessions", N_("Sessions"), "int"),
                   ("energy_kwh", N_("Energy (kWh)"), "kwh"), ("energy_cost", N_("Energy cost"), "money"),
                   ("fixed_fee", N_("Fixed fee"), "money"), ("amount", N_("Amount incl. VAT"), "money"),
                   ("vat", N_("VAT"), "money")]


def _summary_row(p: Printed) -> list:
    x = p.line
    return [p.number, p.section, p.share_number, x.payer_name, ", ".join(p.owners), x.sessions, p.energy_kwh,
            x.energy_cost, x.fixed_fee, x.amount, x.vat]


def _total_row(ds: DwellingStatements, rows: list[Printed], label: str) -> list:
    billed = [p for p in rows if p.is_dwelling]
    return [label, "", "", "", "", sum(p.line.sessions for p in billed),
            sum((p.energy_kwh for p in billed), Decimal(0)), sum((p.line.energy_cost for p in billed), Decimal(0)),
            sum((p.line.fixed_fee for p in billed), Decimal(0)), ds.total, ds.vat]


def _sheet_name(p: Printed, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", f"{p.number} {p.line.payer_name}".strip())[:26].strip() or _("Dwelling")
    reserved = {excel.about_sheet_name().lower(), _("Summary").lower()}
    name, n = base, 1
    while name.lower() in taken or name.lower() in reserved:
        n += 1
        name = f"{base[:26]} {n}"
    taken.add(name.lower())
    return name


def _heading(ds: DwellingStatements, p: Printed, issuer: statements.Issuer) -> list[str]:
    if not p.is_dwelling:
        title = _("Sessions that belong to no dwelling (not billed)")
    else:
        title = _("Charging statement — dwelling {number}", number=p.line.number)
    lines = [title]
    if p.is_dwelling:
        lines += [_("Share number: {share}", share=p.share_number or "–"),
                  *([_("Section number: {section}", section=p.section)] if p.section else []),
                  _("Paid by: {payer}", payer=p.line.payer_name or "–"),
                  _("Owners: {owners}", owners=", ".join(p.owners) or "–")]
    lines += [_("Period: {period}", period=_period(ds)), _("Issued by: {issuer}", issuer=issuer.name)]
    return lines


def _about(store: Store, scope: Scope, ds: DwellingStatements) -> list[tuple[str, str]]:
    return [
        (_("Report"), _("Charging statements per dwelling")),
        (_("Period"), _("{period}, both days included, installation's local time", period=_period(ds))),
        (_("Who pays"), payer_rule_title(ds.payer_rule)),
        (_("Currency"), ds.currency),
        *([(_("Tariffs as of (UTC)"), formats.moment(ds.as_of, "UTC"))] if ds.as_of else []),
        *[(_("Tariff"), text) for text in _tariff_lines(ds)],
        (_("Rounding"), _(statements.ROUNDING_NOTE)),
        *[(title, text) for title, text in meanings(ds)],
        (_("Exported by"), exports.exported_by(scope)),
        (_("Rows limited to"), _("every dwelling") if scope.see_all else _("the caller's own dwelling")),
        (_("Exported at (UTC)"), formats.moment(datetime.now(UTC), "UTC")),
        (_("Data freshness"), freshness.data_freshness(store, scope).line()),
        *[(_("Note"), n) for n in ds.notes],
    ]


def workbook(store: Store, scope: Scope, ds: DwellingStatements, *, log: bool = True) -> tuple[bytes, str]:
    """The summary sheet, a sheet per line (its sessions, fee, total and VAT) and About, from `ds` as narrowed
    for `scope` (dwelling_statements with the same scope)."""
    rows = printed(store, ds)
    who = statements.issuer(store)
    cols = [excel.Column(_(title), kind) for _key, title, kind in SUMMARY_COLUMNS]
    billed = [p for p in rows if p.is_dwelling]
    nowhere = [p for p in rows if not p.is_dwelling]
    summary = _("Summary")
    sheets = [excel.Sheet(summary, cols, [_summary_row(p) for p in billed],
                          totals=_total_row(ds, rows, _("Total")) if scope.see_all else None,
                          after=[_summary_row(p) for p in nowhere])]
    taken = {summary.lower()}
    money = _("Amount ({currency})", currency=ds.currency)
    for p in rows:
        x = p.line
        body: list[list] = [[start, station, kwh, amount] for start, station, kwh, amount in p.sessions]
        if x.months:  # (the fee of a month goes to whoever pays on its last day: none on the seller's line)
            body.append([ngettext("Fixed monthly fee: {n} month with charging",
                                  "Fixed monthly fee: {n} months with charging", len(x.months)), "", None,
                         x.fixed_fee])
        sheets.append(excel.Sheet(
            _sheet_name(p, taken), [excel.Column(_("Date (local time)"), "datetime"),
                                    excel.Column(_("Station"), "text"), excel.Column(_("Energy (kWh)"), "kwh"),
                                    excel.Column(money, "money")],
            body, totals=[ngettext("Total — {n} session", "Total — {n} sessions", x.sessions), "", p.energy_kwh,
                          x.amount],
            heading=_heading(ds, p, who), after=[[_("Of which VAT"), None, None, x.vat]]))
    buffer = io.BytesIO()
    excel.write_workbook(buffer, sheets, _about(store, scope, ds),
                         page_header=(who.name, _("Charging statements per dwelling"), _period(ds)))
    name = file_name(ds, scope, "xlsx")
    if log:
        store.log_export(scope, "Dwelling statements", name, len(ds.lines))
    return buffer.getvalue(), name


# -- CSV --------------------------------------------------------------------------------------------

CSV_COLUMNS = [("dwelling", N_("Dwelling"), "text"), ("section", N_("Section number"), "text"),
               ("share_number", N_("Share number"), "text"), ("payer", N_("Paid by"), "text"),
               ("owners", N_("Owners"), "text"), ("period_from", N_("From"), "text"), ("period_to", N_("To"), "text"),
               ("sessions", N_("Sessions"), "int"), ("energy_kwh", N_("Energy (kWh)"), "kwh"),
               ("energy_cost", N_("Energy cost"), "amount"), ("fixed_fee", N_("Fixed fee"), "amount"),
               ("amount", N_("Amount incl. VAT"), "amount"), ("vat", N_("VAT"), "amount"),
               ("currency", N_("Currency"), "text")]


def csv_text(store: Store, scope: Scope, ds: DwellingStatements, *, log: bool = True,
             dialect: str = exports.DEFAULT_CSV_DIALECT) -> tuple[str, str]:
    """One row per line in a dialect (exports.CSV_DIALECTS; the page passes the reader's), and the file name.
    The system owner's ends with a "Total" row (the dwellings') and the "no dwelling" row after it."""
    rows = printed(store, ds)
    machine = exports.csv_dialect(dialect).machine
    first, last = (ds.date_from.isoformat(), ds.date_to.isoformat()) if machine else \
        (formats.day(ds.date_from), formats.day(ds.date_to))

    def row(values: list) -> list:
        return [*values[:5], first, last, *values[5:], ds.currency]

    out = [row(_summary_row(p)) for p in rows if p.is_dwelling]
    if scope.see_all:
        out.append(row(_total_row(ds, rows, "Total" if machine else _("Total"))))
        out += [row(_summary_row(p)) for p in rows if not p.is_dwelling]
    text, _count = exports.write_csv(CSV_COLUMNS, out, dialect)
    name = file_name(ds, scope, "csv")
    if log:
        store.log_export(scope, "Dwelling statements (CSV)", name, len(ds.lines))
    return text, name


# -- PDF --------------------------------------------------------------------------------------------

def _story(ds: DwellingStatements, p: Printed, issuer: statements.Issuer) -> list:
    cur = ds.currency
    x = p.line
    money = lambda amount: statements.money_text(amount, cur)  # noqa: E731
    para = pdf.para
    head = Table([[
        [para(issuer.name, 14, True), para(issuer.address, 9, colour=pdf.MUTED)],
        [para(_("Charging statement per dwelling"), 13, True, alignment=2),
         para(_("Period: {period}", period=_period(ds)), 9, alignment=2),
         *([para(_("Tariffs as of {moment} UTC", moment=formats.moment(ds.as_of, "UTC")), 8, colour=pdf.MUTED,
                 alignment=2)] if ds.as_of else []),
         para(_("Amounts in {currency}", currency=cur), 8, colour=pdf.MUTED, alignment=2)],
    ]], colWidths=[95 * mm, 85 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    if p.is_dwelling:
        to = [para(_("To"), 8, colour=pdf.MUTED), para(x.payer_name or "–", 11, True),
              para(_("Dwelling {number}", number=x.number), 10, True),
              para(_("Share number: {share}", share=p.share_number or "–"), 9)]
        if p.section:
            to.append(para(_("Section number: {section}", section=p.section), 9))
        to.append(para(_("Owners: {owners}", owners=", ".join(p.owners) or "–"), 9))
        to.append(para(_("Who pays: {rule}", rule=payer_rule_title(ds.payer_rule)), 8, colour=pdf.MUTED))
    else:
        to = [para(_(NO_DWELLING), 11, True),
              para(_("Sessions that belong to no dwelling: listed, billed to no one."), 8, colour=pdf.MUTED)]
    items = [[_("Item"), _("Basis"), _("Amount ({currency})", currency=cur)],
             [_("Charging"), ngettext("{n} session, {kwh}", "{n} sessions, {kwh}", x.sessions,
                                      kwh=formats.kwh(p.energy_kwh, 3)), money(x.energy_cost)]]
    if x.months:
        items.append([_("Fixed monthly fee"), ngettext("{n} month with charging", "{n} months with charging",
                                                       len(x.months)), money(x.fixed_fee)])
    items.append([_("Total to pay") if p.is_dwelling else _("Total"), "", formats.money(x.amount, cur)])
    summary = pdf.table(items, [62 * mm, 80 * mm, 38 * mm], right=[2], bold_last=True, size=9)
    vat = pdf.table([[_("Of which VAT"), "", money(x.vat)]], [62 * mm, 80 * mm, 38 * mm], right=[2],
                    header=False, size=8.5, extra=[("TEXTCOLOR", (0, 0), (-1, -1), pdf.MUTED)])
    session_rows = [[_("Date (local time)"), _("Station"), "kWh", _("Price ({currency})", currency=cur)]]
    session_rows += [[formats.moment(start) if start else "", station, formats.decimal(kwh, 3), money(amount)]
                     for start, station, kwh, amount in p.sessions]
    session_rows.append([_("Sum of the sessions"), "", formats.decimal(p.energy_kwh, 3), money(x.energy_cost)])
    sessions = pdf.table(session_rows, [38 * mm, 90 * mm, 22 * mm, 30 * mm], right=[2, 3], bold_last=True)
    notes = [para(_("Tariff versions used"), 9, True)]
    notes += [para(text, 8) for text in _tariff_lines(ds)] or [para(_("No tariff covers this period."), 8)]
    notes += [Spacer(1, 2 * mm), para(_("Rounding"), 9, True), para(_(statements.ROUNDING_NOTE), 8),
              Spacer(1, 2 * mm), para(_("What the lines mean"), 9, True)]
    notes += [para(f"{title}: {text}", 8) for title, text in meanings(ds)]
    notes += [para(n, 8, colour=pdf.MUTED) for n in ds.notes]
    section = f"{p.number} {x.payer_name}".strip()
    return [pdf.Section(f"{section}\x00{x.dwelling_id}\x00{x.payer_owner_id}"), head, Spacer(1, 6 * mm), *to,
            Spacer(1, 5 * mm), summary, vat, Spacer(1, 6 * mm), para(_("Sessions ({n})", n=x.sessions), 11, True),
            Spacer(1, 1.5 * mm), sessions, Spacer(1, 5 * mm), KeepTogether(notes)]


def pdf_file(store: Store, scope: Scope, ds: DwellingStatements, *, log: bool = True) -> tuple[bytes, str]:
    """Each line the caller may see as a statement from a new page, in one PDF."""
    rows = printed(store, ds)
    if not rows:
        raise statements.StatementError(_("no statement to print: no charging in this period that you may see"))
    who = statements.issuer(store)
    story: list = []
    for index, p in enumerate(rows):
        if index:
            story.append(PageBreak())
        story += _story(ds, p, who)

    def footer(section: str) -> str:
        name = section.split("\x00")[0]
        return _("{issuer} · charging statement per dwelling {period}", issuer=who.name, period=_period(ds)) + (
            f" · {name}" if name else "")

    data = pdf.build(story, title=_("Charging statements per dwelling {period}", period=_period(ds)),
                     footer=footer, author=who.name)
    name = file_name(ds, scope, "pdf")
    if log:
        store.log_export(scope, "Dwelling statements (PDF)", name, len(rows))
    return data, name


# -- the page -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DwellingPage:
    """What the Statements page's per-dwelling view draws: the narrowed statement, its lines as printed,
    and the files (each (bytes, file name); the PDF None while it is built only when asked for)."""
    statements: DwellingStatements
    lines: tuple[Printed, ...]
    workbook: tuple[bytes, str]
    csv: tuple[bytes, str]
    pdf: tuple[bytes, str] | None
    meanings: tuple[tuple[str, str], ...]

    @property
    def billed(self) -> tuple[Printed, ...]:
        return tuple(p for p in self.lines if p.is_dwelling)

    @property
    def nowhere(self) -> Printed | None:
        return next((p for p in self.lines if not p.is_dwelling), None)


# Kept per reader, period, rule, dialect and data version (and hour, language): a click on a download
# reruns the page, which then neither prices nor writes the files again. Logged when downloaded.
@memo.per_data_version(maxsize=32)
def page(store: Store, scope: Scope, date_from: date, date_to: date, payer_rule: str, dialect: str,
         with_pdf: bool = False) -> DwellingPage:
    """The per-dwelling view for `scope`: BillingError when it may see none (not linked to a dwelling)."""
    ds = dwelling_statements(store, scope, date_from, date_to, payer_rule)
    text, csv_name = csv_text(store, scope, ds, log=False, dialect=dialect)
    printed_pdf = None
    if ds.lines and (with_pdf or len(ds.lines) <= PDF_WITH_PAGE):
        printed_pdf = pdf_file(store, scope, ds, log=False)
    return DwellingPage(ds, tuple(printed(store, ds)), workbook(store, scope, ds, log=False),
                        (text.encode("utf-8"), csv_name), printed_pdf, tuple(meanings(ds)))


def table_rows(lines: tuple[Printed, ...] | list[Printed]) -> list[list]:
    """The page's table: the summary's rows (SUMMARY_COLUMNS)."""
    return [_summary_row(p) for p in lines]
