"""Deterministic NO1-like spot prices for the demo co-op (issue 29), written as the public price API serves them.

`write_price_files(out, first, last, seed)` writes one JSON file a local day,
``<out>/prices/YYYY/MM-DD_NO1.json``, exactly in the form of ``/api/v1/prices/YYYY/MM-DD_NO1.json``:
an array of ``{"NOK_per_kWh", "EUR_per_kWh", "EXR", "time_start", "time_end"}``, prices excluding VAT,
times in Europe/Oslo with their offset (``"2026-03-29T00:00:00+01:00"``). Hourly intervals before
2025-10-01, quarter hours from that day (as the day-ahead market since 1 October 2025); a day when the
clocks change has 23 or 25 hours (92 or 100 quarters).

The prices are made up, not history. The model: a seasonal level (about 1.3 NOK/kWh in mid-January,
0.4 in mid-July), weather-like swings over days and weeks, a daily shape with morning and evening peaks
(flatter at weekends, which are cheaper), summer nights and middays that can go to zero or below, and
a cold week in every January (the Monday on or after the 12th) whose weekday peaks pass 2.5 NOK/kWh.
The demo's charging peak (generator.py) falls in the same week. Every value depends only on the seed and
the day, so any range of days gives the same prices for the days it shares with another.

Standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard import files

TZ = ZoneInfo("Europe/Oslo")
AREA = "NO1"
DEFAULT_SEED = 2024
QUARTER_HOURS_FROM = dt.date(2025, 10, 1)  # the day-ahead market's 15-minute intervals
PRICES_DIR = "prices"


def cold_week(year: int) -> dt.date:
    """Monday of the demo's cold week in January of `year` (the Monday on or after 12 January)."""
    day = dt.date(year, 1, 12)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def interval_minutes(day: dt.date, quarter_hours_from: dt.date | None = QUARTER_HOURS_FROM) -> int:
    return 15 if quarter_hours_from is not None and day >= quarter_hours_from else 60


def day_file(out: Path, day: dt.date, area: str = AREA) -> Path:
    """``<out>/prices/YYYY/MM-DD_NO1.json``: the API's own path under a folder."""
    return Path(out) / PRICES_DIR / f"{day.year:04d}" / f"{day.month:02d}-{day.day:02d}_{area}.json"


def _weather(seed: int, day: dt.date) -> float:
    """Slow swings (weather, water, the continent): a sum of waves with seeded phases, about ±0.25."""
    waves = random.Random(f"{seed}:waves")
    n = day.toordinal()
    return sum(amp * math.sin(2 * math.pi * n / period + waves.uniform(0, 2 * math.pi))
               for period, amp in ((4.3, 0.06), (9.7, 0.08), (23.0, 0.09), (61.0, 0.07)))


def _level(day: dt.date) -> float:
    """Seasonal level, NOK/kWh excl. VAT: ~1.30 in mid-January, ~0.40 in mid-July."""
    return 0.85 + 0.45 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)


def _shape(hour: float, weekend: bool) -> float:
    """Daily shape, mean about 1: morning peak ~08, evening peak ~18, cheap nights."""
    morning = math.exp(-((hour - 8.0) / 1.6) ** 2) * (0.12 if weekend else 0.32)
    evening = math.exp(-((hour - 18.0) / 2.0) ** 2) * (0.25 if weekend else 0.38)
    night = math.exp(-((hour - 3.5) / 2.2) ** 2) * 0.28
    return 0.92 + morning + evening - night


def _summer_dip(day: dt.date, hour: float) -> float:
    """NOK/kWh taken off in summer nights and sunny middays (May–August); can push a price below zero."""
    summer = max(0.0, math.cos(2 * math.pi * (day.timetuple().tm_yday - 196) / 365.25) - 0.35) / 0.65
    return summer * (0.30 * math.exp(-((hour - 3.0) / 1.8) ** 2) + 0.22 * math.exp(-((hour - 13.0) / 2.0) ** 2))


def _exchange_rate(seed: int, day: dt.date) -> float:
    rng = random.Random(f"{seed}:exr:{day.isoformat()}")
    return round(11.5 + 0.25 * math.sin(2 * math.pi * day.toordinal() / 180.0) + rng.uniform(-0.05, 0.05), 4)


def day_prices(day: dt.date, seed: int = DEFAULT_SEED, quarter_hours_from: dt.date | None = QUARTER_HOURS_FROM
               ) -> list[dict]:
    """One day's rows, in the API's form and order (NOK and EUR per kWh excl. VAT); quarter hours from
    `quarter_hours_from` (None: hourly throughout, as a benchmark of hourly spot wants)."""
    rng = random.Random(f"{seed}:day:{day.isoformat()}")
    exr = _exchange_rate(seed, day)
    weekend = day.weekday() >= 5
    base = _level(day) * math.exp(_weather(seed, day) + rng.gauss(0, 0.06)) * (0.86 if weekend else 1.0)
    week = cold_week(day.year)
    cold = week <= day < week + dt.timedelta(days=5)
    step = dt.timedelta(minutes=interval_minutes(day, quarter_hours_from))
    start = dt.datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ).astimezone(dt.UTC)
    rows = []
    hour_noise: dict[int, float] = {}
    t = start
    while t < end:
        local = t.astimezone(TZ)
        hour = local.hour + local.minute / 60
        noise = hour_noise.setdefault(local.hour, rng.gauss(0, 0.04))
        nok = base * _shape(hour, weekend) * (1 + noise) - _summer_dip(day, hour)
        if cold and not weekend:  # the cold week: scarce power in the peaks
            nok *= 1.35 + 0.9 * math.exp(-((hour - 8.0) / 1.2) ** 2) + 0.9 * math.exp(-((hour - 18.0) / 1.5) ** 2)
        if step.seconds == 900:
            nok *= 1 + rng.uniform(-0.025, 0.025)  # quarters within an hour differ a little
        nok = round(nok, 5)
        rows.append({"NOK_per_kWh": nok, "EUR_per_kWh": round(nok / exr, 5), "EXR": exr,
                     "time_start": local.isoformat(), "time_end": (t + step).astimezone(TZ).isoformat()})
        t += step
    return rows


def write_price_files(out: Path, first: dt.date, last: dt.date, seed: int = DEFAULT_SEED, *,
                      quarter_hours_from: dt.date | None = QUARTER_HOURS_FROM) -> list[Path]:
    """Write one NO1 day file a local day from `first` to `last` (inclusive); returns the paths in day order."""
    paths = []
    day = first
    while day <= last:
        path = day_file(out, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomically(path, json.dumps(day_prices(day, seed, quarter_hours_from), separators=(",", ":")),
                                durable=False)
        paths.append(path)
        day += dt.timedelta(days=1)
    return paths
