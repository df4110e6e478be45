"""Who may reach what: decorators for the views."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Signed in as the federation administrator (总工会管理员), else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_federation_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
