"""Clerks writing one shared register on PostgreSQL at the same instant: no error, ever.

A shared register (DUBAN_DB=postgresql+psycopg://...) has many writers at once: the
clerks of several offices, each unit's liaison entering its reports, the cron job.  None
of them may see a serialization failure, a unique violation or "run again": each command
succeeds, or is refused by the regulation's rules exactly as it would be alone.

PG_PROCS clerks (processes: DUBAN_TEST_PG_PROCS, default 8), each released from a
barrier at the same instant, three times on one register (a schema of its own on the
server at DUBAN_TEST_PG, default 127.0.0.1:5432):

1. each registers the same meeting decision: one is registered, the rest refused as its
   likely duplicate;
2. each makes PG_WRITES changes (DUBAN_TEST_PG_WRITES, default 25), a mix of register,
   assign and report: all succeed, and the codes are unique and consecutive;
3. each runs the cron job's `urge --all-overdue`: each late unit is urged once that day.

The processes are started once for all three (starting Python and duban eight times is
most of the cost); the tests below each check one of them.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter

import pytest
from conftest import PG_BASE, Cli, assert_error, pg_connect, pg_connect_to

PG_PROCS = int(os.environ.get("DUBAN_TEST_PG_PROCS", "8"))
PG_WRITES = int(os.environ.get("DUBAN_TEST_PG_WRITES", "25"))
NOW = "2026-11-26T10:00:00+08:00"
UNITS = {"市住房和城乡建设局": "张建国", "市生态环境局": "刘海燕", "市自然资源局": "赵志强",
         "市教育局": "李明", "东胜区人民政府": "刘伟"}  # fmt: skip
PHASES = ("same", "writes", "cron")

# One clerk: for each phase, waits at its barrier (the file `go-PHASE`), runs its
# commands as fast as it can, and writes down each one's exit code, output and time
# (`PHASE-N.json`).  The click command is built once, as in a process running `duban`
# (CliRunner would build it again for each command).
CLERK = textwrap.dedent(
    """
    import json, os, random, sys, time
    import typer.testing
    from typer.testing import CliRunner
    from duban.cli.app import app

    command = typer.testing._get_command(app)
    typer.testing._get_command = lambda _app: command

    url, who, count, seed, folder = sys.argv[1:6]
    heads = json.loads(sys.argv[6])
    count, rng = int(count), random.Random(int(seed))
    runner = CliRunner()
    env = {"DUBAN_DB": url, "DUBAN_USER": who, "DUBAN_LANG": "en", "NO_COLOR": "1",
           "DUBAN_NOW": "@NOW@", "DUBAN_TZ": None, "DUBAN_DEBUG": None}
    log = []

    def run(kind, *args, **note):
        began = time.monotonic()
        result = runner.invoke(app, [str(a) for a in args], env=env)
        log.append({"kind": kind, "args": [str(a) for a in args], "exit": result.exit_code,
                    "took": time.monotonic() - began, "stdout": result.stdout,
                    "stderr": result.stderr,
                    "exception": None if result.exception is None
                    or isinstance(result.exception, SystemExit) else repr(result.exception),
                    **note})
        return log[-1]

    def phase(name):
        log.clear()
        while not os.path.exists(os.path.join(folder, "go-" + name)):
            time.sleep(0.002)

    def done(name):
        path = os.path.join(folder, f"{name}-{who}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(log, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)

    phase("same")  # the same meeting decision, entered by every clerk at once
    run("same", "register", "落实第12次常务会议决定", "--source", "meeting", "--ref",
        "第12次常务会议", "--received", "2026-11-02", "--json")
    done("same")

    phase("writes")
    fresh, assigned = [], []
    for i in range(count):
        roll = rng.random()
        if fresh and roll < 0.4:
            code = fresh.pop(rng.randrange(len(fresh)))
            unit = rng.choice(sorted(heads))
            if run("assign", "assign", code, "--lead", unit, "--on", "2026-11-03",
                   code=code, unit=unit)["exit"] == 0:
                assigned.append((code, unit))
        elif assigned and roll < 0.7:
            code, unit = assigned.pop(rng.randrange(len(assigned)))
            run("report", "report", code, "--unit", unit, "--kind", "final", "--text",
                f"办理情况{i}", "--written", "--signed-by", heads[unit], "--sealed",
                "--on", "2026-11-20", "--json", code=code, unit=unit)
        else:
            e = run("register", "register", f"{who} 事项{i}", "--source", "other",
                    "--received", "2026-11-02", "--json")
            if e["exit"] == 0:
                fresh.append(json.loads(e["stdout"])["code"])
    done("writes")

    phase("cron")  # the morning cron job, started on every machine at once
    run("urge-all", "urge", "--all-overdue", "--as-of", "2026-11-26", "--json")
    done("cron")
    """
).replace("@NOW@", NOW)

CLASH = ("run again", "serializ", "duplicate key", "unique", "deadlock", "locked", "busy")


@pytest.fixture(scope="module")
def clerks(tmp_path_factory):
    """(the register's URL, {phase: every command's record}): the clerks' three phases."""
    folder = tmp_path_factory.mktemp("clerks")
    schema = f"duban_clerks_{uuid.uuid4().hex[:8]}"
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    try:
        cli = Cli(url)
        for n, (name, head) in enumerate(UNITS.items()):
            cli.check("unit", "add", name, "--code", f"u{n}", "--head", head)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CLERK,
                    url,
                    f"clerk{w}",
                    str(PG_WRITES),
                    str(w),
                    str(folder),
                    json.dumps(UNITS, ensure_ascii=False),
                ],
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for w in range(PG_PROCS)
        ]
        logs = {}
        try:
            for name in PHASES:
                time.sleep(0.1)  # (the first time: each clerk gets to the barrier)
                (folder / f"go-{name}").touch()
                logs[name] = _collect(folder, name, procs)
        except BaseException:
            for proc in procs:
                proc.kill()
                proc.communicate()
            raise
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        yield url, logs
    finally:
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _collect(folder, name: str, procs) -> list[dict]:
    """Every clerk's record of the phase, once all have written it (no clerk died)."""
    paths = [folder / f"{name}-clerk{w}.json" for w in range(PG_PROCS)]
    give_up = time.monotonic() + 600
    while missing := [w for w, path in enumerate(paths) if not path.exists()]:
        dead = [procs[w].returncode for w in missing if procs[w].poll() is not None]
        assert not dead and time.monotonic() < give_up, (name, missing, dead)
        time.sleep(0.02)
    entries = [e for p in paths for e in json.loads(p.read_text(encoding="utf-8"))]
    assert not [e for e in entries if e["exception"] or "Traceback" in e["stderr"]], [
        (e["args"], e["exception"], e["stderr"]) for e in entries if e["exception"]
    ][:3]
    clashes = [
        (e["args"], e["stderr"]) for e in entries if any(w in e["stderr"].lower() for w in CLASH)
    ]
    assert clashes == [], clashes[:3]
    return entries


def rows(url: str, sql: str) -> list[tuple]:
    with pg_connect_to(url) as conn:
        return conn.execute(sql).fetchall()


def test_the_same_matter_registered_at_once_is_registered_once(clerks):
    """Every clerk enters the same meeting decision at the same instant: one registers
    it, every other is refused as its likely duplicate (exit 4), naming it."""
    url, logs = clerks
    entries = logs["same"]
    won = [e for e in entries if e["exit"] == 0]
    assert len(won) == 1, [(e["exit"], e["stderr"]) for e in entries]
    code = json.loads(won[0]["stdout"])["code"]
    assert code == "DB-2026-0001"
    refused = [e for e in entries if e["exit"] != 0]
    assert [e["exit"] for e in refused] == [4] * (PG_PROCS - 1)
    assert all(code in e["stderr"] for e in refused), [e["stderr"] for e in refused]
    assert rows(url, "SELECT code FROM matter WHERE source = 'meeting'") == [(code,)]


def test_clerks_writing_at_once_all_succeed_with_unique_consecutive_codes(clerks):
    url, logs = clerks
    entries = logs["writes"]
    assert len(entries) == PG_PROCS * PG_WRITES
    failed = [(e["args"], e["exit"], e["stderr"]) for e in entries if e["exit"] != 0]
    assert failed == [], failed[:5]
    kinds = Counter(e["kind"] for e in entries)
    assert set(kinds) == {"register", "assign", "report"}, kinds

    # Every code taken (the meeting decision's too), one each, none missing.
    registered = [e for e in logs["same"] + entries if e["kind"] in ("same", "register")]
    printed = sorted(json.loads(e["stdout"])["code"] for e in registered if e["exit"] == 0)
    codes = [c for (c,) in rows(url, "SELECT code FROM matter ORDER BY seq")]
    assert codes == [f"DB-2026-{n:04d}" for n in range(1, len(printed) + 1)]
    assert printed == codes  # each code printed once, to the clerk who took it
    assert rows(url, "SELECT count(*) FROM assignment") == [(kinds["assign"],)]
    assert rows(url, "SELECT count(*) FROM report") == [(kinds["report"],)]
    # The history holds each change made, once: nothing lost, nothing twice.
    actions = dict(rows(url, "SELECT action, count(*) FROM history GROUP BY action"))
    made = {"matter.register": len(codes), "assignment.add": kinds["assign"],
            "report.add": kinds["report"]}  # fmt: skip
    assert {action: actions.get(action, 0) for action in made} == made
    who = rows(url, "SELECT created_by, count(*) FROM matter WHERE source = 'other' GROUP BY 1")
    assert len(who) == PG_PROCS and sum(n for _, n in who) == kinds["register"]
    assert Cli(url).check("verify", "--json").data["ok"] is True  # the chain is whole


def test_the_cron_job_run_at_once_urges_each_late_unit_once(clerks):
    url, logs = clerks
    entries = logs["cron"]
    assert [e["exit"] for e in entries] == [0] * PG_PROCS, [e["stderr"] for e in entries]
    urged = sorted((u["code"], u["unit"]) for e in entries for u in json.loads(e["stdout"]))
    # The lead units with no final report: due 2026-11-23, late on 11-26.
    late = rows(
        url,
        "SELECT m.code, u.name FROM assignment a JOIN matter m ON m.id = a.matter_id "
        "JOIN unit u ON u.id = a.unit_id WHERE NOT EXISTS "
        "(SELECT 1 FROM report r WHERE r.assignment_id = a.id) ORDER BY 1, 2",
    )
    assert late and urged == [tuple(r) for r in late]
    assert rows(url, "SELECT count(*) FROM urging GROUP BY assignment_id, urged_on HAVING "
                     "count(*) > 1") == []  # fmt: skip


def test_a_change_waits_its_turn_and_a_reader_never_waits(pg_schema, monkeypatch):
    """Each change takes the register's one writer lock as it begins: while another
    change holds it, a change waits, and past PG_WRITE_WAIT_MS is refused as busy (exit
    5, one line, nothing written); a reader goes on meanwhile."""
    import duban.db
    from duban.chain import LOCK_KEY

    url, _schema = pg_schema
    # Any other wait for a lock gives up after 5 s: a change that did not take the
    # writer's lock first fails here, not hangs (waiting for this test's own lock).
    cli = Cli(f"{url}%20-clock_timeout%3D5000", env={"DUBAN_NOW": NOW})
    cli.check("register", "供暖", "--source", "other", "--received", "2026-11-02")
    monkeypatch.setattr(duban.db, "PG_WRITE_WAIT_MS", 300)
    with pg_connect_to(url) as other, other.transaction():
        other.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")  # a change under way
        began = time.monotonic()
        busy = cli("register", "燃气", "--source", "other", "--received", "2026-11-02")
        assert time.monotonic() - began < 10
        assert_error(busy, 5, "the register is busy", "nothing was written")
        assert [m["code"] for m in cli.check("list", "--json").data] == ["DB-2026-0001"]
    assert rows(url, "SELECT code FROM matter") == [("DB-2026-0001",)]
    registered = cli.check("register", "燃气", "--source", "other", "--received", "2026-11-02",
                           "--json")  # fmt: skip
    assert registered.data["code"] == "DB-2026-0002"
