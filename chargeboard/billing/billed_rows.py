"""A closed run's lines grouped as they are billed: one row per dwelling and paying owner (Run.billed()),
with the texts its lines carry. Shared by the files (files.py) and the invoices (invoices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chargeboard.billing import billing_settings
from chargeboard.billing.model import Payer, Run, RunLine


@dataclass(frozen=True)
class Billed:
    """One dwelling and paying owner of a run: a row of the business manager's list, an order, an invoice."""
    dwelling_id: int
    dwelling_number: str
    section_number: str | None
    share_number: str | None
    payer: Payer | None
    lines: tuple[RunLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((x.amount for x in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((x.vat for x in self.lines), Decimal("0.00"))

    @property
    def energy_wh(self) -> int:
        return sum(x.energy_wh for x in self.lines)


def billed(run: Run) -> list[Billed]:
    """The run's dwellings and paying owners in the order of their first line."""
    out = []
    for lines in run.billed().values():
        first = lines[0]
        out.append(Billed(first.dwelling_id, first.dwelling_number, first.section_number, first.share_number,
                          first.payer, tuple(lines)))
    return out


def period_text(first: date, last: date) -> str:
    """'01.11.2026–30.11.2026' (the business manager's form, whatever the language)."""
    return f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"


def line_text(run: Run, line: RunLine) -> str:
    """What a line says: its own text, else the default line text with the run's period."""
    return line.text.strip() or billing_settings.DEFAULT_LINE_TEXT.format(
        period=period_text(line.day_from, line.day_to) if line.kind == "late" else period_text(run.period_from,
                                                                                               run.period_to))


def texts(run: Run, row: Billed) -> str:
    """The texts of a row's lines, each once, joined by ' / '."""
    return " / ".join(dict.fromkeys(line_text(run, x) for x in row.lines))
