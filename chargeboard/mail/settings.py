"""The SMTP settings: host, port, security (STARTTLS, TLS or none), login and sender.

Only the system owner reads or changes them. The password is stored as the cloud logins are
(chargeboard.credentials: a Fernet token of {username, password} under the sync key, which never
lives in the store); it is decrypted in memory when a mail is sent and never shown back, logged or
exported: `MailSettings` only says whether one is stored.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.utils import parseaddr

from chargeboard import credentials
from chargeboard.i18n import N_, _
from chargeboard.mail import smtp
from chargeboard.mail.smtp import Connection, MailSettings
from chargeboard.scope import Scope
from chargeboard.store import Store, query_text

SECURITY = ("starttls", "tls", "none")
SECURITY_TITLES = {"starttls": N_("STARTTLS (usually port 587)"), "tls": N_("TLS from the start (usually port 465)"),
                   "none": N_("None (only for a server on this machine or network)")}
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
MAX_TEXT = 320


class MailError(RuntimeError):
    """Mail settings refused, missing or unusable; the message is one line for the reader."""


def only_the_system_owner(scope: Scope) -> None:
    if not scope.is_system_owner:
        raise MailError(_("Only the system owner may see or change the mail settings and send mail."))


def _stored(store: Store) -> tuple[MailSettings, str | None] | None:
    row = store.one("mail_settings_get")
    if not row:
        return None
    host, port, security, username, token, sender, updated_at, updated_by = row
    return MailSettings(host, int(port), security, username or "", sender, bool(token), updated_at, updated_by), token


def get_settings(store: Store, scope: Scope) -> MailSettings | None:
    """The stored settings (None when there are none yet), without the password."""
    only_the_system_owner(scope)
    found = _stored(store)
    return found[0] if found else None


def _checked_address(text: str, what: str) -> str:
    name, address = parseaddr(text)
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or any(c.isspace() or c in "<>,;" for c in address):
        raise MailError(_("{what}: {text!r} is not an e-mail address", what=what, text=text))
    return address


def save_settings(store: Store, scope: Scope, *, host: str, port: int | str, security: str, username: str,
                  password: str | None, sender: str, by: str) -> MailSettings:
    """Store the settings. password None keeps the stored one (if the user is the same); "" removes it.
    Refused with one line naming the field: an empty host, a port outside 1-65535, an unknown
    security, a sender that is not an address ("Name <address>" is fine)."""
    only_the_system_owner(scope)
    host, username, sender = host.strip(), (username or "").strip(), sender.strip()
    if not host or len(host) > MAX_TEXT or any(c.isspace() or c in "/@" for c in host):
        raise MailError(_("SMTP server: {text!r} is not a host name", text=host))
    try:
        port = int(str(port).strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise MailError(_("Port: a number from 1 to 65535"))
    if security not in SECURITY:
        raise MailError(_("Security: one of {choices}", choices=", ".join(SECURITY)))
    if len(sender) > MAX_TEXT or len(username) > MAX_TEXT:
        raise MailError(_("Sender and user name: at most {count} characters", count=MAX_TEXT))
    _checked_address(sender, _("Sender"))
    found = _stored(store)
    if password is None and found is not None and found[1]:
        try:
            kept = credentials.decrypt(found[1], "the stored SMTP password")
        except credentials.CredentialError as error:  # the sync key changed: enter the password again
            raise MailError(str(error)) from None
        password = kept.password if kept.username == username else None
        if password is None:
            raise MailError(_("The user name changed: enter its password too"))
    if password and not username:
        raise MailError(_("A password needs a user name"))
    token = credentials.encrypt(credentials.Login(username, password)) if password else None
    with store.transaction(changes_data=False) as cur:
        cur.execute(query_text("mail_settings_put"),
                    {"host": host, "port": port, "security": security, "username": username or None,
                     "password_token": token, "sender": sender, "updated_by": by})
    return get_settings(store, scope)


def connection(store: Store, scope: Scope) -> Connection:
    """The stored settings with the password decrypted (in memory), for a send."""
    only_the_system_owner(scope)
    found = _stored(store)
    if found is None:
        raise MailError(_("No mail settings yet: the system owner enters them on the Accounts page"))
    settings, token = found
    password = ""
    if token:
        try:
            password = credentials.decrypt(token, "the stored SMTP password").password
        except credentials.CredentialError as error:
            raise MailError(str(error)) from None
    return Connection(settings, password)


def send_test(store: Store, scope: Scope, to: str) -> tuple[bool, str]:
    """Send a short test mail to `to` with the stored settings: (True, the server's answer) or
    (False, what went wrong), in one line. Nothing is written to the mail log."""
    only_the_system_owner(scope)
    address = _checked_address(to, _("Recipient"))
    conn = connection(store, scope)
    message = smtp.Message(key="test", to=address, subject=_("Chargeboard: test mail"),
                           text=_("This is a test mail from Chargeboard. The mail settings work."))
    try:
        with contextlib.closing(smtp.open_smtp(conn)) as server:
            outcome = smtp.deliver(server, conn.settings.sender, message)
    except (OSError, smtplib.SMTPException) as error:
        return False, smtp.reason(error)
    return outcome.status == "sent", outcome.detail
