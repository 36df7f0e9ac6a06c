"""Fixtures shared by the tests: a fresh register per test, one CLI runner, a few units.

`Cli` is the one way tests run `duban`: in-process, through Typer's CliRunner, against
a register (a file in the test's own tmp_path, or a URL), as the user TEST_USER.
`cli(*args, env=None)` returns the Result; `cli.check(*args, code=0)` also asserts the
exit code and parses the JSON printed into `result.data`.  This Typer's CliRunner
always keeps the streams apart: `result.stdout` is what the command printed for
scripts, `result.stderr` the one-line messages and warnings, and `result.output` both,
interleaved as a terminal would show them.

The environment is pinned so that nothing leaks in from the machine running the tests:
no DUBAN_TZ or DUBAN_DEBUG, English labels, no colour.  A test that needs one of them
passes it in `env` (a value of None removes a variable).  The clock is pinned too:
"today" is PINNED_NOW (DUBAN_NOW), for the CLI and for the registers of `fresh_db`, after
every business date the scenes here use, since a register takes none after today
(setting `future_days`); a test that needs another today passes DUBAN_NOW in `env`.

The `cli` fixture's register exists, empty (as `duban init` makes it); `Cli(path)` on a
path of its own starts with none.  `ctx` is a `duban.context.Context` on a fresh
register, in one transaction, for the tests of `duban.ops` in-process.

The backend is a choice of the run: DUBAN_TEST_BACKEND=postgresql puts the test's
register (`db_path`, hence `cli`, `ctx`, `template`, `snapshot_of`) in a schema on the
server at DUBAN_TEST_PG (default 127.0.0.1:5432, database `test`), emptied and refilled
between tests (`PgRegister`), and deselects the tests marked `sqlite_only` (about the
SQLite file itself).  No server there is an error of the run, not a skip.  `db_path` is
then the register's URL, not a Path: a test that reads the file is SQLite's.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.testing import CliRunner, Result

from duban.cli.app import app
from duban.context import open_register

# The click command is built from the Typer app once, as in a process running `duban`,
# not again for every command CliRunner runs (about 30 ms each: half a test's time).
typer.testing._get_command = functools.cache(typer.testing._get_command)

TEST_USER = "督查室 测试员"

# "Today" for every test (DUBAN_NOW): after the last business date the scenes use.
PINNED_NOW = "2026-12-31T12:00:00+08:00"

# Where the tests' registers live: a SQLite file each (the default), or PostgreSQL.
BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("DUBAN_TEST_BACKEND", "").strip().lower() or "sqlite"
PG_BASE = os.environ.get("DUBAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

# Units with their registered heads (主要负责人), as `units` adds them.
UNITS = {
    "市住房和城乡建设局": {"code": "zjj", "head": "张建国", "kind": "department"},
    "市生态环境局": {"code": "sthjj", "head": "刘海燕", "kind": "department"},
    "市自然资源局": {"code": "zrzyj", "head": "赵志强", "kind": "department"},
    "市教育局": {"code": "jyj", "head": "李明", "kind": "department"},
    "东胜区人民政府": {"code": "dsq", "head": "刘伟", "kind": "district"},
}


# A small 2027 schedule for loading tests: 元旦 off 01-01 (Fri), 01-04 (Mon), 01-05 (Tue),
# make-up Saturday 01-09; 春节 off 02-06..12, make-up Saturday 02-20.
DAYS_2027 = [
    ("2027-01-01", True, "元旦"),
    ("2027-01-04", True, "元旦"),
    ("2027-01-05", True, "元旦"),
    ("2027-01-09", False, "元旦"),
    *((f"2027-02-{d:02d}", True, "春节") for d in range(6, 13)),
    ("2027-02-20", False, "春节"),
]


def _base_env(db: Path | str) -> dict[str, str | None]:
    return {
        "DUBAN_DB": str(db),
        "DUBAN_USER": TEST_USER,
        "DUBAN_LANG": "en",
        "NO_COLOR": "1",
        "DUBAN_TZ": None,
        "DUBAN_NOW": PINNED_NOW,
        "DUBAN_DEBUG": None,
    }


class Cli:
    """`cli(*args, env=None) -> Result`; `cli.db` is the register (a file, or a URL).

    `env` given here holds for every call (a fixed clock, another user).
    """

    def __init__(self, db: Path | str, env: dict[str, str | None] | None = None) -> None:
        self.db = db
        self.env = env or {}
        self.runner = CliRunner()

    def __call__(self, *args: Any, env: dict[str, str | None] | None = None) -> Result:
        full_env = {**_base_env(self.db), **self.env, **(env or {})}
        result = self.runner.invoke(app, [str(a) for a in args], env=full_env)
        assert "Traceback" not in result.output, result.output
        return result

    def check(self, *args: Any, code: int = 0, env: dict[str, str | None] | None = None) -> Result:
        """Run, assert the exit code, and parse the JSON printed (`result.data`)."""
        result = self(*args, env=env)
        assert result.exit_code == code, (args, result.stdout, result.stderr, result.exception)
        result.data = json.loads(result.stdout) if "--json" in args and code == 0 else None
        return result


def json_of(result: Result) -> Any:
    """The JSON a successful command printed on stdout (fails the test otherwise)."""
    assert result.exit_code == 0, (
        f"exit {result.exit_code}; stderr: {result.stderr!r}; exception: {result.exception!r}"
    )
    return json.loads(result.stdout)


def assert_error(result: Result, code: int, *fragments: str) -> str:
    """A clean failure: the exit code, one line on stderr naming the problem, no traceback.

    Returns the message.  Each fragment must appear in it.
    """
    assert result.exit_code == code, (
        f"expected exit {code}, got {result.exit_code}; stdout: {result.stdout!r}; "
        f"stderr: {result.stderr!r}; exception: {result.exception!r}"
    )
    # Only SystemExit (from typer.Exit) may end a command: any other exception escaped
    # the error handling and would be a traceback for a user.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    message = result.stderr
    assert message.startswith("duban: "), message
    assert message.count("\n") == 1, f"not one line: {message!r}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# -- plain helpers (usable outside fixtures, e.g. to build a template register) -----


def add_units(cli: Cli) -> dict[str, dict[str, str]]:
    """Add the five UNITS, each with its code, kind and registered head."""
    for name, unit in UNITS.items():
        result = cli(
            "unit",
            "add",
            name,
            "--code",
            unit["code"],
            "--head",
            unit["head"],
            "--kind",
            unit["kind"],
        )
        assert result.exit_code == 0, result.stderr
    return UNITS


def units_in(ctx: Any) -> dict[str, Any]:
    """In-process: add the five UNITS (code, head, kind); the Unit rows by name."""
    from duban.ops.units import add_unit

    return {
        name: add_unit(ctx, name, code=u["code"], head=u["head"], kind=u["kind"])
        for name, u in UNITS.items()
    }


def register_matter(
    cli: Cli,
    *options: Any,
    title: str = "研究解决城区供暖问题",
    source: str = "instruction",
    received: str = "2026-11-02",
) -> dict[str, Any]:
    """`duban register` a matter; its JSON."""
    return json_of(
        cli("register", title, "--source", source, "--received", received, *options, "--json")
    )


def signed_and_sealed(unit: str) -> list[str]:
    """The options of a written report signed by the unit's registered head and sealed."""
    return ["--written", "--signed-by", UNITS[unit]["head"], "--sealed"]


def enter_report(
    cli: Cli,
    code: str,
    unit: str,
    *options: Any,
    kind: str = "final",
    on: str = "2026-11-20",
    text: str = "已按要求办理完毕",
    complete: bool = True,
) -> dict[str, Any]:
    """`duban report` from one of UNITS; its JSON.

    A final report is written, signed by the unit's head and sealed unless
    `complete=False`.
    """
    extra = signed_and_sealed(unit) if kind == "final" and complete else []
    return json_of(
        cli(
            "report",
            code,
            "--unit",
            unit,
            "--kind",
            kind,
            "--text",
            text,
            "--on",
            on,
            *extra,
            *options,
            "--json",
        )
    )


@functools.cache
def benchmark(name: str) -> Any:
    """The module `benchmarks/NAME.py`, so that a test uses the very file a benchmark
    makes.  The benchmarks are scripts, not a package: each is loaded as Python runs
    it, with its folder first on the path (one imports another)."""
    import importlib.util
    import sys

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    spec = importlib.util.spec_from_file_location(f"duban_benchmark_{name}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def snapshot_of(db: Path | str) -> dict[str, object]:
    """Every table's schema and rows, in a stable order: to prove nothing was written.

    `db` is a register file, or a PostgreSQL URL (`db_path`, `cli.db` on that backend).
    """
    if isinstance(db, str) and db.startswith("postgresql"):
        return _pg_snapshot(db)
    if not Path(db).is_file():  # sqlite3 would make an empty one: nothing to compare
        raise FileNotFoundError(f"no register file at {db}")
    with closing(sqlite3.connect(db)) as conn:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return {
            name: (sql, sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr))
            for name, sql in tables
        }


def query(db: Path | str, sql: str, *params: Any) -> list[tuple]:
    """Run one SQL statement on the register `db` (a file or a PostgreSQL URL), committed;
    its rows ([] for a statement that returns none).  `?` marks a parameter on both."""
    if isinstance(db, str) and db.startswith("postgresql"):
        with pg_connect_to(db) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)
            return cur.fetchall() if cur.description is not None else []
    if not Path(db).is_file():  # sqlite3 would make an empty one
        raise FileNotFoundError(f"no register file at {db}")
    with closing(sqlite3.connect(db)) as conn, conn:
        return conn.execute(sql, params).fetchall()


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the test's register lives: a file in tmp_path (not made yet), or on
    PostgreSQL the URL of the suite's schema, emptied for this test (as `duban init`
    leaves it), with the user's data folder (attachments) in tmp_path."""
    if BACKEND == "sqlite":
        return tmp_path / "register.db"
    register: PgRegister = request.getfixturevalue("_pg_register")
    request.getfixturevalue("monkeypatch").setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    register.restore("empty")
    return register.url


def _init(cli: Cli) -> None:
    cli.check("init")


@pytest.fixture
def cli(db_path: Path | str, template: Callable[..., None]) -> Cli:
    """`duban` on the test's register, which exists (`duban init`) if no fixture made it."""
    if isinstance(db_path, Path) and not db_path.exists():
        template("empty", _init)
    return Cli(db_path)


def attachments_of(db: Path | str) -> Path:
    """The folder where the register `db` keeps attached files (setting attachments_dir
    unset): `REGISTER.files` beside a file; the user's data folder for a server."""
    if isinstance(db, Path):
        return Path(f"{db}.files")
    return Path(os.environ["XDG_DATA_HOME"]) / "duban" / "attachments"


@pytest.fixture(name="json_of")
def json_of_fixture() -> Callable[[Result], Any]:
    return json_of


@pytest.fixture(name="assert_error")
def assert_error_fixture() -> Callable[..., str]:
    return assert_error


@pytest.fixture(scope="session")
def _template_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {"root": tmp_path_factory.mktemp("templates")}


@pytest.fixture
def template(
    request: pytest.FixtureRequest, db_path: Path | str, _template_files: dict[str, Path]
) -> Callable[..., None]:
    """`template(name, build)`: give the test's register the state `build(cli)` makes.

    The state is built once per session, through the CLI like any other, into a
    register of its own, and each test gets a copy of that file (mode kept): many
    tests can start from the same scene without paying for it each time.  If the
    test's register already holds a change, `build` simply runs on it.  On PostgreSQL
    the scene is built in the test's schema the first time and its rows kept; later
    tests get those rows back (`PgRegister.restore`).
    """
    if not isinstance(db_path, Path):
        return _pg_template(request.getfixturevalue("_pg_register"))

    def _made(name: str, build: Callable[[Cli], Any]) -> Path:
        if name not in _template_files:
            path = _template_files["root"] / name / "register.db"
            path.parent.mkdir()
            if name != "empty":  # every scene starts from an empty register
                shutil.copy2(_made("empty", _init), path)
            build(Cli(path))
            with closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _template_files[name] = path
        return _template_files[name]

    def _template(name: str, build: Callable[[Cli], Any]) -> None:
        if db_path.exists() and _changed(db_path):
            build(Cli(db_path))
            return
        shutil.copy2(_made(name, build), db_path)

    return _template


def _changed(db: Path) -> bool:
    """Whether the register holds any change (a history entry)."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT 1 FROM history").fetchone() is not None


def _pg_template(register: PgRegister) -> Callable[..., None]:
    def _template(name: str, build: Callable[[Cli], Any]) -> None:
        if register.changed():
            build(Cli(register.url))
        elif name in register.states:
            register.restore(name)
        else:  # the schema is as `init` left it (db_path): build the scene once
            build(Cli(register.url))
            register.states[name] = register.capture()

    return _template


@pytest.fixture
def units(template: Callable[..., None]) -> dict[str, dict[str, str]]:
    """Five units, each with a code and a registered head (see UNITS)."""
    template("units", add_units)
    return UNITS


@pytest.fixture
def register(cli: Cli) -> Callable[..., dict[str, Any]]:
    """`register(*options, title=..., source=..., received=...)`: the new matter's JSON."""
    return functools.partial(register_matter, cli)


@pytest.fixture
def show(cli: Cli) -> Callable[[str], dict[str, Any]]:
    """`show(code)`: the matter as `duban show CODE --json` prints it."""

    def _show(code: str) -> dict[str, Any]:
        return json_of(cli("show", code, "--json"))

    return _show


@pytest.fixture
def report(cli: Cli) -> Callable[..., dict[str, Any]]:
    """`report(code, unit, *options, kind="final", on=...)`: the report's JSON (see
    enter_report)."""
    return functools.partial(enter_report, cli)


def build_assigned(cli: Cli) -> str:
    """DB-2026-0001, received Mon 2026-11-02 (due Mon 11-23); notified Tue 11-03:
    市住房和城乡建设局 leads, 东胜区人民政府 participates.  Adds UNITS if there are none."""
    if not json_of(cli("unit", "list", "--json")):  # the template starts empty
        add_units(cli)
    code = register_matter(cli, received="2026-11-02")["code"]
    result = cli(
        "assign",
        code,
        "--lead",
        "市住房和城乡建设局",
        "--participant",
        "东胜区人民政府",
        "--on",
        "2026-11-03",
    )
    assert result.exit_code == 0, result.stderr
    return code


@pytest.fixture
def assigned(template: Callable[..., None]) -> str:
    """The code of the matter build_assigned makes (with the five UNITS)."""
    template("assigned", build_assigned)
    return "DB-2026-0001"


FIXED_NOW = "2026-11-26T10:00:00+08:00"


@pytest.fixture
def checked_cli(cli: Cli) -> Callable[..., Result]:
    """`run(*args, code=0)`: `cli.check` with the clock fixed at 2026-11-26 10:00 Beijing
    time, as the user `tester`; `.data` is the JSON printed."""
    cli.env = {"DUBAN_USER": "tester", "DUBAN_NOW": FIXED_NOW, "COLUMNS": "120"}
    return cli.check


# -- registers for the tests of duban.ops, on SQLite and on PostgreSQL ---------------


def pg_connect():
    """A connection to the test server (127.0.0.1:5432, database test, or DUBAN_TEST_PG)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(PG_BASE, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server at {PG_BASE}: {exc}")


@pytest.fixture
def pg_schema():
    """A schema of its own on the test server, dropped afterwards: (URL, schema)."""
    schema = f"duban_{uuid.uuid4().hex[:12]}"
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}", schema
    finally:
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=[BACKEND])
def fresh_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The URL of a new, empty register on the run's backend: a SQLite file, or the
    PostgreSQL schema emptied for this test (`db_path`).

    `with open_register(fresh_db, user=...) as ctx:` is one change, committed at the end,
    "today" being PINNED_NOW there too.
    """
    monkeypatch.setenv("DUBAN_NOW", PINNED_NOW)
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ops.db'}"
    return request.getfixturevalue("db_path")


@pytest.fixture
def ctx(fresh_db: str):
    """A Context on a fresh register, in one transaction committed after the test."""
    with open_register(fresh_db, user=TEST_USER) as context:
        yield context


def changed(url: str, user: str = TEST_USER):
    """`with changed(url) as ctx:` one more change on the register at `url`."""
    return open_register(url, user=user)


# -- the run's backend: DUBAN_TEST_BACKEND=postgresql --------------------------------


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND not in BACKENDS:
        raise pytest.UsageError(
            f"DUBAN_TEST_BACKEND={BACKEND!r}: say sqlite (the default) or postgresql"
        )
    if BACKEND == "postgresql":
        try:
            import psycopg

            with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
                sql = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                superuser = conn.execute(sql).fetchone()[0]
        except Exception as exc:  # no driver, no server, refused: the run cannot be made
            raise pytest.UsageError(
                f"DUBAN_TEST_BACKEND=postgresql, but no PostgreSQL server answers at "
                f"{PG_BASE} ({' '.join(str(exc).split()) or type(exc).__name__}): start it, or set "
                f"DUBAN_TEST_PG to the URL of one"
            ) from None
        if not superuser:  # PgRegister.restore sets session_replication_role
            raise pytest.UsageError(
                f"DUBAN_TEST_BACKEND=postgresql: the role of {PG_BASE} must be a superuser "
                f"(the tests refill their schema with foreign keys set aside)"
            )


def pytest_report_header(config: pytest.Config) -> str:
    where = f" at {PG_BASE}" if BACKEND == "postgresql" else " (a file per test)"
    return f"duban test registers: {BACKEND}{where}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL the tests about the SQLite file itself are deselected, not skipped."""
    if BACKEND != "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


class PgRegister:
    """One schema on the test server that is each test's register in turn.

    Made and migrated once per session (`duban init`, about 1 s); between tests its
    rows are deleted and a kept state's rows put back (a few ms: `restore`), foreign
    keys and triggers set aside for that one transaction (session_replication_role, so
    the test role must be a superuser, as on the CI server), each sequence set past the
    largest id.  A state is {table: (columns, rows)} (`capture`), kept in `states` by
    name: "empty" (as `init` left it) and each scene `template` builds.
    """

    def __init__(self, conn: Any, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self.url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
        self.states: dict[str, dict[str, tuple[list[str], list[tuple]]]] = {}

    def build(self) -> None:
        """A new schema, migrated by `duban init`: the "empty" state."""
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.conn.execute(f'CREATE SCHEMA "{self.schema}"')
        Cli(self.url).check("init")
        self.tables = [
            name
            for (name,) in self.conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                (self.schema,),
            )
        ]
        sequences = self.conn.execute(
            """
            SELECT s.relname, t.relname, a.attname
            FROM pg_class s
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE s.relkind = 'S' AND n.nspname = %s
            """,
            (self.schema,),
        ).fetchall()
        q = f'"{self.schema}"'
        self.reset_sequences = "SELECT " + ", ".join(
            f'setval(\'{q}."{seq}"\', COALESCE((SELECT max("{col}") FROM {q}."{table}"), 0)'
            " + 1, false)"
            for seq, table, col in sequences
        )
        self.states["empty"] = self.capture()

    def capture(self) -> dict[str, tuple[list[str], list[tuple]]]:
        state = {}
        for table in self.tables:
            cur = self.conn.execute(f'SELECT * FROM "{self.schema}"."{table}"')
            state[table] = ([d.name for d in cur.description], cur.fetchall())
        return state

    def restore(self, name: str) -> None:
        """The schema holds the rows of the state `name` and nothing else.  A test that
        changed more than rows (a column, a table) gets a schema built anew."""
        try:
            self._restore(self.states[name])
        except Exception:
            self.build()  # the scenes' rows are kept: the schema is the same again
            self._restore(self.states[name])

    def _restore(self, state: dict[str, tuple[list[str], list[tuple]]]) -> None:
        q = f'"{self.schema}"'
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '10s'")  # a test left a lock: say so
            cur.execute("SET LOCAL session_replication_role = replica")
            for table in self.tables:
                cur.execute(f'DELETE FROM {q}."{table}"')
            for table, (columns, rows) in state.items():
                if rows:
                    names = ", ".join(f'"{c}"' for c in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    cur.executemany(f'INSERT INTO {q}."{table}" ({names}) VALUES ({marks})', rows)
            cur.execute(self.reset_sequences)

    def changed(self) -> bool:
        """Whether the register holds any change (a history entry)."""
        sql = f'SELECT 1 FROM "{self.schema}".history LIMIT 1'
        return self.conn.execute(sql).fetchone() is not None


@pytest.fixture(scope="session")
def _pg_register():
    """The suite's PostgreSQL register (DUBAN_TEST_BACKEND=postgresql), dropped at the end."""
    register = PgRegister(pg_connect(), f"duban_suite_{uuid.uuid4().hex[:12]}")
    register.build()
    try:
        yield register
    finally:
        register.conn.execute(f'DROP SCHEMA IF EXISTS "{register.schema}" CASCADE')
        register.conn.close()


def _pg_snapshot(url: str) -> dict[str, object]:
    """snapshot_of for a PostgreSQL register: each table's columns, indexes and rows."""
    with pg_connect_to(url) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                (schema,),
            )
        ]
        snapshot: dict[str, object] = {}
        for name in tables:
            columns = conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default "
                "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                "ORDER BY ordinal_position",
                (schema, name),
            ).fetchall()
            indexes = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
                "ORDER BY indexname",
                (schema, name),
            ).fetchall()
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            snapshot[name] = ((columns, indexes), sorted(rows, key=repr))
        return snapshot  # sequences left out: PostgreSQL never takes back a number drawn


def pg_connect_to(url: str):
    """A connection (autocommit) to the PostgreSQL register at `url` (its schema first)."""
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
