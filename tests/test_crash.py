"""A process killed with SIGKILL at any moment leaves a register that is whole.

`duban import` (the ledger, thousands of rows in one transaction), run as a user runs
it, is killed at random moments of its whole run; then, in children forked from the
test, at chosen statements of its write (SQLite's statement trace counts the statements
and the child kills itself at the Nth, COMMIT included, or just after the commit); and
`duban review` at statements spread over its whole run.  After each kill the
register passes `PRAGMA integrity_check` and `duban check`, and holds the whole change
or none of it.

Tunable (defaults keep the file to about half a minute on two quiet cores):
DUBAN_TEST_KILLS (random kills of import, 20), DUBAN_TEST_CRASH_ROWS (rows in the
ledger, 3000), DUBAN_TEST_STATEMENT_KILLS (import killed at random statements, 12, besides
the first, the last three and just after the commit), DUBAN_TEST_REVIEW_KILLS (review
killed at statements spread over its run, 30 (a review runs about 90), besides its last
two and just after the commit), DUBAN_TEST_SEED.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, Cli, add_units, benchmark, enter_report, register_matter

pytestmark = pytest.mark.sqlite_only  # SQLite's file, its statement trace and integrity_check

KILLS = int(os.environ.get("DUBAN_TEST_KILLS", "20"))
ROWS = int(os.environ.get("DUBAN_TEST_CRASH_ROWS", "3000"))
STATEMENT_KILLS = int(os.environ.get("DUBAN_TEST_STATEMENT_KILLS", "12"))
REVIEW_KILLS = int(os.environ.get("DUBAN_TEST_REVIEW_KILLS", "30"))
SEED = int(os.environ.get("DUBAN_TEST_SEED", "20181"))


_BENCH = benchmark("import_ledger")  # its ledger: the crash tests kill what it times
UNITS = _BENCH.UNITS
# A ledger as an office keeps it: one lead unit a row, a participant on every other, an
# extension on one in seven, a fifth closed.
make_csv = _BENCH.make_csv


def env_for(db: Path) -> dict[str, str]:
    return {**os.environ, "DUBAN_DB": str(db), "DUBAN_USER": "督查室 测试员",
            "DUBAN_LANG": "en", "DUBAN_NOW": FIXED_NOW, "NO_COLOR": "1"}  # fmt: skip


def counts(db: Path) -> dict[str, Any]:
    """Rows in each table, and the indexes (a large import sets some aside while it
    writes), after SQLite's own integrity check passed."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found: dict[str, Any] = {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
        found["indexes"] = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
        return found


def state(db: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's columns and rows, after SQLite's own integrity check passed."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        out = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            cols = [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
            out[table] = (cols, conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall())
        return out


def volatile(*states: dict) -> set[tuple[str, str]]:
    """The columns whose values differ between runs of the same change: the instants it
    was recorded at, and what is computed from them (the history's hashes)."""
    found = set()
    first, *others = states
    for table, (cols, rows) in first.items():
        for other in others:
            _cols, other_rows = other[table]
            for a, b in zip(rows, other_rows, strict=False):
                found |= {(table, c) for c, x, y in zip(cols, a, b, strict=True) if x != y}
    return found


def steady(found: dict, drop: set[tuple[str, str]]) -> dict[str, list[tuple]]:
    """`state` without the volatile columns."""
    return {
        table: [tuple(v for c, v in zip(cols, row, strict=True) if (table, c) not in drop)
                for row in rows]
        for table, (cols, rows) in found.items()
    }  # fmt: skip


def checked(db: Path) -> None:
    """`duban check` passes the register."""
    result = Cli(db).check("check", "--json")
    assert result.data["ok"] is True, result.data


def fresh(base: Path, folder: Path) -> Path:
    db = folder / "register.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy2(base, db)
    return db


def alive_in_group(pgid: int) -> list[int]:
    """The processes of a process group still running (not zombies)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def still_alive(pgid: int, grace: float = 5.0) -> list[int]:
    """The processes of the group still running `grace` seconds after its leader died: a
    process the leader forked is given the moment it needs to notice (the import's reader
    ends at its next send to the writer that is gone, within a batch of rows)."""
    deadline = time.monotonic() + grace
    while (alive := alive_in_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def run(cmd: list[str], env: dict[str, str], *, kill_after: float | None = None
        ) -> tuple[int, str, int]:  # fmt: skip
    """Run `cmd` in a process group of its own; SIGKILL the process itself (not what it
    forked) after `kill_after` seconds.  (exit code, stderr, processes it left running,
    which are then killed.)"""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)  # fmt: skip
        if kill_after is not None:
            time.sleep(kill_after)
            proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=300)
        left = still_alive(proc.pid)
        if left:
            os.killpg(proc.pid, signal.SIGKILL)
        err.seek(0)
        return code, err.read().decode("utf-8", "replace"), len(left)


INDEX_DDL: list[int] = []  # the last `forked` run's statements that drop or make an index


def forked(db: Path, *args: str, kill_at: int = 0) -> tuple[int, int, int]:
    """`duban ARGS` in a child forked from this process (duban already imported, so a
    child costs the command alone), killed with SIGKILL just before SQLite runs its
    `kill_at`-th statement (0: never; -1: just after its commit).  SQLite's statement
    trace on every connection of the child counts them, and notes in `INDEX_DDL` which
    of them drop or make an index.  (exit status as subprocess gives it, the
    statements run, processes it left behind, then killed.)"""
    handle, name = tempfile.mkstemp(prefix="duban-statements-")
    os.close(handle)
    counted = Path(name)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            sys.stdout, sys.stderr = open(1, "w"), open(2, "w")  # noqa: SIM115
            os.environ.update(env_for(db))
            from sqlalchemy import event
            from sqlalchemy.engine import Engine
            from sqlalchemy.orm import Session

            from duban.cli.app import main

            count = 0
            ddl: list[int] = []

            def trace(sql: str) -> None:
                nonlocal count
                count += 1
                if sql.lstrip().upper().startswith(("DROP INDEX", "CREATE INDEX")):
                    ddl.append(count)
                if count == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

            event.listen(Engine, "connect", lambda conn, _rec: conn.set_trace_callback(trace))
            if kill_at == -1:
                event.listen(Session, "after_commit",
                             lambda _s: os.kill(os.getpid(), signal.SIGKILL))  # fmt: skip
            sys.argv = ["duban", *args]
            code = 0
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            counted.write_text(" ".join(map(str, [count, *ddl])))
            os._exit(code)
        except BaseException:  # noqa: BLE001
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    left = still_alive(pid)  # first: what it forked may hold what this reads next
    if left:
        os.killpg(pid, signal.SIGKILL)
    numbers = [int(n) for n in counted.read_text().split()] or [0]
    counted.unlink()
    statements = numbers[0]
    INDEX_DDL[:] = numbers[1:]
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, statements, len(left)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """(a register with the five units, the ledger CSV, the tables' row counts before
    and after a whole import, the seconds a whole import takes as a process, and the
    statements it runs)."""
    folder = tmp_path_factory.mktemp("crash")
    base = folder / "base.db"
    cli = Cli(base)
    for n, unit in enumerate(UNITS):
        cli.check("unit", "add", unit, "--code", f"u{n}")
    with closing(sqlite3.connect(base)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ledger_csv = folder / "ledger.csv"
    make_csv(ledger_csv, ROWS)
    work = folder / "whole"
    work.mkdir()
    took = []
    for _ in range(2):  # the quicker of two: a first run also warms the caches
        db = fresh(base, work)
        began = time.monotonic()
        code, err, _left = run([sys.executable, "-m", "duban", "import", str(ledger_csv)],
                               env_for(db))  # fmt: skip
        took.append(time.monotonic() - began)
        assert code == 0, err
    took = min(took)
    code, statements, _left = forked(fresh(base, work), "import", str(ledger_csv))
    assert code == 0
    # A file this large, into a register this small, is written with the plain indexes
    # set aside and made again (`db.set_indexes_aside`): the kills below land there too.
    assert len(INDEX_DDL) >= 2, INDEX_DDL
    before, after = counts(base), counts(db)
    assert after["matter"] == before["matter"] + ROWS
    return base, ledger_csv, before, after, took, statements, list(INDEX_DDL)


def test_an_import_killed_at_random_moments_leaves_all_or_nothing(ledger, tmp_path):
    """KILLS times: `duban import` of ROWS rows started as a process and killed with
    SIGKILL after a random delay, over its whole run (start-up, the check of every row,
    the write, the commit).  After each, the register is whole and holds all of the
    file or none of it."""
    base, ledger_csv, before, after, took, _statements, _ddl = ledger
    rng = random.Random(SEED)
    outcomes = {"none": 0, "all": 0, "finished": 0, "orphans": 0}
    for _ in range(KILLS):
        db = fresh(base, tmp_path)
        code, err, left = run([sys.executable, "-m", "duban", "import", str(ledger_csv)],
                              env_for(db), kill_after=rng.uniform(0.0, took * 1.1))  # fmt: skip
        found = counts(db)
        assert found in (before, after), found
        if code == 0:
            outcomes["finished"] += 1
        else:
            assert code == -signal.SIGKILL, err
            outcomes["all" if found == after else "none"] += 1
        outcomes["orphans"] += left
    print(f"\nimport of {ROWS} rows ({took:.2f} s) killed {KILLS} times: {outcomes}")
    checked(db)
    assert outcomes["none"] > 0  # the kills landed before the commit, at least some
    assert outcomes["orphans"] == 0  # the import's reader ends with its writer


def test_an_import_killed_at_any_statement_leaves_all_or_nothing(ledger, tmp_path):
    """The import killed at chosen statements of the ones SQLite runs for it: the first,
    random ones through the rows written, the first and last of its indexes dropped
    and made again, the last ones (COMMIT among them)."""
    base, ledger_csv, before, after, _took, statements, ddl = ledger
    rng = random.Random(SEED + 1)
    points = sorted({1, statements - 2, statements - 1, statements, ddl[0], ddl[-1],
                     *rng.sample(range(2, statements - 2), min(STATEMENT_KILLS, statements - 4))})  # fmt: skip
    points.append(-1)  # just after the commit
    seen = {}
    for k in points:
        db = fresh(base, tmp_path)
        code, _statements, _left = forked(db, "import", str(ledger_csv), kill_at=k)
        assert code == -signal.SIGKILL, (k, code)
        found = counts(db)
        assert found in (before, after), (k, found)
        seen[k] = "all" if found == after else "none"
    print(f"\nimport killed at {len(seen) - 1} of its {statements} statements and just after "
          f"its commit: {Counter(seen.values())}")  # fmt: skip
    assert seen[statements] == "none" and seen[-1] == "all"
    checked(db)


def build_review_scene(cli: Cli) -> None:
    """A matter with a lead and a participant, and the lead's final report, complete,
    waiting for review (report 1): accepting it completes both units' parts."""
    add_units(cli)
    code = register_matter(cli, received="2026-11-02")["code"]
    cli.check("assign", code, "--lead", "市住房和城乡建设局", "--participant", "东胜区人民政府",
              "--on", "2026-11-03")  # fmt: skip
    enter_report(cli, code, "市住房和城乡建设局", on="2026-11-20")


@pytest.mark.parametrize("decision", [["--accept"], ["--return", "--reason", "未附整改清单"]])
def test_a_review_killed_at_any_statement_is_whole_or_not_at_all(
    template, db_path, tmp_path, decision
):
    """`duban review` killed at statements spread over its whole run, its last ones
    among them: the register is as before the review, or as after it, never between."""
    template("review-crash", build_review_scene)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    base = tmp_path / "base.db"
    shutil.copy2(db_path, base)
    work = tmp_path / "work"
    work.mkdir()
    args = ["review", "1", *decision, "--on", "2026-11-23"]
    done = []
    for _ in range(2):  # twice: what differs between two runs is left out of the comparison
        db = fresh(base, work)
        code, statements, _left = forked(db, *args)
        assert code == 0
        done.append(state(db))
    drop = volatile(*done)
    assert all(col.endswith("_at") or table == "history" for table, col in drop), drop
    before, after = steady(state(base), drop), steady(done[0], drop)
    assert before != after
    step = max(1, statements // REVIEW_KILLS)
    points = sorted({*range(1, statements + 1, step), statements - 1, statements})
    points.append(-1)  # just after the commit
    seen = {}
    for k in points:
        db = fresh(base, work)
        code, _statements, _left = forked(db, *args, kill_at=k)
        assert code == -signal.SIGKILL, (k, code)
        found = steady(state(db), drop)
        assert found in (before, after), k
        seen[k] = "after" if found == after else "before"
    print(f"\nreview killed at {len(seen) - 1} of its {statements} statements and just after "
          f"its commit: {Counter(seen.values())}")  # fmt: skip
    assert seen[statements] == "before" and seen[-1] == "after"
    checked(db)


def test_a_killed_import_leaves_no_process_behind(ledger, tmp_path):
    base, ledger_csv, _before, _after, _took, statements, _ddl = ledger
    db = fresh(base, tmp_path)
    code, _statements, left = forked(db, "import", str(ledger_csv), kill_at=statements // 2)
    assert code == -signal.SIGKILL
    assert left == 0
