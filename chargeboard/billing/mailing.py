"""A closed run's statements by e-mail (issue 30, item 5): one message per dwelling and paying owner of the
run (billed_rows.billed) and per owner of that dwelling on the payer's day who has an e-mail address (a
couple: both get it), in the owner's language (dwelling_owners.language, else the co-op's default language:
the accounts file's), sent through chargeboard.mail.sender, which sends a message key at most once.

- Batch: 'run {id}'. Key: 'run {id} dwelling {dwelling_id} payer {owner_id} to {address}': an address fixed in
  the register later is a new message (the old one stays in the log as it ended).
- The payer's day: the last day of the group's lines on which the payer owned the dwelling (under
  'owner_at_end' the period's last day); the owners of that day receive the mail.
- Attachment: the group's invoice PDF when the run's invoices were issued (invoices.of_run), else the run's
  statement for the dwelling and payer (run_statement.run_statement_pdf, in the recipient's language). Both
  are the same bytes every time.
- Nobody is skipped silently: a group with no owner, and an owner without an e-mail address, are listed
  (MailPlan.missing) for the board to print and hand over.
Only the system owner plans or sends (sender refuses anyone else too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from chargeboard import formats, i18n, statements
from chargeboard.billing import billing_settings, invoices, model, run_statement
from chargeboard.billing.billed_rows import Billed, billed, period_text
from chargeboard.i18n import N_, _
from chargeboard.mail import sender
from chargeboard.mail.settings import MailError
from chargeboard.mail.smtp import Message
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

MISSING_REASONS = {"no_email": N_("no e-mail address: print it"),
                   "no_owner": N_("no owner registered: print it")}


@dataclass(frozen=True)
class Recipient:
    """One message of a run: one owner of one dwelling and payer."""
    key: str
    dwelling_id: int
    dwelling_number: str
    payer_owner_id: int
    owner_id: int
    name: str
    email: str
    language: str


@dataclass(frozen=True)
class Missing:
    """An owner the run's statement cannot be e-mailed to (reason: a MISSING_REASONS key)."""
    dwelling_number: str
    name: str
    reason: str

    @property
    def reason_text(self) -> str:
        return _(MISSING_REASONS[self.reason])


@dataclass
class MailPlan:
    run_id: int
    batch: str
    attachment: str                      # 'invoice' (the run's invoices were issued) or 'statement'
    recipients: list[Recipient] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


@dataclass(frozen=True)
class _Owner:
    owner_id: int
    dwelling_id: int
    name: str
    email: str | None
    language: str | None
    valid_from: date
    valid_until: date | None

    def owns_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


def batch_of(run_id: int) -> str:
    return f"run {run_id}"


def key_of(run_id: int, dwelling_id: int, payer_owner_id: int, email: str) -> str:
    return f"run {run_id} dwelling {dwelling_id} payer {payer_owner_id} to {email}"


def _only_the_system_owner(scope: Scope) -> None:
    if not scope.is_system_owner:
        raise MailError(_("Only the system owner may see or change the mail settings and send mail."))


def _payer_day(run: model.Run, row: Billed, payer: _Owner | None) -> date:
    """The last day of the row's lines on which the payer owned the dwelling (else the period's last day)."""
    best: date | None = None
    if payer is not None:
        for line in row.lines:
            last = line.day_to if payer.valid_until is None else min(line.day_to,
                                                                     payer.valid_until - timedelta(days=1))
            if last >= max(line.day_from, payer.valid_from) and (best is None or last > best):
                best = last
    return best or run.period_to


def _plan(store: Store, run: model.Run, default_language: str) -> tuple[MailPlan, list[tuple[Billed, Recipient]]]:
    owners: dict[int, list[_Owner]] = {}
    for row in store.rows("billing_mail_owners", run_id=run.run_id):
        owner = _Owner(*row)
        owners.setdefault(owner.dwelling_id, []).append(owner)
    issued = {(x.dwelling_id, x.payer_owner_id) for x in invoices.of_run(store, run.run_id)}
    plan = MailPlan(run.run_id, batch_of(run.run_id), "invoice" if issued else "statement")
    pairs: list[tuple[Billed, Recipient]] = []
    for row in billed(run):
        if row.payer is None:
            plan.missing.append(Missing(row.dwelling_number, "", "no_owner"))
            continue
        of_dwelling = owners.get(row.dwelling_id, [])
        payer = next((o for o in of_dwelling if o.owner_id == row.payer.owner_id), None)
        day = _payer_day(run, row, payer)
        that_day = [o for o in of_dwelling if o.owns_on(day)]
        if payer is not None and payer not in that_day:
            that_day.insert(0, payer)
        if payer is None:  # gone from the register: the payer as the run kept them
            that_day.insert(0, _Owner(row.payer.owner_id, row.dwelling_id, row.payer.name, row.payer.email,
                                      row.payer.language, run.period_from, None))
        addresses: set[str] = set()
        for owner in that_day:
            email = (owner.email or "").strip().lower()
            if not email:
                plan.missing.append(Missing(row.dwelling_number, owner.name, "no_email"))
                continue
            if email in addresses:  # a couple sharing one address: one mail
                continue
            addresses.add(email)
            recipient = Recipient(key_of(run.run_id, row.dwelling_id, row.payer.owner_id, email), row.dwelling_id,
                                  row.dwelling_number, row.payer.owner_id, owner.owner_id, owner.name, email,
                                  i18n.normal_language(owner.language, fallback=default_language))
            plan.recipients.append(recipient)
            pairs.append((row, recipient))
    return plan, pairs


def plan(store: Store, scope: Scope, run_id: int, *, default_language: str | None = None) -> MailPlan:
    """Who a run's statements go to, and who cannot get theirs by e-mail (no PDF is made: quick)."""
    _only_the_system_owner(scope)
    run = model.load(store, run_id)
    return _plan(store, run, default_language or billing_settings.coop_language())[0]


def _message(store: Store, run: model.Run, row: Billed, recipient: Recipient, issuer: statements.Issuer,
             invoice: invoices.Invoice | None, with_attachment: bool) -> Message:
    with i18n.language(recipient.language):
        period = period_text(run.period_from, run.period_to)
        amount = formats.money(row.amount, run.currency)
        subject = _("{issuer}: charging {period}, dwelling {number}", issuer=issuer.name, period=period,
                    number=row.dwelling_number)
        if invoice is not None:
            said = _("Attached is invoice {invoice} for the charging of dwelling {number} for {period}: {amount} "
                     "including VAT, due {due}.", invoice=invoice.invoice_number, number=row.dwelling_number,
                     period=period, amount=amount, due=formats.day(invoice.due_date))
        else:
            said = " ".join([_("Attached is the charging statement of dwelling {number} for {period}: {amount} "
                               "including VAT.", number=row.dwelling_number, period=period, amount=amount),
                             _("The amount is collected as the co-op has decided, e.g. on the common-cost "
                               "invoice.")])
        text = "\n\n".join([_("Hello {name},", name=recipient.name), said,
                            _("Questions about it? Reply to this e-mail."), _("Best regards") + "\n" + issuer.name])
    attachments: tuple = ()
    if with_attachment:
        if invoice is not None:
            name = f"invoice_{invoice.invoice_number}_{formats.file_name_part(row.dwelling_number, 'dwelling')}.pdf"
            attachments = ((name, invoices.invoice_pdf(store, run, invoice), run_statement.PDF_MIME),)
        else:
            attachments = ((run_statement.file_name(run, row),
                            run_statement.run_statement_pdf(issuer, run, row, recipient.language),
                            run_statement.PDF_MIME),)
    return Message(key=recipient.key, to=recipient.email, subject=subject, text=text, attachments=attachments,
                   language=recipient.language)


def messages(store: Store, scope: Scope, run_id: int, *, default_language: str | None = None,
             without_pdf: frozenset[str] | set[str] = frozenset()) -> list[Message]:
    """The run's messages, each with its PDF (none for the keys in `without_pdf`: keys already sent, which
    the sender never sends again)."""
    _only_the_system_owner(scope)
    run = model.load(store, run_id)
    _mail_plan, pairs = _plan(store, run, default_language or billing_settings.coop_language())
    by_payer = {(x.dwelling_id, x.payer_owner_id): x for x in invoices.of_run(store, run_id)}
    issuer = statements.issuer(store)
    return [_message(store, run, row, recipient, issuer, by_payer.get((row.dwelling_id, recipient.payer_owner_id)),
                     recipient.key not in without_pdf) for row, recipient in pairs]


def _sent_keys(store: Store, scope: Scope, run_id: int) -> set[str]:
    return {r["message_key"] for r in sender.log_rows(store, scope, batch_of(run_id)) if r["status"] == "sent"}


def _logged(store: Store, run_id: int, by: str, what: str, report: sender.SendReport) -> None:
    if not (report.sent or report.refused or report.failed or report.unknown):
        return
    detail = (f"{what}: sent {len(report.sent)}, refused {len(report.refused)}, failed {len(report.failed)}, "
              f"unknown {len(report.unknown)}" + (f"; stopped: {report.error}" if report.error else ""))
    with store.transaction(changes_data=False) as cur:
        cur.execute(query_text("billing_run_event_insert"), {"run_id": run_id, "done_by": by, "action": "mail",
                                                             "detail": detail})


def _send(store: Store, scope: Scope, run_id: int, by: str, default_language: str | None, send, action: str
          ) -> sender.SendReport:
    """The run's messages (PDFs only for those not sent yet) through `send`, the outcome logged on the run."""
    _only_the_system_owner(scope)
    found = messages(store, scope, run_id, default_language=default_language,
                     without_pdf=_sent_keys(store, scope, run_id))
    report = send(store, scope, batch_of(run_id), found, by)
    _logged(store, run_id, by, action, report)
    return report


def send_run(store: Store, scope: Scope, run_id: int, by: str, *,
             default_language: str | None = None) -> sender.SendReport:
    """Send every message of the run not sent yet (a second click, or a send after a crash, sends only the
    rest). MailError when there are no mail settings or the caller is not the system owner."""
    return _send(store, scope, run_id, by, default_language, sender.send_all, "send")


def resend_failed_of_run(store: Store, scope: Scope, run_id: int, by: str, *,
                         default_language: str | None = None) -> sender.SendReport:
    """Send again only the run's messages that were refused or failed (after the address or the server was
    fixed); never a new one, a sent one or an unknown one."""
    return _send(store, scope, run_id, by, default_language, sender.resend_failed, "resend failed")


def resend_unknown_of_run(store: Store, scope: Scope, run_id: int, by: str, *,
                          default_language: str | None = None) -> sender.SendReport:
    """Send the run's messages whose delivery is unknown (the connection broke after sending, or the app
    stopped half-way), after someone checked they did not arrive."""
    return _send(store, scope, run_id, by, default_language, sender.resend_unknown, "resend unknown")


def counts(store: Store, scope: Scope, run_id: int) -> dict[str, int]:
    """How many of the run's messages were sent, refused, failed, or are unknown ('sending')."""
    return sender.log_counts(store, scope, batch_of(run_id))
