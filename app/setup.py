"""Wiring: extensions, blueprints, request hooks and security headers."""

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from app.config import PROJECT_ROOT
from app.db import INTEGER_MAX
from app.errors import InvalidInput
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from workflows import congress as congress_workflow
from workflows import contract as contract_workflow
from workflows import negotiation as negotiation_workflow

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def select_locale() -> str:
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI and tick: the default
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or "zh"
    if session.get("lang") in languages:
        return session["lang"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "zh"


def _numbers_up_to(limit: int) -> str:
    """A regular expression of the decimal numbers 0 to `limit`: those with fewer digits, and
    those with as many that have a smaller digit after a prefix of `limit`'s own."""
    digits = str(limit)
    shorter = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    smaller = [
        rf"{digits[:i]}[0-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if digit != "0"
    ]
    return "|".join([*shorter, *smaller, digits])


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 0 to INTEGER_MAX, what an INTEGER column holds (PostgreSQL
    refuses to compare one with a larger number, SQLite one beyond 64 bits: a 500), and so
    documented. A larger number matches no route, 404 — by the pattern, as a bound checked after
    it makes werkzeug answer 405 where the path has other methods."""

    regex = _numbers_up_to(INTEGER_MAX)

    def __init__(self, map: Map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = INTEGER_MAX  # the pattern's bound, for the OpenAPI document


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from app import (  # noqa: F401
        audit,
        auth,
        congress,
        contracts,
        negotiations,
        notifications,
        orgs,
        wage_grids,
    )
    from app.api import init_api
    from app.auth.views import admin_bp as admin_users_bp
    from app.auth.views import bp as auth_bp
    from app.cli import accord_cli
    from app.congress.views import bp as congress_bp
    from app.contracts.views import bp as contracts_bp
    from app.errors import register_error_handlers
    from app.negotiations.views import bp as negotiations_bp
    from app.notifications.views import bp as notifications_bp
    from app.orgs.views import admin_bp as admin_orgs_bp
    from app.orgs.views import bp as orgs_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_users_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(admin_orgs_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(negotiations_bp)
    app.register_blueprint(congress_bp)
    app.register_blueprint(contracts_bp)
    init_api(app)
    register_error_handlers(app)
    # A count that reaches past the calendar package's years reads the schedules entered here.
    from app.orgs.operations import published_schedules
    from workflows import calendar

    calendar.read_from(published_schedules)
    app.cli.add_command(accord_cli)
    if app.config["TICK_EVERY"] > 0:
        from app import tick

        tick.init_app(app)  # deadlines fire from a background thread (DESIGN §7)

    @app.before_request
    def remember_language():
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"] and not request.path.startswith("/api/"):
            session["lang"] = lang

    @app.before_request
    def refuse_nul_characters():
        """PostgreSQL stores no NUL character (U+0000): a page's form field or query parameter
        holding one is refused by name (422) before any form reads it, instead of failing in
        the database (500). The API's schemas refuse it field by field (app.schemas.Text)."""
        if request.path.startswith("/api/"):
            return
        try:
            pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
        except RequestEntityTooLarge:
            return  # the view answers an oversized upload in its own words
        for name, value in pairs:
            if "\x00" in name or "\x00" in value:
                field = name.replace("\x00", "")
                raise InvalidInput(
                    field, f"{field}: " + _("Must not contain the NUL character (U+0000).")
                )

    @app.after_request
    def commit_or_roll_back(response):
        """One transaction per request: commit what the operations flushed, unless it failed."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # The user this request loaded, if any: loading one here could fail a second time where
        # the request's own load failed (a database without its tables).
        user = g.get("_login_user")
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from app.audit.operations import action_label

    app.add_template_filter(action_label)
    # The states by name, so that no page compares with a string literal (the rulebook test).
    app.jinja_env.globals.update(
        NegotiationState=negotiation_workflow.State,
        ContractState=contract_workflow.State,
        SessionState=congress_workflow.SessionState,
        MotionState=congress_workflow.MotionState,
        CONTRACT_IN_FORCE=contract_workflow.IN_FORCE,
        CONTRACT_ENDED_UNSIGNED=contract_workflow.ENDED_UNSIGNED,
    )

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        from app.notifications.operations import unread_count

        unread = unread_count(current_user) if current_user.is_authenticated else 0
        return {
            "languages": app.config["LANGUAGES"],
            "unread_notifications": unread,
            "locale": str(get_locale()),
        }
