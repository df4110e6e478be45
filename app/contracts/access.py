"""Loading a contract with the access check: 404 when it is missing or its enterprise is not
the user's to see (members, the region's labour officers, the federation); and the budget of
failed signing attempts."""

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from app.contracts.models import Contract
from app.extensions import db, limiter


def get_contract_or_404(contract_id: int, user) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract.enterprise.can_view(user):
        abort(404)
    return contract


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
