"""Periods as people use them (issue 10, item 4): presets, calendar comparisons, labels, partial data."""

from __future__ import annotations

from datetime import date

import pytest

from chargeboard import periods

D = date


@pytest.mark.parametrize(("preset", "expected"), [
    ("This month", (D(2026, 11, 1), D(2026, 11, 25))),
    ("Last month", (D(2026, 10, 1), D(2026, 10, 31))),
    ("This quarter", (D(2026, 10, 1), D(2026, 11, 25))),
    ("Last quarter", (D(2026, 7, 1), D(2026, 9, 30))),
    ("This year", (D(2026, 1, 1), D(2026, 11, 25))),
    ("Last year", (D(2025, 1, 1), D(2025, 12, 31))),
    ("Last 12 months", (D(2025, 11, 1), D(2026, 11, 25))),
])
def test_presets(preset, expected):
    assert periods.preset_range(preset, D(2026, 11, 25)) == expected


def test_last_quarter_across_the_new_year():
    assert periods.preset_range("Last quarter", D(2026, 2, 3)) == (D(2025, 10, 1), D(2025, 12, 31))


def test_all_time_starts_at_the_first_session_never_in_2000():
    assert periods.preset_range("All time", D(2026, 11, 25), first_day=D(2026, 10, 20)) == (D(2026, 10, 20),
                                                                                              D(2026, 11, 25))
    assert periods.preset_range("All time", D(2026, 11, 25)) == (D(2026, 11, 25), D(2026, 11, 25))  # no data


@pytest.mark.parametrize(("period", "previous", "last_year", "labels"), [
    # a calendar month: October vs September, and vs October last year (not "31 Aug – 30 Sep")
    ((D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 9, 1), D(2026, 9, 30)), (D(2025, 10, 1), D(2025, 10, 31)),
     ("October 2026", "September 2026", "October 2025")),
    # a month so far: the same days of the month before
    ((D(2026, 11, 1), D(2026, 11, 25)), (D(2026, 10, 1), D(2026, 10, 25)), (D(2025, 11, 1), D(2025, 11, 25)),
     ("1–25 Nov 2026", "1–25 Oct 2026", "1–25 Nov 2025")),
    # a quarter: Q3 vs Q2
    ((D(2026, 7, 1), D(2026, 9, 30)), (D(2026, 4, 1), D(2026, 6, 30)), (D(2025, 7, 1), D(2025, 9, 30)),
     ("Q3 2026", "Q2 2026", "Q3 2025")),
    # the first quarter: the previous is last year's fourth
    ((D(2026, 1, 1), D(2026, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31)), (D(2025, 1, 1), D(2025, 3, 31)),
     ("Q1 2026", "Q4 2025", "Q1 2025")),
    # a year
    ((D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31)),
     ("2025", "2024", "2024")),
    # a leap February: its month end moves to the 28th
    ((D(2024, 2, 1), D(2024, 2, 29)), (D(2024, 1, 1), D(2024, 1, 31)), (D(2023, 2, 1), D(2023, 2, 28)),
     ("February 2024", "January 2024", "February 2023")),
    # any other period: the same number of days right before
    ((D(2026, 3, 10), D(2026, 3, 19)), (D(2026, 2, 28), D(2026, 3, 9)), (D(2025, 3, 10), D(2025, 3, 19)),
     ("10–19 Mar 2026", "28 Feb – 9 Mar 2026", "10–19 Mar 2025")),
])
def test_calendar_comparisons(period, previous, last_year, labels):
    assert periods.previous_period(*period) == previous
    assert periods.same_period_last_year(*period) == last_year
    assert (periods.label(*period), periods.label(*previous), periods.label(*last_year)) == labels


def test_partial_coverage():
    today = D(2026, 11, 25)
    full = periods.Coverage(D(2026, 10, 1), D(2026, 10, 31), D(2026, 9, 1), today)
    assert not full.partial and full.reason == ""
    late = periods.Coverage(D(2026, 1, 1), D(2026, 12, 31), D(2026, 10, 20), today)
    assert late.partial and late.reason == "data only from 20 Oct 2026"
    nothing = periods.Coverage(D(2025, 10, 1), D(2025, 10, 31), D(2026, 10, 20), today)
    assert nothing.partial and nothing.reason == "no data for October 2025"
    future = periods.Coverage(D(2026, 11, 1), D(2026, 11, 30), D(2026, 1, 1), today)
    assert future.partial and future.reason == "November 2026 is not over yet"


def test_today_can_be_pinned(monkeypatch):
    monkeypatch.setenv("CHARGEBOARD_TODAY", "2026-10-05")
    assert periods.local_today() == D(2026, 10, 5)
