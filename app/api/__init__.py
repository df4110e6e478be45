"""The JSON API at /api/v1 (flask-smorest): bearer tokens, one module per domain."""

import marshmallow as ma
from flask import Flask, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_smorest import abort

from app.auth.operations import user_for_token
from app.extensions import csrf, login_manager
from app.schemas import Text


class ErrorBodySchema(ma.Schema):
    code = Text(required=True)
    message = Text(required=True)
    details = ma.fields.Dict(required=True)


class ErrorSchema(ma.Schema):
    """Every error: {"error": {"code", "message", "details"}} (DESIGN §6)."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """app.errors answers errors for the whole app, in JSON under /api/."""


api = Api()


@login_manager.request_loader
def load_user_from_bearer_token(req):
    if not req.path.startswith("/api/"):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())


def require_token():
    """Every API call but the OpenAPI document carries a valid personal access token."""
    if request.method == "OPTIONS":
        return None
    if not current_user.is_authenticated:
        abort(
            401,
            message="A valid bearer token is required (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def init_api(app: Flask) -> None:
    from app.api import audit, auth, congress, contracts, negotiations, notifications, orgs

    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": "Skill-grade wage collective negotiation (能级工资集体协商)."},
            "security": [{"bearerAuth": []}],
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (auth, orgs, negotiations, congress, contracts, notifications, audit):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix="/api/v1")
        # Per app, not on the shared blueprint object: create_app may run more than once.
        app.before_request_funcs.setdefault(module.blp.name, []).append(require_token)
