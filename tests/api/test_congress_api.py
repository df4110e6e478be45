"""The vote through the JSON API: motions, the ballot with a token, the results, and a contract
draft ratified by the congress."""

from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from app.audit.operations import history
from app.auth import operations as auth_operations
from app.congress import operations as ops
from app.extensions import db
from tests.fixtures.api import error, ok
from tests.fixtures.congress import TOTAL, build_sitting, check_in, stored

MOTION = {
    "title": "安全生产专项议案",
    "description": "劳动保护",
    "items": [{"title": "劳保用品", "text": "每季度发放"}, {"title": "高温津贴"}],
}


@pytest.fixture
def sitting(make, world):
    sitting = build_sitting(make, enterprise=world.enterprise)
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, 25)
    db.session.commit()
    return sitting


@pytest.fixture
def scheduled(make, world):
    """A sitting of the congress that has not opened yet."""
    return build_sitting(make, enterprise=world.enterprise)


def test_a_motion_is_voted_and_counted_through_the_api(api, sitting):
    secretary = api(sitting.secretary)
    motion = ok(secretary.post(f"/sessions/{sitting.session.id}/motions", MOTION), 201)
    assert (motion["state"], motion["ballot_kind"], motion["voted"]) == ("draft", "secret", None)
    assert [i["number"] for i in motion["items"]] == [1, 2]
    assert motion["allowed_actions"] == ["open_voting", "cancel_motion"]
    path = f"/motions/{motion['id']}"
    assert ok(secretary.post(f"{path}/open"))["state"] == "open"

    for user in sitting.delegates[:17]:
        body = ok(api(user).post(f"{path}/ballot", {"answers": {"1": "yes", "2": "no"}}), 201)
        assert body == {"recorded": True}  # nothing that shows the choice
    seen = ok(api(sitting.delegates[0]).get(path))
    assert (seen["voted"], seen["entitled_count"], seen["allowed_actions"]) == (17, TOTAL, [])
    error(api(sitting.delegates[0]).get(f"{path}/results"), 409)

    assert ok(secretary.post(f"{path}/close"))["result"] == "partial"
    results = ok(api(sitting.delegates[0]).get(f"{path}/results"))
    assert (results["entitled"], results["present"], results["voted"]) == (TOTAL, 25, 17)
    first, second = results["items"]
    assert (first["yes"], first["needed"], first["passed"]) == (17, 16, True)
    assert (second["no"], second["passed"]) == (17, False)
    assert "more than half of all 30 delegates" in results["rule"]
    assert results["seal_intact"] is True and len(results["seal"]) == 64
    assert results["negotiation"] is None


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("twice", 409, "voted on this motion already"),
        ("closed", 409, "Voting on this motion is closed"),
        ("not checked in", 409, "Check in at the session before voting"),
        ("not a delegate", 403, "Only a delegate of this congress votes"),
        ("unanswered item", 422, "item 2 has no answer"),
        ("unknown answer", 422, "answers"),
    ],
)
def test_a_refused_ballot_says_why_and_stores_nothing(api, sitting, case, status, words):
    motion = ops.create_motion(
        sitting.session, sitting.secretary, title="议案", items=[("一", ""), ("二", "")]
    )
    ops.open_voting(motion, sitting.secretary)
    voter, answers = sitting.delegates[0], {"1": "yes", "2": "no"}
    if case == "twice":
        ops.cast_ballot(motion, voter, {1: "no", 2: "no"})
    elif case == "closed":
        ops.close_voting(motion, sitting.secretary)
    elif case == "not checked in":
        voter = sitting.delegates[TOTAL - 1]
    elif case == "not a delegate":
        voter = sitting.secretary
    elif case == "unanswered item":
        answers = {"1": "yes"}
    else:
        answers = {"1": "yes", "2": "maybe"}
    db.session.commit()
    before = stored()
    body = error(api(voter).post(f"/motions/{motion.id}/ballot", {"answers": answers}), status)
    assert words in body["message"] + str(body["details"])
    assert stored() == before


def test_a_ballot_after_the_closing_time_is_refused_before_the_tick_closes_the_motion(
    api, sitting, monkeypatch
):
    closes = datetime(2026, 6, 20, 4, tzinfo=UTC)  # 12:00 in Beijing
    motion = ops.create_motion(
        sitting.session, sitting.secretary, title="议案", items=[("一", "")], closes_at=closes
    )
    ops.open_voting(motion, sitting.secretary)
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: closes + timedelta(seconds=1))

    body = error(
        api(sitting.delegates[0]).post(f"/motions/{motion.id}/ballot", {"answers": {"1": "yes"}}),
        409,
    )

    assert body["message"] == "Voting on this motion closed at 12:00."
    assert motion.state == "open" and stored() == (0, 0)


def test_access_is_checked_before_the_body(api, sitting, world):
    motion = ops.create_motion(sitting.session, sitting.secretary, title="议案", items=[("一", "")])
    db.session.commit()
    error(api(sitting.delegates[0]).post(f"/sessions/{sitting.session.id}/motions", {}), 403)
    error(api(sitting.delegates[0]).post(f"/motions/{motion.id}/open"), 403)
    error(api(world.outsider).get(f"/motions/{motion.id}"), 404)
    error(api(world.outsider).post(f"/motions/{motion.id}/ballot", {}), 404)
    assert ok(api(sitting.secretary).post(f"/motions/{motion.id}/cancel"))["state"] == "cancelled"


def test_a_contract_draft_passed_through_the_api_ratifies_the_negotiation(
    api, sitting, walk, world
):
    negotiation = walk.agreed()
    union = api(world.union_chief)
    error(union.post(f"/negotiations/{negotiation.id}/submit-to-congress", {"session_id": 0}), 422)
    motion = ok(
        union.post(
            f"/negotiations/{negotiation.id}/submit-to-congress",
            {"session_id": sitting.session.id},
        ),
        201,
    )
    assert (motion["negotiation_id"], motion["ballot_kind"]) == (negotiation.id, "secret")
    path = f"/motions/{motion['id']}"
    secretary = api(sitting.secretary)
    ok(secretary.post(f"{path}/open"))
    yes = {str(item["number"]): "yes" for item in motion["items"]}
    for user in sitting.delegates[:16]:
        ok(api(user).post(f"{path}/ballot", {"answers": yes}), 201)
    ok(secretary.post(f"{path}/close"))
    results = ok(secretary.get(f"{path}/results"))
    assert results["result"] == "passed"
    assert results["negotiation"] == {
        "id": negotiation.id,
        "subject": negotiation.subject,
        "state": "ratified",
    }


# --- cancelling a sitting, reactivating a delegate ----------------------------------------------


def test_the_secretary_cancels_a_scheduled_session_through_the_api(api, scheduled):
    path = f"/sessions/{scheduled.session.id}"
    secretary = api(scheduled.secretary)
    assert ok(secretary.get(path))["allowed_actions"] == ["open_session", "cancel_session"]
    assert ok(api(scheduled.delegates[0]).get(path))["allowed_actions"] == []
    body = ok(secretary.post(f"{path}/cancel"))
    assert (body["state"], body["allowed_actions"]) == ("cancelled", [])
    event = history(scheduled.session)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "cancel_session",
        "scheduled",
        "cancelled",
    )


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("in session", "cannot cancel the session while the session is in session"),
        ("a motion to vote on", "cancel the session's motions first (still to be voted on: 1)"),
    ],
)
def test_a_session_that_cannot_be_cancelled_says_why(api, scheduled, case, reason):
    session = scheduled.session
    if case == "in session":
        ops.open_session(session, scheduled.secretary)
    else:
        ops.create_motion(session, scheduled.secretary, title="议案", items=[("一", "")])
    db.session.commit()
    before = session.state
    body = error(api(scheduled.secretary).post(f"/sessions/{session.id}/cancel"), 409)
    assert reason in body["message"]
    assert session.state == before


def test_the_secretary_reactivates_a_delegate_through_the_api(api, scheduled):
    secretary = api(scheduled.secretary)
    delegate = scheduled.congress.delegates[0]
    congress = f"/congresses/{scheduled.congress.id}"
    assert ok(secretary.post(f"/delegates/{delegate.id}/deactivate"))["active"] is False
    assert ok(secretary.get(congress))["delegates"] == TOTAL - 1
    body = ok(secretary.post(f"/delegates/{delegate.id}/reactivate"))
    assert (body["id"], body["active"]) == (delegate.id, True)
    assert ok(secretary.get(congress))["delegates"] == TOTAL
    assert [e.action for e in history(scheduled.congress)][-2:] == [
        "delegate_deactivated",
        "delegate_reactivated",
    ]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("active", "is on the active roster already."),
        ("no longer a member", "is no longer a member of this enterprise."),
    ],
)
def test_a_delegate_who_cannot_be_reactivated_says_why(api, scheduled, case, reason):
    delegate = scheduled.congress.delegates[0]
    if case == "no longer a member":
        ops.deactivate_delegate(delegate, scheduled.secretary)
        for membership in list(delegate.user.memberships):
            auth_operations.remove_membership(membership, scheduled.secretary)
    db.session.commit()
    body = error(api(scheduled.secretary).post(f"/delegates/{delegate.id}/reactivate"), 409)
    assert body["message"] == f"{delegate.name} {reason}"
    assert delegate.active is (case == "active")


def test_only_the_organisers_cancel_a_session_or_reactivate_a_delegate(api, scheduled, world):
    delegate = scheduled.congress.delegates[0]
    ops.deactivate_delegate(delegate, scheduled.secretary)
    db.session.commit()
    for path in (
        f"/sessions/{scheduled.session.id}/cancel",
        f"/delegates/{delegate.id}/reactivate",
    ):
        error(api(scheduled.delegates[1]).post(path), 403)
        error(api(world.outsider).post(path), 404)
    assert scheduled.session.state == "scheduled" and not delegate.active
