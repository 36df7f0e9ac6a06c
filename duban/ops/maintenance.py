"""Keeping the register itself: backups, restores and checks (issue 11).

A SQLite register is one file, and these work on the file with the database driver
(sqlite3), not through the ORM: a backup is SQLite's own backup API, which copies a
consistent snapshot while other processes go on writing (WAL mode: a reader never
waits for a writer, nor a writer for it); a restore replaces the register's rows in
one write transaction, so that a process with the register open sees the old register
or the restored one, never half of each, and a crash leaves the old one.  This is
SQLite's side of the register and so SQLite-only; a PostgreSQL register is kept with
the server's own tools (pg_dump, pg_restore), and `check` runs there too, without the
page checks that are SQLite's.

`check` runs what is cheap: SQLite's integrity and foreign-key checks, the schema
version, and duban's own consistency checks (every matter and every unit's part has
its deadline in force, a report belongs to its unit's matter, codes follow their year
and number, every matter's registration is in the history, statuses and history
actions are words duban knows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from contextlib import AbstractContextManager, closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duban.errors import BadValue, RegisterError
from duban.i18n import N_, _
from duban.store import BUSY_TIMEOUT_MS, SCHEMA_VERSION, connect, locate, prepare_file
from duban.vocab import ACTION, ASSIGNMENT_STATUS, MATTER_STATUS, REPORT_STATUS

# The tables a register has from its first release on: a file without them is not one.
CORE_TABLES = ("schema_migration", "matter", "unit")
EXAMPLES = 5  # rows named per finding


# -- check --------------------------------------------------------------------------


@dataclass
class Finding:
    """One of duban's consistency checks that found rows: what, how many, which."""

    check: str
    count: int
    message: str
    examples: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """What `check` found.  `damage` is the database's own (SQLite's integrity and
    foreign-key checks, an unreadable file, a schema newer than this duban);
    `findings` are duban's consistency checks."""

    register: str
    dialect: str
    schema: int | None = None
    integrity: str = "ok"  # "ok", "not checked" (PostgreSQL), or SQLite's first problem
    damage: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    matters: int | None = None
    checks: list[str] = field(default_factory=list)  # the names of the checks run
    notes: list[str] = field(default_factory=list)  # what was not checked, and why

    @property
    def damaged(self) -> bool:
        return bool(self.damage)

    @property
    def ok(self) -> bool:
        return not self.damage and not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "register": self.register,
            "dialect": self.dialect,
            "schema": self.schema,
            "latest": SCHEMA_VERSION,
            "integrity": self.integrity,
            "damage": list(self.damage),
            "findings": [
                {"check": f.check, "count": f.count, "message": f.message, "examples": f.examples}
                for f in self.findings
            ],
            "matters": self.matters,
            "checks": list(self.checks),
            "notes": list(self.notes),
        }


def check_register(db: str | None, *, quick: bool = False, rows: bool = True) -> Checked:
    """Check the register at `db` (never creates one; RegisterError where there is none).

    `quick`: SQLite's quick_check instead of integrity_check (it skips the check that
    every index agrees with its table: minutes saved on a register of a million matters).
    """
    where = locate(db)
    name = str(where.path) if where.path is not None else _hide_password(where.url)
    if where.path is not None:
        prepare_file(where.path, create=False, default=False)
    conn, dialect = connect(db)
    checked = Checked(name, dialect)
    try:
        if dialect == "sqlite":
            _check_pages(conn, checked, quick=quick)
        else:
            checked.integrity = "not checked"  # the server keeps its own pages
        if not checked.damaged:
            _check_schema(conn, checked)
        if not checked.damaged and rows:
            if checked.schema == SCHEMA_VERSION:
                _check_rows(conn, checked)
            else:
                checked.matters = _rows(conn, "SELECT count(*) FROM matter")[0][0]
                checked.notes.append(
                    _(
                        "schema {schema} is older than this duban's {latest}: its own checks "
                        "run once the register is brought up to date (duban init)"
                    ).format(schema=checked.schema, latest=SCHEMA_VERSION)
                )
    except sqlite3.DatabaseError as exc:  # not a database, a page unreadable midway
        checked.integrity = checked.integrity if checked.damage else str(exc)
        checked.damage.append(str(exc))
    finally:
        with _quietly():
            conn.close()
    return checked


def check_file(path: Path, *, quick: bool = False, rows: bool = True) -> Checked:
    """`check_register` on a SQLite file named directly (a backup)."""
    return check_register(f"sqlite:///{path}", quick=quick, rows=rows)


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _quietly() -> AbstractContextManager[None]:
    """Closing a damaged file, or syncing a folder, may fail again: that is no news."""
    return suppress(Exception)


def _check_pages(conn: sqlite3.Connection, checked: Checked, *, quick: bool) -> None:
    pragma = "quick_check" if quick else "integrity_check"
    checked.checks.append(pragma)
    problems: list[str] = []
    try:
        for (row,) in conn.execute(f"PRAGMA {pragma}(20)"):
            # A row may hold several lines, the first naming the database ("*** in ...").
            problems.extend(x for x in str(row).splitlines() if x and not x.startswith("***"))
    except sqlite3.DatabaseError as exc:  # the check itself stopped on a page it cannot read
        problems.append(str(exc))
    if problems != ["ok"]:
        checked.integrity = problems[0]
        checked.damage.extend(problems)
        return
    checked.checks.append("foreign_key_check")
    broken = conn.execute("PRAGMA foreign_key_check").fetchmany(EXAMPLES)
    for table, rowid, parent, _fk in broken:
        checked.damage.append(
            _("{table} row {rowid} points at no row of {parent}").format(
                table=table, rowid=rowid, parent=parent
            )
        )


def _tables(conn: Any, dialect: str) -> set[str]:
    if dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return {row[0] for row in _rows(conn, sql)}


def _rows(conn: Any, sql: str) -> list[tuple]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def _check_schema(conn: Any, checked: Checked) -> None:
    checked.checks.append("schema")
    tables = _tables(conn, checked.dialect)
    missing = [t for t in CORE_TABLES if t not in tables]
    if missing:
        checked.damage.append(
            _("not a duban register: it has no table {table}").format(table=missing[0])
        )
        return
    versions = sorted(v for (v,) in _rows(conn, "SELECT version FROM schema_migration"))
    checked.schema = versions[-1] if versions else None
    if versions != list(range(1, len(versions) + 1)):
        checked.damage.append(
            _("its schema steps are {versions}, not 1 to {top} in turn").format(
                versions=", ".join(map(str, versions)) or "-", top=checked.schema or 0
            )
        )
    elif checked.schema is not None and checked.schema > SCHEMA_VERSION:
        checked.damage.append(
            _(
                "it was written by a newer duban (schema {version}, this one knows {known}): "
                "upgrade duban"
            ).format(version=checked.schema, known=SCHEMA_VERSION)
        )


# duban's own consistency checks: (name, message, SQL returning one example per row).
# Standard SQL, so that they run on SQLite and PostgreSQL alike; each is served by an
# index or reads a table once.
ROW_CHECKS: list[tuple[str, str, str]] = [  # the messages are translated where found
    (
        "matter_deadline",
        N_("matter(s) without their deadline in force"),
        "SELECT m.code FROM matter m LEFT JOIN deadline d ON d.id = m.deadline_id "
        "AND d.matter_id = m.id AND d.assignment_id IS NULL WHERE d.id IS NULL ORDER BY m.id",
    ),
    (
        "assignment_deadline",
        N_("unit assignment(s) without their deadline in force or their original deadline"),
        "SELECT m.code FROM assignment a JOIN matter m ON m.id = a.matter_id "
        "LEFT JOIN deadline d ON d.id = a.deadline_id AND d.assignment_id = a.id "
        "LEFT JOIN deadline o ON o.id = a.original_deadline_id AND o.assignment_id = a.id "
        "WHERE d.id IS NULL OR o.id IS NULL ORDER BY a.id",
    ),
    (
        "deadline_matter",
        N_("unit deadline(s) filed under another matter than their unit's"),
        "SELECT m.code FROM deadline d JOIN assignment a ON a.id = d.assignment_id "
        "JOIN matter m ON m.id = d.matter_id WHERE a.matter_id <> d.matter_id ORDER BY d.id",
    ),
    (
        "report_matter",
        N_("report(s) filed under another matter than their unit's"),
        "SELECT m.code FROM report r JOIN assignment a ON a.id = r.assignment_id "
        "JOIN matter m ON m.id = r.matter_id WHERE a.matter_id <> r.matter_id ORDER BY r.id",
    ),
    (
        "review_report",
        N_("reviewed report(s) still waiting for review"),
        "SELECT m.code FROM review v JOIN report r ON r.id = v.report_id "
        "JOIN matter m ON m.id = r.matter_id WHERE r.status = 'pending' ORDER BY v.id",
    ),
    (
        "closed_on",
        N_("closed matter(s) without the day they closed"),
        "SELECT code FROM matter WHERE status = 'closed' AND closed_on IS NULL ORDER BY id",
    ),
    (
        "matter_history",
        N_("matter(s) whose registration is not in the history"),
        # NOT IN, not a correlated NOT EXISTS: SQLite would search the history by its
        # action for every matter (quadratic: 10 minutes at 100k matters).
        "SELECT code FROM matter WHERE id NOT IN (SELECT matter_id FROM history "
        "WHERE action = 'matter.register' AND matter_id IS NOT NULL) ORDER BY id",
    ),
]


def _check_rows(conn: Any, checked: Checked) -> None:
    checked.matters = _rows(conn, "SELECT count(*) FROM matter")[0][0]
    for name, message, sql in ROW_CHECKS:
        checked.checks.append(name)
        found = [str(row[0]) for row in _rows(conn, sql)]
        if found:
            checked.findings.append(Finding(name, len(found), _(message), found[:EXAMPLES]))
    _check_words(conn, checked)
    _check_codes(conn, checked)


def _check_words(conn: Any, checked: Checked) -> None:
    words = [
        ("matter_status", "SELECT DISTINCT status FROM matter", MATTER_STATUS.terms),
        ("assignment_status", "SELECT DISTINCT status FROM assignment", ASSIGNMENT_STATUS.terms),
        ("report_status", "SELECT DISTINCT status FROM report", REPORT_STATUS.terms),
        ("history_action", "SELECT DISTINCT action FROM history", ACTION.terms),
    ]
    for name, sql, known in words:
        checked.checks.append(name)
        odd = sorted(str(w) for (w,) in _rows(conn, sql) if w not in known)
        if odd:
            checked.findings.append(
                Finding(
                    name,
                    len(odd),
                    _("words duban does not know: {name}").format(name=name),
                    odd[:EXAMPLES],
                )  # fmt: skip
            )


def _check_codes(conn: Any, checked: Checked) -> None:
    """Every code is DB-YEAR-NNNN of its own year and number (`vocab.format_code`)."""
    from duban.vocab import format_code

    checked.checks.append("matter_code")
    cur = conn.cursor()
    try:
        cur.execute("SELECT code, year, seq FROM matter ORDER BY id")
        odd = []
        while rows := cur.fetchmany(10_000):
            odd.extend(code for code, year, seq in rows if code != format_code(year, seq))
    finally:
        cur.close()
    if odd:
        checked.findings.append(
            Finding(
                "matter_code",
                len(odd),
                _("matter code(s) not of their year and number"),
                odd[:EXAMPLES],
            )  # fmt: skip
        )


# -- backup -------------------------------------------------------------------------


@dataclass
class Copied:
    """A backup written, or a backup restored."""

    register: str
    file: str
    bytes: int
    sha256: str
    schema: int | None
    matters: int
    history_entries: int
    aside: str | None = None  # restore: where the register as it was is kept
    took: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def sqlite_path(db: str | None, *, command: str) -> Path:
    """The register's file; BadValue for a PostgreSQL register (its server's tools)."""
    where = locate(db)
    if where.path is None:
        if command == "backup":
            raise BadValue(
                _(
                    "duban backup copies a SQLite register; back up a PostgreSQL register "
                    "with the server's tools: pg_dump --format=custom --file FILE DATABASE"
                )
            )
        raise BadValue(
            _(
                "duban restore restores a SQLite register; restore a PostgreSQL register "
                "with the server's tools: pg_restore --clean --dbname DATABASE FILE"
            )
        )
    return where.path.expanduser()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _new_private_file(path: Path) -> None:
    """An empty file only its owner may read and write (0600), which must not exist."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of `source`'s database into the new file `target` (0600), as a
    file of its own (no -wal beside it), synced to disk."""
    _new_private_file(target)
    with closing(sqlite3.connect(target, isolation_level=None)) as out:
        # All pages in one step: one read transaction, one snapshot, while others write.
        source.backup(out)
        out.execute("PRAGMA journal_mode = DELETE")
    _fsync(target)


def _figures(path: Path) -> tuple[int | None, int, int]:
    """(schema version, matters, history entries) of a register file."""
    with closing(_open(path)) as conn:
        schema = conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
        matters = conn.execute("SELECT count(*) FROM matter").fetchone()[0]
        history = conn.execute("SELECT count(*) FROM history").fetchone()[0]
    return schema, matters, history


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sync_folder(folder: Path) -> None:
    with _quietly():
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _writable_target(target: Path, *, force: bool, register: Path) -> None:
    if _same_file(target, register):
        raise BadValue(_("{file} is the register itself: give another file").format(file=target))
    if target.is_dir():
        raise BadValue(_("{file} is a folder: give a file name").format(file=target))
    if (target.exists() or target.is_symlink()) and not force:
        raise BadValue(
            _("{file} already exists: give another name, or --force to replace it").format(
                file=target
            )
        )
    if not target.parent.is_dir():
        raise BadValue(
            _("cannot write {file}: folder {folder} does not exist").format(
                file=target, folder=target.parent
            )
        )


def backup(db: str | None, target: Path, *, force: bool = False) -> Copied:
    """`duban backup FILE`: a consistent copy of the SQLite register, taken while others
    write, into FILE (mode 0600), written beside it under a temporary name and renamed
    into place, so that FILE is either the old file or the whole backup."""
    began = dt.datetime.now(dt.UTC)
    register = sqlite_path(db, command="backup")
    prepare_file(register, create=False, default=False)
    target = target.expanduser()
    _writable_target(target, force=force, register=register)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with closing(_open(register)) as source:
            _refuse_non_register(source, register)
            try:
                _copy(source, tmp)
            except PermissionError as exc:
                raise BadValue(
                    _("cannot write {file}: {reason}").format(file=target, reason=_(exc.strerror))
                ) from exc
        schema, matters, history = _figures(tmp)
        os.replace(tmp, target)
        _sync_folder(target.parent)
    except sqlite3.Error as exc:
        raise RegisterError(
            _("cannot back up the register {register}: {error}").format(
                register=register, error=exc
            )
        ) from exc
    finally:
        _remove_register_file(tmp)
    took = (dt.datetime.now(dt.UTC) - began).total_seconds()
    return Copied(
        str(register), str(target), target.stat().st_size, sha256_of(target), schema, matters,
        history, took=round(took, 3),
    )  # fmt: skip


def _refuse_non_register(conn: sqlite3.Connection, path: Path) -> None:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise RegisterError(
            _("{file} is not a duban register: {error}").format(file=path, error=exc)
        ) from exc
    missing = [t for t in CORE_TABLES if t not in tables]
    if missing:
        raise RegisterError(
            _("{file} is not a duban register: it has no table {table}").format(
                file=path, table=missing[0]
            )
        )


# -- restore ------------------------------------------------------------------------


def aside_name(register: Path, now: dt.datetime) -> Path:
    """Where the register as it was is kept: REGISTER.before-restore-YYYYMMDDTHHMMSSZ
    (the time in UTC)."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = register.with_name(f"{register.name}.before-restore-{stamp}")
    n = 1
    while path.exists():
        n += 1
        path = register.with_name(f"{register.name}.before-restore-{stamp}-{n}")
    return path


def restore(db: str | None, source: Path, *, user: str) -> Copied:
    """`duban restore FILE`: put a backup in the register's place.

    FILE must be a healthy duban register (SQLite's integrity and foreign-key checks,
    a schema this duban knows); it is copied, brought up to this version, and its
    history records the restore (`restore.apply`).  The register as it was is kept
    beside it (REGISTER.before-restore-<time>, mode 0600).  A healthy register is
    replaced in one write transaction, while other processes may have it open; one that
    is damaged (or missing) is moved aside whole and the copy renamed into its place.
    """
    from duban.context import open_register

    began = dt.datetime.now(dt.UTC)
    register = sqlite_path(db, command="restore")
    source = source.expanduser()
    if not source.is_file():
        reason = _("Is a directory") if source.is_dir() else _("No such file or directory")
        raise BadValue(_("cannot read {path}: {reason}").format(path=source, reason=reason))
    if _same_file(source, register):
        raise BadValue(_("{file} is the register itself: give a backup").format(file=source))
    if register.is_dir():
        raise BadValue(_("the register {path} is a folder: give a file name").format(path=register))
    if not (db or os.environ.get("DUBAN_DB")):  # the default register, on a new machine
        register.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not register.parent.is_dir():
        raise BadValue(
            _("cannot create the register {path}: folder {folder} does not exist").format(
                path=register, folder=register.parent
            )
        )
    digest = sha256_of(source)
    tmp = register.with_name(f".{register.name}.restore-{os.getpid()}.tmp")
    aside = aside_name(register, began) if register.exists() else None
    try:
        try:
            with closing(_open(source, read_only=True)) as conn:
                _copy(conn, tmp)
        except sqlite3.Error as exc:
            raise BadValue(_not_a_backup(source, str(exc))) from exc
        checked = check_file(tmp, rows=False)  # an older schema: checked once migrated
        if checked.damaged:
            raise BadValue(_not_a_backup(source, checked.damage[0]))
        was = checked.schema
        with open_register(f"sqlite:///{tmp}", user=user):  # brought up to this version
            pass
        migrated = check_file(tmp)
        if not migrated.ok:
            problem = (migrated.damage or [_finding(f) for f in migrated.findings])[0]
            raise BadValue(_not_a_backup(source, problem))
        with open_register(f"sqlite:///{tmp}", user=user) as ctx:
            ctx.add_to_history(
                "restore.apply",
                ctx.today(),
                file=str(source.resolve()),
                sha256=digest,
                schema=was,
                matters=migrated.matters,
                aside=str(aside) if aside else None,
            )
        try:
            _put_in_place(tmp, register, aside, user=user)
            schema, matters, history = _figures(register)
        except sqlite3.Error as exc:
            raise RegisterError(
                _("cannot restore into the register {register}: {error}").format(
                    register=register, error=exc
                )
            ) from exc
    finally:
        _remove_register_file(tmp)
    took = (dt.datetime.now(dt.UTC) - began).total_seconds()
    return Copied(
        str(register), str(source), source.stat().st_size, digest, schema, matters, history,
        aside=str(aside) if aside else None, took=round(took, 3),
    )  # fmt: skip


def _finding(f: Finding) -> str:
    return f"{f.count} {f.message} ({', '.join(f.examples)})"


def _not_a_backup(source: Path, problem: str) -> str:
    return _("{file} is not a healthy duban register ({problem}): nothing was changed").format(
        file=source, problem=problem
    )


def _healthy(register: Path) -> bool:
    try:
        with closing(_open(register)) as conn:
            return conn.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok" and {
                "schema_migration",
                "history",
            } <= {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return False


def _put_in_place(tmp: Path, register: Path, aside: Path | None, *, user: str) -> None:
    if not register.exists():
        os.replace(tmp, register)
        _sync_folder(register.parent)
        return
    assert aside is not None
    if not _healthy(register):
        # A damaged register is moved aside whole, with its write-ahead log, so that the
        # restored file never reads the old log as its own.
        for suffix in ("-wal", ""):
            if Path(f"{register}{suffix}").exists():
                os.replace(f"{register}{suffix}", f"{aside}{suffix}")
        Path(f"{register}-shm").unlink(missing_ok=True)
        os.replace(tmp, register)
        _sync_folder(register.parent)
        return
    from duban.context import open_register

    with open_register(f"sqlite:///{register}", user=user):
        pass  # the register as it is, brought up to this version, like the copy
    _replace_rows(tmp, register, aside)


def _replace_rows(tmp: Path, register: Path, aside: Path) -> None:
    """The rows of `register` replaced by those of `tmp`, in one write transaction;
    the register as it was is first copied to `aside` under the same write lock, so
    that no change made meanwhile by another process is lost from both."""
    with closing(_open(register)) as live:
        live.execute("PRAGMA foreign_keys = OFF")  # checked as a whole below
        live.execute("ATTACH DATABASE ? AS restored", (str(tmp),))
        tables = _table_columns(live, "main")
        if tables != _table_columns(live, "restored"):
            raise RegisterError(
                _(
                    "the backup and the register differ in their tables after the upgrade: "
                    "nothing was changed"
                )  # fmt: skip
            )
        live.execute("BEGIN IMMEDIATE")  # no other process writes until COMMIT
        try:
            with closing(_open(register)) as reading:
                _copy(reading, aside)  # what the register holds now, under our lock
            for table, columns in tables.items():
                cols = ", ".join(f'"{c}"' for c in columns)
                live.execute(f'DELETE FROM main."{table}"')
                live.execute(
                    f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM restored."{table}"'
                )
            if live.execute("PRAGMA main.foreign_key_check").fetchone() is not None:
                raise RegisterError(
                    _("the restored rows do not hold together: nothing was changed")
                )
            live.execute("COMMIT")
        except BaseException:
            live.execute("ROLLBACK")
            aside.unlink(missing_ok=True)  # the register is as it was: nothing to keep
            raise
        finally:
            with _quietly():
                live.execute("DETACH DATABASE restored")


def _table_columns(conn: sqlite3.Connection, schema: str) -> dict[str, list[str]]:
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND (name NOT LIKE 'sqlite_%' OR name = 'sqlite_sequence') ORDER BY name"
        )
    ]
    return {
        name: sorted(r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{name}")'))
        for name in names
    }


def _remove_register_file(path: Path) -> None:
    """A SQLite file gone with the files SQLite keeps beside it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
