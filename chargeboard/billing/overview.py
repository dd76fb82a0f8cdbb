"""What the Billing page shows, as tables and sentences in the reader's language: the preview of a period
before it is closed, the runs, a run's lines, what a run says (late sessions, corrections, carry-overs,
sessions with no dwelling) and the carry-over ledger. Every figure is the run's (runs.py) or the
statements' (dwelling_statements.py): nothing is computed again here. The system owner's alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from chargeboard import formats, periods
from chargeboard.billing import runs
from chargeboard.billing.billed_rows import period_text
from chargeboard.billing.dwelling_statements import BillingError, dwelling_statements, dwellings
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

MONTHLY_ROUTINE = (N_("The monthly routine: close → export → e-mail"), N_("""\
Once a month (or quarter) the board bills the charging in three steps:

1. **Close the period.** Pick the dates (last month is filled in), look at the preview, then press *Close*. \
The run keeps what each dwelling pays, who pays it and the prices used. It never changes afterwards: \
sessions that arrive late (a charger that was offline) are billed in the next run, as a dated line. \
Amounts under the minimum are carried over to the next run.
2. **Export.** Download the business manager's list (or the Tripletex file) and send it to whoever \
collects the money. If the co-op invoices the residents itself, issue the invoices and download them.
3. **E-mail.** Press *Send* to e-mail each owner their statement (or invoice) as a PDF. \
Pressing it again sends only what was not sent. Owners with no e-mail address are listed: print theirs.

A wrong run can be reopened by the system owner: that makes a correction run with the differences only."""))

KIND_TITLES = {"period": N_("Charging"), "fees": N_("Fixed fee"), "late": N_("Late sessions"),
               "correction": N_("Correction"), "carried_in": N_("Carried over from an earlier run")}
RULE_TITLES = {"owner_at_end": N_("The owner on the period's last day pays"),
               "by_ownership": N_("Each session is paid by the owner on its day")}
RUN_KIND_TITLES = {"regular": N_("Regular"), "correction": N_("Correction")}


def last_month() -> tuple[date, date]:
    """The default period to close: last month (local dates)."""
    return periods.preset_range("Last month", periods.local_today())


def _kwh(wh: int) -> Decimal:
    return Decimal(wh) / 1000


def preview(store: Store, scope: Scope, date_from: date, date_to: date, payer_rule: str) -> tuple[pd.DataFrame, int,
                                                                                                   Decimal, str]:
    """The period as a run would bill it now: (lines per dwelling and payer, sessions with no dwelling, total,
    currency). Nothing is stored. The system owner's alone (a resident's narrowed lines are no preview)."""
    if not scope.is_system_owner:
        raise BillingError(_("only the system owner closes, reopens and reads billing runs"))
    runs.refuse_closed(store, date_from, date_to)  # a closed period is no preview (nor priced on every rerun)
    ds = dwelling_statements(store, scope, date_from, date_to, payer_rule)
    rows = [{_("Dwelling"): x.number, _("Payer"): x.payer_name or _("(no owner registered)"),
             _("Sessions"): x.sessions, "kWh": float(_kwh(x.energy_wh)),
             _("Amount incl. VAT"): float(x.amount), _("VAT"): float(x.vat)}
            for x in ds.lines if x.dwelling_id is not None]
    nowhere = sum(x.sessions for x in ds.lines if x.dwelling_id is None)
    return pd.DataFrame(rows), nowhere, ds.total, ds.currency


def runs_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """Every run, newest first."""
    return pd.DataFrame([{
        _("Run"): r.run_id, _("Kind"): _(RUN_KIND_TITLES.get(r.kind, r.kind)) + (
            f" ({_('corrects run {run}', run=r.corrects_run)})" if r.corrects_run else ""),
        _("Period"): period_text(r.period_from, r.period_to), _("Lines"): r.lines,
        _("Total"): formats.money(r.total, r.currency), _("Closed"): formats.moment(r.closed_at),
        _("Closed by"): r.closed_by} for r in runs.runs(store, scope)])


def run_lines_frame(store: Store, scope: Scope, run_id: int) -> pd.DataFrame:
    """A run's lines: dwelling, owner, kind, period, kWh, amount and VAT."""
    run = runs.load(store, scope, run_id)
    return pd.DataFrame([{
        _("Dwelling"): x.dwelling_number, _("Owner"): x.payer.name if x.payer else _("(no owner registered)"),
        _("Kind"): _(KIND_TITLES.get(x.kind, x.kind)), _("Period"): period_text(x.day_from, x.day_to),
        "kWh": float(_kwh(x.energy_wh)), _("Amount incl. VAT"): float(x.amount), _("VAT"): float(x.vat)}
        for x in run.lines])


def run_says(store: Store, scope: Scope, run_id: int) -> list[str]:
    """What the run says, in plain sentences."""
    said = runs.summary(store, scope, run_id)
    run = runs.load(store, scope, run_id)
    numbers = {d.dwelling_id: d.number for d in dwellings(store).values()}
    cur = run.currency
    out = [_("{sessions} sessions of the period, {kwh} kWh.", sessions=formats.integer(said["period"]["sessions"]),
             kwh=formats.decimal(_kwh(said["period"]["energy_wh"]), 3))]
    late = said.get("late", {})
    if late.get("sessions"):
        out.append(_("{sessions} late sessions of earlier billed periods ({kwh} kWh) are billed in this run.",
                     sessions=formats.integer(late["sessions"]), kwh=formats.decimal(_kwh(late["energy_wh"]), 3)))
    corrections = said.get("corrections", {})
    if corrections.get("sessions"):
        out.append(_("{sessions} sessions changed after they were billed: the differences are billed as "
                     "corrections.", sessions=formats.integer(corrections["sessions"])))
    nowhere = said.get("no_dwelling", {})
    if nowhere.get("sessions"):
        out.append(_("{sessions} sessions ({kwh} kWh) belong to no dwelling and are billed to no one: attach their "
                     "tag, user or station to a dwelling on the Dwellings page.",
                     sessions=formats.integer(nowhere["sessions"]), kwh=formats.decimal(_kwh(nowhere["energy_wh"]), 3)))
    for carried in said.get("carried_over", []):
        out.append(_("Dwelling {number}: {amount} is under the minimum and carried over to the next run.",
                     number=numbers.get(carried["dwelling_id"], carried["dwelling_id"]),
                     amount=formats.money(Decimal(carried["amount"]), cur)))
    for carried in said.get("carried_in", []):
        out.append(_("Dwelling {number}: {amount} carried over from run {run} is billed now.",
                     number=numbers.get(carried["dwelling_id"], carried["dwelling_id"]),
                     amount=formats.money(Decimal(carried["amount"]), cur), run=carried["from_run"]))
    return out


def ledger_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """The carry-over ledger: each amount carried, by which run, and which run billed it."""
    numbers = {d.dwelling_id: d.number for d in dwellings(store).values()}
    return pd.DataFrame([{
        _("Carried by run"): run_id, _("Dwelling"): numbers.get(dwelling_id, str(dwelling_id)),
        _("Amount incl. VAT"): float(amount), _("VAT"): float(vat),
        _("Billed by run"): str(taken) if taken is not None else _("not yet")}
        for run_id, dwelling_id, _payer, amount, vat, taken in runs.ledger(store, scope)])
