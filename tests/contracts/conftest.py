"""A ratified negotiation and its generated contract, built through the real operations."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app import clock
from app.congress import operations as congress_ops
from app.contracts.models import Contract
from app.extensions import db
from tests.conftest import PASSWORD
from tests.congress.conftest import TOTAL, build_sitting, check_in
from tests.negotiations.conftest import walk, world  # noqa: F401  (the agreed draft)

# 10:00 in Beijing on a working day: keys, signatures and deadlines all count from here, so the
# tests do not depend on the day they run (nor on a holiday calendar for a later year).
NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture(autouse=True)
def english(request):
    """Operations called directly answer in English (the msgids) in these tests."""
    if "db_session" not in request.fixturenames and "deal" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db_session")
    with force_locale("en"):
        yield


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
