"""Engine and sessions: where the register lives and how it is opened.

Everything SQLite-specific lives here (pragmas, file mode, BEGIN IMMEDIATE); the
rest of the package speaks standard SQL through SQLModel, so a register can also be
a PostgreSQL database given as a URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, create_engine

from duban.errors import BadValue, RegisterError

BUSY_TIMEOUT_MS = 10_000  # a cron job and a clerk writing at once wait, not fail


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("duban", appauthor=False) / "register.db"


def resolve_url(db: str | None) -> str:
    """`--db` / `DUBAN_DB`: a path or a database URL; default the user's data folder."""
    value = db or os.environ.get("DUBAN_DB")
    if value and "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    if value:
        path = Path(value).expanduser()
        if not path.parent.is_dir():
            raise BadValue(
                f"cannot create the register {path}: folder {path.parent} does not exist"
            )
    else:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _create_private(path)
    return f"sqlite:///{path}"


def _create_private(path: Path) -> None:
    """Create the register file readable by its owner only (0600) if it is new.

    SQLite gives its -wal and -shm files the mode of the database file.
    """
    if path.exists():
        if path.is_dir():
            raise BadValue(f"the register {path} is a folder: give a file name")
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise BadValue(f"cannot create the register {path}: {exc.strerror}") from exc
    os.close(fd)


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


def engine_for(db: str | None) -> Engine:
    """An engine for the register, migrated to this version; the caller disposes of it."""
    url = resolve_url(db)
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise BadValue(f"cannot use the register {db!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    from duban.migrations import migrate

    try:
        migrate(engine)
    except DBAPIError as exc:  # locked, unreadable, not a database, server down
        engine.dispose()
        raise RegisterError(f"cannot open the register {engine.url!r}: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One change, one transaction: committed whole, or rolled back whole."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read: no write lock, nothing committed."""
    ro = engine.execution_options(duban_read_only=True)
    with Session(ro, expire_on_commit=False) as session, session.begin():
        yield session
