"""The API tests: the negotiation walk committed step by step, and the clock pinned to TODAY."""

from datetime import UTC, datetime, time

import pytest

from app import clock
from tests.conftest import committed
from tests.fixtures.negotiations import TODAY, Walk


class CommittedWalk:
    """tests/fixtures/negotiations.py's walk, each step committed as the requests that made it
    would have: an API call that fails rolls back only its own work."""

    def __init__(self, world):
        self._walk = Walk(world)

    def __getattr__(self, step: str):
        return committed(getattr(self._walk, step))


@pytest.fixture
def walk(world):
    """Here the shared `walk` commits each step (see CommittedWalk)."""
    return CommittedWalk(world)


@pytest.fixture
def today(monkeypatch):
    """Pin the clock to TODAY (10:00 in Shanghai); `today(date)` moves it."""

    def move(day=TODAY):
        moment = datetime.combine(day, time(2), tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return day

    move()
    return move
