"""The tick closes a vote at its closing time: counted, sealed, its result sent to the negotiation;
a vote not yet due stays open, and a second tick closes nothing more."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.congress import operations as ops
from app.extensions import db
from app.tick import run_tick
from tests.fixtures.congress import TOTAL, build_sitting, check_in, open_motion

CLOSES = datetime(2026, 6, 20, 4, tzinfo=UTC)


@pytest.fixture(autouse=True)
def before_the_close(monkeypatch):
    """The sitting runs the morning before CLOSES: a vote after the closing time is refused."""
    monkeypatch.setattr(clock, "now", lambda: CLOSES - timedelta(hours=1))


def vote_yes(motion, users, items=3):
    for user in users:
        ops.cast_ballot(motion, user, {n: "yes" for n in range(1, items + 1)})


def test_a_due_motion_closes_with_its_result_and_seal_and_a_later_one_stays_open(sitting):
    due = open_motion(sitting, closes_at=CLOSES)
    later = ops.create_motion(
        sitting.session,
        sitting.secretary,
        title="第二项议案",
        items=[("第1项", "")],
        closes_at=CLOSES + timedelta(hours=1),
    )
    ops.open_voting(later, sitting.secretary)
    vote_yes(due, sitting.delegates[:16])

    assert ops.close_due_motions(CLOSES) == 1

    assert due.state == "closed" and due.closed_at == CLOSES
    assert due.result == "passed" and due.tally["voted"] == 16
    assert due.seal and ops.seal_intact(due)
    sealed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sealed")).all()
    assert len(sealed) == 1 and sealed[0].actor_id is None  # the system closed it
    assert later.state == "open" and later.result is None

    assert ops.close_due_motions(CLOSES) == 0  # running twice closes nothing more
    assert ops.close_due_motions(CLOSES + timedelta(hours=1)) == 1
    assert later.state == "closed"


def test_the_tick_reports_the_motions_it_closed(sitting, monkeypatch):
    motion = open_motion(sitting, closes_at=CLOSES)
    monkeypatch.setattr("app.clock.now", lambda: CLOSES + timedelta(minutes=1))

    assert "1 motion closed at their closing time" in run_tick()
    assert motion.state == "closed"
    assert "0 motions closed at their closing time" in run_tick()


def test_a_motion_without_a_closing_time_waits_for_the_secretary(sitting):
    motion = open_motion(sitting)
    assert ops.close_due_motions(CLOSES + timedelta(days=365)) == 0
    assert motion.state == "open"


def test_a_drafts_result_reaches_its_negotiation_when_the_tick_closes_it(make, walk):
    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.submit_draft(negotiation, sitting.session, walk.w.union_chief, closes_at=CLOSES)
    ops.open_voting(motion, sitting.secretary)
    vote_yes(motion, sitting.delegates[:16], items=len(motion.items))

    assert ops.close_due_motions(CLOSES) == 1

    assert motion.result == "passed"
    assert negotiation.state == "ratified"
