"""API schemas for regions, wage guidelines and enterprises."""

import marshmallow as ma
from marshmallow import validate

from app.db import INTEGER_MAX
from app.schemas import Text
from workflows.rules import DAY_COUNTING_MODES

_DAYS = validate.Range(min=1, max=365)
_ID = validate.Range(min=1, max=INTEGER_MAX)
_POSITIVE = validate.Range(min=1, max=INTEGER_MAX)
_BASIS_POINTS = validate.Range(min=-INTEGER_MAX, max=INTEGER_MAX)


class GuidelineSchema(ma.Schema):
    year = ma.fields.Integer(required=True, validate=validate.Range(min=1990, max=2100))
    lower_bp = ma.fields.Integer(
        required=True, validate=_BASIS_POINTS, metadata={"description": "450 = 4.50 %"}
    )
    base_bp = ma.fields.Integer(required=True, validate=_BASIS_POINTS)
    upper_bp = ma.fields.Integer(required=True, validate=_BASIS_POINTS)


class RegionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    name = Text(required=True, validate=validate.Length(min=1, max=64))
    minimum_wage_fen = ma.fields.Integer(required=True, validate=_POSITIVE)
    minimum_wage_note = Text(validate=validate.Length(max=200))
    response_days = ma.fields.Integer(validate=_DAYS)
    day_counting = Text(validate=validate.OneOf(DAY_COUNTING_MODES))
    data_supply_days = ma.fields.Integer(validate=validate.Range(min=0, max=60))
    refill_days = ma.fields.Integer(validate=_DAYS)
    dispute_days = ma.fields.Integer(validate=_DAYS)
    dispute_extension_days = ma.fields.Integer(validate=validate.Range(min=0, max=60))
    filing_days = ma.fields.Integer(validate=_DAYS)
    review_days = ma.fields.Integer(validate=_DAYS)
    publication_days = ma.fields.Integer(validate=_DAYS)
    renewal_window_months = ma.fields.Integer(validate=validate.Range(min=1, max=12))
    quorum_numerator = ma.fields.Integer(validate=_POSITIVE)
    quorum_denominator = ma.fields.Integer(validate=_POSITIVE)
    majority_numerator = ma.fields.Integer(validate=_POSITIVE)
    majority_denominator = ma.fields.Integer(validate=validate.Range(min=2, max=INTEGER_MAX))
    min_delegates = ma.fields.Integer(validate=validate.Range(min=1, max=10000))
    guidelines = ma.fields.List(ma.fields.Nested(GuidelineSchema), dump_only=True)


class RegionUpdateSchema(RegionSchema):
    class Meta:
        exclude = ("code",)

    name = Text(validate=validate.Length(min=1, max=64))
    minimum_wage_fen = ma.fields.Integer(validate=_POSITIVE)


class EnterpriseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=128))
    credit_code = Text(required=True, validate=validate.Length(min=18, max=18))
    region_id = ma.fields.Integer(required=True, validate=_ID)
    industry = Text(required=True, validate=validate.Length(min=1, max=64))
    headcount = ma.fields.Integer(required=True, validate=_POSITIVE)
    address = Text(load_default="", validate=validate.Length(max=200))
    legal_representative = Text(load_default="", validate=validate.Length(max=64))
    union_chair_id = ma.fields.Integer(dump_only=True, allow_none=True)


class EnterpriseUpdateSchema(ma.Schema):
    name = Text(validate=validate.Length(min=1, max=128))
    credit_code = Text(validate=validate.Length(min=18, max=18))
    region_id = ma.fields.Integer(validate=_ID)
    industry = Text(validate=validate.Length(min=1, max=64))
    headcount = ma.fields.Integer(validate=_POSITIVE)
    address = Text(validate=validate.Length(max=200))
    legal_representative = Text(validate=validate.Length(max=64))
    union_chair_id = ma.fields.Integer(allow_none=True, validate=_ID)
