"""The charge report (issue 3): totals per grouping against hand-computed numbers, idle
entities, offline attribution, local-start periods, and property tests against an
independent Python (zoneinfo) computation, around the Europe/Oslo DST changes."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chargeboard.history import SessionFilter
from chargeboard.ingest import ingest_file
from chargeboard.reports import ReportRequest, build_report, monthly_table
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store

OSLO = ZoneInfo("Europe/Oslo")
ALL = system_scope()
MARCH = SessionFilter(date(2025, 3, 1), date(2025, 3, 31))
APRIL = SessionFilter(date(2025, 4, 1), date(2025, 4, 30))


def rec(sid, station, user, tag, start, kwh, minutes=60, **extra):
    return support.zaptec_record(
        sid, station=station, serial=f"SER-{station}", station_name=f"Lader {station}",
        user_id=user, user_name=user and f"Name {user}", email=user and f"{user}@example.org",
        tag=tag, start=start, minutes=minutes, kwh=kwh, **extra)


# start times are UTC (naive); Oslo is UTC+1 in March before the 30th.
SMALL = [
    rec("a1", "chg-1", "u-a", "Tag A", datetime(2025, 3, 10, 10), 4.123),
    rec("a2", "chg-2", "u-a", "Tag A", datetime(2025, 3, 15, 8), 2.5),
    rec("b1", "chg-1", "u-b", "Tag B", datetime(2025, 3, 20, 12), 7.001),
    rec("g1", "chg-2", None, None, datetime(2025, 3, 5, 12), 1.25),  # open charging: no user, no tag
    rec("v1", "chg-1", "u-b", "Tag B", datetime(2025, 3, 21, 12), 9.999, CommitMetadata=1 | 4 | 32),  # void
    rec("t1", "chg-2", "u-b", "Tag B", datetime(2025, 3, 25, 12), 3.333, CommitMetadata=1),  # time unreliable
    rec("m1", "chg-1", "u-a", "Tag A", datetime(2025, 2, 28, 23, 30), 0.777),  # 1 March 00:30 local
    rec("x1", "chg-1", "u-a", "Tag A", datetime(2025, 4, 2, 10), 5.0),  # April
    # offline: started 31 March 22:00 local, registered by the cloud 1 April 10:00 local
    rec("off1", "chg-2", "u-b", None, datetime(2025, 3, 31, 20), 6.0, CommitMetadata=2 | 4,
        EndDateTime="2025-04-01T08:00:00.000"),
    rec("j1", "chg-3", "u-a", "Tag A", datetime(2025, 1, 5, 10), 2.0),  # chg-3 idle in March
]

MARCH_EXPECTED = {
    "station": {"chg-1": (3, "11.901"), "chg-2": (4, "13.083")},
    "user": {"u-a": (3, "7.400"), "u-b": (3, "16.334"), "": (1, "1.250")},
    "rfid": {"Tag A": (3, "7.400"), "Tag B": (2, "10.334"), "": (2, "7.250")},
}
MARCH_TOTAL = Decimal("24.984")


@pytest.fixture
def small(store, feeds):
    summary = ingest_file(store, feeds.zaptec(SMALL), installation="Testlaget")
    assert (summary.new, summary.rejected) == (len(SMALL), 0), summary.rejected_by_reason
    return store


def as_dict(report):
    return {r.key: (int(r.sessions), Decimal(f"{r.energy_kwh:.3f}")) for r in report.rows.itertuples()}


@pytest.mark.parametrize("by", ["station", "user", "rfid"])
def test_march_totals_per_grouping(small, by):
    report = build_report(small, ALL, ReportRequest(MARCH, by=by))
    expected = {k: (n, Decimal(kwh)) for k, (n, kwh) in MARCH_EXPECTED[by].items()}
    assert as_dict(report) == expected
    t = report.totals
    assert (t.sessions, t.energy_kwh) == (7, MARCH_TOTAL)
    assert (t.unreliable_sessions, t.unreliable_kwh) == (1, Decimal("3.333"))
    assert t.offline_sessions == 1
    assert t.charging_hours == pytest.approx(7.0)
    assert sum(report.rows["share"]) == pytest.approx(1.0)
    # The month table holds the same energy.
    wide = monthly_table(report)
    assert list(wide.columns) == ["name", "2025-03", "total"]
    assert Decimal(f"{wide['total'].sum():.3f}") == MARCH_TOTAL


def test_every_grouping_has_the_same_total(small):
    for flt in (MARCH, APRIL, SessionFilter(date(2025, 1, 1), date(2025, 12, 31))):
        totals = {by: build_report(small, ALL, ReportRequest(flt, by=by)).totals for by in ("station", "user", "rfid")}
        assert len({(t.sessions, t.energy_kwh) for t in totals.values()}) == 1, totals


def test_no_user_and_no_tag_rows_are_named(small):
    users = build_report(small, ALL, ReportRequest(MARCH, by="user")).rows.set_index("key")
    assert users.loc["", "name"] == "no user (open charging)"
    assert users.loc["u-a", "name"] == "Name u-a"
    tags = build_report(small, ALL, ReportRequest(MARCH, by="rfid")).rows.set_index("key")
    assert tags.loc["", "name"] == "no tag"


def test_include_idle_lists_a_station_with_no_sessions_with_zero(small):
    plain = build_report(small, ALL, ReportRequest(MARCH, by="station"))
    assert "chg-3" not in set(plain.rows["key"])
    idle = build_report(small, ALL, ReportRequest(MARCH, by="station", include_idle=True))
    row = idle.rows.set_index("key").loc["chg-3"]
    assert int(row["sessions"]) == 0 and float(row["energy_kwh"]) == 0.0
    assert (idle.totals.sessions, idle.totals.energy_kwh) == (7, MARCH_TOTAL)


def test_registered_attribution_moves_an_offline_session_to_the_month_it_was_registered(small):
    by_start = build_report(small, ALL, ReportRequest(APRIL, by="station"))
    assert (by_start.totals.sessions, by_start.totals.energy_kwh) == (1, Decimal("5.000"))
    april = build_report(small, ALL, ReportRequest(APRIL, by="station", attribute_by="registered"))
    assert (april.totals.sessions, april.totals.energy_kwh) == (2, Decimal("11.000"))
    assert as_dict(april)["chg-2"] == (1, Decimal("6.000"))
    march = build_report(small, ALL, ReportRequest(MARCH, by="station", attribute_by="registered"))
    assert march.totals.energy_kwh == MARCH_TOTAL - Decimal("6.000")


def test_a_session_belongs_to_the_period_of_its_local_start(small):
    first = SessionFilter(date(2025, 3, 1), date(2025, 3, 1))
    report = build_report(small, ALL, ReportRequest(first, by="station"))
    assert as_dict(report) == {"chg-1": (1, Decimal("0.777"))}  # m1: 28 Feb 23:30 UTC = 1 Mar 00:30 local
    february = build_report(small, ALL, ReportRequest(SessionFilter(date(2025, 2, 1), date(2025, 2, 28)), by="user"))
    assert february.is_empty


def test_resident_scope_counts_only_own_sessions(small):
    resident = Scope("ua", "resident", user_ids=("u-a",), display_name="A")
    for by in ("station", "user", "rfid"):
        report = build_report(small, resident, ReportRequest(MARCH, by=by))
        assert (report.totals.sessions, report.totals.energy_kwh) == (3, Decimal("7.400"))
    assert set(build_report(small, resident, ReportRequest(MARCH, by="user")).rows["key"]) == {"u-a"}


def test_a_station_shows_its_serial_and_the_charts_never_repeat_a_colour(small):
    from chargeboard import reports, theme  # noqa: PLC0415

    by_station = build_report(small, ALL, ReportRequest(MARCH, by="station"))
    assert dict(zip(by_station.rows["name"], by_station.rows["serial"], strict=True)) == {
        "Lader chg-1": "SER-chg-1", "Lader chg-2": "SER-chg-2"}
    assert list(by_station.rows.columns[:3]) == ["key", "name", "serial"]  # the CSV keeps the feed's key
    by_user = build_report(small, ALL, ReportRequest(SessionFilter(date(2025, 1, 1), date(2025, 4, 30)), by="user"))
    fig = reports.monthly_chart(by_user, top=1)  # one named band, the rest as "others"
    colours = [trace.marker.color for trace in fig.data]
    assert [trace.name for trace in fig.data] == ["Name u-b", "others"]
    assert colours == [theme.CATEGORICAL[0], theme.GREY] and len(set(colours)) == len(colours)
    wide = reports.monthly_chart(by_user)  # every entity named: still one colour each
    assert len({t.marker.color for t in wide.data}) == len(wide.data) == 3
    assert fig.layout.legend.x > 1  # the legend sits beside the plot, never over the title


def test_bad_grouping_is_refused(small):
    with pytest.raises(ValueError):
        build_report(small, ALL, ReportRequest(MARCH, by="tag"))


# -- property tests --------------------------------------------------------------------

STATIONS = ("s1", "s2", "s3")
USERS = (None, "u1", "u2")
TAGS = (None, "T1", "T2")
# UTC anchors around the DST changes (30 Mar 01:00 UTC, 26 Oct 01:00 UTC) and month ends.
ANCHORS = (datetime(2025, 3, 29, 12), datetime(2025, 3, 31, 12), datetime(2025, 10, 25, 12),
           datetime(2025, 10, 31, 12))

session_strategy = st.tuples(
    st.sampled_from(STATIONS), st.sampled_from(USERS), st.sampled_from(TAGS),
    st.sampled_from(ANCHORS), st.integers(0, 60 * 48 // 15).map(lambda q: q * 15),  # minutes from the anchor
    st.integers(0, 30_000),  # Wh
    st.integers(0, 5).map(lambda n: n == 0),  # void, one in six
)

PERIOD_STARTS = (date(2025, 3, 28), date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1),
                 date(2025, 10, 25), date(2025, 10, 26), date(2025, 10, 31), date(2025, 11, 1))
# Short periods around the DST changes and month ends, and periods of up to ten weeks that hold whole
# months (read from the monthly sums, session_months) with edge days (read from the sessions).
MONTHLY_STARTS = (date(2025, 2, 1), date(2025, 3, 1), date(2025, 3, 15), date(2025, 3, 30), date(2025, 10, 1),
                  date(2025, 10, 26))
period_strategy = st.one_of(
    st.tuples(st.sampled_from(PERIOD_STARTS), st.integers(0, 3)),
    st.tuples(st.sampled_from(MONTHLY_STARTS), st.integers(0, 70)),
).map(lambda p: SessionFilter(p[0], p[0] + timedelta(days=p[1])))


def _records(sessions):
    out = []
    for i, (station, user, tag, anchor, minutes, wh, void) in enumerate(sessions):
        out.append(rec(f"h{i}", station, user, tag, anchor + timedelta(minutes=minutes), wh / 1000,
                       minutes=120, **({"CommitMetadata": 1 | 4 | 32} if void else {})))
    return out


def _expected(sessions, flt, keep):
    """{grouping: {key: Wh}} of the non-void sessions in the period (local start date) that `keep` allows."""
    out = {"station": defaultdict(int), "user": defaultdict(int), "rfid": defaultdict(int)}
    for station, user, tag, anchor, minutes, wh, void in sessions:
        local = (anchor + timedelta(minutes=minutes)).replace(tzinfo=UTC).astimezone(OSLO)
        if void or not keep(station, user) or not flt.date_from <= local.date() <= flt.date_to:
            continue
        out["station"][station] += wh
        out["user"][user or ""] += wh
        out["rfid"][tag or ""] += wh
    return out


def _check(sessions, flt, scope, keep):
    with tempfile.TemporaryDirectory() as folder:
        feed = support.write_zaptec(Path(folder) / "feed.json", _records(sessions))
        store = Store(Path(folder) / "p.duckdb")
        try:
            summary = ingest_file(store, feed, installation="Prop")
            assert (summary.new, summary.rejected) == (len(sessions), 0), summary.rejected_by_reason
            expected = _expected(sessions, flt, keep)
            for by, per_key in expected.items():
                report = build_report(store, scope, ReportRequest(flt, by=by))
                got = {r.key: int(Decimal(f"{r.energy_kwh:.3f}") * 1000) for r in report.rows.itertuples()}
                assert got == dict(per_key), (by, flt)
                assert int(report.totals.energy_kwh * 1000) == sum(per_key.values())
                month = report.monthly
                assert int(sum(Decimal(f"{v:.3f}") for v in month["energy_kwh"]) * 1000) == sum(per_key.values())
        finally:
            store.close()


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(session_strategy, min_size=0, max_size=12), period_strategy)
def test_property_report_total_equals_independent_sum(sessions, flt):
    _check(sessions, flt, ALL, lambda station, user: True)


@PROPERTY
@given(st.lists(session_strategy, min_size=1, max_size=12), period_strategy)
def test_property_resident_scope(sessions, flt):
    resident = Scope("u1", "resident", user_ids=("u1",), display_name="U1")
    _check(sessions, flt, resident, lambda station, user: user == "u1")


@PROPERTY
@given(st.lists(session_strategy, min_size=1, max_size=12), period_strategy)
def test_property_charger_owner_scope(sessions, flt):
    owner = Scope("o", "charger_owner", user_ids=("u2",), station_ids=("s1",), display_name="Owner")
    _check(sessions, flt, owner, lambda station, user: station == "s1" or user == "u2")
