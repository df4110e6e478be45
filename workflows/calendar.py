"""Working days and deadlines (工作日与期限) under 民法典 Art 201-203, on China's official calendar.

The holiday schedule (节假日安排) comes from `chinese_calendar`; a date in a year it does not cover
raises `CalendarNotCovered` instead of guessing.
"""

from calendar import monthrange  # the standard library's, not this module
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from chinese_calendar.constants import holidays

from workflows.errors import CalendarNotCovered
from workflows.messages import N_
from workflows.rules import CALENDAR_DAYS, WORKING_DAYS

ONE_DAY = timedelta(days=1)


@cache
def covered_years() -> range:
    """The years with a known holiday schedule (节假日安排覆盖年份)."""
    # chinese_calendar validates a date against the years of its `holidays` keys; its `workdays`
    # (调休上班) span the same years.
    return range(min(holidays).year, max(holidays).year + 1)


def _check_covered(day: date) -> None:
    years = covered_years()
    if day.year not in years:
        raise CalendarNotCovered(
            N_("no holiday schedule is known for %(year)d (known: %(first)d–%(last)d)"),
            year=day.year,
            first=years[0],
            last=years[-1],
        )


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (工作日).

    Rest days (休息日, the weekend) and statutory holidays (法定节假日) are not; a weekend day
    made a working day by the holiday schedule (调休上班) is.
    """
    _check_covered(day)
    return chinese_calendar.is_workday(day)


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the first working day after it (顺延至下一工作日)."""
    while not is_working_day(day):  # checks the coverage of every day skipped over
        day += ONE_DAY
    return day


def deadline(start: date, days: int, counting: str = CALENDAR_DAYS) -> date:
    """The last day (期间的最后一日) of a period of `days` days starting on `start`.

    `counting` is `CALENDAR_DAYS` (自然日) or `WORKING_DAYS` (工作日). Raises ValueError for a
    negative period or an unknown counting, and CalendarNotCovered for a date outside
    `covered_years()`.
    """
    if days < 0:
        raise ValueError(f"a period cannot be negative: {days} days")
    if counting not in (CALENDAR_DAYS, WORKING_DAYS):
        raise ValueError(f"unknown day counting: {counting!r}")
    _check_covered(start)
    if counting == CALENDAR_DAYS:
        # Art 201: the start day is not counted. Art 203: a last day that is a holiday (法定休假日,
        # which includes the weekend rest days) moves to the next working day.
        return next_working_day(start + timedelta(days=days))
    # Working days: the start day is not counted either (Art 201); the last day is the
    # `days`-th working day after it, which is never a rest day.
    day = start
    for _ in range(days):
        day = next_working_day(day + ONE_DAY)
    return next_working_day(day)  # only moves a zero-day period that starts on a rest day


def days_left(today: date, due: date) -> int:
    """Calendar days from `today` to `due` (剩余天数); negative when overdue (逾期)."""
    return (due - today).days


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` months (按月计算期间), for terms and renewal windows.

    Art 202: the last day is the corresponding day of the final month, or that month's last day
    when it has none (2024-01-31 + 1 month = 2024-02-29). No holiday adjustment; `months` may be
    negative.
    """
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
