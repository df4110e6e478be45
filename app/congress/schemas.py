"""API schemas for the congress (职工代表大会): the congress and its roster, sessions and
check-in (签到). Dates and times are ISO 8601 (times timezone-aware)."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import validate

from app.congress import operations as ops
from app.congress.access import is_organiser
from app.negotiations.schemas import AwareUTCDateTime, ComputedSchema
from workflows import congress as workflow

# --- requests -----------------------------------------------------------------------------------


class CongressCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    term_start = ma.fields.Date(required=True)
    term_end = ma.fields.Date(required=True)


class DelegateCreateSchema(ma.Schema):
    username = ma.fields.String(
        required=True, metadata={"description": "A member of the enterprise."}
    )
    employee_no = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    constituency = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    is_manager = ma.fields.Boolean(load_default=False)
    gender = ma.fields.String(required=True, validate=validate.OneOf(("female", "male")))


class RosterUploadSchema(ma.Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "An .xlsx or .csv roster (工号, 姓名, 用户名, 选区, 管理人员, 性别)."
        },
    )


class SessionCreateSchema(ma.Schema):
    kind = ma.fields.String(load_default="regular", validate=validate.OneOf(("regular", "special")))
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    agenda = ma.fields.String(load_default="")
    scheduled_at = AwareUTCDateTime(required=True)
    place = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class CheckInSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=6))


class AttendanceCreateSchema(ma.Schema):
    delegate_id = ma.fields.Integer(required=True, strict=True)


# --- responses ----------------------------------------------------------------------------------


class DelegateSchema(ComputedSchema):
    computed = {"username": lambda d: d.user.username}

    id = ma.fields.Integer()
    username = ma.fields.String()
    employee_no = ma.fields.String()
    name = ma.fields.String()
    constituency = ma.fields.String()
    is_manager = ma.fields.Boolean()
    gender = ma.fields.String()
    active = ma.fields.Boolean()


class CongressSchema(ComputedSchema):
    computed = {
        "delegates": lambda c: len(c.active_delegates),
        "managers": lambda c: sum(1 for d in c.active_delegates if d.is_manager),
        "warnings": ops.roster_warnings,
    }

    id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    name = ma.fields.String()
    term_start = ma.fields.Date()
    term_end = ma.fields.Date()
    delegates = ma.fields.Integer(metadata={"description": "Active delegates."})
    managers = ma.fields.Integer()
    warnings = ma.fields.List(
        ma.fields.String(), metadata={"description": "企业民主管理规定 Art 12-13."}
    )


class RosterReportSchema(ma.Schema):
    imported = ma.fields.Integer()
    warnings = ma.fields.List(ma.fields.String())


def _organiser(session) -> bool:
    return is_organiser(current_user, session.congress)


class SessionSchema(ComputedSchema):
    computed = {
        "checkin_code": lambda s: s.checkin_code if _organiser(s) else None,
        "delegates": lambda s: ops.attendance_of(s)[1],
        "present": lambda s: ops.attendance_of(s)[0],
        "quorum_needed": lambda s: ops.attendance_of(s)[2],
        "checked_in": lambda s: (
            (d := ops.delegate_of(current_user, s.congress)) is not None
            and d.id in ops.present_delegate_ids(s)
        ),
        "allowed_actions": lambda s: workflow.allowed_session_triggers(
            s.state, {"secretary"} if _organiser(s) else set()
        ),
    }

    id = ma.fields.Integer()
    congress_id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    agenda = ma.fields.String()
    scheduled_at = ma.fields.AwareDateTime()
    place = ma.fields.String()
    state = ma.fields.String()
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    adjourned_at = ma.fields.AwareDateTime(allow_none=True)
    checkin_code = ma.fields.String(
        allow_none=True, metadata={"description": "Only for the secretary and the union."}
    )
    delegates = ma.fields.Integer(metadata={"description": "Active delegates."})
    present = ma.fields.Integer()
    quorum_needed = ma.fields.Integer(metadata={"description": "集体合同规定 Art 36: 2/3."})
    checked_in = ma.fields.Boolean(metadata={"description": "Whether you are checked in."})
    allowed_actions = ma.fields.List(ma.fields.String())


class AttendanceSchema(ma.Schema):
    session_id = ma.fields.Integer()
    delegate_id = ma.fields.Integer()
    checked_in_at = ma.fields.AwareDateTime()
