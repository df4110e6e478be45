"""Loading negotiations and their parts with the access check: 404 when not found or not
visible (the enterprise is not the user's), so nothing leaks about other enterprises."""

from flask import abort
from sqlalchemy import Select, select

from app.extensions import db
from app.negotiations.models import DraftItem, Negotiation, Representative, Round, WageGrid
from app.orgs.access import reviewed_by, work_visible


def visible_negotiations_query(user) -> Select:
    """The negotiations this user sees (Negotiation.can_view, in SQL), newest first."""
    coordinated = Negotiation.came_to_coordination & reviewed_by(user, Negotiation.enterprise_id)
    return (
        select(Negotiation)
        .where(work_visible(user, Negotiation.enterprise_id) | coordinated)
        .order_by(Negotiation.id.desc())
    )


def get_negotiation_or_404(negotiation_id: int, user) -> Negotiation:
    negotiation = db.session.get(Negotiation, negotiation_id)
    if negotiation is None or not negotiation.can_view(user):
        abort(404)
    return negotiation


def _part_or_404(model, part_id: int, user):
    part = db.session.get(model, part_id)
    if part is None or part.negotiation is None or not part.negotiation.can_view(user):
        abort(404)
    return part


def get_round_or_404(round_id: int, user) -> Round:
    return _part_or_404(Round, round_id, user)


def get_representative_or_404(representative_id: int, user) -> Representative:
    return _part_or_404(Representative, representative_id, user)


def get_item_or_404(item_id: int, user) -> DraftItem:
    return _part_or_404(DraftItem, item_id, user)


def get_proposal_or_404(grid_id: int, user) -> WageGrid:
    return _part_or_404(WageGrid, grid_id, user)
