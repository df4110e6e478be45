"""Nothing depends on today falling in a year the holiday calendar package knows (issue 11): the
demo loads, the tick runs, and a negotiation goes from the written request to an agreed draft with
the application clock anywhere from late 2026 to 2035."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.negotiations import operations as ops
from app.negotiations.models import Negotiation
from app.orgs.models import Enterprise
from app.tick import run_tick
from tests.fixtures.negotiations import grid_rows

DATES = [date(2026, 12, 20), date(2027, 6, 1), date(2031, 2, 1), date(2035, 12, 28)]


@pytest.fixture(params=DATES, ids=str)
def today(request, monkeypatch):
    moment = datetime.combine(request.param, time(10), tzinfo=clock.CHINA)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return request.param


def test_the_demo_loads_and_its_pages_show_on_any_date(today, runner, client, auth, db_session):
    result = runner.invoke(args=["accord", "seed-demo"])
    assert result.exit_code == 0, result.output
    waiting = db.session.scalars(
        select(Negotiation).join(Enterprise).where(Negotiation.state == "requested")
    ).one()
    # Sent six days ago: the 20-day answer reaches into a year with no official schedule.
    assert waiting.response_due > today and waiting.response_due_provisional
    assert run_tick()  # every step runs, nothing is refused for want of a notice
    db.session.commit()

    auth.login(_user("cj-employer-chief"), password="accord-demo")
    page = client.get(f"/negotiations/{waiting.id}")
    assert page.status_code == 200
    assert "暂定" in page.get_data(as_text=True)


def _user(username):
    from app.auth.models import User

    return db.session.scalars(select(User).where(User.username == username)).one()


def test_a_negotiation_goes_from_request_to_agreed_draft_on_any_date(today, world):
    union, employer = world.union, world.employer
    n = ops.open_negotiation(
        world.enterprise, union[0], subject=f"{today.year}年度能级工资", term_years=2, topics="工资"
    )
    ops.send_request(n, union[0])
    assert n.requested_on == today and n.response_due_provisional == (n.response_due.year > 2026)
    ops.accept_request(n, employer[0], "绩效工资")
    for side, people in (("union", union), ("employer", employer)):
        for i, person in enumerate(people):
            ops.appoint_representative(n, people[0], side=side, user=person, is_chief=(i == 0))
    ops.set_recorder(n, union[0], world.secretary)
    ops.start_talks(n, employer[0])
    ops.update_clauses(n, union[0], term_years=2, adjustment_rule="每年7月调整", pay_day=15)
    meeting = clock.now() + timedelta(days=3)
    round_ = ops.schedule_round(n, union[0], meeting, "工会会议室")
    proposal = ops.submit_proposal(round_, union[0], grid_rows(300_00))
    ops.submit_proposal(round_, employer[0], grid_rows(100_00))
    ops.accept_proposal(n, union[0], proposal)
    ops.accept_proposal(n, employer[0], proposal)
    assert n.state == "agreed"
