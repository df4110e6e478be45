"""schemathesis against /api/v1/openapi.json (issue 6): every generated request, valid or not,
is answered without a server error, with a status the operation documents, in the documented
content type, with a body that matches the documented schema.

The app is called in-process (WSGI) with a bearer token, as the federation administrator (who
sees everything) and as the union's chief representative (who acts in the negotiation). The
data is the access matrix's world, built once for the module: an enterprise with a negotiation
in talks, a closed motion and a contract waiting for signatures. Three path ids in four are
pointed at its objects, so the handlers behind the 404s are fuzzed too. Each request runs in a
savepoint undone after it: every case starts from the same world and a failure replays the same.
"""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    is_unexpected_http_status_case,
    response_schema_conformance,
    unsupported_method,
)

from app import create_app
from app.auth import operations as auth_operations
from app.auth.models import User
from app.config import TestingConfig
from app.extensions import db, limiter
from tests import conftest
from tests.test_access_matrix import _closed_motion, _contract, _negotiation_in_talks
from workflows import calendar

MAX_EXAMPLES = 10


def load_schema() -> schemathesis.BaseSchema:
    """The document as the app serves it, from an app of its own on an empty in-memory database:
    test items are made at collection, before the suite's app exists."""
    app = create_app(type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    config = schemathesis.Config.from_dict(
        {
            # The same cases on every run; another seed explores further.
            "seed": int(os.environ.get("ACCORD_FUZZ_SEED", "6")),
            # Boundary values of every parameter and body field (the coverage phase), then
            # MAX_EXAMPLES random requests, valid and invalid, per operation and caller.
            "phases": {"coverage": {"unexpected-methods": ["TRACE"]}},  # one method is enough
            # Generating large bodies is slow on a busy machine; that is no finding.
            "suppress-health-check": ["too_slow"],
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                # Every call carries the caller's token; anonymous calls are the access matrix's.
                "with-security-parameters": False,
            },
        }
    )
    with app.app_context():
        db.create_all()
        loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
        db.engine.dispose()
    return loaded


schema = load_schema()


def status_code_listed(ctx, response, case) -> None:
    """The status is one the operation lists itself. flask-smorest gives every operation a
    `default` error response, with which schemathesis's status_code_conformance accepts any.
    Calls with a method the path lacks are unsupported_method's."""
    if is_unexpected_http_status_case(case):
        return
    listed = {code for code in case.operation.responses.status_codes if code != "default"}
    if str(response.status_code) not in listed:
        raise AssertionError(
            f"{response.status_code} is not documented for {case.operation.label} "
            f"(documented: {', '.join(sorted(listed))})"
        )


CHECKS = [
    not_a_server_error,
    status_code_listed,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
]


@pytest.fixture(scope="module")
def world(app):
    """The access matrix's world in a transaction of the module's, rolled back at its end
    (tests/conftest.py's db_session, for a module: building it per operation would take long)."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        factory = db._make_session_factory(
            {
                "class_": conftest.ConnectionSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        db.session = conftest.TestScopedSession(factory, scopefunc=lambda: "fuzz")
        try:
            yield _build_world()
        finally:
            calendar.publish([])
            db.session.really_remove()
            db.session = original
            transaction.rollback()
            connection.close()


def _build_world() -> dict:
    make = conftest.Builders()
    enterprise = make.enterprise()
    negotiation = _negotiation_in_talks(make, enterprise)
    vote = _closed_motion(make, enterprise)
    contract = _contract(negotiation["negotiation_id"], negotiation["grid_id"], enterprise)
    member = make.user("member", roles=["delegate"], enterprise=enterprise)
    callers = {
        "federation_admin": make.admin(username="fuzz-admin"),
        "union_chief": db.session.scalar(db.select(User).filter_by(username="union0")),
    }
    tokens = {role: auth_operations.create_token(user, "fuzz") for role, user in callers.items()}
    db.session.commit()
    return {
        **vote,
        **negotiation,
        **contract,
        "enterprise_id": enterprise.id,
        "region_id": enterprise.region_id,
        "user_id": member.id,
        "membership_id": member.memberships[0].id,
        "token_id": tokens["union_chief"][0].id,  # the chief's own, someone else's to the admin
        "year": 2026,
        "headers": {
            role: {"Authorization": f"Bearer {plain}", "Accept-Language": "en"}
            for role, (_token, plain) in tokens.items()
        },
    }


@pytest.fixture(scope="module", params=["federation_admin", "union_chief"])
def headers(request, world) -> dict:
    return world["headers"][request.param]


def aim_at_world(case, world: dict) -> None:
    """Replace three path ids in four by the id of the world's object of that name."""
    for name, value in (case.path_parameters or {}).items():
        if name not in world:
            continue
        if (isinstance(value, int) and value % 4) or (isinstance(value, str) and len(value) % 4):
            case.path_parameters[name] = world[name]


@contextmanager
def rolled_back(app):
    """A request in a fresh app context (a fresh `g`, as in production), its work undone after
    it: the database's, the signing limiter's, the holiday calendar's."""
    db.session.close()  # the session's own savepoint, if it had one, must not enclose ours
    savepoint = db.session.bind.begin_nested()
    try:
        with app.app_context():
            yield
    finally:
        db.session.close()
        savepoint.rollback()
        limiter.reset()
        calendar.publish([])  # the world has no holiday schedule of its own


@schema.parametrize()
def test_every_request_is_answered_as_documented(case, app, world, headers):
    aim_at_world(case, world)
    with rolled_back(app):
        response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS)
