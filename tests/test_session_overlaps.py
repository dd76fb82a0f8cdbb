"""The overlapping sessions (schema.sql, session_overlaps) that Data quality counts and lists.

The ingest keeps them for the stations a file changed, from the first start it changed: they must
always equal the rule applied again to every session, after every kind of write (a new session inside
an older one, a replacement that moves or voids one, an unreliable clock, a time-zone change) and in a
store made before the table existed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
import support

from chargeboard import datasources, quality
from chargeboard.ingest import ingest_file
from chargeboard.scope import RESIDENT, Scope, system_scope
from chargeboard.store import Store, refresh_session_overlaps

KEPT = "SELECT session_id, earlier_session_id, station_id, user_id, earlier_user_id FROM session_overlaps ORDER BY ALL"
DAY = datetime(2025, 3, 20, 10)


def found_again(store: Store) -> list[tuple]:
    """The rows the rule gives over every session, without keeping them (rolled back)."""
    return support.derived_again(store, lambda cur: refresh_session_overlaps(cur, None), KEPT)


def kept(store: Store) -> list[tuple]:
    return store.cursor().execute(KEPT).fetchall()


def pairs(store: Store) -> set[tuple[str, str]]:
    return {(later, earlier) for later, earlier, *_ in kept(store)}


def rec(sid, *, station="chg-1", user="u-1", start=DAY, minutes=60, **kw):
    return support.zaptec_record(sid, station=station, user_id=user, email=f"{user}@example.org", start=start,
                                 minutes=minutes, **kw)


def test_the_overlaps_follow_loads_replacements_voids_and_time_zones(store, feeds):
    ingest_file(store, feeds.zaptec([rec("a", minutes=120), rec("b", start=DAY + timedelta(hours=3))], "1.json"))
    assert pairs(store) == set()
    # c starts inside a, which began before anything this file changed: a is carried into the window
    ingest_file(store, feeds.zaptec([rec("c", user="u-2", start=DAY + timedelta(hours=1), minutes=150)], "2.json"))
    assert pairs(store) == {("c", "a"), ("b", "c")}
    assert kept(store) == found_again(store)
    # c is voided (replaced): nothing overlaps any more
    ingest_file(store, feeds.zaptec([rec("c", user="u-2", start=DAY + timedelta(hours=1), minutes=150,
                                         metadata=1 | 4 | 32)], "3.json"))
    assert pairs(store) == set()
    # a moves to the other station, where d already charges; b's clock becomes unreliable (left out)
    ingest_file(store, feeds.zaptec([rec("d", station="chg-2", user="u-3", start=DAY - timedelta(hours=1), minutes=90)], "4.json"))
    ingest_file(store, feeds.zaptec([rec("a", station="chg-2", minutes=120),
                                     rec("e", start=DAY + timedelta(hours=3, minutes=10)),
                                     rec("b", start=DAY + timedelta(hours=3), metadata=1)], "5.json"))
    assert pairs(store) == {("a", "d")}  # e would overlap b, but b's times are not when it charged
    assert kept(store) == found_again(store)
    installation = store.cursor().execute("SELECT installation_id FROM installations").fetchone()[0]
    datasources.set_time_zone(store, installation, "America/New_York")
    assert pairs(store) == {("a", "d")}
    assert quality.counts(store, system_scope())["overlapping_sessions"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_overlaps_equal_the_rule_after_every_file(store, feeds, seed):
    """Files of random sessions on three stations, some sent again moved, shortened or voided, some with
    an unreliable clock, some of no length or days long: after each, the kept rows are the rule's."""
    rng = random.Random(seed)
    sent: dict[str, dict] = {}
    for file_number in range(6):
        records = []
        for _ in range(25):
            if sent and rng.random() < 0.3:  # an earlier session again, changed
                sid = rng.choice(sorted(sent))
            else:
                sid = f"s{len(sent) + len(records)}-{file_number}"
            start = DAY + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 3))
            minutes = rng.choice([0, 15, 30, 60, 90, 240, 60 * 30])
            metadata = rng.choices([5, 1, 5 | 32], weights=[8, 1, 1])[0]  # reliable, unreliable clock, void
            records.append(rec(sid, station=rng.choice(["chg-1", "chg-2", "chg-3"]), user=rng.choice(["u-1", "u-2"]),
                               start=start, minutes=minutes, metadata=metadata))
        records = list({r["Id"]: r for r in records}.values())  # one record of an id per file
        sent.update({r["Id"]: r for r in records})
        ingest_file(store, feeds.zaptec(records, f"{file_number}.json"))
        assert kept(store) == found_again(store), f"after file {file_number}"
    assert len(kept(store)) > 10  # (the feeds overlap: the comparison was not of two empty lists)


def test_a_store_made_before_the_overlaps_finds_them_at_its_first_open(db_path, feeds):
    store = Store(db_path)
    ingest_file(store, feeds.zaptec([rec("a", minutes=120), rec("b", user="u-2", start=DAY + timedelta(hours=1))]))
    assert pairs(store) == {("b", "a")}
    store.cursor().execute("DELETE FROM session_overlaps; DELETE FROM derived_tables")
    store.close()
    reopened = Store(db_path)
    try:
        assert pairs(reopened) == {("b", "a")}
    finally:
        reopened.close()


def test_a_pair_is_seen_only_by_whom_may_see_both_sessions(store, feeds):
    ingest_file(store, feeds.zaptec([rec("a", minutes=120), rec("b", user="u-2", start=DAY + timedelta(hours=1)),
                                     rec("x", station="chg-2", start=DAY), rec("y", station="chg-2",
                                                                            start=DAY + timedelta(minutes=30))]))
    def count(**scope) -> int:
        return store.one("quality_overlapping_sessions_count", Scope(username="t", role=RESIDENT, **scope))[0]
    assert count(see_all=True) == 2
    assert count(station_ids=("chg-1",)) == 1      # a charger owner: every session of his station
    assert count(user_ids=("u-1",)) == 1           # x and y are both u-1's; a and b are not both
    assert count(user_ids=("u-2",)) == 0
    assert len(quality.find(store, Scope(username="t", role=RESIDENT, user_ids=("u-1",)),
                            "overlapping_sessions")) == 1


def test_sessions_with_the_same_times_each_pair_with_the_first(store, feeds):
    """A feed may repeat one session's times under many ids (a charger's clock stuck): each later one
    overlaps, and its pair names the first of them (start order, then id), whichever file brought it."""
    ingest_file(store, feeds.zaptec([rec(f"same-{n}", start=DAY, minutes=60) for n in (3, 1, 4)], "1.json"))
    ingest_file(store, feeds.zaptec([rec(f"same-{n}", start=DAY, minutes=60) for n in (0, 2)], "2.json"))
    assert pairs(store) == {("same-1", "same-0"), ("same-2", "same-0"), ("same-3", "same-0"), ("same-4", "same-0")}
    assert kept(store) == found_again(store)
