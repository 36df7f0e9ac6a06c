"""The register file kept: `backup`, `restore`, `check`, and who may read the files.

A backup is taken while others write and reads back with the same matters; a restore
keeps the register as it was beside it and loses no change made meanwhile; `check`
passes a healthy register and names a damaged one in one line (exit 5); every file
duban writes (the register, its -wal and -shm, backups, the register kept aside) is
readable by its owner only.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import FIXED_NOW, TEST_USER, Cli, snapshot_of

from duban.migrations import LATEST

# The register file kept; the tests on PostgreSQL here (pg_dump named, `check`) use a
# schema of their own (pg_schema), and so run in the SQLite run.
pytestmark = pytest.mark.sqlite_only

DATA = Path(__file__).parent / "data" / "registers"
HOUSING = "市住房和城乡建设局"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def codes(db: Path) -> list[str]:
    return [c for (c,) in rows(db, "SELECT code FROM matter ORDER BY year, seq")]


def build_scene(cli: Cli) -> None:
    """Units, three matters: one assigned, reported on, reviewed; one returned; one new."""
    from conftest import add_units, enter_report, register_matter

    add_units(cli)
    a = register_matter(cli, received="2026-11-02")["code"]
    b = register_matter(cli, "--ref", "鄂府办发〔2026〕7号", title="落实会议决定",
                        source="meeting", received="2026-11-03")["code"]  # fmt: skip
    register_matter(cli, title="关于增设公交线路的建议", source="人大建议", received="2026-11-04")
    cli.check(
        "assign", a, "--lead", HOUSING, "--participant", "东胜区人民政府", "--on", "2026-11-03"
    )
    cli.check("assign", b, "--lead", "市生态环境局", "--on", "2026-11-04")
    first = enter_report(cli, a, HOUSING, on="2026-11-20")["id"]
    cli.check("review", first, "--accept", "--on", "2026-11-21")
    second = enter_report(cli, b, "市生态环境局", on="2026-11-20", complete=False)["id"]
    cli.check("review", second, "--return", "--reason", "未加盖公章", "--on", "2026-11-23")


@pytest.fixture
def scene(cli: Cli, template) -> Cli:
    template("backup-scene", build_scene)
    cli.env = {"DUBAN_NOW": FIXED_NOW}
    return cli


def everything(cli: Cli) -> dict:
    """What a user reads of a register: the list, each matter shown, the units."""
    listed = cli.check("list", "--json").data
    return {
        "list": listed,
        "show": {m["code"]: cli.check("show", m["code"], "--json").data for m in listed},
        "units": cli.check("unit", "list", "--json").data,
    }


# -- backup -------------------------------------------------------------------------


def test_a_backup_reads_back_with_the_same_matters(scene, tmp_path):
    """Contract: `duban backup FILE` writes a register that `DUBAN_DB=FILE duban list
    --json` reads with the same matters — the last change too, while it is still only
    in the write-ahead log (another process holds the register open)."""
    with closing(sqlite3.connect(scene.db)) as other:
        other.execute("SELECT count(*) FROM matter").fetchone()  # keeps the -wal from a checkpoint
        scene.check("register", "刚登记的事项", "--source", "other", "--received", "2026-11-25")
        assert Path(f"{scene.db}-wal").stat().st_size > 0
        before = everything(scene)
        copy = tmp_path / "out" / "backup.db"
        copy.parent.mkdir()
        made = scene.check("backup", copy, "--json").data
    assert made["file"] == str(copy) and made["matters"] == 4 and made["schema"] == LATEST
    assert made["bytes"] == copy.stat().st_size
    assert sorted(p.name for p in copy.parent.iterdir()) == ["backup.db"]  # no -wal, no .tmp
    assert mode(copy) == 0o600
    assert everything(Cli(copy, env={"DUBAN_NOW": FIXED_NOW})) == before
    # The backup is a register of its own: it checks healthy, and the original is untouched.
    assert Cli(copy).check("check", "--json").data["ok"] is True
    assert everything(scene) == before


def test_a_backup_never_replaces_a_file_unless_forced(scene, tmp_path, assert_error):
    target = tmp_path / "backup.db"
    target.write_text("the office's own file")
    target.chmod(0o644)
    assert_error(scene("backup", target), 2, "already exists", "--force")
    assert target.read_text() == "the office's own file"
    scene.check("backup", target, "--force")
    assert mode(target) == 0o600  # the replacement is private too
    assert codes(target) == codes(scene.db)


@pytest.mark.parametrize(
    "where, expected",
    [
        ("missing-folder/backup.db", "does not exist"),
        (".", "is a folder"),
        ("register.db", "is the register itself"),
    ],
)
def test_a_backup_to_a_bad_place_writes_nothing(scene, tmp_path, assert_error, where, expected):
    before = snapshot_of(scene.db)
    files = sorted(tmp_path.rglob("*"))
    assert_error(scene("backup", tmp_path / where), 2, expected)
    assert sorted(tmp_path.rglob("*")) == files
    assert snapshot_of(scene.db) == before


def test_a_backup_needs_a_register(tmp_path, assert_error):
    assert_error(Cli(tmp_path / "none.db")("backup", tmp_path / "b.db"), 5, "there is no register")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_postgresql_register_is_backed_up_with_pg_dump(pg_schema, tmp_path, assert_error):
    cli = Cli(pg_schema[0])
    cli.check("init")
    assert_error(cli("backup", tmp_path / "b.db"), 2, "pg_dump")
    assert_error(cli("restore", tmp_path / "b.db"), 2, "pg_restore")
    assert not (tmp_path / "b.db").exists()


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from duban.context import open_register
    from duban.ops.matters import register_matter

    db, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        with open_register(db, user="writer") as ctx:
            m = register_matter(ctx, f"写入{i}", source="other", received=dt.date(2026, 11, 2))
        print(f"写入{i}", m.code, flush=True)
    """
)


@contextmanager
def writer(db: Path, count: int):
    """A process registering `count` matters, one transaction each; yields it running,
    then waits for it and returns nothing: the test reads its stdout (title, code)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DUBAN_NOW": FIXED_NOW, "DUBAN_LANG": "en"},
    )
    try:
        yield proc
    finally:
        out, err = proc.communicate(timeout=120)
        proc.out = out  # type: ignore[attr-defined]
        assert proc.returncode == 0, err
        assert "locked" not in err


def wait_for_rows(db: Path, n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if rows(db, "SELECT count(*) FROM matter")[0][0] >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"the writer did not reach {n} matters")


def test_backups_taken_while_a_writer_runs_are_each_consistent(cli, tmp_path):
    """Five backups taken while another process registers 150 matters: each is a healthy
    register holding an unbroken run of codes, each matter whole (its deadline and its
    history entry: `check` passes); they grow; the writer loses nothing and never fails."""
    total = 150
    taken = []
    with writer(cli.db, total), closing(sqlite3.connect(cli.db)) as other:
        other.execute("SELECT count(*) FROM matter").fetchone()  # the -wal stays, as in use
        for n in range(5):
            wait_for_rows(cli.db, 10 + 25 * n)
            committed = rows(cli.db, "SELECT count(*) FROM matter")[0][0]
            copy = tmp_path / f"b{n}.db"
            cli.check("backup", copy)
            taken.append((copy, committed))
    sizes = []
    for copy, committed in taken:
        assert len(codes(copy)) >= committed  # everything committed before it began
        found = Cli(copy).check("check", "--json").data
        assert found["ok"] is True, found
        held = codes(copy)
        assert held == [f"DB-2026-{i:04d}" for i in range(1, len(held) + 1)]
        assert rows(copy, "SELECT count(*) FROM history WHERE action = 'matter.register'") == [
            (len(held),)
        ]
        assert (
            json.loads(Cli(copy)("list", "--json").stdout)
            == json.loads(Cli(cli.db)("list", "--json").stdout)[: len(held)]
        )
        sizes.append(len(held))
    assert sizes == sorted(sizes) and sizes[0] >= 10 and sizes[-1] < total + 1
    assert codes(cli.db) == [f"DB-2026-{i:04d}" for i in range(1, total + 1)]


# -- check --------------------------------------------------------------------------


def test_check_passes_a_healthy_register(scene):
    result = scene.check("check", "--json")
    data = result.data
    assert data["ok"] is True and data["integrity"] == "ok" and data["damage"] == []
    assert data["findings"] == [] and data["schema"] == data["latest"] == LATEST
    assert data["matters"] == 3
    assert {"integrity_check", "foreign_key_check", "schema", "matter_deadline",
            "assignment_deadline", "matter_history", "matter_code"} <= set(data["checks"])  # fmt: skip
    assert "healthy" in scene.check("check").stderr
    assert scene.check("check", "--quick", "--json").data["checks"][0] == "quick_check"


def _overwrite(path: Path) -> None:
    """Bytes written over the middle of the file, as a failing disk or a stray `dd` does."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 3000)


def _truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)


def _not_a_database(path: Path) -> None:
    path.write_text("督查督办台账\n" * 100, encoding="utf-8")


def _header(path: Path) -> None:
    with path.open("r+b") as f:
        f.write(b"NOT SQLITE AT ALL")


@pytest.mark.parametrize("damage", [_overwrite, _truncate, _not_a_database, _header])
def test_check_names_a_damaged_register_in_one_line(scene, assert_error, damage):
    """Contract: `duban check` exits non-zero with a one-line message on a damaged
    register file."""
    with closing(sqlite3.connect(scene.db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(scene.db)
    assert_error(scene("check"), 5, "is damaged", "restore it from a backup")
    result = scene("check", "--json")
    assert_error(result, 5, "is damaged")
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["damage"]


def test_check_finds_what_only_duban_knows_is_wrong(scene, assert_error):
    """Rows SQLite finds whole but duban cannot explain: a finding (exit 1), named."""
    with closing(sqlite3.connect(scene.db)) as conn:
        conn.execute("DELETE FROM history WHERE action = 'matter.register' AND matter_id = 2")
        conn.execute("UPDATE matter SET code = 'DB-2025-0009' WHERE id = 3")
        conn.commit()
    result = scene("check", "--json")
    assert_error(result, 1, "is not consistent", "DB-2026-0002", "and 1 more finding")
    found = {f["check"]: f for f in json.loads(result.stdout)["findings"]}
    assert found["matter_history"]["examples"] == ["DB-2026-0002"]
    assert found["matter_code"]["examples"] == ["DB-2025-0009"]


def test_checks_read_each_table_once(scene):
    """duban's checks stay cheap at a million matters: no check searches a table once per
    row of another (a correlated subquery SQLite served by the history's action index
    took 10 minutes at 100,000 matters)."""
    from duban.ops.maintenance import ROW_CHECKS

    with closing(sqlite3.connect(scene.db)) as conn:
        for name, _message, sql in ROW_CHECKS:
            plan = " / ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "CORRELATED" not in plan, (name, plan)


def test_check_refuses_nothing_it_would_create(tmp_path, assert_error):
    missing = tmp_path / "missing.db"
    assert_error(Cli(missing)("check"), 5, "there is no register")
    assert not missing.exists()


def test_check_runs_on_postgresql(pg_schema):
    cli = Cli(pg_schema[0])
    cli.check("register", "共享台账", "--source", "other", "--received", "2026-11-02")
    data = cli.check("check", "--json").data
    assert data["ok"] is True and data["dialect"] == "postgresql"
    assert data["integrity"] == "not checked" and data["matters"] == 1


# -- restore ------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_register_aside(scene, tmp_path):
    before = everything(scene)
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    scene.check("register", "备份之后的事项", "--source", "other", "--received", "2026-11-20")
    later = codes(scene.db)
    done = scene.check("restore", copy, "--json").data
    aside = Path(done["aside"])
    assert aside.name.startswith("register.db.before-restore-") and mode(aside) == 0o600
    assert codes(aside) == later  # the register as it was, with the later matter
    assert everything(scene)["list"] == before["list"]
    entry = scene.check("history", "--action", "restore", "--json").data
    assert [(e["action"], e["actor"], e["effective_on"]) for e in entry] == [
        ("restore.apply", TEST_USER, "2026-11-26")
    ]
    assert entry[0]["detail"]["file"] == str(copy) and entry[0]["detail"]["aside"] == str(aside)
    assert scene.check("check", "--json").data["ok"] is True
    # The next matter follows the restored ones again.
    made = scene.check("register", "恢复之后", "--source", "other", "--received", "2026-11-20",
                       "--json").data  # fmt: skip
    assert made["code"] == "DB-2026-0004"


@pytest.mark.parametrize("damage", [_overwrite, _not_a_database])
def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    scene, tmp_path, assert_error, damage
):
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    damage(copy)
    before = snapshot_of(scene.db)
    files = sorted(tmp_path.iterdir())
    assert_error(
        scene("restore", copy), 2, "is not a healthy duban register", "nothing was changed"
    )
    assert snapshot_of(scene.db) == before
    assert sorted(tmp_path.iterdir()) == files  # no copy left behind, nothing kept aside


def test_restore_refuses_a_backup_from_a_newer_duban(scene, tmp_path, assert_error):
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("INSERT INTO schema_migration VALUES (?, 'from the future', '2027-01-01')",
                     (LATEST + 1,))  # fmt: skip
        conn.commit()
    before = snapshot_of(scene.db)
    assert_error(scene("restore", copy), 2, "newer duban")
    assert snapshot_of(scene.db) == before


def test_restore_refuses_what_is_not_a_backup(scene, tmp_path, assert_error):
    assert_error(scene("restore", tmp_path / "nothing.db"), 2, "cannot read")
    assert_error(scene("restore", scene.db), 2, "is the register itself")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert_error(scene("restore", other), 2, "not a duban register")


def test_restore_replaces_a_damaged_register(scene, tmp_path):
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    with closing(sqlite3.connect(scene.db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _overwrite(scene.db)
    done = scene.check("restore", copy, "--json").data
    assert Path(done["aside"]).exists() and mode(Path(done["aside"])) == 0o600
    assert scene.check("check", "--json").data["ok"] is True
    assert len(scene.check("list", "--json").data) == 3


def test_restore_onto_no_register_creates_it(scene, tmp_path):
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    fresh = Cli(tmp_path / "new" / "register.db", env={"DUBAN_NOW": FIXED_NOW})
    fresh.db.parent.mkdir()
    done = fresh.check("restore", copy, "--json").data
    assert done["aside"] is None and mode(fresh.db) == 0o600
    assert len(fresh.check("list", "--json").data) == 3


def test_a_backup_of_the_first_release_restores_migrated(cli, tmp_path):
    """A backup made by duban 0.1.0 (schema 1) is restored into this version's schema."""
    old = tmp_path / "duban-0.1.0.db"
    shutil.copy2(DATA / "duban-0.1.0.db", old)
    cli.env = {"DUBAN_NOW": FIXED_NOW}
    done = cli.check("restore", old, "--json").data
    assert done["schema"] == LATEST and done["matters"] == 4
    listed = cli.check("list", "--json").data
    then = json.loads((DATA / "duban-0.1.0.json").read_text(encoding="utf-8"))
    assert [m["code"] for m in listed] == [m["code"] for m in then["list"]]
    assert cli.check("history", "--action", "restore", "--json").data[0]["detail"]["schema"] == 1


def test_a_restore_while_a_writer_runs_loses_no_change(cli, tmp_path):
    """Another process registers matters while the register is restored: each matter it
    registered is in the register kept aside (made before) or in the restored register
    (made after); none is lost from both, and both files are healthy."""
    cli.env = {"DUBAN_NOW": FIXED_NOW}
    cli.check("register", "备份里的事项", "--source", "other", "--received", "2026-11-02")
    copy = tmp_path / "backup.db"
    cli.check("backup", copy)
    with writer(cli.db, 120) as proc:
        wait_for_rows(cli.db, 30)
        done = cli.check("restore", copy, "--json").data
    made = [line.split() for line in proc.out.splitlines()]
    assert len(made) == 120
    aside, register = Path(done["aside"]), cli.db
    titles = {
        t
        for (t,) in rows(aside, "SELECT title FROM matter")
        + rows(register, "SELECT title FROM matter")
    }
    assert {title for title, _code in made} <= titles
    assert "备份里的事项" in {t for (t,) in rows(register, "SELECT title FROM matter")}
    for db in (aside, register):
        assert Cli(db).check("check", "--json").data["ok"] is True
    # Some were made before the restore (kept aside), some after (in the register).
    assert 30 <= len(rows(aside, "SELECT 1 FROM matter WHERE title LIKE '写入%'")) < 120
    assert len(rows(register, "SELECT 1 FROM matter WHERE title LIKE '写入%'")) > 0


def test_a_reader_holding_the_register_open_sees_the_restore(scene, tmp_path):
    copy = tmp_path / "backup.db"
    scene.check("backup", copy)
    scene.check("register", "之后的事项", "--source", "other", "--received", "2026-11-20")
    with closing(sqlite3.connect(scene.db)) as reader:
        assert reader.execute("SELECT count(*) FROM matter").fetchone() == (4,)
        scene.check("restore", copy)
        assert reader.execute("SELECT count(*) FROM matter").fetchone() == (3,)
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- who may read the files ---------------------------------------------------------


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_every_file_of_the_register_is_its_owners_alone(tmp_path):
    """Contract: a new register file is mode 0600 — and so are its -wal and -shm files,
    its backups and the register kept aside by a restore, even under umask 000."""
    db = tmp_path / "register.db"
    cli = Cli(db, env={"DUBAN_NOW": FIXED_NOW})
    with umask(0):
        cli.check("register", "一", "--source", "other", "--received", "2026-11-02")
        assert mode(db) == 0o600
        with closing(sqlite3.connect(db)) as held:  # keeps -wal and -shm while it is open
            held.execute("SELECT count(*) FROM matter").fetchone()
            cli.check("register", "二", "--source", "other", "--received", "2026-11-02")
            for suffix in ("-wal", "-shm"):
                assert mode(Path(f"{db}{suffix}")) == 0o600, suffix
            cli.check("backup", tmp_path / "backup.db")
            done = cli.check("restore", tmp_path / "backup.db", "--json").data
        assert mode(tmp_path / "backup.db") == 0o600
        assert mode(Path(done["aside"])) == 0o600
        assert mode(db) == 0o600


def test_the_default_register_folder_is_private(tmp_path):
    home = tmp_path / "home"
    env = {"DUBAN_DB": None, "XDG_DATA_HOME": str(home / "data"), "HOME": str(home),
           "DUBAN_NOW": FIXED_NOW}  # fmt: skip
    with umask(0):
        result = Cli(tmp_path / "unused.db")("init", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    made = Path(json.loads(result.stdout)["register"])
    assert made.is_relative_to(home)
    assert mode(made) == 0o600 and mode(made.parent) == 0o700
