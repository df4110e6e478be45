"""Fixtures: one schema per session, one rolled-back transaction per test (DESIGN §9)."""

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_sqlalchemy.session import Session
from sqlalchemy import event
from sqlalchemy.orm import scoped_session

from app import create_app
from app.auth import operations as auth_operations
from app.config import TestingConfig
from app.extensions import db, limiter
from app.orgs import operations as org_operations
from workflows import calendar
from workflows.credit_code import check_character

# Shared fixtures, for every test (pytest accepts pytest_plugins only in the top-level conftest).
pytest_plugins = ["tests.fixtures.api", "tests.fixtures.negotiations", "tests.fixtures.pages"]

PASSWORD = "correct-horse-1"


def database_url(tmp_path_factory) -> str:
    return os.environ.get("ACCORD_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'accord-test.sqlite3'}"
    )


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (fresh `g`), as it would in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class ConnectionSession(Session):
    """Flask-SQLAlchemy's session picks the engine per table; the test's must use its connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class TestScopedSession(scoped_session):
    """The test's session outlives each request's app context; the fixture closes it."""

    def remove(self):
        pass

    def really_remove(self):
        super().remove()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = type(
        "Config",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
        },
    )
    app = create_app(config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """A session bound to one connection whose outer transaction is rolled back after the test.

    The app's own commits only release savepoints inside it.
    """
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        factory = db._make_session_factory(
            {
                "class_": ConnectionSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        db.session = TestScopedSession(factory, scopefunc=lambda: "test")
        limiter.reset()
        try:
            yield db.session
        finally:
            calendar.publish([])  # a schedule entered by a test leaves with its transaction
            db.session.really_remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def committed(build):
    """Builders commit, as the request or command that made the data would have."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        result = build(*args, **kwargs)
        db.session.commit()
        return result

    return wrapper


class Builders:
    """Data builders for tests: each returns a committed object with sensible defaults."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    @committed
    def region(self, **values):
        n = self._next()
        values.setdefault("minimum_wage_fen", 2_490_00)
        return org_operations.create_region(
            values.pop("code", f"region-{n}"),
            values.pop("name", f"测试区{n}"),
            values.pop("minimum_wage_fen"),
            None,
            **values,
        )

    def credit_code(self) -> str:
        n = self._next()
        first17 = f"91321202MA{n:07d}"
        return first17 + check_character(first17)

    @committed
    def enterprise(self, region=None, **values):
        n = self._next()
        return org_operations.create_enterprise(
            name=values.pop("name", f"测试企业{n}有限公司"),
            credit_code=values.pop("credit_code", self.credit_code()),
            region=region or self.region(),
            industry=values.pop("industry", "机械制造"),
            headcount=values.pop("headcount", 500),
            actor=None,
            **values,
        )

    @committed
    def user(
        self,
        username=None,
        *,
        roles=None,
        enterprise=None,
        global_role=None,
        region=None,
        full_name=None,
        **values,
    ):
        n = self._next()
        user = auth_operations.create_user(
            username or f"user{n}",
            full_name or f"用户{n}",
            values.pop("password", PASSWORD),
            global_role=global_role,
            region=region,
            **values,
        )
        for role in roles or ():
            auth_operations.add_membership(user, enterprise, role, None)
        return user

    def admin(self, **values):
        return self.user(values.pop("username", None), global_role="federation_admin", **values)


@pytest.fixture
def make(db_session):
    return Builders()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user, password=PASSWORD):
        response = self.client.post(
            "/login", data={"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(auth):
    return auth.login


@pytest.fixture
def english(request):
    """Operations called directly answer in English (the msgids): a package's conftest asks for
    it in an autouse fixture. Only for a test that has the database; the rest need no app."""
    if "db_session" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db_session")
    with force_locale("en"):
        yield


@pytest.fixture
def api_token(db_session):
    """A bearer header for `user`: headers = api_token(user)."""

    def headers_for(user):
        _token, plain = auth_operations.create_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return headers_for


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements the session's engine runs inside the block, as a list filled in."""
    statements: list[str] = []
    engine = db.session.get_bind()

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
