"""urge (催办), cancel (撤销), reopen (第十六条) and archive (组卷, 第十一条) through the CLI.

The scene (conftest `assigned`): DB-2026-0001, received Mon 2026-11-02, notified Tue
11-03: 市住房和城乡建设局 leads (due Mon 11-23), 东胜区人民政府 participates.
"""

from __future__ import annotations

import hashlib
import json

CODE = "DB-2026-0001"
HOUSING = "市住房和城乡建设局"
DONGSHENG = "东胜区人民政府"


def actions(show, code=CODE):
    return [e["action"] for e in show(code)["history"]]


def closed(cli, report, code=CODE):
    """The lead unit's final report accepted on 11-24, the matter closed on 11-25."""
    rep = report(code, HOUSING, on="2026-11-20")
    cli.check("review", str(rep["id"]), "--accept", "--on", "2026-11-24")
    cli.check("close", code, "--on", "2026-11-25")


# -- urge ---------------------------------------------------------------------------------


def test_urge_defaults_to_the_overdue_lead_units_and_counts_earlier_urgings(cli, assigned, show):
    first = cli.check("urge", CODE, "--on", "2026-11-26", "--json").data
    assert [(u["code"], u["unit"], u["urged_on"], u["via"], u["times"]) for u in first] == [
        (CODE, HOUSING, "2026-11-26", "notice", 0)
    ]
    assert "2026-11-23" in first[0]["text"] and "3 day(s)" in first[0]["text"]
    second = cli.check(
        "urge", CODE, "--unit", HOUSING, "--via", "电话", "--note", "已电话催办",
        "--on", "2026-11-27", "--json",
    ).data  # fmt: skip
    assert [(u["via"], u["times"]) for u in second] == [("phone", 1)]
    urgings = show(CODE)["urgings"]
    assert [(u["unit"], u["urged_on"], u["via"], u["note"]) for u in urgings] == [
        (HOUSING, "2026-11-26", "notice", None),
        (HOUSING, "2026-11-27", "phone", "已电话催办"),
    ]
    assert actions(show).count("urge.add") == 2


def test_the_urging_notice_speaks_chinese(cli, assigned):
    cli.check("urge", CODE, "--on", "2026-11-26")
    text = cli.check("urge", CODE, "--on", "2026-11-27", "--lang", "zh").stdout
    assert (
        "关于《研究解决城区供暖问题》（DB-2026-0001）的催办通知：市住房和城乡建设局："
        "该事项办理时限为2026-11-23，已逾期4天，此前已催办1次。请抓紧办理并报送办理情况。"
    ) in text


def test_urge_all_overdue_is_safe_to_run_twice_a_day(cli, assigned, show):
    made = cli.check("urge", "--all-overdue", "--as-of", "2026-11-26", "--json").data
    assert [(u["code"], u["unit"], u["urged_on"], u["times"]) for u in made] == [
        (CODE, HOUSING, "2026-11-26", 0)
    ]
    assert set(made[0]) == {"code", "unit", "urged_on", "via", "times", "text"}
    again = cli.check("urge", "--all-overdue", "--as-of", "2026-11-26", "--json")
    assert again.data == []
    assert len(show(CODE)["urgings"]) == 1
    next_day = cli.check("urge", "--all-overdue", "--as-of", "2026-11-27", "--json").data
    assert [(u["unit"], u["times"]) for u in next_day] == [(HOUSING, 1)]
    # Nothing is overdue on the deadline day itself.
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-23", "--json").data == []


def test_urge_refusals(cli, assigned, report, assert_error):
    assert_error(cli("urge", CODE, "--unit", "市教育局", "--on", "2026-11-26"), 4, "第十二条")
    assert_error(cli("urge", CODE, "--via", "pigeon", "--on", "2026-11-26"), 2, "pigeon")
    assert_error(cli("urge", "--as-of", "2026-11-26"), 2, "--all-overdue")
    assert_error(cli("urge", CODE, "--all-overdue", "--as-of", "2026-11-26"), 2, "--all-overdue")
    assert_error(cli("urge", CODE, "--on", "2026-11-20"), 4, "--unit")  # nobody late yet
    closed(cli, report)
    assert_error(cli("urge", CODE, "--unit", HOUSING, "--on", "2026-11-26"), 4, "第十一条")
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-26", "--json").data == []


# -- cancel -------------------------------------------------------------------------------


def test_cancel_keeps_the_matter_and_takes_it_out_of_overdue(cli, assigned, show, assert_error):
    assert cli.check("overdue", "--as-of", "2026-11-26", "--json").data
    data = cli.check(
        "cancel", CODE, "--reason", "领导批示不再督办", "--on", "2026-11-26", "--json"
    ).data
    assert data["status"] == "cancelled"
    assert cli.check("overdue", "--as-of", "2026-11-27", "--json").data == []
    after = show(CODE)
    assert after["status"] == "cancelled"
    entry = after["history"][-1]
    assert entry["action"] == "matter.cancel" and entry["effective_on"] == "2026-11-26"
    assert entry["detail"]["reason"] == "领导批示不再督办"
    assert [m["code"] for m in cli.check("list", "--status", "已撤销", "--json").data] == [CODE]
    assert_error(cli("cancel", CODE, "--reason", "again"), 4, "第十一条")
    assert_error(cli("close", CODE, "--on", "2026-11-27"), 4, "第十一条")
    assert_error(cli("urge", CODE, "--unit", HOUSING, "--on", "2026-11-27"), 4, "第十一条")
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-27", "--json").data == []


def test_a_closed_matter_cannot_be_cancelled(cli, assigned, report, assert_error):
    closed(cli, report)
    assert_error(cli("cancel", CODE, "--reason", "x", "--on", "2026-11-26"), 4, "第十一条")


# -- reopen -------------------------------------------------------------------------------


def test_reopen_sends_the_lead_units_back_with_a_new_deadline(
    cli, assigned, report, show, assert_error
):
    assert_error(cli("reopen", CODE, "--reason", "未落实", "--on", "2026-11-26"), 4, "第十六条")
    closed(cli, report)
    assert_error(cli("reopen", CODE, "--reason", "x", "--on", "2026-11-24"), 2, "2026-11-25")
    data = cli.check(
        "reopen", CODE, "--reason", "整改未到位", "--within", "10", "--on", "2026-12-01", "--json"
    ).data
    assert data["status"] == "assigned" and data["closed"] is None
    assert data["lead_units"] == [HOUSING] and data["units_due"] == "2026-12-15"
    after = show(CODE)
    lead = next(a for a in after["assignments"] if a["unit"] == HOUSING)
    assert (lead["status"], lead["completed"]) == ("open", None)
    assert (lead["due"], lead["original_due"]) == ("2026-12-15", "2026-11-23")
    # The participating unit, done with the close, helps again.
    helper = next(a for a in after["assignments"] if a["role"] == "participant")
    assert (helper["status"], helper["completed"]) == ("open", None)
    assert after["deadlines"][-1]["why"] == "reopen"
    assert after["history"][-1]["action"] == "matter.reopen"
    assert after["history"][-1]["detail"]["reason"] == "整改未到位"
    # Late again after the new deadline, not before; closing needs a new final report.
    assert cli.check("overdue", "--as-of", "2026-12-15", "--json").data == []
    late = cli.check("overdue", "--as-of", "2026-12-16", "--json").data
    assert [(r["code"], r["unit"]) for r in late] == [(CODE, HOUSING)]
    assert_error(cli("close", CODE, "--on", "2026-12-16"), 4, "第十二条")
    rep = report(CODE, HOUSING, on="2026-12-10")
    cli.check("review", str(rep["id"]), "--accept", "--on", "2026-12-11")
    assert cli.check("close", CODE, "--on", "2026-12-11", "--json").data["status"] == "closed"


def test_reopen_takes_the_default_deadline(cli, assigned, report):
    closed(cli, report)
    data = cli.check("reopen", CODE, "--reason", "整改未到位", "--on", "2026-12-01", "--json").data
    assert data["units_due"] == "2026-12-22"  # 15 working days after Tue 12-01


# -- archive ------------------------------------------------------------------------------


def test_archive_writes_the_dossier_of_a_closed_matter(
    cli, assigned, report, show, tmp_path, assert_error
):
    folder = tmp_path / "卷宗"
    folder.mkdir()
    assert_error(cli("archive", CODE, "--to", str(folder)), 4, "第十一条")
    cli.check("urge", CODE, "--on", "2026-11-24")
    closed(cli, report)
    assert_error(cli("archive", CODE, "--to", str(tmp_path / "nowhere")), 2, "nowhere")
    before = show(CODE)
    written = cli.check(
        "archive", CODE, "--to", str(folder), "--transferred-on", "2026-12-31", "--json"
    ).data
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"{CODE}.json", f"{CODE}.md"]
    dossier = json.loads((folder / f"{CODE}.json").read_text(encoding="utf-8"))
    assert dossier == before  # the full history, as `show --json` printed it then
    assert "matter.close" in [e["action"] for e in dossier["history"]]
    markdown = (folder / f"{CODE}.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# {CODE} 研究解决城区供暖问题")
    for text in (HOUSING, DONGSHENG, "2026-11-23", "已按要求办理完毕", "matter.close"):
        assert text in markdown
    after = show(CODE)
    archive, transfer = after["history"][-2:]
    assert archive["action"] == "matter.archive"
    recorded = {e["file"].rsplit("/", 1)[-1]: e["sha256"] for e in archive["detail"]["files"]}
    assert recorded == {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names
    }
    assert [w["sha256"] for w in written] == list(recorded.values())
    assert transfer["action"] == "matter.transfer" and transfer["effective_on"] == "2026-12-31"


def test_archive_in_chinese(cli, assigned, report, tmp_path):
    closed(cli, report)
    cli.check("archive", CODE, "--to", str(tmp_path), "--lang", "zh")
    markdown = (tmp_path / f"{CODE}.md").read_text(encoding="utf-8")
    assert "领导批示" in markdown and "已办结" in markdown


def test_archive_refuses_a_transfer_before_the_closing(
    cli, assigned, report, tmp_path, assert_error
):
    closed(cli, report)
    assert_error(
        cli("archive", CODE, "--to", str(tmp_path), "--transferred-on", "2026-11-20"),
        2,
        "2026-11-25",
    )
    assert list(tmp_path.glob(f"{CODE}.*")) == []
