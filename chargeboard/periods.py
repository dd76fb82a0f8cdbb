"""Period presets, as dates in the installation's local calendar (both ends inclusive)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chargeboard import settings

PRESETS = ("This month", "Last month", "This year", "Last year", "Last 12 months", "All time", "Custom")


def local_today(time_zone: str = settings.DEFAULT_TIME_ZONE) -> date:
    """Today in the installation's calendar; the one place "today" is read (settings.fixed_today)."""
    return settings.fixed_today() or datetime.now(ZoneInfo(time_zone)).date()


def preset_range(preset: str, today: date) -> tuple[date, date]:
    first_of_month = today.replace(day=1)
    if preset == "This month":
        return first_of_month, today
    if preset == "Last month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "This year":
        return date(today.year, 1, 1), today
    if preset == "Last year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset == "Last 12 months":
        start = first_of_month.replace(year=first_of_month.year - 1)
        return start, today
    if preset == "All time":
        return date(2000, 1, 1), today
    raise ValueError(f"unknown period preset {preset!r}")


def bounds(date_from: date, date_to: date) -> dict:
    """Query parameters for an inclusive local-date period: [from 00:00, to+1 00:00)."""
    if date_to < date_from:
        raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")
    return {
        "local_from": datetime.combine(date_from, datetime.min.time()),
        "local_to": datetime.combine(date_to + timedelta(days=1), datetime.min.time()),
    }
