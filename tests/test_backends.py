"""The run's backend (conftest, DUBAN_TEST_BACKEND): each test's register is really on
it, starts as the fixture says and nothing of another test's, and `snapshot_of` sees a
row written outside duban.  Run in both runs of the suite."""

import pytest
from conftest import BACKEND, assert_error, query, snapshot_of


def test_the_register_is_on_the_runs_backend(cli, db_path):
    cli.check("register", "供暖", "--source", "other", "--received", "2026-11-02")
    if BACKEND == "postgresql":
        assert isinstance(cli.db, str) and cli.db.startswith("postgresql://")
        assert query(cli.db, "SELECT current_schema()")[0][0].startswith("duban_suite_")
    else:
        assert cli.db == db_path and db_path.is_file()
    assert query(cli.db, "SELECT code FROM matter") == [("DB-2026-0001",)]


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_starts_from_its_scene_alone(cli, assigned, turn):
    """Twice in a row: the scene (five units, DB-2026-0001 assigned), and nothing that
    the test before wrote; numbers and ids go on from the scene's, not from its."""
    assert [m["code"] for m in cli.check("list", "--json").data] == ["DB-2026-0001"]
    assert len(cli.check("unit", "list", "--json").data) == 5
    made = cli.check(
        "register", f"第{turn}次", "--source", "other", "--received", "2026-11-02", "--json"
    )
    assert made.data["code"] == "DB-2026-0002"
    (history,) = query(cli.db, "SELECT max(id) FROM history")
    (units,) = query(cli.db, "SELECT max(id) FROM unit")
    assert units == (5,)
    cli.check("unit", "add", f"第{turn}个单位")
    assert query(cli.db, "SELECT max(id) FROM unit") == [(6,)]
    assert query(cli.db, "SELECT max(id) FROM history") == [(history[0] + 1,)]


def test_a_register_emptied_for_the_test_is_as_init_leaves_it(cli):
    assert cli.check("list", "--json").data == []
    assert cli.check("unit", "list", "--json").data == []
    assert query(cli.db, "SELECT count(*) FROM history") == [(0,)]


def test_a_snapshot_sees_a_row_written_outside_duban(cli, units):
    before = snapshot_of(cli.db)
    assert before["unit"] and snapshot_of(cli.db) == before
    query(cli.db, "UPDATE unit SET head = '某人' WHERE code = 'zjj'")
    assert snapshot_of(cli.db) != before


# -- what PostgreSQL refused where SQLite did not ---------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**63 - 1])
def test_a_number_past_what_an_id_holds_names_no_row(cli, assigned, number):
    """Ids are INTEGER: 32 bits on PostgreSQL, which refused a larger one as out of range
    (exit 5, "DataError"); on both it is a report or milestone that does not exist."""
    before = snapshot_of(cli.db)
    assert_error(cli("review", number, "--accept", "--on", "2026-11-20"), 3, f"no report {number}")
    report = cli("report", assigned, "--unit", "zjj", "--kind", "progress", "--text", "进展",
                 "--milestone", number, "--on", "2026-11-10")  # fmt: skip
    assert_error(report, 3, f"no milestone {number}")
    assert snapshot_of(cli.db) == before


@pytest.mark.parametrize(("every", "fragment"), [(2**31, "beyond 2099-12-31"),
                                                 (2000, "setting deadline_years")])  # fmt: skip
def test_a_reporting_period_past_the_calendar_is_refused(cli, every, fragment):
    """`--every` past the calendar was stored on SQLite (and `overdue` failed for the
    whole register ever after), and refused as out of range on PostgreSQL (exit 5)."""
    before = snapshot_of(cli.db)
    register = cli("register", "安全生产大检查", "--source", "meeting", "--reporting", "periodic",
                   "--every", every, "--received", "2026-11-02")  # fmt: skip
    assert_error(register, 2, fragment)
    assert snapshot_of(cli.db) == before
