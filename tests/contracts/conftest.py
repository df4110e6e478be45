"""A ratified negotiation and its generated contract, built through the real operations."""

from dataclasses import dataclass

import pytest

from app.congress import operations as congress_ops
from app.contracts.models import Contract
from app.extensions import db
from tests.conftest import PASSWORD
from tests.congress.conftest import TOTAL, build_sitting, check_in
from tests.negotiations.conftest import walk, world  # noqa: F401  (the agreed draft)


@dataclass
class Deal:
    contract: Contract
    world: object
    union_chief: object
    employer_chief: object
    officer: object
    employer_rep: object


def ratify(make, walk) -> Contract:  # noqa: F811  (the fixture, passed on)
    """The agreed draft through the congress: every item passes, the contract is generated."""
    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    congress_ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = congress_ops.submit_draft(negotiation, sitting.session, walk.w.union_chief)
    congress_ops.open_voting(motion, sitting.secretary)
    for user in sitting.delegates[:20]:
        congress_ops.cast_ballot(motion, user, {item.number: "yes" for item in motion.items})
    congress_ops.close_voting(motion, sitting.secretary)
    db.session.commit()
    return db.session.query(Contract).filter_by(negotiation_id=negotiation.id).one()


@pytest.fixture
def deal(make, walk):  # noqa: F811
    contract = ratify(make, walk)
    w = walk.w
    officer = make.user("officer", global_role="labour_officer", region=contract.enterprise.region)
    return Deal(contract, w, w.union_chief, w.employer_chief, officer, w.employer_chief)


def sign_both(contract, union_chief, employer_chief) -> None:
    from app.contracts import operations as ops

    ops.sign(
        contract,
        union_chief,
        password=PASSWORD,
        full_name=union_chief.full_name,
        document_sha256=contract.latest.sha256,
    )
    ops.sign(
        contract,
        employer_chief,
        password=PASSWORD,
        full_name=employer_chief.full_name,
        document_sha256=contract.latest.sha256,
    )
    db.session.commit()
