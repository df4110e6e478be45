"""Working days and deadlines (工作日与期限) under 民法典 Art 201-203, on China's official calendar.

The holiday schedule (节假日安排) comes from `chinese_calendar`. The State Council publishes each
year's schedule late in the year before, often before the package knows it: such a year may be
`publish`ed from the official notice (the application keeps them in its database). A later year
that neither knows has a provisional schedule (暂定): the statutory holidays that
《全国年节及纪念日放假办法》 fixes, the weekends as rest days, and no adjusted days (调休), which
only the notice can give. A deadline counted on such a year says so (`Due.provisional`), so that
it can be counted again when the official schedule arrives.
"""

import functools
import math
import re
import time
from calendar import monthrange  # the standard library's, not this module
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays
from lunar_python import Lunar

from workflows.errors import CalendarNotCovered
from workflows.messages import N_, Message

# How a period is counted (民法典 Art 201: calendar days; some provinces count working days).
CALENDAR_DAYS = "calendar"
WORKING_DAYS = "working"

ONE_DAY = timedelta(days=1)
# chinese_calendar validates a date against the years of its `holidays` keys; its `workdays`
# (调休上班) span the same years.
PACKAGE_YEARS = range(min(holidays).year, max(holidays).year + 1)
# The last year a provisional schedule is derived for: as far as any term, renewal or review the
# application meets can reach, and as far as the holiday schedules table accepts.
PROVISIONAL_UNTIL = 2100


@dataclass(frozen=True)
class YearSchedule:
    """One year's official holiday schedule (节假日安排), as the State Council's notice gives it."""

    year: int
    holidays: frozenset[date]  # statutory holidays and the rest days of each break (放假)
    workdays: frozenset[date]  # weekend days worked in exchange (调休上班)

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.cache
def statutory_schedule(year: int) -> YearSchedule:
    """The provisional schedule of `year` (暂定安排): only the statutory holidays of
    《全国年节及纪念日放假办法》 (2024 revision, Art 2), which fixes them without the State
    Council's notice; weekends rest, and no day is adjusted (调休) — only the notice can say which.

    The lunar dates and 清明 (a solar term) come from lunar_python, not from a table of ours.
    """
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = {
        date(year, 1, 1),  # 元旦, 1 day
        *(new_year + timedelta(days=n) for n in range(-1, 3)),  # 春节: 除夕 and 初一至初三
        date(qingming.getYear(), qingming.getMonth(), qingming.getDay()),  # 清明节, 1 day
        date(year, 5, 1),  # 劳动节, 2 days
        date(year, 5, 2),
        _solar(Lunar.fromYmd(year, 5, 5)),  # 端午节, 1 day
        _solar(Lunar.fromYmd(year, 8, 15)),  # 中秋节, 1 day
        *(date(year, 10, d) for d in (1, 2, 3)),  # 国庆节, 3 days
    }
    return YearSchedule(year, frozenset(days), frozenset())


_published: dict[int, YearSchedule] = {}
# Where published schedules are read from (the application's table), and when they last were.
_source: Callable[[], Iterable[YearSchedule] | None] | None = None
_read_at = -math.inf
REFRESH_EVERY = 30.0  # seconds: how stale one process's copy of the published schedules may be


def publish(schedules: Iterable[YearSchedule]) -> None:
    """Use these schedules for the years after the package's last one (replacing any before)."""
    global _published
    _published = {s.year: s for s in schedules if s.year > PACKAGE_YEARS[-1]}


def read_from(source: Callable[[], Iterable[YearSchedule] | None] | None) -> None:
    """Read the published schedules from `source` when a count needs a year after the package's,
    at most every REFRESH_EVERY seconds; `source` answers None when it cannot be read now."""
    global _source, _read_at
    _source, _read_at = source, -math.inf


def refresh(force: bool = True) -> None:
    """Read the published schedules again (unforced: only when the copy is older than
    REFRESH_EVERY seconds)."""
    global _read_at
    if _source is None or (not force and time.monotonic() - _read_at < REFRESH_EVERY):
        return
    schedules = _source()
    if schedules is not None:
        publish(schedules)
        _read_at = time.monotonic()


def covered_years() -> range:
    """The years with an official holiday schedule (节假日安排覆盖年份): the package's, then each
    published year that follows on without a gap. Later years are provisional."""
    refresh(force=False)
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


def last_official_year() -> int:
    """The last year with an official schedule, the package's or a published one."""
    refresh(force=False)
    return max([PACKAGE_YEARS[-1], *_published])


def is_provisional(year: int) -> bool:
    """Whether `year`'s schedule is provisional (暂定): no official one is known yet."""
    refresh(force=False)
    return year not in PACKAGE_YEARS and year not in _published


def _schedule(year: int) -> YearSchedule | None:
    """The published schedule of `year`, its provisional one, or None for the package's years."""
    if year in PACKAGE_YEARS:
        return None
    refresh(force=False)
    if year in _published:
        return _published[year]
    if PACKAGE_YEARS[-1] < year <= PROVISIONAL_UNTIL:
        return statutory_schedule(year)
    raise CalendarNotCovered(
        N_("no holiday schedule is known for %(year)d (known: %(first)d–%(last)d)"),
        year=year,
        first=PACKAGE_YEARS[0],
        last=PROVISIONAL_UNTIL,
    )


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (工作日).

    Rest days (休息日, the weekend) and statutory holidays (法定节假日) are not; a weekend day
    made a working day by the holiday schedule (调休上班) is. A day in a provisional year is
    judged on its statutory holidays alone (`statutory_schedule`).
    """
    schedule = _schedule(day.year)
    if schedule is None:
        return chinese_calendar.is_workday(day)
    return schedule.is_working_day(day)


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the first working day after it (顺延至下一工作日)."""
    while not is_working_day(day):
        day += ONE_DAY
    return day


@dataclass(frozen=True)
class Due:
    """A deadline (期限): its last day, and how it was counted, so that it can be counted again.

    `provisional_year` is the first year whose schedule the count read while that year was still
    provisional; None when every day it read is on an official schedule.
    """

    on: date
    start: date
    days: int
    counting: str
    provisional_year: int | None = None

    @property
    def provisional(self) -> bool:
        return self.provisional_year is not None


def count(start: date, days: int, counting: str = CALENDAR_DAYS) -> Due:
    """The period of `days` days starting on `start`, with the day it ends (期间的最后一日).

    `counting` is `CALENDAR_DAYS` (自然日) or `WORKING_DAYS` (工作日). Raises ValueError for a
    negative period or an unknown counting, and CalendarNotCovered for a year beyond
    `PROVISIONAL_UNTIL` (or before the package's first).
    """
    if days < 0:
        raise ValueError(f"a period cannot be negative: {days} days")
    if counting not in (CALENDAR_DAYS, WORKING_DAYS):
        raise ValueError(f"unknown day counting: {counting!r}")
    _schedule(start.year)  # a start outside every schedule is refused, whatever the counting
    read: set[int] = set()

    def next_working(day: date) -> date:
        while True:
            read.add(day.year)
            if is_working_day(day):
                return day
            day += ONE_DAY

    if counting == CALENDAR_DAYS:
        # Art 201: the start day is not counted. Art 203: a last day that is a holiday (法定休假日,
        # which includes the weekend rest days) moves to the next working day.
        end = next_working(start + timedelta(days=days))
    else:
        # Working days: the start day is not counted either (Art 201); the last day is the
        # `days`-th working day after it, which is never a rest day.
        end = start
        for _ in range(days):
            end = next_working(end + ONE_DAY)
        end = next_working(end)  # only moves a zero-day period that starts on a rest day
    provisional = sorted(year for year in read if is_provisional(year))
    return Due(end, start, days, counting, provisional[0] if provisional else None)


def deadline(start: date, days: int, counting: str = CALENDAR_DAYS) -> date:
    """The last day of a period of `days` days starting on `start` (see `count`)."""
    return count(start, days, counting).on


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
