"""The tick (到期处理): fires every deadline that fell due, from `flask accord tick` (cron) or, in
the embedded default, from a background thread (DESIGN §7).

Each step takes the day and returns what it did as short lines; a later domain adds its own step
(motions closing at their time, contracts deemed approved, renewal windows) to `STEPS`. Steps
flush only: the caller commits the whole tick once, or rolls it back.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import date

from flask import Flask

from app import clock
from app.congress.operations import close_due_motions
from app.contracts import operations as contract_operations
from app.deadlines import recount
from app.extensions import db
from app.negotiations.operations import flag_overdue
from app.orgs.operations import sync_calendar

log = logging.getLogger("accord.tick")

Step = Callable[[date], list[str]]


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun + 's'}"


def provisional_deadlines(today: date) -> list[str]:
    """Count again the provisional deadlines of each year whose official schedule arrived since
    (entered in another process, or brought by a newer calendar package)."""
    return [f"{_counted(len(recount(today)), 'provisional deadline')} moved"]


def negotiation_deadlines(today: date) -> list[str]:
    counts = flag_overdue(today)
    return [
        f"{_counted(counts['responses'], 'overdue response')} flagged",
        f"{_counted(counts['refills'], 'overdue refill')} flagged",
        f"{_counted(counts['disputes'], 'overdue dispute')} flagged",
    ]


def motions_closing(today: date) -> list[str]:
    """Close the votes whose closing time has passed (the exact moment, not the day)."""
    closed = close_due_motions(clock.now())
    return [f"{_counted(closed, 'motion')} closed at their closing time"]


def contract_deadlines(today: date) -> list[str]:
    """Deemed approvals, filing and publication reminders, renewal windows, expiry."""
    done = contract_operations.tick(today, clock.now())
    return [
        f"{_counted(done['deemed_approved'], 'contract')} deemed approved",
        f"{_counted(done['filing_reminders'], 'filing reminder')} sent",
        f"{_counted(done['publication_reminders'], 'publication reminder')} sent",
        f"{_counted(done['renewal_windows'], 'renewal window')} opened",
        f"{_counted(done['expired'], 'contract')} expired",
    ]


STEPS: list[Step] = [
    provisional_deadlines,
    negotiation_deadlines,
    motions_closing,
    contract_deadlines,
]


def run_tick(today: date | None = None) -> list[str]:
    """Run every step for `today` (China's today by default); flushes, never commits."""
    today = today or clock.today()
    sync_calendar()  # deadlines may fall in a year entered since the last tick
    lines: list[str] = []
    for step in STEPS:
        lines += step(today)
    return lines


def tick_once(app: Flask) -> None:
    """One tick in its own app context and transaction; an error is logged and rolled back."""
    with app.app_context():
        try:
            lines = run_tick()
            db.session.commit()
        except Exception:
            log.exception("the tick failed and is rolled back; it runs again at the next beat")
            db.session.rollback()
        else:
            log.info("tick: %s", ", ".join(lines))


class TickThread(threading.Thread):
    """A daemon thread that ticks every `every_seconds` until `stop()`; it waits before the first
    tick, so a short-lived `flask` command that loads the app exits before ticking."""

    def __init__(self, app: Flask, every_seconds: float):
        super().__init__(name="accord-tick", daemon=True)
        self.app, self.every_seconds = app, every_seconds
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.every_seconds):
            tick_once(self.app)

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self.join(timeout)


def start_background_tick(app: Flask, every_seconds: float) -> TickThread:
    thread = TickThread(app, every_seconds)
    thread.start()
    log.info("background tick every %s s", every_seconds)
    return thread


_thread: TickThread | None = None
_thread_lock = threading.Lock()


def init_app(app: Flask) -> TickThread | None:
    """Start the background tick when `TICK_EVERY` > 0, once per process.

    Under `flask run --debug` the reloader's watcher process loads the app too but serves
    nothing; only its child (WERKZEUG_RUN_MAIN=true) ticks.
    """
    global _thread
    every = app.config.get("TICK_EVERY", 0)
    if every <= 0 or (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true"):
        return None
    with _thread_lock:
        if _thread is None:
            _thread = start_background_tick(app, every)
    return _thread
