"""Issue 30, item 5: a closed billing run's statements by e-mail, through a real SMTP server (aiosmtpd on
127.0.0.1, the handlers of test_mail.py). The co-op: 200 dwellings built with the register's own functions
(dwellings.py), a feed user each, sessions ingested from a CSV feed (support.csv_row), November 2026 closed
with runs.close. Dwelling 1 is a couple (both get the mail), dwelling 2's owner reads English, dwelling 3's
owner has no e-mail address (listed, not skipped)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import support
from pypdf import PdfReader
from test_mail import Dropper, Recorder, Refuser, configure, smtp_server

from chargeboard import i18n, statements, tariffs
from chargeboard.billing import billing_settings, dwellings, invoices, mailing, model, run_statement, runs
from chargeboard.billing.billed_rows import billed
from chargeboard.ingest import ingest_file
from chargeboard.mail import sender
from chargeboard.mail.settings import MailError
from chargeboard.scope import RESIDENT, Scope, system_scope

BOARD = system_scope()
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
DWELLINGS = 200
INST = "Testlaget"


@pytest.fixture(autouse=True)
def sync_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARGEBOARD_SYNC_KEY", raising=False)
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))


def number(i: int) -> str:
    return f"H{i:04d}"


def email(i: int) -> str:
    return f"eier{i}@example.no"


def build(store, tmp_path, count: int = DWELLINGS) -> int:
    """The co-op with `count` dwellings, November closed: the run's number."""
    rows = []
    for i in range(1, count + 1):
        rows.append(support.csv_row(f"s{i}a", station="st-1", user_id=f"u{i}", user_name=f"Beboer {i}",
                                    start=f"2026-11-{i % 28 + 1:02d}T18:00:00+01:00",
                                    end=f"2026-11-{i % 28 + 1:02d}T19:00:00+01:00", kwh=f"{i % 17 + 1}.{i:03d}"))
        rows.append(support.csv_row(f"s{i}b", station="st-2", user_id=f"u{i}", user_name=f"Beboer {i}",
                                    start="2026-11-29T07:00:00+01:00", end="2026-11-29T08:00:00+01:00", kwh="2.5"))
    ingest_file(store, support.write_csv(tmp_path / "feeds" / "november.csv", rows), installation=INST)
    tariffs.add_version(store, "styret", date(2024, 1, 1), "1.37", monthly_fee="25")
    for i in range(1, count + 1):
        dwelling = dwellings.add_dwelling(store, "styret", INST, number(i), section_number=str(i),
                                          share_number=f"{1000 + i}")
        dwellings.add_member(store, "styret", dwelling, "user", f"u{i}", "2020-01-01")
        if i == 3:
            dwellings.add_owner(store, "styret", dwelling, dwellings.NewOwner(f"Eier {i}"), "2020-01-01")
            continue
        dwellings.add_owner(store, "styret", dwelling, dwellings.NewOwner(
            f"Eier {i}", email(i), language="en" if i == 2 else ("nb" if i % 2 else None)), "2020-01-01")
        if i == 1:  # a couple: the partner came later and is not the payer, but gets the mail too
            dwellings.add_owner(store, "styret", dwelling, dwellings.NewOwner("Partner 1", "partner1@example.no"),
                                "2021-06-01")
    return runs.close(store, BOARD, *NOVEMBER, by="styret")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def the_pdf(mail) -> tuple[str, bytes]:
    (part,) = list(mail.iter_attachments())
    return part.get_filename(), part.get_content()


def amount_of(run: model.Run, dwelling_number: str) -> Decimal:
    return sum((x.amount for x in run.lines if x.dwelling_number == dwelling_number), Decimal(0))


def test_every_owner_gets_exactly_one_mail_with_the_right_pdf_and_a_couple_both(store, tmp_path):
    run_id = build(store, tmp_path)
    run = model.load(store, run_id)
    assert len(run.billed()) == DWELLINGS
    plan = mailing.plan(store, BOARD, run_id, default_language="nb")
    assert plan.attachment == "statement" and plan.batch == f"run {run_id}"
    assert [(m.dwelling_number, m.name, m.reason_text) for m in plan.missing] == [
        ("H0003", "Eier 3", "no e-mail address: print it")]
    assert len(plan.recipients) == DWELLINGS  # 199 owners with an address, and the partner
    handler = Recorder()
    with smtp_server(handler) as port:
        configure(store, port)
        report = mailing.send_run(store, BOARD, run_id, by="styret", default_language="nb")
        again = mailing.send_run(store, BOARD, run_id, by="styret", default_language="nb")  # a double click
    assert len(report.sent) == DWELLINGS and not (report.failed or report.refused or report.error)
    assert not again.sent and len(again.already_sent) == DWELLINGS
    got = handler.by_recipient()
    assert len(handler.received) == DWELLINGS and all(len(mails) == 1 for mails in got.values())
    assert sorted(got) == sorted([email(i) for i in range(1, DWELLINGS + 1) if i != 3] + ["partner1@example.no"])
    for i in (1, 2, 4, 57, 200):
        (mail,) = got[email(i)]
        name, data = the_pdf(mail)
        assert name.endswith(".pdf") and number(i).lower() in name and data.startswith(b"%PDF")
        text = pdf_text(data)
        total = amount_of(run, number(i))
        lang = "en" if i == 2 else "nb"
        with i18n.language(lang):
            assert statements.money_text(total, "NOK") in text and number(i) in text
            assert f"{1000 + i}" in text  # the share number
        assert mail["Content-Language"] == lang
    # the couple: the same statement (the payer's), each addressed by name
    (kari,), (partner,) = got[email(1)], got["partner1@example.no"]
    assert the_pdf(kari) == the_pdf(partner)
    assert "Eier 1" in kari.get_body(("plain",)).get_content()
    assert "Partner 1" in partner.get_body(("plain",)).get_content()
    assert mailing.counts(store, BOARD, run_id) == {"sent": DWELLINGS, "refused": 0, "failed": 0, "sending": 0}


def test_the_owners_language_picks_the_subject_and_text(store, tmp_path):
    run_id = build(store, tmp_path, count=4)
    by_to = {m.to: m for m in mailing.messages(store, BOARD, run_id, default_language="en")}
    issuer = statements.issuer(store).name
    assert by_to[email(1)].subject == f"{issuer}: lading 01.11.2026–30.11.2026, bolig H0001"
    assert by_to[email(1)].text.startswith("Hei Eier 1,") and by_to[email(1)].language == "nb"
    assert by_to[email(2)].subject == f"{issuer}: charging 01.11.2026–30.11.2026, dwelling H0002"
    assert by_to[email(2)].text.startswith("Hello Eier 2,") and by_to[email(2)].language == "en"
    # an owner with no language reads the co-op's default
    assert by_to[email(4)].language == "en"
    assert mailing.messages(store, BOARD, run_id, default_language="nb")[-1].language == "nb"


def test_the_run_statement_is_the_same_bytes_again_and_an_invoice_replaces_it_once_issued(store, tmp_path):
    run_id = build(store, tmp_path, count=4)
    first = {m.key: m.attachments for m in mailing.messages(store, BOARD, run_id, default_language="nb")}
    second = {m.key: m.attachments for m in mailing.messages(store, BOARD, run_id, default_language="nb")}
    assert first == second
    run = model.load(store, run_id)
    row = billed(run)[0]
    text = pdf_text(run_statement.run_statement_pdf(statements.issuer(store), run, row, "en"))
    assert "Late sessions" in text and "rounded once" in text and "Dwelling H0001" in text

    billing_settings.save(store, BOARD, account_number="12345678903")
    issued = invoices.issue(store, BOARD, run_id)
    assert mailing.plan(store, BOARD, run_id).attachment == "invoice"
    for message in mailing.messages(store, BOARD, run_id, default_language="en"):
        ((name, data, mime),) = message.attachments
        dwelling_id = int(message.key.split()[3])
        invoice = next(x for x in issued if x.dwelling_id == dwelling_id)
        assert name.startswith(f"invoice_{invoice.invoice_number}_") and mime == "application/pdf"
        assert data == invoices.invoice_pdf(store, run, invoice)
        assert str(invoice.invoice_number) in message.text


def test_a_refused_recipient_is_logged_and_resent_alone(store, tmp_path):
    run_id = build(store, tmp_path, count=12)
    handler = Refuser({email(7)})
    with smtp_server(handler) as port:
        configure(store, port)
        report = mailing.send_run(store, BOARD, run_id, by="styret")
        assert len(report.refused) == 1 and len(report.sent) == 11  # 10 owners and the partner
        row = next(r for r in sender.log_rows(store, BOARD, f"run {run_id}") if r["status"] == "refused")
        assert row["recipient"] == email(7) and row["detail"].startswith("550")
        assert mailing.counts(store, BOARD, run_id)["refused"] == 1
        handler.unknown.clear()
        before = len(handler.received)
        again = mailing.resend_failed_of_run(store, BOARD, run_id, by="styret")
    assert len(again.sent) == 1 and len(again.already_sent) == 11
    assert [rcpts for rcpts, _data in handler.received[before:]] == [[email(7)]]
    (mail,) = handler.by_recipient()[email(7)]
    assert number(7) in pdf_text(the_pdf(mail)[1])
    with store.transaction(changes_data=False) as cur:  # the run's own log says who sent what
        events = cur.execute("SELECT done_by, detail FROM billing_run_events WHERE run_id = ? AND action = 'mail' "
                             "ORDER BY happened_at", [run_id]).fetchall()
    assert events == [("styret", "send: sent 11, refused 1, failed 0, unknown 0"),
                      ("styret", "resend failed: sent 1, refused 0, failed 0, unknown 0")]


def test_a_server_dropping_the_connection_half_way_then_sending_again_sends_only_the_rest(store, tmp_path):
    run_id = build(store, tmp_path, count=60)
    handler = Dropper(after=25)
    with smtp_server(handler) as port:
        configure(store, port)
        report = mailing.send_run(store, BOARD, run_id, by="styret")
        assert len(report.sent) == 25 and len(report.failed) == 1 and report.error
        assert mailing.counts(store, BOARD, run_id) == {"sent": 25, "refused": 0, "failed": 1, "sending": 0}
        handler.times = handler.drops  # the server is back
        again = mailing.send_run(store, BOARD, run_id, by="styret")
    assert len(again.sent) == 60 - 1 + 1 - 25 and len(again.already_sent) == 25  # 59 owners + the partner
    got = handler.by_recipient()
    assert len(got) == 60 and all(len(mails) == 1 for mails in got.values())


def test_only_the_system_owner_plans_or_sends(store, tmp_path):
    run_id = build(store, tmp_path, count=2)
    for scope in (Scope("kari", RESIDENT, user_ids=("u1",)), Scope("per", "charger_owner", station_ids=("st-1",))):
        with pytest.raises(MailError):
            mailing.plan(store, scope, run_id)
        with pytest.raises(MailError):
            mailing.send_run(store, scope, run_id, by=scope.username)
    with pytest.raises(MailError, match="No mail settings"):
        mailing.send_run(store, BOARD, run_id, by="styret")
    with pytest.raises(model.RunNotFound):
        mailing.plan(store, BOARD, run_id + 1)


@pytest.mark.parametrize("rule", ["by_ownership", "owner_at_end"])
def test_a_flat_sold_in_the_period_mails_whoever_pays_by_the_rule(store, tmp_path, rule):
    """Sold on 16 November: under by_ownership the seller and the buyer each get their own part; under
    owner_at_end only the buyer (the owner on the period's last day) pays and is mailed."""
    rows = [support.csv_row("early", station="st-1", user_id="u1", start="2026-11-02T18:00:00+01:00",
                            end="2026-11-02T19:00:00+01:00", kwh="10.000"),
            support.csv_row("late", station="st-1", user_id="u1", start="2026-11-29T18:00:00+01:00",
                            end="2026-11-29T19:00:00+01:00", kwh="20.000")]
    ingest_file(store, support.write_csv(tmp_path / "feeds" / "sale.csv", rows), installation=INST)
    tariffs.add_version(store, "styret", date(2024, 1, 1), "1.37", monthly_fee="25")
    flat = dwellings.add_dwelling(store, "styret", INST, "H0101", share_number="1001")
    dwellings.add_member(store, "styret", flat, "user", "u1", "2020-01-01")
    dwellings.add_owner(store, "styret", flat, dwellings.NewOwner("Selger", "selger@example.no"), "2020-01-01")
    dwellings.transfer(store, "styret", flat, [dwellings.NewOwner("Kjøper", "kjoper@example.no", language="en")],
                       "2026-11-16")
    split = runs.close(store, BOARD, *NOVEMBER, payer_rule=rule, by="styret")
    by_to = {m.to: m for m in mailing.messages(store, BOARD, split, default_language="nb")}
    run = model.load(store, split)
    if rule == "owner_at_end":
        assert list(by_to) == ["kjoper@example.no"] and by_to["kjoper@example.no"].language == "en"
        assert [x.payer.name for x in run.lines] == ["Kjøper"]
        return
    assert sorted(by_to) == ["kjoper@example.no", "selger@example.no"]
    for address, name in (("selger@example.no", "Selger"), ("kjoper@example.no", "Kjøper")):
        paid = sum((x.amount for x in run.lines if x.payer.name == name), Decimal(0))
        ((_file, data, _mime),) = by_to[address].attachments
        with i18n.language(by_to[address].language):
            assert statements.money_text(paid, "NOK") in pdf_text(data)
    assert "selger" in next(r.key for r in mailing.plan(store, BOARD, split).recipients if r.name == "Selger")

    runs.reopen(store, BOARD, split, by="styret")  # (a correction run with no differences: nothing to mail)
    assert mailing.plan(store, BOARD, split + 1).recipients == []
