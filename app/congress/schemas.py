"""API schemas for the congress (职工代表大会): the congress and its roster, sessions and
check-in (签到); motions (议案), ballots (选票) and results (表决结果). Dates and times are ISO 8601
(times timezone-aware).

A ballot's answer is `{"recorded": true}` and nothing else: the API, like the page, gives the
voter nothing that proves their choice to a third party (DESIGN §4).
"""

import marshmallow as ma
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import validate

from app.congress import operations as ops
from app.congress.access import is_organiser, roles_of
from app.congress.models import BALLOT_KINDS
from app.db import INTEGER_MAX
from app.negotiations.schemas import AwareUTCDateTime, ComputedSchema
from app.schemas import Text
from workflows import congress as workflow

_ID = validate.Range(min=1, max=INTEGER_MAX)

# --- requests -----------------------------------------------------------------------------------


class CongressCreateSchema(ma.Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    term_start = ma.fields.Date(required=True)
    term_end = ma.fields.Date(required=True)


class DelegateCreateSchema(ma.Schema):
    username = Text(required=True, metadata={"description": "A member of the enterprise."})
    employee_no = Text(required=True, validate=validate.Length(min=1, max=32))
    name = Text(required=True, validate=validate.Length(min=1, max=64))
    constituency = Text(required=True, validate=validate.Length(min=1, max=64))
    is_manager = ma.fields.Boolean(load_default=False)
    gender = Text(required=True, validate=validate.OneOf(("female", "male")))


class RosterUploadSchema(ma.Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "An .xlsx or .csv roster (工号, 姓名, 用户名, 选区, 管理人员, 性别)."
        },
    )


class SessionCreateSchema(ma.Schema):
    kind = Text(load_default="regular", validate=validate.OneOf(("regular", "special")))
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    agenda = Text(load_default="")
    scheduled_at = AwareUTCDateTime(required=True)
    place = Text(required=True, validate=validate.Length(min=1, max=200))


class CheckInSchema(ma.Schema):
    code = Text(required=True, validate=validate.Length(min=1, max=6))


class AttendanceCreateSchema(ma.Schema):
    delegate_id = ma.fields.Integer(required=True, strict=True, validate=_ID)


# --- responses ----------------------------------------------------------------------------------


class DelegateSchema(ComputedSchema):
    computed = {"username": lambda d: d.user.username}

    id = ma.fields.Integer()
    username = Text()
    employee_no = Text()
    name = Text()
    constituency = Text()
    is_manager = ma.fields.Boolean()
    gender = Text()
    active = ma.fields.Boolean()


class CongressSchema(ComputedSchema):
    computed = {
        "delegates": lambda c: len(c.active_delegates),
        "managers": lambda c: sum(1 for d in c.active_delegates if d.is_manager),
        "warnings": ops.roster_warnings,
    }

    id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    name = Text()
    term_start = ma.fields.Date()
    term_end = ma.fields.Date()
    delegates = ma.fields.Integer(metadata={"description": "Active delegates."})
    managers = ma.fields.Integer()
    warnings = ma.fields.List(Text(), metadata={"description": "企业民主管理规定 Art 12-13."})


class RosterReportSchema(ma.Schema):
    imported = ma.fields.Integer()
    warnings = ma.fields.List(Text())


def _organiser(congress) -> bool:
    return is_organiser(current_user, congress)


class SessionSchema(ComputedSchema):
    computed = {
        "checkin_code": lambda s: s.checkin_code if _organiser(s.congress) else None,
        "delegates": lambda s: ops.attendance_of(s)[1],
        "present": lambda s: ops.attendance_of(s)[0],
        "quorum_needed": lambda s: ops.attendance_of(s)[2],
        "checked_in": lambda s: (
            (d := ops.delegate_of(current_user, s.congress)) is not None
            and d.id in ops.present_delegate_ids(s)
        ),
        "allowed_actions": lambda s: workflow.SESSION_WORKFLOW.allowed_triggers(
            s.state, roles_of(current_user, s.congress.enterprise_id)
        ),
    }

    id = ma.fields.Integer()
    congress_id = ma.fields.Integer()
    kind = Text()
    title = Text()
    agenda = Text()
    scheduled_at = ma.fields.AwareDateTime()
    place = Text()
    state = Text()
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    adjourned_at = ma.fields.AwareDateTime(allow_none=True)
    checkin_code = Text(
        allow_none=True, metadata={"description": "Only for the secretary and the union."}
    )
    delegates = ma.fields.Integer(metadata={"description": "Active delegates."})
    present = ma.fields.Integer()
    quorum_needed = ma.fields.Integer(metadata={"description": "集体合同规定 Art 36: 2/3."})
    checked_in = ma.fields.Boolean(metadata={"description": "Whether you are checked in."})
    allowed_actions = ma.fields.List(Text())


class AttendanceSchema(ma.Schema):
    session_id = ma.fields.Integer()
    delegate_id = ma.fields.Integer()
    checked_in_at = ma.fields.AwareDateTime()


# --- motions, ballots and results ---------------------------------------------------------------


class MotionItemCreateSchema(ma.Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    text = Text(load_default="")


class MotionCreateSchema(ma.Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    description = Text(load_default="")
    items = ma.fields.List(
        ma.fields.Nested(MotionItemCreateSchema), required=True, validate=validate.Length(min=1)
    )
    ballot_kind = Text(load_default="secret", validate=validate.OneOf(BALLOT_KINDS))
    requires_presence = ma.fields.Boolean(load_default=True)
    closes_at = AwareUTCDateTime(load_default=None, allow_none=True)


class SubmitToCongressSchema(ma.Schema):
    session_id = ma.fields.Integer(required=True, validate=_ID)
    closes_at = AwareUTCDateTime(load_default=None, allow_none=True)


class BallotCreateSchema(ma.Schema):
    answers = ma.fields.Dict(
        keys=Text(),
        values=Text(validate=validate.OneOf(workflow.ANSWERS)),
        required=True,
        metadata={"description": 'Every item\'s answer by its number: {"1": "yes", "2": "no"}.'},
    )


class RecordedSchema(ma.Schema):
    recorded = ma.fields.Boolean()


class MotionItemSchema(ma.Schema):
    number = ma.fields.Integer()
    title = Text()
    text = Text()


class MotionSchema(ComputedSchema):
    computed = {
        "allowed_actions": lambda m: workflow.MOTION_WORKFLOW.allowed_triggers(
            m.state, roles_of(current_user, m.session.congress.enterprise_id)
        ),
        "voted": lambda m: (
            None if m.state == workflow.MotionState.DRAFT else ops.participation_count(m)
        ),
    }

    id = ma.fields.Integer()
    session_id = ma.fields.Integer()
    negotiation_id = ma.fields.Integer(allow_none=True)
    title = Text()
    description = Text()
    ballot_kind = Text()
    requires_presence = ma.fields.Boolean()
    state = Text()
    closes_at = ma.fields.AwareDateTime(allow_none=True)
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    entitled_count = ma.fields.Integer(allow_none=True)
    present_count = ma.fields.Integer(allow_none=True)
    voted = ma.fields.Integer(
        allow_none=True, metadata={"description": "How many voted so far; never who voted what."}
    )
    result = Text(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(MotionItemSchema))
    allowed_actions = ma.fields.List(Text())


class ItemResultSchema(ma.Schema):
    number = ma.fields.Integer()
    title = Text()
    yes = ma.fields.Integer()
    no = ma.fields.Integer()
    abstain = ma.fields.Integer()
    blank = ma.fields.Integer()
    needed = ma.fields.Integer(metadata={"description": "The fewest yes votes that pass it."})
    passed = ma.fields.Boolean()


class NegotiationStateSchema(ma.Schema):
    id = ma.fields.Integer()
    subject = Text()
    state = Text()


class ResultsSchema(ma.Schema):
    id = ma.fields.Integer()
    title = Text()
    result = Text()
    entitled = ma.fields.Integer()
    present = ma.fields.Integer(metadata={"description": "Present when the voting opened."})
    voted = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(ItemResultSchema))
    rule = Text(metadata={"description": "The majority rule applied, in words."})
    seal = Text()
    seal_intact = ma.fields.Boolean()
    negotiation = ma.fields.Nested(NegotiationStateSchema, allow_none=True)
