"""A ratified negotiation and its generated contract, built through the real operations."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from app import clock
from app.congress import operations as congress_ops
from app.contracts import pdf
from app.contracts.models import Contract
from app.extensions import db
from tests.conftest import PASSWORD
from tests.fixtures.congress import TOTAL, build_sitting, check_in

# 10:00 in Beijing on a working day: keys, signatures and deadlines all count from here, so the
# tests do not depend on the day they run (nor on a holiday calendar for a later year).
NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)

# The renderer itself, kept before any test puts the shared rendering in its place.
render_contract = pdf.render_contract


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_pdf: the deal's contract PDF is rendered from the test's own data"
    )


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture(autouse=True)
def answers_in_english(english):
    """Operations called directly answer in English (the msgids) in these tests."""


@dataclass
class Deal:
    contract: Contract
    world: object
    union_chief: object
    employer_chief: object
    officer: object
    employer_rep: object


def ratify(make, walk) -> Contract:
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


@pytest.fixture(scope="session")
def shared_rendering():
    """A renderer that renders the first contract it is given, for real, and hands every later
    one those same bytes: a real PDF/A that signing and verification parse as they would any."""
    rendered: list[bytes] = []

    def render_once(data: dict) -> bytes:
        if not rendered:
            rendered.append(render_contract(data))
        return rendered[0]

    return render_once


@pytest.fixture
def deal(request, make, walk, shared_rendering):
    """The contract generated from the agreed draft, with the people who act on it.

    Rendering takes most of a second and few tests read the text, so the first revision is the
    session's one rendering, of another deal's data; a test that reads what the PDF says is
    marked `own_pdf` and gets its own.
    """
    if request.node.get_closest_marker("own_pdf"):
        contract = ratify(make, walk)
    else:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pdf, "render_contract", shared_rendering)
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
