"""The register file itself: created private, WAL, migrated once, models and schema agree,
a refused command changes nothing, and "today" is the office's date."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import TEST_USER, Cli, query
from conftest import snapshot_of as snapshot
from sqlmodel import SQLModel

import duban.models  # noqa: F401  (the tables register themselves with SQLModel.metadata)
from duban.migrations import LATEST, MIGRATIONS

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
DONGSHENG = "东胜区人民政府"


def codes_of(data):
    return [m["code"] for m in data]


# -- the file ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [False, True], ids=["path", "sqlite-url"])
def test_a_change_creates_the_register_readable_by_its_owner_only(assert_error, tmp_path, url):
    path = tmp_path / "new.db"
    cli = Cli(f"sqlite:///{path}" if url else path)
    assert cli("register", "x", "--source", "other", "--received", "2026-11-02").exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for made in (path, *tmp_path.glob("new.db-*")):  # -wal, -shm if kept
        assert stat.S_IMODE(os.stat(made).st_mode) == 0o600, made


@pytest.mark.parametrize("command", [["list"], ["overdue", "--today", "--exit-code"], ["show", "1"],
                                     ["history"], ["unit", "list"]])  # fmt: skip
def test_a_command_that_only_reads_never_creates_a_register(assert_error, tmp_path, command):
    """A mistyped DUBAN_DB is an error (exit 5), not an empty register that says all is well."""
    mistyped = tmp_path / "regsiter.db"
    assert_error(Cli(mistyped)(*command), 5, f"there is no register at {mistyped}")
    assert not mistyped.exists()
    url = f"sqlite:///{mistyped}"
    assert_error(Cli(url)(*command), 5, "there is no register")
    assert not mistyped.exists()


def test_init_creates_the_register_once(tmp_path):
    path = tmp_path / "r.db"
    cli = Cli(path)
    assert cli.check("init", "--json").data == {"register": str(path), "schema": LATEST,
                                                 "created": True}  # fmt: skip
    assert cli.check("init", "--json").data["created"] is False
    assert cli.check("list", "--json").data == []


@pytest.mark.parametrize(
    "command",
    [
        ["register", "x", "--source", "rumour"],
        ["assign", "DB-2026-0001", "--lead", "市教育局"],
        ["unit", "edit", "市教育局", "--head", "王"],
        ["config", "timezone", "Mars/Olympus"],
    ],
)
def test_a_change_refused_on_a_new_register_leaves_no_file(assert_error, tmp_path, command):
    path = tmp_path / "r.db"
    result = Cli(path)(*command)
    assert result.exit_code in (2, 3), result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite_only
def test_the_register_is_in_wal_mode(cli, db_path):
    assert cli("list").exit_code == 0
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_migrations_are_recorded_and_applied_once(cli, json_of, db_path):
    assert cli("list").exit_code == 0
    first = query(
        db_path, "SELECT version, name, applied_at FROM schema_migration ORDER BY version"
    )
    assert [row[0] for row in first] == [version for version, _, _ in MIGRATIONS]
    assert first[0][0] == 1
    # Opening the register again, to read and to write, applies nothing again.
    assert cli("register", "x", "--source", "other", "--received", "2026-11-02").exit_code == 0
    assert codes_of(json_of(cli("list", "--json"))) == ["DB-2026-0001"]
    again = query(
        db_path, "SELECT version, name, applied_at FROM schema_migration ORDER BY version"
    )
    assert again == first


@pytest.mark.sqlite_only  # on PostgreSQL: test_postgres.py
def test_the_models_and_the_migrated_schema_agree(cli, db_path):
    assert cli("list").exit_code == 0
    tables = {
        name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert tables - {"schema_migration"} == set(SQLModel.metadata.tables)
    for name, table in SQLModel.metadata.tables.items():
        # PRAGMA table_info: cid, name, type, notnull, default, pk
        in_file = {
            (col, bool(notnull) or pk > 0, pk > 0)
            for _, col, _, notnull, _, pk in query(db_path, f'PRAGMA table_info("{name}")')
        }
        in_models = {(c.name, not c.nullable, c.primary_key) for c in table.columns}
        assert in_file == in_models, name
        # Named indexes (those the models ask for with index=True).
        file_indexes = {
            (index, bool(unique))
            for _, index, unique, origin, _ in query(db_path, f'PRAGMA index_list("{name}")')
            if origin == "c"
        }
        assert file_indexes == {(i.name, bool(i.unique)) for i in table.indexes}, name


def test_a_register_from_a_newer_duban_is_refused(cli, assert_error, db_path):
    assert cli("register", "x", "--source", "other", "--received", "2026-11-02").exit_code == 0
    query(
        db_path,
        "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, 'future', ?)",
        LATEST + 1,
        "2030-01-01 00:00:00",
    )
    before = snapshot(db_path)
    assert_error(cli("list"), 5, "newer", "upgrade")
    assert_error(cli("register", "y", "--source", "other", "--received", "2026-11-03"), 5, "newer")
    assert snapshot(db_path) == before


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_register_is_one_line_and_untouched(cli, assert_error, db_path):
    db_path.write_bytes(b"this is a spreadsheet, not a register\n" * 200)
    before = db_path.read_bytes()
    assert_error(cli("list"), 5, "register")
    assert db_path.read_bytes() == before


def test_a_register_in_a_missing_folder_is_bad_usage(cli, assert_error, tmp_path):
    missing = tmp_path / "no" / "such" / "register.db"
    change = ["register", "x", "--source", "other"]
    assert_error(cli(*change, env={"DUBAN_DB": str(missing)}), 2, "does not exist")
    assert_error(cli("list", env={"DUBAN_DB": str(missing)}), 5, "no register")
    assert not missing.parent.exists()


def test_db_given_on_the_command_line_beats_the_environment(cli, json_of, db_path, tmp_path):
    other = tmp_path / "other.db"
    assert (
        cli(
            "--db", other, "register", "x", "--source", "other", "--received", "2026-11-02"
        ).exit_code
        == 0
    )
    assert (
        cli(
            "register", "y", "--db", other, "--source", "other", "--received", "2026-11-02"
        ).exit_code
        == 0
    )
    assert codes_of(json_of(cli("list", "--json", "--db", other))) == [
        "DB-2026-0001",
        "DB-2026-0002",
    ]
    assert json_of(cli("list", "--json")) == []  # DUBAN_DB's register got nothing
    assert query(db_path, "SELECT count(*) FROM matter") == [(0,)]


# -- a refused or failed command changes nothing --------------------------------------


def test_refused_and_failed_commands_leave_the_register_unchanged(
    cli, json_of, assert_error, units, register, report, db_path, tmp_path
):
    a = register(received="2026-11-02")["code"]
    assert (
        cli(
            "assign", a, "--lead", HOUSING, "--participant", DONGSHENG, "--on", "2026-11-03"
        ).exit_code
        == 0
    )
    pending = report(
        a, HOUSING, "--written", "--signed-by", "张建国", on="2026-11-20", complete=False
    )["id"]
    b = register(received="2026-11-02", source="meeting", title="落实常务会议决定")["code"]
    assert cli("assign", b, "--lead", ECOLOGY, "--on", "2026-11-03").exit_code == 0
    accepted = report(b, ECOLOGY, on="2026-11-19")["id"]
    assert cli("review", accepted, "--accept", "--on", "2026-11-20").exit_code == 0
    assert cli("close", b, "--on", "2026-11-23").exit_code == 0
    c = register(received="2026-11-04", source="hotspot", title="整治背街小巷")["code"]
    assert cli("unit", "add", "市人民政府").exit_code == 0
    assert cli("unit", "edit", DONGSHENG, "--parent", "市人民政府").exit_code == 0
    good_then_bad = tmp_path / "units.csv"
    good_then_bad.write_text(
        "name,kind,parent\n市审计局,department,\n市统计局,department,\n市税务局,ministry,\n",
        encoding="utf-8",
    )
    bad_parent = tmp_path / "units2.csv"
    bad_parent.write_text("name,parent\n市审计局,\n市统计局,市政府办\n", encoding="utf-8")

    before = snapshot(db_path)
    for table in ("unit", "matter", "assignment", "report", "review", "deadline", "history"):
        assert before[table][1], f"the scene has no {table} rows"

    refused = [
        (["register", "x", "--source", "rumour", "--received", "2026-11-02"], 2),
        (["register", "研究解决城区供暖问题", "--source", "other", "--received", "2026-11-03"], 4),
        (
            [
                "register",
                "x",
                "--source",
                "other",
                "--received",
                "2026-11-02",
                "--due",
                "2026-12-01",
                "--within",
                3,
            ],
            2,
        ),
        (["register", "x", "--source", "other", "--received", "2026/13/01"], 2),
        (["register", " ", "--source", "other", "--received", "2026-11-02"], 2),
        (["assign", c, "--lead", HOUSING, "--participant", "市教育", "--on", "2026-11-05"], 3),
        (["assign", c, "--lead", HOUSING, "--lead", "市住建局", "--on", "2026-11-05"], 3),
        (["assign", a, "--lead", "市教育局", "--lead", HOUSING, "--on", "2026-11-05"], 4),
        (["assign", c, "--lead", ECOLOGY, "--on", "2026-11-05", "--within", 0], 2),
        (["assign", b, "--lead", "市教育局", "--on", "2026-11-25"], 4),
        (["assign", "DB-2026-0099", "--lead", HOUSING, "--on", "2026-11-05"], 3),
        (
            [
                "report",
                a,
                "--unit",
                DONGSHENG,
                "--kind",
                "progress",
                "--text",
                "x",
                "--on",
                "2026-11-21",
            ],
            4,
        ),
        (
            [
                "report",
                a,
                "--unit",
                "市教育局",
                "--kind",
                "final",
                "--text",
                "x",
                "--on",
                "2026-11-21",
            ],
            4,
        ),
        (
            [
                "report",
                a,
                "--unit",
                HOUSING,
                "--kind",
                "summary",
                "--text",
                "x",
                "--on",
                "2026-11-21",
            ],
            2,
        ),
        (
            [
                "report",
                a,
                "--unit",
                HOUSING,
                "--kind",
                "final",
                "--text",
                "x",
                "--on",
                "2026-11-31",
            ],
            2,
        ),
        (["report", "DB-2026-0099", "--unit", HOUSING, "--kind", "final", "--text", "x"], 3),
        (
            [
                "report",
                b,
                "--unit",
                ECOLOGY,
                "--kind",
                "progress",
                "--text",
                "x",
                "--on",
                "2026-11-24",
            ],
            4,
        ),
        (["review", pending, "--accept", "--on", "2026-11-23"], 4),
        (["review", pending, "--return", "--on", "2026-11-23"], 2),
        (
            [
                "review",
                pending,
                "--return",
                "--reason",
                "x",
                "--due",
                "2026-11-01",
                "--on",
                "2026-11-23",
            ],
            2,
        ),
        (["review", accepted, "--accept", "--on", "2026-11-23"], 4),
        (["review", 999, "--accept", "--on", "2026-11-23"], 3),
        (["close", a, "--on", "2026-11-24"], 4),
        (["close", b, "--on", "2026-11-24"], 4),
        (["close", c, "--on", "2026-11-24"], 4),
        (["close", "DB-2026-0099", "--on", "2026-11-24"], 3),
        (["unit", "add", HOUSING, "--head", "某人"], 2),
        (["unit", "add", "市审计局", "--parent", "市政府办"], 3),
        (["unit", "edit", "市人民政府", "--parent", DONGSHENG], 4),
        (["unit", "edit", "市教育", "--head", "某人"], 3),
        (["unit", "import", good_then_bad], 2),
        (["unit", "import", bad_parent], 3),
        (["config", "timezone", "Mars/Olympus_Mons"], 2),
        (["config", "default_within", "0"], 2),
        (["overdue", "--today", "--as-of", "2026-11-24"], 2),
        (["list", "--unit", "市教育"], 3),
        (["show", "DB-2026-0099"], 3),
    ]
    for args, code in refused:
        result = cli(*args)
        assert_error(result, code)
        assert result.stdout == "", args
    assert snapshot(db_path) == before


# -- today, in the office's time zone ------------------------------------------------

LATE_EVENING_UTC = {"DUBAN_NOW": "2026-11-25T23:30:00+00:00"}  # 07:30 on 11-26 in Beijing


def test_today_is_the_date_in_shanghai_by_default(cli, json_of):
    data = json_of(cli("register", "x", "--source", "other", "--json", env=LATE_EVENING_UTC))
    assert data["received"] == "2026-11-26"
    # Thu 11-26: Fri 27 (1), Mon 30 (2), Dec 1-4 (6), 7-11 (11), 14-17 (15).
    assert data["due"] == "2026-12-17"
    assert data["code"] == "DB-2026-0001"
    # "today" typed by hand is the same date.
    typed = json_of(
        cli(
            "register",
            "y",
            "--source",
            "other",
            "--received",
            "today",
            "--json",
            env=LATE_EVENING_UTC,
        )
    )
    assert typed["received"] == "2026-11-26"


def test_duban_tz_sets_the_zone_for_one_run(cli, json_of):
    env = {**LATE_EVENING_UTC, "DUBAN_TZ": "UTC"}
    data = json_of(cli("register", "x", "--source", "other", "--json", env=env))
    assert data["received"] == "2026-11-25"
    # Wed 11-25: 26, 27 (2), 30 (3), Dec 1-4 (7), 7-11 (12), 14, 15, 16 (15).
    assert data["due"] == "2026-12-16"


def test_the_registers_time_zone_setting(cli, json_of):
    result = cli("config", "timezone", "UTC", "--json", env=LATE_EVENING_UTC)
    assert json_of(result)["value"] == "UTC"
    data = json_of(cli("register", "x", "--source", "other", "--json", env=LATE_EVENING_UTC))
    assert data["received"] == "2026-11-25"
    # DUBAN_TZ still overrides the setting for one run.
    env = {**LATE_EVENING_UTC, "DUBAN_TZ": "Asia/Shanghai"}
    assert (
        json_of(cli("register", "y", "--source", "other", "--json", env=env))["received"]
        == "2026-11-26"
    )
    # The setting is kept in the register, and its change is in the history.
    assert json_of(cli("config", "timezone", "--json"))["value"] == "UTC"
    changes = query(cli.db, "SELECT action, actor FROM history WHERE action = 'config.set'")
    assert changes == [("config.set", TEST_USER)]


def test_defaults_to_today_for_every_business_date(cli, json_of, units, show):
    code = json_of(cli("register", "x", "--source", "other", "--json", env=LATE_EVENING_UTC))[
        "code"
    ]
    assert cli("assign", code, "--lead", HOUSING, env=LATE_EVENING_UTC).exit_code == 0
    rid = json_of(
        cli(
            "report",
            code,
            "--unit",
            HOUSING,
            "--kind",
            "final",
            "--text",
            "x",
            "--written",
            "--signed-by",
            "张建国",
            "--sealed",
            "--json",
            env=LATE_EVENING_UTC,
        )
    )["id"]
    assert cli("review", rid, "--accept", env=LATE_EVENING_UTC).exit_code == 0
    closed = json_of(cli("close", code, "--json", env=LATE_EVENING_UTC))
    assert closed["closed"] == "2026-11-26"
    matter = show(code)
    assert matter["assignments"][0]["notified"] == "2026-11-26"
    assert matter["reports"][0]["received"] == "2026-11-26"
    assert {e["effective_on"] for e in matter["history"]} == {"2026-11-26"}


@pytest.mark.parametrize("bad", ["tomorrow-ish", "2026-11-26 25:00"])
def test_a_bad_clock_is_a_one_line_error(cli, assert_error, bad):
    assert_error(cli("register", "x", "--source", "other", env={"DUBAN_NOW": bad}), 2, "DUBAN_NOW")


@pytest.mark.sqlite_only  # on PostgreSQL: test_postgres.py
def test_the_migrated_schema_is_what_the_models_would_create(cli, db_path, tmp_path):
    """Types, keys and unique constraints too: a fresh create_all and the migrations agree."""
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    assert cli("list").exit_code == 0
    fresh = tmp_path / "create_all.db"
    engine = create_engine(f"sqlite:///{fresh}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()

    def shape(path):
        out = {}
        for (name,) in query(path, "SELECT name FROM sqlite_master WHERE type = 'table'"):
            if name == "schema_migration":
                continue
            columns = {
                (col, type_.upper(), bool(notnull), pk)
                for _, col, type_, notnull, _, pk in query(path, f'PRAGMA table_info("{name}")')
            }
            indexes = {
                (bool(unique), tuple(c for _, _, c in query(path, f'PRAGMA index_info("{index}")')))
                for _, index, unique, _, _ in query(path, f'PRAGMA index_list("{name}")')
            }
            out[name] = (columns, indexes)
        return out

    assert shape(db_path) == shape(fresh)
