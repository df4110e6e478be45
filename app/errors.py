"""Domain errors and how they reach a person: an HTML page or the API's JSON error format."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from workflows.errors import WorkflowError
from workflows.messages import Message

log = logging.getLogger("accord")
_told_to_migrate = False


def _missing_table(exc: DBAPIError) -> bool:
    """Whether the database lacks a table (SQLite's words, or PostgreSQL's SQLSTATE 42P01)."""
    return "no such table" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "42P01"


def translate(message: Message) -> str:
    """A workflow message in the reader's language; its word values (state and action labels,
    sides) are translated too, names and figures come through unchanged."""
    params = {
        k: translate(v) if isinstance(v, Message) else _(v) if isinstance(v, str) and v else v
        for k, v in message.params.items()
    }
    return _(message.template, **params)


class AccordError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(AccordError):
    """Input that breaks a rule; `details` maps each field to its messages (422)."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str, **more: str):
        fields = {field: [message], **{k: [v] for k, v in more.items()}}
        super().__init__(message, fields)


class NotPermitted(AccordError):
    """Visible, but this user may not do it (403)."""

    status = 403
    code = "forbidden"


class Unavailable(AccordError):
    """The server cannot take this on right now; trying again later may work (503)."""

    status = 503
    code = "unavailable"


class Conflict(AccordError):
    """The action is not allowed in the object's current state (409)."""

    status = 409
    code = "conflict"


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
    500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, details: dict | None = None, code: str | None = None):
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "details": details or {},
        }
    }
    return jsonify(body), status


def _dotted(messages: dict, prefix: str = "") -> dict[str, list]:
    """Nested fields' messages under dotted keys, as the operations name them:
    {"rows": {0: {"base_fen": [...]}}} → {"rows.0.base_fen": [...]}."""
    flat: dict[str, list] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            flat.update(_dotted(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _webargs_details(exc: HTTPException) -> tuple[str | None, dict]:
    """webargs puts validation messages under data['messages'][location]."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    details: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            details.update(_dotted(location_messages))
        elif isinstance(location_messages, list):
            details.setdefault("_body", []).extend(location_messages)
    return data.get("message"), details


def default_message(status: int) -> str | None:
    """Our own words for the standard errors, in the reader's language."""
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to do this."),
        404: _("This does not exist, or you may not see it."),
        405: _("This action is not available here."),
        413: _("The upload is too large."),
        429: _("Too many attempts; please wait a minute and try again."),
        500: _("Something went wrong on our side; nothing was saved."),
    }.get(status)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        message, details = _webargs_details(exc)
        if exc.code == 422 and details:
            fields = ", ".join(sorted(details))
            message = message or _("Invalid input: %(fields)s", fields=fields)
        if message is None and exc.description == type(exc).description:
            message = default_message(exc.code or 500)
        message = message or exc.description or exc.name
        # The exception's own headers (Allow on a 405, RFC 9110) and those abort() was given.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        headers.update((getattr(exc, "data", None) or {}).get("headers") or {})
        if wants_json():
            response, status = json_error(exc.code or 500, message, details)
            response.headers.update(headers)
            return response, status
        return render_template("errors.html", status=exc.code, message=message), exc.code, headers

    @app.errorhandler(AccordError)
    def handle_accord_error(exc: AccordError):
        if wants_json():
            return json_error(exc.status, exc.message, exc.details, exc.code)
        return render_template("errors.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(WorkflowError)
    def handle_workflow_error(exc: WorkflowError):
        return handle_accord_error(Conflict(translate(exc.message)))

    @app.errorhandler(OperationalError)
    @app.errorhandler(ProgrammingError)
    def handle_missing_tables(exc: DBAPIError):
        """A database without the application's tables (never migrated) answers 503 with what to
        do, logged once per process; any other database error stays a 500."""
        if not _missing_table(exc):
            raise exc
        db.session.rollback()
        global _told_to_migrate
        if not _told_to_migrate:
            _told_to_migrate = True
            log.error("the database has no tables yet: run `flask db upgrade` (%s)", exc.orig)
        message = _(
            "The database is not set up yet: run “flask db upgrade” on the server, then reload."
        )
        if wants_json():
            return json_error(503, message, code="not_migrated")
        # Not the site's layout: it reads the signed-in user, which needs the missing tables.
        page = f"<!doctype html><meta charset=utf-8><title>503</title><p>{escape(message)}</p>"
        return page, 503, {"Content-Type": "text/html; charset=utf-8"}
