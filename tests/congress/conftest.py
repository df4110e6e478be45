"""A congress of 30 delegates (the edge cases of DESIGN §3 are stated for 30) in session."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from app.congress import operations as ops
from app.congress.models import Congress, CongressSession, Delegate
from app.extensions import db
from tests.negotiations.conftest import walk, world  # noqa: F401  (the agreed draft to vote on)

TOTAL = 30


@pytest.fixture(autouse=True)
def english(request):
    """Operations called directly answer in English (the msgids) in these tests."""
    if "db_session" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db_session")
    with force_locale("en"):
        yield


@dataclass
class Sitting:
    enterprise: object
    secretary: object
    delegates: list  # users
    session: CongressSession
    congress: Congress


def build_sitting(make, total: int = TOTAL, enterprise=None) -> Sitting:
    enterprise = enterprise or make.enterprise()
    secretary = make.user(roles=["congress_secretary"], enterprise=enterprise)
    users = [make.user(roles=["delegate"], enterprise=enterprise) for _ in range(total)]
    congress = Congress(
        enterprise_id=enterprise.id,
        name="第三届职工代表大会",
        term_start=date(2025, 1, 1),
        term_end=date(2029, 12, 31),
    )
    congress.delegates = [
        Delegate(
            user_id=u.id,
            employee_no=f"E{i:04d}",
            name=u.full_name,
            constituency=f"第{i % 3 + 1}代表团",
            gender="female" if i % 2 else "male",
        )
        for i, u in enumerate(users)
    ]
    session = CongressSession(
        congress=congress,
        title="三届二次职代会",
        place="大礼堂",
        scheduled_at=datetime(2026, 6, 20, 1, tzinfo=UTC),
    )
    db.session.add_all([congress, session])
    db.session.commit()
    return Sitting(enterprise, secretary, users, session, congress)


@pytest.fixture
def sitting(make):
    return build_sitting(make)


def check_in(sitting: Sitting, count: int) -> None:
    for user in sitting.delegates[:count]:
        ops.check_in(sitting.session, user, code=sitting.session.checkin_code)


def open_motion(sitting: Sitting, present: int = TOTAL, items: int = 3, **kwargs):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, present)
    motion = ops.create_motion(
        sitting.session,
        sitting.secretary,
        title="议案",
        items=[(f"第{n}项", "内容") for n in range(1, items + 1)],
        **kwargs,
    )
    ops.open_voting(motion, sitting.secretary)
    return motion
