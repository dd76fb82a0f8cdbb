"""Periods as people use them, in the installation's local calendar (both ends inclusive).

A calendar period (a month, a quarter, a year, or the part of one up to today) is compared
as people compare them: October with September and with October last year, Q3 with Q2 —
never with "the same number of days right before" (31 Aug – 30 Sep). Any other period is
compared with the same number of days right before it.

"Today" comes from one place, `local_today`, which reads CHARGEBOARD_TODAY (YYYY-MM-DD) when
it is set, so tests and demos can pin the date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chargeboard import formats, i18n, settings
from chargeboard.i18n import N_, _

# English names (kept in a page's address); a widget shows them translated (format_func=_).
PRESETS = (N_("This month"), N_("Last month"), N_("This quarter"), N_("Last quarter"), N_("This year"),
           N_("Last year"), N_("Last 12 months"), N_("All time"), N_("Custom"))

# The days a period may cover: a board pack compares a period with the one before it and with the
# year before, so the period's length back from its start must still be a date (year 1 raised
# OverflowError). Nothing here charged before 1900; 9999-12-31 has no next day.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_YEARS = 100


class PeriodError(ValueError):
    """A period outside what can be reported; one line for the reader."""


def check_period(date_from: date, date_to: date) -> None:
    """PeriodError for dates outside FIRST_DAY..LAST_DAY or a period longer than MAX_YEARS."""
    if min(date_from, date_to) < FIRST_DAY:
        raise PeriodError(_("{day} is before the first day that can be reported ({first})",
                            day=min(date_from, date_to), first=FIRST_DAY))
    if max(date_from, date_to) > LAST_DAY:
        raise PeriodError(_("{day} is after the last day that can be reported ({last})",
                            day=max(date_from, date_to), last=LAST_DAY))
    if add_months(date_from, 12 * MAX_YEARS) <= date_to:
        raise PeriodError(_("a period is at most {years} years long", years=MAX_YEARS))


def local_today(time_zone: str = settings.DEFAULT_TIME_ZONE) -> date:
    """Today in the installation's calendar; the one place "today" is read (settings.fixed_today)."""
    return settings.fixed_today() or datetime.now(ZoneInfo(time_zone)).date()


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def preset_range(preset: str, today: date, first_day: date | None = None) -> tuple[date, date]:
    """The dates a preset means. "All time" starts at `first_day` (the first session in scope)."""
    first_of_month = today.replace(day=1)
    if preset == "This month":
        return first_of_month, today
    if preset == "Last month":
        start = add_months(first_of_month, -1)
        return start, month_end(start)
    if preset == "This quarter":
        return quarter_start(today), today
    if preset == "Last quarter":
        start = add_months(quarter_start(today), -3)
        return start, add_months(start, 3) - timedelta(days=1)
    if preset == "This year":
        return date(today.year, 1, 1), today
    if preset == "Last year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset == "Last 12 months":
        return add_months(first_of_month, -12), today
    if preset == "All time":
        return min(first_day or today, today), today
    raise ValueError(f"unknown period preset {preset!r}")


def bounds(date_from: date, date_to: date) -> dict:
    """Query parameters for an inclusive local-date period: [from 00:00, to+1 00:00)."""
    if date_to < date_from:
        raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")
    return {
        "local_from": datetime.combine(date_from, datetime.min.time()),
        "local_to": datetime.combine(date_to + timedelta(days=1), datetime.min.time()),
    }


def whole_months(date_from: date, date_to: date) -> dict:
    """Query parameters for the calendar months wholly inside an inclusive local-date period,
    [whole_from, whole_to) as first days of months (whole_from = whole_to: none): a report reads
    those from the monthly sums, and the days at the edges from the sessions."""
    first = date_from if date_from.day == 1 else add_months(date_from.replace(day=1), 1)
    after = date_to + timedelta(days=1)
    after = after if after.day == 1 else after.replace(day=1)
    return {"whole_from": first, "whole_to": max(first, after)}


# --- comparisons -----------------------------------------------------------------------------

def calendar_months(date_from: date, date_to: date) -> int | None:
    """1, 3 or 12 when the period is a calendar month, quarter or year, or the first part of
    one ("this month so far"); the smallest that holds it. Else None."""
    if date_from.day != 1:
        return None
    for months in (1, 3, 12):
        if (date_from.month - 1) % months == 0 and date_to < add_months(date_from, months):
            return months
    return None


def shift(date_from: date, date_to: date, months: int) -> tuple[date, date]:
    """A calendar period moved by whole months: a period ending on a month's last day ends on
    the moved month's last day (29 February → 28 February); else on the same day, or the
    month's last day if it has fewer."""
    start = add_months(date_from, months).replace(day=1)
    start = start.replace(day=min(date_from.day, month_end(start).day))
    end_month = add_months(date_to, months)
    end = month_end(end_month) if date_to == month_end(date_to) else \
        end_month.replace(day=min(date_to.day, month_end(end_month).day))
    return start, end


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period it is compared with: the previous calendar month/quarter/year for a calendar
    period (so far: the same part of it), else the same number of days right before."""
    months = calendar_months(date_from, date_to)
    if months:
        return shift(date_from, date_to, -months)
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


def same_period_last_year(date_from: date, date_to: date) -> tuple[date, date]:
    return shift(date_from, date_to, -12)


def label(date_from: date, date_to: date) -> str:
    """How a person names the period: "October 2026", "Q3 2026", "2025", "1–25 Nov 2026"."""
    if date_from.day == 1 and date_to == month_end(date_to):
        if (date_from.year, date_from.month) == (date_to.year, date_to.month):
            return formats.month_long(date_from)
        if date_from == quarter_start(date_from) and date_to == add_months(date_from, 3) - timedelta(days=1):
            return _("Q{quarter} {year}", quarter=(date_from.month - 1) // 3 + 1, year=date_from.year)
        if (date_from.month, date_to.month, date_from.year) == (1, 12, date_to.year):
            return f"{date_from.year}"
        return f"{formats.month(date_from)} – {formats.month(date_to)}"  # whole months
    if i18n.current() != "en":  # 01.11.2026–25.11.2026: the reader's own date format
        return formats.period(date_from, date_to)
    if date_from.year == date_to.year:
        if date_from.month == date_to.month:
            return f"{date_from.day}–{date_to.day} {date_to:%b %Y}"
        return f"{date_from.day} {date_from:%b} – {date_to.day} {date_to:%b %Y}"
    return f"{date_from.day} {date_from:%b %Y} – {date_to.day} {date_to:%b %Y}"


@dataclass(frozen=True)
class Coverage:
    """Whether a period is fully covered by the data: the data must have started by the
    period's first day, and the period must not run past today."""
    date_from: date
    date_to: date
    first_data: date | None
    today: date

    @property
    def partial(self) -> bool:
        return self.first_data is None or self.first_data > self.date_from or self.date_to > self.today

    @property
    def reason(self) -> str:
        if self.first_data is None or self.first_data > self.date_to:
            return _("no data for {period}", period=label(self.date_from, self.date_to))
        if self.first_data > self.date_from:
            return _("data only from {day}", day=formats.day(self.first_data))
        if self.date_to > self.today:
            return _("{period} is not over yet", period=label(self.date_from, self.date_to))
        return ""
