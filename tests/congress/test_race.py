"""On PostgreSQL: 50 delegates vote at once while the secretary closes the vote. Every vote is
counted or refused as too late, never lost or doubled: participations == ballots."""

import random
import threading

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.congress import operations as ops
from app.congress.models import Ballot, Motion, Participation
from app.errors import Conflict
from app.extensions import db
from tests.conftest import Builders
from tests.fixtures.congress import build_sitting, check_in

VOTERS = 50


@pytest.fixture
def committed_sitting(app):
    """Data committed for real (threads need to see it); every table emptied afterwards."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks and real concurrency need PostgreSQL (ACCORD_TEST_DATABASE_URL)")
        sitting = build_sitting(Builders(), total=VOTERS)
        ops.open_session(sitting.session, sitting.secretary)
        check_in(sitting, VOTERS)
        motion = ops.create_motion(
            sitting.session, sitting.secretary, title="议案", items=[("第1项", ""), ("第2项", "")]
        )
        ops.open_voting(motion, sitting.secretary)
        db.session.commit()
        ids = ([u.id for u in sitting.delegates], sitting.secretary.id, motion.id)
        db.session.remove()
    yield ids
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()


def test_fifty_votes_racing_the_close_are_counted_or_refused(app, committed_sitting):
    voter_ids, secretary_id, motion_id = committed_sitting
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(VOTERS + 1)

    def run(work) -> None:
        start.wait()
        with app.app_context():
            try:
                outcome = work()
                db.session.commit()
            except Conflict:
                db.session.rollback()
                outcome = "refused"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    def voter(user_id):
        def work():
            # spread over 1 s around the close at 0.3 s, so the close lands among the votes
            threading.Event().wait(random.uniform(0, 1.0))
            motion = db.session.get(Motion, motion_id)
            ops.cast_ballot(
                motion,
                db.session.get(User, user_id),
                {1: random.choice(["yes", "no"]), 2: "abstain"},
            )
            return "counted"

        return work

    def closer():
        threading.Event().wait(0.3)
        ops.close_voting(db.session.get(Motion, motion_id), db.session.get(User, secretary_id))
        return "closed"

    threads = [threading.Thread(target=run, args=(voter(uid),)) for uid in voter_ids]
    threads.append(threading.Thread(target=run, args=(closer,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("closed") == 1
    with app.app_context():
        participations = db.session.scalar(sa.select(sa.func.count(Participation.id)))
        distinct = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Participation.delegate_id)))
        )
        ballots = db.session.scalar(sa.select(sa.func.count()).select_from(Ballot))
        motion = db.session.get(Motion, motion_id)
        sealed_votes = motion.tally["voted"]
        intact = ops.seal_intact(motion)
        db.session.remove()
    assert participations == ballots == distinct == outcomes.count("counted")
    assert outcomes.count("counted") + outcomes.count("refused") == VOTERS
    assert sealed_votes == ballots and intact  # every counted vote is inside the seal
