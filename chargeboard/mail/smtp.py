"""One SMTP connection and one message over it, with every step's outcome told apart.

A message is delivered in three steps: MAIL FROM and RCPT TO (the server may refuse the recipient:
nothing was handed over), DATA (the message's bytes, ended by "."), then the server's answer to it.
A connection that breaks before the final "." went out means the message was not delivered (a server
discards a message it did not receive whole): `Dropped(handed_over=False)`, safe to send again. One
that breaks after it, while waiting for the answer, leaves it unknown whether the server took it:
`Dropped(handed_over=True)`; the sender never sends such a message again by itself.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr

TIMEOUT_SECONDS = 30.0  # each SMTP read and write: a server that stops answering fails the message, not the app


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str  # 'starttls', 'tls' or 'none'
    username: str
    sender: str  # "Borettslaget <styret@example.no>" or an address
    has_password: bool
    updated_at: datetime | None = None
    updated_by: str = ""

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


@dataclass(frozen=True)
class Connection:
    """What a send needs, with the password in clear: made in memory only, never stored or shown."""
    settings: MailSettings
    password: str = field(repr=False)

    def __repr__(self) -> str:  # a traceback or a log line never shows the password
        return f"Connection({self.settings!r}, password=…)"

    __str__ = __repr__


@dataclass(frozen=True)
class Message:
    """One e-mail to one address. `key` names it for ever (e.g. 'run 7 dwelling 12 owner 3'): a key
    is sent at most once (chargeboard.mail.sender). attachments: (file name, bytes, MIME type)."""
    key: str
    to: str
    subject: str
    text: str
    attachments: tuple[tuple[str, bytes, str], ...] | list = ()
    language: str | None = None  # 'nb' / 'en': the Content-Language of the text


@dataclass(frozen=True)
class Outcome:
    status: str  # 'sent', 'refused' (a 5xx answer: permanent) or 'failed' (a 4xx answer: try again later)
    detail: str  # the server's answer, e.g. "550 5.1.1 <ola@example.no>: no such user"


class Dropped(Exception):
    """The connection broke. handed_over: after the message's last byte went out (delivery unknown)."""

    def __init__(self, detail: str, handed_over: bool):
        super().__init__(detail)
        self.detail = detail
        self.handed_over = handed_over


def reason(error: BaseException) -> str:
    """One line for what went wrong with the server or the connection."""
    if isinstance(error, smtplib.SMTPResponseException):
        return answer(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"connection closed by the server ({error})" if str(error) else "connection closed by the server"
    if isinstance(error, socket.timeout | TimeoutError):
        return "no answer from the server (timed out)"
    if isinstance(error, ssl.SSLError):
        return f"TLS: {error.reason or error}"
    text = " ".join(str(error).split())
    return text or type(error).__name__


def answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())[:500]


def open_smtp(conn: Connection, timeout: float = TIMEOUT_SECONDS) -> smtplib.SMTP:
    """A connection as the settings say: TLS from the start, or STARTTLS (refused if the server does not
    offer it), with the system's certificate check ($SSL_CERT_FILE adds an own authority); logged in
    when a user and password are set. Raises OSError / smtplib.SMTPException."""
    settings = conn.settings
    context = ssl.create_default_context()
    if settings.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        server.ehlo()
        if settings.security == "starttls":
            server.starttls(context=context)
            server.ehlo()
        if settings.username and conn.password:
            server.login(settings.username, conn.password)
    except BaseException:
        server.close()
        raise
    return server


def mime_bytes(sender: str, message: Message) -> bytes:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = " ".join(message.subject.split())  # no line breaks: no header injection
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(domain=(parseaddr(sender)[1].rpartition("@")[2] or None))
    mime.set_content(message.text)
    for name, data, mime_type in message.attachments:
        maintype, _, subtype = (mime_type or "application/octet-stream").partition("/")
        mime.add_attachment(bytes(data), maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    if message.language:  # after the content: set_content and add_attachment rewrite the Content-* headers
        mime["Content-Language"] = message.language
    return mime.as_bytes(policy=SMTP_POLICY)


_EOLS = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


def _outcome(code: int, text: bytes) -> Outcome:
    if code == 421:  # the server is closing the connection: the message was not taken, send it on a new one
        raise Dropped(answer(code, text), handed_over=False)
    return Outcome("refused" if 500 <= code < 600 else "failed", answer(code, text))


def _reset(server: smtplib.SMTP) -> None:
    try:
        server.rset()
    except (OSError, smtplib.SMTPException):
        pass  # the next MAIL FROM finds out


def deliver(server: smtplib.SMTP, sender: str, message: Message) -> Outcome:
    """Send one message on an open connection: its Outcome, or Dropped when the connection breaks."""
    data = mime_bytes(sender, message)
    try:
        code, text = server.mail(parseaddr(sender)[1])
        if code != 250:
            _reset(server)
            return _outcome(code, text)
        code, text = server.rcpt(message.to)
        if code not in (250, 251):
            _reset(server)
            return _outcome(code, text)
        code, text = server.docmd("DATA")
        if code != 354:
            _reset(server)
            return _outcome(code, text)
        # As smtplib.SMTP.data: CRLF line ends, a leading "." doubled, ended by CRLF "." CRLF.
        body = _LEADING_DOT.sub(b"..", _EOLS.sub(b"\r\n", data))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        server.send(body + b".\r\n")
    except (OSError, smtplib.SMTPServerDisconnected) as error:
        raise Dropped(reason(error), handed_over=False) from None
    try:
        code, text = server.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as error:
        raise Dropped(reason(error), handed_over=True) from None
    if code == 250:
        return Outcome("sent", answer(code, text))
    return _outcome(code, text)  # a 421 here too: refused, not taken
