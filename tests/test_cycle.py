"""The supervision cycle through the CLI: register, assign, report, review, close.

Every date is given on the command line; every expected deadline was counted by hand
on the 2026 calendar (State Council notice, as carried by chinesecalendar):

    Spring Festival  off Sun 02-15 .. Mon 02-23; make-up working days Sat 02-14, Sat 02-28
    Mid-autumn       off Fri 09-25 .. Sun 09-27
    National Day     off Thu 10-01 .. Wed 10-07; make-up working days Sun 09-20, Sat 10-10

"N working days after D" is the Nth working day strictly after D: D itself never counts.
"""

from __future__ import annotations

import json

import pytest
from conftest import TEST_USER, snapshot_of

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
LAND = "市自然资源局"
EDUCATION = "市教育局"
DONGSHENG = "东胜区人民政府"


# -- register ------------------------------------------------------------------------


def test_register_prints_a_table_and_says_what_it_did(cli):
    result = cli(
        "register", "研究解决城区供暖问题", "--source", "instruction", "--received", "2026-11-02"
    )
    assert result.exit_code == 0, result.stderr
    assert "DB-2026-0001" in result.stdout
    assert "研究解决城区供暖问题" in result.stdout
    assert "2026-11-23" in result.stdout  # counted in test_default_deadline (Mon 11-02)
    assert "registered" in result.stdout
    assert result.stderr == "registered DB-2026-0001, due 2026-11-23\n"


def test_register_json_has_the_contract_keys(cli, json_of):
    data = json_of(
        cli(
            "register",
            "落实全市安全生产会议精神",
            "--source",
            "meeting",
            "--ref",
            "市政府第12次常务会议纪要",
            "--leader",
            "李市长",
            "--received",
            "2026-11-02",
            "--handling",
            "investigate",
            "--note",
            "重点事项",
            "--json",
        )
    )
    assert data["code"] == "DB-2026-0001"
    assert data["title"] == "落实全市安全生产会议精神"
    assert data["source"] == "meeting"
    assert data["received"] == "2026-11-02"
    assert data["due"] == "2026-11-23"
    assert data["status"] == "registered"
    assert data["source_ref"] == "市政府第12次常务会议纪要"
    assert data["leader"] == "李市长"
    assert data["handling"] == "investigate"
    assert data["note"] == "重点事项"
    assert data["due_provisional"] is False


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # A weekday, Mon 11-02: Nov 3,4,5,6 (4), 9-13 (9), 16-20 (14), Mon 23 (15).
        ("2026-11-02", "2026-11-23"),
        # A weekday before the Spring Festival, Mon 02-09: Feb 10,11,12,13 (4), make-up
        # Sat 14 (5), 15-23 off, 24,25,26,27 (9), make-up Sat 28 (10), Mar 2,3,4,5,6 (15).
        ("2026-02-09", "2026-03-06"),
        # A weekday before National Day, Mon 09-28: Sep 29,30 (2), Oct 1-7 off, 8,9 (4),
        # make-up Sat 10 (5), 12-16 (10), 19-23 (15).
        ("2026-09-28", "2026-10-23"),
        # A weekend, Sat 11-07: Nov 9-13 (5), 16-20 (10), 23-27 (15).
        ("2026-11-07", "2026-11-27"),
        # A weekend before a make-up Sunday, Sat 09-19: make-up Sun 20 (1), 21-24 (5),
        # Mid-autumn 25-27 off, 28,29,30 (8), Oct 1-7 off, 8,9 (10), Sat 10 (11),
        # 12,13,14,15 (15).
        ("2026-09-19", "2026-10-15"),
        # A public holiday, Wed 02-18 (Spring Festival): Feb 24-27 (4), Sat 28 (5),
        # Mar 2-6 (10), 9-13 (15).
        ("2026-02-18", "2026-03-13"),
        # A public holiday, Thu 10-01 (National Day): Oct 8,9 (2), Sat 10 (3), 12-16 (8),
        # 19-23 (13), 26,27 (15).
        ("2026-10-01", "2026-10-27"),
        # A make-up working Saturday, 02-14; the start day is not counted even though it
        # is a working day: Feb 24-27 (4), Sat 28 (5), Mar 2-6 (10), 9-13 (15).
        ("2026-02-14", "2026-03-13"),
        # A make-up working Saturday, 10-10: Oct 12-16 (5), 19-23 (10), 26-30 (15).
        ("2026-10-10", "2026-10-30"),
        # A make-up working Sunday, 09-20: Sep 21-24 (4), 25-27 off, 28,29,30 (7),
        # Oct 1-7 off, 8,9 (9), Sat 10 (10), 12-16 (15).
        ("2026-09-20", "2026-10-16"),
    ],
    ids=[
        "weekday",
        "weekday-spring-festival",
        "weekday-national-day",
        "weekend",
        "weekend-before-makeup-sunday",
        "holiday-spring-festival",
        "holiday-national-day",
        "makeup-saturday-spring-festival",
        "makeup-saturday-national-day",
        "makeup-sunday",
    ],
)
def test_default_deadline_is_15_working_days_after_receipt(register, show, received, due):
    matter = register(received=received)
    assert matter["received"] == received
    assert matter["due"] == due
    assert show(matter["code"])["due"] == due


@pytest.mark.parametrize(
    ("received", "within", "due"),
    [
        # Wed 09-30: Oct 1-7 off, 8 (1), 9 (2), make-up Sat 10 (3), 12 (4), 13 (5).
        ("2026-09-30", 5, "2026-10-13"),
        # Fri 02-13: the next working day is the make-up Saturday 02-14.
        ("2026-02-13", 1, "2026-02-14"),
        # Sat 02-14 (make-up): 15-23 off, so the first working day after it is Tue 02-24.
        ("2026-02-14", 1, "2026-02-24"),
        # Mon 11-02: Nov 3-6 (4), 9-13 (9), 16-20 (14), 23 (15), 24-27 (19), 30 (20).
        ("2026-11-02", 20, "2026-11-30"),
    ],
)
def test_register_within_counts_working_days_after_receipt(register, received, within, due):
    assert register("--within", within, received=received)["due"] == due


def test_register_due_gives_the_deadline_as_a_date(register):
    matter = register("--due", "2026-12-31", received="2026-11-02")
    assert matter["due"] == "2026-12-31"
    assert matter["due_provisional"] is False


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--due", "2026-12-01", "--within", "3"], "--due or --within"),
        (["--due", "2026-11-01"], "before"),
        (["--within", "0"], "--within"),
        (["--received", "2026-13-01"], "2026-13-01"),
        (["--received", "next tuesday"], "next tuesday"),
        (["--due", "2026-02-30"], "2026-02-30"),
        (["--handling", "somehow"], "handling"),
        (["--reporting", "weekly"], "reporting"),
    ],
)
def test_register_refuses_bad_values_with_exit_2(cli, assert_error, options, fragment):
    base = ["register", "x", "--source", "other"]
    if "--received" not in options:
        base += ["--received", "2026-11-02"]
    assert_error(cli(*base, *options), 2, fragment)
    assert cli("list", "--json").stdout.strip() == "[]"


def test_register_refuses_an_unknown_source_with_exit_2(cli, assert_error):
    message = assert_error(
        cli("register", "x", "--source", "rumour", "--received", "2026-11-02"), 2, "rumour"
    )
    assert "instruction" in message  # says what would do


def test_a_deadline_beyond_the_calendar_is_a_bad_value(cli, assert_error):
    assert_error(
        cli(
            "register", "x", "--source", "other", "--received", "2026-11-02", "--due", "2100-01-04"
        ),
        2,
        "outside the calendar",
    )
    assert cli("list", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize("written", ["2026-11-02", "2026/11/02", "2026年11月2日"])
def test_every_date_form_gives_the_same_received_date(register, written):
    matter = register(received=written)
    assert matter["received"] == "2026-11-02"
    assert matter["due"] == "2026-11-23"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("批示", "instruction"),
        ("instruction", "instruction"),
        ("会议", "meeting"),
        ("提案", "proposal"),
    ],
)
def test_source_accepts_the_english_word_or_the_chinese_term(register, typed, stored):
    assert register(source=typed)["source"] == stored


def test_codes_are_numbered_within_the_year_received(register):
    assert register(received="2026-11-02", title="甲")["code"] == "DB-2026-0001"
    assert register(received="2026-11-03", title="乙")["code"] == "DB-2026-0002"
    assert register(received="2025-12-30", title="丙")["code"] == "DB-2025-0001"
    assert register(received="2026-11-04", title="丁")["code"] == "DB-2026-0003"


def test_a_deadline_in_an_unpublished_year_is_marked_provisional(cli, json_of):
    # Received 2026-12-15: 15 working days reach January 2027, whose schedule is not
    # in the data: the deadline is an estimate, and says so.
    result = cli("register", "x", "--source", "other", "--received", "2026-12-15", "--json")
    data = json_of(result)
    assert data["due"].startswith("2027-01-")
    assert data["due_provisional"] is True
    assert "provisional" in result.stderr


# -- assign --------------------------------------------------------------------------


def test_assign_prints_a_table(cli, units, register):
    code = register()["code"]
    result = cli(
        "assign", code, "--lead", HOUSING, "--participant", DONGSHENG, "--on", "2026-11-03"
    )
    assert result.exit_code == 0, result.stderr
    assert HOUSING in result.stdout and DONGSHENG in result.stdout
    assert "2026-11-23" in result.stdout
    assert result.stderr == f"assigned 2 unit(s) to {code}\n"


def test_assign_without_a_deadline_takes_the_matters(cli, json_of, units, register, show):
    code = register(received="2026-11-02")["code"]  # due 2026-11-23
    rows = json_of(
        cli(
            "assign",
            code,
            "--lead",
            HOUSING,
            "--participant",
            DONGSHENG,
            "--on",
            "2026-11-05",
            "--json",
        )
    )
    assert [(r["unit"], r["role"], r["due"], r["notified"]) for r in rows] == [
        (HOUSING, "lead", "2026-11-23", "2026-11-05"),
        (DONGSHENG, "participant", "2026-11-23", "2026-11-05"),
    ]
    matter = show(code)
    # The record says what the deadline was counted from: the matter's receipt, not the
    # notification, since the units took the matter's deadline.
    added = [e["detail"] for e in matter["history"] if e["action"] == "assignment.add"]
    assert [(d["due"], d["due_counted_from"], d["due_within"]) for d in added] == [
        ("2026-11-23", "2026-11-02", 15),
        ("2026-11-23", "2026-11-02", 15),
    ]
    assert matter["status"] == "assigned"
    assert [(a["unit"], a["role"], a["due"]) for a in matter["assignments"]] == [
        (HOUSING, "lead", "2026-11-23"),
        (DONGSHENG, "participant", "2026-11-23"),
    ]


def test_assign_within_counts_from_the_notification_day(cli, json_of, units, register):
    code = register(received="2026-11-02")["code"]
    # From Tue 11-03 (not from the received day): Nov 4,5,6 (3), 9-13 (8), 16,17 (10).
    rows = json_of(
        cli("assign", code, "--lead", HOUSING, "--on", "2026-11-03", "--within", 10, "--json")
    )
    assert rows[0]["due"] == "2026-11-17"
    assert rows[0]["notified"] == "2026-11-03"


def test_assign_within_across_national_day(cli, json_of, units, register):
    code = register(received="2026-09-28")["code"]
    # From Wed 09-30: Oct 1-7 off, 8 (1), 9 (2), make-up Sat 10 (3), 12 (4), 13 (5).
    rows = json_of(
        cli("assign", code, "--lead", "zjj", "--on", "2026-09-30", "--within", 5, "--json")
    )
    assert rows[0]["unit"] == HOUSING  # named by its code
    assert rows[0]["due"] == "2026-10-13"


def test_assign_due_as_a_date(cli, json_of, units, register):
    code = register()["code"]
    rows = json_of(
        cli(
            "assign", code, "--lead", HOUSING, "--on", "2026-11-03", "--due", "2026-11-30", "--json"
        )
    )
    assert rows[0]["due"] == "2026-11-30"
    assert rows[0]["original_due"] == "2026-11-30"


def test_assign_due_and_within_together_is_bad_usage(cli, assert_error, units, register, show):
    code = register()["code"]
    result = cli(
        "assign",
        code,
        "--lead",
        HOUSING,
        "--on",
        "2026-11-03",
        "--due",
        "2026-11-30",
        "--within",
        5,
    )
    assert_error(result, 2, "--due or --within")
    assert show(code)["assignments"] == []


def test_assign_unknown_unit_says_did_you_mean(cli, assert_error, units, register, show):
    code = register()["code"]
    result = cli("assign", code, "--lead", "市教育", "--on", "2026-11-03")
    assert_error(result, 3, "did you mean", EDUCATION)
    assert show(code)["assignments"] == []


def test_assign_a_unit_already_assigned_is_refused(cli, assert_error, units, register, show):
    code = register()["code"]
    assert cli("assign", code, "--lead", HOUSING, "--on", "2026-11-03").exit_code == 0
    for role in ("--lead", "--participant"):
        assert_error(cli("assign", code, role, HOUSING, "--on", "2026-11-04"), 4, HOUSING)
    assert len(show(code)["assignments"]) == 1


def test_assign_more_units_later(cli, json_of, units, register, show):
    code = register()["code"]
    assert cli("assign", code, "--lead", HOUSING, "--on", "2026-11-03").exit_code == 0
    rows = json_of(cli("assign", code, "--participant", DONGSHENG, "--on", "2026-11-04", "--json"))
    assert [(r["unit"], r["role"]) for r in rows] == [(DONGSHENG, "participant")]
    assert [a["unit"] for a in show(code)["assignments"]] == [HOUSING, DONGSHENG]


def test_assign_participants_need_a_lead_unit(cli, assert_error, units, register, show):
    code = register()["code"]
    assert_error(
        cli("assign", code, "--participant", DONGSHENG, "--on", "2026-11-03"), 4, "第十二条"
    )
    assert show(code)["status"] == "registered"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["DB-2026-0099", "--lead", HOUSING, "--on", "2026-11-03"], 3),  # no such matter
        (["DB-2026-0001", "--on", "2026-11-03"], 2),  # no unit named
        (["DB-2026-0001", "--lead", HOUSING, "--lead", HOUSING, "--on", "2026-11-03"], 2),
        (["DB-2026-0001", "--lead", HOUSING, "--on", "2026-11-01"], 2),  # before receipt
        (["DB-2026-0001", "--lead", HOUSING, "--on", "11/03/2026"], 2),  # bad date
        (["DB-2026-0001", "--lead", HOUSING, "--on", "2026-11-03", "--due", "2026-11-02"], 2),
    ],
    ids=["unknown-matter", "no-unit", "twice", "before-receipt", "bad-date", "due-before-on"],
)
def test_assign_refusals(cli, assert_error, units, register, show, args, code):
    register(received="2026-11-02")
    assert_error(cli("assign", *args), code)
    assert show("DB-2026-0001")["assignments"] == []


# -- report --------------------------------------------------------------------------


def test_report_prints_a_table_and_how_to_review_it(cli, assigned):
    result = cli(
        "report",
        assigned,
        "--unit",
        HOUSING,
        "--kind",
        "progress",
        "--text",
        "已完成摸底",
        "--on",
        "2026-11-10",
    )
    assert result.exit_code == 0, result.stderr
    assert (
        HOUSING in result.stdout and "progress" in result.stdout and "2026-11-10" in result.stdout
    )
    assert "duban review 1 --accept" in result.stderr


def test_report_json_has_an_id_and_the_arrival_date(cli, json_of, assigned, show):
    data = json_of(
        cli(
            "report",
            assigned,
            "--unit",
            HOUSING,
            "--kind",
            "final",
            "--text",
            "已完成管网改造",
            "--written",
            "--signed-by",
            "张建国",
            "--sealed",
            "--on",
            "2026-11-20",
            "--json",
        )
    )
    assert isinstance(data["id"], int)
    assert data["code"] == assigned
    assert data["unit"] == HOUSING
    assert data["kind"] == "final"
    assert data["received"] == "2026-11-20"
    assert (data["written"], data["signed_by"], data["sealed"]) == (True, "张建国", True)
    assert data["status"] == "pending"
    [shown] = show(assigned)["reports"]
    assert shown["id"] == data["id"]
    assert shown["text"] == "已完成管网改造"
    assert shown["received"] == "2026-11-20"


def test_report_kind_in_chinese(report, assigned):
    assert report(assigned, HOUSING, kind="办结")["kind"] == "final"


def test_report_reads_its_text_from_a_file(cli, json_of, assigned, show, tmp_path):
    paper = tmp_path / "情况报告.txt"
    paper.write_text("关于城区供暖问题的办理情况报告\n一、已完成管网改造\n", encoding="utf-8")
    data = json_of(
        cli(
            "report",
            assigned,
            "--unit",
            HOUSING,
            "--kind",
            "progress",
            "--file",
            paper,
            "--on",
            "2026-11-10",
            "--json",
        )
    )
    assert data["file_name"] == "情况报告.txt"
    assert (
        show(assigned)["reports"][0]["text"] == "关于城区供暖问题的办理情况报告\n一、已完成管网改造"
    )


def test_a_participating_unit_does_not_report(cli, assert_error, assigned, show):
    result = cli(
        "report",
        assigned,
        "--unit",
        DONGSHENG,
        "--kind",
        "progress",
        "--text",
        "x",
        "--on",
        "2026-11-10",
    )
    assert_error(result, 4, "第十二条", HOUSING)  # names the lead that reports for it
    assert show(assigned)["reports"] == []


def test_a_unit_not_assigned_does_not_report(cli, assert_error, assigned, show):
    result = cli(
        "report",
        assigned,
        "--unit",
        EDUCATION,
        "--kind",
        "final",
        "--text",
        "x",
        "--on",
        "2026-11-10",
    )
    assert_error(result, 4, "第十二条", "not assigned")
    assert show(assigned)["reports"] == []


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["DB-2026-0042", "--unit", HOUSING, "--kind", "final", "--text", "x"], 3, "DB-2026-0042"),
        (["DB-2026-0001", "--unit", "市住建局", "--kind", "final", "--text", "x"], 3, "市住建局"),
        (["DB-2026-0001", "--unit", HOUSING, "--kind", "summary", "--text", "x"], 2, "summary"),
        (
            [
                "DB-2026-0001",
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
            "2026-11-31",
        ),
        (
            [
                "DB-2026-0001",
                "--unit",
                HOUSING,
                "--kind",
                "final",
                "--text",
                "x",
                "--on",
                "2026-11-02",
            ],
            2,
            "notified",
        ),
        (["DB-2026-0001", "--unit", HOUSING, "--kind", "final"], 2, "--text"),
        (["DB-2026-0001", "--unit", HOUSING, "--kind", "final", "--text", "  "], 2, "text"),
        (
            ["DB-2026-0001", "--unit", HOUSING, "--kind", "final", "--file", "/nonexistent/r.txt"],
            2,
            "/nonexistent/r.txt",
        ),
        (
            [
                "DB-2026-0001",
                "--unit",
                HOUSING,
                "--kind",
                "final",
                "--text",
                "x",
                "--propose-due",
                "2026-12-30",
            ],
            2,
            "explanation",
        ),
        (
            [
                "DB-2026-0001",
                "--unit",
                HOUSING,
                "--kind",
                "explanation",
                "--text",
                "x",
                "--on",
                "2026-11-20",
                "--propose-due",
                "2026-11-20",
            ],
            2,
            "not after",
        ),
    ],
    ids=[
        "unknown-matter",
        "unknown-unit",
        "bad-kind",
        "bad-date",
        "before-notified",
        "no-text",
        "blank-text",
        "missing-file",
        "propose-due-on-final",
        "propose-due-not-later",
    ],
)
def test_report_refusals(cli, assert_error, assigned, show, args, code, fragment):
    if "--on" not in args:
        args = [*args, "--on", "2026-11-10"]
    assert_error(cli("report", *args), code, fragment)
    assert show(assigned)["reports"] == []


def test_a_report_that_investigates_must_be_written(cli, assert_error, units, register, show):
    code = register("--handling", "investigate")["code"]
    assert cli("assign", code, "--lead", HOUSING, "--on", "2026-11-03").exit_code == 0
    result = cli(
        "report", code, "--unit", HOUSING, "--kind", "final", "--text", "x", "--on", "2026-11-10"
    )
    assert_error(result, 4, "第十二条", "written")
    assert show(code)["reports"] == []


# -- review --------------------------------------------------------------------------


def test_accepting_a_complete_final_report_completes_the_assignment(
    cli, json_of, report, assigned, show
):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    result = cli("review", rid, "--accept", "--on", "2026-11-23", "--json")
    data = json_of(result)
    assert (data["id"], data["decision"], data["reviewed"]) == (rid, "accept", "2026-11-23")
    assert data["report_status"] == "accepted"
    assert data["assignment"]["status"] == "done"
    assert data["by"] == TEST_USER
    lead = show(assigned)["assignments"][0]
    assert (lead["unit"], lead["status"], lead["completed"]) == (HOUSING, "done", "2026-11-23")
    assert show(assigned)["reports"][0]["review"]["decision"] == "accept"


def test_review_prints_a_table(cli, report, assigned):
    rid = report(assigned, HOUSING)["id"]
    result = cli("review", rid, "--accept", "--on", "2026-11-23")
    assert result.exit_code == 0, result.stderr
    assert "accept" in result.stdout and HOUSING in result.stdout
    assert result.stderr == f"report {rid} accepted\n"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ([], "must be written"),  # neither written, nor signed, nor sealed
        (["--written", "--sealed"], "not nobody"),  # not signed
        (["--written", "--signed-by", "王五", "--sealed"], "(张建国), not 王五"),  # wrong signer
        (["--written", "--signed-by", "张建国"], "sealed"),  # no seal
    ],
    ids=["not-written", "not-signed", "signed-by-another", "not-sealed"],
)
def test_accepting_an_incomplete_final_report_is_refused(
    cli, assert_error, report, assigned, show, options, fragment
):
    rid = report(assigned, HOUSING, *options, complete=False)["id"]
    assert_error(cli("review", rid, "--accept", "--on", "2026-11-23"), 4, "第十二条", fragment)
    matter = show(assigned)
    assert matter["assignments"][0]["status"] == "open"
    assert matter["reports"][0]["status"] == "pending"
    assert matter["reports"][0]["review"] is None


def test_a_unit_without_a_registered_head_cannot_have_its_final_report_accepted(
    cli, assert_error, json_of, register, report, show
):
    assert cli("unit", "add", "市审计局").exit_code == 0
    code = register()["code"]
    assert cli("assign", code, "--lead", "市审计局", "--on", "2026-11-03").exit_code == 0
    rid = json_of(
        cli(
            "report",
            code,
            "--unit",
            "市审计局",
            "--kind",
            "final",
            "--text",
            "x",
            "--written",
            "--signed-by",
            "某人",
            "--sealed",
            "--on",
            "2026-11-20",
            "--json",
        )
    )["id"]
    assert_error(cli("review", rid, "--accept", "--on", "2026-11-23"), 4, "第十二条", "head")
    # Once the head is registered, the same report can be accepted if that head signed it.
    assert cli("unit", "edit", "市审计局", "--head", "某人").exit_code == 0
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    assert show(code)["assignments"][0]["status"] == "done"


def test_a_report_is_reviewed_once(cli, assert_error, report, assigned, show):
    rid = report(assigned, HOUSING, kind="progress", on="2026-11-10")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-11").exit_code == 0
    assert_error(cli("review", rid, "--accept", "--on", "2026-11-12"), 4, "reviewed once")
    assert_error(
        cli("review", rid, "--return", "--reason", "x", "--on", "2026-11-12"), 4, "reviewed once"
    )
    assert show(assigned)["reports"][0]["review"]["reviewed"] == "2026-11-11"


def test_accepting_a_progress_report_leaves_the_assignment_open(cli, report, assigned, show):
    rid = report(assigned, HOUSING, kind="progress", on="2026-11-10")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-11").exit_code == 0
    matter = show(assigned)
    assert matter["assignments"][0]["status"] == "open"
    assert matter["reports"][0]["status"] == "accepted"


def test_returning_needs_a_reason(cli, assert_error, report, assigned, show):
    rid = report(assigned, HOUSING)["id"]
    assert_error(cli("review", rid, "--return", "--on", "2026-11-23"), 2, "--reason")
    assert_error(cli("review", rid, "--return", "--reason", " ", "--on", "2026-11-23"), 2)
    assert show(assigned)["reports"][0]["status"] == "pending"


def test_returning_sets_a_new_deadline_15_working_days_after_the_review(
    cli, json_of, report, assigned, show
):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    result = cli("review", rid, "--return", "--reason", "未附整改清单", "--on", "2026-11-24")
    assert result.exit_code == 0, result.stderr
    # Review Tue 11-24: Nov 25,26,27 (3), 30 (4), Dec 1-4 (8), 7-11 (13), 14,15 (15).
    assert result.stderr == f"report {rid} returned; {HOUSING} is due 2026-12-15\n"
    matter = show(assigned)
    lead = matter["assignments"][0]
    assert (lead["due"], lead["original_due"], lead["status"]) == (
        "2026-12-15",
        "2026-11-23",
        "open",
    )
    assert matter["reports"][0]["status"] == "returned"
    assert matter["reports"][0]["review"]["reason"] == "未附整改清单"
    assert matter["reports"][0]["review"]["new_due"] == "2026-12-15"


def test_returning_with_within(cli, json_of, report, assigned, show):
    rid = report(assigned, HOUSING, on="2026-11-05", complete=False)["id"]
    data = json_of(
        cli(
            "review",
            rid,
            "--return",
            "--reason",
            "未加盖公章",
            "--within",
            10,
            "--on",
            "2026-11-06",
            "--json",
        )
    )
    # Review Fri 11-06: Nov 9-13 (5), 16-20 (10).
    assert data["new_due"] == "2026-11-20"
    assert data["assignment"]["due"] == "2026-11-20"
    assert show(assigned)["assignments"][0]["original_due"] == "2026-11-23"


def test_returning_with_due(cli, json_of, report, assigned, show):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    data = json_of(
        cli(
            "review",
            rid,
            "--return",
            "--reason",
            "x",
            "--due",
            "2026-12-04",
            "--on",
            "2026-11-24",
            "--json",
        )
    )
    assert data["new_due"] == "2026-12-04"
    lead = show(assigned)["assignments"][0]
    assert (lead["due"], lead["original_due"]) == ("2026-12-04", "2026-11-23")


@pytest.mark.parametrize(
    "options",
    [
        ["--return", "--reason", "x", "--due", "2026-12-04", "--within", 5],
        ["--return", "--reason", "x", "--due", "2026-11-01"],
        ["--accept", "--within", 5],
        ["--accept", "--return", "--reason", "x"],
        [],
        ["--accept", "--on", "2026-11-19"],  # before the report arrived
        ["--accept", "--on", "yesterday-ish"],
    ],
    ids=[
        "due-and-within",
        "due-before-review",
        "accept-with-within",
        "both",
        "neither",
        "before-arrival",
        "bad-date",
    ],
)
def test_review_bad_usage(cli, assert_error, report, assigned, show, options):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    if "--on" not in options:
        options = [*options, "--on", "2026-11-24"]
    assert_error(cli("review", rid, *options), 2)
    matter = show(assigned)
    assert matter["reports"][0]["status"] == "pending"
    assert matter["assignments"][0]["due"] == "2026-11-23"


def test_review_unknown_report(cli, assert_error, assigned):
    assert_error(cli("review", 99, "--accept", "--on", "2026-11-24"), 3, "99")


def test_a_returned_unit_reports_again_and_is_accepted(cli, report, assigned, show):
    first = report(assigned, HOUSING, on="2026-11-20", complete=False)["id"]
    assert (
        cli("review", first, "--return", "--reason", "未盖章", "--on", "2026-11-23").exit_code == 0
    )
    second = report(assigned, HOUSING, on="2026-12-01")["id"]
    assert cli("review", second, "--accept", "--on", "2026-12-02").exit_code == 0
    matter = show(assigned)
    assert [r["status"] for r in matter["reports"]] == ["returned", "accepted"]
    assert matter["assignments"][0]["status"] == "done"


def test_accepting_an_explanation_with_a_proposed_deadline_extends_it(
    cli, json_of, report, assigned, show
):
    rid = report(
        assigned,
        HOUSING,
        "--propose-due",
        "2026-12-18",
        kind="explanation",
        on="2026-11-19",
        text="管网改造需待供暖季后施工，申请延期",
    )["id"]
    assert show(assigned)["assignments"][0]["due"] == "2026-11-23"  # not until accepted
    data = json_of(cli("review", rid, "--accept", "--on", "2026-11-20", "--json"))
    assert data["new_due"] == "2026-12-18"
    matter = show(assigned)
    lead = matter["assignments"][0]
    assert (lead["due"], lead["original_due"], lead["status"]) == (
        "2026-12-18",
        "2026-11-23",
        "open",
    )
    extend = [e for e in matter["history"] if e["action"] == "deadline.extend"]
    assert len(extend) == 1
    assert extend[0]["detail"]["previous_due"] == "2026-11-23"
    assert extend[0]["detail"]["due"] == "2026-12-18"
    assert extend[0]["effective_on"] == "2026-11-20"


def test_returning_an_explanation_keeps_the_old_deadline_as_the_original(
    cli, report, assigned, show
):
    rid = report(
        assigned, HOUSING, "--propose-due", "2026-12-18", kind="explanation", on="2026-11-19"
    )["id"]
    assert (
        cli(
            "review",
            rid,
            "--return",
            "--reason",
            "理由不充分",
            "--due",
            "2026-11-27",
            "--on",
            "2026-11-20",
        ).exit_code
        == 0
    )
    lead = show(assigned)["assignments"][0]
    assert (lead["due"], lead["original_due"]) == ("2026-11-27", "2026-11-23")


# -- close ---------------------------------------------------------------------------


def test_close_is_refused_until_the_lead_units_final_report_is_accepted(
    cli, assert_error, report, assigned, show
):
    assert_error(cli("close", assigned, "--on", "2026-11-24"), 4, "第十二条", HOUSING)
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    # A final report that waits for review is not enough.
    assert_error(cli("close", assigned, "--on", "2026-11-24"), 4, HOUSING)
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    result = cli("close", assigned, "--on", "2026-11-24")
    assert result.exit_code == 0, result.stderr
    assert assigned in result.stdout and "closed" in result.stdout and "2026-11-24" in result.stdout
    assert result.stderr == f"closed {assigned}\n"
    assert show(assigned)["status"] == "closed"


def test_two_lead_units_each_report_and_both_must_be_accepted(
    cli, json_of, assert_error, units, register, report, show
):
    code = register(source="meeting", received="2026-10-12", title="落实黄河流域生态保护决定")[
        "code"
    ]
    result = cli(
        "assign",
        code,
        "--lead",
        ECOLOGY,
        "--lead",
        LAND,
        "--participant",
        DONGSHENG,
        "--on",
        "2026-10-13",
        "--within",
        20,
        "--json",
    )
    # From Tue 10-13: Oct 14,15,16 (3), 19-23 (8), 26-30 (13), Nov 2-6 (18), 9,10 (20).
    rows = json_of(result)
    assert [(r["unit"], r["role"], r["due"]) for r in rows] == [
        (ECOLOGY, "lead", "2026-11-10"),
        (LAND, "lead", "2026-11-10"),
        (DONGSHENG, "participant", "2026-11-10"),
    ]
    eco = report(code, ECOLOGY, on="2026-11-05")["id"]
    assert cli("review", eco, "--accept", "--on", "2026-11-06").exit_code == 0
    # The other lead unit has not reported: one unit's report does not stand for both.
    assert_error(cli("close", code, "--on", "2026-11-09"), 4, LAND)
    assert ECOLOGY not in cli("close", code, "--on", "2026-11-09").stderr
    land = report(code, LAND, on="2026-11-09")["id"]
    assert cli("review", land, "--accept", "--on", "2026-11-10").exit_code == 0
    closed = json_of(cli("close", code, "--on", "2026-11-11", "--json"))
    assert (closed["status"], closed["closed"]) == ("closed", "2026-11-11")
    matter = show(code)
    assert [(a["unit"], a["status"], a["completed"]) for a in matter["assignments"]] == [
        (ECOLOGY, "done", "2026-11-06"),
        (LAND, "done", "2026-11-10"),
        # The participating unit's part ends with the close, and the history says so.
        (DONGSHENG, "done", "2026-11-11"),
    ]
    closing = [e for e in matter["history"] if e["action"] == "matter.close"]
    assert closing[-1]["detail"]["participants"] == [DONGSHENG]
    listed = json_of(cli("list", "--json"))
    assert [(m["code"], m["status"]) for m in listed] == [(code, "closed")]


@pytest.fixture
def closed(cli, report, assigned):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    assert cli("close", assigned, "--on", "2026-11-24").exit_code == 0
    return assigned


def test_closing_twice_is_refused(cli, assert_error, closed, show):
    assert_error(cli("close", closed, "--on", "2026-11-25"), 4, "already closed")
    assert show(closed)["closed"] == "2026-11-24"


def test_a_closed_matter_takes_no_report_and_no_unit(cli, assert_error, closed, show):
    before = show(closed)
    result = cli(
        "report",
        closed,
        "--unit",
        HOUSING,
        "--kind",
        "progress",
        "--text",
        "补充",
        "--on",
        "2026-11-25",
    )
    assert_error(result, 4, "closed")
    assert_error(cli("assign", closed, "--lead", EDUCATION, "--on", "2026-11-25"), 4, "closed")
    assert show(closed) == before


def test_close_refusals(cli, assert_error, units, register, report, assigned, show):
    assert_error(cli("close", "DB-2026-0077", "--on", "2026-11-24"), 3, "DB-2026-0077")
    unassigned = register(received="2026-11-03", title="尚未交办的事项")["code"]
    assert_error(cli("close", unassigned, "--on", "2026-11-24"), 4, "no lead unit")
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    # Not before the last final report was accepted.
    assert_error(cli("close", assigned, "--on", "2026-11-22"), 2, "2026-11-23")
    assert_error(cli("close", assigned, "--on", "23 Nov"), 2)
    assert show(assigned)["status"] == "assigned"


def test_the_whole_cycle_is_in_the_history(cli, report, assigned, show):
    rid = report(assigned, HOUSING, on="2026-11-20")["id"]
    assert cli("review", rid, "--accept", "--on", "2026-11-23").exit_code == 0
    assert cli("close", assigned, "--on", "2026-11-24").exit_code == 0
    history = show(assigned)["history"]
    assert [(e["action"], e["effective_on"]) for e in history] == [
        ("matter.register", "2026-11-02"),
        ("assignment.add", "2026-11-03"),
        ("assignment.add", "2026-11-03"),
        ("report.add", "2026-11-20"),
        ("review.accept", "2026-11-23"),
        ("assignment.complete", "2026-11-23"),
        ("matter.close", "2026-11-24"),
    ]
    assert {e["actor"] for e in history} == {TEST_USER}
    assert [e["detail"].get("unit") for e in history[1:3]] == [HOUSING, DONGSHENG]
    assert history[3]["detail"]["on_time"] is True


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


def test_each_unit_has_its_own_responsible_person(cli, json_of, assert_error, units, register,
                                                  show):  # fmt: skip
    code = register(received="2026-11-02")["code"]
    made = json_of(cli("assign", code, "--lead", f"{HOUSING}=周涛", "--lead", "东胜区人民政府=王芳",
                       "--participant", "市教育局＝李明", "--on", "2026-11-03", "--json"))  # fmt: skip
    pairs = [("市住房和城乡建设局", "周涛"), ("东胜区人民政府", "王芳"), ("市教育局", "李明")]
    assert [(a["unit"], a["responsible"]) for a in made] == pairs
    assert [(a["unit"], a["responsible"]) for a in show(code)["assignments"]] == pairs


def test_a_lone_responsible_with_several_units_is_refused(cli, assert_error, units, register):
    code = register(received="2026-11-02")["code"]
    before = snapshot_of(cli.db)
    assert_error(cli("assign", code, "--lead", HOUSING, "--participant", DONGSHENG,
                     "--responsible", "周涛", "--on", "2026-11-03"), 2, "UNIT=PERSON")  # fmt: skip
    assert_error(cli("assign", code, "--lead", f"{HOUSING}=", "--on", "2026-11-03"), 2,
                 "UNIT=PERSON")  # fmt: skip
    assert snapshot_of(cli.db) == before
    # With one unit named, --responsible is that unit's person.
    made = cli("assign", code, "--lead", HOUSING, "--responsible", "周涛", "--on", "2026-11-03",
               "--json")  # fmt: skip
    assert [a["responsible"] for a in json.loads(made.stdout)] == ["周涛"]


# -- 第十条: sources in the office's words; whose proposal --------------------------------


@pytest.mark.parametrize(
    ("typed", "source", "proposal_by"),
    [
        ("人大建议", "proposal", "npc"),
        ("代表建议", "proposal", "npc"),
        ("人大代表建议", "proposal", "npc"),
        ("议案", "proposal", "npc"),
        ("人大议案", "proposal", "npc"),
        ("npc", "proposal", "npc"),
        ("政协提案", "proposal", "cppcc"),
        ("提案", "proposal", "cppcc"),  # the CPPCC's word
        ("委员提案", "proposal", "cppcc"),
        ("CPPCC", "proposal", "cppcc"),
        ("proposal", "proposal", None),  # a proposal, whose not said
        ("建议提案", "proposal", None),
        ("建议", "proposal", None),
        ("热点问题", "hotspot", None),
        ("热点难点问题", "hotspot", None),
        ("难点问题", "hotspot", None),
        ("批示", "instruction", None),
    ],
)
def test_the_source_term_says_whose_proposal_it_is(register, show, typed, source, proposal_by):
    matter = register(source=typed)
    assert (matter["source"], matter["proposal_by"]) == (source, proposal_by)
    assert show(matter["code"])["proposal_by"] == proposal_by
    detail = show(matter["code"])["history"][0]["detail"]
    assert detail["source"] == source and detail.get("proposal_by") == proposal_by


# -- dates as the office writes them ---------------------------------------------------

# Wednesday 2026-11-04, 09:00 in Beijing: 前天 is Monday 11-02.
WEDNESDAY = {"DUBAN_NOW": "2026-11-04T09:00:00+08:00"}


@pytest.mark.parametrize("written", ["11月2日", "11月2号", " 11 月 02 日", "11月2", "前天"])
def test_a_day_of_this_year_as_the_office_writes_it(cli, json_of, written):
    data = json_of(cli("register", "x", "--source", "other", "--received", written, "--json",
                       env=WEDNESDAY))  # fmt: skip
    assert (data["received"], data["due"]) == ("2026-11-02", "2026-11-23")


@pytest.mark.parametrize(("written", "day"), [("今天", "2026-11-04"), ("昨天", "2026-11-03"),
                                              ("today", "2026-11-04"), ("yesterday", "2026-11-03")])  # fmt: skip
def test_today_and_yesterday_still_work(cli, json_of, written, day):
    data = json_of(cli("register", "x", "--source", "other", "--received", written, "--json",
                       env=WEDNESDAY))  # fmt: skip
    assert data["received"] == day


def test_this_year_is_the_offices(cli, json_of):
    """17:00 UTC on 31 December is already New Year's Day in Beijing."""
    env = {"DUBAN_NOW": "2026-12-31T17:00:00Z"}
    data = json_of(cli("register", "x", "--source", "other", "--received", "1月1日", "--json",
                       env=env))  # fmt: skip
    assert (data["code"], data["received"]) == ("DB-2027-0001", "2027-01-01")
    assert json_of(cli("register", "y", "--source", "other", "--received", "前天", "--json",
                       env=env))["received"] == "2026-12-30"  # fmt: skip


@pytest.mark.parametrize("written", ["13月2日", "2月30日", "11月", "11-02"])
def test_an_impossible_day_of_this_year_is_a_bad_value(cli, assert_error, written):
    assert_error(cli("register", "x", "--source", "other", "--received", written, env=WEDNESDAY),
                 2, repr(written.strip()))  # fmt: skip
    assert cli("list", "--json").stdout.strip() == "[]"
