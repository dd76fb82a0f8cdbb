"""scoped_sessions_around (schema.sql) must give every session a period query needs, once.

It exists for speed (each branch filters inside the table scan); its answer must equal the plain
definition: a session counts in [from, to) by its attributed date, or occupies a station during it.
Hypothesis builds sessions at the edges: long spans from before the period, impossible clocks dated
by registration, registration far from the start, corrected dates, time zones far from UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeboard.scope import system_scope
from chargeboard.store import Store

PERIOD_FROM = datetime(2026, 3, 1)
PERIOD_TO = datetime(2026, 4, 1)

# The plain definition, on every scoped session (the dashboard's: dated by attribute_by, corrected
# when asked; occupying by the start or its correction plus the real span).
PLAIN = """
SELECT s.session_id
FROM scoped_sessions(true, [], [], NULL) s
LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
WHERE (attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected)
          >= $local_from
       AND attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected)
          < $local_to)
   OR (attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected) < $local_to
       AND attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected)
           + (s.ended_at - s.started_at) > $local_from)
"""
AROUND = """
SELECT session_id FROM scoped_sessions_around(true, [], [], NULL, $local_from, $local_to, $attribute_by, $use_corrected)
"""

# Mostly near the period's edges (where a wrong bound shows), sometimes anywhere.
near_edge = st.integers(-36, 12)
session = st.fixed_dictionaries({
    "start": near_edge | st.integers(-90 * 24, 60 * 24),            # hours from the period's start
    "minutes": st.integers(0, 900) | st.integers(0, 30 * 24 * 60),  # up to 30 days plugged in
    "offset_h": st.sampled_from([-12, 0, 1, 2, 13, 14]) | st.integers(-12, 14),  # UTC offset at the start
    "registered_after_h": st.none() | st.integers(-48, 48) | st.integers(-48, 90 * 24),
    "dated_by_registration": st.booleans(),
    "corrected_h": st.none() | near_edge | st.integers(-90 * 24, 60 * 24),
})


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """One store for every example (emptied each time): a new store per example costs 0.2 s."""
    store = Store(tmp_path_factory.mktemp("around") / "s.duckdb")
    yield store
    store.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=st.lists(session, min_size=1, max_size=25))
def test_around_equals_the_plain_definition(shared_store, sessions):
    cursor = shared_store.cursor()
    cursor.execute("DELETE FROM sessions")
    cursor.execute("DELETE FROM session_corrections")
    for n, s in enumerate(sessions):
        support.insert_edge_session(
            cursor, f"s{n}", started_at=PERIOD_FROM + timedelta(hours=s["start"]), minutes=s["minutes"],
            offset_h=s["offset_h"], registered_after_h=s["registered_after_h"],
            dated_by_registration=s["dated_by_registration"],
            corrected_start=None if s["corrected_h"] is None else PERIOD_FROM + timedelta(hours=s["corrected_h"]))
    for attribute_by in ("start", "registered"):
        for use_corrected in (False, True):
            params = {"local_from": PERIOD_FROM, "local_to": PERIOD_TO, "attribute_by": attribute_by,
                      "use_corrected": use_corrected}
            needed = {r[0] for r in cursor.execute(PLAIN, params).fetchall()}
            given_ids = [r[0] for r in cursor.execute(AROUND, params).fetchall()]
            assert len(given_ids) == len(set(given_ids)), (attribute_by, use_corrected, "a session twice")
            assert needed <= set(given_ids), (attribute_by, use_corrected, needed - set(given_ids))


def test_a_query_through_around_needs_a_scope(store):
    """The store binds the caller's scope to scoped_sessions_around as it does to scoped_sessions."""
    found = store.one("dashboard_kpis", system_scope(), local_from=PERIOD_FROM, local_to=PERIOD_TO,
                      whole_from=PERIOD_FROM.date(), whole_to=PERIOD_TO.date(),
                      installation_filter=[], attribute_by="start", use_corrected=False)
    assert found[0] == 0
    try:
        store.one("dashboard_kpis", None, local_from=PERIOD_FROM, local_to=PERIOD_TO, installation_filter=[],
                  whole_from=PERIOD_FROM.date(), whole_to=PERIOD_TO.date(), attribute_by="start", use_corrected=False)
    except ValueError as error:
        assert "needs a Scope" in str(error)
    else:
        raise AssertionError("a query reading sessions ran without a scope")
