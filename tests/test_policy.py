"""Part A of issue 9: the supervision plan (督查方案), the deadline policy (each source's
default deadline, a deadline on a rest day), and `edit` (更正).

Dates: 2026-12-20 is a Sunday, 12-21 a Monday.  2026-11-30 + 3 months is Sunday
2027-02-28, which runs to Monday 2027-03-01.
"""

from __future__ import annotations

import json

import pytest
from conftest import DAYS_2027, enter_report

LEAD = "市住房和城乡建设局"


def register(
    cli, *options, title="研究解决城区供暖问题", source="instruction", received="2026-11-02"
):
    return cli.check("register", title, "--source", source, "--received", received, *options,
                     "--json")  # fmt: skip


def history(cli, code, action):
    entries = cli.check("history", code, "--json").data
    return [e for e in entries if e["action"] == action]


# -- the supervision plan ---------------------------------------------------------------


def test_register_keeps_the_plan_and_show_prints_it(cli):
    made = register(cli, "--plan", "一、摸清底数；二、分类整改；三、验收销号")
    assert made.data["code"] == "DB-2026-0001"
    shown = cli.check("show", "DB-2026-0001", "--json").data
    assert shown["plan"] == "一、摸清底数；二、分类整改；三、验收销号"
    table = cli.check("show", "DB-2026-0001").stdout
    assert "Supervision plan" in table and "一、摸清底数" in table
    assert "督查方案" in cli.check("show", "DB-2026-0001", "--lang", "zh").stdout
    (entry,) = history(cli, "DB-2026-0001", "matter.register")
    assert entry["detail"]["plan"] == "一、摸清底数；二、分类整改；三、验收销号"


def test_a_matter_without_a_plan_shows_none(cli):
    register(cli)
    assert cli.check("show", "DB-2026-0001", "--json").data["plan"] is None
    assert "Supervision plan" not in cli.check("show", "DB-2026-0001").stdout


def test_the_plan_is_read_from_a_utf8_file(cli, tmp_path):
    path = tmp_path / "方案.txt"
    path.write_text("\ufeff督查方案\n一、实地督查\n二、听取汇报\n", encoding="utf-8")
    register(cli, "--plan-file", path)
    assert cli.check("show", "1", "--json").data["plan"] == "督查方案\n一、实地督查\n二、听取汇报"


def test_a_plan_given_twice_or_unreadable_is_refused_and_nothing_is_written(
    cli, tmp_path, assert_error
):
    path = tmp_path / "plan.txt"
    path.write_text("方案", encoding="utf-8")
    both = cli("register", "甲", "--source", "other", "--plan", "x", "--plan-file", path)
    assert_error(both, 2, "--plan TEXT or --plan-file PATH")
    assert_error(
        cli("register", "甲", "--source", "other", "--plan-file", tmp_path / "none.txt"),
        2, "cannot read",
    )  # fmt: skip
    path.write_bytes("方案".encode("gbk"))
    assert_error(cli("register", "甲", "--source", "other", "--plan-file", path), 2, "not UTF-8")
    assert cli.check("list", "--json").data == []


def test_the_archived_dossier_carries_the_plan(cli, assigned, tmp_path):
    cli.check("edit", assigned, "--plan", "一、分三步推进", "--reason", "补录督查方案",
              "--on", "2026-11-04")  # fmt: skip
    enter_report(cli, assigned, LEAD, on="2026-11-20")
    report_id = cli.check("show", assigned, "--json").data["reports"][0]["id"]
    cli.check("review", report_id, "--accept", "--on", "2026-11-21")
    cli.check("close", assigned, "--on", "2026-11-23")
    cli.check("archive", assigned, "--to", tmp_path)
    markdown = (tmp_path / f"{assigned}.md").read_text(encoding="utf-8")
    assert "## Supervision plan" in markdown and "一、分三步推进" in markdown
    dossier = json.loads((tmp_path / f"{assigned}.json").read_text(encoding="utf-8"))
    assert dossier["plan"] == "一、分三步推进"


# -- each source's default deadline (setting source_deadlines) ---------------------------


def test_a_proposal_is_due_three_months_after_receipt_by_default(cli):
    made = register(cli, source="proposal", received="2026-06-15")
    assert made.data["due"] == "2026-09-15"  # calendar months, not working days
    (entry,) = history(cli, "1", "matter.register")
    assert entry["detail"]["due_months"] == 3 and entry["detail"]["due_within"] is None
    assert entry["detail"]["due_counted_from"] == "2026-06-15"


def test_a_month_count_at_the_end_of_a_month_and_on_a_rest_day(cli):
    made = register(cli, source="政协提案", received="2026-11-30")
    # 2026-11-30 + 3 months = 2027-02-28, a Sunday: it runs to Monday 2027-03-01.
    assert made.data["due"] == "2027-03-01"
    assert "2027-02-28 is a rest day" in made.stderr and "2027-03-01" in made.stderr


def test_other_sources_keep_15_working_days(cli):
    assert register(cli, source="instruction").data["due"] == "2026-11-23"


def test_the_setting_names_sources_proposers_and_working_days(cli):
    cli.check("config", "source_deadlines", "人大建议:2m, proposal:3m, hotspot:10")
    shown = cli.check("config", "source_deadlines", "--json").data
    assert shown["value"] == "npc:2m,proposal:3m,hotspot:10"
    # The proposer's own policy comes before the source's.
    npc = register(cli, title="代表建议", source="人大建议", received="2026-06-15")
    cppcc = register(cli, title="政协提案", source="政协提案", received="2026-06-15")
    hot = register(cli, title="热点", source="hotspot", received="2026-11-02")
    other = register(cli, title="其他", source="other", received="2026-11-02")
    assert npc.data["due"] == "2026-08-17"  # 08-15 is a Saturday
    assert cppcc.data["due"] == "2026-09-15"
    assert hot.data["due"] == "2026-11-16"  # 10 working days
    assert other.data["due"] == "2026-11-23"  # default_within, 15 working days


def test_an_empty_setting_means_15_working_days_everywhere(cli):
    cli.check("config", "source_deadlines", "")
    assert register(cli, source="proposal").data["due"] == "2026-11-23"
    cli.check("config", "default_within", "10")
    assert register(cli, title="乙", source="proposal").data["due"] == "2026-11-16"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("proposal", "not SOURCE:DEADLINE"),
        ("proposal:3x", "not SOURCE:DEADLINE"),
        ("proposal:", "not SOURCE:DEADLINE"),
        (":3m", "not SOURCE:DEADLINE"),
        ("bogus:3m", "unknown source"),
        ("proposal:0", "1 to 250 working days"),
        ("proposal:25m", "1 to 24 calendar months"),
        ("proposal:3m,建议提案:2m", "proposal is given twice"),
    ],
)
def test_a_bad_source_deadlines_setting_is_refused(cli, assert_error, value, fragment):
    assert_error(cli("config", "source_deadlines", value), 2, fragment)
    assert cli.check("config", "source_deadlines", "--json").data["value"] == "proposal:3m"


def test_a_proposals_units_are_due_three_months_after_assignment(cli, units):
    register(cli, source="proposal", received="2026-06-10")
    made = cli.check("assign", "1", "--lead", LEAD, "--on", "2026-06-15", "--json").data
    assert made[0]["due"] == "2026-09-15"  # from notification, not from receipt (09-10)
    (entry,) = history(cli, "1", "assignment.add")
    assert entry["detail"]["due_months"] == 3
    # --due and --within still win.
    register(cli, title="乙", source="proposal", received="2026-06-10")
    within = cli.check("assign", "2", "--lead", LEAD, "--within", "5", "--on", "2026-06-15",
                       "--json").data  # fmt: skip
    assert within[0]["due"] == "2026-06-23"  # 06-19 is 端午


def test_a_source_without_a_policy_gives_its_units_the_matters_deadline(cli, units):
    register(cli, "--within", "20", received="2026-11-02")
    made = cli.check("assign", "1", "--lead", LEAD, "--on", "2026-11-10", "--json").data
    assert made[0]["due"] == "2026-11-30"


def test_calendar_recompute_leaves_a_month_count_alone(cli, tmp_path):
    made = register(cli, source="proposal", received="2026-10-05")
    assert (made.data["due"], made.data["due_provisional"]) == ("2027-01-05", False)
    path = tmp_path / "2027.json"
    days = [{"name": n, "date": d, "isOffDay": off} for d, off, n in DAYS_2027]
    path.write_text(json.dumps({"year": 2027, "papers": [], "days": days}), encoding="utf-8")
    cli.check("calendar", "load", path)
    cli.check("calendar", "recompute")
    assert cli.check("show", "1", "--json").data["due"] == "2027-01-05"
    assert history(cli, "1", "calendar.recompute") == []


# -- a deadline on a rest day (民法典 第二百零三条; setting rest_day_due) -------------------


def test_a_due_date_on_a_rest_day_runs_to_the_next_working_day(cli):
    made = register(cli, "--due", "2026-12-20", received="2026-12-01")
    assert made.data["due"] == "2026-12-21"
    assert (
        "the deadline 2026-12-20 is a rest day: it runs to the next working day, 2026-12-21 "
        "(民法典 第二百零三条)"
    ) in made.stderr
    assert made.stdout.count("2026-12-20") == 0
    zh = cli.check("register", "乙", "--source", "other", "--received", "2026-12-01",
                   "--due", "2026-12-20", "--lang", "zh")  # fmt: skip
    assert "休息日" in zh.stderr and "顺延" in zh.stderr


def test_a_due_date_on_a_working_day_is_kept_silently(cli):
    made = register(cli, "--due", "2026-12-18", received="2026-12-01")
    assert made.data["due"] == "2026-12-18" and "rest day" not in made.stderr


def test_keep_keeps_the_date_silently(cli):
    cli.check("config", "rest_day_due", "keep")
    made = register(cli, "--due", "2026-12-20", received="2026-12-01")
    assert made.data["due"] == "2026-12-20" and "rest day" not in made.stderr


def test_a_bad_rest_day_rule_is_refused(cli, assert_error):
    assert_error(cli("config", "rest_day_due", "later"), 2, "use next or keep")


@pytest.mark.parametrize(("rule", "late"), [("next", False), ("keep", True)])
def test_a_report_on_the_monday_after_a_sunday_deadline(cli, units, rule, late):
    if rule == "keep":  # next is the default
        cli.check("config", "rest_day_due", rule)
    register(cli, "--due", "2026-12-20", received="2026-12-01")
    cli.check("assign", "1", "--lead", LEAD, "--on", "2026-12-02")
    enter_report(cli, "DB-2026-0001", LEAD, on="2026-12-21")
    listed = cli.check("overdue", "--as-of", "2026-12-22", "--json").data
    assert [row["code"] for row in listed] == (["DB-2026-0001"] if late else [])


def test_every_due_date_rolls_assign_and_review(cli, units):
    register(cli, received="2026-12-01")
    made = cli.check("assign", "1", "--lead", LEAD, "--due", "2026-12-19", "--on", "2026-12-02",
                     "--json")  # fmt: skip
    assert made.data[0]["due"] == "2026-12-21" and "2026-12-19 is a rest day" in made.stderr
    rep = enter_report(cli, "DB-2026-0001", LEAD, kind="progress", on="2026-12-10")
    back = cli.check("review", rep["id"], "--return", "--reason", "不全", "--due", "2026-12-27",
                     "--on", "2026-12-11", "--json")  # fmt: skip
    assert back.data["assignment"]["due"] == "2026-12-28"


# -- edit (更正) ---------------------------------------------------------------------------


def test_edit_corrects_fields_and_keeps_old_and_new_in_the_history(cli):
    register(cli, "--ref", "鄂府办发〔2026〕1号", "--leader", "张市长")
    result = cli.check(
        "edit", "1", "--title", "研究解决城区冬季供暖问题", "--ref", "鄂府办发〔2026〕12号",
        "--leader", "", "--reason", "录入错误", "--on", "2026-11-05", "--json",
    )  # fmt: skip
    assert result.data["title"] == "研究解决城区冬季供暖问题"
    assert result.data["source_ref"] == "鄂府办发〔2026〕12号"
    assert result.data["leader"] is None
    assert result.data["changed"] == ["title", "source_ref", "leader"]
    (entry,) = history(cli, "1", "matter.edit")
    assert entry["effective_on"] == "2026-11-05"
    assert entry["detail"] == {
        "changes": {
            "title": ["研究解决城区供暖问题", "研究解决城区冬季供暖问题"],
            "source_ref": ["鄂府办发〔2026〕1号", "鄂府办发〔2026〕12号"],
            "leader": ["张市长", None],
        },
        "reason": "录入错误",
    }
    shown = cli.check("show", "1", "--json").data
    assert (shown["title"], shown["leader"]) == ("研究解决城区冬季供暖问题", None)
    table = cli.check("history", "1").stdout
    assert "张市长 → —" in table


def test_edit_prints_a_table(cli):
    register(cli)
    result = cli.check("edit", "1", "--ref", "会议纪要〔2026〕3号", "--reason", "补录",
                       "--on", "2026-11-03")  # fmt: skip
    assert "会议纪要〔2026〕3号" in result.stdout and "DB-2026-0001" in result.stdout
    assert "corrected DB-2026-0001: source_ref" in result.stderr


def test_edit_gives_the_matter_a_new_deadline_row_and_the_units_keep_theirs(cli, assigned):
    result = cli.check("edit", assigned, "--due", "2026-11-30", "--reason", "批示时限为月底",
                       "--on", "2026-11-05", "--json")  # fmt: skip
    assert result.data["due"] == "2026-11-30"
    assert "keep their own deadlines" in result.stderr
    shown = cli.check("show", assigned, "--json").data
    assert shown["due"] == "2026-11-30"
    assert [a["due"] for a in shown["assignments"]] == ["2026-11-23", "2026-11-23"]
    rows = [d for d in shown["deadlines"] if d["why"] == "edit"]
    assert len(rows) == 1 and rows[0]["due"] == "2026-11-30"
    assert rows[0]["effective_on"] == "2026-11-05"
    (entry,) = history(cli, assigned, "matter.edit")
    assert entry["detail"]["changes"] == {"due": ["2026-11-23", "2026-11-30"]}


def test_edit_within_counts_from_receipt_and_judges_the_past_as_it_stood(cli):
    register(cli, received="2026-11-02")  # due 11-23
    cli.check("edit", "1", "--within", "20", "--reason", "时限应为20个工作日",
              "--on", "2026-11-25")  # fmt: skip
    assert cli.check("show", "1", "--json").data["due"] == "2026-11-30"
    (entry,) = history(cli, "1", "matter.edit")
    assert entry["detail"]["due_within"] == 20
    assert entry["detail"]["due_counted_from"] == "2026-11-02"
    # On 11-24, before the correction, the matter was overdue; on 11-26 it is not.
    before = cli.check("overdue", "--as-of", "2026-11-24", "--json").data
    after = cli.check("overdue", "--as-of", "2026-11-26", "--json").data
    assert [r["code"] for r in before] == ["DB-2026-0001"] and after == []


def test_edit_with_a_due_date_on_a_rest_day_rolls_it(cli):
    register(cli, received="2026-12-01")
    result = cli.check("edit", "1", "--due", "2026-12-20", "--reason", "更正",
                       "--on", "2026-12-02", "--json")  # fmt: skip
    assert result.data["due"] == "2026-12-21" and "rest day" in result.stderr


def test_edit_corrects_the_plan_from_a_file(cli, tmp_path):
    register(cli, "--plan", "旧方案")
    path = tmp_path / "plan.txt"
    path.write_text("新方案\n", encoding="utf-8")
    cli.check("edit", "1", "--plan-file", path, "--reason", "方案调整", "--on", "2026-11-03")
    assert cli.check("show", "1", "--json").data["plan"] == "新方案"
    (entry,) = history(cli, "1", "matter.edit")
    assert entry["detail"]["changes"] == {"plan": ["旧方案", "新方案"]}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--title", "新"], "--reason"),
        (["--title", "新", "--reason", "  "], "--reason"),
        (["--reason", "无"], "nothing to correct"),
        (["--title", " ", "--reason", "x"], "a matter needs a title"),
        (["--title", "研究解决城区供暖问题", "--reason", "x"], "already reads so"),
        (["--due", "2026-11-23", "--reason", "x"], "already reads so"),
        (["--due", "2026-10-30", "--reason", "x"], "before 2026-11-02"),
        (["--due", "2026-11-30", "--within", "5", "--reason", "x"], "not both"),
        (["--within", "0", "--reason", "x"], "1 or more"),
        (["--plan", "a", "--plan-file", "p.txt", "--reason", "x"], "not both"),
        (["--title", "新", "--reason", "x", "--on", "2026-11-01"], "before it was received"),
    ],
)
def test_edit_refuses_bad_input_and_writes_nothing(cli, assert_error, args, fragment):
    register(cli)
    before = cli.check("show", "1", "--json").data
    assert_error(cli("edit", "1", *args, "--on", "2026-11-03") if "--on" not in args
                 else cli("edit", "1", *args), 2, fragment)  # fmt: skip
    assert cli.check("show", "1", "--json").data == before


def test_edit_refuses_an_unknown_matter(cli, assert_error):
    assert_error(cli("edit", "DB-2026-0009", "--title", "x", "--reason", "y"), 3)


def test_edit_refuses_a_closed_or_cancelled_matter(cli, assigned, assert_error):
    register(cli, title="乙")
    cli.check("cancel", "DB-2026-0002", "--reason", "撤销", "--on", "2026-11-03")
    refused = cli("edit", "DB-2026-0002", "--title", "x", "--reason", "y", "--on", "2026-11-04")
    assert_error(refused, 4, "第十一条", "cancelled")
    enter_report(cli, assigned, LEAD, on="2026-11-20")
    report_id = cli.check("show", assigned, "--json").data["reports"][0]["id"]
    cli.check("review", report_id, "--accept", "--on", "2026-11-21")
    cli.check("close", assigned, "--on", "2026-11-23")
    refused = cli("edit", assigned, "--title", "x", "--reason", "y", "--on", "2026-11-24")
    assert_error(refused, 4, "第十一条", "closed")
    assert history(cli, assigned, "matter.edit") == []


def test_edit_help_has_an_example(cli):
    out = cli.check("edit", "--help").stdout
    assert "Example: duban edit" in out and "--reason" in out
