"""PDF output: each resident's statement as an invoice-like document (one PDF each, all of them in
one PDF, or a ZIP of the single PDFs), and the building blocks the board pack shares.

Drawn with reportlab (BSD, pure Python): text, tables and vector graphics, no browser. The font is
DejaVu Sans from Debian's fonts-dejavu-core when installed (wide coverage: Æ Ø Å, Polish, Greek…),
else Bitstream Vera, which ships inside reportlab (Latin-1: Æ Ø Å and the rest of Western Europe).

Every figure on a statement is the statement's own (chargeboard.statements, Decimal, rounded once
to the øre): the sessions' prices are the per-session pricing of the same query, allocated so they
add up exactly to the energy cost; nothing is recomputed here.

Every label is in the active language (chargeboard.i18n) and every figure, date and amount from
chargeboard.formats (282,45 kr and 24.11.2026 in Norwegian). All statements in one PDF are printed
in the language of whoever prints them (the treasurer prints the co-op's pack in theirs); a
resident printing their own gets it in their own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from chargeboard import formats, statements, tariffs
from chargeboard.i18n import _, ngettext
from chargeboard.scope import Scope
from chargeboard.statements import SessionCost, StatementLine, Statements
from chargeboard.store import Store

PDF_MIME = "application/pdf"
ZIP_MIME = "application/zip"
FONT, BOLD = "Chargeboard", "Chargeboard-Bold"
_FONTS = (  # (regular, bold): the first pair found is used
    (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
    (Path(reportlab.__file__).parent / "fonts" / "Vera.ttf", Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"),
)
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#cbd2d9")
BAND = colors.HexColor("#f0f4f8")


def fonts() -> tuple[str, str]:
    """Register the font once; returns the regular and bold font names."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        regular, bold = next(((r, b) for r, b in _FONTS if r.is_file() and b.is_file()))
        pdfmetrics.registerFont(TTFont(FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    return FONT, BOLD


def style(size: float = 9, bold: bool = False, colour=INK, leading: float | None = None, **kw) -> ParagraphStyle:
    fonts()
    return ParagraphStyle(f"s{size}{bold}", fontName=BOLD if bold else FONT, fontSize=size,
                          leading=leading or size * 1.3, textColor=colour, **kw)


def para(text: str, size: float = 9, bold: bool = False, colour=INK, **kw) -> Paragraph:
    """A paragraph of plain text (escaped: a name from a feed is never markup); newlines kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style(size, bold, colour, **kw))


class Section(Flowable):
    """A zero-size marker: pages from here on belong to `name` (the footer's "Page x of y" counts
    within a section, so each resident's statement in the all-in-one PDF is numbered on its own)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv._section = self.name


def _numbered_canvas(footer: Callable[[str], str]):
    """A canvas that writes "<footer> · Page x of y" on every page once the page count is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._section = ""
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 — reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            sections = [p["_section"] for p in self._pages]
            for index, state in enumerate(self._pages):
                self.__dict__.update(state)
                first = index
                while first > 0 and sections[first - 1] == sections[index]:
                    first -= 1
                last = index
                while last + 1 < len(sections) and sections[last + 1] == sections[index]:
                    last += 1
                width = self._pagesize[0]
                self.setFont(FONT, 7.5)
                self.setFillColor(MUTED)
                self.drawString(15 * mm, 9 * mm, footer(sections[index]))
                self.drawRightString(width - 15 * mm, 9 * mm,
                                     _("Page {page} of {pages}", page=index - first + 1, pages=last - first + 1))
                super().showPage()
            super().save()

    return NumberedCanvas


def build(story: list, *, pagesize=A4, title: str, footer: Callable[[str], str], author: str = "Chargeboard") -> bytes:
    fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=16 * mm, title=title, author=author, creator="Chargeboard")
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def letterhead(name: str, address: str, title: str, facts: Sequence[tuple[str, str]]) -> Table:
    """The co-op's name and address on the left, the document's title and its facts ("label: value") on the
    right: the head of an invoice and of a billing run's statement."""
    head = Table([[
        [para(name, 14, True), para(address, 9, colour=MUTED)],
        [para(title, 16, True, alignment=2)] + [para(f"{label}: {value}", 9, alignment=2) for label, value in facts],
    ]], colWidths=[95 * mm, 85 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return head


def table(rows: Sequence[Sequence], widths: Sequence[float], *, right: Sequence[int] = (), header: bool = True,
          bold_last: bool = False, size: float = 8.5, extra: Sequence[tuple] = ()) -> Table:
    """A plain ruled table: bold header repeated on every page, numbers right-aligned."""
    font, bold = fonts()
    commands = [("FONT", (0, 0), (-1, -1), font, size), ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE)]
    if header:
        commands += [("FONT", (0, 0), (-1, 0), bold, size), ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                     ("BACKGROUND", (0, 0), (-1, 0), BAND)]
    if bold_last:
        commands += [("FONT", (0, -1), (-1, -1), bold, size), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
    for column in right:
        commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    result = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    result.setStyle(TableStyle(commands + list(extra)))
    return result


# --- statements ----------------------------------------------------------------------------------------

def _kwh(value) -> str:
    return formats.decimal(value, 3)


def _period(st: Statements) -> str:
    return st.request.label


def statement_story(st: Statements, line: StatementLine, sessions: list[SessionCost],
                    issuer: statements.Issuer) -> list:
    """One resident's statement as flowables."""
    cur = st.currency
    money = lambda amount: statements.money_text(amount, cur)  # noqa: E731
    head = Table([[
        [para(issuer.name, 14, True), para(issuer.address, 9, colour=MUTED)],
        [para(_("Charging statement"), 16, True, alignment=2),
         para(_("Period: {period}", period=_period(st)), 9, alignment=2),
         para(_("Tariffs as of {moment} UTC", moment=formats.moment(st.as_of, "UTC")), 8, colour=MUTED, alignment=2),
         para(_("Amounts in {currency}", currency=cur), 8, colour=MUTED, alignment=2)],
    ]], colWidths=[95 * mm, 85 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    to = [para(_("To"), 8, colour=MUTED), para(line.name, 11, True)]
    if line.email:
        to.append(para(line.email, 9))
    if not line.is_resident:
        to.append(para(_("Sessions without a user (open charging): paid by the co-op."), 8, colour=MUTED))

    sessions_kwh = ngettext("{n} session, {kwh}", "{n} sessions, {kwh}", line.sessions,
                            kwh=formats.kwh(line.energy_kwh, 3))
    items: list[list] = [[_("Item"), _("Basis"), _("Amount ({currency})", currency=cur)],
                         [_("Charging"), sessions_kwh, money(line.energy_cost)]]
    band_rows = []
    for part in statements.band_split(st, line, sessions):
        band_rows.append(len(items))
        items.append(["   " + _("of which {hours}", hours=statements.band_label(part.label)),
                      _("{kwh} at {price}", kwh=formats.kwh(part.energy_kwh, 3),
                        price=tariffs.unit_price(part.price, cur)),
                      money(part.amount)])
    items.append([_("Fixed monthly fee"), ngettext("{n} month with charging", "{n} months with charging",
                                                   line.active_months), money(line.fixed_fee)])
    if st.request.standby_share != "off":
        items.append([_("Share of the chargers' standby"), tariffs.share_rule(st.request.standby_share),
                      money(line.standby_share)])
    if st.request.rest_share != "off":
        items.append([_("Share of other loads and losses"), tariffs.share_rule(st.request.rest_share),
                      money(line.rest_share)])
    if st.capacity_months:
        items.append([_("Share of the capacity cost"), _("by your kWh in the peak hours of {months}",
                                                         months=", ".join(formats.month_long(m) for m in st.capacity_months)),
                      money(line.capacity_share)])
    items.append([_("Total to pay"), "", formats.money(line.total, cur)])
    muted = [("TEXTCOLOR", (0, r), (-1, r), MUTED) for r in band_rows]
    summary = table(items, [62 * mm, 80 * mm, 38 * mm], right=[2], bold_last=True, size=9, extra=muted)

    component_table = []
    parts = statements.component_parts(st, line)
    if parts:  # a formula period in the statement: the energy cost by component, adding up to it
        rows = [[_("Component"), "kWh", _("Amount ({currency})", currency=cur)]]
        rows += [[title, _kwh(kwh), money(amount)] for title, kwh, amount in parts]
        rows.append([_("Energy cost"), _kwh(line.energy_kwh), money(line.energy_cost)])
        component_table = [Spacer(1, 5 * mm), para(_("By component"), 11, True), Spacer(1, 1.5 * mm),
                           table(rows, [100 * mm, 40 * mm, 40 * mm], right=[1, 2], bold_last=True)]

    session_rows = [[_("Date (local time)"), _("Station"), "kWh", _("Price ({currency})", currency=cur)]]
    session_rows += [[formats.moment(s.started_local), s.station, _kwh(s.energy_kwh), money(s.cost)]
                     for s in sessions]
    session_rows.append([_("Sum of the sessions"), "", _kwh(line.energy_kwh), money(line.energy_cost)])
    session_table = table(session_rows, [38 * mm, 90 * mm, 22 * mm, 30 * mm], right=[2, 3], bold_last=True)

    tariff_lines = [statements.tariff_line(p) for p in st.periods_used]
    story = [Section(f"{line.name}\x00{line.user_id}"), head, Spacer(1, 6 * mm), *to, Spacer(1, 5 * mm), summary,
             *component_table, Spacer(1, 6 * mm), para(_("Sessions ({n})", n=line.sessions), 11, True), Spacer(1, 1.5 * mm),
             session_table, Spacer(1, 5 * mm)]
    notes = [para(_("Tariff versions used"), 9, True)]
    notes += [para(text, 8) for text in tariff_lines] or [para(_("No tariff covers this period."), 8)]
    notes += [Spacer(1, 2 * mm), para(_("Rounding"), 9, True), para(_(statements.ROUNDING_NOTE), 8),
              para(_("Sessions are dated by their start in the installation's local time (by when the charger "
                     "cloud registered them where the charger's clock was not set)."), 8)]
    if any(p.bands for p in st.periods_used):
        notes.append(para(_("The split by hours is the energy that fell in those hours, to the Wh (by the charger's "
                            "hourly readings, else each session's energy spread evenly over its time); each line is "
                            "its kWh at its price, rounded up or down to the currency's minor unit so that the lines "
                            "add up exactly to the charging cost."), 8))
    if explained := statements.meanings(st):
        notes += [Spacer(1, 2 * mm), para(_("What the lines mean"), 9, True)]
        notes += [para(f"{title}: {text}", 8) for title, text in explained]
    for note in st.notes:
        notes.append(para(note, 8, colour=MUTED))
    story.append(KeepTogether(notes))
    return story


def _footer(issuer: statements.Issuer, st: Statements) -> Callable[[str], str]:
    def text(section: str) -> str:
        name = section.split("\x00")[0]
        return _("{issuer} · charging statement {period}", issuer=issuer.name, period=_period(st)) + (
            f" · {name}" if name else "")
    return text


def statement_file_name(st: Statements, who: str, extension: str = "pdf") -> str:
    who = formats.file_name_part(who, "statement")
    return f"chargeboard_statement_{who}_{st.request.date_from:%Y-%m-%d}_{st.request.date_to:%Y-%m-%d}.{extension}"


def statements_pdf(store: Store, scope: Scope, st: Statements, *, user_id: str | None = None,
                   log: bool = True) -> tuple[bytes, str]:
    """The statements the caller may see (the system owner: everyone, one after another; others: their
    own) as one PDF; with `user_id`, that one statement only (it must be one the caller may see)."""
    st, sessions = statements.with_session_costs(store, scope, st)
    lines = [x for x in st.lines if user_id is None or x.user_id == user_id]
    if not lines:
        raise statements.StatementError(_("no statement to print: no charging in this period that you may see"))
    who = statements.issuer(store)
    story: list = []
    for index, line in enumerate(lines):
        if index:
            story.append(PageBreak())
        story += statement_story(st, line, sessions[line.user_id], who)
    data = build(story, title=_("Charging statement {period}", period=_period(st)), footer=_footer(who, st),
                 author=who.name)
    if user_id is not None or len(lines) == 1 and not scope.see_all:
        name = statement_file_name(st, lines[0].name)
    else:
        name = statement_file_name(st, "all" if scope.see_all else scope.username)
    if log:  # else the page logs it when the file is downloaded
        store.log_export(scope, "Statements (PDF)", name, len(lines))
    return data, name


def statements_zip(store: Store, scope: Scope, st: Statements, *, log: bool = True) -> tuple[bytes, str]:
    """A ZIP holding one PDF per statement the caller may see (for sending each resident their own)."""
    st, sessions = statements.with_session_costs(store, scope, st)
    if not st.lines:
        raise statements.StatementError(_("no statement to print: no charging in this period that you may see"))
    who = statements.issuer(store)
    buffer = io.BytesIO()
    taken: set[str] = set()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for line in st.lines:
            data = build(statement_story(st, line, sessions[line.user_id], who),
                         title=_("Charging statement {period}", period=_period(st)) + f" – {line.name}",
                         footer=_footer(who, st),
                         author=who.name)
            name, n = statement_file_name(st, line.name), 1
            while name in taken:  # two residents of the same name
                n += 1
                name = statement_file_name(st, f"{line.name}-{n}")
            taken.add(name)
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    name = statement_file_name(st, "all" if scope.see_all else scope.username, "zip")
    if log:
        store.log_export(scope, "Statements (PDF, ZIP)", name, len(st.lines))
    return buffer.getvalue(), name
