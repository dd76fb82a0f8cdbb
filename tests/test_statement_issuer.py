"""The co-op details printed on statements, set in the browser (issue 10): the system owner saves
them on the Statements page through the same function the command line uses, and the next PDF
prints them; a resident or a charger owner neither sees the form nor can save through the function."""

from __future__ import annotations

import io
from datetime import date

import pytest
import support
from pypdf import PdfReader
from test_app import page_as

from chargeboard import accounts, pdf, settings, statements, web
from chargeboard.scope import system_scope

Q1 = statements.StatementRequest(date(2025, 1, 1), date(2025, 3, 31))
NEW_NAME = "Solbakken borettslag"
NEW_ADDRESS = "Solbakken 12\n0458 Oslo\nOrg.nr. 912 345 678"


def statements_page(login):
    return page_as(login, "statements")


def first_page_text() -> str:
    store = web.app_store()
    data, _ = pdf.statements_pdf(store, system_scope(), statements.build_statements(store, system_scope(), Q1))
    return " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def test_the_system_owner_saves_the_co_op_details_and_the_next_pdf_prints_them(own_store_env):
    at = statements_page(support.STYRET)
    assert NEW_NAME not in first_page_text()
    name = next(t for t in at.text_input if t.label == "Co-op name")
    address = next(t for t in at.text_area if t.label.startswith("Address"))
    assert name.value == "Testlaget"  # not set yet: the installation's name, as the PDF prints it

    name.input("   ")  # refused: nothing saved, one line saying why
    next(b for b in at.button if b.label == "Save co-op details").click().run()
    assert [e.value for e in at.error] == [f"Not saved: the co-op's name (1–{statements.ISSUER_NAME_MAX} "
                                           f"characters) and address (up to {statements.ISSUER_ADDRESS_MAX}) "
                                           "are needed."]
    assert statements.issuer(web.app_store()) == statements.Issuer("Testlaget", "")

    name = next(t for t in at.text_input if t.label == "Co-op name")
    address = next(t for t in at.text_area if t.label.startswith("Address"))
    name.input(NEW_NAME)
    address.input(NEW_ADDRESS)
    next(b for b in at.button if b.label == "Save co-op details").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("Saved" in s.value for s in at.success)
    assert at.text[0].value == f"{NEW_NAME}\n{NEW_ADDRESS}"  # what the PDF prints, shown
    text = first_page_text()
    assert NEW_NAME in text and "Solbakken 12" in text and "0458 Oslo" in text and "Org.nr. 912 345 678" in text


@pytest.mark.parametrize("login", [support.RESIDENT, support.OWNER], ids=lambda x: x.role)
def test_residents_and_charger_owners_neither_see_nor_use_the_form(own_store_env, login):
    at = statements_page(login)
    assert "Co-op details on statements" not in [e.label for e in at.expander]
    assert not [t for t in at.text_input if t.label == "Co-op name"]
    scope = accounts.scope_for(accounts.find_account(login.username, settings.auth_path()), web.app_store())
    with pytest.raises(statements.StatementError, match="only the system owner"):
        statements.set_issuer(web.app_store(), scope, "Mine now", "")
    assert statements.issuer(web.app_store()).name == "Testlaget"
