"""The past as it was (`overdue`/`show --as-of` a past day) and `--against original|current`.

The scene (conftest `assigned`): DB-2026-0001, received Mon 2026-11-02, notified Tue
11-03: 市住房和城乡建设局 leads (due Mon 11-23), 东胜区人民政府 participates.  Every date
is given: nothing here depends on today.
"""

from __future__ import annotations

import pytest

CODE = "DB-2026-0001"
HOUSING = "市住房和城乡建设局"
DONGSHENG = "东胜区人民政府"


def late(cli, day, *options):
    """`overdue --as-of day --json`: (code, unit, due, original_due, days_overdue)."""
    rows = cli.check("overdue", "--as-of", day, *options, "--json").data
    return [
        (r["code"], r["unit"], r["due"], r["original_due"], r["days_overdue"])
        for r in rows
        if r.get("kind", "deadline") == "deadline"
    ]


def shown(cli, day=None, code=CODE):
    """`show CODE [--as-of day] --json`."""
    return cli.check("show", code, *(["--as-of", day] if day else []), "--json").data


def lead(data, unit=HOUSING):
    return next(a for a in data["assignments"] if a["unit"] == unit)


def extended(cli, report):
    """An explanation on 11-20 asking for 12-10, accepted only on 12-01 (an extension)."""
    rid = report(CODE, HOUSING, "--propose-due", "2026-12-10", kind="explanation", on="2026-11-20")[
        "id"
    ]
    cli.check("review", rid, "--accept", "--on", "2026-12-01")


# -- overdue on a past day, current or original ------------------------------------------


def test_an_extension_accepted_later_keeps_the_lateness_it_had(cli, assigned, report):
    """The issue's example: due 11-23, an extension to 12-10 accepted on 12-01."""
    extended(cli, report)
    assert late(cli, "2026-11-26") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 3)]
    assert late(cli, "2026-11-30") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 7)]
    assert late(cli, "2026-12-02") == []
    assert late(cli, "2026-12-10") == []
    assert late(cli, "2026-12-11") == [(CODE, HOUSING, "2026-12-10", "2026-11-23", 1)]
    # Against the original deadline, the unit is still late after the extension.
    assert late(cli, "2026-12-02", "--against", "original") == [
        (CODE, HOUSING, "2026-11-23", "2026-11-23", 9)
    ]
    assert late(cli, "2026-11-26", "--against", "current") == late(cli, "2026-11-26")


def test_rows_carry_both_deadlines_and_a_red_light(cli, assigned, report):
    extended(cli, report)
    [row] = cli.check("overdue", "--as-of", "2026-12-11", "--json").data
    assert (row["due"], row["original_due"], row["light"]) == ("2026-12-10", "2026-11-23", "red")
    assert row["workdays_overdue"] == 1
    [row] = cli.check("overdue", "--as-of", "2026-12-11", "--against", "原定", "--json").data
    assert (row["due"], row["original_due"], row["days_overdue"]) == (
        "2026-11-23", "2026-11-23", 18,
    )  # fmt: skip


def test_a_report_returned_later_was_pending_then(cli, assigned, report):
    """A final report on time (11-20), returned on 11-27 with 5 working days (12-04)."""
    rid = report(CODE, HOUSING, on="2026-11-20")["id"]
    cli.check("review", rid, "--return", "--reason", "未附整改清单", "--within", 5,
              "--on", "2026-11-27")  # fmt: skip
    assert late(cli, "2026-11-24") == []  # waiting for review: the office was late
    assert late(cli, "2026-11-26") == []
    assert late(cli, "2026-11-30") == []  # the rework deadline, 12-04, holds from 11-27
    assert late(cli, "2026-12-07") == [(CODE, HOUSING, "2026-12-04", "2026-11-23", 3)]
    # Against the original deadline the returned report no longer counts from 11-27 on.
    assert late(cli, "2026-11-26", "--against", "original") == []
    assert late(cli, "2026-11-30", "--against", "original") == [
        (CODE, HOUSING, "2026-11-23", "2026-11-23", 7)
    ]


def test_a_report_received_later_does_not_count_before_it_came(cli, assigned, report):
    rid = report(CODE, HOUSING, on="2026-11-25")["id"]  # two days late
    cli.check("review", rid, "--accept", "--on", "2026-11-26")
    assert late(cli, "2026-11-24") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 1)]
    assert late(cli, "2026-11-25") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 2)]
    assert late(cli, "2026-11-26") == []  # accepted: done


def test_a_matter_closed_later_was_open_then(cli, assigned, report):
    rid = report(CODE, HOUSING, on="2026-11-25")["id"]
    cli.check("review", rid, "--accept", "--on", "2026-11-27")
    cli.check("close", CODE, "--on", "2026-11-27")
    assert late(cli, "2026-11-26") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 3)]
    assert late(cli, "2026-11-27") == []


def test_a_matter_cancelled_later_was_open_then(cli, assigned):
    cli.check("cancel", CODE, "--reason", "领导批示不再督办", "--on", "2026-11-30")
    assert late(cli, "2026-11-26") == [(CODE, HOUSING, "2026-11-23", "2026-11-23", 3)]
    assert late(cli, "2026-11-30") == []
    assert late(cli, "2026-12-01") == []


def test_a_unit_notified_later_leaves_the_matter_late_on_its_own(cli, units, register):
    code = register(received="2026-11-02")["code"]  # due 11-23
    cli.check("assign", code, "--lead", HOUSING, "--on", "2026-11-25")
    assert late(cli, "2026-11-24") == [(code, None, "2026-11-23", "2026-11-23", 1)]
    assert late(cli, "2026-11-26") == [(code, HOUSING, "2026-11-23", "2026-11-23", 3)]
    assert late(cli, "2026-11-24", "--against", "original") == late(cli, "2026-11-24")


@pytest.mark.parametrize("command", [["overdue"], ["list"], ["due", "--within", "5"], ["summary"]])
def test_against_takes_current_or_original_only(cli, assigned, assert_error, command):
    assert_error(cli(*command, "--against", "latest"), 2, "'latest'", "current or original")
    cli.check(*command, "--as-of", "2026-11-26", "--against", "ORIGINAL", "--json")


# -- list, due and summary against the original deadline ---------------------------------


def test_list_lights_against_the_original_deadline(cli, assigned, report):
    extended(cli, report)

    def lit(*options):
        rows = cli.check("list", "--as-of", "2026-12-02", *options, "--json").data
        return [(r["code"], r["light"]) for r in rows]

    assert lit() == [(CODE, "green")]  # 12-10: 6 working days ahead, warned 5 ahead
    assert lit("--against", "original") == [(CODE, "red")]
    assert lit("--light", "red") == []
    assert lit("--light", "red", "--against", "original") == [(CODE, "red")]
    # On 11-26 the extension was not yet accepted: red, whichever deadline.
    rows = cli.check("list", "--as-of", "2026-11-26", "--json").data
    assert [r["light"] for r in rows] == ["red"]


def test_list_judges_a_matter_never_assigned_by_its_own_deadline(cli, units, register):
    code = register(received="2026-11-02")["code"]
    rows = cli.check("list", "--as-of", "2026-11-24", "--against", "original", "--json").data
    assert [(r["code"], r["light"]) for r in rows] == [(code, "red")]


def test_due_against_the_original_deadline(cli, assigned, report):
    extended(cli, report)
    soon = cli.check("due", "--within", "10", "--as-of", "2026-12-02", "--json").data
    assert [(r["code"], r["due"], r["original_due"]) for r in soon] == [
        (CODE, "2026-12-10", "2026-11-23")
    ]
    assert cli.check("due", "--within", "10", "--as-of", "2026-12-02", "--against",
                     "original", "--json").data == []  # fmt: skip
    # Before the extension was accepted, 12-10 was not its deadline.
    assert cli.check("due", "--within", "15", "--as-of", "2026-11-30", "--json").data == []
    ahead = cli.check("due", "--within", "5", "--as-of", "2026-11-16", "--against",
                      "original", "--json").data  # fmt: skip
    assert [(r["code"], r["due"]) for r in ahead] == [(CODE, "2026-11-23")]


def test_summary_against_the_original_deadline(cli, assigned, report):
    extended(cli, report)
    now = cli.check("summary", "--as-of", "2026-12-02", "--json").data
    then = cli.check("summary", "--as-of", "2026-12-02", "--against", "original", "--json").data
    assert (now["overdue"], now["due_this_week"]) == (0, 0)  # 12-10 is the 6th day
    assert (then["overdue"], then["due_this_week"]) == (1, 0)
    assert [(u["unit"], u["overdue"]) for u in then["by_unit"]] == [(HOUSING, 1)]
    table = cli.check("summary", "--as-of", "2026-12-02", "--against", "original").stdout
    assert HOUSING in table


# -- show as the register stood ----------------------------------------------------------


def test_show_carries_both_deadlines_and_the_matters_light(cli, assigned, report):
    extended(cli, report)
    data = shown(cli)
    assert (lead(data)["due"], lead(data)["original_due"]) == ("2026-12-10", "2026-11-23")
    assert data["as_of"] is None and "light" in data
    past = shown(cli, "2026-12-07")
    assert past["as_of"] == "2026-12-07"
    assert (lead(past)["due"], lead(past)["original_due"], lead(past)["light"]) == (
        "2026-12-10", "2026-11-23", "yellow",
    )  # fmt: skip
    assert past["light"] == "yellow"  # the worst of its lead units'


def test_show_before_an_extension_was_accepted(cli, assigned, report):
    extended(cli, report)
    data = shown(cli, "2026-11-26")
    assert (data["status"], data["light"], data["due"]) == ("assigned", "red", "2026-11-23")
    assert (lead(data)["due"], lead(data)["original_due"], lead(data)["light"]) == (
        "2026-11-23", "2026-11-23", "red",
    )  # fmt: skip
    assert lead(data, DONGSHENG)["light"] is None  # participants have no light
    [rep] = data["reports"]
    assert (rep["status"], rep["review"]) == ("pending", None)
    assert [d["why"] for d in data["deadlines"]] == ["register", "assign", "assign"]
    assert [e["action"] for e in data["history"]] == [
        "matter.register", "assignment.add", "assignment.add", "report.add",
    ]  # fmt: skip
    assert all(e["effective_on"] <= "2026-11-26" for e in data["history"])
    after = shown(cli, "2026-12-01")
    assert after["reports"][0]["status"] == "accepted"
    assert after["deadlines"][-1]["why"] == "extension"
    assert after["history"][-1]["action"] == "deadline.extend"


def test_show_a_returned_report_and_its_rework(cli, assigned, report):
    rid = report(CODE, HOUSING, on="2026-11-20")["id"]
    cli.check("review", rid, "--return", "--reason", "未附整改清单", "--within", 5,
              "--on", "2026-11-27")  # fmt: skip
    before = shown(cli, "2026-11-26")
    assert before["reports"][0]["status"] == "pending"
    assert lead(before)["light"] == "green"  # on time, waiting for review
    after = shown(cli, "2026-11-30")
    assert after["reports"][0]["status"] == "returned"
    assert after["reports"][0]["review"]["reason"] == "未附整改清单"
    assert (lead(after)["due"], lead(after)["original_due"]) == ("2026-12-04", "2026-11-23")
    assert lead(after)["light"] == "green"  # 4 working days ahead, warned 2 ahead
    assert lead(shown(cli, "2026-12-03"))["light"] == "yellow"


def test_show_a_unit_done_and_a_matter_closed_only_from_their_dates(cli, assigned, report):
    rid = report(CODE, HOUSING, on="2026-11-25")["id"]
    cli.check("review", rid, "--accept", "--on", "2026-11-26")
    cli.check("close", CODE, "--on", "2026-11-27")
    day = shown(cli, "2026-11-24")
    assert day["reports"] == [] and day["last_report"] is None
    assert (lead(day)["status"], lead(day)["completed"], lead(day)["light"]) == (
        "open", None, "red",
    )  # fmt: skip
    day = shown(cli, "2026-11-26")
    assert (lead(day)["status"], lead(day)["completed"], lead(day)["light"]) == (
        "done", "2026-11-26", None,
    )  # fmt: skip
    assert (day["status"], day["closed"], day["light"]) == ("assigned", None, "green")
    day = shown(cli, "2026-11-27")
    assert (day["status"], day["closed"], day["light"]) == ("closed", "2026-11-27", None)
    assert shown(cli) == {**shown(cli, "2026-12-31"), "as_of": None}


def test_show_before_the_units_were_notified(cli, units, register):
    code = register(received="2026-11-02")["code"]
    cli.check("assign", code, "--lead", HOUSING, "--on", "2026-11-25")
    day = shown(cli, "2026-11-24", code)
    assert (day["status"], day["assignments"], day["light"]) == ("registered", [], "red")
    assert shown(cli, "2026-11-20", code)["light"] == "yellow"
    day = shown(cli, "2026-11-25", code)
    assert day["status"] == "assigned" and [a["unit"] for a in day["assignments"]] == [HOUSING]


def test_show_urgings_cancellation_and_reopening_as_they_stood(cli, assigned, report):
    cli.check("urge", CODE, "--on", "2026-11-24")
    cli.check("urge", CODE, "--on", "2026-11-26")
    assert [u["urged_on"] for u in shown(cli, "2026-11-25")["urgings"]] == ["2026-11-24"]
    assert len(shown(cli, "2026-11-26")["urgings"]) == 2
    rid = report(CODE, HOUSING, on="2026-11-26")["id"]
    cli.check("review", rid, "--accept", "--on", "2026-11-27")
    cli.check("close", CODE, "--on", "2026-11-27")
    cli.check("reopen", CODE, "--reason", "整改未到位", "--within", 10, "--on", "2026-12-01")
    closed = shown(cli, "2026-11-30")
    assert (closed["status"], closed["closed"], lead(closed)["status"]) == (
        "closed", "2026-11-27", "done",
    )  # fmt: skip
    reopened = shown(cli, "2026-12-01")
    assert (reopened["status"], reopened["closed"]) == ("assigned", None)
    assert (lead(reopened)["status"], lead(reopened)["due"]) == ("open", "2026-12-15")
    assert reopened["light"] == "green"


def test_show_a_cancellation_from_its_date(cli, assigned):
    cli.check("cancel", CODE, "--reason", "领导批示不再督办", "--on", "2026-11-30")
    assert (shown(cli, "2026-11-27")["status"], shown(cli, "2026-11-27")["light"]) == (
        "assigned", "red",
    )  # fmt: skip
    assert (shown(cli, "2026-11-30")["status"], shown(cli, "2026-11-30")["light"]) == (
        "cancelled", None,
    )  # fmt: skip


def test_show_before_the_matter_was_received(cli, assigned, assert_error):
    assert_error(cli("show", CODE, "--as-of", "2026-10-30"), 2, "2026-11-02", "2026-10-30")
    assert_error(cli("show", CODE, "--as-of", "someday"), 2, "someday")


def test_show_table_as_it_stood(cli, assigned, report):
    extended(cli, report)
    table = cli.check("show", CODE, "--as-of", "2026-11-26").stdout
    assert (
        "2026-11-26" in table
        and "red" in table
        and "2026-12-10" not in table.split("History")[0].split("Reports")[0]
    )
    zh = cli.check("show", CODE, "--as-of", "2026-11-26", "--lang", "zh").stdout
    assert "红" in zh


def test_a_matter_reopened_later_was_done_while_it_was_closed(cli, assigned, report):
    rid = report(CODE, HOUSING, on="2026-11-20")["id"]
    cli.check("review", rid, "--accept", "--on", "2026-11-24")
    cli.check("close", CODE, "--on", "2026-11-25")
    cli.check("reopen", CODE, "--reason", "整改未到位", "--within", 10, "--on", "2026-12-01")
    assert late(cli, "2026-11-26") == []  # closed then
    assert late(cli, "2026-11-30") == []
    assert late(cli, "2026-12-15") == []  # the reopening's deadline
    assert late(cli, "2026-12-16") == [(CODE, HOUSING, "2026-12-15", "2026-11-23", 1)]
    assert late(cli, "2026-11-26", "--against", "original") == []
