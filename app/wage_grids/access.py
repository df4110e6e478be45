"""Who records the wage grid in force of an enterprise."""

from flask_babel import gettext as _

from app.auth.models import Role, User
from app.errors import NotPermitted


def require_grid_keeper(user: User | None, enterprise) -> None:
    """The employer side (or the federation) records the wage grid in force; the system may."""
    if user is not None and not (
        user.is_federation_admin or user.has_role(enterprise.id, Role.EMPLOYER_REP)
    ):
        raise NotPermitted(_("The employer side records the wage grid in force."))
