"""Tamper evidence: the history as a hash chain, and `duban verify`.

`verify` exits 0 on a register only duban wrote, and 1, naming the table and the matter,
once any row of the history or of the tables it protects was changed outside duban
(here: with sqlite3 or psycopg, as someone with the database file would).  The scene is
a whole supervision cycle through the CLI (`build_cycle`): units, a matter registered,
assigned, reported on with a milestone and an attachment, returned, extended, urged
(piped to a notify command), coordinated, inspected, accepted and closed; a correction,
a cancellation, a red notice, a calendar loaded and a day set, a deadline recounted,
settings changed.  Dates are explicit; the clock is fixed at 2026-12-31 (`NOW`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from conftest import Cli, assert_error, pg_connect

from duban import chain

# The register file, changed and read with sqlite3; the tests on PostgreSQL here use a
# schema of their own (pg_schema) and run in the SQLite run of the suite.
pytestmark = pytest.mark.sqlite_only

NOW = "2026-12-31T10:00:00+08:00"
DATA = Path(__file__).parent / "data" / "registers"
PROTECTED = (
    "matter", "assignment", "deadline", "report", "review", "urging", "milestone",
    "coordination", "inspection", "attachment", "unit", "unit_alias", "unit_head", "setting",
    "calendar_year", "calendar_day", "notice", "history",
)  # fmt: skip


def build_cycle(cli: Cli, folder: Path | None = None) -> None:
    """The whole cycle, every protected table written (see the module's docstring)."""
    c = Cli(cli.db, env={**cli.env, "DUBAN_NOW": NOW})
    folder = folder or Path(str(cli.db)).parent
    scan, schedule = folder / "scan.pdf", folder / "2027.json"
    scan.write_bytes(b"%PDF-1.4 sealed scan")
    schedule.write_text(json.dumps({"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    if "://" in str(cli.db):  # a shared register keeps attached files where it is told
        (folder / "files").mkdir(exist_ok=True)
        c.check("config", "attachments_dir", folder / "files")
    steps = [
        ("unit", "add", "市住房和城乡建设局", "--code", "zjj", "--head", "张建国"),
        ("unit", "add", "东胜区人民政府", "--code", "dsq", "--head", "刘伟", "--kind", "district"),
        ("unit", "edit", "zjj", "--alias", "住建局"),
        ("unit", "edit", "dsq", "--head", "王芳"),
        ("config", "notify_command", "cat > /dev/null"),
        ("register", "研究解决城区供暖问题", "--source", "instruction", "--received", "2026-11-02",
         "--plan", "先摸排后整改"),
        ("assign", "DB-2026-0001", "--lead", "zjj=周涛", "--participant", "dsq",
         "--on", "2026-11-03"),
        ("milestone", "add", "DB-2026-0001", "完成现场摸排", "--unit", "zjj", "--due", "2026-11-13",
         "--on", "2026-11-03"),
        ("report", "DB-2026-0001", "--unit", "zjj", "--kind", "progress", "--text", "已完成摸排",
         "--milestone", "1", "--attach", scan, "--on", "2026-11-12"),
        ("report", "DB-2026-0001", "--unit", "zjj", "--kind", "final", "--text", "已办结",
         "--written", "--signed-by", "张建国", "--sealed", "--on", "2026-11-16"),
        ("review", "2", "--return", "--reason", "未附整改清单", "--due", "2026-11-27",
         "--on", "2026-11-18"),
        ("report", "DB-2026-0001", "--unit", "zjj", "--kind", "explanation", "--text", "需协调资金",
         "--propose-due", "2026-12-10", "--on", "2026-11-25"),
        ("urge", "DB-2026-0001", "--via", "phone", "--on", "2026-11-30"),
        ("review", "3", "--accept", "--on", "2026-12-01"),
        ("coordinate", "DB-2026-0001", "--units", "zjj,dsq", "--note", "分工不明",
         "--on", "2026-12-02"),
        ("inspect", "DB-2026-0001", "--method", "实地督查", "--note", "现场查看", "--on", "2026-12-03"),
        ("report", "DB-2026-0001", "--unit", "zjj", "--kind", "final", "--text", "整改清单已附",
         "--written", "--signed-by", "张建国", "--sealed", "--on", "2026-12-08"),
        ("review", "4", "--accept", "--on", "2026-12-09"),
        ("close", "DB-2026-0001", "--on", "2026-12-10"),
        ("register", "落实常务会议决定", "--source", "meeting", "--received", "2026-11-10"),
        ("assign", "DB-2026-0002", "--lead", "dsq", "--on", "2026-11-11"),
        ("edit", "DB-2026-0002", "--ref", "第12次常务会议", "--reason", "录入遗漏", "--on", "2026-11-12"),
        ("notify", "--as-of", "2026-12-20"),
        ("register", "年度考核材料", "--source", "document", "--received", "2026-12-20"),
        ("cancel", "DB-2026-0003", "--reason", "不再督办", "--on", "2026-12-21"),
        ("calendar", "load", schedule),
        ("calendar", "set", "2026-12-28", "--off", "--name", "测试"),
        ("calendar", "recompute"),
        ("config", "default_within", "10"),
    ]  # fmt: skip
    for step in steps:
        c.check(*step)


@pytest.fixture
def cycle(cli, template) -> Cli:
    """A register after the whole cycle (built once per session, copied per test)."""
    template("verify-cycle", build_cycle)
    return cli


def verify(cli: Cli, *options: str, code: int | None = None) -> dict:
    result = cli("verify", "--json", *options)
    assert "Traceback" not in result.output
    if code is not None:
        assert result.exit_code == code, (result.stdout, result.stderr)
    data = json.loads(result.stdout)
    assert result.exit_code == (0 if data["ok"] else 1)
    return data


def by_hand(db: Path, *statements: str) -> None:
    """Change the register as someone with the file and sqlite3 would."""
    with closing(sqlite3.connect(db)) as conn, conn:
        for sql in statements:
            conn.execute(sql)


def tables_found(data: dict) -> set[str]:
    return {f["table"] for f in data["findings"]}


# -- an untouched register -----------------------------------------------------------------


def test_an_empty_register_verifies_clean(cli):
    data = verify(cli, code=0)
    assert data["ok"] is True and data["findings"] == []
    assert data["tables"] == list(PROTECTED)
    assert (data["entries"], data["matters"], data["head"]) == (0, 0, None)


def test_a_register_after_the_whole_cycle_verifies_clean(cycle, db_path):
    data = verify(cycle, code=0)
    with closing(sqlite3.connect(db_path)) as conn:
        empty = [t for t in PROTECTED if not conn.execute(f"SELECT 1 FROM {t}").fetchone()]
        entries, head = conn.execute(
            "SELECT count(*), (SELECT hash FROM history ORDER BY id DESC LIMIT 1) FROM history"
        ).fetchone()
        unchained = conn.execute("SELECT count(*) FROM history WHERE hash IS NULL").fetchone()[0]
    assert empty in ([], ["unit_head"])  # unit_head: once `unit edit --head` keeps dates
    assert (data["entries"], data["matters"], data["head"]) == (entries, 3, head)
    assert unchained == 0
    # The table output says the same, on stderr, for the person at the terminal.
    result = cycle("verify")
    assert result.exit_code == 0 and "verified" in result.stderr and head in result.stderr


def test_each_entry_links_to_the_one_before(cycle, db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute(
            "SELECT matter_id, action, detail, actor, recorded_at, effective_on, state, "
            "prev_hash, hash FROM history ORDER BY id"
        ).fetchall()
    links = chain.link(None, [r[:7] for r in rows])
    assert [(r[7], r[8]) for r in rows] == links


# -- the current tables, changed by hand ---------------------------------------------------

# One row of each protected table changed with sqlite3 (or, for a table the cycle leaves
# empty, one put in).
BY_HAND = {
    "matter": "UPDATE matter SET title = title || '（改）' WHERE id = 1",
    "assignment": "UPDATE assignment SET responsible = '某人' WHERE id = 1",
    "deadline": "UPDATE deadline SET due_on = '2026-12-31' WHERE id = 2",
    "report": "UPDATE report SET text = '改过' WHERE id = 1",
    "review": "UPDATE review SET reason = '改过' WHERE id = 1",
    "urging": "UPDATE urging SET note = '改过' WHERE id = 1",
    "milestone": "UPDATE milestone SET title = '改过' WHERE id = 1",
    "coordination": "UPDATE coordination SET note = '改过' WHERE id = 1",
    "inspection": "UPDATE inspection SET note = '改过' WHERE id = 1",
    "attachment": "UPDATE attachment SET name = 'other.pdf' WHERE id = 1",
    "unit": "UPDATE unit SET head = '李四' WHERE id = 1",
    "unit_alias": "UPDATE unit_alias SET alias = '建设局' WHERE id = 1",
    "unit_head": "INSERT INTO unit_head (unit_id, head, since, created_at, created_by) "
    "VALUES (1, '李四', '2026-11-01', '2026-11-01 00:00:00.000000', 'x')",
    "setting": "UPDATE setting SET value = '20' WHERE key = 'default_within'",
    "calendar_year": "UPDATE calendar_year SET source = 'forged.json'",
    "calendar_day": "UPDATE calendar_day SET off = 1 - off WHERE id = 1",
    "notice": "UPDATE notice SET ok = 1 - ok WHERE id = 1",
}


@pytest.mark.parametrize("table", list(BY_HAND))
def test_a_row_changed_by_hand_is_found_naming_its_table(cycle, db_path, table):
    by_hand(db_path, BY_HAND[table])
    data = verify(cycle, code=1)
    assert data["ok"] is False
    assert tables_found(data) == {table}, data["findings"]
    (finding,) = data["findings"]
    assert table in finding["message"] and "outside duban" in finding["message"]
    if table in chain.MATTER_TABLES:
        assert finding["code"] == "DB-2026-0001"


def test_a_deadline_edited_by_hand_is_found(cycle, db_path):
    """The issue's example: a unit's deadline moved in the database file."""
    with closing(sqlite3.connect(db_path)) as conn:
        (current,) = conn.execute(
            "SELECT d.id FROM deadline d JOIN assignment a ON a.deadline_id = d.id "
            "JOIN matter m ON m.id = a.matter_id WHERE m.code = 'DB-2026-0002'"
        ).fetchone()
    by_hand(db_path, f"UPDATE deadline SET due_on = '2027-03-01' WHERE id = {current}")
    data = verify(cycle, code=1)
    (finding,) = data["findings"]
    assert (finding["table"], finding["code"], finding["found"]) == (
        "deadline", "DB-2026-0002", "changed",
    )  # fmt: skip
    assert "DB-2026-0002" in finding["message"]
    # As a table, one line a finding, and exit 1 as `overdue --exit-code` does.
    result = cycle("verify")
    assert result.exit_code == 1
    assert "deadline" in result.stdout and "1 finding(s)" in result.stderr


@pytest.mark.parametrize(
    ("sql", "table", "found"),
    [
        ("DELETE FROM urging WHERE id = 1", "urging", "removed"),
        ("INSERT INTO deadline (matter_id, assignment_id, what, due_on, provisional, why, "
         "effective_on, recorded_at) SELECT matter_id, assignment_id, what, '2027-06-30', 0, "
         "'extension', effective_on, recorded_at FROM deadline WHERE id = 2", "deadline", "added"),
        ("DELETE FROM unit_alias", "unit_alias", "removed"),
        ("INSERT INTO setting (key, value) VALUES ('future_days', '9999')", "setting", "added"),
    ],
    ids=["row-deleted", "row-inserted", "other-deleted", "other-inserted"],
)  # fmt: skip
def test_rows_removed_or_put_in_by_hand_are_found(cycle, db_path, sql, table, found):
    by_hand(db_path, sql)
    data = verify(cycle, code=1)
    assert [(f["table"], f["found"]) for f in data["findings"]] == [(table, found)]


def test_a_matter_put_in_by_hand_is_one_no_change_recorded(cycle, db_path):
    by_hand(
        db_path,
        "INSERT INTO matter (code, year, seq, title, source, reporting, restricted, received_on, "
        "status, created_at, created_by) VALUES ('DB-2026-0099', 2026, 99, '凭空', 'other', "
        "'once', 0, '2026-11-02', 'registered', '2026-11-02 01:00:00.000000', 'x')",
    )
    data = verify(cycle, code=1)
    assert [(f["table"], f["found"], f["code"]) for f in data["findings"]] == [
        ("matter", "unexplained", "DB-2026-0099")
    ]


def test_a_change_by_hand_is_still_found_after_duban_writes_again(cycle, db_path):
    """Later changes do not launder an earlier one: when duban next writes the matter (or
    the units), it finds the rows differ from what it last recorded, and says so in the
    chain for good."""
    by_hand(
        db_path,
        "UPDATE deadline SET due_on = '2027-03-01' "
        "WHERE id = (SELECT deadline_id FROM assignment WHERE matter_id = 2)",
        "UPDATE report SET text = '改过' WHERE id = 1",
        BY_HAND["unit"],
    )
    c = Cli(db_path, env={"DUBAN_NOW": NOW})
    c.check("urge", "DB-2026-0002", "--unit", "dsq", "--on", "2026-12-30")  # writes its rows
    c.check("notice", "DB-2026-0001", "--kind", "assign", "--unit", "zjj")  # only its history
    c.check("unit", "edit", "dsq", "--head", "赵六")
    data = verify(cycle, code=1)
    found = {(f["table"], f["code"]) for f in data["findings"]}
    assert found == {("deadline", "DB-2026-0002"), ("report", "DB-2026-0001"), ("unit", None)}, (
        data["findings"]
    )
    assert all("had been changed outside duban" in f["message"] for f in data["findings"])
    # ... and as long as the register is kept.
    c.check("register", "又一事项", "--source", "other", "--received", "2026-12-30")
    assert tables_found(verify(cycle, code=1)) == {"deadline", "report", "unit"}


# -- the history itself --------------------------------------------------------------------


def test_a_history_entry_changed_by_hand_is_found(cycle, db_path):
    by_hand(db_path, "UPDATE history SET actor = '别人' WHERE id = 10")
    data = verify(cycle, code=1)
    assert [(f["table"], f["found"], f["id"]) for f in data["findings"]] == [
        ("history", "changed", 10)
    ]
    assert "#10" in data["findings"][0]["message"]


def test_a_history_entry_changed_with_its_hash_is_found(cycle, db_path):
    """Whoever changes an entry and recomputes its hash breaks the next entry's link."""
    with closing(sqlite3.connect(db_path)) as conn:
        row = conn.execute(
            "SELECT prev_hash, matter_id, action, detail, actor, recorded_at, effective_on, state "
            "FROM history WHERE id = 10"
        ).fetchone()
    forged = chain.entry_hash(row[0], *row[1:4], "别人", *row[5:])
    by_hand(db_path, f"UPDATE history SET actor = '别人', hash = '{forged}' WHERE id = 10")
    data = verify(cycle, code=1)
    assert [(f["table"], f["found"], f["id"]) for f in data["findings"]] == [
        ("history", "removed", 11)
    ]


@pytest.mark.parametrize("entry", [1, 12, "last"])
def test_a_history_entry_deleted_by_hand_is_found(cycle, db_path, entry):
    where = "id = (SELECT max(id) FROM history)" if entry == "last" else f"id = {entry}"
    by_hand(db_path, f"DELETE FROM history WHERE {where}")
    data = verify(cycle, code=1)
    if entry == "last":  # the chain holds, but the last change's rows are unexplained
        assert data["findings"] and "history" not in tables_found(data)
        assert tables_found(data) <= set(chain.OTHER_TABLES)
    else:
        assert [(f["table"], f["found"], f["id"]) for f in data["findings"]] == [
            ("history", "removed", entry + 1)
        ]
        assert f"#{entry}" in data["findings"][0]["message"]


def test_a_history_entry_put_in_by_hand_is_found(cycle, db_path):
    by_hand(
        db_path,
        "INSERT INTO history (matter_id, action, detail, actor, recorded_at, effective_on) "
        "VALUES (1, 'matter.reopen', '{}', '某人', '2026-12-30 01:00:00.000000', '2026-12-30')",
    )
    data = verify(cycle, code=1)
    (finding,) = data["findings"]
    assert (finding["table"], finding["found"]) == ("history", "inserted")
    # A later change by duban links over it: still one finding, the same.
    Cli(db_path, env={"DUBAN_NOW": NOW}).check("config", "default_within", "12")
    assert [f["found"] for f in verify(cycle, code=1)["findings"]] == ["inserted"]


def test_an_entry_put_in_with_a_forged_hash_between_two_is_found(cycle, db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        (last,) = conn.execute("SELECT max(id) FROM history").fetchone()
    by_hand(
        db_path,
        "INSERT INTO history (matter_id, action, detail, actor, recorded_at, effective_on, "
        f"prev_hash, hash) VALUES (1, 'matter.reopen', '{{}}', '某人', "
        f"'2026-12-30 01:00:00.000000', '2026-12-30', 'ab', '{'0' * 64}')",
    )
    Cli(db_path, env={"DUBAN_NOW": NOW}).check("config", "default_within", "12")
    data = verify(cycle, code=1)
    (finding,) = data["findings"]  # the next entry duban wrote links to it: one finding
    assert (finding["table"], finding["id"]) == ("history", last + 1)
    assert f"#{last + 1}" in finding["message"]


def test_a_chain_rewritten_whole_is_found_only_by_an_anchor(cycle, db_path):
    """What verify cannot see alone: an entry changed and every hash after it computed
    again with duban's own hashing.  The head written down before shows it."""
    head = verify(cycle, code=0)["head"]
    by_hand(db_path, "UPDATE history SET actor = '别人' WHERE id = 10")
    with closing(sqlite3.connect(db_path)) as conn, conn:
        rows = conn.execute(
            "SELECT id, matter_id, action, detail, actor, recorded_at, effective_on, state "
            "FROM history ORDER BY id"
        ).fetchall()
        for (entry_id, *_), (prev, new) in zip(rows, chain.link(None, [r[1:] for r in rows]),
                                                strict=True):  # fmt: skip
            conn.execute(
                "UPDATE history SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, entry_id)
            )
    rewritten = verify(cycle, code=0)
    assert rewritten["head"] != head
    data = verify(cycle, "--anchor", head.upper(), code=1)
    assert [(f["table"], f["found"]) for f in data["findings"]] == [("history", "anchor")]
    assert head in data["findings"][0]["message"]
    assert not verify(cycle, "--anchor", head[:16], code=1)["ok"]  # written down shorter
    # An anchor still in the chain is quiet.
    assert verify(cycle, "--anchor", rewritten["head"], code=0)["anchor"] == rewritten["head"]


# -- registers from before the chain, and the register unusable ------------------------------


RELEASES = sorted(p.name for p in DATA.glob("duban-*.db"))


@pytest.mark.parametrize("release", RELEASES)
def test_a_register_made_before_the_chain_is_chained_when_migrated(tmp_path, release):
    """Each kept register (0.1.0, and the builds at schemas 2 to 6) verifies clean once
    migrated: migration 7 chained its history and recorded its rows as they stood."""
    copy = tmp_path / "register.db"
    shutil.copy2(DATA / release, copy)
    cli = Cli(copy, env={"DUBAN_NOW": "2026-11-26T10:00:00+08:00"})
    data = verify(cli, code=0)
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT count(*) FROM history WHERE hash IS NULL").fetchone() == (0,)
        (entries,) = conn.execute("SELECT count(*) FROM history").fetchone()
        (matters,) = conn.execute("SELECT count(*) FROM matter").fetchone()
        (deadline,) = conn.execute("SELECT max(id) FROM deadline").fetchone()
    assert (data["entries"], data["matters"]) == (entries, matters)
    # The migration recorded the rows as they stood: a change after it is found.
    by_hand(copy, f"UPDATE deadline SET due_on = '2027-01-29' WHERE id = {deadline}")
    assert tables_found(verify(cli, code=1)) == {"deadline"}


@pytest.mark.parametrize("anchor", ["1234567", "not-a-hash", "f" * 65])
def test_an_anchor_that_is_no_head_is_a_bad_value(cycle, anchor):
    assert_error(cycle("verify", "--anchor", anchor), 2, "--anchor")


def test_a_missing_or_damaged_register_is_exit_5(tmp_path):
    missing = Cli(tmp_path / "none.db")
    assert_error(missing("verify"), 5)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    assert_error(Cli(damaged)("verify"), 5)


# -- the bulk import's way into the chain ------------------------------------------------------


def _typed_rows(db: Path, matter_id: int) -> dict[str, list[dict]]:
    """A matter's rows as Python values (dates, flags, aware instants), as a bulk writer
    holds them before it inserts them."""
    types = {"d": dt.date.fromisoformat, "b": bool,
             "t": lambda v: dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC)}  # fmt: skip
    out: dict[str, list[dict]] = {}
    with closing(sqlite3.connect(db)) as conn:
        for table, columns in chain.MATTER_TABLES.items():
            names = chain.column_names(columns)
            if table == "review":
                sql = (f"SELECT {', '.join('v.' + n for n in names)} FROM review v "
                       "JOIN report r ON r.id = v.report_id WHERE r.matter_id = ?")  # fmt: skip
            else:
                key = "id" if table == "matter" else "matter_id"
                sql = f"SELECT {', '.join(names)} FROM {table} WHERE {key} = ?"
            rows = []
            for raw in conn.execute(sql, (matter_id,)):
                row = {}
                for spec, value in zip(columns, raw, strict=True):
                    name, _sep, kind = spec.partition(":")
                    row[name] = types[kind](value) if kind and value is not None else value
                rows.append(row)
            out[table] = rows[::-1]  # in any order
    return out


def test_a_matters_state_from_its_values_is_the_state_read_back(cycle, db_path):
    """`chain.matter_state` (for a bulk writer, from the values it inserts) gives the
    token the register's rows give, whether the values are Python's or SQLite's text."""
    with closing(sqlite3.connect(db_path)) as conn:
        source = chain.Source(conn, "sqlite")
        read_back = chain.matter_states(source, [1, 2, 3])
    for mid in (1, 2, 3):
        typed = _typed_rows(db_path, mid)
        assert chain.matter_state(mid, typed) == read_back[mid]
        # The same rows as tuples in an order of the writer's own.
        columns = {t: sorted(chain.column_names(c)) for t, c in chain.MATTER_TABLES.items()}
        tuples = {t: [tuple(r[n] for n in columns[t]) for r in rows] for t, rows in typed.items()}
        assert chain.matter_state(mid, tuples, columns) == read_back[mid]
    # A value changed is another state.
    typed = _typed_rows(db_path, 2)
    typed["deadline"][0]["due_on"] += dt.timedelta(days=1)
    assert chain.matter_state(2, typed) != read_back[2]


def test_rows_written_in_bulk_with_their_states_and_links_verify_clean(cycle, db_path):
    """The protocol a bulk import follows: lock, tail, a state on each matter's last
    entry, link; its rows then verify like any other (and without the states, not)."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        source = chain.Source(conn, "sqlite")
        chain.lock(source)
        prev = chain.tail(source)
        now = dt.datetime(2026, 12, 30, 2, 0, tzinfo=dt.UTC)
        entries = []
        for seq in (10, 11):
            mid = conn.execute(
                "INSERT INTO matter (code, year, seq, title, source, reporting, restricted, "
                "received_on, status, created_at, created_by) VALUES (?, 2026, ?, '导入', "
                "'other', 'once', 0, '2026-12-30', 'registered', ?, 'import') RETURNING id",
                (f"DB-2026-{seq:04d}", seq, chain.instant(now)),
            ).fetchone()[0]
            state = chain.matter_state(mid, {"matter": [{
                "id": mid, "code": f"DB-2026-{seq:04d}", "year": 2026, "seq": seq,
                "title": "导入", "source": "other", "reporting": "once", "restricted": False,
                "received_on": dt.date(2026, 12, 30), "status": "registered",
                "created_at": now, "created_by": "import",
            }]})  # fmt: skip
            entries.append((mid, "matter.register", "{}", "import", now, dt.date(2026, 12, 30),
                             state))  # fmt: skip
        for entry, (link, own) in zip(entries, chain.link(prev, entries), strict=True):
            conn.execute(
                "INSERT INTO history (matter_id, action, detail, actor, recorded_at, "
                "effective_on, state, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*entry[:4], chain.instant(entry[4]), entry[5].isoformat(), entry[6], link, own),
            )
        conn.execute("COMMIT")
    assert verify(cycle, code=0)["matters"] == 5
    by_hand(db_path, "UPDATE history SET state = NULL, hash = NULL WHERE actor = 'import'")
    assert tables_found(verify(cycle, code=1)) == {"history", "matter"}


def test_linking_is_fast():
    """100 000 entries hash in well under a second on a quiet machine (here: under 5 s,
    for a busy one)."""
    now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    entries = [
        (i // 3, "report.add", f'{{"report_id": {i}, "unit": "市教育局"}}', "clerk", now,
         dt.date(2026, 11, 26), None)
        for i in range(100_000)
    ]  # fmt: skip
    start = time.perf_counter()
    links = chain.link(None, entries)
    assert time.perf_counter() - start < 5
    assert len({h for _p, h in links}) == 100_000 and links[1][0] == links[0][1]


# -- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_cycle(pg_schema, tmp_path):
    url, schema = pg_schema
    cli = Cli(url, env={"DUBAN_USER": "pg-test"})
    build_cycle(cli, tmp_path)
    return cli, schema


def test_the_whole_cycle_on_postgresql_verifies_and_tampering_is_found(pg_cycle):
    cli, schema = pg_cycle
    clean = verify(cli, code=0)
    assert clean["matters"] == 3 and clean["entries"] > 30
    with pg_connect() as conn:
        conn.execute(f"UPDATE \"{schema}\".deadline SET due_on = '2027-03-01' WHERE id = 2")
    assert tables_found(verify(cli, code=1)) == {"deadline"}
    with pg_connect() as conn:
        conn.execute(f"UPDATE \"{schema}\".deadline SET due_on = '2026-11-23' WHERE id = 2")
        assert verify(cli, code=0)["head"] == clean["head"]  # undone: as duban left it
        conn.execute(f"UPDATE \"{schema}\".unit SET head = '李四' WHERE id = 1")
        conn.execute(f"UPDATE \"{schema}\".history SET detail = '{{}}' WHERE id = 7")
    data = verify(cli, code=1)
    assert [(f["table"], f["found"]) for f in data["findings"]] == [
        ("history", "changed"), ("unit", "changed"),
    ]  # fmt: skip


@pytest.mark.parametrize("release", ["duban-0.1.0.db", "duban-schema-6.db"])
def test_a_register_made_before_the_chain_is_chained_on_postgresql(pg_schema, tmp_path, release):
    from test_migrations import _copy_to_postgresql

    url, schema = pg_schema
    copy = tmp_path / "register.db"
    shutil.copy2(DATA / release, copy)
    with closing(sqlite3.connect(copy)) as conn:
        (matters,) = conn.execute("SELECT count(*) FROM matter").fetchone()
    _copy_to_postgresql(copy, url)
    cli = Cli(url, env={"DUBAN_NOW": "2026-11-26T10:00:00+08:00"})
    assert verify(cli, code=0)["matters"] == matters
    with pg_connect() as conn:
        conn.execute(f"UPDATE \"{schema}\".report SET signed_by = '某人' WHERE id = 1")
    assert tables_found(verify(cli, code=1)) == {"report"}


def test_writers_at_once_on_postgresql_keep_one_chain(pg_schema):
    """Two writers at once: the second waits for the first's commit before it links (the
    chain's own advisory lock, taken before an entry is inserted), so both entries are in
    one chain, in id order.  The engine here is a bare one, without duban's lock on every
    writer (`duban.db`), so that the chain's lock alone is tested."""
    from sqlalchemy import create_engine
    from sqlmodel import Session

    from duban.context import Context
    from duban.ops.matters import register_matter

    url, _schema = pg_schema
    Cli(url).check("init")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    first_in, errors = threading.Event(), []

    def change(user: str, title: str, received: dt.date, hold: bool) -> None:
        with Session(engine, expire_on_commit=False) as session:
            session.begin()
            register_matter(Context(session, user), title, source="other", received=received)
            session.flush()
            if hold:
                first_in.set()
                time.sleep(0.5)  # the second writes meanwhile
            session.commit()

    def first() -> None:
        try:
            change("一", "甲", dt.date(2026, 11, 2), hold=True)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            first_in.set()

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(10)
    # Another year: no number the first holds, so nothing but the chain makes it wait.
    change("二", "乙", dt.date(2025, 11, 3), hold=False)
    one.join()
    engine.dispose()
    assert errors == []
    data = verify(Cli(url), code=0)
    assert (data["entries"], data["matters"]) == (2, 2)
