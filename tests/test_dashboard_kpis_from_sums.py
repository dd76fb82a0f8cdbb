"""The dashboard's KPIs read whole months from the monthly sums (dashboard_kpis.sql): they must equal
the plain definition over every session, for any period.

Hypothesis builds sessions around month edges: spans of up to 40 days (a car left plugged in across a
month, or past the period's end), summer time beginning or ending during a session, impossible
clocks dated by registration, corrected dates, several users, stations and installations. Each example is
checked for periods of whole months, of part-months at either or both edges, of none, with both
datings, with corrected dates and with an installation filter.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import support
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chargeboard import periods
from chargeboard.scope import system_scope
from chargeboard.store import Store, refresh_session_months

MONTH_EDGE = datetime(2026, 3, 1)

# The KPIs as defined, every scoped session read (dashboard_kpis.sql before it read the monthly sums).
PLAIN = """
WITH spans AS (
    SELECT s.user_id, s.energy_kwh,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected)
               AS period_local,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected)) AS occupied_from,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected))
               + epoch(s.ended_at) - epoch(s.started_at) AS occupied_to
    FROM scoped_sessions(true, [], [], NULL) s
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
)
SELECT count(*) FILTER (WHERE period_local >= $local_from AND period_local < $local_to),
       coalesce(sum(energy_kwh) FILTER (WHERE period_local >= $local_from AND period_local < $local_to), 0)
           ::DECIMAL(18, 3),
       count(DISTINCT user_id) FILTER (WHERE period_local >= $local_from AND period_local < $local_to),
       coalesce(sum(least(occupied_to, epoch($local_to)) - greatest(occupied_from, epoch($local_from)))
                FILTER (WHERE occupied_from < epoch($local_to) AND occupied_to > epoch($local_from)), 0) / 3600.0
FROM spans
"""

# Inclusive local dates: whole months, part-months at either or both edges, a single day, no whole month.
PERIODS = [
    (date(2026, 1, 1), date(2026, 2, 28)),  # (ends where most sessions start)
    (date(2026, 3, 1), date(2026, 3, 31)),
    (date(2026, 2, 1), date(2026, 4, 30)),
    (date(2026, 2, 14), date(2026, 4, 30)),
    (date(2026, 3, 1), date(2026, 4, 10)),
    (date(2026, 2, 27), date(2026, 4, 2)),
    (date(2026, 2, 10), date(2026, 2, 25)),
    (date(2026, 3, 1), date(2026, 3, 1)),
    (date(2025, 12, 1), date(2026, 12, 31)),
]

session = st.fixed_dictionaries({
    "start_h": st.integers(-36, 36) | st.integers(-40 * 24, 70 * 24),   # hours from 1 March, local
    "minutes": st.integers(0, 900) | st.integers(0, 40 * 24 * 60),       # up to 40 days plugged in
    "offset_h": st.sampled_from([-12, 0, 1, 2, 14]),                     # UTC offset at the start
    "offset_change_h": st.sampled_from([0, 0, -1, 1]),                   # at the end: DST began or ended
    "energy_wh": st.integers(0, 80_000),
    "user": st.sampled_from(["u1", "u2", "u3", None]),
    "station": st.sampled_from(["st1", "st2"]),
    "installation": st.sampled_from(["i1", "i2"]),
    "registered_after_h": st.none() | st.integers(-48, 48) | st.integers(-48, 60 * 24),
    "dated_by_registration": st.booleans(),
    "void": st.sampled_from([False, False, False, True]),
    "corrected_h": st.none() | st.integers(-40 * 24, 70 * 24),
})


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store for every example (emptied each time): a new store per example costs 0.2 s."""
    store = Store(tmp_path_factory.mktemp("kpis") / "s.duckdb")
    yield store
    store.close()


def _insert(cursor, n: int, s: dict) -> None:
    support.insert_edge_session(
        cursor, f"s{n}", started_at=MONTH_EDGE + timedelta(hours=s["start_h"] - s["offset_h"]), minutes=s["minutes"],
        offset_h=s["offset_h"], offset_change_h=s["offset_change_h"], registered_after_h=s["registered_after_h"],
        dated_by_registration=s["dated_by_registration"],
        corrected_start=None if s["corrected_h"] is None else MONTH_EDGE + timedelta(hours=s["corrected_h"]),
        installation=s["installation"], station=s["station"], user=s["user"], energy_kwh=s["energy_wh"] / 1000,
        void=s["void"])


def _session(**fields) -> dict:
    return {"start_h": 0, "minutes": 60, "offset_h": 1, "offset_change_h": 0, "energy_wh": 1000, "user": "u1",
            "station": "st1", "installation": "i1", "registered_after_h": None, "dated_by_registration": False,
            "void": False, "corrected_h": None, **fields}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=st.lists(session, min_size=1, max_size=30))
# Plugged in on 15 March for 30 days: occupies April too, which no March figure may count.
@example(sessions=[_session(start_h=14 * 24, minutes=30 * 24 * 60)])
# Plugged in at 22:00 on the period's last day for 2 h 30 min while summer time ended: it ends at 23:30
# by the clock, yet occupies the first half hour after the period by its real span.
@example(sessions=[_session(start_h=-2, minutes=150, offset_change_h=-1)])
def test_kpis_from_the_monthly_sums_equal_the_plain_definition(shared_store, sessions):
    cursor = shared_store.cursor()
    cursor.execute("DELETE FROM sessions")
    cursor.execute("DELETE FROM session_corrections")
    for n, s in enumerate(sessions):
        _insert(cursor, n, s)
    refresh_session_months(cursor, None)
    # The sums serve only sessions dated by start with no corrected date: every period for that; the
    # other two datings, which must ignore the sums, on a period of whole months and part-months.
    cases = [(period, "start", False) for period in PERIODS] + [
        (PERIODS[3], "registered", False), (PERIODS[3], "start", True)]
    for n, ((date_from, date_to), attribute_by, use_corrected) in enumerate(cases):
        installations = ["i2"] if n % 2 else []
        params = {**periods.bounds(date_from, date_to), "attribute_by": attribute_by,
                  "use_corrected": use_corrected, "installation_filter": installations}
        plain = cursor.execute(PLAIN, params).fetchone()
        found = shared_store.one("dashboard_kpis", system_scope(), **params,
                                 **periods.whole_months(date_from, date_to))
        case = (date_from, date_to, attribute_by, use_corrected, installations)
        assert found[:3] == plain[:3], case
        assert found[3] == pytest.approx(plain[3], rel=1e-12, abs=1e-6), case
