"""API schemas for users, memberships and tokens."""

import marshmallow as ma
from marshmallow import validate

from app.auth.models import GlobalRole, Role
from app.auth.operations import MIN_PASSWORD_LENGTH


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True, attribute="user.username")
    full_name = ma.fields.String(dump_only=True, attribute="user.full_name")
    enterprise_id = ma.fields.Integer(dump_only=True)
    role = ma.fields.String(dump_only=True)


class MembershipCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    full_name = ma.fields.String(dump_only=True)
    email = ma.fields.String(dump_only=True, allow_none=True)
    global_role = ma.fields.String(dump_only=True, allow_none=True)
    region_id = ma.fields.Integer(dump_only=True, allow_none=True)
    locale = ma.fields.String(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    memberships = ma.fields.List(ma.fields.Nested(MembershipSchema), dump_only=True)


_GLOBAL_ROLES = validate.OneOf([r.value for r in GlobalRole])


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    full_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=128)
    )
    email = ma.fields.Email(load_default=None, allow_none=True)
    global_role = ma.fields.String(load_default=None, allow_none=True, validate=_GLOBAL_ROLES)
    region_id = ma.fields.Integer(load_default=None, allow_none=True)
    locale = ma.fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class UserUpdateSchema(ma.Schema):
    full_name = ma.fields.String(validate=validate.Length(min=1, max=64))
    email = ma.fields.Email(allow_none=True)
    global_role = ma.fields.String(allow_none=True, validate=_GLOBAL_ROLES)
    region_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()
    password = ma.fields.String(
        load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=128)
    )


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    prefix = ma.fields.String(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    last_used_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(dump_only=True, metadata={"description": "Shown once only."})
