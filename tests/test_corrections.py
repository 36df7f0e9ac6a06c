"""Corrections: likely duplicates refused at `register` (--force), `unassign` (a unit
assigned by mistake, kept as `withdrawn`), `assign --role` (a unit's part changed), and
`unit import --update`.

The scene (`assigned`): DB-2026-0001 received Mon 2026-11-02, due Mon 11-23;
市住房和城乡建设局 leads and 东胜区人民政府 participates since Tue 11-03.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import UNITS, assert_error, signed_and_sealed, snapshot_of

CODE = "DB-2026-0001"
LEAD = "市住房和城乡建设局"
PART = "东胜区人民政府"
OTHER = "市教育局"


def history_of(cli, code: str, action: str) -> list[dict]:
    return cli.check("history", code, "--action", action, "--json").data


def assignment(cli, code: str, unit: str) -> dict:
    data = cli.check("show", code, "--json").data
    return next(a for a in data["assignments"] if a["unit"] == unit)


# -- duplicates -----------------------------------------------------------------------


def test_same_reference_of_an_open_matter_is_refused_naming_it(cli, db_path):
    ref = "鄂府办发〔2026〕12号"
    cli.check("register", "落实供暖保障", "--source", "document", "--ref", ref,
              "--received", "2026-11-02")  # fmt: skip
    before = snapshot_of(db_path)
    result = cli("register", "供暖保障工作", "--source", "document", "--ref", ref,
                 "--received", "2026-12-20")  # fmt: skip
    assert_error(result, 4, "第十一条", CODE, ref, "--force")
    assert snapshot_of(db_path) == before


def test_same_title_within_seven_days_is_refused_and_not_after(cli):
    cli.check("register", "研究解决城区供暖问题", "--source", "instruction",
              "--received", "2026-11-02")  # fmt: skip
    for day in ("2026-10-26", "2026-11-09"):  # 7 days either side
        result = cli("register", "  研究解决城区供暖问题 ", "--source", "meeting",
                     "--received", day)  # fmt: skip
        assert_error(result, 4, "第十一条", CODE, "7 days", "--force")
    made = cli.check("register", "研究解决城区供暖问题", "--source", "instruction",
                     "--received", "2026-11-10", "--json").data  # fmt: skip
    assert made["code"] == "DB-2026-0002"
    other = cli.check("register", "研究解决城区供暖问题（二）", "--source", "instruction",
                      "--received", "2026-11-02", "--json").data  # fmt: skip
    assert other["code"] == "DB-2026-0003"


def test_force_registers_it_and_the_history_says_what_it_resembled(cli):
    cli.check("register", "研究解决城区供暖问题", "--source", "instruction",
              "--ref", "A-1", "--received", "2026-11-02")  # fmt: skip
    made = cli.check("register", "研究解决城区供暖问题", "--source", "instruction",
                     "--ref", "A-1", "--received", "2026-11-03", "--force", "--json").data  # fmt: skip
    assert made["code"] == "DB-2026-0002"
    (entry,) = history_of(cli, "DB-2026-0002", "matter.register")
    assert entry["detail"]["forced"] is True
    assert entry["detail"]["resembles"] == [CODE]
    (first,) = history_of(cli, CODE, "matter.register")
    assert "forced" not in first["detail"]
    # --force with nothing alike records nothing of it
    cli.check("register", "另一件事", "--source", "other", "--received", "2026-11-03", "--force")
    (entry,) = history_of(cli, "DB-2026-0003", "matter.register")
    assert "forced" not in entry["detail"]


def test_a_cancelled_duplicate_blocks_nothing_and_a_closed_one_only_by_title(cli, units):
    cli.check("register", "甲事项", "--source", "other", "--ref", "R-1", "--received", "2026-11-02")
    cli.check("cancel", CODE, "--reason", "重复登记", "--on", "2026-11-03")
    cli.check("register", "甲事项", "--source", "other", "--ref", "R-1", "--received", "2026-11-04")
    # a closed matter: the same reference is a new matter, the same title within days is not
    code = "DB-2026-0002"
    cli.check("assign", code, "--lead", LEAD, "--on", "2026-11-04")
    cli.check("report", code, "--unit", LEAD, "--kind", "final", "--text", "完成",
              "--on", "2026-11-05", *signed_and_sealed(LEAD))  # fmt: skip
    cli.check("review", "1", "--accept", "--on", "2026-11-05")
    cli.check("close", code, "--on", "2026-11-05")
    cli.check("register", "乙事项", "--source", "other", "--ref", "R-1", "--received", "2026-11-06")
    result = cli("register", "甲事项", "--source", "other", "--received", "2026-11-06")
    assert_error(result, 4, code)


# -- unassign -------------------------------------------------------------------------


def test_unassign_keeps_the_assignment_as_withdrawn_out_of_every_count(cli, assigned):
    cli.check("assign", assigned, "--lead", OTHER, "--on", "2026-11-03")
    data = cli.check("unassign", assigned, "--unit", LEAD, "--reason", "误交办",
                     "--on", "2026-11-04", "--json").data  # fmt: skip
    assert data == {"code": CODE, "unit": LEAD, "role": "lead", "status": "withdrawn",
                    "matter_status": "assigned"}  # fmt: skip
    shown = assignment(cli, assigned, LEAD)
    assert shown["status"] == "withdrawn" and shown["light"] is None
    assert "已撤回" in cli.check("show", assigned, "--lang", "zh").stdout
    (entry,) = history_of(cli, assigned, "assignment.remove")
    assert entry["effective_on"] == "2026-11-04"
    assert entry["detail"]["unit"] == LEAD
    assert entry["detail"]["role"] == "lead"
    assert entry["detail"]["reason"] == "误交办"
    late = cli.check("overdue", "--as-of", "2026-11-30", "--json").data
    assert [row["unit"] for row in late] == [OTHER]
    soon = cli.check("due", "--within", "5", "--as-of", "2026-11-18", "--json").data
    assert [row["unit"] for row in soon] == [OTHER]
    (listed,) = cli.check("list", "--json", "--as-of", "2026-11-30").data
    assert listed["lead_units"] == [OTHER] and listed["light"] == "red"
    summary = cli.check("summary", "--as-of", "2026-11-30", "--json").data
    assert {row["unit"] for row in summary["by_unit"]} == {OTHER}
    # a withdrawn lead does not hold up the close
    cli.check("report", assigned, "--unit", OTHER, "--kind", "final", "--text", "完成",
              "--on", "2026-11-20", *signed_and_sealed(OTHER))  # fmt: skip
    cli.check("review", "1", "--accept", "--on", "2026-11-20")
    closed = cli.check("close", assigned, "--on", "2026-11-20", "--json").data
    assert closed["status"] == "closed"


def test_a_withdrawn_unit_takes_no_report_urging_or_second_assignment(cli, assigned):
    cli.check("assign", assigned, "--lead", OTHER, "--on", "2026-11-03")
    cli.check("unassign", assigned, "--unit", LEAD, "--reason", "误交办", "--on", "2026-11-04")
    for args in (
        ("report", assigned, "--unit", LEAD, "--kind", "progress", "--text", "x",
         "--on", "2026-11-05"),
        ("urge", assigned, "--unit", LEAD, "--on", "2026-11-30"),
        ("assign", assigned, "--lead", LEAD, "--on", "2026-11-05"),
        ("unassign", assigned, "--unit", LEAD, "--reason", "再撤", "--on", "2026-11-05"),
        ("assign", assigned, "--role", "participant", "--unit", LEAD),
    ):  # fmt: skip
        assert_error(cli(*args), 4, "第十二条", LEAD, "withdrawn")
    # urging every overdue unit skips it
    urged = cli.check("urge", "--all-overdue", "--as-of", "2026-11-30", "--json").data
    assert [u["unit"] for u in urged] == [OTHER]


def test_a_matter_with_every_unit_withdrawn_is_registered_again(cli, assigned):
    cli.check("unassign", assigned, "--unit", PART, "--reason", "误交办", "--on", "2026-11-04")
    data = cli.check("unassign", assigned, "--unit", LEAD, "--reason", "误交办",
                     "--on", "2026-11-04", "--json").data  # fmt: skip
    assert data["matter_status"] == "registered"
    assert cli.check("show", assigned, "--json").data["status"] == "registered"
    (late,) = cli.check("overdue", "--as-of", "2026-11-30", "--json").data
    assert late["code"] == assigned and late["unit"] is None and late["due"] == "2026-11-23"
    (soon,) = cli.check("due", "--within", "5", "--as-of", "2026-11-18", "--json").data
    assert soon["unit"] is None
    (listed,) = cli.check("list", "--json", "--as-of", "2026-11-30").data
    assert listed["lead_units"] == [] and listed["light"] == "red"
    # assigned again to the right unit
    cli.check("assign", assigned, "--lead", OTHER, "--on", "2026-11-05")
    assert cli.check("show", assigned, "--json").data["status"] == "assigned"


def test_unassign_refusals(cli, assigned, db_path):
    cli.check("report", assigned, "--unit", LEAD, "--kind", "progress", "--text", "进行中",
              "--on", "2026-11-10")  # fmt: skip
    cli.check("assign", assigned, "--lead", OTHER, "--on", "2026-11-03")
    before = snapshot_of(db_path)
    # a unit that reported stays, naming the report
    assert_error(cli("unassign", assigned, "--unit", LEAD, "--reason", "误"), 4,
                 "第十二条", LEAD, "report 1", "2026-11-10")  # fmt: skip
    # not on the matter
    assert_error(cli("unassign", assigned, "--unit", "市生态环境局", "--reason", "误"), 4,
                 "第十二条", "not assigned")  # fmt: skip
    # before it was notified
    assert_error(cli("unassign", assigned, "--unit", OTHER, "--reason", "误",
                     "--on", "2026-11-02"), 2, "2026-11-03")  # fmt: skip
    # an empty reason
    assert_error(cli("unassign", assigned, "--unit", OTHER, "--reason", " "), 2, "--reason")
    # no such unit or matter
    assert_error(cli("unassign", assigned, "--unit", "市不存在局", "--reason", "误"), 3)
    assert_error(cli("unassign", "DB-2026-0099", "--unit", OTHER, "--reason", "误"), 3)
    assert snapshot_of(db_path) == before


def test_the_last_lead_cannot_leave_its_participants(cli, assigned):
    result = cli("unassign", assigned, "--unit", LEAD, "--reason", "误", "--on", "2026-11-04")
    assert_error(result, 4, "第十二条", "no lead unit", "--lead")


def test_a_closed_or_cancelled_matter_is_not_corrected(cli, assigned):
    cli.check("cancel", assigned, "--reason", "领导撤回", "--on", "2026-11-05")
    assert_error(cli("unassign", assigned, "--unit", PART, "--reason", "误"), 4,
                 "第十一条", "cancelled")  # fmt: skip
    assert_error(cli("assign", assigned, "--role", "lead", "--unit", PART), 4,
                 "第十一条", "cancelled")  # fmt: skip


# -- assign --role --------------------------------------------------------------------


def test_role_change_swaps_lead_and_participant_with_history(cli, assigned):
    data = cli.check("assign", assigned, "--role", "lead", "--unit", "dsq",
                     "--on", "2026-11-04", "--json").data  # fmt: skip
    assert data == {"code": CODE, "unit": PART, "role": "lead", "role_before": "participant",
                    "status": "open"}  # fmt: skip
    result = cli.check("assign", assigned, "--role", "参加单位", "--unit", LEAD,
                       "--on", "2026-11-04")  # fmt: skip
    assert "now participant (was lead)" in result.stderr
    roles = {
        a["unit"]: a["role"] for a in cli.check("show", assigned, "--json").data["assignments"]
    }
    assert roles == {LEAD: "participant", PART: "lead"}
    entries = history_of(cli, assigned, "assignment.role")
    assert [
        (e["detail"]["unit"], e["detail"]["before"], e["detail"]["after"]) for e in entries
    ] == [
        (PART, "participant", "lead"),
        (LEAD, "lead", "participant"),
    ]
    # the new lead reports; the former one is told who reports for it
    cli.check("report", assigned, "--unit", PART, "--kind", "progress", "--text", "x",
              "--on", "2026-11-05")  # fmt: skip
    assert_error(cli("report", assigned, "--unit", LEAD, "--kind", "progress", "--text", "x"),
                 4, PART)  # fmt: skip
    late = cli.check("overdue", "--as-of", "2026-11-30", "--json").data
    assert [row["unit"] for row in late] == [PART]


def test_role_change_refusals(cli, assigned, db_path):
    before = snapshot_of(db_path)
    # the sole lead cannot become a participant while participants stay
    assert_error(cli("assign", assigned, "--role", "participant", "--unit", LEAD), 4,
                 "第十二条", "no lead unit")  # fmt: skip
    # already so
    assert_error(cli("assign", assigned, "--role", "participant", "--unit", PART), 2,
                 "already a participant")  # fmt: skip
    # not on the matter: a hint to assign it
    assert_error(cli("assign", assigned, "--role", "lead", "--unit", OTHER), 4,
                 "not assigned", "duban show")  # fmt: skip
    # an unknown role
    assert_error(cli("assign", assigned, "--role", "boss", "--unit", PART), 2, "boss")
    # --role goes with --unit, alone
    assert_error(cli("assign", assigned, "--role", "lead"), 2, "--unit")
    assert_error(cli("assign", assigned, "--unit", PART), 2, "--role")
    assert_error(cli("assign", assigned, "--role", "lead", "--unit", PART, "--lead", OTHER),
                 2, "--lead")  # fmt: skip
    assert snapshot_of(db_path) == before
    # a unit that reported keeps its part
    cli.check("assign", assigned, "--lead", OTHER, "--on", "2026-11-03")
    cli.check("report", assigned, "--unit", LEAD, "--kind", "progress", "--text", "x",
              "--on", "2026-11-10")  # fmt: skip
    assert_error(cli("assign", assigned, "--role", "participant", "--unit", LEAD), 4,
                 "report 1")  # fmt: skip


def test_assign_without_role_is_as_before(cli, assigned):
    rows = cli.check("assign", assigned, "--participant", OTHER, "--on", "2026-11-04",
                     "--json").data  # fmt: skip
    assert [(r["unit"], r["role"]) for r in rows] == [(OTHER, "participant")]


# -- unit import --update -------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_refuses_registered_units_without_update(cli, units, tmp_path):
    path = write(tmp_path / "u.csv", "name,head\n市教育局,王芳\n")
    assert_error(cli("unit", "import", path), 2, "市教育局", "already registered")


def test_import_update_changes_registered_units_once_each(cli, units, tmp_path, db_path):
    path = write(
        tmp_path / "u.csv",
        "名称,编号,类型,主要负责人,上级单位,简称\n"
        "市教育局,,,王芳,东胜区人民政府,教育局\n"  # head, parent, a short name
        "市新区管委会,xqgwh,agency,孙丽,市教育局,\n"  # new, under an updated unit
        "市生态环境局,sthjj,department,刘海燕,,\n"  # as registered: unchanged
        "市自然资源和规划局,zrzyj,,,,\n",  # found by its code: renamed
    )
    data = cli.check("unit", "import", path, "--update", "--json").data
    assert [(u["name"], u["change"]) for u in data] == [
        ("市新区管委会", "added"),
        ("市教育局", "updated"),
        ("市自然资源和规划局", "updated"),
    ]
    by_name = {u["name"]: u for u in cli.check("unit", "list", "--json").data}
    assert by_name["市教育局"]["head"] == "王芳"
    assert by_name["市教育局"]["code"] == "jyj"  # an empty cell keeps the value
    assert by_name["市教育局"]["parent"] == PART
    assert by_name["市教育局"]["aliases"] == ["教育局"]
    assert by_name["市新区管委会"]["parent"] == "市教育局"
    assert "市自然资源局" not in by_name
    edits = [
        e for e in cli.check("history", "--action", "unit.edit", "--json").data
        if e["detail"]["name"] != "市新区管委会"  # a new unit's parent is set as ever
    ]  # fmt: skip
    assert [e["detail"]["name"] for e in edits] == ["市教育局", "市自然资源和规划局"]
    assert edits[0]["detail"]["changes"]["head"] == ["李明", "王芳"]
    assert edits[1]["detail"]["changes"]["name"] == ["市自然资源局", "市自然资源和规划局"]
    # the same file again changes nothing
    before = snapshot_of(db_path)
    assert cli.check("unit", "import", path, "--update", "--json").data == []
    after = snapshot_of(db_path)
    assert after["history"] == before["history"] and after["unit"] == before["unit"]


def test_import_update_refuses_a_bad_file_whole(cli, units, tmp_path, db_path):
    before = snapshot_of(db_path)
    mixed = write(tmp_path / "mixed.csv", "name,code\n市教育局,zjj\n")  # 市住建局's code
    assert_error(cli("unit", "import", mixed, "--update"), 2, "mixed.csv:2", "市教育局",
                 "市住房和城乡建设局")  # fmt: skip
    bad = write(tmp_path / "bad.csv", "name,head,parent\n市教育局,王芳,\n市新局,,市不存在局\n")
    assert_error(cli("unit", "import", bad, "--update"), 3, "bad.csv:3")
    kind = write(tmp_path / "kind.csv", "name,kind\n市教育局,spaceship\n")
    assert_error(cli("unit", "import", kind, "--update"), 2, "kind.csv:2")
    assert snapshot_of(db_path) == before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_has_examples(cli, lang):
    for args in (("unassign",), ("unit", "import"), ("assign",)):
        result = cli.check(*args, "--help", "--lang", lang)
        assert "Example: duban" in result.stdout
    assert UNITS  # the fixture's units are those of conftest
