"""The chains are anchored and a motion's seal covers its published counts: `audit verify` names
each tampering that per-subject chains alone missed (issue 12, item 11)."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent, AuditHead
from app.audit.operations import history, verify_chains
from app.congress import operations as congress_ops
from app.congress.models import Motion
from app.extensions import db
from tests.audit.test_audit import chain_of_three, remove, tamper
from tests.fixtures.congress import build_sitting, open_motion


@pytest.fixture
def closed_motion(make):
    sitting = build_sitting(make)
    motion = open_motion(sitting)
    for user in sitting.delegates[:25]:
        congress_ops.cast_ballot(motion, user, {1: "yes", 2: "yes", 3: "no"})
    congress_ops.close_voting(motion, sitting.secretary)
    db.session.commit()
    assert verify_chains()[1] is None
    return motion


def broken_reason() -> str:
    _checked, broken = verify_chains()
    assert broken is not None, "the tampering went unnoticed"
    return broken.reason


def test_deleting_a_subjects_last_event_is_named(make):
    _region, events = chain_of_three(make)
    remove(events[-1].id)
    assert "tail was deleted" in broken_reason()


def test_deleting_a_whole_chain_is_named(make):
    _region, events = chain_of_three(make)
    for event in events:
        remove(event.id)
    assert "whole chain was deleted" in broken_reason()


def test_deleting_a_motions_chain_with_its_head_is_named(closed_motion):
    for event in history(closed_motion):
        remove(event.id)
    db.session.execute(sa.delete(AuditHead).where(AuditHead.subject_type == "motions"))
    assert "no sealed event" in broken_reason()


def test_rewriting_the_seal_event_with_recomputed_hashes_is_named(closed_motion):
    sealed = history(closed_motion)[-1]
    assert sealed.action == "sealed"
    columns = [c.key for c in sa.inspect(AuditEvent).column_attrs]
    forged = AuditEvent(**{key: getattr(sealed, key) for key in columns})
    forged.data = {**sealed.data, "result": "failed"}
    tamper(sealed.id, data=forged.data, hash=forged.compute_hash())
    assert "rewritten" in broken_reason()


def test_a_head_forged_without_the_key_is_named(closed_motion):
    sealed = history(closed_motion)[-1]
    seq, prev_hash = sealed.seq, sealed.prev_hash
    remove(sealed.id)
    db.session.execute(
        sa.update(AuditHead)
        .where(AuditHead.subject_type == "motions")
        .values(length=seq - 1, head_hash=prev_hash)
    )
    assert "forged" in broken_reason()


def test_editing_the_published_counts_is_named(closed_motion):
    tally = dict(closed_motion.tally)
    tally["items"] = {**tally["items"], "1": {**tally["items"]["1"], "yes": 2}}
    db.session.execute(sa.update(Motion).where(Motion.id == closed_motion.id).values(tally=tally))
    db.session.expire_all()
    assert "published counts differ" in broken_reason()


def test_cli_audit_verify_fails_naming_the_tampering(closed_motion, runner):
    db.session.execute(sa.update(Motion).where(Motion.id == closed_motion.id).values(seal="0" * 64))
    db.session.commit()
    result = runner.invoke(args=["accord", "audit", "verify"])
    assert result.exit_code == 1
    assert "seal differs" in result.output
