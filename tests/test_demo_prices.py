"""The demo's generated NO1 spot prices (chargeboard_demo/prices.py): the public API's day files, every
interval of every local day once, hourly before 2025-10-01 and quarter-hourly from then."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from chargeboard_demo import prices

OSLO = ZoneInfo("Europe/Oslo")
FIRST, LAST = dt.date(2024, 11, 25), dt.date(2026, 11, 24)  # the demo's window for END = 2026-11-24
KEYS = ["NOK_per_kWh", "EUR_per_kWh", "EXR", "time_start", "time_end"]
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    paths = prices.write_price_files(out, FIRST, LAST)
    return out, paths, {dt.date(int(p.parent.name), int(p.name[:2]), int(p.name[3:5])): json.loads(p.read_text())
                        for p in paths}


def test_one_file_a_day_at_the_apis_path(written):
    out, paths, days = written
    assert len(paths) == (LAST - FIRST).days + 1 == len(days)
    assert paths[0] == out / "prices" / "2024" / "11-25_NO1.json"
    assert all(re.fullmatch(r"\d\d-\d\d_NO1\.json", p.name) for p in paths)
    assert (out / "prices" / "2026" / "03-29_NO1.json").exists()


def test_keys_types_and_time_format(written):
    for rows in written[2].values():
        assert isinstance(rows, list) and rows
        for row in rows:
            assert list(row) == KEYS
            assert all(isinstance(row[k], float) for k in KEYS[:3])
            assert TIME_RE.match(row["time_start"]) and TIME_RE.match(row["time_end"])
            assert abs(row["EUR_per_kWh"] - row["NOK_per_kWh"] / row["EXR"]) < 1e-5
            assert 10.5 < row["EXR"] < 12.5


def test_every_day_covered_without_gap_or_overlap(written):
    days = written[2]
    for day, rows in days.items():
        starts = [dt.datetime.fromisoformat(r["time_start"]) for r in rows]
        ends = [dt.datetime.fromisoformat(r["time_end"]) for r in rows]
        assert starts[0] == dt.datetime(day.year, day.month, day.day, tzinfo=OSLO), day
        assert ends[-1] == dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), OSLO), day
        assert all(a == b for a, b in zip(ends, starts[1:], strict=False)), day  # back to back, no gap or overlap
        minutes = {(e - s).total_seconds() / 60 for s, e in zip(starts, ends, strict=True)}
        assert minutes == {15 if day >= dt.date(2025, 10, 1) else 60}, day
        hours = (ends[-1] - starts[0]).total_seconds() / 3600
        assert len(rows) == hours * (4 if day >= dt.date(2025, 10, 1) else 1)
    # the clock changes: 23 and 25 hours, 92 and 100 quarters
    assert len(days[dt.date(2025, 3, 30)]) == 23 and len(days[dt.date(2025, 10, 26)]) == 100
    assert len(days[dt.date(2026, 3, 29)]) == 92 and len(days[dt.date(2026, 10, 25)]) == 100
    autumn = [r["time_start"] for r in days[dt.date(2025, 10, 26)]]
    assert "2025-10-26T02:00:00+02:00" in autumn and "2025-10-26T02:00:00+01:00" in autumn
    for a, b in pairwise(sorted(days)):
        assert days[a][-1]["time_end"] == days[b][0]["time_start"]


def test_deterministic_for_a_seed_and_a_day(written, tmp_path):
    again = prices.write_price_files(tmp_path, dt.date(2026, 1, 10), dt.date(2026, 1, 20))
    assert [p.read_bytes() for p in again] == [
        p.read_bytes() for p in written[1] if dt.date(2026, 1, 10) <= dt.date(int(p.parent.name), int(p.name[:2]),
                                                                             int(p.name[3:5])) <= dt.date(2026, 1, 20)]
    other = prices.write_price_files(tmp_path / "other", dt.date(2026, 1, 10), dt.date(2026, 1, 10), seed=7)
    assert other[0].read_bytes() != again[0].read_bytes()


def test_levels_are_no1_like(written):
    days = written[2]
    year = [r["NOK_per_kWh"] for d, rows in days.items() if d.year == 2025 for r in rows]
    assert 0.5 <= statistics.mean(year) <= 1.2
    winter = [r["NOK_per_kWh"] for d, rows in days.items() if d.month in (12, 1, 2) for r in rows]
    summer = [r["NOK_per_kWh"] for d, rows in days.items() if d.month in (6, 7, 8) for r in rows]
    assert 1.0 <= statistics.mean(winter) <= 1.5 and 0.25 <= statistics.mean(summer) <= 0.6
    every = [r["NOK_per_kWh"] for rows in days.values() for r in rows]
    assert any(p > 0.77 for p in every) and any(p < 0.77 for p in every)  # strømstøtte shows, and not always
    assert sum(p > 0.77 for p in every) / len(every) < 0.8
    assert any(p < 0 for p in summer)
    week = prices.cold_week(2026)
    cold = [r["NOK_per_kWh"] for d, rows in days.items() if week <= d < week + dt.timedelta(days=5) for r in rows]
    assert max(cold) > 2.5


def test_daily_shape_and_weekends(written):
    days = written[2]
    def mean_at(hour, weekend):  # noqa: E306
        return statistics.mean(r["NOK_per_kWh"] for d, rows in days.items() if (d.weekday() >= 5) == weekend
                               for r in rows if dt.datetime.fromisoformat(r["time_start"]).hour == hour)
    assert mean_at(18, False) > 1.2 * mean_at(3, False) and mean_at(8, False) > mean_at(12, False)
    weekday = statistics.mean(r["NOK_per_kWh"] for d, rows in days.items() if d.weekday() < 5 for r in rows)
    weekend = statistics.mean(r["NOK_per_kWh"] for d, rows in days.items() if d.weekday() >= 5 for r in rows)
    assert weekend < 0.95 * weekday


def test_hourly_throughout_when_asked(tmp_path):
    """A benchmark of hourly spot asks for hours after 2025-10-01 too: the same day's hours, 24 a day."""
    hourly = prices.day_prices(dt.date(2026, 1, 13), quarter_hours_from=None)
    assert len(hourly) == 24 and hourly[17]["time_start"] == "2026-01-13T17:00:00+01:00"
    assert len(prices.day_prices(dt.date(2026, 3, 29), quarter_hours_from=None)) == 23
    paths = prices.write_price_files(tmp_path, dt.date(2026, 1, 1), dt.date(2026, 1, 2), quarter_hours_from=None)
    assert [len(json.loads(p.read_text())) for p in paths] == [24, 24]
