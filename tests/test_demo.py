"""The demo data: loaded once, complete, and every advertised login works."""

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Membership, Role, User
from app.auth.operations import authenticate
from app.demo import DEMO_PASSWORD, ENTERPRISES, REGIONS, demo_logins, seed_demo
from app.orgs.models import Enterprise, Region, WageGuideline
from workflows.credit_code import credit_code_problem

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
    models = (User, Membership, Region, WageGuideline, Enterprise, AuditEvent)
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
