"""Working days and deadlines (工作日与期限) under 民法典 Art 201-203, on China's official calendar.

The holiday schedule (节假日安排) comes from `chinese_calendar`. The State Council publishes each
year's schedule late in the year before, often before the package knows it: such a year may be
`publish`ed from the official notice (the application keeps them in its database). A date in a year
neither knows raises `CalendarNotCovered` instead of guessing.
"""

import re
from calendar import monthrange  # the standard library's, not this module
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays

from workflows.errors import CalendarNotCovered
from workflows.messages import N_, Message
from workflows.rules import CALENDAR_DAYS, WORKING_DAYS

ONE_DAY = timedelta(days=1)
# chinese_calendar validates a date against the years of its `holidays` keys; its `workdays`
# (调休上班) span the same years.
PACKAGE_YEARS = range(min(holidays).year, max(holidays).year + 1)


@dataclass(frozen=True)
class YearSchedule:
    """One year's official holiday schedule (节假日安排), as the State Council's notice gives it."""

    year: int
    holidays: frozenset[date]  # statutory holidays and the rest days of each break (放假)
    workdays: frozenset[date]  # weekend days worked in exchange (调休上班)

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


_published: dict[int, YearSchedule] = {}


def publish(schedules: Iterable[YearSchedule]) -> None:
    """Use these schedules for the years after the package's last one (replacing any before)."""
    global _published
    _published = {s.year: s for s in schedules if s.year > PACKAGE_YEARS[-1]}


def covered_years() -> range:
    """The years with a known holiday schedule (节假日安排覆盖年份): the package's, then each
    published year that follows on without a gap."""
    last = PACKAGE_YEARS[-1]
    while last + 1 in _published:
        last += 1
    return range(PACKAGE_YEARS[0], last + 1)


def schedule_problems(schedule: YearSchedule) -> list[Message]:
    """What keeps a schedule from being published, in words."""
    problems = []
    if schedule.year <= PACKAGE_YEARS[-1]:
        problems.append(
            Message(
                N_("%(year)d is already known from the official calendar package"),
                {"year": schedule.year},
            )
        )
    elif schedule.year - 1 not in covered_years():
        problems.append(
            Message(
                N_("enter %(year)d first: the years must follow on without a gap"),
                {"year": schedule.year - 1},
            )
        )
    for day in sorted(schedule.holidays | schedule.workdays):
        if day.year != schedule.year:
            problems.append(
                Message(
                    N_("%(day)s is not in %(year)d"),
                    {"day": day.isoformat(), "year": schedule.year},
                )
            )
    for day in sorted(schedule.holidays & schedule.workdays):
        problems.append(
            Message(
                N_("%(day)s cannot be both a holiday and a working day"), {"day": day.isoformat()}
            )
        )
    for day in sorted(schedule.workdays):
        if day.weekday() < 5:
            problems.append(
                Message(
                    N_("%(day)s is a weekday; only a weekend day is worked in exchange (调休)"),
                    {"day": day.isoformat()},
                )
            )
    if not schedule.holidays:
        problems.append(Message(N_("a schedule without any holiday cannot be right")))
    return problems


_DAY = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_LINE = re.compile(rf"^{_DAY}(?:\s*(?:\.\.|~|～|至|-{{2}})\s*{_DAY})?$")


def parse_days(text: str) -> tuple[frozenset[date], list[Message]]:
    """Days written one per line, or as ranges `2027-10-01..2027-10-07` (also ~ or 至)."""
    days: set[date] = set()
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        try:
            if match is None:
                raise ValueError
            first = date(*map(int, match.group(1, 2, 3)))
            last = date(*map(int, match.group(4, 5, 6))) if match.group(4) else first
        except ValueError:
            problems.append(
                Message(
                    N_("line %(n)d is not a date or a range of dates: %(line)s"),
                    {"n": number, "line": line},
                )
            )
            continue
        if last < first:
            problems.append(
                Message(
                    N_("line %(n)d ends before it starts: %(line)s"), {"n": number, "line": line}
                )
            )
            continue
        while first <= last:
            days.add(first)
            first += ONE_DAY
    return frozenset(days), problems


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
    if day.year in _published:
        return _published[day.year].is_working_day(day)
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
