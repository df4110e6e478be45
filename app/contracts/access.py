"""Loading a contract with the access check: 404 when it is missing or its enterprise is not
the user's to see (members, the region's labour officers, the federation)."""

from flask import abort

from app.contracts.models import Contract
from app.extensions import db


def get_contract_or_404(contract_id: int, user) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract.enterprise.can_view(user):
        abort(404)
    return contract
