"""Random actions by random people on a sitting's vote, through the real operations and the
database: whatever they do, the states stay valid, every participation has exactly one ballot, no
one votes twice, and a closed vote's tally and seal match what is stored."""

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app.congress import operations as ops
from app.congress.models import Ballot, Participation
from app.errors import AccordError
from app.extensions import db
from tests.fixtures.congress import build_sitting
from workflows import congress as workflow
from workflows.errors import WorkflowError

DELEGATES = 6
# People: 0 the secretary, 1 an outsider, 2.. the delegates; the delegates most of the time.
ANYONE = st.integers(0, DELEGATES + 1)
MOSTLY_DELEGATES = st.one_of(st.integers(2, DELEGATES + 1), ANYONE)
# A well-formed ballot for the two-item motion, or anything at all.
BALLOTS = st.one_of(
    st.lists(st.sampled_from(["yes", "no", "abstain"]), min_size=2, max_size=2).map(
        lambda answers: dict(enumerate(answers, start=1))
    ),
    st.dictionaries(st.integers(0, 4), st.sampled_from(["yes", "no", "abstain", "maybe"])),
)


def test_random_votes_keep_ballots_equal_to_participations(make):
    class RandomVote(RuleBasedStateMachine):
        @initialize(present=st.integers(0, DELEGATES), open_now=st.integers(0, 3))
        def table_a_motion(self, present, open_now):
            """The sitting opens, some delegates are present and a two-item motion is tabled;
            most often its vote opens at once (when the quorum is there)."""
            self.sitting = build_sitting(make, total=DELEGATES)
            self.people = [self.sitting.secretary, make.user(), *self.sitting.delegates]
            self.voted: set[int] = set()
            ops.open_session(self.sitting.session, self.sitting.secretary)
            for user in self.sitting.delegates[:present]:
                ops.check_in(self.sitting.session, user, code=self.sitting.session.checkin_code)
            self.motion = ops.create_motion(
                self.sitting.session,
                self.sitting.secretary,
                title="议案",
                items=[("第1项", "内容"), ("第2项", "内容")],
            )
            if open_now:
                self.attempt(lambda: ops.open_voting(self.motion, self.sitting.secretary))

        def attempt(self, action) -> bool:
            """One request: done whole (True), or refused with nothing stored (False)."""
            try:
                with db.session.begin_nested():
                    action()
            except (AccordError, WorkflowError):
                return False
            return True

        @rule(who=MOSTLY_DELEGATES)
        def check_in(self, who):
            session = self.sitting.session
            self.attempt(lambda: ops.check_in(session, self.people[who], code=session.checkin_code))

        @rule(who=ANYONE)
        def open_voting(self, who):
            self.attempt(lambda: ops.open_voting(self.motion, self.people[who]))

        @rule(who=MOSTLY_DELEGATES, answers=BALLOTS)
        def cast_ballot(self, who, answers):
            state = self.motion.state
            if self.attempt(lambda: ops.cast_ballot(self.motion, self.people[who], answers)):
                assert state == "open" and who not in self.voted
                self.voted.add(who)

        @rule(who=ANYONE, rarely=st.integers(0, 4))
        def close_voting(self, who, rarely):
            if rarely == 0:
                self.attempt(lambda: ops.close_voting(self.motion, self.people[who]))

        @rule(who=ANYONE, rarely=st.integers(0, 6))
        def cancel_motion(self, who, rarely):
            if rarely == 0:
                self.attempt(lambda: ops.cancel_motion(self.motion, self.people[who]))

        @invariant()
        def states_stay_valid(self):
            assert self.sitting.session.state in workflow.SESSION_STATES
            assert self.motion.state in workflow.MOTION_STATES

        @invariant()
        def ballots_equal_participations(self):
            voters = db.session.scalars(
                sa.select(Participation.delegate_id).where(
                    Participation.motion_id == self.motion.id
                )
            ).all()
            ballots = db.session.scalar(
                sa.select(sa.func.count()).where(Ballot.motion_id == self.motion.id)
            )
            assert len(voters) == len(set(voters)) == ballots == len(self.voted)
            if self.motion.state == "closed":
                assert self.motion.tally["voted"] == ballots
                assert ops.seal_intact(self.motion)

    run_state_machine_as_test(
        RandomVote,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
