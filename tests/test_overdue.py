"""duban overdue: who is late on a given day, as the morning cron job asks.

days_overdue counts calendar days after the deadline; workdays_overdue the working days
in (deadline, as-of].  The deadline day itself is met.  Every expected count below was
worked out by hand on the 2026 calendar (see test_cycle.py's docstring).
"""

from __future__ import annotations

import json

import pytest

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
LAND = "市自然资源局"
EDUCATION = "市教育局"
DONGSHENG = "东胜区人民政府"

ROW_KEYS = ("code", "unit", "due", "days_overdue", "workdays_overdue")


def rows(data):
    return [tuple(r[k] for k in ROW_KEYS) for r in data]


@pytest.fixture
def overdue(cli, json_of):
    """`overdue(as_of, *options)`: the JSON rows as tuples of ROW_KEYS."""

    def _overdue(as_of, *options):
        return rows(json_of(cli("overdue", "--as-of", as_of, *options, "--json")))

    return _overdue


@pytest.fixture
def housing_matter(assigned):
    """Received Mon 11-02, due Mon 11-23 (15 working days); 市住建局 leads from 11-03,
    东胜区 participates (conftest.build_assigned)."""
    return assigned


def test_nothing_overdue_is_an_empty_array_and_a_quiet_table(cli):
    assert cli("overdue", "--as-of", "2026-11-30", "--json").stdout == "[]\n"
    result = cli("overdue", "--as-of", "2026-11-30")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    result = cli("overdue", "--as-of", "2026-11-30", "--exit-code")
    assert (result.exit_code, result.stdout) == (0, "")


def test_the_deadline_day_is_met_and_the_next_day_is_late(overdue, housing_matter):
    assert overdue("2026-11-23") == []
    # Tue 11-24: one calendar day and one working day after Mon 11-23.
    assert overdue("2026-11-24") == [(housing_matter, HOUSING, "2026-11-23", 1, 1)]


def test_participating_units_are_never_listed(overdue, housing_matter):
    assert [r[1] for r in overdue("2026-12-31")] == [HOUSING]


def test_a_friday_deadline_on_saturday_is_one_day_and_no_working_day_late(
    cli, overdue, units, register
):
    code = register("--due", "2026-11-20", received="2026-11-02")["code"]  # Fri 11-20
    assert cli("assign", code, "--lead", HOUSING, "--on", "2026-11-03").exit_code == 0
    assert overdue("2026-11-21") == [(code, HOUSING, "2026-11-20", 1, 0)]  # Sat
    assert overdue("2026-11-23") == [(code, HOUSING, "2026-11-20", 3, 1)]  # Mon


def test_working_days_late_across_national_day(overdue, register):
    # Received Mon 09-28, due one working day later: Tue 09-29.  Never assigned.
    code = register("--within", 1, received="2026-09-28")["code"]
    # As of Fri 10-09: Sep 30 .. Oct 9 is 10 days; working days Sep 30, Oct 8, Oct 9.
    assert overdue("2026-10-09") == [(code, None, "2026-09-29", 10, 3)]
    # As of Mon 10-12: 13 days; plus the make-up Saturday 10-10 and Monday 10-12.
    assert overdue("2026-10-12") == [(code, None, "2026-09-29", 13, 5)]


def test_working_days_late_across_the_spring_festival(cli, overdue, units, register):
    code = register("--due", "2026-02-13", received="2026-02-02")["code"]  # Fri 02-13
    assert cli("assign", code, "--lead", LAND, "--on", "2026-02-03").exit_code == 0
    # As of Tue 02-24: 11 days; working days: make-up Sat 02-14, then Tue 02-24
    # (02-15 .. 02-23 off).
    assert overdue("2026-02-24") == [(code, LAND, "2026-02-13", 11, 2)]


def test_a_matter_never_assigned_is_overdue_with_no_unit(cli, json_of, register):
    code = register(received="2026-11-02")["code"]  # due Mon 11-23
    [row] = json_of(cli("overdue", "--as-of", "2026-11-25", "--json"))
    assert (row["code"], row["unit"], row["due"]) == (code, None, "2026-11-23")
    assert (row["days_overdue"], row["workdays_overdue"]) == (2, 2)


def test_a_matter_assigned_later_is_listed_as_it_stood(cli, overdue, units, register):
    code = register("--due", "2026-11-10", received="2026-11-02")["code"]
    result = cli("assign", code, "--lead", HOUSING, "--on", "2026-11-12", "--due", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    # On Wed 11-11 nobody had been notified yet: the matter itself is late, 1 day.
    assert overdue("2026-11-11") == [(code, None, "2026-11-10", 1, 1)]
    # On Sat 11-21 the unit is late on its own deadline, Fri 11-20.
    assert overdue("2026-11-21") == [(code, HOUSING, "2026-11-20", 1, 0)]


def test_most_overdue_first(cli, json_of, overdue, units, register, report):
    late7 = register(received="2026-11-02")["code"]  # due Mon 11-23
    assert (
        cli(
            "assign", late7, "--lead", HOUSING, "--participant", DONGSHENG, "--on", "2026-11-03"
        ).exit_code
        == 0
    )
    late13 = register(received="2026-11-02", title="两家牵头")["code"]
    result = cli(
        "assign",
        late13,
        "--lead",
        ECOLOGY,
        "--lead",
        LAND,
        "--on",
        "2026-11-03",
        "--due",
        "2026-11-17",
    )
    assert result.exit_code == 0, result.stderr
    # 市生态环境局 finished in time; 市自然资源局 did not.
    rid = report(late13, ECOLOGY, on="2026-11-16")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-17").exit_code == 0
    late20 = register("--due", "2026-11-10", received="2026-11-02", title="未交办")["code"]
    register(received="2026-11-20", title="未到期")  # due 12-11
    # As of Mon 11-30:
    #   due 11-10: 20 days; Nov 11-13 (3), 16-20 (8), 23-27 (13), 30 (14) working days
    #   due 11-17: 13 days; Nov 18-20 (3), 23-27 (8), 30 (9)
    #   due 11-23:  7 days; Nov 24-27 (4), 30 (5)
    assert overdue("2026-11-30") == [
        (late20, None, "2026-11-10", 20, 14),
        (late13, LAND, "2026-11-17", 13, 9),
        (late7, HOUSING, "2026-11-23", 7, 5),
    ]


def test_a_final_report_on_time_waits_for_review_without_being_late(
    cli, overdue, report, housing_matter, show
):
    # The final report arrives on the deadline day itself (Mon 11-23): met.
    rid = report(housing_matter, HOUSING, on="2026-11-23", complete=False)["id"]
    assert overdue("2026-11-30") == []  # the office is the one late now
    result = cli("review", rid, "--return", "--reason", "未盖章", "--on", "2026-11-30")
    assert result.exit_code == 0, result.stderr
    # Returned Mon 11-30: Dec 1-4 (4), 7-11 (9), 14-18 (14), 21 (15) -> Mon 12-21.
    assert show(housing_matter)["assignments"][0]["due"] == "2026-12-21"
    assert overdue("2026-12-21") == []
    assert overdue("2026-12-22") == [(housing_matter, HOUSING, "2026-12-21", 1, 1)]


def test_a_late_final_report_does_not_stop_the_clock(overdue, report, housing_matter):
    report(housing_matter, HOUSING, on="2026-11-25")  # two days after Mon 11-23
    # As of Mon 11-30: 7 days; Nov 24-27 (4), 30 (5).
    assert overdue("2026-11-30") == [(housing_matter, HOUSING, "2026-11-23", 7, 5)]


def test_a_progress_report_is_not_a_final_report(overdue, report, housing_matter):
    report(housing_matter, HOUSING, kind="progress", on="2026-11-20")
    assert overdue("2026-11-24") == [(housing_matter, HOUSING, "2026-11-23", 1, 1)]


def test_an_accepted_final_report_ends_the_lateness(cli, overdue, report, housing_matter):
    rid = report(housing_matter, HOUSING, on="2026-11-25")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-26").exit_code == 0
    assert overdue("2026-11-30") == []
    # Before the acceptance the unit was late: as of Wed 11-25, 2 days, Nov 24, 25.
    assert overdue("2026-11-25") == [(housing_matter, HOUSING, "2026-11-23", 2, 2)]


def test_an_extension_moves_the_deadline(cli, overdue, report, housing_matter):
    rid = report(
        housing_matter, HOUSING, "--propose-due", "2026-12-04", kind="explanation", on="2026-11-20"
    )["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-20").exit_code == 0
    assert overdue("2026-12-04") == []
    assert overdue("2026-12-07") == [(housing_matter, HOUSING, "2026-12-04", 3, 1)]


def test_a_closed_matter_is_not_overdue(cli, overdue, report, housing_matter):
    rid = report(housing_matter, HOUSING, on="2026-11-20")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    assert cli("close", housing_matter, "--on", "2026-11-24").exit_code == 0
    assert overdue("2027-01-29") == []


def test_unit_filter(cli, overdue, assert_error, units, register, housing_matter):
    other = register(received="2026-11-02", title="教育")["code"]
    assert cli("assign", other, "--lead", "jyj", "--on", "2026-11-04").exit_code == 0
    register(received="2026-11-02", title="未交办")  # never assigned: not any unit's
    assert len(overdue("2026-11-24")) == 3
    assert overdue("2026-11-24", "--unit", EDUCATION) == [(other, EDUCATION, "2026-11-23", 1, 1)]
    assert overdue("2026-11-24", "--unit", "zjj") == [(housing_matter, HOUSING, "2026-11-23", 1, 1)]
    assert overdue("2026-11-24", "--unit", DONGSHENG) == []  # a participant
    assert_error(cli("overdue", "--as-of", "2026-11-24", "--unit", "市教育"), 3, "did you mean")


def test_exit_code_signals_a_finding(cli, housing_matter):
    result = cli("overdue", "--as-of", "2026-11-24", "--exit-code", "--json")
    assert result.exit_code == 1
    assert [r["code"] for r in json.loads(result.stdout)] == [housing_matter]
    assert cli("overdue", "--as-of", "2026-11-23", "--exit-code").exit_code == 0
    assert cli("overdue", "--as-of", "2026-11-24").exit_code == 0  # only when asked


def test_table_lists_who_is_late(cli, housing_matter):
    result = cli("overdue", "--as-of", "2026-11-24")
    assert result.exit_code == 0, result.stderr
    assert "Overdue as of 2026-11-24" in result.stdout
    assert housing_matter in result.stdout and HOUSING in result.stdout
    assert DONGSHENG not in result.stdout


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--today", "--as-of", "2026-11-24"], "--today or --as-of"),
        (["--as-of", "2026-11-35"], "2026-11-35"),
        (["--as-of", "someday"], "someday"),
    ],
)
def test_overdue_bad_usage(cli, assert_error, options, fragment):
    assert_error(cli("overdue", *options), 2, fragment)


def test_today_is_the_offices_date_not_the_servers(cli, json_of, housing_matter):
    # 07:00 on Tue 11-24 in Beijing is still Mon 11-23 in UTC.
    morning = {"DUBAN_NOW": "2026-11-23T23:00:00+00:00"}
    for args in (["overdue", "--today", "--json"], ["overdue", "--json"]):
        data = json_of(cli(*args, env=morning))
        assert rows(data) == [(housing_matter, HOUSING, "2026-11-23", 1, 1)]
    assert json_of(cli("overdue", "--today", "--json", env={**morning, "DUBAN_TZ": "UTC"})) == []


def test_as_of_a_past_day_a_report_then_waiting_for_review_was_not_late(
    cli, overdue, report, housing_matter
):
    # On time (Fri 11-20, due Mon 11-23), but only accepted on Thu 11-26: on Tue 11-24
    # the report was waiting for the office, so the unit was not late then either.
    rid = report(housing_matter, HOUSING, on="2026-11-20")["id"]
    assert overdue("2026-11-24") == []
    assert cli("review", rid, "--accept", "--on", "2026-11-26").exit_code == 0
    assert overdue("2026-11-24") == []
    assert overdue("2026-11-30") == []


def test_as_of_a_past_day_a_returned_report_no_longer_counts(cli, overdue, report, housing_matter):
    first = report(housing_matter, HOUSING, on="2026-11-20", complete=False)["id"]
    # Returned Mon 11-23 with a new deadline of Fri 11-27; the second report comes late,
    # on Wed 12-02, and is accepted on Thu 12-03.
    result = cli(
        "review",
        first,
        "--return",
        "--reason",
        "未盖章",
        "--due",
        "2026-11-27",
        "--on",
        "2026-11-23",
    )
    assert result.exit_code == 0, result.stderr
    second = report(housing_matter, HOUSING, on="2026-12-02")["id"]
    assert cli("review", second, "--accept", "--on", "2026-12-03").exit_code == 0
    # As of Mon 11-30 the unit was late on its new deadline: 3 days, 1 working day (Mon 30).
    assert overdue("2026-11-30") == [(housing_matter, HOUSING, "2026-11-27", 3, 1)]
    assert overdue("2026-12-03") == []


def test_an_empty_csv_listing_still_names_its_columns(cli):
    result = cli("overdue", "--as-of", "2026-11-26", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "code,title,unit,role,responsible,head,due,original_due,due_provisional,"
        "days_overdue,workdays_overdue,kind,milestone"
    ]


def test_limit_keeps_the_most_overdue(cli, json_of, assert_error, units, register):
    """--limit N: the N most overdue, in the same order as the whole list."""
    for received in ("2026-10-01", "2026-10-15", "2026-11-02"):
        register(received=received)
    whole = json_of(cli("overdue", "--as-of", "2026-11-26", "--json"))
    assert [r["code"] for r in whole] == ["DB-2026-0001", "DB-2026-0002", "DB-2026-0003"]
    two = json_of(cli("overdue", "--as-of", "2026-11-26", "--limit", 2, "--json"))
    assert two == whole[:2]
    assert_error(cli("overdue", "--as-of", "2026-11-26", "--limit", 0), 2, "--limit")


def test_a_past_day_is_judged_by_the_deadline_in_force_then(cli, overdue, report,
                                                            housing_matter):  # fmt: skip
    """Due 11-23; an extension to 12-10 asked on 11-20 and accepted only on 12-01: on 11-26
    the unit was late, and a later acceptance does not erase that."""
    rid = report(
        housing_matter, HOUSING, "--propose-due", "2026-12-10", kind="explanation", on="2026-11-20"
    )["id"]
    assert cli("review", rid, "--accept", "--on", "2026-12-01").exit_code == 0
    assert overdue("2026-11-26") == [(housing_matter, HOUSING, "2026-11-23", 3, 3)]
    assert overdue("2026-12-01") == []  # the extension holds from the day it was accepted
    assert overdue("2026-12-11") == [(housing_matter, HOUSING, "2026-12-10", 1, 1)]
