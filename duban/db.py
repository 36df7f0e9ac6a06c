"""Engine and sessions: where the register lives and how it is opened.

Everything SQLite-specific lives here (pragmas, file mode, BEGIN IMMEDIATE); the
rest of the package speaks standard SQL through SQLModel, so a register can also be
a PostgreSQL database given as a URL.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, create_engine

from duban.errors import BadValue, RegisterError
from duban.i18n import _
from duban.store import BUSY_TIMEOUT_MS, discard_if_unused, locate, prepare_file


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
        if conn.get_execution_options().get("duban_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


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
    from duban.migrations import migrate

    try:
        migrate(engine, create=create)
    except DBAPIError as exc:  # locked, unreadable, not a database, server down
        engine.dispose()
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
def transaction(engine: Engine, on_commit: Callable[[], None] | None = None) -> Iterator[Session]:
    """One change, one transaction: committed whole, or rolled back whole.

    `on_commit` runs with the commit, before any interruption can arrive.
    """
    with Session(engine, expire_on_commit=False) as session:
        session.begin()
        yield session
        with _signals_held():
            session.commit()
            if on_commit is not None:
                on_commit()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read: no write lock, nothing committed."""
    ro = engine.execution_options(duban_read_only=True)
    with Session(ro, expire_on_commit=False) as session, session.begin():
        yield session
