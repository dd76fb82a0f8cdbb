"""Outgoing mail (issues 30 item 5 and 31 item 1): the SMTP settings with their encrypted password, and
the sending rules (never twice, resend only the failed, a broken connection) against a real SMTP
server: aiosmtpd, started here on 127.0.0.1, whose handlers record, refuse or drop."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from chargeboard import cli
from chargeboard.mail import sender, settings
from chargeboard.mail.sender import Message
from chargeboard.scope import RESIDENT, Scope, system_scope
from chargeboard.store import Store

ROOT = Path(__file__).resolve().parents[1]
BOARD = system_scope()


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Accepts everything and keeps each message: (envelope recipients, the message's bytes)."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 Message accepted for delivery"

    def by_recipient(self) -> dict[str, list]:
        found: dict[str, list] = {}
        for rcpts, data in self.received:
            for rcpt in rcpts:
                found.setdefault(rcpt, []).append(message_from_bytes(data, policy=default_policy))
        return found


class Refuser(Recorder):
    """Refuses the recipients in `unknown` with 550, as a server that does not know the address."""

    def __init__(self, unknown: set[str]):
        super().__init__()
        self.unknown = unknown

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"


class Dropper(Recorder):
    """After `after` accepted messages, cuts the connection at the next MAIL FROM, `times` times
    (None: until healed), without an answer."""

    def __init__(self, after: int, times: int | None = None):
        super().__init__()
        self.after, self.times, self.drops = after, times, 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if len(self.received) >= self.after and (self.times is None or self.drops < self.times):
            self.drops += 1
            server.transport.abort()
            return "421 never read"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class SwallowAndDrop(Recorder):
    """Takes the message whole (it is recorded) and cuts the connection before answering: the sender
    cannot know whether it was delivered."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return "250 never read"


@contextlib.contextmanager
def smtp_server(handler, **kwargs):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def sync_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARGEBOARD_SYNC_KEY", raising=False)
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))


def configure(store: Store, port: int | str, **changes) -> None:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "username": "", "password": None,
              "sender": "Borettslaget Test <styret@example.no>", "by": "styret"} | changes
    settings.save_settings(store, BOARD, **values)


def statement(i: int, to: str | None = None) -> Message:
    pdf = b"%PDF-1.7\n" + f"statement of dwelling {i}\n".encode() + bytes(range(256)) * (i % 5 + 1)
    return Message(key=f"run 7 dwelling {i} owner 1", to=to or f"owner{i}@example.no",
                   subject=f"Ladeoppgjør mars 2025, leilighet {i}", text=f"Hei!\nVedlagt er oppgjøret for leilighet {i}.",
                   attachments=[(f"oppgjor-{i}.pdf", pdf, "application/pdf")], language="nb")


def attachment_of(mail) -> tuple[str, bytes]:
    (part,) = list(mail.iter_attachments())
    return part.get_filename(), part.get_content()


def statuses(store: Store, batch: str = "run 7") -> dict[str, str]:
    return {row["message_key"]: row["status"] for row in sender.log_rows(store, BOARD, batch)}


def test_200_statements_each_owner_gets_exactly_one_with_the_right_pdf(store):
    handler = Recorder()
    messages = [statement(i) for i in range(200)]
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.send_all(store, BOARD, "run 7", messages, by="styret")
        again = sender.send_all(store, BOARD, "run 7", messages, by="styret")  # a second click: nothing
    assert len(report.sent) == 200 and not (report.failed or report.refused or report.error)
    assert len(again.already_sent) == 200 and not again.sent
    got = handler.by_recipient()
    assert len(handler.received) == 200 and sorted(got) == sorted(m.to for m in messages)
    for message in messages:
        (mail,) = got[message.to]
        assert mail["Subject"] == message.subject and mail["To"] == message.to
        assert mail["From"] == "Borettslaget Test <styret@example.no>"
        assert mail["Content-Language"] == "nb"
        assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == message.text
        assert attachment_of(mail) == (message.attachments[0][0], message.attachments[0][1])
    rows = sender.log_rows(store, BOARD, "run 7")
    assert {r["status"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}
    assert all(r["detail"].startswith("250") for r in rows)


def test_a_refused_recipient_is_logged_with_the_servers_answer_and_resent_alone(store):
    handler = Refuser({"owner3@example.no"})
    messages = [statement(i) for i in range(6)]
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.send_all(store, BOARD, "run 7", messages, by="styret")
        assert report.refused == [messages[3].key] and len(report.sent) == 5
        row = next(r for r in sender.log_rows(store, BOARD, "run 7") if r["status"] == "refused")
        assert row["recipient"] == "owner3@example.no" and row["detail"].startswith("550 5.1.1")
        assert "User unknown" in row["detail"]
        frame = sender.log_frame(store, BOARD, "run 7")
        assert set(frame["Status"]) == {"Sent", "Refused by the server"}

        nothing = sender.resend_failed(store, BOARD, "run 7", messages, by="styret")  # still refused
        assert nothing.refused == [messages[3].key] and not nothing.sent and len(nothing.already_sent) == 5
        handler.unknown.clear()  # the address was fixed at the server's side
        before = len(handler.received)
        again = sender.resend_failed(store, BOARD, "run 7", messages, by="styret")
    assert again.sent == [messages[3].key] and len(again.already_sent) == 5
    assert [rcpts for rcpts, _ in handler.received[before:]] == [["owner3@example.no"]]
    assert statuses(store)[messages[3].key] == "sent"
    assert next(r for r in sender.log_rows(store, BOARD) if r["message_key"] == messages[3].key)["attempts"] == 3


def test_resend_failed_never_sends_a_message_never_tried(store):
    handler = Recorder()
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.resend_failed(store, BOARD, "run 7", [statement(1)], by="styret")
    assert report.not_picked == [statement(1).key] and not handler.received and not statuses(store)


def test_a_connection_dropped_half_way_sending_again_sends_only_the_rest(store):
    handler = Dropper(after=80)  # from the 81st on, every connection is cut at MAIL FROM
    messages = [statement(i) for i in range(200)]
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.send_all(store, BOARD, "run 7", messages, by="styret")
        assert len(report.sent) == 80 and report.failed == [messages[80].key]
        assert report.not_tried == [m.key for m in messages[81:]] and report.error
        assert handler.drops == 2  # the first cut, and once more on the connection opened again
        logged = statuses(store)
        assert len(logged) == 81 and logged[messages[80].key] == "failed"  # the rest has no row yet

        handler.times = handler.drops  # the server is back
        again = sender.send_all(store, BOARD, "run 7", messages, by="styret")
    assert len(again.sent) == 120 and len(again.already_sent) == 80
    got = handler.by_recipient()
    assert sorted(got) == sorted(m.to for m in messages) and all(len(v) == 1 for v in got.values())
    assert set(statuses(store).values()) == {"sent"}


_SEND_IN_A_PROCESS = """
import sys
from chargeboard.mail import sender
from chargeboard.mail.smtp import Message
from chargeboard.scope import system_scope
from chargeboard.store import Store
store = Store(sys.argv[1])
messages = [Message(key=f"run 7 dwelling {i} owner 1", to=f"owner{i}@example.no", subject=f"Oppgjør {i}",
                    text="Vedlagt.", attachments=[(f"oppgjor-{i}.pdf", b"%PDF-" + str(i).encode(), "application/pdf")])
            for i in range(200)]
print("sending", flush=True)
sender.send_all(store, system_scope(), "run 7", messages, by="styret")
"""


class Slow(Recorder):
    async def handle_DATA(self, server, session, envelope):
        import asyncio  # noqa: PLC0415

        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


def test_the_app_killed_half_way_sending_again_sends_only_the_rest(store, db_path):
    """A real kill (SIGKILL) of the sending process mid-batch: sending again delivers every message not yet
    delivered, none twice; the one in flight, if any, is unknown and sent only when asked explicitly."""
    import time  # noqa: PLC0415

    handler = Slow()
    messages = [Message(key=f"run 7 dwelling {i} owner 1", to=f"owner{i}@example.no", subject=f"Oppgjør {i}",
                        text="Vedlagt.", attachments=[(f"oppgjor-{i}.pdf", b"%PDF-" + str(i).encode(), "application/pdf")])
                for i in range(200)]
    with smtp_server(handler) as port:
        configure(store, port)
        store.close()
        process = subprocess.Popen([sys.executable, "-c", _SEND_IN_A_PROCESS, str(db_path)], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(handler.received) < 50 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)
        process.kill()
        process.wait(30)
        assert 50 <= len(handler.received) < 200, process.stderr.read().decode()
        with contextlib.closing(Store(db_path)) as reopened:
            logged = statuses(reopened)
            assert set(logged.values()) <= {"sent", "sending"} and len(logged) < 200
            again = sender.send_all(reopened, BOARD, "run 7", messages, by="styret")
            unknown = [key for key, status in statuses(reopened).items() if status == "sending"]
            assert len(unknown) <= 1 and again.already_unknown == unknown
            got = handler.by_recipient()
            assert all(len(v) == 1 for v in got.values())
            missing = sorted(m.key for m in messages if m.to not in got)
            assert missing == sorted(m.key for m in messages if m.to not in got and m.key in unknown)
            # A person checked: what the server never got is resent, explicitly.
            sender.resend_unknown(reopened, BOARD, "run 7", [m for m in messages if m.key in missing], by="styret")
    got = handler.by_recipient()
    assert sorted(got) == sorted(m.to for m in messages) and all(len(v) == 1 for v in got.values())
    for message in messages:
        assert attachment_of(got[message.to][0]) == (message.attachments[0][0], message.attachments[0][1])


def test_one_drop_is_bridged_by_connecting_again_once(store):
    handler = Dropper(after=10, times=1)
    messages = [statement(i) for i in range(30)]
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.send_all(store, BOARD, "run 7", messages, by="styret")
    assert len(report.sent) == 30 and not report.failed and handler.drops == 1
    assert sorted(handler.by_recipient()) == sorted(m.to for m in messages)


def test_two_threads_sending_the_same_batch_at_once_send_each_message_once(store):
    handler = Recorder()
    messages = [statement(i) for i in range(60)]
    reports = []
    with smtp_server(handler) as port:
        configure(store, port)
        start = threading.Barrier(2)

        def click():
            start.wait()
            reports.append(sender.send_all(store, BOARD, "run 7", messages, by="styret"))

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    got = handler.by_recipient()
    assert len(handler.received) == 60 and all(len(v) == 1 for v in got.values())
    assert sorted(reports[0].sent + reports[1].sent) == sorted(m.key for m in messages)
    assert set(statuses(store).values()) == {"sent"}


def test_a_send_stopped_between_claim_and_answer_is_unknown_and_resent_only_explicitly(store):
    handler = SwallowAndDrop()
    messages = [statement(i) for i in range(3)]
    with smtp_server(handler) as port:
        configure(store, port)
        report = sender.send_all(store, BOARD, "run 7", messages[:1], by="styret")
    assert report.unknown == [messages[0].key] and len(handler.received) == 1  # the server did take it
    row = sender.log_rows(store, BOARD, "run 7")[0]
    assert row["status"] == "sending" and "connection broke after the message was sent" in row["detail"]
    assert list(sender.log_frame(store, BOARD, "run 7")["Status"]) == ["Unknown — not resent automatically"]

    # A crash between the claim and the answer leaves the same row: written here as the claim does it.
    assert sender._claim(store, "run 7", messages[1], "styret")
    handler = Recorder()
    with smtp_server(handler) as port:
        configure(store, port)
        again = sender.send_all(store, BOARD, "run 7", messages, by="styret")
        assert again.sent == [messages[2].key] and again.already_unknown == [m.key for m in messages[:2]]
        assert not sender.resend_failed(store, BOARD, "run 7", messages, by="styret").sent
        explicit = sender.resend_unknown(store, BOARD, "run 7", messages[1:2], by="styret")
    assert explicit.sent == [messages[1].key]
    assert sorted(handler.by_recipient()) == ["owner1@example.no", "owner2@example.no"]
    assert statuses(store) == {messages[0].key: "sending", messages[1].key: "sent", messages[2].key: "sent"}


def test_two_explicit_resends_of_an_unknown_message_at_once_send_it_once(store):
    handler = Recorder()
    message = statement(1)
    assert sender._claim(store, "run 7", message, "styret")  # left 'sending' by a crash
    reports = []
    with smtp_server(handler) as port:
        configure(store, port)
        start = threading.Barrier(4)

        def click():
            start.wait()
            reports.append(sender.resend_unknown(store, BOARD, "run 7", [message], by="styret"))

        threads = [threading.Thread(target=click) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(handler.received) == 1 and sum(len(r.sent) for r in reports) == 1
    assert statuses(store) == {message.key: "sent"}


def test_no_server_nothing_is_claimed_and_the_reason_is_given(store):
    configure(store, free_port())
    report = sender.send_all(store, BOARD, "run 7", [statement(1)], by="styret")
    assert report.error and report.not_tried == [statement(1).key] and not statuses(store)
    assert any("stopped" in line for line in report.lines())


def test_the_password_is_stored_encrypted_and_never_shown_back(store, db_path):
    secret = "Very-Secret-SMTP-pw-4711"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"styret" and auth_data.password == secret.encode()
        return AuthResult(success=ok, handled=False)

    handler = Recorder()
    with smtp_server(handler, authenticator=authenticate, auth_require_tls=False,
                     auth_exclude_mechanism=["LOGIN"]) as port:
        configure(store, port, username="styret", password=secret)
        shown = settings.get_settings(store, BOARD)
        assert shown.has_password and secret not in repr(shown) and secret not in repr(settings.connection(store, BOARD))
        assert sender.send_all(store, BOARD, "b", [statement(1)], by="styret").sent  # logged in with it
        # Saving again without a password keeps it; a wrong one fails the login.
        configure(store, port, username="styret", sender="styret@example.no")
        assert settings.send_test(store, BOARD, "kari@example.no")[0]
        configure(store, port, username="styret", password="wrong")
        ok, why = settings.send_test(store, BOARD, "kari@example.no")
        assert not ok and why.startswith("535")
        configure(store, port, username="styret", password=secret)
    store.close()
    data = db_path.read_bytes() + (db_path.with_name(db_path.name + ".wal").read_bytes()
                                   if db_path.with_name(db_path.name + ".wal").exists() else b"")
    assert secret.encode() not in data and b"wrong" not in data
    with contextlib.closing(Store(db_path)) as reopened:  # and read back with the sync key
        assert settings.connection(reopened, BOARD).password == secret


def test_only_the_system_owner_and_checked_values(store):
    resident = Scope(username="kari", role=RESIDENT, user_ids=("u1",))
    with pytest.raises(settings.MailError, match="Only the system owner"):
        settings.get_settings(store, resident)
    with pytest.raises(settings.MailError, match="Only the system owner"):
        sender.send_all(store, resident, "b", [statement(1)], by="kari")
    with pytest.raises(settings.MailError, match="No mail settings"):
        sender.send_all(store, BOARD, "b", [statement(1)], by="styret")
    for bad, match in (({"host": ""}, "host name"), ({"port": "99999"}, "Port"), ({"port": "x"}, "Port"),
                       ({"security": "ssl"}, "Security"), ({"sender": "styret"}, "not an e-mail address"),
                       ({"password": "pw"}, "needs a user name")):
        with pytest.raises(settings.MailError, match=match):
            configure(store, **({"port": 25} | bad))
    assert settings.get_settings(store, BOARD) is None


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost (its own authority) and its key, as PEM files."""
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_tls_with_the_servers_own_certificate(store, tmp_path, monkeypatch, security):
    import ssl  # noqa: PLC0415

    cert_file, key_file = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    secret = "Tls-only-pw-31337"

    def authenticate(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == secret.encode(), handled=False)

    handler = Recorder()
    tls = {"tls_context": server_context, "require_starttls": True} if security == "starttls" else \
        {"ssl_context": server_context, "auth_require_tls": False}  # aiosmtpd knows TLS only from STARTTLS
    with smtp_server(handler, authenticator=authenticate, auth_exclude_mechanism=["LOGIN"], **tls) as port:
        settings.save_settings(store, BOARD, host="localhost", port=port, security=security, username="styret",
                               password=secret, sender="styret@example.no", by="styret")
        ok, why = settings.send_test(store, BOARD, "kari@example.no")
        assert not ok and "certificate" in why.lower()  # not trusted: nothing sent, the password not given
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the installation's own authority
        ok, why = settings.send_test(store, BOARD, "kari@example.no")
        assert ok and why.startswith("250"), why
        report = sender.send_all(store, BOARD, "run 7", [statement(1)], by="styret")
    assert len(report.sent) == 1
    assert sorted(handler.by_recipient()) == ["kari@example.no", "owner1@example.no"]
    assert [r["recipient"] for r in sender.log_rows(store, BOARD)] == ["owner1@example.no"]  # no test mail


def test_the_command_line_sets_tests_and_lists(store, db_path, monkeypatch):
    store.close()
    handler = Recorder()
    with smtp_server(handler) as port:
        out = run_cli("mail", "settings", "--host", "127.0.0.1", "--port", str(port), "--security", "none",
                      "--sender", "styret@example.no", "--db", str(db_path))
        assert out.returncode == 0, out.stderr
        assert f"127.0.0.1:{port}" in out.stdout and "password: none" in out.stdout
        out = run_cli("mail", "test", "--to", "kari@example.no", "--db", str(db_path))
        assert out.returncode == 0, out.stderr
        assert list(handler.by_recipient()) == ["kari@example.no"]
        out = run_cli("mail", "test", "--to", "nobody", "--db", str(db_path))
        assert out.returncode == 2 and out.stderr.startswith("error: ") and "Traceback" not in out.stderr
        with contextlib.closing(Store(db_path)) as opened:
            sender.send_all(opened, BOARD, "run 7", [statement(1)], by="styret")
    out = run_cli("mail", "log", "--batch", "run 7", "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    assert "owner1@example.no\tSent\t1\t250" in out.stdout


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_while_the_app_serves_the_mail_commands_run_in_it(store, db_path, monkeypatch):
    """The app holds the store: `mail settings` (with a password asked on the command line's side) and
    `mail log` are handed over and run in the app's process."""
    import io  # noqa: PLC0415

    from chargeboard import handover  # noqa: PLC0415
    from chargeboard import settings as app_settings  # noqa: PLC0415

    store.close()
    spool = handover.open_spool(app_settings.inbox_dir(db_path), create=True)
    serving = Store(db_path, allowed_dirs=[spool.path])
    server = handover.start_server(serving, spool, cli.HANDED_OVER, log=io.StringIO())
    try:
        monkeypatch.setenv("CHARGEBOARD_SMTP_PASSWORD", "Handed-Over-pw-99")
        out = run_cli("mail", "settings", "--host", "smtp.example.no", "--user", "styret", "--ask-password",
                      "--sender", "styret@example.no", "--db", str(db_path))
        assert out.returncode == 0, out.stderr
        assert "running this command in the app's process" in out.stderr
        assert "smtp.example.no:587 (starttls)" in out.stdout and "password: stored (encrypted)" in out.stdout
        assert "Handed-Over-pw-99" not in out.stdout + out.stderr
        assert settings.connection(serving, BOARD).password == "Handed-Over-pw-99"
        out = run_cli("mail", "log", "--db", str(db_path))
        assert out.returncode == 0 and "no mail sent yet" in out.stderr
    finally:
        serving.close()
        server.thread.join(10)


def test_the_command_lines_security_choices_are_the_settings():
    assert cli.MAIL_SECURITY == settings.SECURITY


def test_the_system_owner_enters_the_settings_and_sends_a_test_mail_on_the_accounts_page(app_env):
    import support  # noqa: PLC0415
    from test_app import page_as, texts  # noqa: PLC0415

    handler = Recorder()
    with smtp_server(handler) as port:
        at = page_as(support.STYRET, "accounts")
        assert not any(b.label == "Send a test mail" for b in at.button)  # nothing to test before settings
        next(t for t in at.text_input if t.label == "SMTP server").input("127.0.0.1")
        next(n for n in at.number_input if n.label == "Port").set_value(port)
        next(s for s in at.selectbox if s.label == "Security").select("none")
        next(t for t in at.text_input if t.label == "SMTP user name").input("styret")
        next(t for t in at.text_input if t.label == "SMTP password").input("Page-pw-123456")
        next(t for t in at.text_input if t.label == "Sender").input("Styret <styret@example.no>")
        next(b for b in at.button if b.label == "Save the mail settings").click().run()
        assert not at.exception, at.exception
        assert "Saved the mail settings." in texts(at)
        assert "Page-pw-123456" not in texts(at) and next(
            t for t in at.text_input if t.label == "SMTP password").value == ""  # never shown back
        next(t for t in at.text_input if t.label == "Send a test mail to").input("kari@example.no")
        next(b for b in at.button if b.label == "Send a test mail").click().run()
        assert not at.exception, at.exception
        # The server asks for no login: smtplib cannot log in where AUTH is not offered, and says so.
        assert "The test mail was not sent" in texts(at)
        next(t for t in at.text_input if t.label == "SMTP user name").input("")
        next(c for c in at.checkbox if c.label == "Remove the stored password").check()
        next(b for b in at.button if b.label == "Save the mail settings").click().run()
        next(t for t in at.text_input if t.label == "Send a test mail to").input("kari@example.no")
        next(b for b in at.button if b.label == "Send a test mail").click().run()
        assert not at.exception, at.exception
        assert "Test mail sent to kari@example.no: 250" in texts(at)
    assert list(handler.by_recipient()) == ["kari@example.no"]
