"""Column types, engine settings, the after-commit queue, an insert-unless-present and a savepoint
per item, shared by every domain."""

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import DateTime, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from app.errors import AccordError, translate
from app.extensions import db
from workflows.errors import WorkflowError

# `apart` runs the items of the tick's steps: what it refuses is logged as the tick's.
_tick_log = logging.getLogger("accord.tick")

# The largest value an INTEGER column holds (PostgreSQL's int4; SQLite's is 64-bit). Integers a
# request sends to be stored or looked up are validated against it: 422, not a 500 from the driver.
INTEGER_MAX = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite: foreign keys, WAL and real transactions (SAVEPOINT included). pysqlite opens
# transactions lazily and ignores SAVEPOINT; SQLAlchemy's documented fix is to switch its
# handling off and emit BEGIN ourselves.
@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted rows are overwritten, not left in free pages: the ballots rewritten at a vote's
    # close must not survive in the file in their voting order.
    cursor.execute("PRAGMA secure_delete=ON")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed; drop it on rollback.

    Operations queue their side effects (emails) here, so nothing is sent for work that was
    rolled back.
    """
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session):
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session):
    session.info.pop("after_commit", None)


def transaction_cache(session: Session) -> dict:
    """A dict for what was read under a lock held until the end of the transaction, so a second
    look in the same request costs nothing. Any write (flush), commit or rollback empties it:
    what it holds is never older than the session's last change."""
    return session.info.setdefault("transaction_cache", {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
@event.listens_for(Session, "after_flush")
def _drop_transaction_cache(session, *args):
    session.info.pop("transaction_cache", None)


def insert_unless_present(session: Session, table: Table, values: dict, unique: tuple) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the `unique` columns: True when the row went in, False
    when one with the same key was there (or committed by a racing transaction) already.

    One statement instead of a savepoint around an insert that may fail: the database's unique
    constraint still decides, with two round trips fewer."""
    statement = _insert_or_nothing(session.get_bind().dialect.name, table, unique)
    return session.execute(statement, values).first() is not None


@cache
def _insert_or_nothing(dialect_name: str, table: Table, unique: tuple):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*table.primary_key.columns)
    )


def apart(action: Callable[[], object], what: str) -> bool:
    """Do one item of a step in a savepoint of its own: True when done; False when a rule
    refuses it for now (say, a deadline in a year whose holiday schedule is not entered yet),
    with its savepoint rolled back and the refusal logged. One item the tick cannot do yet holds
    back neither the others nor the other steps; it is tried again at the next tick."""
    try:
        with db.session.begin_nested():
            action()
    except (AccordError, WorkflowError) as exc:
        message = translate(exc.message) if isinstance(exc, WorkflowError) else exc.message
        _tick_log.warning(
            "the tick could not %s: %s; it tries again at the next tick", what, message
        )
        return False
    return True
