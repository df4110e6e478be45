"""Loading enterprises and regions with the access check (404 when not visible)."""

from flask import abort
from sqlalchemy import Select, select

from app.auth.models import Membership
from app.extensions import db
from app.orgs.models import Enterprise


def visible_enterprises_query(user) -> Select:
    query = select(Enterprise).order_by(Enterprise.name)
    if user.is_federation_admin:
        return query
    member_of = select(Membership.enterprise_id).where(Membership.user_id == user.id)
    if user.is_labour_officer:
        return query.where((Enterprise.region_id == user.region_id) | Enterprise.id.in_(member_of))
    return query.where(Enterprise.id.in_(member_of))


def get_enterprise_or_404(enterprise_id: int, user) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not enterprise.can_view(user):
        abort(404)
    return enterprise
