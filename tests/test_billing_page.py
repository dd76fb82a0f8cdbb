"""The Billing page (issue 30): the system owner's monthly routine in the app — the billing settings, closing
a period after its preview, the run and what it says, the download buttons, the e-mail section (its Send
button off until the mail settings exist, owners without e-mail listed), and every other role refused."""

from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path

import support
from test_app import REFUSED, ROOT, fresh, log_in, page_as, texts
from test_mail import Recorder, configure, smtp_server

from chargeboard import accounts, tariffs
from chargeboard.billing import dwellings as dw
from chargeboard.store import Store

INST = "Testlaget"


def register(db: Path) -> None:
    """Kari's and Ola's flats: Kari has an e-mail address, Ola has none."""
    with contextlib.closing(Store(db)) as store:
        tariffs.add_version(store, "styret", date(2024, 1, 1), "1.37", monthly_fee="25")
        kari = dw.add_dwelling(store, "styret", INST, "H0101", share_number="17")
        dw.add_member(store, "styret", kari, "user", support.KARI.user_id, "2020-01-01")
        dw.add_owner(store, "styret", kari, dw.NewOwner("Kari Nordmann", "kari@example.org"), "2020-01-01")
        ola = dw.add_dwelling(store, "styret", INST, "H0102", share_number="18")
        dw.add_member(store, "styret", ola, "user", support.OLA.user_id, "2020-01-01")
        dw.add_owner(store, "styret", ola, dw.NewOwner("Ola Hansen"), "2020-01-01")


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def frame_with(at, *columns: str):
    """The first table of the page with these columns."""
    return next(f.value for f in at.dataframe if set(columns) <= set(f.value.columns))


def download_labels(at) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]


def test_the_system_owner_closes_a_period_and_sees_the_run_the_files_and_the_mail(own_store_env):
    register(Path(os.environ["CHARGEBOARD_DB"]))
    at = page_as(support.STYRET, "billing")
    assert "No billing run yet" in texts(at)
    assert "The monthly routine: close → export → e-mail" in [e.label for e in at.expander]

    # (a) the settings
    at.text_input(key="bs_account").input("1234 56 78903")
    at.text_input(key="bs_minimum").input("0")
    at.text_input(key="bs_vat").input("25")
    button(at, "Save the billing settings").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Saved the billing settings." in texts(at)
    at.text_input(key="bs_account").input("1234 56 78904")  # a wrong check digit is refused, with why
    button(at, "Save the billing settings").click().run()
    assert any("is not a Norwegian account number" in e.value for e in at.error)

    # (b) the first quarter of 2025: its preview, then closed after the confirmation
    at.date_input(key="bill_from").set_value(date(2025, 1, 1))
    at.date_input(key="bill_to").set_value(date(2025, 3, 31)).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Dwellings to bill"] == "2"
    assert metrics["Sessions with no dwelling"] == str(len(support.NON_VOID) - 3 - 2)  # all but Kari's and Ola's
    preview = frame_with(at, "Dwelling", "Payer")
    assert list(preview["Dwelling"]) == ["H0101", "H0102"]
    button(at, "Close the period").click().run()  # not confirmed: nothing closed
    assert "Tick the box to confirm first." in texts(at) and "No billing run yet" in texts(at)
    at.checkbox(key="bill_close_sure").check()
    button(at, "Close the period").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Closed: billing run 1." in texts(at)

    # (c) the run: its lines and what it says
    lines = frame_with(at, "Dwelling", "Kind")
    assert set(lines["Dwelling"]) == {"H0101", "H0102"}
    assert {"Owner", "Kind", "Period", "kWh", "Amount incl. VAT", "VAT"} <= set(lines.columns)
    assert "belong to no dwelling and are billed to no one" in texts(at)

    # (d) the files, (e) the mail: no settings yet, so Send is off, with the way to Accounts
    assert download_labels(at)[:2] == ["Download the business manager's list (CSV)",
                                       "Download the Tripletex order import (CSV)"]
    assert "Issue the invoices and prepare the ZIP" in [b.label for b in at.button]
    assert button(at, "Send the statements").disabled
    assert "enters them on the [Accounts](accounts) page" in texts(at)
    assert "1 owner cannot get theirs by e-mail: print it." in texts(at)
    missing = frame_with(at, "What to do")
    assert list(missing["Owner"]) == ["Ola Hansen"] and list(missing["What to do"]) == ["no e-mail address: print it"]

    # the invoices behind their own button
    button(at, "Issue the invoices and prepare the ZIP").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Download the invoices (ZIP of PDFs)" in download_labels(at)
    assert "Each owner gets the invoice as a PDF." in texts(at)


def test_a_resident_and_a_charger_owner_are_refused_the_billing_page(own_store_env):
    for login in (support.RESIDENT, support.OWNER):
        at = log_in(fresh(str(ROOT / "pages" / "billing.py")), login.username, login.password)
        assert not at.exception, at.exception
        assert [e.value for e in at.error] == [REFUSED]
        assert not [b for b in at.button if b.label in ("Close the period", "Send the statements")]
        assert len(at.dataframe) == 0 and "Billing runs" not in texts(at)


def close_first_quarter(at):
    at.date_input(key="bill_from").set_value(date(2025, 1, 1))
    at.date_input(key="bill_to").set_value(date(2025, 3, 31)).run()
    at.checkbox(key="bill_close_sure").check()
    button(at, "Close the period").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_send_e_mails_each_owner_once_however_often_it_is_pressed(own_store_env, tmp_path, monkeypatch):
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(tmp_path / "sync-key"))
    db = Path(os.environ["CHARGEBOARD_DB"])
    register(db)
    handler = Recorder()
    with smtp_server(handler) as port:
        with contextlib.closing(Store(db)) as store:
            configure(store, port)
        at = page_as(support.STYRET, "billing")
        close_first_quarter(at)
        assert not button(at, "Send the statements").disabled
        assert button(at, "Resend the failed").disabled  # nothing failed
        button(at, "Send the statements").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert "sent: 1" in texts(at)
        assert {m.label: m.value for m in at.metric}["Sent"] == "1"
        button(at, "Send the statements").click().run()  # pressed again: nothing more goes out
        assert "sent before, not again: 1" in texts(at)
    assert [rcpts for rcpts, _data in handler.received] == [["kari@example.org"]]
    log = frame_with(at, "Recipient", "Status")
    assert list(log["Recipient"]) == ["kari@example.org"] and list(log["Status"]) == ["Sent"]


def test_the_billing_page_speaks_norwegian(own_store_env):
    register(Path(os.environ["CHARGEBOARD_DB"]))
    accounts.set_language("styret", "nb")
    at = page_as(support.STYRET, "billing")
    assert [t.value for t in at.title] == ["Fakturering"]
    assert "Månedsrutinen: lukk → eksporter → e-post" in [e.label for e in at.expander]
    assert "Ingen faktureringskjøring ennå: lukk en periode over." in texts(at)
    assert "Boliger å fakturere" in {m.label for m in at.metric}
    assert "Lukk perioden" in [b.label for b in at.button]
