"""Deadlines counted on a year whose holiday schedule the State Council has not published yet
(暂定期限): marked provisional wherever they show, and counted again — audited, the parties
told — when the official schedule is entered (DESIGN §3).

The 2027 schedules below are made up for the tests.
"""

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from app import clock, deadlines
from app.audit.models import AuditEvent
from app.contracts.models import Contract
from app.extensions import db
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.models import Negotiation, Representative
from app.notifications.models import Notification
from app.notifications.operations import render
from app.orgs.models import HolidaySchedule, ProvisionalDeadline
from app.orgs.operations import set_holiday_schedule
from app.tick import run_tick
from workflows import calendar

SENT = date(2026, 12, 20)  # a Sunday; 20 days later is Saturday 2027-01-09
PROVISIONAL_DUE = date(2027, 1, 11)  # the Monday after, on the statutory holidays alone
NEW_YEAR_ONLY = "2027-01-01..2027-01-03"
SOURCE = "国务院办公厅关于2027年部分节假日安排的通知（测试数据）"


def on(monkeypatch, day: date) -> None:
    """Pin the application clock to 10:00 in Shanghai on `day`."""
    moment = datetime.combine(day, time(10), tzinfo=clock.CHINA)
    monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.fixture
def sent(world, monkeypatch):
    on(monkeypatch, SENT)
    n = ops.open_negotiation(
        world.enterprise, world.union_chief, subject="2027年度能级工资", term_years=2, topics="工资"
    )
    ops.send_request(n, world.union_chief)
    db.session.commit()
    return n


@pytest.fixture
def admin(make):
    return make.admin(username="fed-admin")


def enter_2027(admin, holidays=NEW_YEAR_ONLY, workdays=""):
    moved = set_holiday_schedule(2027, holidays, workdays, SOURCE, admin)
    db.session.commit()
    return moved


def notices(user, kind):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def recounts(n):
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "negotiations",
            AuditEvent.subject_id == n.id,
            AuditEvent.action == "deadline_recounted",
        )
    ).all()


def test_a_request_sent_on_20_december_gets_a_provisional_deadline_in_2027(sent):
    assert sent.response_due == PROVISIONAL_DUE and sent.response_due_provisional
    basis = db.session.scalars(select(ProvisionalDeadline)).one()
    assert (basis.subject_id, basis.field, basis.start_on, basis.days) == (
        sent.id,
        "response_due",
        SENT,
        20,
    )
    assert basis.provisional_year == 2027


def test_the_page_marks_it_provisional_in_both_languages(sent, world, client, auth):
    auth.login(world.employer_chief)
    page = client.get(f"/negotiations/{sent.id}").get_data(as_text=True)
    assert "2027-01-11" in page and "暂定" in page
    assert "按法定节假日推算" in page
    english = client.get(f"/negotiations/{sent.id}?lang=en").get_data(as_text=True)
    assert "provisional" in english and "statutory holidays" in english


def test_the_api_says_provisional_next_to_the_date(sent, world, client, api_token):
    answer = client.get(f"/api/v1/negotiations/{sent.id}", headers=api_token(world.union_chief))
    assert answer.json["response_due"] == "2027-01-11"
    assert answer.json["response_due_provisional"] is True


def test_the_notification_says_provisional(sent, world, app):
    (notice,) = notices(world.employer_chief, "request_received")
    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("en"):
            assert "2027-01-11 (provisional: counted on the statutory holidays" in render(notice)
        with force_locale("zh"):
            assert "2027-01-11（暂定：按法定节假日推算" in render(notice)


def test_a_schedule_that_keeps_the_date_only_lifts_the_mark(sent, world, admin):
    assert enter_2027(admin) == []
    db.session.expire_all()
    assert sent.response_due == PROVISIONAL_DUE and not sent.response_due_provisional
    assert db.session.scalars(select(ProvisionalDeadline)).all() == []
    assert recounts(sent) == []
    assert notices(world.employer_chief, "deadline_moved") == []  # no change, no noise


def test_a_schedule_that_moves_it_is_audited_and_told_to_both_sides(sent, world, admin, app):
    # Suppose the notice gives Monday 2027-01-11 off as well: the last day moves to Tuesday.
    moved = enter_2027(admin, holidays=NEW_YEAR_ONLY + "\n2027-01-11")
    assert [(m.old, m.due) for m in moved] == [(PROVISIONAL_DUE, date(2027, 1, 12))]
    db.session.expire_all()
    assert sent.response_due == date(2027, 1, 12) and not sent.response_due_provisional
    (event,) = recounts(sent)
    assert event.data["from"] == "2027-01-11" and event.data["to"] == "2027-01-12"
    assert event.actor_id == admin.id
    for person in (world.union_chief, world.employer_chief):
        (notice,) = notices(person, "deadline_moved")
        with app.test_request_context(), force_zh():
            text = render(notice)
        assert "2027-01-11" in text and "2027-01-12" in text and "书面回应" in text


def force_zh():
    from flask_babel import force_locale

    return force_locale("zh")


def test_a_deadline_that_moves_into_the_past_is_due_on_the_day_of_the_recount(
    sent, world, admin, monkeypatch
):
    # Suppose Saturday 2027-01-09 is worked in exchange (调休上班): the period ended that day.
    on(monkeypatch, date(2027, 1, 10))
    (change,) = enter_2027(admin, workdays="2027-01-09")
    assert (change.counted, change.due) == (date(2027, 1, 9), date(2027, 1, 10))
    db.session.expire_all()
    assert sent.response_due == date(2027, 1, 10)
    (event,) = recounts(sent)
    assert event.data["counted"] == "2027-01-09" and event.data["to"] == "2027-01-10"
    assert len(notices(world.union_chief, "deadline_moved_past")) == 1
    # Not fired behind anyone's back: overdue only from the day after the recount.
    assert ops.flag_overdue(date(2027, 1, 10))["responses"] == 0
    assert ops.flag_overdue(date(2027, 1, 11))["responses"] == 1


def test_a_flagged_deadline_that_moves_ahead_is_flagged_again_on_its_new_day(
    sent, admin, monkeypatch
):
    on(monkeypatch, date(2027, 1, 12))
    assert ops.flag_overdue(date(2027, 1, 12))["responses"] == 1  # provisional 01-11 passed
    enter_2027(admin, holidays=NEW_YEAR_ONLY + "\n2027-01-11\n2027-01-12")
    db.session.expire_all()
    assert sent.response_due == date(2027, 1, 13) and sent.overdue_flagged_at is None
    assert not queries.is_response_overdue(sent, date(2027, 1, 12))
    assert ops.flag_overdue(date(2027, 1, 14))["responses"] == 1


def test_a_deadline_whose_stage_has_passed_is_not_counted_again(sent, world, admin):
    ops.accept_request(sent, world.employer_chief, today=date(2026, 12, 22))
    db.session.commit()
    assert enter_2027(admin, holidays=NEW_YEAR_ONLY + "\n2027-01-11") == []
    assert db.session.scalars(select(ProvisionalDeadline)).all() == []
    assert notices(world.union_chief, "deadline_moved") == []


def test_the_tick_counts_again_a_schedule_entered_by_another_process(
    sent, admin, monkeypatch, db_session
):
    # Another server entered 2027 (its own recount is not ours to rely on); this one reads the
    # table at its next tick, as it does for a newer calendar package.
    db.session.add(
        HolidaySchedule(
            year=2027,
            holidays=["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-11"],
            workdays=[],
            source=SOURCE,
        )
    )
    db.session.commit()
    on(monkeypatch, date(2026, 12, 28))
    assert run_tick()[0] == "1 provisional deadline moved"
    db.session.expire_all()
    assert sent.response_due == date(2027, 1, 12) and not sent.response_due_provisional


def test_a_deadline_that_reads_only_official_years_is_not_provisional(world, monkeypatch):
    on(monkeypatch, date(2026, 6, 1))
    n = ops.open_negotiation(
        world.enterprise, world.union_chief, subject="年中", term_years=2, topics="工资"
    )
    ops.send_request(n, world.union_chief)
    assert n.response_due == date(2026, 6, 22) and not n.response_due_provisional
    assert db.session.scalars(select(ProvisionalDeadline)).all() == []


def test_every_provisional_column_has_a_declared_deadline():
    columns = {
        (model.__tablename__, column.name.removesuffix("_provisional"))
        for model in (Negotiation, Representative, Contract)
        for column in model.__table__.columns
        if column.name.endswith("_due_provisional")
    }
    assert columns == set(deadlines.KINDS)


def test_calendar_covers_ten_years_ahead_of_the_package():
    assert calendar.PACKAGE_YEARS[-1] + 10 <= calendar.PROVISIONAL_UNTIL


def test_a_newer_calendar_package_is_counted_again_at_the_next_tick(sent, monkeypatch):
    # As if a new chinese-calendar release knew 2027, with Monday 2027-01-11 off.
    official = calendar.statutory_schedule(2027).holidays | {date(2027, 1, 11)}
    package_is_workday = calendar.chinese_calendar.is_workday

    def is_workday(day):
        if day.year == 2027:
            return day.weekday() < 5 and day not in official
        return package_is_workday(day)

    monkeypatch.setattr(calendar, "PACKAGE_YEARS", range(2004, 2028))
    monkeypatch.setattr(calendar.chinese_calendar, "is_workday", is_workday)
    on(monkeypatch, date(2026, 12, 28))
    assert run_tick()[0] == "1 provisional deadline moved"
    db.session.expire_all()
    assert sent.response_due == date(2027, 1, 12) and not sent.response_due_provisional
    assert run_tick()[0] == "0 provisional deadlines moved"  # once, not at every tick
