"""The monthly sums (schema.sql, session_months) that reports read for whole months.

They must always equal the sessions summed again from scratch, after every kind of write: a first
load, a file that replaces and voids sessions (moving one to another month), a time-zone change,
and a store made before the sums existed. (Reports over whole months are held to an independent sum
of the feed by the property tests in test_reports.py, whose periods run up to ten weeks.)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import support

from chargeboard import datasources
from chargeboard.ingest import ingest_file
from chargeboard.store import Store, refresh_session_months

SUMS = "SELECT * FROM session_months ORDER BY ALL"


def summed_again(store: Store) -> list[tuple]:
    """The rows a full rebuild gives, without keeping it (rolled back)."""
    return support.derived_again(store, lambda cur: refresh_session_months(cur, None), SUMS)


def kept(store: Store) -> list[tuple]:
    return store.cursor().execute(SUMS).fetchall()


def test_the_sums_follow_loads_replacements_voids_and_time_zones(store, feeds):
    first = [support.zaptec_record("a", start=datetime(2025, 1, 31, 23, 30), kwh=1.5),   # 1 Feb in Oslo
             support.zaptec_record("b", start=datetime(2025, 2, 10, 8), kwh=2.25, tag="Tag 2"),
             support.zaptec_record("c", start=datetime(2025, 3, 3, 8), kwh=4.0, user_id=None, tag=None),
             support.zaptec_record("z", station="chg-2", start=datetime(2000, 1, 1, 0, 20), kwh=3.0, metadata=2,
                                   registered=datetime(2025, 3, 31, 21, 30))]               # dated 31 Mar 23:30
    ingest_file(store, feeds.zaptec(first, "first.json"), installation="Garasjen")
    assert kept(store) == summed_again(store) and len(kept(store)) == 4
    # "b" moves to April with more energy, "c" is voided (replaced), "d" is new in March
    second = [support.zaptec_record("b", start=datetime(2025, 4, 2, 8), kwh=7.5, tag="Tag 2"),
              support.zaptec_record("c", start=datetime(2025, 3, 3, 8), kwh=4.0, user_id=None, tag=None,
                                    metadata=1 | 4 | 32),
              support.zaptec_record("d", start=datetime(2025, 3, 20, 8), kwh=0.125)]
    summary = ingest_file(store, feeds.zaptec(second, "second.json"), installation="Garasjen")
    assert (summary.new, summary.updated) == (1, 2)
    assert kept(store) == summed_again(store)
    assert not [row for row in kept(store) if row[3] == "Tag 2" and row[4] == date(2025, 2, 1)]  # "b" left February
    # In New York the first session is still in January and the impossible clock's in March
    installation = store.cursor().execute("SELECT installation_id FROM installations").fetchone()[0]
    datasources.set_time_zone(store, installation, "America/New_York")
    assert kept(store) == summed_again(store)
    assert date(2025, 1, 1) in {row[4] for row in kept(store)}
    started, ended = store.cursor().execute("SELECT started_local, ended_local FROM sessions "
                                            "WHERE session_id = 'z'").fetchone()
    assert started == datetime(2025, 3, 31, 17, 30)  # the registration in New York, not the year 2000
    assert ended == datetime(2025, 3, 31, 18, 30)  # and it ends its clock's hour later, not in the year 2000


def month_sums(store: Store) -> dict[date, tuple[int, Decimal]]:
    """Per month: the sessions and kWh the monthly sums hold."""
    return {month: (n, kwh) for month, n, kwh in store.cursor().execute(
        "SELECT month, sum(session_count)::BIGINT, sum(energy_kwh) FROM session_months GROUP BY month").fetchall()}


def test_a_session_near_midnight_is_summed_in_its_local_month(store, feeds):
    """The sums are dated by the installation's local month, not UTC's: 31 Jan 23:30 UTC is 1 Feb
    00:30 in Oslo (winter, +1), 31 Mar 22:30 UTC is 1 Apr 00:30 (summer time, +2).
    Break tried: session_months_insert.sql dating a row by date_trunc('month', started_at) (UTC, the
    store's zone) instead of started_local: both sessions land in the month before."""
    ingest_file(store, feeds.zaptec([
        support.zaptec_record("jan-feb", start=datetime(2025, 1, 31, 23, 30), kwh=1.5),
        support.zaptec_record("mar-apr", start=datetime(2025, 3, 31, 22, 30), kwh=2.25),
        support.zaptec_record("mid", start=datetime(2025, 3, 15, 12), kwh=4.0)]), installation="Garasjen")
    assert month_sums(store) == {date(2025, 2, 1): (1, Decimal("1.500")), date(2025, 3, 1): (1, Decimal("4.000")),
                                 date(2025, 4, 1): (1, Decimal("2.250"))}


def test_a_time_zone_change_moves_a_session_to_another_months_sums(store, feeds):
    """From Europe/Oslo to UTC, 31 Jan 23:30 UTC moves from February (00:30 on 1 Feb in Oslo) back to
    January, and 31 Mar 22:30 UTC from April to March; to America/New_York they stay there.
    Break tried: datasources.set_time_zone moving the sessions' local times without summing the
    months again (no refresh_session_months): the sums kept February and April."""
    ingest_file(store, feeds.zaptec([
        support.zaptec_record("jan-feb", start=datetime(2025, 1, 31, 23, 30), kwh=1.5),
        support.zaptec_record("mar-apr", start=datetime(2025, 3, 31, 22, 30), kwh=2.25),
        support.zaptec_record("mid", start=datetime(2025, 3, 15, 12), kwh=4.0)]), installation="Garasjen")
    installation = store.cursor().execute("SELECT installation_id FROM installations").fetchone()[0]
    assert set(month_sums(store)) == {date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)}
    datasources.set_time_zone(store, installation, "UTC")
    moved = {date(2025, 1, 1): (1, Decimal("1.500")), date(2025, 3, 1): (2, Decimal("6.250"))}
    assert month_sums(store) == moved and kept(store) == summed_again(store)
    datasources.set_time_zone(store, installation, "America/New_York")
    assert month_sums(store) == moved and kept(store) == summed_again(store)
    datasources.set_time_zone(store, installation, "Europe/Oslo")  # and back
    assert month_sums(store) == {date(2025, 2, 1): (1, Decimal("1.500")), date(2025, 3, 1): (1, Decimal("4.000")),
                                 date(2025, 4, 1): (1, Decimal("2.250"))}


def test_a_store_made_before_the_sums_is_summed_at_its_first_open(db_path, feeds):
    store = Store(db_path)
    ingest_file(store, feeds.zaptec([support.zaptec_record("a", kwh=2.0), support.zaptec_record(
        "b", start=datetime(2025, 5, 1, 10), kwh=3.0)]))
    before = kept(store)
    store.cursor().execute("DELETE FROM session_months")
    store.close()
    reopened = Store(db_path)
    try:
        assert kept(reopened) == before and len(before) == 2
    finally:
        reopened.close()


def test_a_store_made_before_the_local_ends_gets_them_at_its_first_open(db_path, feeds):
    """sessions.ended_local is derived like started_local; the statements price by it, so a store
    made before it must not keep NULLs (they would price every session by the hour-by-hour path)."""
    store = Store(db_path)
    ingest_file(store, feeds.zaptec([support.zaptec_record("a", start=datetime(2025, 3, 30, 0, 30), minutes=180,
                                                              kwh=2.0)]))
    assert local_end(store) == datetime(2025, 3, 30, 5, 30)  # 01:30 CET + 3 h: summer time began at 02:00
    store.cursor().execute("UPDATE sessions SET ended_local = NULL")
    store.close()
    reopened = Store(db_path)
    try:
        assert local_end(reopened) == datetime(2025, 3, 30, 5, 30)
        installation = reopened.cursor().execute("SELECT installation_id FROM installations").fetchone()[0]
        datasources.set_time_zone(reopened, installation, "UTC")
        assert local_end(reopened) == datetime(2025, 3, 30, 3, 30)  # and it follows a changed time zone
    finally:
        reopened.close()


def local_end(store: Store) -> datetime:
    return store.cursor().execute("SELECT ended_local FROM sessions WHERE session_id = 'a'").fetchone()[0]


def test_the_filters_and_the_first_day_read_the_sums_and_still_name_a_void_sessions_user(store, feeds):
    """The history's station, user and tag lists read counted sessions from the sums and void ones
    from the sessions; its first day is the first reliable session's, found in the sums' first month."""
    from chargeboard import history  # noqa: PLC0415
    from chargeboard.scope import system_scope  # noqa: PLC0415

    ingest_file(store, feeds.zaptec([
        support.zaptec_record("z", start=datetime(2000, 1, 1, 0, 20), kwh=3.0, metadata=1,   # unreliable clock:
                              registered=datetime(2024, 12, 20, 9)),                       # dated 20 Dec, no start
        support.zaptec_record("a", start=datetime(2025, 1, 25, 9), kwh=1.0),
        support.zaptec_record("b", start=datetime(2025, 1, 10, 9), kwh=1.0, station="chg-9", user_id="u-9",
                              user_name="Void Only", email="void.only@example.org", tag="Tag 9",
                              metadata=5 | 32, ReplacedBySessionId="a"),                   # void, and earlier
        support.zaptec_record("c", start=datetime(2025, 3, 3, 8), kwh=4.0)]))
    options = history.filter_options(store, system_scope())
    assert set(options.stations) == {"chg-1", "chg-9"}
    assert set(options.users) == {"u-1", "u-9"} and set(options.tags) == {"Tag 1", "Tag 9"}
    assert history.first_day(store, system_scope()) == date(2025, 1, 25)
