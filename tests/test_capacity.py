"""Capacity and peaks (issue 29, item 4): the chargers' and the installation's hourly load, the peak
hours under both rules, the step, the cost attributed to charging, and the meter interval CSV.

The fixture is October 2026 in Oslo (a 25-hour day on the 25th), written as a Zaptec feed and loaded
by the real ingest; its hourly loads are written out by hand below (EXPECTED_CHARGERS), and the peaks
and levels are computed from them independently (pandas), not by the module under test."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import costs_support as cs
import pandas as pd
import pytest
import support
import test_reasons
from conftest import release_app_store
from test_app import REFUSED, fresh, has_login_form, log_in, page_as, texts

from chargeboard import ingest, reasons
from chargeboard.pricing import capacity, formula, intervals
from chargeboard.pricing.capacity import MAX_HOUR, TOP3_DAYS, Step

OSLO = ZoneInfo("Europe/Oslo")
D = Decimal
OCT = date(2026, 10, 1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str) -> datetime:
    """A local Oslo hour (not on the autumn night's repeated hour) as its UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO).astimezone(UTC)


def zaptec_utc(sid, who, station, start: datetime, end: datetime, kwh, metadata=5):
    record = cs.session(sid, who, station, "2026-10-01T00:00", "2026-10-01T01:00", kwh)
    record.update({"StartDateTime": support.zaptec_time(start), "EndDateTime": support.zaptec_time(end),
                   "CommitEndDateTime": support.zaptec_time(end), "CommitMetadata": metadata})
    return record


SESSIONS = [
    # kari 16 kWh over two whole hours, ola 6 kWh half in each: 11 kW at 17:00 and at 18:00 on the 1st
    cs.session("a", "kari", "c1", "2026-10-01T17:00", "2026-10-01T19:00", 16),
    cs.session("b", "ola", "c2", "2026-10-01T17:30", "2026-10-01T18:30", 6),
    # hourly details 2, 6, 4 (sum 12) scaled to the session's 9 kWh: 1.5, 4.5, 3
    cs.session("c", "per", "c1", "2026-10-07T20:00", "2026-10-07T23:00", 9,
               details=[("2026-10-07T20:00", 2), ("2026-10-07T21:00", 6), ("2026-10-07T22:00", 4)]),
    # the autumn night: 4 kWh in the first 02:00 hour (00 UTC), open charging 10 kWh in the second (01 UTC)
    zaptec_utc("d1", "kari", "c1", utc("2026-10-25T00:00"), utc("2026-10-25T01:00"), 4),
    zaptec_utc("d2", None, "c2", utc("2026-10-25T01:00"), utc("2026-10-25T02:00"), 10),
    # two days tied at 7.5 kW
    cs.session("e", "ola", "c2", "2026-10-12T08:00", "2026-10-12T08:45", 7.5),
    cs.session("f", "kari", "c1", "2026-10-14T08:00", "2026-10-14T09:00", 7.5),
    # void: never counts
    zaptec_utc("v", "per", "c2", local("2026-10-20T10:00"), local("2026-10-20T12:00"), 40, metadata=37),
    # from September into October: 2 of its 4 kWh in October's first hour
    cs.session("g", "per", "c2", "2026-09-30T23:00", "2026-10-01T01:00", 4),
]

EXPECTED_CHARGERS = {
    local("2026-10-01T00:00"): D("2"),
    local("2026-10-01T17:00"): D("11"), local("2026-10-01T18:00"): D("11"),
    local("2026-10-07T20:00"): D("1.5"), local("2026-10-07T21:00"): D("4.5"), local("2026-10-07T22:00"): D("3"),
    utc("2026-10-25T00:00"): D("4"), utc("2026-10-25T01:00"): D("10"),
    local("2026-10-12T08:00"): D("7.5"), local("2026-10-14T08:00"): D("7.5"),
}
EXPECTED_USERS = {local("2026-10-01T17:00"): {"u-kari": 8000, "u-ola": 3000},
                  utc("2026-10-25T01:00"): {"": 10000}, local("2026-10-12T08:00"): {"u-ola": 7500}}
# Other loads on the meter: 3 kW all month, higher at noon on the 3rd-5th (no charging then)
BASE = {local("2026-10-03T12:00"): D("9"), local("2026-10-04T12:00"): D("8.8"), local("2026-10-05T12:00"): D("8.6")}


def independent_level(hourly: dict[datetime, Decimal], rule: str) -> tuple[Decimal, list[datetime]]:
    """The rule computed another way: pandas, grouped by the local day."""
    series = pd.Series({h: float(kw) for h, kw in hourly.items()}).sort_index()
    if rule == MAX_HOUR:
        return D(str(series.max())), [series.idxmax()]
    days = series.groupby([h.astimezone(OSLO).date() for h in series.index])
    top = days.max().sort_values(ascending=False, kind="stable").head(3)
    return D(str(round(top.sum(), 3))) / 3, [days.idxmax()[day] for day in top.index]


def step_cost(level: Decimal) -> Decimal:
    # the default steps, written out: [from, to) -> kr
    for upper, cost in ((2, 135), (5, 170), (10, 290), (15, 400), (20, 520), (25, 650), (50, 1250), (75, 1850),
                        (100, 2450)):
        if level < upper:
            return D(cost)
    return D(4900)


@pytest.fixture
def october(tmp_path):
    store = cs.make_store(tmp_path, SESSIONS, installation="Garage A")
    yield store, store.rows("installations_all")[0][0]
    store.close()


def month_hours() -> list[datetime]:
    start, end = local("2026-10-01T00:00"), local("2026-11-01T00:00")
    return [start + timedelta(hours=n) for n in range(int((end - start).total_seconds() // 3600))]


def interval_csv(path: Path, load: dict[datetime, Decimal], skip: set[datetime] = frozenset()) -> Path:
    """The meter's readings: quarters on the 1st-19th, hours from the 20th, times with their offset."""
    lines = ["meter_id,from,to,kwh,installation"]
    for hour in month_hours():
        if hour in skip:
            continue
        kwh = load.get(hour, D(0))
        if hour.astimezone(OSLO).day < 20:
            for q in range(4):
                start = hour + timedelta(minutes=15 * q)
                lines.append(f"M1,{start.astimezone(OSLO).isoformat()},"
                             f"{(start + timedelta(minutes=15)).astimezone(OSLO).isoformat()},{kwh / 4},Garage A")
        else:
            lines.append(f"M1,{hour.astimezone(OSLO).isoformat()},"
                         f"{(hour + timedelta(hours=1)).astimezone(OSLO).isoformat()},{kwh},Garage A")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def meter_load() -> dict[datetime, Decimal]:
    return {h: BASE.get(h, D(3)) + EXPECTED_CHARGERS.get(h, D(0)) for h in month_hours()}


# -- the pure core ---------------------------------------------------------------------------------------

def test_top3_days_takes_one_hour_a_day_and_ties_go_to_the_earlier_hour():
    hourly = {local("2026-03-02T10:00"): D("9"), local("2026-03-02T11:00"): D("9"),   # same day: one counts
              local("2026-03-03T10:00"): D("5"), local("2026-03-04T10:00"): D("5"),   # tied days: the 3rd
              local("2026-03-05T10:00"): D("1")}
    peaks = capacity.peak_hours(hourly, TOP3_DAYS)
    assert peaks == [(local("2026-03-02T10:00"), D("9")), (local("2026-03-03T10:00"), D("5")),
                     (local("2026-03-04T10:00"), D("5"))]
    assert capacity.capacity_level(peaks, TOP3_DAYS) == D("19") / 3
    assert capacity.peak_hours(hourly, MAX_HOUR) == [(local("2026-03-02T10:00"), D("9"))]
    # fewer than 3 days with load: the missing days count as 0
    two = {local("2026-03-02T10:00"): D("6"), local("2026-03-03T10:00"): D("3")}
    assert capacity.capacity_level(capacity.peak_hours(two, TOP3_DAYS), TOP3_DAYS) == D("3")
    assert capacity.peak_hours({}, TOP3_DAYS) == [] and capacity.capacity_level([], MAX_HOUR) == 0


def test_a_level_on_an_edge_goes_to_the_higher_step_and_the_last_step_is_open():
    steps = capacity.DEFAULT_STEPS
    assert capacity.step_for(D("4.999"), steps).per_month == 170
    assert capacity.step_for(D("5"), steps) == Step(D("5"), D("10"), D("290"))
    assert capacity.step_for(D("0"), steps).per_month == 135
    assert capacity.step_for(D("100"), steps).per_month == 4900
    assert capacity.step_for(D("5000"), steps).to_kw is None
    closed = [{"from_kw": "0", "to_kw": "2", "per_month": "150"}, {"from_kw": "2", "to_kw": "5", "per_month": "250"}]
    assert capacity.step_for(D("7"), closed).per_month == 250  # above every step: the last


@pytest.mark.parametrize(("steps", "message"), [
    ([], "no capacity steps"),
    ([{"from_kw": "0", "to_kw": "2", "per_month": "x"}], "step 1's per_month is not a number"),
    ([{"from_kw": "0", "to_kw": "2", "per_month": "1"}, {"from_kw": "3", "per_month": "2"}], "step 2 starts at 3"),
    ([{"from_kw": "0", "per_month": "1"}, {"from_kw": "2", "per_month": "2"}], "step 1 is open"),
    ([{"from_kw": "5", "to_kw": "2", "per_month": "1"}], "step 1 ends"),
])
def test_steps_that_cannot_be_used_are_refused_by_name(steps, message):
    with pytest.raises(capacity.CapacityError, match=message):
        capacity.steps_from(steps)


def test_the_tariff_formulas_capacity_object_gives_the_rule_and_steps():
    rule, steps = capacity.rule_and_steps({"rule": "max_hour", "steps": [
        {"from_kw": "0", "to_kw": "2", "per_month": "150"}, {"from_kw": "2", "per_month": "250"}],
        "share_with_residents": True})
    assert rule == MAX_HOUR and steps == (Step(D(0), D(2), D(150)), Step(D(2), None, D(250)))
    assert capacity.rule_and_steps(None) == (TOP3_DAYS, capacity.DEFAULT_STEPS)
    parsed = formula.parse({"kind": "formula", "capacity": {"rule": "top3_days", "steps": [
        {"from_kw": "0", "to_kw": "5", "per_month": "300"}, {"from_kw": "5", "per_month": "700"}]}})
    assert capacity.rule_and_steps(parsed.capacity) == (TOP3_DAYS, (Step(D(0), D(5), D(300)),
                                                                    Step(D(5), None, D(700))))


def test_the_month_takes_the_rule_and_steps_of_the_tariff_in_force(october):
    store, _inst = october
    from chargeboard import tariffs  # noqa: PLC0415

    assert capacity.rule_of_tariff(store, date(2026, 10, 1)) == (TOP3_DAYS, capacity.DEFAULT_STEPS, None)
    tariffs.add_version(store, "test", date(2026, 1, 1), "1.00")
    version = tariffs.add_version(store, "test", date(2026, 10, 1), "0", formula={
        "kind": "formula", "markup_per_kwh": "0.10", "capacity": {"rule": "max_hour", "steps": [
            {"from_kw": "0", "to_kw": "5", "per_month": "300"}, {"from_kw": "5", "per_month": "700"}]}})
    assert capacity.rule_of_tariff(store, date(2026, 10, 17)) == (
        MAX_HOUR, (Step(D(0), D(5), D(300)), Step(D(5), None, D(700))), version)
    assert capacity.rule_of_tariff(store, date(2026, 9, 1))[2] is None  # the flat version has no capacity part


def test_a_session_with_an_unreliable_clock_is_left_out_and_counted(tmp_path):
    store = cs.make_store(tmp_path, [
        cs.session("ok", "kari", "c1", "2026-10-02T10:00", "2026-10-02T11:00", 5),
        zaptec_utc("clock", "ola", "c2", local("2026-10-03T10:00"), local("2026-10-03T11:00"), 7, metadata=1)])
    try:
        cm = capacity.month_capacity(store, store.rows("installations_all")[0][0], OCT)
        assert cm.chargers_hourly == {local("2026-10-02T10:00"): D("5")}
        assert (cm.unplaced_sessions, cm.unplaced_kwh) == (1, D("7"))
    finally:
        store.close()


def test_an_unknown_rule_is_refused():
    with pytest.raises(capacity.CapacityError, match="unknown capacity rule"):
        capacity.peak_hours({}, "top5")


# -- a month from the store -------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [TOP3_DAYS, MAX_HOUR])
def test_chargers_alone_match_an_independent_computation(october, rule):
    store, installation_id = october
    cm = capacity.month_capacity(store, installation_id, date(2026, 10, 17), rule)
    assert cm.month == OCT and len(cm.hours) == 745  # 31 days, one of 25 hours
    assert cm.chargers_hourly == EXPECTED_CHARGERS
    level, hours = independent_level(EXPECTED_CHARGERS, rule)
    assert cm.chargers_level == level
    assert [h for h, _kw in cm.chargers_peaks] == hours
    assert cm.chargers_step.per_month == step_cost(level)
    assert not cm.has_meter and cm.meter_ids == [] and len(cm.missing_days) == 31
    assert cm.attributed_cost == cm.chargers_cost == step_cost(level)
    if rule == TOP3_DAYS:  # 11 (the 1st, 17:00 before 18:00), 10 (the repeated 02:00), 7.5 (the 12th before the 14th)
        assert level == D("9.5") and cm.chargers_cost == 290
        assert hours == [local("2026-10-01T17:00"), utc("2026-10-25T01:00"), local("2026-10-12T08:00")]
        assert cm.residents_peak_kwh == {"": D("10"), "u-kari": D("8"), "u-ola": D("10.5")}
    else:
        assert level == D("11") and cm.chargers_cost == 400
        assert cm.residents_peak_kwh == {"u-kari": D("8"), "u-ola": D("3")}
    assert [r.installation_kw for r in cm.peak_rows] == [None] * len(hours)


def test_the_chargers_hours_add_up_to_their_sessions_by_user(october):
    store, installation_id = october
    cm = capacity.month_capacity(store, installation_id, OCT)
    for hour, users in EXPECTED_USERS.items():
        assert cm.users_hourly_wh[hour] == users
    # every counted session's October Wh, none of the void one's
    assert sum(cm.chargers_hourly.values()) == D("16") + 6 + 9 + 4 + 10 + D("7.5") + D("7.5") + 2


@pytest.mark.parametrize("rule", [TOP3_DAYS, MAX_HOUR])
def test_with_meter_intervals_the_installation_sets_the_cost(october, tmp_path, rule):
    store, installation_id = october
    load = meter_load()
    summary = ingest.ingest_file(store, interval_csv(tmp_path / "m1.csv", load))
    assert summary.format == "meter-intervals-csv" and summary.rejected == 0, summary.lines()
    assert summary.new == 19 * 24 * 4 + 12 * 24 + 1  # quarters to the 19th, then hours (the 25th has 25)
    cm = capacity.month_capacity(store, installation_id, OCT, rule)
    assert cm.has_meter and cm.meter_ids == ["M1"] and cm.missing_days == []
    assert cm.installation_hourly == load
    level, hours = independent_level(load, rule)
    rest = {h: kw - EXPECTED_CHARGERS.get(h, D(0)) for h, kw in load.items()}
    rest_level, _ = independent_level(rest, rule)
    assert cm.installation_level == level and [h for h, _ in cm.installation_peaks] == hours
    assert cm.without_chargers_level == rest_level
    assert cm.installation_cost == step_cost(level)
    assert cm.attributed_cost == step_cost(level) - step_cost(rest_level)
    assert cm.chargers_cost == step_cost(independent_level(EXPECTED_CHARGERS, rule)[0])
    rows = cm.peak_rows
    assert [r.hour for r in rows] == hours
    assert [r.installation_kw for r in rows] == [load[h] for h in hours]
    assert [r.chargers_kw for r in rows] == [EXPECTED_CHARGERS.get(h, D(0)) for h in hours]
    if rule == TOP3_DAYS:  # 14, 13, 10.5 -> 12.5 kW (400 kr); without the chargers 9, 8.8, 8.6 -> 8.8 (290)
        assert level == D("12.5") and rest_level == D("8.8") and cm.attributed_cost == 110
        assert rows[0].chargers_share == D("11") / 14
    else:  # 14 kW (400 kr); without the chargers 9 kW (290)
        assert level == 14 and cm.attributed_cost == 110
    table = capacity.peak_table(cm)
    assert len(table) == len(hours)
    figure = capacity.chart(cm)  # the installation's bars, the chargers', the peaks marked
    assert [len(trace.x) for trace in figure.data] == [745, 745, len(hours)]
    assert list(figure.data[2].y) == [float(load[h]) for h in hours]
    shares = capacity.resident_rows(store, cm)
    assert sum(r["kwh"] for r in shares) == sum(cm.residents_peak_kwh.values())
    assert {r["user"] for r in shares} >= {"Ola Hansen"}
    if rule == TOP3_DAYS:  # the repeated hour says which of the two it is
        assert table[1]["hour"].endswith("(UTC+01:00)")


def test_a_day_the_intervals_miss_is_named_and_the_chargers_step_is_used(october, tmp_path):
    store, installation_id = october
    gap = local("2026-10-09T13:00")
    summary = ingest.ingest_file(store, interval_csv(tmp_path / "m1.csv", meter_load(), skip={gap}))
    assert summary.rejected == 0
    cm = capacity.month_capacity(store, installation_id, OCT)
    assert not cm.has_meter and cm.meter_ids == ["M1"] and cm.missing_days == [date(2026, 10, 9)]
    assert cm.installation_level is None and cm.attributed_cost == cm.chargers_cost == 290


def test_the_autumn_night_has_two_hours_at_two(october):
    store, installation_id = october
    cm = capacity.month_capacity(store, installation_id, OCT)
    twos = [h for h in cm.hours if h.astimezone(OSLO).date() == date(2026, 10, 25) and h.astimezone(OSLO).hour == 2]
    assert twos == [utc("2026-10-25T00:00"), utc("2026-10-25T01:00")]
    assert [cm.chargers_hourly[h] for h in twos] == [D("4"), D("10")]
    assert len([h for h in cm.hours if h.astimezone(OSLO).date() == date(2026, 10, 25)]) == 25
    march = capacity.month_hours(date(2026, 3, 1), "Europe/Oslo")
    assert len(march) == 31 * 24 - 1


# -- the interval CSV --------------------------------------------------------------------------------------

def test_interval_rows_are_checked_and_rejected_with_line_and_reason(october, tmp_path):
    store, _installation_id = october
    cs.add_sessions(store, tmp_path, [cs.session("x", "kari", "c9", "2026-10-02T10:00", "2026-10-02T11:00", 1)],
                    "Garage B", "b.json")  # two installations: a new meter must say which
    feed = tmp_path / "bad.csv"
    feed.write_text("\n".join([
        "meter_id,from,to,kwh,installation",
        "M1,2026-10-01T00:00,2026-10-01T01:00,2.5,Garage A",       # 2 good
        "M1,2026-10-01T01:00,2026-10-01T01:30,1,Garage A",         # 3 30 minutes
        "M1,2026-10-01T02:00,2026-10-01T03:00,-1,Garage A",        # 4 negative
        "M2,2026-10-01T02:00,2026-10-01T03:00,1,",                 # 5 unknown meter, no installation
        "M1,2026-10-01T03:10,2026-10-01T03:25,1,Garage A",         # 6 not on the quarter
        "M1,yesterday,2026-10-01T03:00,1,Garage A",                # 7 unparseable from
        "M1,2026-03-29T02:00,2026-03-29T03:00,1,Garage A",         # 8 the spring gap
        "M1,2026-10-01T00:15,2026-10-01T00:30,1,Garage A",         # 9 overlaps line 2's hour
        "M1,2026-10-01T04:00,2026-10-01T05:00,1.0001,Garage A",    # 10 finer than a Wh
        "M1,2026-10-01T04:00,2026-10-01T05:00,1",                  # 11 malformed
        "M1,2026-10-01T00:00,2026-10-01T01:00,2.5,Garage A",       # 12 duplicate of line 2
    ]) + "\n", encoding="utf-8")
    summary = ingest.ingest_file(store, feed)
    assert (summary.new, summary.duplicate, summary.rejected) == (1, 1, 9)
    rejected = store.cursor().execute("SELECT position, reason FROM rejected_rows WHERE import_id = ? "
                                      "ORDER BY position", [summary.import_id]).fetchall()
    assert [(n, reasons.kind_of(r)) for n, r in rejected] == [
        (3, "interval not 15 or 60 minutes"), (4, "negative kWh"), (5, "unknown meter"),
        (6, "interval not on the quarter hour"), (7, "unparseable from"),
        (8, "local time in the daylight-saving gap"), (9, "overlapping interval"), (10, "kWh finer than 1 Wh"),
        (11, "malformed CSV line")]
    assert all(reasons.kind_of(r) in reasons.KINDS for _n, r in rejected)


def test_a_changed_interval_replaces_the_stored_one_and_says_so(october, tmp_path):
    store, _installation_id = october
    first = tmp_path / "a.csv"
    first.write_text("meter_id,from,to,kwh,installation\nM1,2026-10-01T00:00,2026-10-01T00:15,1.5,Garage A\n"
                     "M1,2026-10-01T00:15,2026-10-01T00:30,1.5,Garage A\n", encoding="utf-8")
    assert ingest.ingest_file(store, first).new == 2
    second = tmp_path / "b.csv"
    second.write_text("meter_id,from,to,kwh\nM1,2026-10-01T00:00,2026-10-01T00:15,1.75\n"
                      "M1,2026-10-01T00:15,2026-10-01T00:30,1.5\n", encoding="utf-8")
    summary = ingest.ingest_file(store, second)
    assert (summary.new, summary.updated, summary.duplicate, summary.rejected) == (0, 1, 1, 0)
    assert "1 updated" in summary.lines()[0]
    assert store.cursor().execute("SELECT kwh FROM meter_intervals ORDER BY starts_at").fetchall() == [
        (D("1.750"),), (D("1.500"),)]


def test_the_norwegian_excel_dialect_and_naive_local_times_on_the_autumn_night(october, tmp_path):
    store, _installation_id = october
    feed = tmp_path / "excel.csv"
    feed.write_bytes("\n".join([
        "meter_id;from;to;kwh;installation",
        "M1;25.10.2026 01:00;25.10.2026 02:00;3,5;Garage A",
        "M1;25.10.2026 02:00;25.10.2026 02:00;4,25;Garage A",   # the first 02:00 hour, up to the second
        "M1;25.10.2026 02:00;25.10.2026 03:00;5;Garage A",      # the second
    ]).encode("windows-1252"))
    assert ingest.detect_format(feed) == "meter-intervals-csv"
    summary = ingest.ingest_file(store, feed)
    assert (summary.new, summary.rejected) == (3, 0), summary.lines()
    assert store.cursor().execute("SELECT starts_at, kwh FROM meter_intervals ORDER BY starts_at").fetchall() == [
        (utc("2026-10-24T23:00"), D("3.500")), (utc("2026-10-25T00:00"), D("4.250")),
        (utc("2026-10-25T01:00"), D("5.000"))]


def test_the_interval_reason_kinds_are_registered():
    text = test_reasons.PY_COMMENT.sub("", Path(intervals.__file__).read_text(encoding="utf-8"))
    kinds = {m.group(2) for m in test_reasons.PY_KIND.finditer(text)}
    assert {"negative kWh", "interval not 15 or 60 minutes", "overlapping interval"} <= kinds
    assert kinds <= reasons.KINDS, kinds - reasons.KINDS


# -- the page ----------------------------------------------------------------------------------------------

def test_the_system_owner_sees_the_page_and_a_resident_is_refused(app_env):
    at = page_as(support.STYRET, "capacity")
    shown = texts(at)
    assert "Capacity and peaks" in shown and "Why the capacity peak matters" in shown
    assert "Chargers' level" in shown and "Attributed to charging" in shown
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) >= 1
    at.radio(key="cap_rule_v0").set_value(MAX_HOUR).run()
    assert not at.exception, at.exception
    release_app_store()
    at = fresh(str(Path(support.__file__).resolve().parents[1] / "pages" / "capacity.py"))
    assert has_login_form(at)
    at = log_in(at, support.RESIDENT.username, support.RESIDENT.password)
    assert [e.value for e in at.error] == [REFUSED]
    assert "Capacity and peaks" not in texts(at)


def test_the_feed_helper_writes_what_the_fixture_says(tmp_path):
    record = zaptec_utc("z", None, "c2", utc("2026-10-25T01:00"), utc("2026-10-25T02:00"), 10)
    assert json.loads(json.dumps(record))["StartDateTime"] == "2026-10-25T01:00:00.000"


def test_with_meter_readings_the_page_shows_the_installations_level_and_the_attributed_cost(app_env, tmp_path):
    # March 2025 (23 hours on the 30th) read by the meter hour by hour, loaded from the command line
    # with the format named; a 20 kWh hour on the 4th besides 2 kWh every hour.
    start, end = datetime(2025, 3, 1, tzinfo=OSLO).astimezone(UTC), datetime(2025, 4, 1, tzinfo=OSLO).astimezone(UTC)
    hours = [start + timedelta(hours=n) for n in range(int((end - start).total_seconds() // 3600))]
    assert len(hours) == 743
    peak = datetime(2025, 3, 4, 12, tzinfo=OSLO).astimezone(UTC)
    feed = tmp_path / "elhub.csv"
    feed.write_text("meter_id,from,to,kwh\n" + "".join(
        f"707057500000000001,{h.astimezone(OSLO).isoformat()},{(h + timedelta(hours=1)).astimezone(OSLO).isoformat()},"
        f"{20 if h == peak else 2}\n" for h in hours), encoding="utf-8")
    from chargeboard import cli  # noqa: PLC0415
    from chargeboard.store import Store  # noqa: PLC0415

    assert cli.build_parser().parse_args(["ingest", str(feed), "--format", "meter-intervals-csv"]).format \
        == "meter-intervals-csv"
    release_app_store()
    store = Store(Path(app_env["CHARGEBOARD_DB"]))
    try:
        summary = ingest.ingest_file(store, feed, fmt="meter-intervals-csv", installation="Testlaget")
    finally:
        store.close()
    assert (summary.new, summary.rejected) == (743, 0), summary.lines()
    at = page_as(support.STYRET, "capacity")
    at.selectbox(key="cap_month").select(date(2025, 3, 1)).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Installation's level (meter)"] != "–"
    assert "No meter interval readings" not in texts(at)
    peaks = at.dataframe[1].value if len(at.dataframe) > 1 else None
    assert peaks is not None and {"installation_kw", "chargers_share"} <= set(peaks.columns)


def test_statements_share_the_attributed_capacity_cost_by_kwh_in_the_peak_hours(october):
    from chargeboard import statements, tariffs  # noqa: PLC0415
    from chargeboard.scope import system_scope  # noqa: PLC0415

    store, _inst = october
    tariffs.add_version(store, "test", date(2026, 9, 1), "0", formula={
        "kind": "formula", "markup_per_kwh": "1", "capacity": {"rule": "top3_days", "share_with_residents": True,
                                                              "steps": [{"from_kw": "0", "to_kw": "5", "per_month": "100"},
                                                                        {"from_kw": "5", "to_kw": "10", "per_month": "300"},
                                                                        {"from_kw": "10", "per_month": "900"}]}})
    # the chargers' own peaks (no meter): 11 kW on the 1st (kari 8, ola 3 kWh), 10 kW on the 25th (open
    # charging), 7.5 kW on the 12th (ola): level 9.5 kW, the 300 kr step, shared 8 : 10.5 : 10
    st = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 10, 1),
                                                                                      date(2026, 10, 31)))
    share = {x.user_id: x.capacity_share for x in st.lines}
    assert share == {"u-kari": D("84.21"), "u-ola": D("110.53"), "": D("105.26"), "u-per": D("0.00")}
    assert st.totals["capacity_share"] == D("300.00") and st.capacity_months == (date(2026, 10, 1),)
    assert [title for title, _meaning in statements.meanings(st)] == ["Supplier's markup", "Capacity share"]
    assert all(x.total == x.energy_cost + x.fixed_fee + x.capacity_share for x in st.lines)
    rows = statements.resident_rows(st, next(x for x in st.lines if x.user_id == "u-ola"), [])
    assert rows[-1][3] == D("110.53") and "capacity" in rows[-1][0]
    # a period that covers September only in part shares October's and says why not September's
    st = statements.build_statements(store, system_scope(), statements.StatementRequest(date(2026, 9, 15),
                                                                                      date(2026, 10, 31)))
    assert st.capacity_months == (date(2026, 10, 1),) and st.totals["capacity_share"] == D("300.00")
    assert any("September 2026" in n and "whole month" in n for n in st.notes), st.notes


def test_missing_days_are_named_as_runs():
    days = [date(2026, 12, 3), *[date(2026, 12, d) for d in range(8, 32)]]
    assert capacity.days_text(days) == "3 Dec 2026, 8 Dec 2026–31 Dec 2026"
    assert capacity.days_text([]) == ""


# -- a year in one pass (issue 29: a year's statements share 12 months' capacity cost) -------------------

YEAR_SESSIONS = SESSIONS + [
    cs.session("y1", "kari", "c1", "2026-01-15T18:00", "2026-01-15T21:00", 21),
    # across the end of March (the spring month, 743 hours) into April: 1.25 of its 5 kWh in March
    cs.session("y2", "ola", "c2", "2026-03-31T23:30", "2026-04-01T01:30", 5),
    # through the spring night's missing hour (01:30-04:30 local is 2 hours: 00:30-02:30 UTC)
    zaptec_utc("y3", "per", "c1", utc("2026-03-29T00:30"), utc("2026-03-29T02:30"), 6),
    # hourly details from May into June
    cs.session("y4", "per", "c2", "2026-05-31T23:00", "2026-06-01T02:00", 9,
               details=[("2026-05-31T23:00", 3), ("2026-06-01T00:00", 3), ("2026-06-01T01:00", 3)]),
    # a detail the charger dated a month after the session: no month places it (each month alone would not)
    cs.session("y5", "kari", "c1", "2026-06-10T10:00", "2026-06-10T12:00", 4,
               details=[("2026-06-10T10:00", 1), ("2026-07-10T11:00", 1)]),
    # an unreliable clock in February; open charging from November's last hour into December
    zaptec_utc("y6", "ola", "c2", local("2026-02-03T10:00"), local("2026-02-03T11:00"), 7, metadata=1),
    cs.session("y7", None, "c2", "2026-11-30T23:00", "2026-12-01T01:00", 8),
]


@pytest.mark.parametrize("rule", [TOP3_DAYS, MAX_HOUR])
def test_a_year_in_one_pass_is_each_month_as_read_alone(tmp_path, rule):
    store = cs.make_store(tmp_path, YEAR_SESSIONS, installation="Garage A")
    try:
        installation_id = store.rows("installations_all")[0][0]
        assert ingest.ingest_file(store, interval_csv(tmp_path / "m1.csv", meter_load())).rejected == 0  # October's
        months = [date(2026, m, 1) for m in range(1, 13)]
        year = capacity.months_capacity(store, installation_id, [date(2026, m, 17) for m in range(12, 0, -1)], rule)
        assert list(year) == months
        for month in months:
            assert year[month] == capacity.month_capacity(store, installation_id, month, rule), month
        assert len(year[date(2026, 3, 1)].hours) == 743 and len(year[date(2026, 10, 1)].hours) == 745
        assert year[date(2026, 10, 1)].has_meter and not year[date(2026, 9, 1)].has_meter
        assert sum(year[date(2026, 3, 1)].chargers_hourly.values()) == D("6") + D("1.25")
        assert sum(year[date(2026, 4, 1)].chargers_hourly.values()) == D("3.75")
        assert sum(year[date(2026, 6, 1)].chargers_hourly.values()) == D("6") + D("2")  # y5's July Wh nowhere
        assert year[date(2026, 7, 1)].chargers_hourly == {}
        assert (year[date(2026, 2, 1)].unplaced_sessions, year[date(2026, 2, 1)].unplaced_kwh) == (1, D("7"))
        assert sum(year[date(2026, 11, 1)].chargers_hourly.values()) == sum(year[date(2026, 12, 1)].chargers_hourly
                                                                             .values()) == D("4")
        # months apart are read apart, and each is still itself
        apart = capacity.months_capacity(store, installation_id, [date(2026, 1, 1), date(2026, 6, 1)], rule)
        assert apart == {m: year[m] for m in (date(2026, 1, 1), date(2026, 6, 1))}
    finally:
        store.close()


def test_the_board_packs_months_are_each_month_as_read_alone(tmp_path):
    """period_months reads its months together (one pass per installation and rule) and gives, newest
    first, exactly what month_capacity gives each month under the tariff's rule (here: none, the default)."""
    store = cs.make_store(tmp_path, YEAR_SESSIONS, installation="Garage A")
    try:
        installation_id = store.rows("installations_all")[0][0]
        shown = capacity.period_months(store, [installation_id], date(2026, 1, 1), date(2026, 12, 31))
        assert [m.month for m in shown] == sorted(capacity.months(store, installation_id), reverse=True)
        assert len(shown) >= 6
        for cm in shown:
            rule, steps, _version = capacity.rule_of_tariff(store, cm.month, installation_id)
            assert cm == capacity.month_capacity(store, installation_id, cm.month, rule, steps), cm.month
    finally:
        store.close()
