"""API schemas for negotiations (集体协商): the written request, the actions, representatives,
rounds, draft items and wage grids (能级工资表) with their costing.

Money is integer fen, percentages are strings with two decimals, dates and times ISO 8601 (times
timezone-aware). What depends on who asks (`allowed_actions`) is computed for the token's user.
"""

from datetime import UTC

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from app.db import INTEGER_MAX
from app.errors import translate
from app.negotiations import queries
from app.negotiations.access import allowed_triggers
from app.schemas import Text
from workflows import rules
from workflows.negotiation import ACTION_LABELS, STATE_LABELS, STATES

# 集体合同规定 Art 38: a contract runs for 1 to 3 years.
TERM = validate.OneOf(rules.TERM_YEARS, error="The term is 1, 2 or 3 years (集体合同规定 Art 38).")

_SIDE = validate.OneOf(rules.SIDES)
_SIDE_CHOICE = {"description": "The side you act for; needed only if you sit on both."}
_STORED = validate.Range(min=-INTEGER_MAX, max=INTEGER_MAX)  # the rules judge the figure

PROVISIONAL = (
    "true when the date was counted on a year whose official holiday schedule is not known "
    "yet: it is counted again, and the parties told if it moves, once the schedule arrives"
)


class AwareUTCDateTime(ma.fields.AwareDateTime):
    """A timezone-aware datetime in any offset, kept in UTC as it is stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)


class ComputedSchema(ma.Schema):
    """A schema some of whose values are computed: `computed` maps a field's name to a function
    of the object, so the field keeps its declared type in the OpenAPI document."""

    computed: dict = {}

    def get_attribute(self, obj, attr, default):
        if attr in self.computed:
            return self.computed[attr](obj)
        return super().get_attribute(obj, attr, default)


# --- requests (what a client sends) -----------------------------------------------------------


class NegotiationCreateSchema(ma.Schema):
    """The written request (要约书), kept as a draft until it is sent."""

    subject = Text(required=True, validate=validate.Length(min=1, max=200))
    term_years = ma.fields.Integer(
        required=True,
        strict=True,
        validate=TERM,
        metadata={"description": "集体合同规定 Art 38: 1 to 3 years."},
    )
    topics = Text(required=True, validate=validate.Length(min=1))
    proposed_at = AwareUTCDateTime(
        load_default=None, allow_none=True, metadata={"description": "Proposed time of the talks."}
    )
    proposed_place = Text(load_default="", validate=validate.Length(max=200))
    side = Text(load_default=None, allow_none=True, validate=_SIDE, metadata=_SIDE_CHOICE)


class NegotiationUpdateSchema(ma.Schema):
    """Changes to the request while it is a draft; fields left out stay as they are."""

    subject = Text(validate=validate.Length(min=1, max=200))
    term_years = ma.fields.Integer(strict=True, validate=TERM)
    topics = Text(validate=validate.Length(min=1))
    proposed_at = AwareUTCDateTime(allow_none=True)
    proposed_place = Text(validate=validate.Length(max=200))


class AcceptRequestSchema(ma.Schema):
    topics = Text(
        load_default="",
        metadata={"description": "The responding side's own topics (试行办法 Art 17)."},
    )


class RefusalSchema(ma.Schema):
    reason = Text(
        required=True,
        metadata={"description": "集体合同规定 Art 32: a refusal gives its reason in writing."},
    )


class AbandonSchema(ma.Schema):
    reason = Text(load_default="")


class SuspensionSchema(ma.Schema):
    resume_on = ma.fields.Date(
        required=True,
        metadata={"description": "集体合同规定 Art 35: the day the talks resume, after today."},
    )


class DisputeExtensionSchema(ma.Schema):
    days = ma.fields.Integer(
        required=True,
        strict=True,
        metadata={
            "description": "集体合同规定 Art 52: once, by at most the region's extension (15 days)."
        },
    )


class ClausesSchema(ma.Schema):
    """The clauses besides the grid; a change raises the revision and voids both acceptances."""

    term_years = ma.fields.Integer(required=True, strict=True, validate=TERM)
    adjustment_rule = Text(required=True)
    pay_day = ma.fields.Integer(
        required=True, strict=True, allow_none=True, validate=validate.Range(1, 31)
    )


class AcceptProposalSchema(ma.Schema):
    grid_id = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=INTEGER_MAX),
        metadata={
            "description": "A proposal of this negotiation, accepted with the clauses as they "
            "stand."
        },
    )
    side = Text(load_default=None, allow_none=True, validate=_SIDE, metadata=_SIDE_CHOICE)


class RepresentativeCreateSchema(ma.Schema):
    """A member of the enterprise by `username`, or an outside expert by `name`."""

    side = Text(required=True, validate=_SIDE)
    username = Text(load_default=None, allow_none=True)
    name = Text(load_default="", validate=validate.Length(max=64))
    position = Text(load_default="", validate=validate.Length(max=64))
    is_chief = ma.fields.Boolean(load_default=False)
    is_outside_expert = ma.fields.Boolean(load_default=False)
    delegated_in_writing = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Art 20, 21: a chief who is not the union chair or the legal "
            "representative holds a written delegation."
        },
    )


class RecorderChoiceSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))


class RoundCreateSchema(ma.Schema):
    held_at = AwareUTCDateTime(required=True)
    place = Text(required=True, validate=validate.Length(min=1, max=200))


class MinutesSchema(ma.Schema):
    minutes = Text(required=True)


class GradeRowSchema(ComputedSchema):
    """One skill grade, lowest first: monthly base wage and skill allowance in fen, headcount.

    The amounts are checked together with the region's minimum wage; a problem is reported as
    `rows.<index>.<field>` with the grade and the figure in words.
    """

    position = ma.fields.Integer(dump_only=True)
    grade = Text(required=True, validate=validate.Length(max=32))
    base_fen = ma.fields.Integer(required=True, strict=True, validate=_STORED)
    allowance_fen = ma.fields.Integer(required=True, strict=True, validate=_STORED)
    total_fen = ma.fields.Integer(dump_only=True)
    headcount = ma.fields.Integer(required=True, strict=True, validate=_STORED)

    computed = {"total_fen": lambda row: row.base_fen + row.allowance_fen}


class GridRowsSchema(ma.Schema):
    rows = ma.fields.List(ma.fields.Nested(GradeRowSchema), required=True)
    note = Text(load_default="")


class ProposalCreateSchema(GridRowsSchema):
    side = Text(load_default=None, allow_none=True, validate=_SIDE, metadata=_SIDE_CHOICE)


class ItemCreateSchema(ma.Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    text = Text(required=True, validate=validate.Length(min=1))


class ItemUpdateSchema(ma.Schema):
    title = Text(validate=validate.Length(min=1, max=200))
    text = Text(validate=validate.Length(min=1))


# --- answers ----------------------------------------------------------------------------------


class CostingSchema(ComputedSchema):
    """工资总额测算: the wage bill; `change_*` and the guideline only against the current grid."""

    monthly_fen = ma.fields.Integer()
    annual_fen = ma.fields.Integer()
    headcount = ma.fields.Integer()
    average_fen = ma.fields.Integer(metadata={"description": "Weighted average, whole fen."})
    change_monthly_fen = ma.fields.Integer(allow_none=True)
    change_average_fen = ma.fields.Integer(allow_none=True)
    change_pct = ma.fields.Decimal(
        places=2,
        as_string=True,
        allow_none=True,
        # A string on the wire (as_string), exact: say so, or it is documented as a number.
        metadata={"type": "string", "format": "decimal", "description": 'e.g. "4.50" for 4.50 %.'},
    )
    guideline_position = Text(
        allow_none=True, validate=validate.OneOf([rules.BELOW, rules.WITHIN, rules.ABOVE])
    )
    guideline_warning = Text(
        allow_none=True,
        metadata={"description": "试行办法 Art 8: outside the guideline band warns, never blocks."},
    )

    computed = {
        "guideline_warning": lambda costing: (
            translate(costing.guideline_warning) if costing.guideline_warning else None
        )
    }


class GridSchema(ComputedSchema):
    """A wage grid with its costing: the current grid or one side's proposal in a round."""

    label = Text()
    grid_id = ma.fields.Integer()
    side = Text(allow_none=True, metadata={"description": "null for the current grid"})
    round = ma.fields.Integer(
        allow_none=True, metadata={"description": "The round's number; null for the current grid."}
    )
    note = Text(attribute="grid.note")
    created_at = ma.fields.AwareDateTime(attribute="grid.created_at")
    rows = ma.fields.List(ma.fields.Nested(GradeRowSchema), attribute="grid.rows")
    costing = ma.fields.Nested(CostingSchema)
    changed = ma.fields.List(
        ma.fields.Tuple((ma.fields.Integer(), Text())),
        metadata={
            "description": "The cells that differ from the current "
            "grid, as [position, field] pairs."
        },
    )

    computed = {
        "grid_id": lambda column: column.grid.id,
        "side": lambda column: column.grid.side,
        "round": lambda column: column.grid.round.number if column.grid.round else None,
        "changed": lambda column: sorted(column.changed),
    }


class DeadlineSchema(ma.Schema):
    label = Text()
    due = ma.fields.Date()
    days_left = ma.fields.Integer(metadata={"description": "Negative once overdue."})
    overdue = ma.fields.Boolean()
    article = Text()


class RepresentativeSchema(ComputedSchema):
    """A negotiating representative (协商代表), 集体合同规定 Art 19-24, 31."""

    id = ma.fields.Integer()
    negotiation_id = ma.fields.Integer()
    side = Text()
    user_id = ma.fields.Integer(allow_none=True)
    username = Text(
        allow_none=True, metadata={"description": "null for an outside expert without an account"}
    )
    name = Text()
    position = Text()
    is_chief = ma.fields.Boolean()
    is_outside_expert = ma.fields.Boolean()
    delegated_in_writing = ma.fields.Boolean()
    appointed_on = ma.fields.Date()
    vacated_on = ma.fields.Date(allow_none=True)
    refill_due = ma.fields.Date(allow_none=True)
    refill_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    refilled_by_id = ma.fields.Integer(allow_none=True)

    computed = {"username": lambda rep: rep.user.username if rep.user else None}


class ProposalRefSchema(ma.Schema):
    id = ma.fields.Integer()
    side = Text()


class RoundSchema(ma.Schema):
    """A round of talks (协商会议): its chair (Art 34), minutes (Art 33) and proposals."""

    id = ma.fields.Integer()
    negotiation_id = ma.fields.Integer()
    number = ma.fields.Integer()
    held_at = ma.fields.AwareDateTime()
    place = Text()
    chair_side = Text()
    minutes = Text()
    minutes_written_at = ma.fields.AwareDateTime(allow_none=True)
    union_confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    employer_confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    confirmed = ma.fields.Boolean()
    proposals = ma.fields.List(ma.fields.Nested(ProposalRefSchema))


class DraftItemSchema(ma.Schema):
    """A clause the sides added; in `draft_items` it follows the four fixed items."""

    id = ma.fields.Integer()
    negotiation_id = ma.fields.Integer()
    number = ma.fields.Integer()
    title = Text()
    text = Text()


class NumberedItemSchema(ma.Schema):
    """An item of the draft as the workers' congress votes on it."""

    number = ma.fields.Integer()
    title = Text()
    text = Text()
    failed = ma.fields.Boolean(metadata={"description": "Rejected by the congress."})


class AcceptanceSchema(ma.Schema):
    grid_id = ma.fields.Integer(allow_none=True)
    revision = ma.fields.Integer(allow_none=True)
    current = ma.fields.Boolean(
        metadata={"description": "Given for the clauses' current revision."}
    )


class AcceptancesSchema(ma.Schema):
    union = ma.fields.Nested(AcceptanceSchema)
    employer = ma.fields.Nested(AcceptanceSchema)


class RecorderSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = Text()
    name = Text()


class NegotiationSummarySchema(ComputedSchema):
    id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    enterprise_name = Text(attribute="enterprise.name")
    state = Text(validate=validate.OneOf(STATES))
    state_label = Text()
    initiator_side = Text()
    responder_side = Text()
    subject = Text()
    term_years = ma.fields.Integer()
    requested_on = ma.fields.Date(allow_none=True)
    response_due = ma.fields.Date(allow_none=True)
    response_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    response_overdue = ma.fields.Boolean(
        metadata={"description": "The written response is late (集体合同规定 Art 32)."}
    )
    revision = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()

    computed = {
        "state_label": lambda n: _(STATE_LABELS[n.state]),
        "response_overdue": queries.is_response_overdue,
    }


def _recorder(negotiation):
    if negotiation.recorder_user_id is None:
        return None
    return {
        "user_id": negotiation.recorder_user_id,
        "name": negotiation.recorder_name,
        "username": negotiation.recorder_user.username,
    }


def _acceptances(negotiation) -> dict:
    return {
        side: {
            "grid_id": getattr(negotiation, f"{side}_accepted_grid_id"),
            "revision": getattr(negotiation, f"{side}_accepted_revision"),
            "current": negotiation.accepted_package(side) is not None,
        }
        for side in rules.SIDES
    }


class NegotiationSchema(NegotiationSummarySchema):
    """A negotiation with everything a client needs to show it and act on it."""

    topics = Text()
    proposed_at = ma.fields.AwareDateTime(allow_none=True)
    proposed_place = Text()
    responded_on = ma.fields.Date(allow_none=True)
    responder_topics = Text()
    refusal_reason = Text(allow_none=True)
    recorder = ma.fields.Nested(
        RecorderSchema,
        allow_none=True,
        metadata={"description": "集体合同规定 Art 33: the neutral recorder."},
    )
    suspension_proposed_by = Text(allow_none=True)
    suspension_resume_on = ma.fields.Date(allow_none=True)
    resume_on = ma.fields.Date(allow_none=True)
    dispute_started_on = ma.fields.Date(allow_none=True)
    dispute_due = ma.fields.Date(allow_none=True)
    dispute_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    dispute_extension_days = ma.fields.Integer()
    adjustment_rule = Text()
    pay_day = ma.fields.Integer(allow_none=True)
    acceptances = ma.fields.Nested(AcceptancesSchema)
    agreed_grid_id = ma.fields.Integer(allow_none=True)
    agreed_revision = ma.fields.Integer(allow_none=True)
    failed_items = ma.fields.List(ma.fields.Integer())
    deadlines = ma.fields.List(ma.fields.Nested(DeadlineSchema))
    allowed_actions = ma.fields.List(
        Text(validate=validate.OneOf(sorted(ACTION_LABELS))),
        metadata={
            "description": "What the token's user may do now, from the workflow; a guard "
            "may still refuse with its reason."
        },
    )
    representatives = ma.fields.List(ma.fields.Nested(RepresentativeSchema))
    rounds = ma.fields.List(ma.fields.Nested(RoundSchema))
    items = ma.fields.List(ma.fields.Nested(DraftItemSchema))
    draft_items = ma.fields.List(ma.fields.Nested(NumberedItemSchema))

    computed = {
        **NegotiationSummarySchema.computed,
        "recorder": _recorder,
        "acceptances": _acceptances,
        "deadlines": queries.deadlines,
        "allowed_actions": lambda n: allowed_triggers(n, current_user),
        "draft_items": queries.draft_items,
    }
