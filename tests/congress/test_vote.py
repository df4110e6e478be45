"""The vote: quorum and majority at their edges, every refusal, secrecy, the seal, and the
result of a contract draft going back to its negotiation."""

import json

import pytest
import sqlalchemy as sa

from app.congress import operations as ops
from app.congress.models import Ballot, Participation
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from tests.fixtures.congress import TOTAL, check_in, open_motion
from workflows.errors import TransitionNotAllowed


def vote(motion, users, answer="yes", items=3):
    for user in users:
        ops.cast_ballot(motion, user, {n: answer for n in range(1, items + 1)})


def test_nineteen_of_thirty_present_is_no_quorum(sitting):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, 19)
    motion = ops.create_motion(
        sitting.session, sitting.secretary, title="议案", items=[("第1项", "")]
    )
    with pytest.raises(
        TransitionNotAllowed, match="quorum not reached: 19 of 30 delegates present, 20 needed"
    ):
        ops.open_voting(motion, sitting.secretary)
    assert motion.state == "draft"


def test_twenty_of_thirty_present_opens_the_vote_and_snapshots_it(sitting):
    motion = open_motion(sitting, present=20)
    assert motion.state == "open"
    assert (motion.entitled_count, motion.present_count) == (TOTAL, 20)


@pytest.mark.parametrize(("yes", "passed"), [(15, False), (16, True)])
def test_an_item_needs_more_than_half_of_all_delegates(sitting, yes, passed):
    motion = open_motion(sitting, present=TOTAL, items=1)
    vote(motion, sitting.delegates[:yes], "yes", items=1)
    vote(motion, sitting.delegates[yes:], "abstain", items=1)  # abstentions are not yes
    result = ops.close_voting(motion, sitting.secretary)
    assert result.items[0].passed is passed
    assert motion.result == ("passed" if passed else "failed")


def test_a_delegate_votes_once(sitting):
    motion = open_motion(sitting)
    vote(motion, sitting.delegates[:1])
    with pytest.raises(Conflict, match="voted on this motion already"):
        vote(motion, sitting.delegates[:1], "no")
    assert ops.participation_count(motion) == 1


@pytest.mark.parametrize(
    ("answers", "error", "words"),
    [
        ({1: "yes", 2: "yes"}, InvalidInput, "item 3 has no answer"),
        ({1: "yes", 2: "yes", 3: "yes", 4: "no"}, InvalidInput, "no item 4"),
        ({1: "yes", 2: "maybe", 3: "yes"}, InvalidInput, "yes, no or abstain"),
    ],
)
def test_a_bad_ballot_is_refused_and_nothing_is_stored(sitting, answers, error, words):
    motion = open_motion(sitting)
    with pytest.raises(error, match=words):
        ops.cast_ballot(motion, sitting.delegates[0], answers)
    assert ops.participation_count(motion) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0


def test_a_non_delegate_cannot_vote(sitting):
    motion = open_motion(sitting)
    with pytest.raises(NotPermitted):
        ops.cast_ballot(motion, sitting.secretary, {1: "yes", 2: "yes", 3: "yes"})


def test_voting_needs_a_check_in_when_the_motion_requires_presence(sitting):
    motion = open_motion(sitting, present=25)
    with pytest.raises(Conflict, match="Check in"):
        vote(motion, [sitting.delegates[29]])


def test_no_vote_after_the_close(sitting):
    motion = open_motion(sitting)
    ops.close_voting(motion, sitting.secretary)
    with pytest.raises(Conflict, match="closed"):
        vote(motion, sitting.delegates[:1])


def test_ballots_and_participations_share_nothing_but_the_motion(app):
    ballots = set(db.metadata.tables["ballots"].columns.keys())
    participations = set(db.metadata.tables["participations"].columns.keys())
    assert ballots & participations == {"motion_id"}
    ballot_table = db.metadata.tables["ballots"]
    assert not any(isinstance(c.type, sa.DateTime) for c in ballot_table.columns)
    (key,) = ballot_table.primary_key.columns
    assert isinstance(key.type, sa.String)  # a random token, not a sequence


def test_ballot_ids_are_random_not_sequential(sitting):
    motion = open_motion(sitting)
    vote(motion, sitting.delegates[:5])
    ids = list(db.session.scalars(sa.select(Ballot.ballot_id)))
    assert len(set(ids)) == 5 and all(len(i) == 32 for i in ids)
    assert not any(i.isdigit() for i in ids)


def test_the_seal_detects_an_edited_ballot(sitting):
    motion = open_motion(sitting)
    vote(motion, sitting.delegates[:20])
    ops.close_voting(motion, sitting.secretary)
    assert ops.seal_intact(motion)
    ballot = db.session.scalars(sa.select(Ballot)).first()
    db.session.execute(
        sa.update(Ballot)
        .where(Ballot.ballot_id == ballot.ballot_id)
        .values(answers={"1": "no", "2": "no", "3": "no"})
    )
    db.session.expire_all()
    assert not ops.seal_intact(motion)


def test_participations_equal_ballots_after_a_vote(sitting):
    motion = open_motion(sitting)
    vote(motion, sitting.delegates[:17])
    ops.close_voting(motion, sitting.secretary)
    ballots = db.session.scalar(sa.select(sa.func.count()).select_from(Ballot))
    participations = db.session.scalar(sa.select(sa.func.count()).select_from(Participation))
    assert ballots == participations == 17


def test_a_draft_whose_items_all_pass_ratifies_the_negotiation(make, walk):
    from tests.fixtures.congress import build_sitting

    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.submit_draft(negotiation, sitting.session, walk.w.union_chief)
    assert negotiation.state == "in_congress" and motion.ballot_kind == "secret"
    ops.open_voting(motion, sitting.secretary)
    items = len(motion.items)
    vote(motion, sitting.delegates[:16], "yes", items=items)
    ops.close_voting(motion, sitting.secretary)
    assert negotiation.state == "ratified"


def test_a_draft_with_a_failed_item_goes_back_to_the_talks_marked(make, walk):
    from tests.fixtures.congress import build_sitting

    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.submit_draft(negotiation, sitting.session, walk.w.union_chief)
    ops.open_voting(motion, sitting.secretary)
    for user in sitting.delegates[:20]:
        ops.cast_ballot(motion, user, {1: "yes", 2: "no", 3: "yes", 4: "yes"})
    ops.close_voting(motion, sitting.secretary)
    assert negotiation.state == "negotiating"
    assert negotiation.failed_items == [2]
    from app.negotiations.queries import draft_items

    assert [i.failed for i in draft_items(negotiation)] == [False, True, False, False]


def _stored_ballots(motion) -> list[dict]:
    """The answers as the rows lie in the file: SQLite's rowid, PostgreSQL's ctid (what a copy
    of the database shows)."""
    order = "ctid" if db.session.get_bind().dialect.name == "postgresql" else "rowid"
    rows = db.session.execute(
        sa.text(f"SELECT answers FROM ballots WHERE motion_id = :m ORDER BY {order}"),
        {"m": motion.id},
    )
    return [a if isinstance(a, dict) else json.loads(a) for (a,) in rows]


def test_after_the_close_no_stored_order_links_a_ballot_to_its_voter(sitting):
    motion = open_motion(sitting)
    choices = ["yes", "no", "abstain"]
    patterns = [(a, b, c) for a in choices for b in choices for c in choices][:20]
    for user, pattern in zip(sitting.delegates[:20], patterns, strict=True):
        ops.cast_ballot(motion, user, {n: answer for n, answer in enumerate(pattern, start=1)})
    voted = [{str(n): a for n, a in enumerate(p, start=1)} for p in patterns]
    stored = _stored_ballots(motion)
    assert stored == voted  # while voting, storage order is voting order: the leak closed below
    ids_while_voting = set(db.session.scalars(sa.select(Ballot.ballot_id)))

    ops.close_voting(motion, sitting.secretary)

    stored = _stored_ballots(motion)
    assert sorted(map(str, stored)) == sorted(map(str, voted))  # the same ballots…
    assert stored != voted  # …in another order (1 chance in 20! to be the same)
    assert not ids_while_voting & set(db.session.scalars(sa.select(Ballot.ballot_id)))
    assert ops.seal_intact(motion)
