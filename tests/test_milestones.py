"""Milestones (节点目标), reporting modes (随办随报, 定期报告) and late requests for an
extension (第十一条, 第十二条), through the CLI.

The scene (`assigned`): DB-2026-0001 received Mon 2026-11-02, due Mon 11-23;
市住房和城乡建设局 (zjj) leads, notified Tue 11-03; 东胜区人民政府 participates.
Working days after 11-03: 11-04 (1), 05, 06 (3), 09, 10 (5), 11, 12 (7), 13, 16, 17 (10).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import assert_error, snapshot_of

CODE = "DB-2026-0001"
LEAD = "市住房和城乡建设局"
PART = "东胜区人民政府"


def add(cli, *args, code=CODE, title="完成现场摸排"):
    return cli.check("milestone", "add", code, title, *args, "--json").data


def overdue(cli, day, *args):
    return cli.check("overdue", "--as-of", day, *args, "--json").data


def milestones(cli, day, code=CODE):
    return cli.check("milestone", "list", code, "--as-of", day, "--json").data


def progress(cli, *args, code=CODE, unit=LEAD, on="2026-11-05", kind="progress"):
    return cli.check(
        "report", code, "--unit", unit, "--kind", kind, "--text", "进展", "--on", on, *args,
        "--json",
    ).data  # fmt: skip


# -- milestone add and list ---------------------------------------------------------


def test_a_milestone_counts_its_deadline_from_on_and_is_recorded(cli, assigned):
    m = add(cli, "--unit", "zjj", "--within", "3", "--on", "2026-11-03")
    assert m["id"] == 1 and m["code"] == CODE and m["unit"] == LEAD
    assert m["due"] == "2026-11-06" and m["set_on"] == "2026-11-03"
    assert m["status"] == "open" and m["met_on"] is None
    shown = cli.check("show", CODE, "--as-of", "2026-11-04", "--json").data
    assert [
        (x["id"], x["title"], x["unit"], x["due"], x["status"]) for x in shown["milestones"]
    ] == [(1, "完成现场摸排", LEAD, "2026-11-06", "open")]
    entry = shown["history"][-1]
    assert entry["action"] == "milestone.add" and entry["effective_on"] == "2026-11-03"
    assert entry["detail"]["milestone_id"] == 1 and entry["detail"]["due"] == "2026-11-06"
    assert entry["detail"]["due_within"] == 3 and entry["detail"]["unit"] == LEAD


def test_a_milestone_of_the_whole_matter_with_a_date(cli, assigned):
    m = add(cli, "--due", "2026-11-12", "--on", "2026-11-03", title="制定方案")
    assert m["unit"] is None and m["due"] == "2026-11-12"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--on", "2026-11-03"], 2, "--due DATE or --within N"),
        (["--due", "2026-11-10", "--within", "3"], 2, "not both"),
        (["--within", "0", "--on", "2026-11-03"], 2, "--within"),
        (["--due", "2026-11-02", "--on", "2026-11-03"], 2, "is before"),
        (["--within", "3", "--on", "2026-11-01"], 2, "before 2026-11-02"),
        (["--unit", PART, "--within", "3", "--on", "2026-11-03"], 4, "第十二条"),
        (["--unit", "市教育局", "--within", "3", "--on", "2026-11-03"], 4, "not assigned"),
        (["--unit", "zjj", "--within", "3", "--on", "2026-11-02"], 2, "before 2026-11-03"),
        (["--unit", "nobody", "--within", "3"], 3, "no unit"),
    ],
)
def test_milestone_add_refusals_write_nothing(cli, assigned, db_path, args, code, fragment):
    before = snapshot_of(db_path)
    assert_error(cli("milestone", "add", CODE, "摸排", *args), code, fragment)
    assert snapshot_of(db_path) == before


def test_a_milestone_needs_a_title_and_a_matter(cli, assigned):
    assert_error(cli("milestone", "add", CODE, "  ", "--within", "3"), 2, "title")
    assert_error(cli("milestone", "add", "DB-2026-0099", "摸排", "--within", "3"), 3, "no matter")


def close_it(cli):
    rep = cli.check(
        "report", CODE, "--unit", LEAD, "--kind", "final", "--text", "完成", "--written",
        "--signed-by", "张建国", "--sealed", "--on", "2026-11-20", "--json",
    ).data  # fmt: skip
    cli.check("review", rep["id"], "--accept", "--on", "2026-11-21")
    cli.check("close", CODE, "--on", "2026-11-22")


def test_a_closed_or_cancelled_matter_takes_no_milestone(cli, assigned):
    close_it(cli)
    assert_error(cli("milestone", "add", CODE, "摸排", "--within", "3"), 4, "第十一条", "closed")
    code = cli.check("register", "另一事项", "--source", "meeting", "--received", "2026-11-02",
                     "--json").data["code"]  # fmt: skip
    cli.check("cancel", code, "--reason", "撤回", "--on", "2026-11-03")
    assert_error(cli("milestone", "add", code, "摸排", "--within", "3"), 4, "第十一条", "cancelled")


def test_a_unit_whose_part_is_done_takes_no_milestone(cli, units):
    code = cli.check("register", "双牵头", "--source", "meeting", "--received", "2026-11-02",
                     "--json").data["code"]  # fmt: skip
    cli.check("assign", code, "--lead", LEAD, "--lead", "市教育局", "--on", "2026-11-03")
    rep = progress(cli, "--written", "--signed-by", "张建国", "--sealed", code=code,
                   kind="final", on="2026-11-10")  # fmt: skip
    cli.check("review", rep["id"], "--accept", "--on", "2026-11-11")
    result = cli("milestone", "add", code, "摸排", "--unit", LEAD, "--within", "3", "--on",
                 "2026-11-12")  # fmt: skip
    assert_error(result, 4, "第十五条")


def test_milestone_list_says_met_open_or_overdue_on_the_day(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")  # due 11-06
    add(cli, "--due", "2026-11-17", "--on", "2026-11-03", title="制定方案")
    first = milestones(cli, "2026-11-04")
    assert [(x["id"], x["status"], x["light"]) for x in first] == [
        (1, "open", "yellow"), (2, "open", "green"),
    ]  # fmt: skip
    assert [(x["status"], x["light"]) for x in milestones(cli, "2026-11-09")] == [
        ("overdue", "red"), ("open", "green"),
    ]  # fmt: skip
    progress(cli, "--milestone", "1", on="2026-11-10")
    later = milestones(cli, "2026-11-10")
    assert (later[0]["status"], later[0]["met_on"], later[0]["light"]) == (
        "met",
        "2026-11-10",
        None,
    )
    # As it stood before the report came in.
    assert milestones(cli, "2026-11-09")[0]["status"] == "overdue"
    # Not set yet on 11-02.
    assert milestones(cli, "2026-11-02") == []


def test_milestone_list_table_and_empty(cli, assigned):
    assert milestones(cli, "2026-11-04") == []
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    table = cli.check("milestone", "list", CODE, "--as-of", "2026-11-09").stdout
    assert "Milestones of DB-2026-0001 as of 2026-11-09" in table
    assert "完成现场摸排" in table and "overdue" in table and "red" in table
    zh = cli.check("milestone", "list", CODE, "--as-of", "2026-11-09", env={"DUBAN_LANG": "zh"})
    assert "已逾期" in zh.stdout and "节点目标" in zh.stdout


# -- report --milestone -------------------------------------------------------------


def test_a_report_names_its_milestone(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    rep = progress(cli, "--milestone", "1")
    assert rep["milestone_id"] == 1
    shown = cli.check("show", CODE, "--json").data
    assert shown["reports"][0]["milestone_id"] == 1
    assert shown["history"][-1]["detail"]["milestone_id"] == 1


def test_a_report_naming_a_wrong_milestone_is_refused(cli, units, db_path):
    one = cli.check("register", "一", "--source", "meeting", "--received", "2026-11-02",
                    "--json").data["code"]  # fmt: skip
    two = cli.check("register", "二", "--source", "meeting", "--received", "2026-11-02",
                    "--json").data["code"]  # fmt: skip
    cli.check("assign", one, "--lead", LEAD, "--lead", "市教育局", "--on", "2026-11-03")
    cli.check("assign", two, "--lead", LEAD, "--on", "2026-11-03")
    add(cli, "--unit", "市教育局", "--within", "3", "--on", "2026-11-03", code=one)  # 1
    add(cli, "--within", "3", "--on", "2026-11-03", code=two)  # 2
    before = snapshot_of(db_path)
    args = ["--kind", "progress", "--text", "x", "--on", "2026-11-05", "--milestone"]
    assert_error(cli("report", one, "--unit", LEAD, *args, "1"), 4, "第十二条", "市教育局")
    assert_error(cli("report", one, "--unit", LEAD, *args, "2"), 2, "not one of")
    assert_error(cli("report", one, "--unit", LEAD, *args, "9"), 3, "no milestone 9")
    assert snapshot_of(db_path) == before
    # The matter's own milestone is met by any lead unit's report.
    assert progress(cli, "--milestone", "2", code=two)["milestone_id"] == 2


def test_a_returned_report_unmeets_its_milestone_from_the_review_on(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")  # due 11-06
    rep = progress(cli, "--milestone", "1", on="2026-11-05")
    cli.check("review", rep["id"], "--return", "--reason", "不实", "--on", "2026-11-09")
    assert milestones(cli, "2026-11-06")[0]["status"] == "met"  # before the review
    assert milestones(cli, "2026-11-09")[0]["status"] == "overdue"
    assert [r["kind"] for r in overdue(cli, "2026-11-06")] == []
    assert [r["kind"] for r in overdue(cli, "2026-11-09")] == ["milestone"]
    progress(cli, "--milestone", "1", on="2026-11-10")
    assert overdue(cli, "2026-11-10") == []
    assert milestones(cli, "2026-11-10")[0]["met_on"] == "2026-11-10"


# -- overdue ------------------------------------------------------------------------


def test_overdue_lists_milestones_in_deadline_order(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")  # 11-06
    add(cli, "--due", "2026-11-12", "--on", "2026-11-03", title="制定方案")  # 11-12
    rows = overdue(cli, "2026-11-25")
    assert [(r["kind"], r["due"], r["unit"]) for r in rows] == [
        ("milestone", "2026-11-06", LEAD),
        ("milestone", "2026-11-12", None),
        ("deadline", "2026-11-23", LEAD),
    ]
    assert rows[0]["milestone"] == {"id": 1, "title": "完成现场摸排"}
    assert rows[1]["milestone"] == {"id": 2, "title": "制定方案"}
    assert rows[2]["milestone"] is None
    assert all(r["light"] == "red" for r in rows)
    assert rows[0]["days_overdue"] == 19 and rows[0]["workdays_overdue"] == 13
    # --unit keeps that unit's (the matter's own milestone has none); --limit the whole.
    assert [r["due"] for r in overdue(cli, "2026-11-25", "--unit", LEAD)] == [
        "2026-11-06", "2026-11-23",
    ]  # fmt: skip
    assert overdue(cli, "2026-11-25", "--unit", "市教育局") == []
    assert [r["due"] for r in overdue(cli, "2026-11-25", "--limit", "2")] == [
        "2026-11-06", "2026-11-12",
    ]  # fmt: skip
    # Before its deadline passed, a milestone is not late.
    assert overdue(cli, "2026-11-06") == []


def test_overdue_table_and_csv_show_the_milestone(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    table = cli.check("overdue", "--as-of", "2026-11-09").stdout
    assert "完成现场摸排" in table and "milestone" in table
    zh = cli.check("overdue", "--as-of", "2026-11-09", env={"DUBAN_LANG": "zh"}).stdout
    assert "节点" in zh and "完成现场摸排" in zh
    csv = cli.check("overdue", "--as-of", "2026-11-09", "--format", "csv").stdout
    assert "kind,milestone" in csv.splitlines()[0]
    assert "id=1; title=完成现场摸排" in csv
    empty = cli.check("overdue", "--as-of", "2026-11-04", "--format", "csv").stdout
    assert "kind,milestone" in empty


def test_milestones_of_a_closed_matter_or_a_done_unit_are_not_overdue(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    add(cli, "--due", "2026-11-12", "--on", "2026-11-03", title="制定方案")
    close_it(cli)  # final 11-20, accepted 11-21, closed 11-22
    assert [r["kind"] for r in overdue(cli, "2026-11-21")] == ["milestone"]  # the matter's
    assert overdue(cli, "2026-11-25") == []
    assert [r["due"] for r in overdue(cli, "2026-11-20")] == ["2026-11-06", "2026-11-12"]
    shown = cli.check("show", CODE, "--as-of", "2026-11-25", "--json").data
    assert [x["light"] for x in shown["milestones"]] == [None, None]
    # Never met: missed once the work ended without them, overdue while it went on.
    assert [x["status"] for x in shown["milestones"]] == ["missed", "missed"]
    shown = cli.check("show", CODE, "--as-of", "2026-11-20", "--json").data
    assert [x["status"] for x in shown["milestones"]] == ["overdue", "overdue"]


def test_urge_all_overdue_urges_a_unit_once_for_its_deadline_and_milestone(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    add(cli, "--due", "2026-11-12", "--on", "2026-11-03", title="制定方案")
    made = cli.check("urge", "--all-overdue", "--as-of", "2026-11-25", "--json").data
    assert [(u["code"], u["unit"]) for u in made] == [(CODE, LEAD)]
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-25", "--json").data == []
    one = cli.check("urge", CODE, "--on", "2026-11-26", "--json").data
    assert [u["unit"] for u in one] == [LEAD]


def test_the_dossier_lists_the_milestones(cli, assigned, tmp_path):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    progress(cli, "--milestone", "1", on="2026-11-05")
    close_it(cli)
    folder = tmp_path / "卷宗"
    folder.mkdir()
    cli.check("archive", CODE, "--to", folder)
    text = (folder / f"{CODE}.md").read_text(encoding="utf-8")
    assert "## Milestones" in text and "完成现场摸排" in text and "2026-11-05" in text
    data = json.loads((folder / f"{CODE}.json").read_text(encoding="utf-8"))
    assert data["milestones"][0]["met_on"] == "2026-11-05"


# -- reporting modes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--reporting", "periodic"], "--every N"),
        (["--every", "5"], "--every goes with --reporting periodic"),
        (["--reporting", "immediate", "--every", "5"], "--every goes with"),
        (["--reporting", "periodic", "--every", "0"], "1 or more"),
    ],
)
def test_every_goes_with_periodic_only(cli, units, db_path, args, fragment):
    before = snapshot_of(db_path)
    result = cli("register", "定期", "--source", "meeting", "--received", "2026-11-02", *args)
    assert_error(result, 2, fragment)
    assert snapshot_of(db_path) == before


def periodic(cli, every="5"):
    code = cli.check("register", "定期报告事项", "--source", "meeting", "--received",
                     "2026-11-02", "--reporting", "定期", "--every", every, "--due", "2026-12-31",
                     "--json").data["code"]  # fmt: skip
    cli.check("assign", code, "--lead", LEAD, "--on", "2026-11-03")
    return code


def test_periodic_reporting_is_kept_and_shown(cli, units):
    code = periodic(cli)
    shown = cli.check("show", code, "--json").data
    assert (shown["reporting"], shown["report_every"]) == ("periodic", 5)
    assert shown["history"][0]["detail"]["report_every"] == 5


def test_a_missed_periodic_report_is_overdue_until_the_unit_reports(cli, units):
    code = periodic(cli)  # periods end 11-10, 11-17, 11-24, 12-01 ...
    assert overdue(cli, "2026-11-10") == []  # the period's last day
    rows = overdue(cli, "2026-11-11")
    assert [(r["kind"], r["due"], r["unit"], r["milestone"]) for r in rows] == [
        ("periodic", "2026-11-10", LEAD, None)
    ]
    # Still judged from the first period missed.
    assert [r["due"] for r in overdue(cli, "2026-11-20")] == ["2026-11-10"]
    progress(cli, code=code, on="2026-11-19")  # in the third period: caught up
    assert overdue(cli, "2026-11-20") == []
    assert overdue(cli, "2026-12-01") == []
    assert [r["due"] for r in overdue(cli, "2026-12-02")] == ["2026-12-01"]
    # As it stood before the report came in.
    assert [r["due"] for r in overdue(cli, "2026-11-18")] == ["2026-11-10"]
    assert [r["kind"] for r in overdue(cli, "2026-12-02", "--unit", LEAD)] == ["periodic"]
    assert overdue(cli, "2026-12-02", "--unit", "市教育局") == []


def test_a_report_each_period_keeps_a_unit_on_time(cli, units):
    code = periodic(cli)
    for day in ("2026-11-10", "2026-11-11", "2026-11-24"):
        progress(cli, code=code, on=day)
    assert overdue(cli, "2026-11-25") == []
    assert overdue(cli, "2026-12-01") == []
    assert [r["due"] for r in overdue(cli, "2026-12-02")] == ["2026-12-01"]


def test_a_final_report_waiting_for_review_stops_the_periodic_clock(cli, units):
    code = periodic(cli)
    rep = progress(cli, "--written", "--signed-by", "张建国", "--sealed", code=code,
                   kind="final", on="2026-11-05")  # fmt: skip
    assert overdue(cli, "2026-11-25") == []
    cli.check("review", rep["id"], "--return", "--reason", "不全", "--due", "2026-12-31",
              "--on", "2026-11-26")  # fmt: skip
    assert [(r["kind"], r["due"]) for r in overdue(cli, "2026-11-27")] == [
        ("periodic", "2026-11-17")
    ]


def test_periodic_stops_at_the_deadline(cli, units):
    code = cli.check("register", "短期", "--source", "meeting", "--received", "2026-11-02",
                     "--reporting", "periodic", "--every", "5", "--due", "2026-11-12",
                     "--json").data["code"]  # fmt: skip
    cli.check("assign", code, "--lead", LEAD, "--on", "2026-11-03")
    progress(cli, code=code, on="2026-11-05")  # period 1; period 2 would end 11-17
    assert [r["kind"] for r in overdue(cli, "2026-11-20")] == ["deadline"]


def test_immediate_reporting_shows_the_last_report(cli, units):
    code = cli.check("register", "随办随报", "--source", "instruction", "--received",
                     "2026-11-02", "--reporting", "immediate", "--json").data["code"]  # fmt: skip
    cli.check("assign", code, "--lead", LEAD, "--on", "2026-11-03")
    assert cli.check("show", code, "--json").data["last_report"] is None
    progress(cli, code=code, on="2026-11-05")
    progress(cli, code=code, on="2026-11-09")
    assert cli.check("show", code, "--json").data["last_report"] == "2026-11-09"
    listed = cli.check("list", "--as-of", "2026-11-10", "--json").data
    assert [(m["code"], m["reporting"], m["last_report"]) for m in listed] == [
        (code, "immediate", "2026-11-09")
    ]
    assert cli.check("list", "--as-of", "2026-11-06", "--json").data[0]["last_report"] == (
        "2026-11-05"
    )
    assert "Last report" in cli.check("show", code).stdout


# -- late requests for an extension ----------------------------------------------------


def explain(cli, on, *args):
    return cli(
        "report", CODE, "--unit", LEAD, "--kind", "explanation", "--text", "申请延期",
        "--propose-due", "2026-12-10", "--on", on, *args, "--json",
    )  # fmt: skip


def test_a_request_after_the_deadline_needs_a_late_reason(cli, assigned, db_path):
    before = snapshot_of(db_path)
    assert_error(explain(cli, "2026-11-24"), 4, "第十二条", "2026-11-23", "--late-reason")
    assert snapshot_of(db_path) == before
    rep = json.loads(explain(cli, "2026-11-24", "--late-reason", "上级批复晚到").stdout)
    assert rep["late_reason"] == "上级批复晚到"
    shown = cli.check("show", CODE, "--json").data
    assert shown["reports"][0]["late_reason"] == "上级批复晚到"
    detail = shown["history"][-1]["detail"]
    assert detail["late_reason"] == "上级批复晚到" and detail["on_time"] is False
    assert "上级批复晚到" in cli.check("show", CODE).stdout


def test_a_request_on_the_deadline_day_is_in_time(cli, assigned):
    rep = json.loads(explain(cli, "2026-11-23").stdout)
    assert rep["late_reason"] is None


def test_the_deadline_in_force_counts_after_an_extension(cli, assigned):
    rep = json.loads(explain(cli, "2026-11-20").stdout)
    cli.check("review", rep["id"], "--accept", "--on", "2026-11-21")  # due 12-10 now
    again = cli("report", CODE, "--unit", LEAD, "--kind", "explanation", "--text", "再延",
                "--propose-due", "2026-12-20", "--on", "2026-12-01", "--json")  # fmt: skip
    assert json.loads(again.stdout)["late_reason"] is None


def test_a_late_reason_is_kept_on_any_report(cli, assigned):
    rep = progress(cli, "--late-reason", "路途耽搁", on="2026-11-25")
    assert rep["late_reason"] == "路途耽搁"
    rep = progress(cli, "--late-reason", "  ", on="2026-11-25")
    assert rep["late_reason"] is None


def test_summary_counts_a_unit_late_twice_on_a_matter_once(cli, assigned):
    add(cli, "--unit", LEAD, "--within", "3", "--on", "2026-11-03")
    data = cli.check("summary", "--as-of", "2026-11-25", "--json").data
    assert data["overdue"] == 1
    assert [(u["unit"], u["overdue"]) for u in data["by_unit"]] == [(LEAD, 1)]
