"""The issue's story, end to end through the CLI: a matter through milestones, a returned
report, an extension, two urgings and a close; then its history, `overdue --as-of` at
past dates, `show --as-of`, and the archived dossier.

Dates (2026): received Mon 11-02, due Mon 11-23 (15 working days); the lead unit is
notified Tue 11-03.  The matter's milestone falls due Fri 11-06 and is met on Thu 11-05;
the unit's falls due Fri 11-13 and is reported on Mon 11-16.  The
final report of Mon 11-16 is returned on Wed 11-18, to be redone by Fri 11-27.  On Wed
11-25 the unit asks for an extension to Thu 12-10; the office urges it on Sat 11-28 and
Mon 11-30, and accepts the extension on Tue 12-01.  The final report of Tue 12-08 is
accepted on Wed 12-09 and the matter closed on Thu 12-10.
"""

from __future__ import annotations

import json

from conftest import signed_and_sealed

HOUSING = "市住房和城乡建设局"
DONGSHENG = "东胜区人民政府"


def test_a_matter_from_registration_to_the_archive(cli, units, tmp_path):
    code = cli.check(
        "register", "研究解决城区供暖问题", "--source", "instruction", "--received",
        "2026-11-02", "--json",
    ).data["code"]  # fmt: skip
    cli.check("assign", code, "--lead", f"{HOUSING}=周涛", "--participant", DONGSHENG,
              "--on", "2026-11-03")  # fmt: skip

    # Two milestones (节点目标): the matter's plan, met on time; the lead unit's survey,
    # reported done a working day late.
    plan = cli.check(
        "milestone", "add", code, "制定整改方案", "--due", "2026-11-06", "--on", "2026-11-03",
        "--json",
    ).data  # fmt: skip
    cli.check("report", code, "--unit", HOUSING, "--kind", "progress", "--text", "方案已定",
              "--milestone", plan["id"], "--on", "2026-11-05")  # fmt: skip
    milestone = cli.check(
        "milestone", "add", code, "完成现场摸排", "--unit", HOUSING, "--due", "2026-11-13",
        "--on", "2026-11-03", "--json",
    ).data  # fmt: skip
    cli.check("report", code, "--unit", HOUSING, "--kind", "progress", "--text", "已完成摸排",
              "--milestone", milestone["id"], "--on", "2026-11-16")  # fmt: skip

    # A final report on time, returned for rework by 11-27 (第十五条).
    final = cli.check(
        "report", code, "--unit", HOUSING, "--kind", "final", "--text", "已办结",
        *signed_and_sealed(HOUSING), "--on", "2026-11-16", "--json",
    ).data  # fmt: skip
    cli.check("review", final["id"], "--return", "--reason", "未附整改清单",
              "--due", "2026-11-27", "--on", "2026-11-18")  # fmt: skip

    # An explanation asking for 12-10, before the rework deadline; two urgings meanwhile.
    ask = cli.check(
        "report", code, "--unit", HOUSING, "--kind", "explanation", "--text", "需协调资金",
        "--propose-due", "2026-12-10", "--on", "2026-11-25", "--json",
    ).data  # fmt: skip
    first = cli.check("urge", code, "--on", "2026-11-28", "--json").data
    second = cli.check("urge", "--all-overdue", "--as-of", "2026-11-30", "--json").data
    assert [(u["unit"], u["times"]) for u in first + second] == [(HOUSING, 0), (HOUSING, 1)]
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-30", "--json").data == []
    cli.check("review", ask["id"], "--accept", "--on", "2026-12-01")

    # The final report, accepted; the matter closed.
    again = cli.check(
        "report", code, "--unit", HOUSING, "--kind", "final", "--text", "整改清单已附",
        *signed_and_sealed(HOUSING), "--on", "2026-12-08", "--json",
    ).data  # fmt: skip
    cli.check("review", again["id"], "--accept", "--on", "2026-12-09")
    cli.check("close", code, "--on", "2026-12-10")

    # -- the record ---------------------------------------------------------------------
    data = cli.check("show", code, "--json").data
    assert (data["status"], data["closed"], data["light"]) == ("closed", "2026-12-10", None)
    lead = next(a for a in data["assignments"] if a["unit"] == HOUSING)
    assert (lead["due"], lead["original_due"], lead["status"], lead["completed"]) == (
        "2026-12-10", "2026-11-23", "done", "2026-12-09",
    )  # fmt: skip
    assert [d["why"] for d in data["deadlines"] if d["unit"] == HOUSING] == [
        "assign", "rework", "extension",
    ]  # fmt: skip
    actions = [e["action"] for e in data["history"]]
    for expected in ("matter.register", "milestone.add", "review.return", "deadline.extend",
                     "assignment.complete", "matter.close"):  # fmt: skip
        assert expected in actions, expected
    assert actions.count("urge.add") == 2 and actions.count("report.add") == 5
    assert actions.count("milestone.add") == 2
    assert [u["urged_on"] for u in data["urgings"]] == ["2026-11-28", "2026-11-30"]
    assert [(m["title"], m["due"], m["met_on"]) for m in data["milestones"]] == [
        ("制定整改方案", "2026-11-06", "2026-11-05"),
        ("完成现场摸排", "2026-11-13", "2026-11-16"),
    ]

    # -- overdue on past days, as the register stood then --------------------------------
    def late(day, *options):
        rows = cli.check("overdue", "--as-of", day, *options, "--json").data
        return [(r.get("kind", "deadline"), r["unit"], r["due"], r["days_overdue"]) for r in rows]

    assert late("2026-11-09") == []  # the plan was met on 11-05
    assert late("2026-11-14") == [("milestone", HOUSING, "2026-11-13", 1)]
    assert late("2026-11-20") == []  # the rework deadline, 11-27, holds from 11-18
    assert late("2026-11-30") == [("deadline", HOUSING, "2026-11-27", 3)]
    assert late("2026-12-02") == []  # the extension holds from 12-01
    assert late("2026-12-02", "--against", "original") == [("deadline", HOUSING, "2026-11-23", 9)]
    assert late("2026-12-10") == []  # closed

    # -- show on a past day ---------------------------------------------------------------
    then = cli.check("show", code, "--as-of", "2026-11-30", "--json").data
    lead = next(a for a in then["assignments"] if a["unit"] == HOUSING)
    assert (then["status"], then["closed"], then["light"]) == ("assigned", None, "red")
    assert (lead["due"], lead["original_due"], lead["status"]) == (
        "2026-11-27", "2026-11-23", "open",
    )  # fmt: skip
    assert [(r["kind"], r["status"]) for r in then["reports"]] == [
        ("progress", "pending"), ("progress", "pending"), ("final", "returned"),
        ("explanation", "pending"),
    ]  # fmt: skip
    assert [u["urged_on"] for u in then["urgings"]] == ["2026-11-28", "2026-11-30"]
    assert "deadline.extend" not in [e["action"] for e in then["history"]]

    # -- the archive ----------------------------------------------------------------------
    folder = tmp_path / "卷宗"
    folder.mkdir()
    cli.check("archive", code, "--to", folder, "--transferred-on", "2026-12-31")
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert f"{code}.json" in names and f"{code}.md" in names
    dossier = json.loads((folder / f"{code}.json").read_text(encoding="utf-8"))
    assert dossier["history"] == data["history"]
    assert [u["urged_on"] for u in dossier["urgings"]] == ["2026-11-28", "2026-11-30"]
    markdown = (folder / f"{code}.md").read_text(encoding="utf-8")
    for text in (
        HOUSING,
        "未附整改清单",
        "2026-12-10",
        "制定整改方案",
        "完成现场摸排",
        "matter.close",
    ):
        assert text in markdown, text
    last = cli.check("show", code, "--json").data["history"]
    assert [e["action"] for e in last[-2:]] == ["matter.archive", "matter.transfer"]
