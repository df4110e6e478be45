"""A database that was never migrated gets a message saying what to do, not a 500; and pages that
count no deadline never read the holiday schedules (issue 11)."""

import logging
import math
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import ProgrammingError

from app import create_app
from app.config import TestingConfig
from app.errors import _missing_table
from tests.conftest import counted_statements
from workflows import calendar


@pytest.fixture
def bare_app(tmp_path):
    config = type(
        "Config",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
        },
    )
    return create_app(config)


def test_a_page_on_an_unmigrated_database_says_to_run_flask_db_upgrade(bare_app, caplog):
    client = bare_app.test_client()
    with caplog.at_level(logging.ERROR, logger="accord"):
        first = client.post("/login", data={"username": "someone", "password": "x"})
        second = client.post("/login", data={"username": "someone", "password": "x"})
    for answer in (first, second):
        assert answer.status_code == 503
        assert "flask db upgrade" in answer.get_data(as_text=True)
    told = [r for r in caplog.records if "flask db upgrade" in r.getMessage()]
    assert len(told) <= 1  # logged once per process, not once per request


def test_the_api_on_an_unmigrated_database_answers_503_in_its_error_format(bare_app):
    answer = bare_app.test_client().get(
        "/api/v1/negotiations", headers={"Authorization": "Bearer not-a-token"}
    )
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "not_migrated"
    assert "flask db upgrade" in answer.json["error"]["message"]


def test_postgresql_s_undefined_table_is_recognised():
    missing = ProgrammingError("SELECT", {}, SimpleNamespace(sqlstate="42P01"))
    other = ProgrammingError("SELECT", {}, SimpleNamespace(sqlstate="42601"))
    assert _missing_table(missing) and not _missing_table(other)


def test_a_page_that_counts_no_deadline_does_not_read_the_holiday_schedules(
    client, auth, make, monkeypatch
):
    monkeypatch.setattr(calendar, "_read_at", -math.inf)  # the copy is stale
    auth.login(make.admin())
    with counted_statements() as statements:
        assert client.get("/login").status_code in (200, 302)
        assert client.get("/negotiations").status_code == 200
    assert not [s for s in statements if "holiday_schedules" in s]


def test_a_count_past_the_package_reads_them(db_session, monkeypatch):
    monkeypatch.setattr(calendar, "_read_at", -math.inf)
    with counted_statements() as statements:
        calendar.count(calendar.date(2027, 3, 1), 5)
    assert [s for s in statements if "holiday_schedules" in s]
