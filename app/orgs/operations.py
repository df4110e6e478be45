"""Everything that changes regions, wage guidelines and enterprises."""

from __future__ import annotations

from dataclasses import fields

from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.operations import record
from app.deadlines import Moved, recount
from app.errors import InvalidInput, translate
from app.extensions import db
from app.orgs.models import (
    Enterprise,
    HolidaySchedule,
    ProvisionalDeadline,
    Region,
    WageGuideline,
)
from workflows import calendar
from workflows.calendar import YearSchedule
from workflows.credit_code import credit_code_problem
from workflows.rules import DAY_COUNTING_MODES, RuleProfile

PROFILE_FIELDS = [f.name for f in fields(RuleProfile)]


def _check_region_values(values: dict) -> None:
    if values.get("minimum_wage_fen") is not None and values["minimum_wage_fen"] <= 0:
        raise InvalidInput("minimum_wage", _("The minimum wage must be more than zero."))
    if "day_counting" in values and values["day_counting"] not in DAY_COUNTING_MODES:
        raise InvalidInput(
            "day_counting", _("Unknown day counting: %(mode)s", mode=values["day_counting"])
        )
    for name in PROFILE_FIELDS:
        value = values.get(name)
        if name != "day_counting" and value is not None and value < 0:
            raise InvalidInput(name, _("This cannot be negative."))
    num = values.get("quorum_numerator", 2)
    den = values.get("quorum_denominator", 3)
    if not 0 < num <= den:
        raise InvalidInput("quorum_numerator", _("The quorum must be a fraction between 0 and 1."))
    num = values.get("majority_numerator", 1)
    den = values.get("majority_denominator", 2)
    if not 0 < num < den:
        raise InvalidInput(
            "majority_numerator", _("The majority must be a fraction between 0 and 1.")
        )


def create_region(code: str, name: str, minimum_wage_fen: int, actor, **profile) -> Region:
    code = code.strip()
    if db.session.scalar(select(Region).where(Region.code == code)):
        raise InvalidInput("code", _("A region with code %(code)s exists already.", code=code))
    values = {"minimum_wage_fen": minimum_wage_fen, **profile}
    _check_region_values(values)
    region = Region(code=code, name=name.strip(), **values)
    db.session.add(region)
    db.session.flush()
    record(region, "region_created", actor, data={"code": code, "name": region.name})
    return region


def update_region(region: Region, actor, **values) -> Region:
    merged = {name: getattr(region, name) for name in PROFILE_FIELDS}
    merged["minimum_wage_fen"] = region.minimum_wage_fen
    merged.update(values)
    _check_region_values(merged)
    changed = {}
    for key, value in values.items():
        if getattr(region, key) != value:
            changed[key] = [getattr(region, key), value]
            setattr(region, key, value)
    db.session.flush()
    record(region, "region_updated", actor, data={"changed": changed})
    return region


def set_guideline(
    region: Region, year: int, lower_bp: int, base_bp: int, upper_bp: int, actor
) -> WageGuideline:
    """Set the region's wage guideline band (工资指导线) for a year; 试行办法 Art 8."""
    if not lower_bp <= base_bp <= upper_bp:
        raise InvalidInput("base", _("The band must be ordered: lower ≤ base ≤ upper."))
    if not 1990 <= year <= 2100:
        raise InvalidInput("year", _("%(year)d is not a plausible year.", year=year))
    guideline = region.guideline_for(year)
    if guideline is None:
        guideline = WageGuideline(region=region, year=year, lower_bp=0, base_bp=0, upper_bp=0)
        db.session.add(guideline)
    guideline.lower_bp, guideline.base_bp, guideline.upper_bp = lower_bp, base_bp, upper_bp
    db.session.flush()
    record(
        region,
        "guideline_set",
        actor,
        data={"year": year, "lower_bp": lower_bp, "base_bp": base_bp, "upper_bp": upper_bp},
    )
    return guideline


def normalise_credit_code(code: str) -> str:
    code = code.strip().upper()
    problem = credit_code_problem(code)
    if problem is not None:
        raise InvalidInput(
            "credit_code", _("Unified social credit code: %(problem)s", problem=translate(problem))
        )
    return code


def _check_enterprise_values(values: dict, enterprise: Enterprise | None = None) -> None:
    if "credit_code" in values:
        values["credit_code"] = normalise_credit_code(values["credit_code"])
        clash = db.session.scalar(
            select(Enterprise).where(Enterprise.credit_code == values["credit_code"])
        )
        if clash is not None and clash is not enterprise:
            raise InvalidInput(
                "credit_code",
                _("Another enterprise has this credit code: %(name)s", name=clash.name),
            )
    if values.get("headcount") is not None and values["headcount"] <= 0:
        raise InvalidInput("headcount", _("The headcount must be at least 1."))
    if "name" in values and not values["name"].strip():
        raise InvalidInput("name", _("A name is required."))
    chair = values.get("union_chair")
    if (
        chair is not None
        and enterprise is not None
        and "union_rep"
        not in {m.role for m in chair.memberships if m.enterprise_id == enterprise.id}
    ):
        raise InvalidInput(
            "union_chair_id", _("The union chair must be a union representative of the enterprise.")
        )


def create_enterprise(
    *,
    name: str,
    credit_code: str,
    region: Region,
    industry: str,
    headcount: int,
    actor,
    address: str = "",
    legal_representative: str = "",
) -> Enterprise:
    values = {"name": name, "credit_code": credit_code, "headcount": headcount}
    _check_enterprise_values(values)
    enterprise = Enterprise(
        name=name.strip(),
        credit_code=values["credit_code"],
        region=region,
        industry=industry.strip(),
        headcount=headcount,
        address=address.strip(),
        legal_representative=legal_representative.strip(),
    )
    db.session.add(enterprise)
    db.session.flush()
    record(
        enterprise,
        "enterprise_created",
        actor,
        data={"name": enterprise.name, "credit_code": enterprise.credit_code},
    )
    return enterprise


def update_enterprise(enterprise: Enterprise, actor, **values) -> Enterprise:
    _check_enterprise_values(values, enterprise)
    changed = {}
    for key, value in values.items():
        if key == "union_chair":
            key, value, obj = "union_chair_id", value.id if value else None, value
            enterprise.union_chair = obj
        if key in ("name", "industry", "address", "legal_representative"):
            value = value.strip()
        if getattr(enterprise, key) != value:
            changed[key] = [getattr(enterprise, key), value]
            setattr(enterprise, key, value)
    db.session.flush()
    record(enterprise, "enterprise_updated", actor, data={"changed": changed})
    return enterprise


def set_holiday_schedule(
    year: int, holidays_text: str, workdays_text: str, source: str, actor
) -> list[Moved]:
    """Enter a year's holiday schedule from the State Council's notice (国务院办公厅关于…年部分
    节假日安排的通知), for a year the calendar package does not know yet, and count again every
    running deadline that was provisional on it; returns those that moved."""
    holidays, problems = calendar.parse_days(holidays_text)
    if problems:
        raise InvalidInput("holidays", translate(problems[0]))
    workdays, problems = calendar.parse_days(workdays_text)
    if problems:
        raise InvalidInput("workdays", translate(problems[0]))
    if not source.strip():
        raise InvalidInput("source", _("Name the notice the schedule comes from."))
    sync_calendar()
    problems = calendar.schedule_problems(calendar.YearSchedule(year, holidays, workdays))
    if problems:
        raise InvalidInput("year", translate(problems[0]))
    row = db.session.get(HolidaySchedule, year) or HolidaySchedule(year=year)
    row.holidays = sorted(d.isoformat() for d in holidays)
    row.workdays = sorted(d.isoformat() for d in workdays)
    row.source, row.entered_by_id = source.strip(), actor.id if actor else None
    db.session.add(row)
    db.session.flush()
    record(
        row,
        "holiday_schedule_set",
        actor,
        data={
            "year": year,
            "holidays": len(holidays),
            "workdays": len(workdays),
            "source": row.source,
        },
    )
    sync_calendar()
    return recount(actor=actor)


def holiday_schedules() -> list[HolidaySchedule]:
    return list(db.session.scalars(select(HolidaySchedule).order_by(HolidaySchedule.year)))


def provisional_deadline_count() -> int:
    """How many deadlines wait for an official schedule to be counted again."""
    return db.session.scalar(select(func.count(ProvisionalDeadline.id)))


def published_schedules() -> list[YearSchedule] | None:
    """The schedules entered here, for the deadline calendar (None outside an application
    context, where there is no database to read)."""
    if not has_app_context():
        return None
    return [row.schedule for row in holiday_schedules()]


def sync_calendar() -> None:
    """Give the deadline calendar the schedules entered here now. A count that needs a year after
    the package's reads them by itself, at most every `calendar.REFRESH_EVERY` seconds; pages
    that count nothing never touch the table."""
    calendar.refresh()
