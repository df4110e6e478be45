"""What time and day it is, in one place, so tests and the tick can move the clock."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.db import utcnow

# Deadlines are counted in the days of the place where the enterprise is (民法典 Art 201).
CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return utcnow()


def today() -> date:
    return now().astimezone(CHINA).date()
