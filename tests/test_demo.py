"""The demo data: loaded once, complete, and every advertised login works."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.audit.operations import verify_chains
from app.auth.models import Membership, Role, User
from app.auth.operations import authenticate
from app.clock import CHINA
from app.congress import operations as congress_ops
from app.congress.models import Congress, CongressSession, Delegate, Motion
from app.demo import DEMO_PASSWORD, ENTERPRISES, REGIONS, demo_logins, seed_demo
from app.negotiations import operations as negotiations
from app.negotiations import queries
from app.negotiations.models import Negotiation, Representative, Round
from app.notifications.models import Notification
from app.orgs.models import Enterprise, Region, WageGuideline
from app.wage_grids.models import WageGrid
from app.wage_grids.queries import current_grid
from workflows.credit_code import credit_code_problem
from workflows.rules import DEFAULT_GRADES, grid_problems

# The demo dates its negotiations back from today; a fixed today keeps the test inside the years
# the holiday calendar knows.
SEEDED_ON = date(2026, 9, 14)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("app.clock.today", lambda: SEEDED_ON)


REGION_CODES = [r.code for r in REGIONS]
ENTERPRISE_NAMES = [e.name for e in ENTERPRISES]


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_seed_creates_regions_enterprises_and_people(db_session):
    assert seed_demo() is True

    regions = db_session.scalars(select(Region).where(Region.code.in_(REGION_CODES))).all()
    assert len(regions) == 2
    for region in regions:
        assert region.minimum_wage_fen > 0 and region.minimum_wage_note
        assert region.guideline_for(2025) is not None and region.guideline_for(2026) is not None
        officers = db_session.scalars(
            select(User).where(User.global_role == "labour_officer", User.region_id == region.id)
        ).all()
        assert len(officers) == 1

    enterprises = db_session.scalars(
        select(Enterprise).where(Enterprise.name.in_(ENTERPRISE_NAMES))
    ).all()
    assert len(enterprises) == 3
    for enterprise in enterprises:
        assert credit_code_problem(enterprise.credit_code) is None
        assert 600 <= enterprise.headcount <= 3000
        roles = [m.role for m in enterprise.memberships]
        assert 30 <= roles.count(Role.DELEGATE) <= 60
        assert 3 <= roles.count(Role.UNION_REP) <= 4
        assert 3 <= roles.count(Role.EMPLOYER_REP) <= 4
        assert roles.count(Role.CONGRESS_SECRETARY) == 1
        chair = enterprise.union_chair
        assert chair is not None
        assert chair.roles_in(enterprise.id) == {Role.UNION_REP, Role.DELEGATE}


def test_seed_twice_changes_nothing(db_session):
    assert seed_demo() is True
    models = (
        User,
        Membership,
        Region,
        WageGuideline,
        Enterprise,
        AuditEvent,
        Negotiation,
        Representative,
        Round,
        WageGrid,
        Notification,
        Congress,
        Delegate,
        CongressSession,
        Motion,
    )
    before = {model: _count(db_session, model) for model in models}

    assert seed_demo() is False
    assert {model: _count(db_session, model) for model in models} == before


def test_every_demo_login_authenticates(db_session):
    seed_demo()
    logins = demo_logins()
    assert len({username for username, _ in logins}) == len(logins)
    for username, description in logins:
        assert description
        assert authenticate(username, DEMO_PASSWORD) is not None, username
        assert authenticate(username, "wrong-password") is None, username


def _enterprise(db_session, prefix: str) -> Enterprise:
    name = next(e.name for e in ENTERPRISES if e.prefix == prefix)
    return db_session.scalar(select(Enterprise).where(Enterprise.name == name))


def _negotiation(db_session, prefix: str) -> Negotiation:
    return db_session.scalars(
        select(Negotiation).where(Negotiation.enterprise_id == _enterprise(db_session, prefix).id)
    ).one()


def test_every_enterprise_has_a_plausible_eight_grade_grid_in_force(db_session):
    seed_demo()
    for spec in ENTERPRISES:
        enterprise = _enterprise(db_session, spec.prefix)
        rows = current_grid(enterprise).grade_rows
        assert [r.grade for r in rows] == DEFAULT_GRADES
        assert grid_problems(rows, enterprise.region.minimum_wage_fen) == []
        totals = [r.total_fen for r in rows]
        assert totals == sorted(set(totals)), spec.prefix  # strictly rising
        assert 0.6 <= sum(r.headcount for r in rows) / enterprise.headcount <= 0.9


def test_yonggu_is_negotiating_with_a_minuted_round_of_two_proposals(db_session):
    seed_demo()
    n = _negotiation(db_session, "yg")
    assert n.state == "negotiating"
    assert queries.representative_problems(n) == []
    for side in ("union", "employer"):
        assert len(n.active_representatives(side)) == 3
    assert n.chief("union").user == n.enterprise.union_chair
    assert n.chief("employer").name == n.enterprise.legal_representative
    assert n.recorder_user.username == "yg-secretary"
    assert n.adjustment_rule and n.pay_day and n.items
    [round_] = n.rounds
    assert round_.minutes and {p.side for p in round_.proposals} == {"union", "employer"}


def test_changjiang_awaits_the_employers_answer_within_its_deadline(db_session):
    seed_demo()
    n = _negotiation(db_session, "cj")
    assert n.state == "requested" and n.initiator_side == "union"
    assert n.responded_on is None and n.response_due > SEEDED_ON
    assert not queries.is_response_overdue(n)


def test_kangyuan_is_agreed_on_one_grid_both_sides_accepted(db_session):
    seed_demo()
    n = _negotiation(db_session, "ky")
    assert n.state == "in_congress"  # agreed, and the draft is before the congress
    assert n.agreed_grid_id is not None and n.agreed_revision == n.revision
    assert n.accepted_package("union") == n.accepted_package("employer") is not None
    assert all(r.confirmed for r in n.rounds)


def test_every_enterprise_has_a_congress_of_its_delegate_members(db_session):
    seed_demo()
    for spec in ENTERPRISES:
        enterprise = _enterprise(db_session, spec.prefix)
        [congress] = db_session.scalars(
            select(Congress).where(Congress.enterprise_id == enterprise.id)
        ).all()
        assert congress.term_start <= SEEDED_ON <= congress.term_end
        members = {m.user_id for m in enterprise.memberships if m.role == Role.DELEGATE}
        delegates = congress.active_delegates
        assert {d.user_id for d in delegates} == members and len(delegates) == spec.delegates
        assert len({d.employee_no for d in delegates}) == len(delegates)
        assert all(d.name == d.user.full_name for d in delegates)
        assert len({d.constituency for d in delegates}) >= 3
        assert all(d.constituency.endswith("代表团") for d in delegates)
        managers = sum(d.is_manager for d in delegates)
        assert 0 < managers < 0.2 * len(delegates), spec.prefix
        assert {d.gender for d in delegates} == {"female", "male"}


def test_kangyuan_has_a_session_in_the_coming_days_with_the_draft_as_a_secret_motion(db_session):
    seed_demo()
    n = _negotiation(db_session, "ky")
    [session] = db_session.scalars(
        select(CongressSession).join(Congress).where(Congress.enterprise_id == n.enterprise_id)
    ).all()
    assert session.title == "三届三次职工代表大会" and session.state == "scheduled"
    assert 0 < (session.scheduled_at.astimezone(CHINA).date() - SEEDED_ON).days <= 7
    [motion] = session.motions
    assert motion.negotiation_id == n.id and motion.state == "draft"
    assert motion.ballot_kind == "secret" and motion.requires_presence
    assert [i.title for i in motion.items] == [i.title for i in queries.draft_items(n)]
    # A demo delegate can check in with the session's code once the secretary opens it.
    secretary = authenticate("ky-secretary", DEMO_PASSWORD)
    delegate = authenticate("ky-delegate-01", DEMO_PASSWORD)
    congress_ops.open_session(session, secretary)
    attendance = congress_ops.check_in(session, delegate, code=session.checkin_code)
    assert attendance.delegate.user_id == delegate.id
    for spec in ENTERPRISES:
        if spec.prefix != "ky":
            congress = db_session.scalars(
                select(Congress).where(
                    Congress.enterprise_id == _enterprise(db_session, spec.prefix).id
                )
            ).one()
            assert congress.sessions == []


def test_the_demo_audit_log_verifies_and_no_deadline_is_overdue_on_the_day(db_session):
    seed_demo()
    checked, broken = verify_chains()
    assert broken is None and checked > 0
    assert negotiations.flag_overdue() == {"responses": 0, "refills": 0, "disputes": 0}
