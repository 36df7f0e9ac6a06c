"""A shared register on PostgreSQL: the same cycle, the same answers, standard SQL only.

Uses the server on 127.0.0.1:5432 (database `test`, trust authentication), or the URL in
DUBAN_TEST_PG; each test gets a schema of its own, dropped afterwards.  Skips, saying
why, where no server answers.
"""

import json

import pytest
from conftest import Cli, pg_connect


@pytest.fixture
def pg_url(pg_schema):
    return pg_schema


def run(url, *args):
    return Cli(url, env={"DUBAN_USER": "pg-test"})(*args)


def ok(url, *args):
    result = run(url, *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if "--json" in args else result


def final_report(url, code, *options):
    """The housing bureau's written final report, signed by its head; its JSON."""
    return ok(url, "report", code, "--unit", "zjj", "--kind", "final", "--text", "已完成",
              "--written", "--signed-by", "张建国", *options, "--json")  # fmt: skip


def test_the_whole_cycle_on_postgresql(pg_url):
    url, _ = pg_url
    ok(url, "unit", "add", "市住房和城乡建设局", "--head", "张建国", "--code", "zjj")
    ok(url, "unit", "add", "东胜区人民政府", "--kind", "district")
    # Received Monday 2026-09-28: 29, 30 (2), National Day off 1-7 Oct, 8, 9 (4),
    # Sat 10 Oct make-up (5), 12-16 (10), 19-23 (15) → 2026-10-23.
    matter = ok(url, "register", "供暖", "--source", "批示", "--received", "2026-09-28", "--json")
    assert matter["due"] == "2026-10-23"
    code = matter["code"]
    ok(
        url,
        "assign",
        code,
        "--lead",
        "zjj",
        "--participant",
        "东胜区人民政府",
        "--on",
        "2026-09-29",
    )
    refused = run(url, "report", code, "--unit", "东胜区人民政府", "--kind", "final", "--text", "x")
    assert refused.exit_code == 4 and "第十二条" in refused.stderr

    first = final_report(url, code, "--on", "2026-10-20")  # not sealed
    assert run(url, "review", str(first["id"]), "--accept", "--on", "2026-10-21").exit_code == 4
    # Returned on Wed 2026-10-21 with 5 working days: 22, 23, 26, 27, 28 → 2026-10-28.
    ok(
        url,
        "review",
        str(first["id"]),
        "--return",
        "--reason",
        "未盖章",
        "--within",
        "5",
        "--on",
        "2026-10-21",
    )
    late = ok(url, "overdue", "--as-of", "2026-10-30", "--json")
    assert [
        (r["code"], r["unit"], r["due"], r["days_overdue"], r["workdays_overdue"]) for r in late
    ] == [(code, "市住房和城乡建设局", "2026-10-28", 2, 2)]

    second = final_report(url, code, "--sealed", "--on", "2026-10-30")
    ok(url, "review", str(second["id"]), "--accept", "--on", "2026-11-02")
    ok(url, "close", code, "--on", "2026-11-02")

    shown = ok(url, "show", code, "--json")
    assert shown["status"] == "closed"
    assert shown["assignments"][0]["original_due"] == "2026-10-23"
    assert shown["assignments"][0]["due"] == "2026-10-28"
    actions = [e["action"] for e in shown["history"]]
    assert actions[0] == "matter.register" and actions[-1] == "matter.close"
    assert {e["actor"] for e in shown["history"]} == {"pg-test"}
    assert ok(url, "overdue", "--as-of", "2026-11-26", "--json") == []
    assert [m["code"] for m in ok(url, "list", "--search", "供暖", "--json")] == [code]


def test_a_loaded_schedule_is_shared_through_the_register(pg_url, tmp_path):
    url, schema = pg_url
    # 2026-12-20 + 15 reaches 2027, whose schedule no package carries yet.
    before = ok(url, "register", "x", "--source", "other", "--received", "2026-12-20", "--json")
    assert before["due_provisional"] is True
    with pg_connect() as conn:
        count = conn.execute(f'SELECT count(*) FROM "{schema}".matter').fetchone()[0]
    assert count == 1
    migrations = run(url, "calendar", "sources", "--json")
    assert migrations.exit_code == 0
    years = {row["year"]: row for row in json.loads(migrations.stdout)}
    assert years[2026]["provisional"] is False and years[2027]["provisional"] is True

    # The office loads a 2027 schedule: 4 and 5 January off, Saturday 9 January worked.
    schedule = tmp_path / "2027.json"
    days = [("2027-01-01", True), ("2027-01-04", True), ("2027-01-05", True), ("2027-01-09", False)]
    schedule.write_text(
        json.dumps(
            {
                "year": 2027,
                "days": [{"name": "元旦", "date": d, "isOffDay": off} for d, off in days],
            }
        ),
        encoding="utf-8",
    )
    ok(url, "calendar", "load", str(schedule))
    changed = ok(url, "calendar", "recompute", "--json")
    # From Sun 2026-12-20: 21-25 (5), 28-31 (9), 1 Jan off, 4-5 Jan off, 6-8 (12),
    # Sat 9 make-up (13), 11, 12 (15) → 2027-01-12.
    assert [(c["code"], c["after"], c["provisional"]) for c in changed] == [
        (before["code"], "2027-01-12", False)
    ]
    shown = ok(url, "show", before["code"], "--json")
    assert (shown["due"], shown["due_provisional"]) == ("2027-01-12", False)


def test_writers_registering_at_once_each_get_the_next_number(pg_url):
    """Two clerks taking the same number at once: the second takes the next, no error."""
    import subprocess
    import sys

    from test_concurrency import WRITER

    url, schema = pg_url
    ok(url, "init")
    writers, each = 4, 10
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"clerk{w}", str(each)],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for w in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with pg_connect() as conn:
        codes = [c for (c,) in conn.execute(f'SELECT code FROM "{schema}".matter ORDER BY seq')]
    assert codes == [f"DB-2026-{n:04d}" for n in range(1, writers * each + 1)]


def test_the_migrated_schema_is_what_the_models_would_create(pg_url):
    """On PostgreSQL as on SQLite (test_register_db): the migrations' tables, columns and
    their types, keys, indexes, unique constraints and foreign keys are what
    `SQLModel.metadata.create_all` makes from duban.models."""
    from sqlalchemy import create_engine, inspect
    from sqlmodel import SQLModel

    import duban.models  # noqa: F401  (the tables register themselves)

    url, schema = pg_url
    ok(url, "init")
    other = f"{schema}_create_all"
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{other}"')
    made = f"{url.split('?')[0]}?options=-csearch_path%3D{other}"
    engines = [
        create_engine(u.replace("postgresql://", "postgresql+psycopg://")) for u in (url, made)
    ]
    try:
        SQLModel.metadata.create_all(engines[1])

        def shape(engine):
            seen = inspect(engine)
            return {
                table: (
                    sorted(
                        (c["name"], str(c["type"]), c["nullable"]) for c in seen.get_columns(table)
                    ),
                    seen.get_pk_constraint(table)["constrained_columns"],
                    sorted(
                        (i["name"], bool(i["unique"]), tuple(i["column_names"]))
                        for i in seen.get_indexes(table)
                    ),
                    sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(table)),
                    sorted(
                        (
                            tuple(f["constrained_columns"]),
                            f["referred_table"],
                            tuple(f["referred_columns"]),
                        )
                        for f in seen.get_foreign_keys(table)
                    ),
                )  # fmt: skip
                for table in seen.get_table_names()
                if table != "schema_migration"
            }

        migrated, created = (shape(e) for e in engines)
        assert set(migrated) == set(created) == set(SQLModel.metadata.tables)
        for table in created:
            assert migrated[table] == created[table], table
    finally:
        for engine in engines:
            engine.dispose()
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{other}" CASCADE')
