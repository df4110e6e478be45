"""The tick: deadlines that pass without action are flagged once and told to the people concerned;
`flask accord tick` runs it in one transaction; the background thread runs it every few seconds."""

import logging
import threading
from collections import Counter
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from app import tick
from app.audit.models import AuditEvent
from app.audit.operations import history
from app.config import TestingConfig
from app.negotiations import operations as ops
from app.notifications.models import Notification
from app.notifications.operations import render
from tests.fixtures.negotiations import TODAY

RESPONSE_DUE = date(2026, 6, 22)  # 20 days after TODAY; 21 June is a Sunday
NOTHING = {"responses": 0, "refills": 0, "disputes": 0}


@pytest.fixture
def coordinators(make, world):
    """The federation administrator and the labour officer of the enterprise's region."""
    return [
        make.admin(username="fed-admin"),
        make.user("officer", global_role="labour_officer", region=world.enterprise.region),
    ]


@pytest.fixture
def other_officer(make):
    return make.user("officer-elsewhere", global_role="labour_officer", region=make.region())


def told(db_session, kind: str) -> Counter:
    """How many notifications of `kind` each user id received."""
    return Counter(
        db_session.scalars(select(Notification.user_id).where(Notification.kind == kind))
    )


def audit_count(db_session) -> int:
    return len(db_session.scalars(select(AuditEvent.id)).all())


def test_an_overdue_response_is_flagged_once_and_told_to_both_sides_and_coordinators(
    walk, world, coordinators, other_officer, db_session
):
    n = walk.requested()

    assert ops.flag_overdue(date(2026, 6, 23)) == {**NOTHING, "responses": 1}

    assert n.overdue_flagged_at is not None
    [event] = [e for e in history(n) if e.action == "response_overdue"]
    assert event.actor_id is None and event.data == {"response_due": "2026-06-22"}
    everyone = world.union + world.employer + coordinators
    assert told(db_session, "response_overdue") == Counter(u.id for u in everyone)
    assert n.state == "requested"  # the requesting side decides whether to escalate


def test_a_second_tick_changes_nothing(walk, world, coordinators, db_session):
    n = walk.requested()
    ops.flag_overdue(date(2026, 6, 23))
    flagged_at, events = n.overdue_flagged_at, audit_count(db_session)
    notifications = told(db_session, "response_overdue")

    assert ops.flag_overdue(date(2026, 6, 23)) == NOTHING
    assert ops.flag_overdue(date(2026, 6, 30)) == NOTHING
    assert n.overdue_flagged_at == flagged_at
    assert audit_count(db_session) == events
    assert told(db_session, "response_overdue") == notifications


def test_a_response_is_not_overdue_on_its_due_day(walk, db_session):
    n = walk.requested()
    assert n.response_due == RESPONSE_DUE
    assert ops.flag_overdue(RESPONSE_DUE) == NOTHING
    assert n.overdue_flagged_at is None
    assert told(db_session, "response_overdue") == Counter()


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_an_answered_request_is_never_overdue(walk, world, db_session, answer):
    n = walk.requested()
    if answer == "accept":
        ops.accept_request(n, world.employer_chief, today=TODAY)
    else:
        ops.refuse_request(n, world.employer_chief, "经营困难", today=TODAY)
    assert ops.flag_overdue(date(2026, 7, 1)) == NOTHING
    assert n.overdue_flagged_at is None


def test_an_unfilled_seat_is_flagged_once_after_its_refill_day_and_told_to_its_side(
    walk, world, coordinators, db_session
):
    n = walk.negotiating()
    rep = n.active_representatives("union")[2]
    ops.vacate_representative(rep, world.union_chief, today=TODAY)
    assert rep.refill_due == date(2026, 6, 16)

    assert ops.flag_overdue(date(2026, 6, 16)) == NOTHING
    assert ops.flag_overdue(date(2026, 6, 17)) == {**NOTHING, "refills": 1}
    assert ops.flag_overdue(date(2026, 6, 17)) == NOTHING

    assert rep.refill_overdue_flagged_at is not None
    [event] = [e for e in history(n) if e.action == "refill_overdue"]
    assert event.actor_id is None and event.data["representative_id"] == rep.id
    assert told(db_session, "refill_overdue") == Counter(u.id for u in world.union)
    notice = db_session.scalars(select(Notification).filter_by(kind="refill_overdue")).first()
    assert rep.name in render(notice) and "2026-06-16" in render(notice)


def test_a_refilled_seat_is_not_flagged(walk, world, make, db_session):
    n = walk.negotiating()
    rep = n.active_representatives("employer")[2]
    ops.vacate_representative(rep, world.employer_chief, today=TODAY)
    newcomer = make.user("newcomer", roles=["employer_rep"], enterprise=world.enterprise)
    ops.appoint_representative(
        n, world.employer_chief, side="employer", user=newcomer, today=date(2026, 6, 10)
    )
    assert ops.flag_overdue(date(2026, 6, 30)) == NOTHING
    assert rep.refill_overdue_flagged_at is None


def test_a_dispute_past_its_end_is_flagged_once_and_told_to_both_sides_and_coordinators(
    walk, world, coordinators, other_officer, db_session
):
    n = walk.requested()
    ops.escalate(n, world.union_chief, today=date(2026, 6, 23))
    assert n.dispute_due == date(2026, 7, 23)

    assert ops.flag_overdue(date(2026, 7, 23)) == NOTHING
    assert ops.flag_overdue(date(2026, 7, 24)) == {**NOTHING, "disputes": 1}
    assert ops.flag_overdue(date(2026, 7, 24)) == NOTHING

    assert n.dispute_overdue_flagged_at is not None
    assert [e.action for e in history(n)].count("dispute_overdue") == 1
    everyone = world.union + world.employer + coordinators
    assert told(db_session, "dispute_overdue") == Counter(u.id for u in everyone)


def test_an_extended_dispute_is_flagged_again_when_its_new_end_passes(
    walk, world, coordinators, db_session
):
    n = walk.requested()
    ops.escalate(n, world.union_chief, today=date(2026, 6, 23))
    ops.flag_overdue(date(2026, 7, 24))
    ops.extend_dispute(n, world.union_chief, 15)
    assert n.dispute_due == date(2026, 8, 7) and n.dispute_overdue_flagged_at is None

    assert ops.flag_overdue(date(2026, 8, 7)) == NOTHING
    assert ops.flag_overdue(date(2026, 8, 8)) == {**NOTHING, "disputes": 1}
    assert [e.action for e in history(n)].count("dispute_overdue") == 2


def test_flask_accord_tick_flags_commits_and_prints_the_counts(
    walk, runner, monkeypatch, db_session
):
    n = walk.requested()
    monkeypatch.setattr("app.clock.today", lambda: date(2026, 6, 23))

    result = runner.invoke(args=["accord", "tick"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "0 provisional deadlines moved, 1 overdue response flagged, 0 overdue refills flagged, "
        "0 overdue disputes flagged, "
        "0 motions closed at their closing time, 0 contracts deemed approved, "
        "0 filing reminders sent, 0 publication reminders sent, 0 renewal windows opened, "
        "0 contracts expired.\n"
    )
    db_session.expire_all()
    assert n.overdue_flagged_at is not None  # committed, read back from the database

    again = runner.invoke(args=["accord", "tick"])
    assert again.exit_code == 0 and again.output.startswith(
        "0 provisional deadlines moved, 0 overdue responses flagged"
    )


# The thread tests use only `app`: the test's connection-bound session is not for other threads,
# so `run_tick` is replaced by a counter that does not touch the database.


def test_the_background_thread_runs_the_tick_until_stopped(app, monkeypatch):
    ran = threading.Event()
    calls = []

    def counting_tick():
        calls.append(threading.current_thread().name)
        ran.set()
        return []

    monkeypatch.setattr(tick, "run_tick", counting_tick)
    thread = tick.start_background_tick(app, 0.01)
    try:
        assert ran.wait(5), "the background tick never ran"
    finally:
        thread.stop(timeout=5)
    assert not thread.is_alive()
    assert calls and set(calls) == {"accord-tick"}


def test_the_background_thread_logs_an_error_and_goes_on(app, monkeypatch, caplog):
    second = threading.Event()
    calls = []

    def failing_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        second.set()
        return []

    monkeypatch.setattr(tick, "run_tick", failing_once)
    with caplog.at_level(logging.ERROR, logger="accord.tick"):
        thread = tick.start_background_tick(app, 0.01)
        try:
            assert second.wait(5), "the thread died after the error"
        finally:
            thread.stop(timeout=5)
    [failure] = [r for r in caplog.records if r.name == "accord.tick"]
    assert "rolled back" in failure.getMessage() and failure.exc_info[0] is RuntimeError


def _plain_app(tick_every: int, debug: bool = False) -> Flask:
    flask_app = Flask(__name__)
    flask_app.config["TICK_EVERY"] = tick_every
    flask_app.debug = debug
    return flask_app


@pytest.fixture
def started(monkeypatch):
    """Record the threads `init_app` would start, starting none."""
    calls = []
    monkeypatch.setattr(tick, "_thread", None)
    monkeypatch.setattr(
        tick, "start_background_tick", lambda app, every: calls.append(every) or object()
    )
    return calls


def test_the_thread_starts_once_per_process_when_configured(started, monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert tick.init_app(_plain_app(0)) is None
    first = tick.init_app(_plain_app(60))
    assert tick.init_app(_plain_app(60)) is first
    assert started == [60]


def test_the_reloader_watcher_process_does_not_tick(started, monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert tick.init_app(_plain_app(60, debug=True)) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert tick.init_app(_plain_app(60, debug=True)) is not None
    assert started == [60]


def test_create_app_starts_the_thread_from_tick_every(started):
    from app import create_app

    create_app(
        type("C", (TestingConfig,), {"TICK_EVERY": 30, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    )
    create_app(TestingConfig)
    assert started == [30]
