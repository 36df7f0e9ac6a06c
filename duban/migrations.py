"""Schema migrations: a numbered list, each applied once and recorded in a table.

A register made by any release opens in every later one: `migrate` runs before any
command touches the register and applies, in one transaction each, the steps it has
not yet recorded in `schema_migration`.  Steps are frozen: never edit a released
one, append a new one.  They use SQLAlchemy Core so that the same step runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

# Instants are stored in UTC with their zone where the database has one (PostgreSQL).
TIMESTAMP = DateTime(timezone=True)


def _m0001_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "unit",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False, unique=True, index=True),
        Column("code", String, unique=True),
        Column("kind", String, nullable=False),
        Column("head", String),
        Column("parent_id", Integer, ForeignKey("unit.id")),
        Column("created_at", TIMESTAMP, nullable=False),
    )
    Table(
        "matter",
        md,
        Column("id", Integer, primary_key=True),
        Column("code", String, nullable=False, unique=True, index=True),
        Column("year", Integer, nullable=False),
        Column("seq", Integer, nullable=False),
        Column("title", String, nullable=False),
        Column("source", String, nullable=False, index=True),
        Column("source_ref", String),
        Column("leader", String),
        Column("handling", String),
        Column("reporting", String, nullable=False),
        Column("received_on", Date, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("due_within", Integer),
        Column("due_from", Date),
        Column("due_provisional", Boolean, nullable=False),
        Column("note", String),
        Column("status", String, nullable=False, index=True),
        Column("closed_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
        UniqueConstraint("year", "seq", name="uq_matter_year_seq"),
    )
    Table(
        "assignment",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False, index=True),
        Column("role", String, nullable=False),
        Column("responsible", String),
        Column("notified_on", Date, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("due_within", Integer),
        Column("due_from", Date),
        Column("due_provisional", Boolean, nullable=False),
        Column("original_due_on", Date, nullable=False),
        Column("original_due_within", Integer),
        Column("original_due_from", Date),
        Column("original_due_provisional", Boolean, nullable=False),
        Column("status", String, nullable=False, index=True),
        Column("completed_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        UniqueConstraint("matter_id", "unit_id", name="uq_assignment_matter_unit"),
    )
    Table(
        "report",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("assignment_id", Integer, ForeignKey("assignment.id"), nullable=False, index=True),
        Column("kind", String, nullable=False),
        Column("text", Text, nullable=False),
        Column("file_name", String),
        Column("written", Boolean, nullable=False),
        Column("signed_by", String),
        Column("sealed", Boolean, nullable=False),
        Column("received_on", Date, nullable=False),
        Column("proposed_due_on", Date),
        Column("status", String, nullable=False, index=True),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    Table(
        "review",
        md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey("report.id"), nullable=False, unique=True),
        Column("decision", String, nullable=False),
        Column("reason", String),
        Column("reviewed_on", Date, nullable=False),
        Column("new_due_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    Table(
        "event",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), index=True),
        Column("action", String, nullable=False, index=True),
        Column("detail", Text, nullable=False),
        Column("actor", String, nullable=False),
        Column("recorded_at", TIMESTAMP, nullable=False),
        Column("effective_on", Date, nullable=False),
    )
    Table(
        "calendar_year",
        md,
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("source", String, nullable=False),
        Column("papers", Text),
        Column("loaded_at", TIMESTAMP, nullable=False),
        Column("loaded_by", String, nullable=False),
    )
    Table(
        "calendar_day",
        md,
        Column("id", Integer, primary_key=True),
        Column("day", Date, nullable=False, index=True),
        Column("off", Boolean, nullable=False),
        Column("name", String, nullable=False),
        Column("set_by_office", Boolean, nullable=False),
        UniqueConstraint("day", "set_by_office", name="uq_calendar_day"),
    )
    Table(
        "setting",
        md,
        Column("key", String, primary_key=True),
        Column("value", String, nullable=False),
    )
    md.create_all(conn)


# The numbered list.  Append only.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "units, matters, assignments, reports, reviews, history, calendar", _m0001_initial),
]

LATEST = MIGRATIONS[-1][0]

_RECORD = Table(
    "schema_migration",
    MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False),
    Column("applied_at", TIMESTAMP, nullable=False),
)


def applied_versions(conn: Connection) -> set[int]:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(_RECORD.name):
        return set()
    return {row[0] for row in conn.execute(_RECORD.select().with_only_columns(_RECORD.c.version))}


def migrate(engine) -> list[int]:
    """Apply every step not yet recorded, each in its own transaction; return them.

    The check is a plain read, so a reader (the morning cron job) never waits for a
    clerk's write lock.  Each step re-reads the record inside its own write
    transaction, so two processes opening a new register at once apply it once.
    """
    with engine.execution_options(duban_read_only=True).begin() as conn:
        done = applied_versions(conn)
    if done and max(done) > LATEST:
        from duban.errors import RegisterError

        raise RegisterError(
            f"this register was written by a newer duban (schema {max(done)}, this one knows "
            f"{LATEST}): upgrade duban"
        )
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(20180507)")
            _RECORD.create(conn, checkfirst=True)
            if version in applied_versions(conn):
                continue
            step(conn)
            now = dt.datetime.now(dt.UTC)
            conn.execute(_RECORD.insert().values(version=version, name=name, applied_at=now))
        applied.append(version)
    return applied
