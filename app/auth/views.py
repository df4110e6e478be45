"""Sign-in, sign-out, the profile page, API tokens and the user administration."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth import operations
from app.auth.access import admin_required
from app.auth.forms import (
    LoginForm,
    PasswordForm,
    ProfileForm,
    TokenForm,
    UserForm,
)
from app.auth.models import GLOBAL_ROLE_LABELS, ROLE_LABELS, ApiToken, User
from app.errors import InvalidInput
from app.extensions import db, limiter, login_manager
from app.forms import show_errors
from app.orgs.models import Region

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str):
    if request.path.startswith("/api/"):
        return None  # the API authenticates by bearer token only, never by cookie
    # "id.epoch": a session from before a sign-out or a password change has an older epoch.
    user_id, _dot, epoch = user_id.partition(".")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _login_username() -> str:
    return f"login-user|{(request.form.get('username') or '').strip().lower()}"


def _login_address() -> str:
    # The client's address as ProxyFix read it from the trusted proxies (TRUSTED_PROXIES).
    return f"login-address|{request.remote_addr}"


def _failed(response) -> bool:
    """Only failed sign-ins count: a congress behind one NAT signs in without limit."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_username, deduct_when=_failed)
@limiter.limit(_login_address_limit, methods=["POST"], key_func=_login_address, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("orgs.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors = [_("Wrong username or password.")]
        else:
            # A language chosen on the way in (?lang= on the sign-in page) outlives the new
            # session; otherwise the profile's applies.
            chosen = session.get("lang")
            session.clear()
            login_user(user, remember=form.remember.data)
            session["lang"] = chosen or user.locale
            return redirect(_safe_next(request.args.get("next")) or url_for("orgs.home"))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


# While someone else's password is set, only these pages are open: the one to set one's own.
OPEN_UNTIL_OWN_PASSWORD = {"auth.profile", "auth.change_password", "auth.logout", "static"}


@bp.before_app_request
def own_password_first():
    """A person whose password an administrator set goes to set their own before anything else
    (the API refuses their tokens: a reset revokes them, and new ones are made on that page)."""
    if (
        request.endpoint not in OPEN_UNTIL_OWN_PASSWORD  # first: a static file loads no user
        and not request.path.startswith("/api/")
        and current_user.is_authenticated
        and current_user.must_change_password
    ):
        flash(
            _("Your password was set by an administrator: set a password only you know first."),
            "error",
        )
        return redirect(url_for("auth.profile"))
    return None


@bp.post("/logout")
@login_required
def logout():
    operations.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            operations.update_profile(
                current_user,
                full_name=form.full_name.data,
                email=form.email.data,
                locale=form.locale.data,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            session["lang"] = form.locale.data
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    status = 422 if form.errors else 200
    return render_template("auth/profile.html", form=form, password_form=password_form), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            operations.change_password(
                current_user, password_form.current_password.data, password_form.new_password.data
            )
        except InvalidInput as exc:
            show_errors(password_form, exc)
        else:
            login_user(current_user._get_current_object())  # this session goes on, the others end
            flash(
                _(
                    "Your password is changed; your other sessions are signed out. Your API "
                    "tokens still work: revoke them under API access if you need to."
                ),
                "success",
            )
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), 422


@bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = operations.create_token(current_user, form.name.data)
        except InvalidInput as exc:
            show_errors(form, exc)
    listed = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "auth/tokens.html", form=form, tokens=listed, new_token=new_token
    ), status


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    operations.revoke_token(token, current_user)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.tokens"))


@admin_bp.get("/")
@admin_required
def users():
    listed = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin/users.html", users=listed, global_roles=GLOBAL_ROLE_LABELS, roles=ROLE_LABELS
    )


def _regions():
    return db.session.scalars(select(Region).order_by(Region.name)).all()


def _region_choice(region_id: int):
    return db.session.get(Region, region_id) if region_id else None


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm(_regions())
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("A first password is required.")]
        else:
            try:
                user = operations.create_user(
                    form.username.data,
                    form.full_name.data,
                    form.password.data,
                    email=form.email.data,
                    global_role=form.global_role.data or None,
                    region=_region_choice(form.region_id.data),
                    actor=current_user,
                    set_by_someone_else=True,
                )
            except InvalidInput as exc:
                show_errors(form, exc)
            else:
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("admin_users.edit_user", user_id=user.id))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@admin_bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(_regions(), obj=user)
    if request.method == "GET":
        form.global_role.data = user.global_role or ""
        form.region_id.data = user.region_id or 0
    form.username.data = user.username  # not editable: it identifies the user in the audit log
    if form.validate_on_submit():
        try:
            operations.update_user(
                user,
                current_user,
                full_name=form.full_name.data,
                email=form.email.data,
                global_role=form.global_role.data or None,
                region=_region_choice(form.region_id.data),
                active=form.active.data,
            )
            if form.password.data:
                operations.reset_password(user, form.password.data, current_user)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin_users.edit_user", user_id=user.id))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=user, roles=ROLE_LABELS), status
