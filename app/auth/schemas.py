"""API schemas for users, memberships and tokens."""

import marshmallow as ma
from marshmallow import validate

from app.auth.models import GlobalRole, Role
from app.auth.operations import MIN_PASSWORD_LENGTH
from app.db import INTEGER_MAX
from app.schemas import Text


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(dump_only=True)
    username = Text(dump_only=True, attribute="user.username")
    full_name = Text(dump_only=True, attribute="user.full_name")
    enterprise_id = ma.fields.Integer(dump_only=True)
    role = Text(dump_only=True)


class MembershipCreateSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    role = Text(required=True, validate=validate.OneOf([r.value for r in Role]))


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = Text(dump_only=True)
    full_name = Text(dump_only=True)
    email = Text(dump_only=True, allow_none=True)
    global_role = Text(dump_only=True, allow_none=True)
    region_id = ma.fields.Integer(dump_only=True, allow_none=True)
    locale = Text(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    memberships = ma.fields.List(ma.fields.Nested(MembershipSchema), dump_only=True)


_GLOBAL_ROLES = validate.OneOf([r.value for r in GlobalRole])
_ID = validate.Range(min=1, max=INTEGER_MAX)
_EMAIL = validate.Length(max=254)  # RFC 5321's limit, and the column's


class UserCreateSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    full_name = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Text(
        required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=128)
    )
    email = ma.fields.Email(load_default=None, allow_none=True, validate=_EMAIL)
    global_role = Text(load_default=None, allow_none=True, validate=_GLOBAL_ROLES)
    region_id = ma.fields.Integer(load_default=None, allow_none=True, validate=_ID)
    locale = Text(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class UserUpdateSchema(ma.Schema):
    full_name = Text(validate=validate.Length(min=1, max=64))
    email = ma.fields.Email(allow_none=True, validate=_EMAIL)
    global_role = Text(allow_none=True, validate=_GLOBAL_ROLES)
    region_id = ma.fields.Integer(allow_none=True, validate=_ID)
    active = ma.fields.Boolean()
    password = Text(load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=128))


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=64))
    prefix = Text(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    last_used_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = Text(dump_only=True, metadata={"description": "Shown once only."})
