"""A cron job and clerks writing the same SQLite register at once: nothing lost, no clash."""

import json
import sqlite3
import subprocess
import sys
import textwrap

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
