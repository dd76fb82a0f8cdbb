"""Corrected dates: kept beside the original, recorded with who and when, used only where chosen."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from board_fixture import MARCH, load

from chargeboard import corrections, dashboard
from chargeboard.scope import RESIDENT, Scope, system_scope

OWNER = system_scope()


@pytest.fixture
def board(store, feeds):
    return load(store, feeds)


def _march(store, **options):
    k = dashboard.kpis_for(store, OWNER, dashboard.DashboardRequest(*MARCH, **options), *MARCH)
    return k.sessions, k.energy_kwh


def test_unreliable_sessions_are_listed_with_energy(board):
    rows = corrections.candidates(board, OWNER)
    assert list(rows["session_id"]) == ["x1"]
    assert rows["energy_kwh"].iloc[0] == pytest.approx(6.0)
    assert bool(rows["time_unreliable"].iloc[0]) and rows["registered_local"].iloc[0] == datetime(2025, 3, 20, 11)


def test_corrected_dates_change_reports_only_where_chosen(board):
    assert _march(board) == (3, Decimal("22.500"))
    corrections.record(board, OWNER, corrections.Correction("x1", datetime(2025, 3, 15, 12), "resident says so"))
    assert _march(board) == (3, Decimal("22.500"))                        # not chosen: unchanged
    assert _march(board, use_corrected=True) == (4, Decimal("28.500"))   # chosen: counted on 15 March
    with board.cursor() as cur:
        start = cur.execute("SELECT started_local FROM sessions WHERE session_id = 'x1'").fetchone()[0]
    assert start == datetime(2024, 6, 10, 2)  # the original stays
    history = corrections.history(board, "x1")
    assert list(history["corrected_by"]) == [OWNER.username]
    assert history["corrected_at"].iloc[0].to_pydatetime() <= datetime.now(UTC)
    grid = dashboard.start_heatmap(board, OWNER, dashboard.DashboardRequest(*MARCH, use_corrected=True))
    assert grid.loc[6, 12] == 1  # 15 March 2025 is a Saturday


def test_a_new_correction_is_appended_and_the_newest_applies(board):
    corrections.record(board, OWNER, corrections.Correction("x1", datetime(2025, 3, 15, 12)))
    corrections.record(board, OWNER, corrections.Correction("x1", datetime(2025, 4, 2, 12), "second thoughts"))
    assert len(corrections.history(board, "x1")) == 2
    assert _march(board, use_corrected=True) == (3, Decimal("22.500"))  # now counted in April
    row = corrections.candidates(board, OWNER).iloc[0]
    assert row["corrected_start"] == datetime(2025, 4, 2, 12) and row["corrections"] == 2


def test_only_the_system_owner_may_correct(board):
    resident = Scope("kari", RESIDENT, user_ids=("u-2",))
    with pytest.raises(corrections.CorrectionError, match="Only the system owner"):
        corrections.record(board, resident, corrections.Correction("x1", datetime(2025, 3, 15, 12)))
    with pytest.raises(corrections.CorrectionError, match="No such session"):
        corrections.record(board, OWNER, corrections.Correction("nope", datetime(2025, 3, 15, 12)))
    with pytest.raises(corrections.CorrectionError, match="local time"):
        corrections.record(board, OWNER, corrections.Correction("x1", datetime(2025, 3, 15, tzinfo=UTC)))
    assert corrections.history(board, "x1").empty
