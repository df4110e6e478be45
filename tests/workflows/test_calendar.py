"""Deadlines under 民法典 Art 201-203 on the official holiday schedule.

Expected dates are worked out by hand from the State Council schedules (国务院办公厅通知):
- National Day 2025: Oct 1 (Wed) to Oct 8 (Wed) off; Sun Sep 28 and Sat Oct 11 are working days.
- Spring Festival 2026: Feb 15 (Sun) to Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 are
  working days.
"""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workflows.calendar import (
    add_months,
    covered_years,
    days_left,
    deadline,
    is_working_day,
    next_working_day,
)
from workflows.errors import CalendarNotCovered
from workflows.rules import CALENDAR_DAYS, WORKING_DAYS

D = date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 28), True),  # Sunday, adjusted working day (调休上班)
        (D(2025, 10, 1), False),  # National Day
        (D(2025, 10, 8), False),  # Wednesday inside the holiday
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # Saturday, adjusted working day
        (D(2026, 2, 14), True),  # Saturday, adjusted working day
        (D(2026, 2, 23), False),  # Monday inside Spring Festival
        (D(2026, 2, 28), True),  # Saturday, adjusted working day
        (D(2025, 6, 14), False),  # plain Saturday
        (D(2025, 6, 16), True),  # plain Monday
    ],
)
def test_is_working_day_follows_the_holiday_schedule(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 6, 16), D(2025, 6, 16)),  # already a working day
        (D(2025, 9, 27), D(2025, 9, 28)),  # Saturday → adjusted working Sunday
        (D(2025, 10, 1), D(2025, 10, 9)),
        (D(2026, 2, 15), D(2026, 2, 24)),
    ],
)
def test_next_working_day(day, expected):
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # National Day 2025
        (D(2025, 9, 21), 10, D(2025, 10, 9)),  # lands on Oct 1 → after the holiday
        (D(2025, 9, 30), 8, D(2025, 10, 9)),  # lands on Oct 8, the last holiday day
        (D(2025, 9, 19), 20, D(2025, 10, 9)),
        (D(2025, 10, 2), 10, D(2025, 10, 13)),  # Sunday Oct 12 → Monday
        # Spring Festival 2026
        (D(2026, 2, 10), 5, D(2026, 2, 24)),  # lands on Feb 15 → after the holiday
        (D(2026, 2, 13), 7, D(2026, 2, 24)),
        (D(2026, 1, 24), 30, D(2026, 2, 24)),  # lands on Monday Feb 23, still holiday
        (D(2026, 2, 20), 9, D(2026, 3, 2)),  # Sunday Mar 1 → Monday
    ],
)
def test_calendar_deadline_across_holidays(start, days, expected):
    assert deadline(start, days, CALENDAR_DAYS) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # National Day 2025
        (D(2025, 9, 26), 3, D(2025, 9, 30)),  # Sat skipped, adjusted Sun Sep 28 counted
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),  # adjusted working Saturday
        (D(2025, 9, 30), 4, D(2025, 10, 13)),
        (D(2025, 9, 25), 5, D(2025, 10, 9)),
        (D(2025, 9, 19), 20, D(2025, 10, 23)),
        # Spring Festival 2026
        (D(2026, 2, 12), 1, D(2026, 2, 13)),
        (D(2026, 2, 12), 2, D(2026, 2, 14)),  # adjusted working Saturday
        (D(2026, 2, 12), 3, D(2026, 2, 24)),
        (D(2026, 2, 13), 5, D(2026, 2, 27)),
        (D(2026, 2, 13), 6, D(2026, 2, 28)),  # adjusted working Saturday
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # starts on a working day, still not counted
    ],
)
def test_working_day_deadline_across_holidays(start, days, expected):
    assert deadline(start, days, WORKING_DAYS) == expected


@pytest.mark.parametrize(
    ("start", "days", "saturday"),
    [
        (D(2025, 10, 1), 10, D(2025, 10, 11)),
        (D(2026, 2, 9), 5, D(2026, 2, 14)),
        (D(2026, 2, 20), 8, D(2026, 2, 28)),
    ],
)
def test_calendar_deadline_on_adjusted_working_saturday_stays(start, days, saturday):
    assert saturday.weekday() == 5
    assert deadline(start, days, CALENDAR_DAYS) == saturday


def test_calendar_deadline_on_adjusted_working_sunday_stays():
    assert deadline(D(2025, 9, 26), 2, CALENDAR_DAYS) == D(2025, 9, 28)


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (D(2025, 6, 3), 5),  # Sunday Jun 8
        (D(2025, 6, 4), 3),  # Saturday Jun 7
    ],
)
def test_calendar_deadline_on_weekend_moves_to_monday(start, days):
    assert deadline(start, days, CALENDAR_DAYS) == D(2025, 6, 9)


@pytest.mark.parametrize(
    ("counting", "start", "expected"),
    [
        (CALENDAR_DAYS, D(2025, 6, 9), D(2025, 6, 10)),  # Monday → Tuesday
        (WORKING_DAYS, D(2025, 6, 9), D(2025, 6, 10)),
        (WORKING_DAYS, D(2025, 6, 13), D(2025, 6, 16)),  # Friday → Monday
    ],
)
def test_start_day_is_not_counted(counting, start, expected):
    assert deadline(start, 1, counting) == expected


@pytest.mark.parametrize("counting", [CALENDAR_DAYS, WORKING_DAYS])
@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2025, 6, 10), D(2025, 6, 10)),  # a working day
        (D(2025, 6, 14), D(2025, 6, 16)),  # Saturday → Monday
    ],
)
def test_zero_day_period_ends_on_start_or_next_working_day(counting, start, expected):
    assert deadline(start, 0, counting) == expected


@pytest.mark.parametrize("counting", [CALENDAR_DAYS, WORKING_DAYS])
@pytest.mark.parametrize(
    ("start", "days", "year"),
    [
        (D(2027, 3, 1), 5, 2027),
        (D(2003, 6, 2), 5, 2003),
        (D(2003, 12, 30), 5, 2003),  # ends in 2004, but the start is not covered
        (D(2026, 12, 20), 30, 2027),  # starts in 2026, ends in 2027
    ],
)
def test_uncovered_year_raises(counting, start, days, year):
    with pytest.raises(CalendarNotCovered) as raised:
        deadline(start, days, counting)
    assert str(raised.value) == f"no holiday schedule is known for {year} (known: 2004–2026)"


def test_working_day_count_into_uncovered_year_raises():
    # Thursday Dec 31 2026 is known; the next working day would be in 2027.
    with pytest.raises(CalendarNotCovered, match="2027"):
        deadline(D(2026, 12, 30), 2, WORKING_DAYS)


@pytest.mark.parametrize("function", [is_working_day, next_working_day])
@pytest.mark.parametrize("day", [D(2003, 12, 31), D(2027, 1, 1)])
def test_uncovered_day_raises(function, day):
    with pytest.raises(CalendarNotCovered, match=str(day.year)):
        function(day)


def test_uncovered_error_message_is_translatable():
    with pytest.raises(CalendarNotCovered) as raised:
        is_working_day(D(2027, 1, 4))
    assert raised.value.message.template == (
        "no holiday schedule is known for %(year)d (known: %(first)d–%(last)d)"
    )
    assert raised.value.message.params == {"year": 2027, "first": 2004, "last": 2026}


def test_covered_years():
    assert covered_years() == range(2004, 2027)


@pytest.mark.parametrize(
    ("days", "counting"),
    [(-1, CALENDAR_DAYS), (-1, WORKING_DAYS), (5, "business"), (5, "")],
)
def test_deadline_rejects_bad_arguments(days, counting):
    with pytest.raises(ValueError):
        deadline(D(2025, 6, 9), days, counting)


@pytest.mark.parametrize(
    ("today", "due", "left"),
    [
        (D(2025, 10, 1), D(2025, 10, 9), 8),
        (D(2025, 10, 9), D(2025, 10, 9), 0),
        (D(2025, 10, 12), D(2025, 10, 9), -3),
        (D(2026, 12, 31), D(2027, 1, 2), 2),  # plain arithmetic, no schedule needed
    ],
)
def test_days_left(today, due, left):
    assert days_left(today, due) == left


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year month end
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 8, 31), 1, D(2024, 9, 30)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),  # across the year end
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 5, 31), 0, D(2024, 5, 31)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2025, 3, 31), -3, D(2024, 12, 31)),
        (D(2025, 10, 8), 1, D(2025, 11, 8)),  # no holiday adjustment
        (D(2030, 1, 31), 1, D(2030, 2, 28)),  # needs no holiday schedule
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


LAST_KNOWN = D(2026, 12, 31)


@settings(database=None)
@given(
    start=st.dates(min_value=D(2005, 1, 1), max_value=LAST_KNOWN),
    days=st.integers(min_value=1, max_value=60),
    counting=st.sampled_from([CALENDAR_DAYS, WORKING_DAYS]),
)
def test_deadline_is_a_working_day_no_earlier_than_start_plus_days(start, days, counting):
    # Generous room so the result stays in the covered years (the longest holiday is 10 days).
    assume(start + timedelta(days=2 * days + 20) <= LAST_KNOWN)
    due = deadline(start, days, counting)
    assert is_working_day(due)
    assert due >= start + timedelta(days=days)
    if counting == CALENDAR_DAYS:  # moved only past days that are not working days
        assert not any(
            is_working_day(start + timedelta(days=n)) for n in range(days, (due - start).days)
        )
