"""API: regions with their rule profiles, enterprises and memberships."""

from functools import wraps

import marshmallow as ma
from flask_login import current_user
from flask_smorest import abort
from marshmallow import validate
from sqlalchemy import select

from app.api.auth import admin_only
from app.api.common import Blueprint, error_responses
from app.auth import operations as auth_operations
from app.auth.access import require_admin
from app.auth.models import Membership, User
from app.auth.schemas import MembershipCreateSchema, MembershipSchema
from app.extensions import db
from app.orgs import operations
from app.orgs.access import (
    get_enterprise_or_404,
    get_enterprise_work_or_404,
    visible_enterprises_query,
)
from app.orgs.models import Region
from app.orgs.schemas import (
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    GuidelineSchema,
    RegionSchema,
    RegionUpdateSchema,
)
from app.schemas import Text
from workflows import calendar

blp = Blueprint("api_orgs", __name__, description="Regions, enterprises and memberships")
fails_with = error_responses(blp)


def enterprise_admin_only(view):
    """Outsiders get 404 (the enterprise stays invisible), members 403, before any validation."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        get_enterprise_or_404(kwargs["enterprise_id"], current_user)
        require_admin()
        return view(*args, **kwargs)

    return wrapped


def _region_or_422(region_id: int) -> Region:
    region = db.session.get(Region, region_id)
    if region is None:
        abort(422, message="Unknown region.", errors={"json": {"region_id": ["Unknown region."]}})
    return region


@blp.get("/regions")
@blp.response(200, RegionSchema(many=True))
def list_regions():
    """Every region with its rule profile (the rules are public law, readable by all users)."""
    return db.session.scalars(select(Region).order_by(Region.name)).all()


@blp.post("/regions")
@admin_only
@fails_with(403)
@blp.arguments(RegionSchema)
@blp.response(201, RegionSchema)
def create_region(data):
    return operations.create_region(
        data.pop("code"), data.pop("name"), data.pop("minimum_wage_fen"), current_user, **data
    )


@blp.get("/regions/<int:region_id>")
@fails_with(404)
@blp.response(200, RegionSchema)
def get_region(region_id):
    return db.get_or_404(Region, region_id)


@blp.patch("/regions/<int:region_id>")
@admin_only
@fails_with(403, 404)
@blp.arguments(RegionUpdateSchema)
@blp.response(200, RegionSchema)
def update_region(data, region_id):
    return operations.update_region(db.get_or_404(Region, region_id), current_user, **data)


@blp.put("/regions/<int:region_id>/guidelines/<int:year>")
@admin_only
@fails_with(403, 404)
@blp.arguments(GuidelineSchema)
@blp.response(200, GuidelineSchema)
def set_guideline(data, region_id, year):
    """Set the wage guideline band (工资指导线) of a year."""
    if data["year"] != year:
        abort(
            422,
            message="The year in the body differs from the year in the path.",
            errors={"json": {"year": ["Must equal the year in the path."]}},
        )
    region = db.get_or_404(Region, region_id)
    return operations.set_guideline(
        region, year, data["lower_bp"], data["base_bp"], data["upper_bp"], current_user
    )


@blp.get("/enterprises")
@blp.response(200, EnterpriseSchema(many=True))
def list_enterprises():
    """The enterprises this user can see."""
    return db.session.scalars(visible_enterprises_query(current_user)).all()


@blp.post("/enterprises")
@admin_only
@fails_with(403)
@blp.arguments(EnterpriseSchema)
@blp.response(201, EnterpriseSchema)
def create_enterprise(data):
    data["region"] = _region_or_422(data.pop("region_id"))
    return operations.create_enterprise(actor=current_user, **data)


@blp.get("/enterprises/<int:enterprise_id>")
@fails_with(404)
@blp.response(200, EnterpriseSchema)
def get_enterprise(enterprise_id):
    return get_enterprise_or_404(enterprise_id, current_user)


@blp.patch("/enterprises/<int:enterprise_id>")
@enterprise_admin_only
@fails_with(403, 404)
@blp.arguments(EnterpriseUpdateSchema)
@blp.response(200, EnterpriseSchema)
def update_enterprise(data, enterprise_id):
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    if "region_id" in data:
        data["region"] = _region_or_422(data.pop("region_id"))
    if "union_chair_id" in data:
        chair_id = data.pop("union_chair_id")
        data["union_chair"] = db.session.get(User, chair_id) if chair_id else None
        if chair_id and data["union_chair"] is None:
            abort(
                422, message="Unknown user.", errors={"json": {"union_chair_id": ["Unknown user."]}}
            )
    return operations.update_enterprise(enterprise, current_user, **data)


@blp.get("/enterprises/<int:enterprise_id>/memberships")
@fails_with(404)
@blp.response(200, MembershipSchema(many=True))
def list_memberships(enterprise_id):
    enterprise = get_enterprise_work_or_404(enterprise_id, current_user)
    return sorted(enterprise.memberships, key=lambda m: (m.role, m.user.username))


@blp.post("/enterprises/<int:enterprise_id>/memberships")
@enterprise_admin_only
@fails_with(403, 404)
@blp.arguments(MembershipCreateSchema)
@blp.response(201, MembershipSchema)
def add_membership(data, enterprise_id):
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    user = auth_operations.find_user(data["username"])
    if user is None:
        abort(422, message="No such user.", errors={"json": {"username": ["No such user."]}})
    return auth_operations.add_membership(user, enterprise, data["role"], current_user)


@blp.delete("/memberships/<int:membership_id>")
@fails_with(403, 404)
@blp.response(204)
def remove_membership(membership_id):
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404, message="No such membership.")
    get_enterprise_or_404(membership.enterprise_id, current_user)
    require_admin()
    auth_operations.remove_membership(membership, current_user)


class HolidayScheduleInSchema(ma.Schema):
    holidays = ma.fields.List(ma.fields.Date(), required=True)
    workdays = ma.fields.List(ma.fields.Date(), load_default=list)
    source = Text(required=True, validate=validate.Length(min=1, max=300))


class HolidayScheduleSchema(ma.Schema):
    year = ma.fields.Integer()
    holidays = ma.fields.List(Text(), metadata={"description": "ISO dates"})
    workdays = ma.fields.List(Text(), metadata={"description": "ISO dates"})
    source = Text()


class CalendarSchema(ma.Schema):
    package_years = ma.fields.List(
        ma.fields.Integer(),
        metadata={"description": "first and last year the calendar package knows"},
    )
    covered_years = ma.fields.List(
        ma.fields.Integer(),
        metadata={"description": "first and last year with an official holiday schedule"},
    )
    provisional_until = ma.fields.Integer(
        metadata={
            "description": "later years, up to this one, count deadlines on a provisional "
            "schedule: the statutory holidays, no adjusted days"
        }
    )
    schedules = ma.fields.List(ma.fields.Nested(HolidayScheduleSchema))
    provisional_deadlines = ma.fields.Integer(
        metadata={
            "description": "running deadlines counted on a provisional year (the statutory "
            "holidays only), to be counted again when its official schedule is entered"
        }
    )
    moved = ma.fields.Integer(
        metadata={"description": "deadlines this request counted again and moved (PUT only)"}
    )


def _calendar_answer(moved: int = 0):
    return {
        "moved": moved,
        "provisional_deadlines": operations.provisional_deadline_count(),
        "package_years": [calendar.PACKAGE_YEARS[0], calendar.PACKAGE_YEARS[-1]],
        "covered_years": [calendar.covered_years()[0], calendar.covered_years()[-1]],
        "provisional_until": calendar.PROVISIONAL_UNTIL,
        "schedules": operations.holiday_schedules(),
    }


@blp.get("/calendar")
@blp.response(200, CalendarSchema)
def get_calendar():
    """The years deadlines can be counted in, and the schedules entered from official notices."""
    return _calendar_answer()


@blp.put("/calendar/<int:year>")
@admin_only
@fails_with(403, 404)
@blp.arguments(HolidayScheduleInSchema)
@blp.response(200, CalendarSchema)
def put_holiday_schedule(data, year):
    """Enter a year's holiday schedule from the State Council's notice (federation admin)."""
    moved = operations.set_holiday_schedule(
        year,
        "\n".join(d.isoformat() for d in data["holidays"]),
        "\n".join(d.isoformat() for d in data["workdays"]),
        data["source"],
        current_user,
    )
    return _calendar_answer(len(moved))
