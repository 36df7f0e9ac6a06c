"""Engine and sessions: where the register lives and how it is opened.

Everything SQLite-specific lives here (pragmas, file mode, BEGIN IMMEDIATE); the
rest of the package speaks standard SQL through SQLModel, so a register can also be
a PostgreSQL database given as a URL, where each change takes the register's one
writer lock as it begins (`_postgresql_writers`), as BEGIN IMMEDIATE does on SQLite.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, create_engine

from duban.chain import LOCK_KEY
from duban.errors import BadValue, RegisterError
from duban.i18n import _
from duban.store import (
    BUSY_TIMEOUT_MS,
    damage_of,
    damaged,
    discard_if_unused,
    locate,
    prepare_file,
    probe,
)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see _begin below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")  # no committed change is lost on power loss
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # A writer takes the write lock at BEGIN: a deferred transaction that upgrades
        # later can fail with SQLITE_BUSY at once, which busy_timeout cannot wait out.
        options = conn.get_execution_options()
        # Foreign keys are checked row by row, except in a bulk write (the ledger's
        # import), which sets rows that point at each other at once and checks its new
        # rows itself before it commits (the pragma is fixed for a whole transaction, so
        # it is set here, before BEGIN, on every transaction).
        bulk = options.get("duban_bulk")
        conn.exec_driver_sql(f"PRAGMA foreign_keys = {'OFF' if bulk else 'ON'}")
        if options.get("duban_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            _begin_write(conn.connection.dbapi_connection)


def _begin_write(dbapi_conn: Any) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in turn with the other writers.

    SQLite's own busy handler waits longer and longer between tries (up to 100 ms), so
    a writer that has waited long loses the lock to each newcomer: with 8 processes
    writing at once a command waited 7 s, and past busy_timeout it failed with
    "database is locked".  Here every waiting writer tries again every few
    milliseconds, so each has the same chance whenever the lock comes free.
    """
    import random
    import sqlite3
    import time

    give_up = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    dbapi_conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_BUSY) & 0xFF
                if busy != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() > give_up:
                    raise RegisterError(
                        _(
                            "the register is busy: other changes held it for over {s} s; "
                            "nothing was written: run the command again"
                        ).format(s=BUSY_TIMEOUT_MS // 1000)
                    ) from exc
            time.sleep(random.uniform(0.001, 0.005))
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


PG_WRITE_WAIT_MS = 60_000  # how long a change on PostgreSQL waits for the one before


def _postgresql_writers(engine: Engine) -> None:
    """On PostgreSQL, one change at a time, as on SQLite: each writer takes one
    transaction-scoped lock (the history chain's, `chain.LOCK_KEY`) when it begins, so
    that what it reads and checks (the next number, a likely duplicate, "urged once a
    day") still holds when it commits.  Every change writes the chained history, which
    serialises writers anyway; taking the lock first makes the whole change one step,
    with no serialization failure or unique violation for anyone to see.  Readers take
    no lock.  A writer waits in turn up to PG_WRITE_WAIT_MS (a shared register has many
    more writers than a file: eight at once, each change taking up to a second on a
    loaded server, make a queue of several seconds), then is told the register is busy.
    """

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        if conn.get_execution_options().get("duban_read_only"):
            return
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {PG_WRITE_WAIT_MS}")
        try:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            raise RegisterError(
                _(
                    "the register is busy: other changes held it for over {s} s; "
                    "nothing was written: run the command again"
                ).format(s=PG_WRITE_WAIT_MS // 1000)
            ) from exc
        conn.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")


@dataclass
class Opened:
    """An open register: its engine (the caller disposes of it), and the file this
    opening created, if it created one."""

    engine: Engine
    created: Path | None = None


def open_engine(db: str | None, *, create: bool) -> Opened:
    """An engine for the register, migrated to this version.

    `create`: a command that changes the register may create it; one that only reads
    gets RegisterError (exit 5) where there is none.
    """
    where = locate(db)
    created = None
    if where.path is not None and prepare_file(
        where.path, create=create, default=not (db or os.environ.get("DUBAN_DB"))
    ):
        created = where.path
    try:
        engine = create_engine(where.url)
    except (ArgumentError, ImportError) as exc:
        raise BadValue(
            _("cannot use the register {db!r}: {error}").format(db=db, error=exc)
        ) from exc
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    elif engine.dialect.name == "postgresql":
        _postgresql_writers(engine)
    from duban.migrations import migrate

    try:
        migrate(engine, create=create)
        if engine.dialect.name == "sqlite" and where.path is not None:
            with engine.connect() as conn:
                probe(conn.connection.driver_connection, where.path)
    except DBAPIError as exc:  # locked, unreadable, not a database, server down
        engine.dispose()
        problem = damage_of(exc)
        if problem is not None:
            raise damaged(where.path or repr(engine.url), problem) from exc
        raise RegisterError(
            _("cannot open the register {where}: {error}").format(
                where=repr(engine.url), error=exc.orig
            )
        ) from exc
    except BaseException:
        engine.dispose()
        if created is not None:
            discard_if_unused(created)
        raise
    return Opened(engine, created)


def engine_for(db: str | None, *, create: bool = True) -> Engine:
    """An engine for the register, migrated to this version; the caller disposes of it."""
    return open_engine(db, create=create).engine


def empty_engine() -> Engine:
    """A register in memory, with nothing in it: the package's calendar, the defaults.

    The calendar commands answer from it where no register exists yet.
    """
    from sqlalchemy.pool import StaticPool

    from duban.migrations import migrate

    engine = create_engine("sqlite://", poolclass=StaticPool)
    _sqlite_pragmas(engine)
    migrate(engine)
    return engine


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for a moment: a commit and the note that it happened are
    one step, so no interruption can make a committed change look unmade."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def transaction(
    engine: Engine, on_commit: Callable[[], None] | None = None, *, bulk: bool = False
) -> Iterator[Session]:
    """One change, one transaction: committed whole, or rolled back whole.

    `on_commit` runs with the commit, before any interruption can arrive.  `bulk`: on
    SQLite, foreign keys are not checked row by row (see `_sqlite_pragmas`); the writer
    checks its rows with `unlinked_rows` before the commit.
    """
    if bulk:
        engine = engine.execution_options(duban_bulk=True)
    with Session(engine, expire_on_commit=False) as session:
        session.begin()
        yield session
        with _signals_held():
            session.commit()
            if on_commit is not None:
                on_commit()


def unlinked_rows(conn: Any, table: str, first_id: int) -> list[tuple[str, int]]:
    """The rows of `table` with an id above `first_id` whose foreign keys point at no row,
    as (column, id): what SQLite would have refused had it checked them as they came.
    One pass over the rows for all the table's keys (the import checks each chunk it
    writes)."""
    keys = [(fk[3], fk[2], fk[4] or "id")
            for fk in conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").all()]  # fmt: skip
    if not keys:
        return []
    tests = [
        f"(t.{column} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {parent} p WHERE p.{key} = t.{column}))"
        for column, parent, key in keys
    ]
    found: list[tuple[str, int]] = []
    for row in conn.exec_driver_sql(
        f"SELECT t.id, {', '.join(tests)} FROM {table} t WHERE t.id > ? AND ({' OR '.join(tests)}) "
        "LIMIT 5",
        (first_id,),
    ):
        found += [
            (column, row[0]) for (column, _p, _k), bad in zip(keys, row[1:], strict=True) if bad
        ]
    return found


def set_indexes_aside(conn: Any, tables: Sequence[str]) -> list[str]:
    """Drop the plain (not unique) indexes of `tables` in a bulk write's transaction; the
    statements that make them again, for `make_indexes` before it commits.

    SQLite builds an index from all its rows at once (sorted) faster than it adds to it
    row by row: 100,000 imported matters took 1.2 s less to write and 0.5 s to index.
    The DROP is part of the transaction, so a write killed or rolled back keeps every
    index, and readers meanwhile see the register as it was.  Unique indexes stay: they
    are the register's guard against a duplicate code."""
    marks = ", ".join("?" for _ in tables)
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).all()
    again = []
    for name, sql in found:
        if sql.lstrip().upper().startswith("CREATE UNIQUE"):
            continue
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
        again.append(sql)
    return again


def make_indexes(conn: Any, statements: Sequence[str]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read: no write lock, nothing committed."""
    ro = engine.execution_options(duban_read_only=True)
    with Session(ro, expire_on_commit=False) as session, session.begin():
        yield session
