"""Loading a contract with the access check: 404 when it is missing or its enterprise is not
the user's to see (members, the region's labour officers, the federation); and the budget of
failed signing attempts."""

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select

from app.contracts.models import Contract
from app.extensions import db, limiter
from app.orgs.access import reviewed_by, work_visible


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
