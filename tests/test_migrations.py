"""A register made by an earlier release opens in this one, migrated, with nothing lost.

Each register in tests/data/registers was written by the release in its name, with what
that release printed of it beside it (see the README there).  A copy is opened by the
current duban; every matter, deadline, assignment, report, review, unit, setting and
history entry must read back the same, under this release's names.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import FIXED_NOW, Cli

from duban.migrations import _ACTIONS_0002, LATEST

DATA = Path(__file__).parent / "data" / "registers"
# The released versions (duban-0.1.0), and a register made where each schema version
# since landed (duban-schema-N; see the README there).
REGISTERS = sorted(p.stem for p in DATA.glob("duban-*.db"))
RELEASES = [r for r in REGISTERS if not r.startswith("duban-schema-")]
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=[(r, b) for r in REGISTERS for b in BACKENDS], ids=lambda p: "-".join(p))
def any_old(request, tmp_path):
    """`old`, for every register kept: the releases and one at each schema version."""
    return _opened(request, tmp_path, *request.param)


@pytest.fixture(params=[(r, b) for r in RELEASES for b in BACKENDS], ids=lambda p: "-".join(p))
def old(request, tmp_path):
    """(a Cli on a copy of the release's register, what that release printed of it).

    On PostgreSQL the copy is the same rows in a schema of its own, at the release's
    schema version, so the same migration runs there.
    """
    return _opened(request, tmp_path, *request.param)


def _opened(request, tmp_path, release, backend):
    copy = tmp_path / "register.db"
    shutil.copy2(DATA / f"{release}.db", copy)
    then = json.loads((DATA / f"{release}.json").read_text(encoding="utf-8"))
    if backend == "sqlite":
        return Cli(copy, env={"DUBAN_NOW": FIXED_NOW}), then
    url, _ = request.getfixturevalue("pg_schema")
    _copy_to_postgresql(copy, url)
    return Cli(url, env={"DUBAN_NOW": FIXED_NOW}), then


def _copy_to_postgresql(path: Path, url: str) -> None:
    """A SQLite register's rows, into the empty schema at `url` made by the same
    release's migration steps (the same schema version)."""
    import datetime as dt

    from sqlalchemy import MetaData, create_engine, func, select, text

    from duban.migrations import _RECORD, MIGRATIONS

    source = create_engine(f"sqlite:///{path}")
    target = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    tables = MetaData()
    tables.reflect(source)
    try:
        with source.connect() as read, target.begin() as write:
            version = read.execute(select(func.max(tables.tables["schema_migration"].c.version)))
            upto = version.scalar()
            _RECORD.create(write)
            for number, name, step in MIGRATIONS:
                if number <= upto:
                    step(write)
                    applied = dt.datetime.now(dt.UTC)
                    write.execute(_RECORD.insert().values(version=number, name=name,
                                                          applied_at=applied))  # fmt: skip
            made = MetaData()
            made.reflect(write)
            # matter and deadline point at each other (schema 2 on): the rows are copied
            # whole, so their foreign keys are not checked one table at a time.
            write.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables.tables.values():  # any order: checks are off (above)
                if table.name == "schema_migration":
                    continue
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                if rows:
                    write.execute(made.tables[table.name].insert(), rows)
                if "id" in table.c:  # the next id follows the copied ones
                    top = write.execute(select(func.max(table.c.id))).scalar() or 0
                    write.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                       f"'id'), {top + 1}, false)"))  # fmt: skip
    finally:
        source.dispose()
        target.dispose()


def renamed(action: str) -> str:
    return _ACTIONS_0002.get(action, action)


def test_every_release_is_kept():
    assert RELEASES == ["duban-0.1.0"]
    assert [*RELEASES, *(f"duban-schema-{n}" for n in range(2, LATEST))] == REGISTERS


def test_the_register_is_migrated_to_this_version(any_old):
    cli, _ = any_old
    assert cli.check("init", "--json").data["schema"] == LATEST
    if not isinstance(cli.db, Path):
        return
    with closing(sqlite3.connect(cli.db)) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migration")]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert versions == list(range(1, LATEST + 1))


def test_matters_and_units_and_settings_read_back_the_same(old):
    cli, then = old
    # What this release added reads as nothing said: no proposer, no short names.
    # The warning lights (added since) are judged on today: left out here.
    # Periodic reporting (report_every) and last_report came later too.
    found = cli.check("list", "--json").data
    assert all(m["report_every"] is None for m in found)
    assert all(m["restricted"] is False for m in found)  # 涉密 (第三条) came later
    listed = [
        {k: v for k, v in m.items()
         if k not in ("light", "report_every", "last_report", "restricted")}
        for m in found
    ]  # fmt: skip
    assert listed == [{**m, "proposal_by": None} for m in then["list"]]
    assert cli.check("unit", "list", "--json").data == [{**u, "aliases": []}
                                                        for u in then["units"]]  # fmt: skip
    # Settings added since the release read as their defaults.
    settings = {s["key"]: s for s in cli.check("config", "--json").data}
    assert [settings[s["key"]] for s in then["config"]] == then["config"]
    assert {
        k: settings[k]["value"] for k in set(settings) - {s["key"] for s in then["config"]}
    } == {
        "lang": "",
        "date_format": "iso",
        "light_thresholds": "10:2,30:5,*:10",
        "source_deadlines": "proposal:3m",
        "rest_day_due": "next",
        "attachments_dir": "",
        "notify_command": "",
        "commend_rule": "on_time_all,none_returned",
        "criticise_rule": "overdue_after_urging",
        "office_name": "鄂尔多斯市人民政府督查室",
        "office_contact": "",
        "document_cc": "",
        "urge_report_within": "3",
        "future_days": "0",
        "deadline_years": "5",
    }


def test_each_matter_reads_back_whole(old):
    cli, then = old
    for code, before in then["show"].items():
        now = cli.check("show", code, "--json").data
        for key in ("assignments", "reports"):
            # The warning lights (added since) are judged on today: left out here.
            # So are a report's milestone and late reason: nothing said them.
            later = ("light", "milestone_id", "late_reason")
            assert all(x.get(k) is None for x in now[key] for k in later[1:])
            now_ = [{k: v for k, v in x.items() if k not in later} for x in now[key]]
            assert now_ == before[key], (code, key)
        assert now["proposal_by"] is None  # added by this release: nothing said it
        assert now["urgings"] == []  # urging (催办) came later: none was recorded
        assert now["plan"] is None  # the supervision plan (督查方案) came later
        assert now["milestones"] == [] and now["report_every"] is None  # so did these
        assert now["coordinations"] == now["inspections"] == now["attachments"] == []
        assert now["restricted"] is False  # 涉密 (第三条) came later
        assert {k: v for k, v in now.items() if k not in ("assignments", "reports", "restricted",
                "history", "deadlines", "proposal_by", "urgings", "plan", "milestones",
                "report_every", "last_report", "coordinations", "inspections",
                "attachments", "as_of", "light")} == {k: v for k, v in before.items()
                if k not in ("assignments", "reports", "history")}  # fmt: skip
        assert [(e["id"], renamed(e["action"]), e["effective_on"], e["actor"], e["detail"])
                for e in before["history"]] == [(e["id"], e["action"], e["effective_on"],
                e["actor"], e["detail"]) for e in now["history"]]  # fmt: skip


def test_deadlines_become_rows_dated_by_what_changed_them(old):
    cli, _ = old
    shown = cli.check("show", "DB-2026-0002", "--json").data
    rows = [(d["unit"], d["why"], d["due"], d["effective_on"]) for d in shown["deadlines"]]
    assert rows == [
        (None, "register", "2026-11-09", "2026-10-12"),
        ("市生态环境局", "assign", "2026-11-09", "2026-10-13"),
        ("市生态环境局", "rework", "2026-11-20", "2026-11-06"),  # returned on 11-06
        ("市自然资源局", "assign", "2026-11-09", "2026-10-13"),
        ("市自然资源局", "extension", "2026-12-18", "2026-11-11"),  # accepted on 11-11
        ("伊金霍洛旗人民政府", "assign", "2026-11-09", "2026-10-13"),
    ]
    # The provisional 2027 deadlines stay provisional, with their rule, for recompute.
    later = cli.check("show", "DB-2026-0004", "--json").data["deadlines"]
    assert [(d["why"], d["due"], d["due_provisional"], d["counted_from"], d["within"])
            for d in later] == [
        ("register", "2027-01-11", True, "2026-12-20", 15),
        ("assign", "2027-01-07", True, "2026-12-21", 12),
    ]  # fmt: skip


def test_the_migrated_register_works_on(old):
    cli, _ = old
    made = cli.check("register", "新事项", "--source", "other", "--received", "2026-11-02",
                     "--json").data  # fmt: skip
    # The register's own setting (10 working days) still holds: 11-03..06, 09..13, 16 = 10.
    assert (made["code"], made["due"]) == ("DB-2026-0005", "2026-11-16")
    # Never assigned and past their deadlines: the deputy's proposal, and the new matter.
    late = cli.check("overdue", "--as-of", "2026-11-26", "--json").data
    assert [(r["code"], r["unit"], r["due"]) for r in late] == [
        ("DB-2026-0003", None, "2026-11-16"),
        ("DB-2026-0005", None, "2026-11-16"),
    ]


def test_the_migrated_register_takes_short_names_and_proposers(old):
    """Step 4: units' short names (简称), and whose proposal a matter is (第十条)."""
    cli, then = old
    unit = then["units"][0]["name"]
    assert cli.check("unit", "edit", unit, "--alias", "简称甲", "--json").data["aliases"] == [
        "简称甲"
    ]
    made = cli.check("register", "政协委员的提案", "--source", "政协提案", "--received",
                     "2026-11-02", "--json").data  # fmt: skip
    assert made["proposal_by"] == "cppcc"
    assert [m["code"] for m in cli.check("list", "--source", "政协提案", "--json").data] == [
        made["code"]
    ]
    cli.check("assign", made["code"], "--lead", "简称甲", "--on", "2026-11-03")
    assert [a["unit"] for a in cli.check("show", made["code"], "--json").data["assignments"]] == [
        unit
    ]


# -- every register kept, at whatever schema it was made --------------------------------

# What later versions show that no earlier one stored: judged now (the lights, on the
# same fixed day), read from what was stored (the last report's day), or made from it by
# a migration (0.1.0's deadlines as rows: test_deadlines_become_rows_dated_by_what_...).
COMPUTED = {"light", "last_report", "deadlines"}


def _kept(then, now, where="") -> list[str]:
    """Where `now` lost or changed what `then` printed; a key added since must say
    nothing (null, false, empty) unless it is computed from what was kept."""
    if isinstance(then, dict):
        lost = [f"{where}.{k}: gone" for k in then if k not in now]
        lost += [f"{where}.{k}: {now[k]!r} added" for k in now
                 if k not in then and k not in COMPUTED and now[k] not in (None, False, [], "")]  # fmt: skip
        for k in then:
            if k in now:
                lost += _kept(
                    renamed(then[k]) if k == "action" else then[k], now[k], f"{where}.{k}"
                )
        return lost
    if isinstance(then, list) and isinstance(now, list) and len(then) == len(now):
        return [x for i, (a, b) in enumerate(zip(then, now, strict=True))
                for x in _kept(a, b, f"{where}[{i}]")]  # fmt: skip
    return [] if then == now else [f"{where}: {then!r} became {now!r}"]


def test_every_register_reads_back_as_its_version_printed_it(any_old):
    """The list, each matter shown in full (its units, reports, reviews, deadlines, the
    history), the units, and every setting, as the version that made the register
    printed them: nothing lost, nothing changed, nothing invented."""
    cli, then = any_old
    now = {
        "list": cli.check("list", "--json").data,
        "show": {code: cli.check("show", code, "--json").data for code in then["show"]},
        "units": cli.check("unit", "list", "--json").data,
    }
    assert _kept({k: then[k] for k in now}, now) == []
    settings = {s["key"]: s["value"] for s in cli.check("config", "--json").data}
    assert {s["key"]: settings.get(s["key"]) for s in then["config"]} == {
        s["key"]: s["value"] for s in then["config"]
    }


def _schema(url: str) -> dict:
    """Tables, their columns (type, null), indexes and foreign keys, as the database has them."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        found = inspect(engine)
        return {
            table: (
                {c["name"]: (str(c["type"]), c["nullable"]) for c in found.get_columns(table)},
                sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in found.get_indexes(table)
                ),  # fmt: skip
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in found.get_foreign_keys(table)
                ),  # fmt: skip
            )
            for table in found.get_table_names()
        }
    finally:
        engine.dispose()


def test_the_migrated_schema_is_a_new_registers(any_old, tmp_path, request):
    """Migrated, a register has exactly the tables, columns, indexes and foreign keys of
    one made new by this version: no step was skipped, none left half done."""
    cli, _ = any_old
    cli.check("init")
    if isinstance(cli.db, Path):
        new = tmp_path / "new.db"
        Cli(new).check("init")
        url, new_url = f"sqlite:///{cli.db}", f"sqlite:///{new}"
    else:
        new_url = request.getfixturevalue("pg_schema")[0]
        Cli(new_url).check("init")
        url = cli.db
    assert _schema(url) == _schema(new_url)


def test_every_migrated_register_takes_a_whole_cycle(any_old):
    """A matter registered, assigned, reported on, accepted and closed in the migrated
    register; `duban check` finds it healthy afterwards."""
    cli, then = any_old
    unit = then["units"][0]
    made = cli.check("register", "迁移后的新事项", "--source", "other", "--received",
                     "2026-11-02", "--json").data  # fmt: skip
    assert made["code"] == f"DB-2026-{len(then['list']) + 1:04d}"
    cli.check("unit", "edit", unit["name"], "--head", "新负责人")
    cli.check("assign", made["code"], "--lead", unit["name"], "--on", "2026-11-03")
    report = cli.check("report", made["code"], "--unit", unit["name"], "--kind", "final",
                       "--text", "已办结", "--written", "--signed-by", "新负责人", "--sealed",
                       "--on", "2026-11-20", "--json").data  # fmt: skip
    cli.check("review", report["id"], "--accept", "--on", "2026-11-23")
    cli.check("close", made["code"], "--on", "2026-11-24")
    assert cli.check("show", made["code"], "--json").data["status"] == "closed"
    found = cli.check("check", "--json").data
    assert found["ok"] is True, found
