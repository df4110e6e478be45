"""Calling the JSON API as a given user, on the negotiating enterprise of tests/negotiations."""

from datetime import UTC, datetime, time

import pytest

from app import clock
from tests.conftest import committed
from tests.negotiations import conftest as negotiations

# The negotiating enterprise of tests/negotiations, a fixture here too.
world = negotiations.world


class Caller:
    """The API as one user: `api(user).post("/negotiations/1/accept", {...})` → response."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def call(self, method: str, path: str, json=None):
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=self.headers)

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, json=None):
        return self.call("POST", path, json)

    def put(self, path, json=None):
        return self.call("PUT", path, json)

    def patch(self, path, json=None):
        return self.call("PATCH", path, json)

    def delete(self, path):
        return self.call("DELETE", path)


class CommittedWalk:
    """tests/negotiations' walk, each step committed as the requests that made it would have:
    an API call that fails rolls back only its own work."""

    def __init__(self, world):
        self._walk = negotiations.Walk(world)

    def __getattr__(self, step: str):
        return committed(getattr(self._walk, step))


@pytest.fixture
def walk(world):
    return CommittedWalk(world)


@pytest.fixture
def api(client, api_token):
    """api(user) → a Caller with that user's bearer token, answering in English."""
    headers: dict[int, dict] = {}

    def as_user(user) -> Caller:
        if user.id not in headers:
            headers[user.id] = {**api_token(user), "Accept-Language": "en"}
        return Caller(client, headers[user.id])

    return as_user


@pytest.fixture
def today(monkeypatch):
    """Pin the clock to TODAY (10:00 in Shanghai); `today(date)` moves it."""

    def move(day=negotiations.TODAY):
        moment = datetime.combine(day, time(2), tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return day

    move()
    return move
