"""API: the signed-in user, personal tokens, and user administration."""

from functools import wraps

from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select

from app.api.common import Blueprint, error_responses
from app.auth import operations
from app.auth.access import require_admin
from app.auth.models import ApiToken, User
from app.auth.schemas import (
    NewTokenSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from app.extensions import db
from app.orgs.models import Region

blp = Blueprint("api_auth", __name__, description="The signed-in user, tokens and users")
fails_with = error_responses(blp)


def admin_only(view):
    """Check the role before the body is validated: a wrong role is 403 whatever it sent."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require_admin()
        return view(*args, **kwargs)

    return wrapped


def _region_or_422(region_id):
    if region_id is None:
        return None
    region = db.session.get(Region, region_id)
    if region is None:
        abort(422, message="Unknown region.", errors={"json": {"region_id": ["Unknown region."]}})
    return region


@blp.get("/me")
@blp.response(200, UserSchema)
def me():
    """The user this token belongs to, with their memberships."""
    return current_user


@blp.get("/tokens")
@blp.response(200, TokenSchema(many=True))
def list_tokens():
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)
    ).all()


@blp.post("/tokens")
@blp.arguments(TokenSchema)
@blp.response(201, NewTokenSchema)
def create_token(data):
    """Create a personal access token; its text is in this answer only."""
    token, plain = operations.create_token(current_user, data["name"])
    token.token = plain
    return token


@blp.delete("/tokens/<int:token_id>")
@fails_with(404)
@blp.response(204)
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404, message="No such token.")
    operations.revoke_token(token, current_user)


@blp.get("/users")
@fails_with(403)
@blp.response(200, UserSchema(many=True))
def list_users():
    require_admin()
    return db.session.scalars(select(User).order_by(User.username)).all()


@blp.post("/users")
@admin_only
@fails_with(403)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data):
    region = _region_or_422(data.pop("region_id"))
    return operations.create_user(
        data.pop("username"),
        data.pop("full_name"),
        data.pop("password"),
        region=region,
        actor=current_user,
        set_by_someone_else=True,
        **data,
    )


@blp.get("/users/<int:user_id>")
@fails_with(403, 404)
@blp.response(200, UserSchema)
def get_user(user_id):
    if user_id != current_user.id:
        require_admin()
    return db.get_or_404(User, user_id)


@blp.patch("/users/<int:user_id>")
@admin_only
@fails_with(403, 404)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(data, user_id):
    user = db.get_or_404(User, user_id)
    region = _region_or_422(data["region_id"]) if "region_id" in data else user.region
    password = data.pop("password", None)
    operations.update_user(
        user,
        current_user,
        full_name=data.get("full_name", user.full_name),
        email=data.get("email", user.email),
        global_role=data.get("global_role", user.global_role),
        region=region,
        active=data.get("active", user.active),
    )
    if password:
        operations.reset_password(user, password, current_user)
    return user
