"""A person whose membership ends, or who is deactivated, stops being a delegate: no vote not yet
cast, with any token, and no place in the quorum of what opens next (issue 12)."""

import pytest

from app.auth import operations as auth_operations
from app.auth.models import Membership
from app.congress import operations as ops
from app.extensions import db
from tests.fixtures.congress import TOTAL, open_motion


@pytest.fixture
def voter(sitting, api_token):
    """A delegate checked in, with an API token, while a motion is open."""
    motion = open_motion(sitting)
    db.session.commit()
    user = sitting.delegates[0]
    return motion, user, api_token(user)


def _ballot(client, motion, headers):
    return client.post(
        f"/api/v1/motions/{motion.id}/ballot",
        json={"answers": {"1": "yes", "2": "yes", "3": "yes"}},
        headers=headers,
    )


def test_a_removed_member_cannot_vote_with_an_old_token(client, make, sitting, voter):
    motion, user, headers = voter
    membership = db.session.query(Membership).filter_by(user_id=user.id).one()
    auth_operations.remove_membership(membership, make.admin())
    db.session.commit()
    answer = _ballot(client, motion, headers)
    assert answer.status_code in (403, 404), answer.get_data(as_text=True)
    assert ops.delegate_of(user, sitting.congress) is None
    assert ops.attendance_of(sitting.session)[:2] == (TOTAL - 1, TOTAL - 1)
    assert motion.entitled_count == TOTAL  # the open motion keeps its snapshot


def test_a_deactivated_person_cannot_vote_and_leaves_the_roster(client, make, sitting, voter):
    motion, user, headers = voter
    admin = make.admin()
    auth_operations.update_user(
        user,
        admin,
        full_name=user.full_name,
        email=user.email,
        global_role=None,
        region=None,
        active=False,
    )
    db.session.commit()
    assert _ballot(client, motion, headers).status_code == 401
    assert ops.delegate_of(user, sitting.congress) is None


def test_losing_another_role_keeps_the_delegate(client, make, sitting, voter):
    motion, user, headers = voter
    auth_operations.add_membership(user, sitting.enterprise, "union_rep", None)
    union = db.session.query(Membership).filter_by(user_id=user.id, role="union_rep").one()
    auth_operations.remove_membership(union, make.admin())
    db.session.commit()
    assert _ballot(client, motion, headers).status_code == 201
