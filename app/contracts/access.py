"""Loading a contract with the access check: 404 when it is missing or its enterprise is not
the user's to see (members, the region's labour officers, the federation); and the budget of
failed signing attempts."""

from datetime import date

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, select, true

from app.auth.models import GlobalRole, User
from app.contracts.models import Contract
from app.errors import NotPermitted
from app.extensions import db, limiter
from app.negotiations import access as negotiation_access
from app.orgs.access import reviewed_by, work_visible
from app.rulebook import check, check_role
from workflows import rules
from workflows.contract import WORKFLOW


def get_contract_or_404(contract_id: int, user) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract.can_view(user):
        abort(404)
    return contract


def visible_contracts_query(user) -> Select:
    """The contracts this user sees (Contract.can_view, in SQL), newest first."""
    filed_with_them = Contract.filed_on.is_not(None) & reviewed_by(user, Contract.enterprise_id)
    return (
        select(Contract)
        .where(work_visible(user, Contract.enterprise_id) | filed_with_them)
        .order_by(Contract.id.desc())
    )


# One budget of failed signing attempts per person, shared by the signing page and the API:
# only refused attempts count (422: a wrong password or name, or a malformed body), whichever
# way, token or session, the person signs. 5 per 15 minutes by default (SIGNING_RATE_LIMIT).
failed_signing_attempts = limiter.shared_limit(
    lambda: current_app.config["SIGNING_RATE_LIMIT"],
    scope="contract-signing",
    key_func=lambda: f"signer|{current_user.id}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 422,
    error_message=lambda: _(
        "Too many failed signing attempts. For your security, signing is locked for a while; "
        "try again later."
    ),
)


# --- who acts, and what they may do now (workflows.contract.WORKFLOW) ---------------------------


def roles_of(user: User | None, contract: Contract) -> set[str]:
    """The workflow roles of `user` on this contract: "union_chief", "employer_chief", "union",
    "employer", "officer"; the system (no user) is "system"."""
    if user is None:
        return {"system"}
    negotiation = contract.negotiation
    roles = {
        role
        for role in negotiation_access.roles_of(user, negotiation)
        if role in {"union_chief", "employer_chief", *rules.SIDES}
    }
    if contract.enterprise.is_reviewed_by(user):
        roles.add("officer")
    return roles


def chief_side(user: User, contract: Contract) -> str | None:
    """The side whose chief representative `user` is, if any."""
    roles = roles_of(user, contract)
    return next((side for side in rules.SIDES if f"{side}_chief" in roles), None)


def reviewer_scope(user: User) -> ColumnElement[bool]:
    """SQL for the contracts whose review queue `user` reads: the labour officers those of
    their region, the federation every region's; 403 for anyone else."""
    if user.is_federation_admin:
        return true()
    if not user.is_labour_officer:
        raise NotPermitted(_("Only a labour officer reviews contracts."))
    return reviewed_by(user, Contract.enterprise_id)


def reviewers(contract: Contract) -> list[User]:
    """The labour officers of the contract's region (劳动行政部门), active."""
    return list(
        db.session.scalars(
            select(User).where(
                User.global_role == GlobalRole.LABOUR_OFFICER,
                User.region_id == contract.enterprise.region_id,
                User.active.is_(True),
            )
        )
    )


def require_role(contract: Contract, user: User, action: str) -> None:
    """403 for anyone whose roles never take `action`, before a body is read; the state is
    judged by `require`, in the operation."""
    check_role(WORKFLOW, action, roles_of(user, contract))


def require(contract: Contract, user: User | None, action: str, **data) -> set[str]:
    """Refuse unless `user` may take `action` on the contract now (403 for the role, 409 for
    the state or a guard); the roles they act in."""
    roles = roles_of(user, contract)
    check(WORKFLOW, action, contract.state, roles, **data)
    return roles


def renewal_data(contract: Contract, today: date) -> dict:
    """What the renewal's guards judge (workflows.contract, the "renew" activity)."""
    return {
        "today": today,
        "renewal_opens_on": contract.renewal_opens_on,
        "renewal_started": contract.renewal_negotiation_id is not None,
    }


def may(contract: Contract, user: User, action: str, **data) -> bool:
    return WORKFLOW.permits(action, contract.state, roles_of(user, contract), **data)


def allowed_actions(contract: Contract, user: User) -> list[str]:
    """The triggers this user may fire now, from the machine; a side that has signed or
    published already is not offered it again."""
    roles = roles_of(user, contract)
    actions = WORKFLOW.allowed_triggers(contract.state, roles)
    side = chief_side(user, contract)
    if "sign" in actions and (side is None or contract.signature(side) is not None):
        actions.remove("sign")
    if "publish" in actions and all(
        contract.publication(s) is not None for s in rules.SIDES if s in roles
    ):
        actions.remove("publish")
    return actions
