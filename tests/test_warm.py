"""The landing pages' shared results, computed in the background when data lands (chargeboard.warm)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import support

from chargeboard import accounts, dashboard, i18n, memo, periods, statements, tariffs, warm
from chargeboard.ingest import ingest_file

TODAY = date(2025, 3, 20)  # this month: March 2025; the dashboard opens on February, both with charging


@pytest.fixture
def warm_store(coop_store, auth_file, monkeypatch):
    monkeypatch.setenv("CHARGEBOARD_TODAY", TODAY.isoformat())
    tariffs.add_version(coop_store, "styret", date(2025, 1, 1), "2.00", monthly_fee="49")
    accounts.set_language("ola", "nb", auth_file)  # readers of both languages
    memo.enable()
    warmer = warm.Warmer(coop_store, auth_file, settle=0.05).start()
    yield coop_store, warmer
    warmer.stop()
    memo.enable(False)


def _scope(username, store):
    return accounts.scope_for(accounts.find_account(username), store)


def test_what_people_open_first_is_computed_before_anyone_asks(warm_store, feeds):
    store, warmer = warm_store
    assert not warmer.wait_for_round(0, 0.3), "nothing is computed before data changes"
    rounds = warmer.rounds
    ingest_file(store, feeds.zaptec([support.zaptec_record(
        "new-1", station="chg-a1", user_id=support.KARI.user_id, user_name=support.KARI.name,
        email=support.KARI.email, tag=support.KARI.tag, start=datetime(2025, 3, 18, 17, 0), kwh=12.5)],
        name="more.json"), installation="Testlaget")
    landed = datetime.now(UTC)
    assert warmer.wait_for_round(rounds, 30)
    asked = datetime.now(UTC)

    kari = _scope("kari", store)
    for language in ("en", "nb"):
        with i18n.language(language):
            # My usage's month and year, and the Statements page as it opens.
            for first, last in ((TODAY.replace(day=1), TODAY), (date(TODAY.year, 1, 1), TODAY),
                                periods.preset_range(statements.DEFAULT_PERIOD, TODAY)):
                priced = statements.build_statements(store, kari, statements.StatementRequest(first, last))
                # Priced by the warmer: after the data landed, before this reader asked.
                assert landed <= priced.as_of < asked, (language, first)
    # My usage's costs read that pricing (not priced again at her login), the new session included.
    with i18n.language("en"):
        money = statements.own_costs(store, kari, TODAY)
    assert money.month == (Decimal("5.5") + Decimal("12.5")) * 2 + 49  # her k3 and the new one, the month's fee

    with i18n.language("en"):
        view = dashboard.dashboard_view(store, _scope("styret", store),
                                        dashboard.DashboardRequest(*periods.preset_range("Last month", TODAY)))
    assert {"trend", "utilisation", "heatmap"} <= view.__dict__.keys(), "the board's charts' data is ready"
    assert view.kpis.current.sessions > 0


def test_an_unreadable_accounts_file_is_logged_in_one_line_and_the_next_change_is_warmed(
        warm_store, feeds, auth_file, caplog):
    store, warmer = warm_store
    good = auth_file.read_text(encoding="utf-8")
    auth_file.write_text("credentials: [not, a, mapping\n", encoding="utf-8")
    rounds = warmer.rounds
    with caplog.at_level(logging.WARNING, logger="chargeboard.warm"):
        ingest_file(store, feeds.zaptec([support.zaptec_record("new-2", station="chg-a1")], name="a.json"),
                    installation="Testlaget")
        assert warmer.wait_for_round(rounds, 30)
    [record] = [r for r in caplog.records if r.name == "chargeboard.warm" and r.levelno >= logging.WARNING]
    assert str(auth_file) in record.getMessage() and record.exc_info is None
    auth_file.write_text(good, encoding="utf-8")
    rounds = warmer.rounds
    ingest_file(store, feeds.zaptec([support.zaptec_record("new-3", station="chg-a1")], name="b.json"),
                installation="Testlaget")
    landed = datetime.now(UTC)
    assert warmer.wait_for_round(rounds, 30) and warmer.thread.is_alive()
    asked = datetime.now(UTC)
    with i18n.language("en"):
        priced = statements.build_statements(store, _scope("kari", store),
                                             statements.StatementRequest(TODAY.replace(day=1), TODAY))
    assert landed <= priced.as_of < asked


def test_only_worth_starting_while_results_are_kept(store):
    with pytest.raises(RuntimeError, match="memo"):
        warm.start(store, None)
