"""The negotiation's operations against the database: who may act, what each step records."""

from datetime import date

import pytest
from flask_babel import force_locale

from app.audit.operations import history
from app.errors import Conflict, InvalidInput, NotPermitted
from app.negotiations import operations as ops
from app.negotiations import queries
from app.notifications.models import Notification
from tests.fixtures.negotiations import TODAY, grid_rows
from workflows.errors import TransitionNotAllowed


def test_request_sets_the_response_deadline_and_tells_the_other_side(walk, world, db_session):
    n = walk.requested()
    assert n.state == "requested"
    assert n.requested_on == TODAY
    assert n.response_due == date(2026, 6, 22)  # 21 June is a Sunday
    told = {x.user_id for x in db_session.query(Notification).filter_by(kind="request_received")}
    assert told == {u.id for u in world.employer}


def test_only_a_side_representative_opens_a_negotiation(world):
    with pytest.raises(NotPermitted):
        ops.open_negotiation(
            world.enterprise, world.delegates[0], subject="x", term_years=1, topics="y"
        )


def test_the_requesting_side_cannot_accept_its_own_request(walk, world):
    n = walk.requested()
    with pytest.raises(NotPermitted):
        ops.accept_request(n, world.union_chief)


def test_refusal_needs_a_reason_and_keeps_the_request_open(walk, world):
    n = walk.requested()
    with pytest.raises(TransitionNotAllowed, match="reason"):
        ops.refuse_request(n, world.employer_chief, "  ")
    ops.refuse_request(n, world.employer_chief, "经营困难", today=TODAY)
    assert n.state == "requested" and n.refused


def test_escalation_waits_for_a_refusal_or_the_deadline(walk, world):
    n = walk.requested()
    with pytest.raises(TransitionNotAllowed, match="deadline has not passed"):
        ops.escalate(n, world.union_chief, today=date(2026, 6, 22))
    ops.escalate(n, world.union_chief, today=date(2026, 6, 23))
    assert n.state == "in_dispute"
    assert n.dispute_due == date(2026, 7, 23)  # 30 days from 23 June


def test_talks_need_valid_representatives_and_a_recorder(walk, world):
    n = walk.preparing()
    with pytest.raises(TransitionNotAllowed, match="representatives are not ready"):
        ops.start_talks(n, world.union_chief)
    walk.appoint_all(n)
    ops.start_talks(n, world.union_chief)
    assert n.state == "negotiating"


def test_a_person_cannot_sit_on_both_sides(walk, world):
    n = walk.preparing()
    ops.appoint_representative(
        n, world.union_chief, side="union", user=world.delegates[0], today=TODAY
    )
    with pytest.raises(NotPermitted):
        ops.appoint_representative(n, world.union_chief, side="employer", user=world.delegates[0])
    with force_locale("en"), pytest.raises(InvalidInput, match="already a representative"):
        ops.appoint_representative(
            n, world.employer_chief, side="employer", user=world.delegates[0]
        )


def test_a_vacated_seat_gets_a_refill_deadline(walk, world):
    n = walk.negotiating()
    rep = n.active_representatives("union")[2]
    ops.vacate_representative(rep, world.union_chief, today=TODAY)
    assert rep.refill_due == date(2026, 6, 16)
    assert [d.label for d in queries.deadlines(n, TODAY)] == [
        f"Refill the seat of {rep.name}"
    ] or len(queries.deadlines(n, TODAY)) == 1
    replacement = ops.appoint_representative(
        n, world.union_chief, side="union", user=world.delegates[1], today=TODAY
    )
    assert rep.refilled_by_id == replacement.id
    assert queries.deadlines(n, TODAY) == []


def test_rounds_alternate_the_chair_starting_with_the_requesting_side(walk, world):
    from datetime import UTC, datetime

    n = walk.negotiating()
    chairs = [
        ops.schedule_round(
            n, world.union_chief, datetime(2026, 6, d, tzinfo=UTC), "会议室"
        ).chair_side
        for d in (10, 17, 24)
    ]
    assert chairs == ["union", "employer", "union"]


def test_minutes_by_the_recorder_confirmed_by_both_chiefs(walk, world):
    n, round_, _u, _e = walk.with_proposals()
    with pytest.raises(NotPermitted):
        ops.write_minutes(round_, world.union_chief, "会议纪要")
    ops.write_minutes(round_, world.secretary, "双方交换了工资方案。")
    ops.confirm_minutes(round_, world.union_chief)
    with pytest.raises(NotPermitted):
        ops.confirm_minutes(round_, world.union[1])
    ops.confirm_minutes(round_, world.employer_chief)
    assert round_.confirmed


def test_one_proposal_per_side_per_round(walk, world):
    n, round_, _u, _e = walk.with_proposals()
    with force_locale("en"), pytest.raises(Conflict, match="already"):
        ops.submit_proposal(round_, world.union_chief, grid_rows(400_00))


def test_a_grid_below_the_minimum_wage_is_refused_naming_grade_and_figure(walk, world):
    from datetime import UTC, datetime

    n = walk.negotiating()
    round_ = ops.schedule_round(n, world.union_chief, datetime(2026, 6, 10, tzinfo=UTC), "室")
    rows = grid_rows()
    rows[0] = rows[0].__class__(rows[0].grade, 1_900_00, 400_00, 30)
    with pytest.raises(InvalidInput) as caught:
        ops.submit_proposal(round_, world.union_chief, rows)
    message = " ".join(m for ms in caught.value.details.values() for m in ms)
    assert "学徒工" in message and "2,300.00" in message and "2,490.00" in message


def test_both_sides_accepting_the_same_grid_and_clauses_agree_the_draft(walk, world):
    n = walk.agreed()
    assert n.state == "agreed"
    items = queries.draft_items(n)
    assert [i.number for i in items] == [1, 2, 3, 4]
    assert "每年7月" in items[2].text


def test_changing_a_clause_voids_both_acceptances(walk, world):
    n, _round, union, _employer = walk.with_proposals()
    ops.accept_proposal(n, world.union_chief, union)
    ops.add_item(n, world.employer_chief, "高温津贴", "每年6至9月按月发放高温津贴。")
    ops.accept_proposal(n, world.employer_chief, union)
    assert n.state == "negotiating"  # the union accepted an older revision
    ops.accept_proposal(n, world.union_chief, union)
    assert n.state == "agreed"
    assert [i.title for i in queries.draft_items(n)][-1] == "高温津贴"


def test_suspension_needs_the_other_sides_confirmation(walk, world):
    n = walk.negotiating()
    ops.propose_suspension(n, world.union_chief, date(2026, 6, 20), today=TODAY)
    with pytest.raises(TransitionNotAllowed, match="both sides"):
        ops.confirm_suspension(n, world.union_chief, today=TODAY)
    ops.confirm_suspension(n, world.employer_chief, today=TODAY)
    assert n.state == "suspended" and n.resume_on == date(2026, 6, 20)
    ops.resume(n, world.employer_chief)
    assert n.state == "negotiating"


def test_dispute_extends_once_by_at_most_fifteen_days(walk, world):
    n = walk.negotiating()
    ops.escalate(n, world.employer_chief, today=TODAY)
    assert n.dispute_due == date(2026, 7, 1)
    ops.extend_dispute(n, world.union_chief, 15)
    assert n.dispute_due == date(2026, 7, 16)
    with pytest.raises(TransitionNotAllowed, match="already been extended"):
        ops.extend_dispute(n, world.union_chief, 5)


def test_costing_compares_with_the_current_grid(walk, world):
    n, _round, union, _employer = walk.with_proposals()
    costing = queries.costing(n, union)
    # 310 workers, each 300 yuan more: 93,000 yuan a month more
    assert costing.change_monthly_fen == 310 * 300_00
    columns = queries.comparison(n)
    assert len(columns) == 3 and columns[1].changed


def test_every_step_is_in_the_audit_history(walk):
    n = walk.agreed()
    actions = [e.action for e in history(n)]
    assert actions[:3] == ["opened", "send_request", "accept"]
    assert actions[-1] == "agree"


def test_a_workflow_reason_reads_wholly_in_chinese(walk, world, client, auth):
    """The problem inside 'the representatives are not ready' is translated too."""
    n = walk.preparing()
    auth.login(world.union_chief)
    response = client.post(f"/negotiations/{n.id}/start")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "协商代表" in page and "representatives" not in page


def test_only_the_union_chair_records_a_written_delegation(walk, world):
    from app.errors import NotPermitted

    n = walk.preparing()
    other = world.union[1]
    with force_locale("en"), pytest.raises(NotPermitted, match="Only the union chair"):
        ops.appoint_representative(
            n, other, side="union", user=other, is_chief=True, delegated_in_writing=True
        )
    rep = ops.appoint_representative(
        n, world.union_chief, side="union", user=other, is_chief=True, delegated_in_writing=True
    )
    assert rep.is_chief and rep.delegated_in_writing
