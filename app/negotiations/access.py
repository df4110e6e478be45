"""Loading negotiations and their parts with the access check: 404 when not found or not
visible (the enterprise is not the user's), so nothing leaks about other enterprises."""

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.auth.models import GlobalRole, Role, User
from app.errors import NotPermitted
from app.extensions import db
from app.negotiations.models import DraftItem, Negotiation, Representative, Round
from app.orgs.access import reviewed_by, work_visible
from app.rulebook import check, check_role
from app.wage_grids.models import WageGrid
from workflows import rules
from workflows.negotiation import ONLY_A_SIDE, WORKFLOW


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


# --- who acts, and what they may do now (workflows.negotiation.WORKFLOW) -------------------------

SIDE_ROLE = {rules.UNION: Role.UNION_REP, rules.EMPLOYER: Role.EMPLOYER_REP}


def sides_of(user: User, negotiation: Negotiation) -> set[str]:
    """The sides a user acts for: a union representative for the union, and so on."""
    roles = user.roles_in(negotiation.enterprise_id)
    return {side for side, role in SIDE_ROLE.items() if role in roles}


def acting_side(user: User, negotiation: Negotiation, side: str | None = None) -> str:
    """The side `user` acts for here; `side` chooses when they sit on both (never in practice)."""
    sides = sides_of(user, negotiation)
    if side is not None:
        if side not in sides:
            raise NotPermitted(
                _(
                    "You do not act for the %(side)s side.",
                    side=_(rules.SIDE_LABELS.get(side, side)),
                )
            )
        return side
    if len(sides) != 1:
        raise NotPermitted(_(ONLY_A_SIDE))
    return next(iter(sides))


def roles_of(user: User | None, negotiation: Negotiation) -> set[str]:
    """The workflow roles of `user` on this negotiation: "union", "employer", "requester",
    "responder", "union_chief", "employer_chief", "recorder", "coordinator", "secretary"; the
    system (no user) is "system"."""
    if user is None:
        return {"system"}
    sides = sides_of(user, negotiation)
    roles = set(sides)
    if negotiation.initiator_side in sides:
        roles.add("requester")
    if negotiation.responder_side in sides:
        roles.add("responder")
    for side in rules.SIDES:
        chief = negotiation.chief(side)
        if chief is not None and chief.user_id == user.id:
            roles.add(f"{side}_chief")
    if negotiation.recorder_user_id is not None and negotiation.recorder_user_id == user.id:
        roles.add("recorder")
    if user.is_federation_admin or negotiation.enterprise.is_reviewed_by(user):
        roles.add("coordinator")  # 集体合同规定 Art 49-52: dispute coordination
    if Role.CONGRESS_SECRETARY in user.roles_in(negotiation.enterprise_id):
        roles.add("secretary")
    return roles


def enterprise_sides(user: User, enterprise_id: int) -> set[str]:
    """The sides a user acts for in an enterprise, before any negotiation exists."""
    roles = user.roles_in(enterprise_id)
    return {side for side, role in SIDE_ROLE.items() if role in roles}


def require_enterprise_side(user: User, enterprise) -> None:
    """Either side opens a negotiation (集体合同规定 Art 32): 403 for anyone else."""
    if not enterprise_sides(user, enterprise.id):
        raise NotPermitted(
            _("Only a union or employer representative of the enterprise may open a negotiation.")
        )


def coordinators(negotiation: Negotiation) -> list[User]:
    """Who coordinates its disputes (集体合同规定 Art 49-52): the federation and the labour
    officers of the enterprise's region, active."""
    return list(
        db.session.scalars(
            select(User).where(
                User.active.is_(True),
                (User.global_role == GlobalRole.FEDERATION_ADMIN)
                | (
                    (User.global_role == GlobalRole.LABOUR_OFFICER)
                    & (User.region_id == negotiation.enterprise.region_id)
                ),
            )
        )
    )


def require_role(negotiation: Negotiation, user: User, action: str) -> None:
    """403 for anyone whose roles never take `action`, before a body is read; the state is
    judged by `require`, in the operation."""
    check_role(WORKFLOW, action, roles_of(user, negotiation))


def require(negotiation: Negotiation, user: User | None, action: str, **data) -> set[str]:
    """Refuse unless `user` may take `action` on the negotiation now (403 for the role, 409 for
    the state); the roles they act in."""
    roles = roles_of(user, negotiation)
    check(WORKFLOW, action, negotiation.state, roles, **data)
    return roles


def may(negotiation: Negotiation, user: User, action: str, **data) -> bool:
    return WORKFLOW.permits(action, negotiation.state, roles_of(user, negotiation), **data)


def allowed_triggers(negotiation: Negotiation, user: User) -> list[str]:
    """The triggers this user may fire now, from the machine itself."""
    return WORKFLOW.allowed_triggers(negotiation.state, roles_of(user, negotiation))
