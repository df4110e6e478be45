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
    Due,
    YearSchedule,
    add_months,
    count,
    covered_years,
    days_left,
    deadline,
    is_provisional,
    is_working_day,
    next_working_day,
    publish,
    statutory_schedule,
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
    ("start", "year"),
    [
        (D(2003, 6, 2), 2003),
        (D(2003, 12, 30), 2003),  # ends in 2004, but the start is not covered
        (D(2101, 1, 3), 2101),
    ],
)
def test_a_year_beyond_every_schedule_raises(counting, start, year):
    with pytest.raises(CalendarNotCovered) as raised:
        deadline(start, 5, counting)
    assert str(raised.value) == f"no holiday schedule is known for {year} (known: 2004–2100)"


@pytest.mark.parametrize("function", [is_working_day, next_working_day])
@pytest.mark.parametrize("day", [D(2003, 12, 31), D(2101, 1, 1)])
def test_a_day_beyond_every_schedule_raises(function, day):
    with pytest.raises(CalendarNotCovered, match=str(day.year)):
        function(day)


def test_uncovered_error_message_is_translatable():
    with pytest.raises(CalendarNotCovered) as raised:
        is_working_day(D(2101, 1, 4))
    assert raised.value.message.template == (
        "no holiday schedule is known for %(year)d (known: %(first)d–%(last)d)"
    )
    assert raised.value.message.params == {"year": 2101, "first": 2004, "last": 2100}


# Provisional years (暂定): the statutory holidays of 《全国年节及纪念日放假办法》 (2024) alone.
# 2027: 春节 is 6 February (除夕 the 5th), 清明 5 April, 端午 9 June, 中秋 15 September.
# 2031: 春节 23 January (除夕 the 22nd), 清明 5 April, 端午 24 June, 中秋 1 October — the same
# day as 国庆节, so the year has 12 holidays, not 13 (no day is added without the notice).
STATUTORY_2027 = {
    D(2027, 1, 1),
    D(2027, 2, 5),
    D(2027, 2, 6),
    D(2027, 2, 7),
    D(2027, 2, 8),
    D(2027, 4, 5),
    D(2027, 5, 1),
    D(2027, 5, 2),
    D(2027, 6, 9),
    D(2027, 9, 15),
    D(2027, 10, 1),
    D(2027, 10, 2),
    D(2027, 10, 3),
}


def test_a_provisional_year_has_the_statutory_holidays_and_no_adjusted_days():
    schedule = statutory_schedule(2027)
    assert schedule.holidays == STATUTORY_2027
    assert schedule.workdays == frozenset()


def test_mid_autumn_on_national_day_is_one_holiday_not_two():
    holidays = statutory_schedule(2031).holidays
    assert {D(2031, 1, 22), D(2031, 1, 25), D(2031, 6, 24), D(2031, 10, 1)} <= holidays
    assert len(holidays) == 12


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_days_are_official_holidays_in_the_years_the_package_knows(year):
    # The 2024 revision applies from 2025; the package has the State Council's schedules.
    assert not any(is_working_day(day) for day in statutory_schedule(year).holidays)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2027, 1, 1), False),  # 元旦 (Friday)
        (D(2027, 1, 4), True),
        (D(2027, 2, 5), False),  # 除夕 (Friday)
        (D(2027, 2, 9), True),  # Tuesday after the statutory days: no bridging day assumed
        (D(2027, 2, 20), False),  # a plain Saturday: no worked weekend assumed
        (D(2035, 10, 3), False),
    ],
)
def test_working_days_in_a_provisional_year(day, working):
    assert is_working_day(day) is working
    assert is_provisional(day.year)


@pytest.mark.parametrize(
    ("start", "days", "counting", "due", "provisional_year"),
    [
        # 20 days from Sunday 2026-12-20 is Saturday 2027-01-09 → Monday 2027-01-11.
        (D(2026, 12, 20), 20, CALENDAR_DAYS, D(2027, 1, 11), 2027),
        # Thursday 2026-12-31 is the first working day; 元旦 and the weekend follow.
        (D(2026, 12, 30), 2, WORKING_DAYS, D(2027, 1, 4), 2027),
        # Ends in 2026: nothing provisional was read.
        (D(2026, 12, 1), 5, CALENDAR_DAYS, D(2026, 12, 7), None),
        (D(2031, 9, 29), 2, CALENDAR_DAYS, D(2031, 10, 6), 2031),  # 中秋 and 国庆, then Sat–Sun
    ],
)
def test_count_says_whether_it_read_a_provisional_year(
    start, days, counting, due, provisional_year
):
    counted = count(start, days, counting)
    assert counted == Due(due, start, days, counting, provisional_year)
    assert counted.provisional is (provisional_year is not None)


def test_a_published_schedule_makes_the_count_official():
    official = YearSchedule(2027, STATUTORY_2027 | {D(2027, 1, 11)}, frozenset({D(2027, 2, 20)}))
    publish([official])
    try:
        assert count(D(2026, 12, 20), 20) == Due(D(2027, 1, 12), D(2026, 12, 20), 20, "calendar")
        assert is_working_day(D(2027, 2, 20)) and not is_provisional(2027)
        assert covered_years() == range(2004, 2028)
        assert is_provisional(2028)
    finally:
        publish([])


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


@settings(database=None)
@given(
    start=st.dates(min_value=D(2026, 10, 1), max_value=D(2036, 12, 31)),
    days=st.integers(min_value=0, max_value=60),
    counting=st.sampled_from([CALENDAR_DAYS, WORKING_DAYS]),
)
def test_any_date_ten_years_ahead_has_a_deadline_marked_by_its_years(start, days, counting):
    counted = count(start, days, counting)
    assert is_working_day(counted.on) and counted.on >= start + timedelta(days=days)
    assert counted.provisional is (counted.on.year > 2026)
