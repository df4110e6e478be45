"""Wiring: extensions, blueprints, request hooks and security headers."""

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from app.config import PROJECT_ROOT
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

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


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from app import audit, auth, congress, contracts, negotiations, notifications, orgs  # noqa: F401
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
    def sync_holiday_schedules():
        from app.orgs.operations import sync_calendar

        sync_calendar(force=False)

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
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from app.audit.operations import action_label

    app.add_template_filter(action_label)

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
