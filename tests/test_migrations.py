"""DESIGN §9: every migration runs on an EMPTY database and leaves exactly the schema the models
describe (what `flask db check` checks); downgrading to nothing and upgrading again works.

On SQLite the database is a fresh temporary file; on PostgreSQL (ACCORD_TEST_DATABASE_URL) it is a
fresh database on the test server, dropped at the end.
"""

import logging
import os
import secrets

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestingConfig
from app.extensions import db


@pytest.fixture
def keep_logging():
    """Alembic's env.py calls logging.config.fileConfig, which disables every existing logger and
    replaces the root handlers; put them back so later tests still see the app's log records."""
    manager = logging.Logger.manager
    disabled = {
        name: logger.disabled
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def empty_database_url(tmp_path):
    server = os.environ.get("ACCORD_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"accord_migrations_{secrets.token_hex(6)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def migration_app(empty_database_url, keep_logging):
    app = create_app(type("C", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database_url}))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_the_database_starts_empty(migration_app):
    assert table_names() == set()


def test_migrations_build_exactly_the_models_schema(migration_app):
    flask_migrate.upgrade()
    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_differences() == []


def test_flask_db_check_finds_nothing_to_migrate(migration_app):
    flask_migrate.upgrade()
    result = migration_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_check_notices_a_schema_that_drifted_from_the_models(migration_app):
    flask_migrate.upgrade()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE regions DROP COLUMN minimum_wage_note")
    differences = schema_differences()
    assert [(d[0], d[2], d[3].name) for d in differences] == [
        ("add_column", "regions", "minimum_wage_note")
    ]
    result = migration_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 1


def test_downgrade_to_base_and_upgrade_again(migration_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert table_names() <= {"alembic_version"}
    flask_migrate.upgrade()
    assert schema_differences() == []
    with db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    assert len(heads) == 1


def test_a_migrated_database_accepts_the_apps_data(migration_app):
    """The constraints the migrations create are the ones the operations expect."""
    from app.orgs import operations

    flask_migrate.upgrade()
    region = operations.create_region("test", "测试区", 2_490_00, None)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("audit_events"))) == 1
    region.response_days = 0
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_each_migration_applies_to_a_database_that_holds_data(migration_app):
    """A migration meets databases in use: rows that other tables' foreign keys point at must
    not stop it (SQLite's batch mode copies and drops a table, which those keys refuse)."""
    flask_migrate.upgrade(revision="226c09a150d9")  # contracts: the schema the demo first filled
    with db.engine.begin() as connection:
        sql = connection.exec_driver_sql
        sql(
            "INSERT INTO users (id, username, full_name, password_hash, locale, active, created_at,"
            " password_changed_at) VALUES (1, 'u', '用户', 'x', 'zh', true, CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)"
        )
        sql(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at)"
            " VALUES (1, 1, 't', 'h', 'p', CURRENT_TIMESTAMP)"
        )
    flask_migrate.upgrade()
    assert schema_differences() == []
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM api_tokens").scalar() == 1
