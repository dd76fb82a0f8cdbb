"""A closed billing run as the files, invoices and e-mails read it: loaded from the store, never changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from chargeboard.store import Store


class RunNotFound(LookupError):
    """No billing run has that number."""


@dataclass(frozen=True)
class Payer:
    """The owner who pays a line (dwelling_owners)."""
    owner_id: int
    name: str
    email: str | None
    customer_number: str | None
    language: str | None


@dataclass(frozen=True)
class RunLine:
    line_no: int
    dwelling_id: int
    dwelling_number: str
    section_number: str | None
    share_number: str | None
    installation_id: str
    payer: Payer | None
    kind: str                  # 'period', 'late', 'carried_in', 'correction', 'fees'
    day_from: date
    day_to: date               # included
    sessions: int
    energy_wh: int
    amount: Decimal            # incl. VAT, to the øre
    vat: Decimal
    text: str


@dataclass(frozen=True)
class Run:
    run_id: int
    kind: str                  # 'regular' or 'correction'
    period_from: date
    period_to: date
    payer_rule: str
    minimum_amount: Decimal
    currency: str
    corrects_run: int | None
    closed_at: datetime
    closed_by: str
    lines: tuple[RunLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.lines), Decimal(0))

    def billed(self) -> dict[tuple[int, int | None], list[RunLine]]:
        """The lines by (dwelling, paying owner): one invoice / business-manager row each."""
        out: dict[tuple[int, int | None], list[RunLine]] = {}
        for line in self.lines:
            out.setdefault((line.dwelling_id, line.payer.owner_id if line.payer else None), []).append(line)
        return out


def load(store: Store, run_id: int) -> Run:
    """A closed run with its lines (line order), or RunNotFound."""
    head = store.rows("billing_run_by_id", run_id=run_id)
    if not head:
        raise RunNotFound(run_id)
    (run_id, kind, period_from, period_to, payer_rule, minimum, currency, corrects, closed_at, closed_by) = head[0]
    lines = []
    for (line_no, dwelling_id, number, section, share, installation, owner_id, name, email, customer, language,
         line_kind, day_from, day_to, sessions, wh, amount, vat, text) in store.rows("billing_run_lines_of",
                                                                                   run_id=run_id):
        payer = Payer(owner_id, name, email, customer, language) if owner_id is not None else None
        lines.append(RunLine(line_no, dwelling_id, number, section, share, installation, payer, line_kind, day_from,
                             day_to, sessions, wh, amount, vat, text))
    return Run(run_id, kind, period_from, period_to, payer_rule, minimum, currency, corrects, closed_at, closed_by,
               tuple(lines))
