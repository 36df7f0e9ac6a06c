"""Usage errors and edge refusals: one line on stderr, the right exit code, nothing written."""

import pytest
from conftest import snapshot_of


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["register", "供暖"], "Missing option '--source'"),
        (["review", "abc", "--accept"], "report_id"),
        (["--bogus", "list"], "No such option: --bogus"),
        (["unit", "add"], "Missing argument"),
        (["overdue", "--as-of"], "requires an argument"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(cli, assert_error, args, fragment):
    message = assert_error(cli(*args), 2, fragment)
    assert "--help" in message


def test_an_earlier_report_cannot_reopen_a_finished_unit(cli, assert_error, report, assigned, show):
    progress = report(assigned, "市住房和城乡建设局", kind="progress", on="2026-11-10")
    final = report(assigned, "市住房和城乡建设局", on="2026-11-20")
    assert cli("review", final["id"], "--accept", "--on", "2026-11-20").exit_code == 0
    before = snapshot_of(cli.db)
    assert_error(
        cli("review", progress["id"], "--return", "--reason", "补充", "--on", "2026-11-21"),
        4,
        "第十五条",
        "accept it to file it",
    )
    assert snapshot_of(cli.db) == before
    # Filing it is fine, and the matter can then close.
    assert cli("review", progress["id"], "--accept", "--on", "2026-11-21").exit_code == 0
    assert cli("close", assigned, "--on", "2026-11-23").exit_code == 0
    assert show(assigned)["status"] == "closed"


def test_an_empty_csv_listing_still_names_its_columns(cli):
    result = cli("overdue", "--as-of", "2026-11-26", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "code,title,unit,role,responsible,head,due,original_due,due_provisional,"
        "days_overdue,workdays_overdue"
    ]


def test_a_deadline_beyond_the_calendar_is_a_bad_value(cli, assert_error):
    assert_error(
        cli(
            "register", "x", "--source", "other", "--received", "2026-11-02", "--due", "2100-01-04"
        ),
        2,
        "outside the calendar",
    )
    assert cli("list", "--json").stdout.strip() == "[]"
