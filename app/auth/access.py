"""Who may reach what: the federation administrator's pages and API."""

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import NotPermitted


def require_admin() -> None:
    """403 unless the user is the federation administrator (总工会管理员)."""
    if not current_user.is_federation_admin:
        raise NotPermitted(_("Only the federation administrator may do this."))


def admin_required(view):
    """Signed in as the federation administrator (总工会管理员), else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require_admin()
        return view(*args, **kwargs)

    return wrapped
