"""Sending a batch of messages (a billing run's statements, invitations, alerts) at most once each.

The rules, for every caller:
- A message is known by its key for ever. Before its SMTP transaction begins, its mail_log row is
  written 'sending' in a transaction of its own, committed; a key already 'sent' or 'sending' is not
  sent. The claim runs under the store's write lock, so two browser threads sending the same batch at
  once (a double click) each send a different part, and a restart half-way sends only the rest.
- After the transaction: 'sent' (250), 'refused' (a 5xx answer, kept: e.g. the server does not know
  the recipient) or 'failed' (a 4xx answer, or the connection could not be used).
- One SMTP connection for the batch. When it breaks before a message was handed over, it is opened
  again once and the message sent on it; a second break before any message got through stops the
  batch: that message is 'failed' and the rest are not tried (no row), so sending again sends them.
- A message whose connection broke after its last byte went out (the server may have taken it), or
  whose sender stopped (the app was killed) between the claim and the answer, stays 'sending'. It is
  shown as "Unknown — not resent automatically": neither send_all nor resend_failed sends it; only
  resend_unknown does, when someone has checked (asked the recipient) that it did not arrive. Sending
  it by itself could deliver a statement twice; not sending it could lose one: a person decides.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from chargeboard.i18n import N_, _
from chargeboard.mail import settings, smtp
from chargeboard.mail.smtp import Dropped, Message
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

__all__ = ["Message", "SendReport", "log_frame", "log_rows", "resend_failed", "resend_unknown", "send_all"]

STATUS_TITLES = {
    "sent": N_("Sent"),
    "refused": N_("Refused by the server"),
    "failed": N_("Failed (can be resent)"),
    "sending": N_("Unknown — not resent automatically"),
}


@dataclass
class SendReport:
    """What one call did, by message key."""
    batch: str
    sent: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # connection broke after the message went out
    already_sent: list[str] = field(default_factory=list)
    already_unknown: list[str] = field(default_factory=list)  # 'sending' before this call (elsewhere, or a crash)
    not_picked: list[str] = field(default_factory=list)  # not of the kind this call sends (e.g. resend_failed)
    not_tried: list[str] = field(default_factory=list)  # the batch stopped first (no row written)
    error: str = ""  # why the batch stopped, if it did

    def lines(self) -> list[str]:
        counts = [(self.sent, N_("sent: {count}")), (self.refused, N_("refused by the server: {count}")),
                  (self.failed, N_("failed: {count}")),
                  (self.unknown, N_("unknown (the connection broke after sending): {count}")),
                  (self.already_sent, N_("sent before, not again: {count}")),
                  (self.already_unknown, N_("unknown before, not resent automatically: {count}")),
                  (self.not_tried, N_("not tried: {count}"))]
        lines = [_(text, count=len(keys)) for keys, text in counts if keys]
        if self.error:
            lines.append(_("stopped: {reason}", reason=self.error))
        return lines or [_("nothing to send")]


def send_all(store: Store, scope: Scope, batch: str, messages: Iterable[Message], by: str) -> SendReport:
    """Send every message of the batch that was never sent: new keys, and those refused or failed before.
    Never one whose key is 'sent' or 'sending' (see the module's rules)."""
    return _send(store, scope, batch, list(messages), by, lambda status: status in (None, "refused", "failed"))


def resend_failed(store: Store, scope: Scope, batch: str, messages: Iterable[Message], by: str) -> SendReport:
    """Send again only the messages whose last try was refused or failed (after the address was fixed,
    or the server is back). Never a new one, a sent one or an unknown one."""
    return _send(store, scope, batch, list(messages), by, lambda status: status in ("refused", "failed"))


def resend_unknown(store: Store, scope: Scope, batch: str, messages: Iterable[Message], by: str) -> SendReport:
    """Send the messages left 'sending' (unknown), after a person checked they did not arrive: the one
    explicit way such a message is sent again."""
    return _send(store, scope, batch, list(messages), by, lambda status: status == "sending", unknown_too=True)


def _claim(store: Store, batch: str, message: Message, by: str, unknown_too: bool = False,
           seen_attempts: int = 0) -> bool:
    """Write the message's row 'sending' (committed) if it may be sent now; False if another call has it."""
    with store.transaction(changes_data=False) as cur:
        claimed = cur.execute(query_text("mail_log_claim"), {
            "message_key": message.key, "batch": batch, "recipient": message.to, "subject": message.subject,
            "sent_by": by, "unknown_too": unknown_too, "seen_attempts": seen_attempts}).fetchall()
    return bool(claimed)


def _finish(store: Store, key: str, status: str, detail: str) -> None:
    with store.transaction(changes_data=False) as cur:
        cur.execute(query_text("mail_log_finish"), {"message_key": key, "status": status, "detail": detail})


def _note(store: Store, key: str, detail: str) -> None:
    with store.transaction(changes_data=False) as cur:
        cur.execute(query_text("mail_log_note"), {"message_key": key, "detail": detail})


def _statuses(store: Store, keys: list[str]) -> dict[str, tuple[str, int]]:
    """key -> (status, attempts) of the keys that have a row."""
    rows = store.rows("mail_log_statuses", message_keys=keys) if keys else []
    return {key: (status, attempts) for key, status, attempts in rows}


def _send(store: Store, scope: Scope, batch: str, messages: list[Message], by: str,
          pick: Callable[[str | None], bool], unknown_too: bool = False) -> SendReport:
    report = SendReport(batch)
    keys = [m.key for m in messages]
    if len(set(keys)) != len(keys):
        raise settings.MailError(_("Two messages of batch {batch} have the same key", batch=batch))
    conn = settings.connection(store, scope)  # MailError: no settings, not the system owner, a key changed
    before = _statuses(store, keys)
    todo: list[Message] = []
    for message in messages:
        status = before.get(message.key, (None, 0))[0]
        if pick(status):
            todo.append(message)
        elif status == "sent":
            report.already_sent.append(message.key)
        elif status == "sending":
            report.already_unknown.append(message.key)
        else:
            report.not_picked.append(message.key)
    if not todo:
        return report
    try:
        server: smtplib.SMTP | None = smtp.open_smtp(conn)
    except (OSError, smtplib.SMTPException) as error:  # nothing claimed: the log is unchanged
        report.error = smtp.reason(error)
        report.not_tried = [m.key for m in todo]
        return report
    fresh = False  # the connection was just opened again after a break, and nothing got through since
    try:
        for index, message in enumerate(todo):
            if not _claim(store, batch, message, by, unknown_too, before.get(message.key, (None, 0))[1]):
                status = _statuses(store, [message.key])[message.key][0]  # another thread or call has it
                (report.already_sent if status == "sent" else report.already_unknown).append(message.key)
                continue
            while True:
                try:
                    if server is None:
                        server = smtp.open_smtp(conn)
                    outcome = smtp.deliver(server, conn.settings.sender, message)
                except Dropped as drop:
                    _close(server)
                    server = None
                    if drop.handed_over:  # the server may have it: never sent again by itself
                        _note(store, message.key, _("connection broke after the message was sent: {reason}",
                                                    reason=drop.detail))
                        report.unknown.append(message.key)
                        fresh = True  # the next message opens it again: that is the once
                        break
                    if not fresh:
                        fresh = True
                        continue  # open it again once and send this message on it
                    _finish(store, message.key, "failed", drop.detail)
                    report.failed.append(message.key)
                    report.error = drop.detail
                    report.not_tried = [m.key for m in todo[index + 1:]]
                    return report
                except (OSError, smtplib.SMTPException, ValueError, TypeError, UnicodeError) as error:
                    # connecting again failed, or the message cannot be written: failed, not sent
                    _finish(store, message.key, "failed", smtp.reason(error))
                    report.failed.append(message.key)
                    if server is None:  # no connection: stop
                        report.error = smtp.reason(error)
                        report.not_tried = [m.key for m in todo[index + 1:]]
                        return report
                    break
                _finish(store, message.key, outcome.status, outcome.detail)
                getattr(report, outcome.status).append(message.key)
                fresh = False
                break
    finally:
        _close(server)
    return report


def _close(server: smtplib.SMTP | None) -> None:
    if server is None:
        return
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()


# -- the log, for the billing page and `mail log` ---------------------------------------------

def log_rows(store: Store, scope: Scope, batch: str | None = None) -> list[dict]:
    """The send log (one batch, or all), newest first: batch, message_key, recipient, subject, status
    ('sent', 'refused', 'failed', 'sending' = unknown), detail (the server's answer), attempts,
    first_at, last_at, sent_by. The system owner's only."""
    settings.only_the_system_owner(scope)
    columns = ("batch", "message_key", "recipient", "subject", "status", "detail", "attempts", "first_at",
               "last_at", "sent_by")
    return [dict(zip(columns, row, strict=True)) for row in store.rows("mail_log_rows", batch=batch)]


def status_title(status: str) -> str:
    return _(STATUS_TITLES[status])


def log_frame(store: Store, scope: Scope, batch: str | None = None) -> pd.DataFrame:
    """The log as the page shows it: recipient, status in words, the server's answer, attempts,
    first and last try, with column titles in the reader's language (draw it with widgets.table)."""
    rows = log_rows(store, scope, batch)
    titles = {"recipient": _("Recipient"), "status": _("Status"), "detail": _("Server's answer"),
              "attempts": _("Attempts"), "first_at": _("First try"), "last_at": _("Last try")}
    frame = pd.DataFrame(rows, columns=["recipient", "status", "detail", "attempts", "first_at", "last_at"])
    frame["status"] = frame["status"].map(status_title)
    return frame.rename(columns=titles)


def log_counts(store: Store, scope: Scope, batch: str) -> dict[str, int]:
    """How many messages of the batch have each status ('sent', 'refused', 'failed', 'sending')."""
    counts = dict.fromkeys(STATUS_TITLES, 0)
    for row in log_rows(store, scope, batch):
        counts[row["status"]] += 1
    return counts
