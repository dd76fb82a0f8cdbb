"""The first-run checklist (issue 31, item 3): chargeboard.onboarding on real stores, and the box on the
system owner's landing page (AppTest)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import support
from conftest import serve_in_app
from test_app import fresh, log_in, settle, texts

from chargeboard import datasources, i18n, meters, onboarding, statements, sync, tariffs, web
from chargeboard.billing import billing_settings, dwellings
from chargeboard.ingest import ingest_file
from chargeboard.scope import CHARGER_OWNER, RESIDENT, SYSTEM_OWNER, Scope, system_scope
from chargeboard.store import Store

BOARD = Scope(username="styret", role=SYSTEM_OWNER, see_all=True)
ACCOUNT = "12345678903"  # a valid Norwegian account number (test_billing_files.py)
KEYS = ["installation", "data", "tariff", "coop_details", "meter_readings", "residents", "dwellings",
        "billing_settings"]


def done(store: Store, auth: Path) -> set[str]:
    return {step.key for step in onboarding.checklist(store, BOARD, auth) if step.done}


def test_a_new_empty_store_shows_eight_steps_none_done(store, tmp_path):
    steps = onboarding.checklist(store, BOARD, tmp_path / "no-accounts.yaml")
    assert [s.key for s in steps] == KEYS
    assert onboarding.done_count(steps) == 0
    assert onboarding.heading(steps) == "Getting started: 0 of 8 done"
    assert onboarding.box_shown(steps, hidden=False)
    assert not onboarding.box_shown(steps, hidden=True)
    offered = {p.file for p in web.PAGES if SYSTEM_OWNER in p.roles}
    for step in steps:  # each links to a page the system owner is offered, and says what to do
        assert step.page in offered, step
        assert step.title and step.what.endswith(".")


def test_each_step_ticks_itself_when_its_data_arrives(store, feeds, tmp_path):
    auth = tmp_path / "accounts.yaml"
    expected: set[str] = set()

    def ticks(key: str) -> None:
        expected.add(key)
        assert done(store, auth) == expected

    installation = datasources.create_installation(store, "Testlaget")
    ticks("installation")
    ingest_file(store, feeds.zaptec([support.zaptec_record("s-1")]), installation=installation)
    ticks("data")
    tariffs.add_version(store, "styret", date(2025, 1, 1), "2.50")
    ticks("tariff")
    statements.set_issuer(store, system_scope(), "Testlaget borettslag", "Gata 1\n0001 Oslo")
    ticks("coop_details")
    meters.register_meter(store, "M-1", installation)
    assert done(store, auth) == expected  # a meter without a reading is not the step
    meters.add_reading(store, "styret", "M-1", datetime(2025, 1, 1, 0, 0), "1000.5")
    ticks("meter_readings")
    support.write_accounts(auth, [support.STYRET, support.OWNER])
    assert done(store, auth) == expected  # a charger owner is not a resident
    support.write_accounts(auth, [support.STYRET, support.RESIDENT])
    ticks("residents")
    dwellings.add_dwelling(store, "styret", installation, "H0101")
    ticks("dwellings")
    billing_settings.save(store, BOARD, due_days="20")
    assert done(store, auth) == expected  # settings saved without an account number are not the step
    billing_settings.save(store, BOARD, account_number=ACCOUNT)
    ticks("billing_settings")
    steps = onboarding.checklist(store, BOARD, auth)
    assert onboarding.heading(steps) == "Getting started: 8 of 8 done"
    assert not onboarding.box_shown(steps, hidden=False)


def test_a_cloud_connection_counts_as_data_before_its_first_session(store, tmp_path):
    sync.add_connection(store, "zaptec", sync.Login("board@example.org", "pw-123456"), api_url="http://127.0.0.1:9")
    assert done(store, tmp_path / "none.yaml") == {"data"}


@pytest.mark.parametrize("role", [RESIDENT, CHARGER_OWNER])
def test_only_the_system_owner_gets_a_checklist(store, tmp_path, role):
    other = Scope(username="x", role=role, user_ids=("u-1",))
    assert onboarding.checklist(store, other, tmp_path / "a.yaml") == []
    assert not onboarding.view(store, other, tmp_path / "a.yaml").box_shown
    with pytest.raises(onboarding.NotYours):
        onboarding.set_box_hidden(store, other, True)
    assert not onboarding.box_hidden(store)


def test_hiding_the_box_is_kept_in_the_store_until_shown_again(db_path, tmp_path):
    auth = tmp_path / "none.yaml"
    store = Store(db_path)
    assert onboarding.view(store, BOARD, auth).box_shown
    onboarding.set_box_hidden(store, BOARD, True)
    store.close()
    store = Store(db_path)  # reopened: still hidden
    try:
        hidden = onboarding.view(store, BOARD, auth)
        assert hidden.hidden and not hidden.box_shown and len(hidden.steps) == 8
        onboarding.set_box_hidden(store, BOARD, False)
        assert onboarding.view(store, BOARD, auth).box_shown
    finally:
        store.close()


# -- the box on the landing page (AppTest) -------------------------------------------------------------

HEADING_START = "Getting started:"


def _box_links(at) -> list:
    return [link for link in at.main.page_link if "(done)" in link.value or "(to do)" in link.value]


@pytest.fixture
def empty_store_env(tmp_path, auth_template, monkeypatch):
    """The app on a new, empty store (the test accounts: one system owner, a charger owner, two residents)."""
    yield from serve_in_app(tmp_path / "new.duckdb", auth_template, tmp_path, monkeypatch)


def test_the_system_owner_sees_the_box_on_an_empty_store_with_a_link_a_step(empty_store_env):
    at = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
    assert not at.exception, at.exception
    shown = texts(at.main)
    assert "Getting started: 1 of 8 done" in shown  # the test accounts hold residents already
    links = _box_links(at)
    assert [link.value for link in links] == [
        "Add your charging site (to do)", "Load the charging history (to do)", "Set the price (to do)",
        "Enter the co-op's name and address (to do)", "Enter a meter reading (to do)", "Add the residents (done)",
        "List the dwellings (to do)", "Enter the bank account (to do)"]
    assert [link.proto.icon for link in links].count(":material/check_circle:") == 1
    assert {link.proto.page for link in links} == {"data_sources", "tariffs", "statements", "reconciliation",
                                                   "accounts", "dwellings", "billing"}
    # Hidden for the store (the next login too); still in full on Data sources, where it can be shown again.
    next(b for b in at.button if b.label == "Hide").click().run()
    assert HEADING_START not in texts(at.main) and not _box_links(at)
    again = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
    assert HEADING_START not in texts(again.main) and not _box_links(again)
    at.switch_page("pages/data_sources.py").run()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander if e.label.startswith(HEADING_START)] == ["Getting started: 1 of 8 done"]
    assert len(_box_links(at)) == 8
    next(b for b in at.button if b.label == "Show the list on the dashboard again").click().run()
    assert not any(b.label == "Show the list on the dashboard again" for b in at.button)
    at.switch_page("pages/dashboard.py").run()
    assert "Getting started: 1 of 8 done" in texts(at.main)


@pytest.mark.parametrize("login", [support.RESIDENT, support.OWNER], ids=["resident", "charger_owner"])
def test_a_resident_and_a_charger_owner_never_see_it(empty_store_env, login):
    at = settle(log_in(fresh(), login.username, login.password))
    assert not at.exception, at.exception
    pages = ["pages/my_usage.py"] + (["pages/dashboard.py"] if login.role == CHARGER_OWNER else [])
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert HEADING_START not in texts(at.main)
        assert not _box_links(at)


def _complete(db: Path, feed: Path) -> None:
    """Every step done, through the modules the pages call."""
    store = Store(db)
    try:
        installation = datasources.create_installation(store, "Testlaget")
        ingest_file(store, feed, installation=installation)
        tariffs.add_version(store, "styret", date(2025, 1, 1), "2.50")
        statements.set_issuer(store, system_scope(), "Testlaget borettslag", "")
        meters.add_reading(store, "styret", "M-1", datetime(2025, 1, 1), "10", installation=installation)
        dwellings.add_dwelling(store, "styret", installation, "H0101")
        billing_settings.save(store, BOARD, account_number=ACCOUNT)
    finally:
        store.close()


def test_when_every_step_is_done_the_box_is_gone(tmp_path, auth_template, monkeypatch, feeds):
    db = tmp_path / "done.duckdb"
    _complete(db, feeds.zaptec([support.zaptec_record("s-1")]))
    for _env in serve_in_app(db, auth_template, tmp_path, monkeypatch):
        at = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
        assert not at.exception, at.exception
        assert HEADING_START not in texts(at.main)
        assert not _box_links(at)
        at.switch_page("pages/data_sources.py").run()  # the full list still says so
        assert [e.label for e in at.expander if e.label.startswith(HEADING_START)] == ["Getting started: 8 of 8 done"]


def test_the_checklist_speaks_norwegian(store, tmp_path):
    with i18n.language("nb"):
        steps = onboarding.checklist(store, BOARD, tmp_path / "no-accounts.yaml")
        assert onboarding.heading(steps) == "Kom i gang: 0 av 8 er gjort"
        assert [s.title for s in steps][:3] == ["Legg inn ladeanlegget", "Last inn ladehistorikken", "Sett prisen"]
        assert all(s.what != dict(zip(KEYS, onboarding.STEPS, strict=True))[s.key][3] for s in steps)
