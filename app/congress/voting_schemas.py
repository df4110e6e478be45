"""API schemas for motions (议案), ballots (选票) and results (表决结果).

A ballot's answer is `{"recorded": true}` and nothing else: the API, like the page, gives the
voter nothing that proves their choice to a third party (DESIGN §4).
"""

import marshmallow as ma
from flask_login import current_user
from marshmallow import validate

from app.congress import operations as ops
from app.congress.access import is_organiser
from app.congress.models import BALLOT_KINDS
from app.negotiations.schemas import AwareUTCDateTime, ComputedSchema
from workflows import congress as workflow


class MotionItemCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = ma.fields.String(load_default="")


class MotionCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="")
    items = ma.fields.List(
        ma.fields.Nested(MotionItemCreateSchema), required=True, validate=validate.Length(min=1)
    )
    ballot_kind = ma.fields.String(load_default="secret", validate=validate.OneOf(BALLOT_KINDS))
    requires_presence = ma.fields.Boolean(load_default=True)
    closes_at = AwareUTCDateTime(load_default=None, allow_none=True)


class SubmitToCongressSchema(ma.Schema):
    session_id = ma.fields.Integer(required=True)
    closes_at = AwareUTCDateTime(load_default=None, allow_none=True)


class BallotCreateSchema(ma.Schema):
    answers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(validate=validate.OneOf(workflow.ANSWERS)),
        required=True,
        metadata={"description": 'Every item\'s answer by its number: {"1": "yes", "2": "no"}.'},
    )


class RecordedSchema(ma.Schema):
    recorded = ma.fields.Boolean()


class MotionItemSchema(ma.Schema):
    number = ma.fields.Integer()
    title = ma.fields.String()
    text = ma.fields.String()


def _organiser(motion) -> bool:
    return is_organiser(current_user, motion.session.congress)


class MotionSchema(ComputedSchema):
    computed = {
        "allowed_actions": lambda m: workflow.allowed_motion_triggers(
            m.state, {"secretary"} if _organiser(m) else set()
        ),
        "voted": lambda m: None if m.state == "draft" else ops.participation_count(m),
    }

    id = ma.fields.Integer()
    session_id = ma.fields.Integer()
    negotiation_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    description = ma.fields.String()
    ballot_kind = ma.fields.String()
    requires_presence = ma.fields.Boolean()
    state = ma.fields.String()
    closes_at = ma.fields.AwareDateTime(allow_none=True)
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    entitled_count = ma.fields.Integer(allow_none=True)
    present_count = ma.fields.Integer(allow_none=True)
    voted = ma.fields.Integer(
        allow_none=True, metadata={"description": "How many voted so far; never who voted what."}
    )
    result = ma.fields.String(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(MotionItemSchema))
    allowed_actions = ma.fields.List(ma.fields.String())


class ItemResultSchema(ma.Schema):
    number = ma.fields.Integer()
    title = ma.fields.String()
    yes = ma.fields.Integer()
    no = ma.fields.Integer()
    abstain = ma.fields.Integer()
    blank = ma.fields.Integer()
    needed = ma.fields.Integer(metadata={"description": "The fewest yes votes that pass it."})
    passed = ma.fields.Boolean()


class NegotiationStateSchema(ma.Schema):
    id = ma.fields.Integer()
    subject = ma.fields.String()
    state = ma.fields.String()


class ResultsSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    result = ma.fields.String()
    entitled = ma.fields.Integer()
    present = ma.fields.Integer(metadata={"description": "Present when the voting opened."})
    voted = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(ItemResultSchema))
    rule = ma.fields.String(metadata={"description": "The majority rule applied, in words."})
    seal = ma.fields.String()
    seal_intact = ma.fields.Boolean()
    negotiation = ma.fields.Nested(NegotiationStateSchema, allow_none=True)
