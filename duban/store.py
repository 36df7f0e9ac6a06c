"""Where the register is, and how a read reaches it without the ORM.

Light on purpose: `duban list`, `overdue` and `show` read through `connect` with the
database driver alone (sqlite3, or psycopg for a shared register), so they start as
fast as `duban --version`.  Writes go through SQLModel (`duban.db`), which uses the
same `locate` and `prepare_file`.
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duban.errors import BadValue, Damaged, RegisterError
from duban.i18n import _

# The schema version this duban writes: `migrations.LATEST` (a test holds them equal).
SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 10_000  # a cron job and a clerk writing at once wait, not fail


@dataclass(frozen=True)
class Location:
    """Where a register is: its URL, and its file for a SQLite register on disk."""

    url: str
    path: Path | None = None


def locate(db: str | None) -> Location:
    """`--db` / `DUBAN_DB`: a path or a database URL; default the user's data folder."""
    value = db or os.environ.get("DUBAN_DB")
    if value and "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        # A SQLite URL names a file like a path does, and gets the same care.
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return Location(value, Path(value[len("sqlite:///") :].split("?", 1)[0]))
        return Location(value)
    path = Path(value).expanduser() if value else default_path()
    return Location(f"sqlite:///{path}", path)


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("duban", appauthor=False) / "register.db"


def prepare_file(path: Path, *, create: bool, default: bool) -> bool:
    """Make sure a register file can be opened; create it (0600) only for a change.

    Returns whether this call created it.  A command that only reads never creates a
    register: a mistyped DUBAN_DB must not look like an empty register to cron.
    """
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as exc:  # a name too long, a loop of links: not a path to use
        raise BadValue(
            _("cannot use the register {path}: {reason}").format(
                path=path, reason=_(str(exc.strerror or exc))
            )
        ) from exc
    if is_dir:
        raise BadValue(_("the register {path} is a folder: give a file name").format(path=path))
    if exists:
        return False
    if not create:
        raise RegisterError(
            _(
                "there is no register at {where}: check --db or DUBAN_DB "
                "(a command that changes the register creates it)"
            ).format(where=path)
        )
    if default:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:  # no home, or one that cannot be written
            raise RegisterError(
                _(
                    "cannot create the register in the user's data folder {folder}: {reason}; "
                    "give one with --db or DUBAN_DB"
                ).format(folder=path.parent, reason=_(str(exc.strerror or exc)))
            ) from exc
    if not path.parent.is_dir():
        raise BadValue(
            _("cannot create the register {path}: folder {folder} does not exist").format(
                path=path, folder=path.parent
            )
        )
    try:
        # The owner alone may read it; SQLite gives its -wal and -shm files the same mode.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise BadValue(
            _("cannot create the register {path}: {reason}").format(
                path=path, reason=_(str(exc.strerror))
            )
        ) from exc
    os.close(fd)
    return True


# SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB (the
# extended codes, SQLITE_CORRUPT_INDEX and the like, carry them in their low byte); and
# PostgreSQL's SQLSTATEs data_corrupted, index_corrupted.
_SQLITE_DAMAGE = (11, 26)
_SQLITE_WORDS = ("malformed", "not a database", "corrupt")
_PG_DAMAGE = ("XX001", "XX002")


def damage_of(exc: BaseException) -> str | None:
    """What the database driver said, if the error says the register's file is damaged
    (a page overwritten, random bytes, a file that is no database); None otherwise.
    Takes the driver's error or SQLAlchemy's wrapping of it."""
    orig = getattr(exc, "orig", None) or exc
    if type(orig).__module__ == "sqlite3" or isinstance(orig, _sqlite_error()):
        code = getattr(orig, "sqlite_errorcode", None)
        text = str(orig)
        if (code is not None and code & 0xFF in _SQLITE_DAMAGE) or any(
            w in text.lower() for w in _SQLITE_WORDS
        ):
            return text
        return None
    if getattr(orig, "sqlstate", None) in _PG_DAMAGE:
        return str(orig).strip().splitlines()[0]
    return None


def _sqlite_error() -> type:
    import sqlite3

    return sqlite3.DatabaseError


def damaged(where: object, problem: str) -> Damaged:
    """The one message of a damaged register: what is wrong, and what to do."""
    return Damaged(
        _(
            "the register {where} is damaged or is not a register ({problem}); nothing was "
            "written: run `duban check`, then restore a backup (`duban restore FILE`)"
        ).format(where=where, problem=problem)
    )


def probe(conn: Any, where: object) -> None:
    """Read the first and the last row of every table of a SQLite register: a page
    damaged at a table's root, or at either end of it, is found before any command
    uses the register, not halfway through one (or never, by a command that does not
    read that table).  A few hundred microseconds; `duban check` reads every page.
    Damaged (exit 5) when a read fails as a damaged file does."""
    try:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for name in tables:
            quoted = '"' + name.replace('"', '""') + '"'
            conn.execute(f"SELECT * FROM {quoted} LIMIT 1").fetchall()
            if not name.startswith("sqlite_"):
                conn.execute(f"SELECT * FROM {quoted} ORDER BY rowid DESC LIMIT 1").fetchall()
    except Exception as exc:
        problem = damage_of(exc)
        if problem is not None:
            raise damaged(where, problem) from exc
        # anything else (a lock, a table of another shape) is the command's to meet


def discard_if_unused(path: Path) -> None:
    """Remove a register this run created when its first change failed.

    Bad input writes nothing, not even an empty register file; a register that holds
    any history entry is never touched.
    """
    import sqlite3

    try:
        with closing(sqlite3.connect(path)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "history" in tables and conn.execute("SELECT 1 FROM history").fetchone():
                return
    except sqlite3.Error:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def connect(db: str | None) -> tuple[Any, str]:
    """A DB-API connection for reading, and its dialect (`sqlite` or `postgresql`).

    Never creates a register (RegisterError where there is none).  SQLite runs in WAL
    mode, so this reader does not wait for a writer, nor a writer for it.
    """
    where = locate(db)
    if where.path is not None:
        prepare_file(where.path, create=False, default=False)
        import sqlite3

        try:
            conn = sqlite3.connect(where.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute("BEGIN")  # one snapshot for every query of the command
        except sqlite3.Error as exc:
            raise RegisterError(
                _("cannot open the register {where}: {error}").format(where=where.path, error=exc)
            ) from exc
        return conn, "sqlite"
    if where.url.startswith("postgresql"):
        try:
            import psycopg
        except ImportError as exc:
            raise BadValue(
                _("a PostgreSQL register needs `pip install 'duban[postgres]'`")
            ) from exc
        url = "postgresql://" + where.url.split("://", 1)[1]
        try:
            conn = psycopg.connect(url, connect_timeout=10)
            conn.read_only = True
        except psycopg.Error as exc:
            raise RegisterError(_("cannot open the register: {error}").format(error=exc)) from exc
        return conn, "postgresql"
    raise BadValue(
        _("cannot read the register {db!r}: give a file path or a PostgreSQL URL").format(db=db)
    )
