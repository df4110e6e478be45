"""API schemas for regions, wage guidelines and enterprises."""

import marshmallow as ma
from marshmallow import validate

from workflows.rules import DAY_COUNTING_MODES

_DAYS = validate.Range(min=1, max=365)


class GuidelineSchema(ma.Schema):
    year = ma.fields.Integer(required=True, validate=validate.Range(min=1990, max=2100))
    lower_bp = ma.fields.Integer(required=True, metadata={"description": "450 = 4.50 %"})
    base_bp = ma.fields.Integer(required=True)
    upper_bp = ma.fields.Integer(required=True)


class RegionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    minimum_wage_fen = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    minimum_wage_note = ma.fields.String(validate=validate.Length(max=200))
    response_days = ma.fields.Integer(validate=_DAYS)
    day_counting = ma.fields.String(validate=validate.OneOf(DAY_COUNTING_MODES))
    data_supply_days = ma.fields.Integer(validate=validate.Range(min=0, max=60))
    refill_days = ma.fields.Integer(validate=_DAYS)
    dispute_days = ma.fields.Integer(validate=_DAYS)
    dispute_extension_days = ma.fields.Integer(validate=validate.Range(min=0, max=60))
    filing_days = ma.fields.Integer(validate=_DAYS)
    review_days = ma.fields.Integer(validate=_DAYS)
    publication_days = ma.fields.Integer(validate=_DAYS)
    renewal_window_months = ma.fields.Integer(validate=validate.Range(min=1, max=12))
    quorum_numerator = ma.fields.Integer(validate=validate.Range(min=1))
    quorum_denominator = ma.fields.Integer(validate=validate.Range(min=1))
    majority_numerator = ma.fields.Integer(validate=validate.Range(min=1))
    majority_denominator = ma.fields.Integer(validate=validate.Range(min=2))
    min_delegates = ma.fields.Integer(validate=validate.Range(min=1, max=10000))
    guidelines = ma.fields.List(ma.fields.Nested(GuidelineSchema), dump_only=True)


class RegionUpdateSchema(RegionSchema):
    class Meta:
        exclude = ("code",)

    name = ma.fields.String(validate=validate.Length(min=1, max=64))
    minimum_wage_fen = ma.fields.Integer(validate=validate.Range(min=1))


class EnterpriseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    credit_code = ma.fields.String(required=True, validate=validate.Length(min=18, max=18))
    region_id = ma.fields.Integer(required=True)
    industry = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    headcount = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    address = ma.fields.String(load_default="", validate=validate.Length(max=200))
    legal_representative = ma.fields.String(load_default="", validate=validate.Length(max=64))
    union_chair_id = ma.fields.Integer(dump_only=True, allow_none=True)


class EnterpriseUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=128))
    credit_code = ma.fields.String(validate=validate.Length(min=18, max=18))
    region_id = ma.fields.Integer()
    industry = ma.fields.String(validate=validate.Length(min=1, max=64))
    headcount = ma.fields.Integer(validate=validate.Range(min=1))
    address = ma.fields.String(validate=validate.Length(max=200))
    legal_representative = ma.fields.String(validate=validate.Length(max=64))
    union_chair_id = ma.fields.Integer(allow_none=True)
