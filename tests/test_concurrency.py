"""A cron job and clerks writing the same SQLite register at once: nothing lost, no clash."""

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only  # one register file; PostgreSQL: test_pg_concurrency.py

WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from duban.context import open_register
    from duban.ops.matters import register_matter

    db, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(count):
        with open_register(db, user=who) as ctx:
            register_matter(ctx, f"{who} {i}", source="other", received=dt.date(2026, 11, 2))
    """
)


def test_parallel_writers_lose_nothing_and_number_uniquely(tmp_path):
    db = tmp_path / "shared.db"
    writers, each = 4, 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), f"clerk{w}", str(each)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    with sqlite3.connect(db) as conn:
        codes = [row[0] for row in conn.execute("SELECT code FROM matter ORDER BY seq")]
        events = conn.execute(
            "SELECT count(*) FROM history WHERE action = 'matter.register'"
        ).fetchone()[0]
        actors = {row[0] for row in conn.execute("SELECT DISTINCT actor FROM history")}
    total = writers * each
    assert codes == [f"DB-2026-{n:04d}" for n in range(1, total + 1)]
    assert events == total
    assert actors == {f"clerk{w}" for w in range(writers)}


def test_a_reader_is_not_blocked_by_a_writer_holding_the_lock(tmp_path):
    db = tmp_path / "r.db"
    listing = [sys.executable, "-m", "duban", "list", "--json"]
    env = {"DUBAN_DB": str(db), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "duban", "init"], env=env, capture_output=True, check=True
    )
    assert subprocess.run(listing, env=env, capture_output=True, check=True).stdout.strip() == b"[]"
    with sqlite3.connect(db, isolation_level=None) as conn:
        conn.execute("BEGIN IMMEDIATE")  # a clerk's change in progress
        conn.execute("INSERT INTO setting (key, value) VALUES ('default_within', '10')")
        out = subprocess.run(listing, env=env, capture_output=True, timeout=30)
        conn.execute("ROLLBACK")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


# -- many clerks and a cron job, each running a mix of commands ----------------------
#
# DUBAN_TEST_PROCS processes (default 8) each run DUBAN_TEST_COMMANDS commands (default
# 200) through the CLI, in-process (one Python per clerk, as a long shell session would
# be many), on one SQLite register: register (some titles registered by every clerk at
# once: one wins, the rest are refused as duplicates), assign, report, review, close,
# urge, and the cron job's `overdue` and `urge --all-overdue`.  Each process writes down
# what it did; the register is then read back matter by matter against those notes.

PROCS = int(os.environ.get("DUBAN_TEST_PROCS", "8"))
COMMANDS = int(os.environ.get("DUBAN_TEST_COMMANDS", "200"))
NOW = "2026-11-26T10:00:00+08:00"
UNITS = {"市住房和城乡建设局": "张建国", "市生态环境局": "刘海燕", "市自然资源局": "赵志强",
         "市教育局": "李明", "东胜区人民政府": "刘伟"}  # fmt: skip
SHARED = 6  # titles every clerk tries to register: exactly one of each succeeds

CLERK = textwrap.dedent(
    """
    import datetime as dt, json, random, sys, time
    import typer.testing
    from typer.testing import CliRunner
    from duban.cli.app import app

    # The click command is built from the Typer app once, as a process running `duban`
    # does, not again for every command (CliRunner would: ~50 ms each).
    command = typer.testing._get_command(app)
    typer.testing._get_command = lambda _app: command

    db, who, count, seed, log_path, shared = sys.argv[1:7]
    count, shared = int(count), int(shared)
    heads = json.loads(sys.argv[7])
    rng = random.Random(int(seed))
    runner = CliRunner()
    env = {"DUBAN_DB": db, "DUBAN_USER": who, "DUBAN_LANG": "en", "NO_COLOR": "1",
           "DUBAN_NOW": sys.argv[8], "DUBAN_TZ": None, "DUBAN_DEBUG": None}
    log, mine = [], []
    day = lambda d: d.isoformat()
    today = dt.date(2026, 11, 26)

    def run(kind, args, **note):
        began = time.monotonic()
        result = runner.invoke(app, [str(a) for a in args], env=env)
        entry = {"kind": kind, "args": [str(a) for a in args], "exit": result.exit_code,
                 "took": time.monotonic() - began,
                 "stdout": result.stdout, "stderr": result.stderr,
                 "exception": None if result.exception is None
                 or isinstance(result.exception, SystemExit) else repr(result.exception),
                 **note}
        log.append(entry)
        return entry

    def between(a, b):
        return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))

    for i in range(count):
        open_ = [m for m in mine if m["status"] == "assigned"]
        fresh = [m for m in mine if m["status"] == "registered"]
        pending = [m for m in open_ if m["pending"] is not None]
        reportable = [m for m in open_ if m["pending"] is None and not m["done"]]
        closable = [m for m in open_ if m["done"]]
        roll = rng.random()
        if roll < 0.25 or not mine:
            received = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 59))
            title = f"{who} 事项{i}"
            e = run("register", ["register", title, "--source", "other", "--received",
                                 day(received), "--json"])
            if e["exit"] == 0:
                mine.append({"code": json.loads(e["stdout"])["code"], "title": title,
                             "received": received, "status": "registered", "unit": None,
                             "notified": None, "pending": None, "done": False,
                             "reports": [], "urged": 0, "closed": None})
        elif roll < 0.30:
            k = rng.randrange(shared)
            run("shared", ["register", f"共同事项{k}", "--source", "meeting", "--ref",
                           f"共同〔2026〕{k}号", "--received", "2026-10-08", "--json"], k=k)
        elif roll < 0.45 and fresh:
            m = rng.choice(fresh)
            unit = rng.choice(sorted(heads))
            on = between(m["received"], m["received"] + dt.timedelta(days=3))
            e = run("assign", ["assign", m["code"], "--lead", unit, "--on", day(on)],
                    code=m["code"])
            if e["exit"] == 0:
                m.update(status="assigned", unit=unit, notified=on)
        elif roll < 0.58 and reportable:
            m = rng.choice(reportable)
            on = between(max([m["notified"]] + [r["on"] for r in m["reports"]]), today)
            complete = rng.random() < 0.7
            extra = ["--written", "--signed-by", heads[m["unit"]]] + (["--sealed"] if complete else [])
            e = run("report", ["report", m["code"], "--unit", m["unit"], "--kind", "final",
                               "--text", f"办理情况{i}", "--on", day(on), *extra, "--json"],
                    code=m["code"])
            if e["exit"] == 0:
                r = {"id": json.loads(e["stdout"])["id"], "on": on, "complete": complete,
                     "status": "pending"}
                m["reports"].append(r)
                m["pending"] = r
        elif roll < 0.70 and pending:
            m = rng.choice(pending)
            r = m["pending"]
            on = between(r["on"], today)
            if r["complete"]:
                args = ["review", r["id"], "--accept", "--on", day(on)]
            else:
                args = ["review", r["id"], "--return", "--reason", "未加盖公章", "--on", day(on)]
            e = run("review", args, code=m["code"])
            if e["exit"] == 0:
                r["status"] = "accepted" if r["complete"] else "returned"
                r["reviewed"] = on
                m["pending"] = None
                m["done"] = r["complete"]
        elif roll < 0.76 and closable:
            m = rng.choice(closable)
            done_on = max(r["reviewed"] for r in m["reports"] if r["status"] == "accepted")
            e = run("close", ["close", m["code"], "--on", day(between(done_on, today))],
                    code=m["code"])
            if e["exit"] == 0:
                m["status"] = "closed"
        elif roll < 0.86 and [m for m in open_ if not m["done"]]:
            m = rng.choice([m for m in open_ if not m["done"]])
            on = between(m["notified"], today)
            e = run("urge", ["urge", m["code"], "--unit", m["unit"], "--via", "phone",
                             "--on", day(on), "--json"], code=m["code"])
            if e["exit"] == 0:
                m["urged"] += 1
        elif roll < 0.93:
            run("overdue", ["overdue", "--as-of", day(between(dt.date(2026, 11, 1), today)),
                            "--json"])
        else:
            run("urge-all", ["urge", "--all-overdue", "--as-of",
                             day(between(dt.date(2026, 11, 20), today)), "--json"])

    def plain(m):
        return {**m, "received": day(m["received"]),
                "notified": m["notified"] and day(m["notified"]),
                "pending": m["pending"] and m["pending"]["id"],
                "reports": [{**r, "on": day(r["on"]),
                             **({"reviewed": day(r["reviewed"])} if "reviewed" in r else {})}
                            for r in m["reports"]]}

    with open(log_path, "w", encoding="utf-8") as f:
        json.dump({"log": log, "mine": [plain(m) for m in mine]}, f, ensure_ascii=False)
    """
)


def _setup(db: Path) -> None:
    from conftest import Cli

    cli = Cli(db)
    for n, (name, head) in enumerate(UNITS.items()):
        cli.check("unit", "add", name, "--code", f"u{n}", "--head", head)


def test_clerks_and_cron_writing_at_once_lose_nothing(tmp_path):
    """PROCS processes x COMMANDS mixed commands on one register: every command succeeds
    or is refused cleanly (no exit 5, no "database is locked", no traceback), every
    matter reads back as its clerk left it, codes are unique and unbroken."""
    db = tmp_path / "shared.db"
    _setup(db)
    procs = []
    for w in range(PROCS):
        log = tmp_path / f"clerk{w}.json"
        args = [sys.executable, "-c", CLERK, str(db), f"clerk{w}", str(COMMANDS), str(w),
                str(log), str(SHARED), json.dumps(UNITS, ensure_ascii=False), NOW]  # fmt: skip
        procs.append((subprocess.Popen(args, stderr=subprocess.PIPE, text=True), log))
    notes = {}
    for w, (proc, log) in enumerate(procs):
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        notes[f"clerk{w}"] = json.loads(log.read_text(encoding="utf-8"))

    entries = [e for n in notes.values() for e in n["log"]]
    assert len(entries) == PROCS * COMMANDS
    # Clean: only refusals the rules make (4) besides success; never locked, never a trace.
    assert {e["exit"] for e in entries} <= {0, 4}, [
        (e["args"], e["exit"], e["stderr"]) for e in entries if e["exit"] not in (0, 4)
    ][:5]
    assert not [e for e in entries if e["exception"] or "Traceback" in e["stderr"]]
    assert not [e for e in entries if "locked" in e["stderr"] + e["stdout"]]
    refused = [e for e in entries if e["exit"] == 4]
    assert all(e["kind"] == "shared" for e in refused), refused[:3]  # the only refusals
    assert all(json.loads(e["stdout"]) is not None for e in entries
               if e["kind"] in ("overdue", "urge-all"))  # fmt: skip

    with closing(sqlite3.connect(db)) as conn:
        q = lambda sql, *p: conn.execute(sql, p).fetchall()  # noqa: E731
        assert q("PRAGMA integrity_check") == [("ok",)]
        assert q("PRAGMA foreign_key_check") == []
        # Codes: unique and unbroken, one per successful registration.
        codes = [c for (c,) in q("SELECT code FROM matter ORDER BY seq")]
        registered = [e for e in entries if e["kind"] in ("register", "shared") and e["exit"] == 0]
        assert codes == [f"DB-2026-{i:04d}" for i in range(1, len(registered) + 1)]
        assert sorted(json.loads(e["stdout"])["code"] for e in registered) == codes
        # The titles every clerk registered at once: exactly one of each, the others refused.
        for k in range(SHARED):
            tries = [e for e in entries if e["kind"] == "shared" and e["k"] == k]
            if tries:
                assert [e["exit"] for e in tries].count(0) == 1, k
                assert q("SELECT count(*) FROM matter WHERE title = ?", f"共同事项{k}") == [(1,)]
        # Matter by matter, as each clerk says it left it.
        for who, n in notes.items():
            for m in n["mine"]:
                (row,) = q("SELECT id, title, status, created_by FROM matter WHERE code = ?",
                           m["code"])  # fmt: skip
                mid, title, status, created_by = row
                assert (title, status, created_by) == (m["title"], m["status"], who), m
                units = q("SELECT u.name, a.status, a.notified_on FROM assignment a "
                          "JOIN unit u ON u.id = a.unit_id WHERE a.matter_id = ?", mid)  # fmt: skip
                if m["unit"] is None:
                    assert units == [], m
                else:
                    done = "done" if m["done"] else "open"
                    assert units == [(m["unit"], done, m["notified"])], (m, units)
                reports = q("SELECT r.id, r.status, r.received_on, v.decision FROM report r "
                            "LEFT JOIN review v ON v.report_id = r.id WHERE r.matter_id = ? "
                            "ORDER BY r.id", mid)  # fmt: skip
                decision = {"pending": None, "accepted": "accept", "returned": "return"}
                assert reports == [(r["id"], r["status"], r["on"], decision[r["status"]])
                                   for r in m["reports"]], (m, reports)  # fmt: skip
                by_hand = q("SELECT count(*) FROM urging WHERE matter_id = ? AND via = 'phone'",
                            mid)  # fmt: skip
                assert by_hand == [(m["urged"],)], m
        # The history holds one entry for each change reported made: nothing lost.
        made = Counter()
        for e in entries:
            if e["exit"] != 0:
                continue
            if e["kind"] in ("register", "shared"):
                made["matter.register"] += 1
            elif e["kind"] in ("assign", "report", "close"):
                made[{"assign": "assignment.add", "report": "report.add",
                      "close": "matter.close"}[e["kind"]]] += 1  # fmt: skip
            elif e["kind"] == "review":
                made["review.accept" if "--accept" in e["args"] else "review.return"] += 1
            elif e["kind"] == "urge":
                made["urge.add"] += 1
            elif e["kind"] == "urge-all":
                made["urge.add"] += len(json.loads(e["stdout"]))
        actions = Counter(dict(q("SELECT action, count(*) FROM history GROUP BY action")))
        for action, count in made.items():
            assert actions[action] == count, (action, actions[action], count)
        # The cron job urged each late unit at most once a day, however many ran at once.
        cron = q("SELECT assignment_id, urged_on, count(*) FROM urging WHERE via = 'notice' "
                 "GROUP BY assignment_id, urged_on HAVING count(*) > 1")  # fmt: skip
        assert cron == []
    # Each kind of command ran: the mix is the test (a small run may miss the rarest).
    kinds = Counter(e["kind"] for e in entries)
    took = sorted(e["took"] for e in entries)
    print(f"\n{PROCS} processes x {COMMANDS} commands: {dict(kinds)}; {len(codes)} matters, "
          f"{len(refused)} refused as duplicates; seconds per command: median "
          f"{took[len(took) // 2]:.3f}, p99 {took[int(len(took) * 0.99)]:.2f}, "
          f"max {took[-1]:.2f}")  # fmt: skip
    assert COMMANDS < 100 or set(kinds) == {"register", "shared", "assign", "report", "review", "close", "urge",
                          "overdue", "urge-all"}, kinds  # fmt: skip


def test_a_writer_kept_waiting_too_long_is_told_the_register_is_busy(
    cli, assert_error, monkeypatch
):
    """A change that cannot get the write lock within the wait (10 s; 0.3 s here) is
    refused in one line saying the register is busy (exit 5), with nothing written; a
    change waiting less than that goes through once the lock is free."""
    import threading

    import duban.db

    monkeypatch.setattr(duban.db, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(cli.db, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process's change, taking its time
        result = cli("register", "等不到锁的事项", "--source", "other", "--received", "2026-11-02")
        assert_error(result, 5, "the register is busy", "nothing was written")
        threading.Timer(0.1, holder.execute, ["ROLLBACK"]).start()
        cli.check("register", "等到了锁的事项", "--source", "other", "--received", "2026-11-02")
    finally:
        holder.close()
    with closing(sqlite3.connect(cli.db)) as conn:
        assert conn.execute("SELECT title FROM matter").fetchall() == [("等到了锁的事项",)]
