"""Loading enterprises and regions with the access check (404 when not visible), and the
enterprises whose work a user sees: the one place the lists of every domain ask.

Who sees what (README, "Security model"): an enterprise's members and the federation see all of
its work; a labour officer of its region sees its page, the contracts filed with them (with the
vote that made each) and the negotiations that came to them for dispute coordination."""

from flask import abort
from sqlalchemy import ColumnElement, Select, false, select

from app.auth.models import Membership
from app.extensions import db
from app.orgs.models import Enterprise


def visible_enterprises_query(user) -> Select:
    """The enterprises whose page the user sees (Enterprise.can_view, in SQL), by name."""
    return (
        select(Enterprise)
        .where(work_visible(user, Enterprise.id) | reviewed_by(user, Enterprise.id))
        .order_by(Enterprise.name)
    )


def work_visible(user, enterprise_id: ColumnElement) -> ColumnElement[bool]:
    """SQL for Enterprise.can_view_work: the user is a member of the enterprise, or the
    federation."""
    if user.is_federation_admin:
        return enterprise_id.is_not(None)
    return enterprise_id.in_(select(Membership.enterprise_id).where(Membership.user_id == user.id))


def reviewed_by(user, enterprise_id: ColumnElement) -> ColumnElement[bool]:
    """SQL for Enterprise.is_reviewed_by: the enterprise is in the labour officer's region."""
    if not user.is_labour_officer:
        return false()
    return enterprise_id.in_(select(Enterprise.id).where(Enterprise.region_id == user.region_id))


def roles_in(user, enterprise: Enterprise) -> set:
    """The roles a person holds in the enterprise (shown on its page)."""
    return user.roles_in(enterprise.id)


def get_enterprise_or_404(enterprise_id: int, user) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not enterprise.can_view(user):
        abort(404)
    return enterprise


def get_enterprise_work_or_404(enterprise_id: int, user) -> Enterprise:
    """An enterprise whose own work (people, congress, history) the user sees."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not enterprise.can_view_work(user):
        abort(404)
    return enterprise
