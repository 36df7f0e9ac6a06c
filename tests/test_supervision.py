"""Coordination (第十二条, 第十三条), inspections (第二十条) with research reports (第十四条),
attachments kept beside the register, and notifications piped to the office's command.

DB-2026-0001 (the `assigned` fixture): received Mon 2026-11-02, due Mon 11-23;
市住房和城乡建设局 (zjj) leads, 东胜区人民政府 (dsq) participates, notified 11-03.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import attachments_of, snapshot_of

from duban.vocab import INSPECT_METHOD

CODE = "DB-2026-0001"
LEAD, PART = "市住房和城乡建设局", "东胜区人民政府"


def history(cli, code=CODE):
    return cli.check("show", code, "--json").data["history"]


def actions(cli, code=CODE):
    return [e["action"] for e in history(cli, code)]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def close_matter(cli, report, code=CODE):
    """The lead's final report accepted, the matter closed on 2026-11-20."""
    rep = report(code, LEAD, on="2026-11-19")
    cli.check("review", rep["id"], "--accept", "--on", "2026-11-20")
    cli.check("close", code, "--on", "2026-11-20")


# -- coordinate -------------------------------------------------------------------------


def test_coordinate_records_the_units_and_note(cli, assigned):
    r = cli.check(
        "coordinate", CODE, "--units", "zjj,东胜区人民政府", "--note", "管网改造分工不明",
        "--on", "2026-11-10", "--json",
    )  # fmt: skip
    assert r.data == {
        "code": CODE,
        "id": 1,
        "units": [LEAD, PART],
        "note": "管网改造分工不明",
        "escalated": False,
        "coordinated_on": "2026-11-10",
        "by": "督查室 测试员",
    }
    shown = cli.check("show", CODE, "--json").data
    assert shown["coordinations"] == [{k: v for k, v in r.data.items() if k != "code"}]
    entry = shown["history"][-1]
    assert entry["action"] == "coordinate.add"
    assert entry["effective_on"] == "2026-11-10"
    assert entry["detail"]["units"] == [LEAD, PART]


def test_coordinate_escalate_and_repeated_units(cli, assigned):
    r = cli.check(
        "coordinate", CODE, "--units", "zjj", "--units", "dsq、zjj", "--note", "协调不成",
        "--escalate", "--on", "2026-11-12", "--json",
    )  # fmt: skip
    assert r.data["escalated"] is True
    assert r.data["units"] == [LEAD, PART]
    assert actions(cli)[-1] == "coordinate.escalate"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--units", "zjj", "--note", "x"], 2, "two units or more"),
        (["--units", "zjj,zjj", "--note", "x"], 2, "two units or more"),
        (["--units", "zjj,dsq", "--note", "  "], 2, "--note"),
        (["--units", "zjj,市教育局", "--note", "x"], 4, "第十二条"),
        (["--units", "zjj,没有这个单位", "--note", "x"], 3, "没有这个单位"),
        (["--units", "zjj,dsq", "--note", "x", "--on", "2026-11-02"], 2, "notified"),
    ],
)
def test_coordinate_refusals_write_nothing(cli, assigned, assert_error, args, code, fragment):
    before = snapshot_of(cli.db)
    assert_error(cli("coordinate", CODE, *args), code, fragment)
    assert snapshot_of(cli.db) == before


def test_no_coordination_or_inspection_on_a_closed_or_cancelled_matter(
    cli, assigned, report, assert_error
):
    close_matter(cli, report)
    assert_error(
        cli("coordinate", CODE, "--units", "zjj,dsq", "--note", "x"), 4, "第十一条", "closed"
    )
    assert_error(cli("inspect", CODE, "--method", "hearing", "--note", "x"), 4, "closed")
    cli.check("register", "另一事项", "--source", "meeting", "--received", "2026-11-02")
    cli.check("cancel", "DB-2026-0002", "--reason", "领导撤回", "--on", "2026-11-05")
    assert_error(
        cli("inspect", "DB-2026-0002", "--method", "hearing", "--note", "x"), 4, "cancelled"
    )


# -- inspect ----------------------------------------------------------------------------


def test_inspect_takes_chinese_methods_and_keeps_a_research_report(cli, assigned, tmp_path):
    research = tmp_path / "调研报告.txt"
    research.write_bytes("供暖管网调研\n".encode())
    r = cli.check(
        "inspect", CODE, "--method", "明察暗访", "--note", "夜间暗访三个小区",
        "--research-file", research, "--on", "2026-11-12", "--json",
    )  # fmt: skip
    digest = sha(research.read_bytes())
    assert r.data["method"] == "unannounced"
    assert r.data["inspected_on"] == "2026-11-12"
    assert r.data["attachments"] == [
        {
            "id": 1,
            "name": "调研报告.txt",
            "sha256": digest,
            "size": research.stat().st_size,
            "report_id": None,
            "inspection_id": r.data["id"],
        }
    ]
    kept = attachments_of(cli.db) / digest[:2] / digest
    assert kept.read_bytes() == research.read_bytes()
    shown = cli.check("show", CODE, "--json").data
    assert shown["inspections"][0]["method"] == "unannounced"
    assert shown["attachments"] == r.data["attachments"]
    entry = shown["history"][-1]
    assert entry["action"] == "inspect.add"
    assert entry["detail"]["attachments"] == [
        {"name": "调研报告.txt", "sha256": digest, "size": research.stat().st_size}
    ]


def test_inspect_refusals_write_nothing(cli, assigned, assert_error, tmp_path):
    before = snapshot_of(cli.db)
    assert_error(
        cli("inspect", CODE, "--method", "飞行检查", "--note", "x"), 2, "inspection method"
    )
    assert_error(
        cli("inspect", CODE, "--method", "survey", "--note", "x", "--research-file",
            tmp_path / "none.pdf"), 2, "cannot read", "none.pdf", "No such file",
    )  # fmt: skip
    assert_error(
        cli("inspect", CODE, "--method", "survey", "--note", "x", "--research-file", tmp_path),
        2,
        "folder",
    )
    assert_error(
        cli("inspect", CODE, "--method", "survey", "--note", "x", "--on", "2026-11-01"),
        2,
        "before it was received",
    )
    assert snapshot_of(cli.db) == before
    assert not attachments_of(cli.db).exists()


# -- report --attach --------------------------------------------------------------------


def test_report_attach_keeps_each_file_by_content(cli, assigned, tmp_path):
    scan, copy = tmp_path / "盖章扫描件.pdf", tmp_path / "again.pdf"
    scan.write_bytes(b"%PDF sealed scan")
    copy.write_bytes(b"%PDF sealed scan")
    r = cli.check(
        "report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展",
        "--attach", scan, "--attach", copy, "--on", "2026-11-10", "--json",
    )  # fmt: skip
    digest = sha(b"%PDF sealed scan")
    assert [(a["name"], a["sha256"], a["size"], a["report_id"]) for a in r.data["attachments"]] == [
        ("盖章扫描件.pdf", digest, 16, r.data["id"]),
        ("again.pdf", digest, 16, r.data["id"]),
    ]
    folder = attachments_of(cli.db)
    assert [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()] == [
        f"{digest[:2]}/{digest}"
    ]
    shown = cli.check("show", CODE, "--json").data
    assert [a["name"] for a in shown["attachments"]] == ["盖章扫描件.pdf", "again.pdf"]
    detail = shown["history"][-1]["detail"]
    assert [a["sha256"] for a in detail["attachments"]] == [digest, digest]


def test_report_without_attach_is_as_before(cli, assigned):
    r = cli.check(
        "report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展", "--on",
        "2026-11-10", "--json",
    )  # fmt: skip
    assert "attachments" not in r.data
    assert "attachments" not in history(cli)[-1]["detail"]


def test_report_with_an_unreadable_file_writes_nothing(cli, assigned, assert_error, tmp_path):
    good = tmp_path / "scan.pdf"
    good.write_bytes(b"scan")
    before = snapshot_of(cli.db)
    assert_error(
        cli("report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展",
            "--attach", good, "--attach", tmp_path / "missing.pdf", "--on", "2026-11-10"),
        2, "missing.pdf",
    )  # fmt: skip
    # A refusal of the report itself keeps no copy either.
    assert_error(
        cli("report", CODE, "--unit", "dsq", "--kind", "progress", "--text", "进展",
            "--attach", good, "--on", "2026-11-10"),
        4, "第十二条",
    )  # fmt: skip
    assert snapshot_of(cli.db) == before
    assert not attachments_of(cli.db).exists()


def test_the_attachments_folder_is_a_setting(cli, assigned, assert_error, tmp_path):
    assert_error(cli("config", "attachments_dir", "relative/dir"), 2, "absolute")
    store = tmp_path / "卷宗附件"
    cli.check("config", "attachments_dir", str(store))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"scan")
    cli.check(
        "report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展",
        "--attach", scan, "--on", "2026-11-10",
    )  # fmt: skip
    assert (store / sha(b"scan")[:2] / sha(b"scan")).read_bytes() == b"scan"
    assert not attachments_of(cli.db).exists()


# -- show and the archived dossier ------------------------------------------------------


def test_show_tables_list_coordinations_inspections_attachments(cli, assigned, tmp_path):
    research = tmp_path / "调研.txt"
    research.write_text("调研", encoding="utf-8")
    cli.check("coordinate", CODE, "--units", "zjj,dsq", "--note", "分工", "--on", "2026-11-10")
    cli.check("inspect", CODE, "--method", "site-visit", "--note", "现场", "--research-file",
              research, "--on", "2026-11-11")  # fmt: skip
    out = cli.check("show", CODE).stdout
    for title in ("Coordinations", "Inspections", "Attachments", "调研.txt", "site-visit"):
        assert title in out
    zh = cli.check("show", CODE, "--lang", "zh").stdout
    method = INSPECT_METHOD.label("site-visit", "zh")
    for title in ("协调", "督查方式", "附件", method, "提请协调"):
        assert title in zh
    plain = cli.check("show", "DB-2026-0001", "--format", "csv").stdout
    assert "coordinations" not in plain  # CSV: the matter's own fields only


def test_archive_includes_them_and_copies_the_attachments(cli, assigned, report, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"sealed")
    research = tmp_path / "scan2.pdf"
    research.write_bytes(b"research")
    cli.check("coordinate", CODE, "--units", "zjj,dsq", "--note", "分工", "--escalate",
              "--on", "2026-11-10")  # fmt: skip
    cli.check("inspect", CODE, "--method", "records", "--note", "查阅台账", "--research-file",
              research, "--on", "2026-11-11")  # fmt: skip
    cli.check("report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展",
              "--attach", scan, "--on", "2026-11-12")  # fmt: skip
    same = tmp_path / "other" / "scan.pdf"  # the same name, other content
    same.parent.mkdir()
    same.write_bytes(b"another")
    cli.check("report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "再进展",
              "--attach", same, "--on", "2026-11-13")  # fmt: skip
    close_matter(cli, report)
    out = tmp_path / "卷宗"
    out.mkdir()
    written = cli.check("archive", CODE, "--to", out, "--json").data
    folder = out / f"{CODE}-attachments"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["scan-3.pdf", "scan.pdf", "scan2.pdf"]
    assert (folder / "scan.pdf").read_bytes() == b"sealed"
    assert (folder / "scan-3.pdf").read_bytes() == b"another"
    by_file = {Path(w["file"]).name: w["sha256"] for w in written}
    assert by_file["scan2.pdf"] == sha(b"research")
    recorded = history(cli)[-1]
    assert recorded["action"] == "matter.archive"
    assert {Path(f["file"]).name: f["sha256"] for f in recorded["detail"]["files"]} == by_file
    dossier = json.loads((out / f"{CODE}.json").read_text(encoding="utf-8"))
    assert dossier["coordinations"][0]["escalated"] is True
    assert dossier["inspections"][0]["method"] == "records"
    assert [a["name"] for a in dossier["attachments"]] == ["scan2.pdf", "scan.pdf", "scan.pdf"]
    md = (out / f"{CODE}.md").read_text(encoding="utf-8")
    for section in ("## Coordinations", "## Inspections", "## Attachments", "查阅台账"):
        assert section in md
    # Archiving again writes the same files, not more.
    cli.check("archive", CODE, "--to", out)
    assert sorted(p.name for p in folder.iterdir()) == names


def test_archive_refuses_a_damaged_copy(cli, assigned, report, assert_error, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"sealed")
    cli.check("report", CODE, "--unit", "zjj", "--kind", "progress", "--text", "进展",
              "--attach", scan, "--on", "2026-11-12")  # fmt: skip
    close_matter(cli, report)
    kept = attachments_of(cli.db) / sha(b"sealed")[:2] / sha(b"sealed")
    kept.write_bytes(b"tampered")
    out = tmp_path / "out"
    out.mkdir()
    assert_error(cli("archive", CODE, "--to", out), 5, "SHA-256")
    assert "matter.archive" not in actions(cli)


# -- notifications ----------------------------------------------------------------------


def hook(cli, tmp_path: Path) -> Path:
    sink = tmp_path / "sent.jsonl"
    cli.check("config", "notify_command", f"cat >> '{sink}'")
    return sink


def lines_of(sink: Path) -> list[dict]:
    if not sink.exists():
        return []
    return [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]


def test_notify_needs_a_command(cli, assigned, assert_error):
    assert_error(cli("notify", "--as-of", "2026-11-26"), 2, "notify_command")


def test_notify_pipes_each_red_unit_once(cli, assigned, tmp_path):
    sink = hook(cli, tmp_path)
    assert cli.check("notify", "--as-of", "2026-11-23", "--json").data == []  # due that day
    r = cli.check("notify", "--as-of", "2026-11-26", "--json")
    assert r.data == [
        {
            "event": "red",
            "code": CODE,
            "unit": LEAD,
            "due": "2026-11-23",
            "days_overdue": 3,
            "ok": True,
            "error": None,
        }
    ]
    (sent,) = lines_of(sink)
    assert sent["event"] == "red"
    assert sent["title"] == "研究解决城区供暖问题"
    assert sent["times_urged"] == 0
    assert LEAD in sent["text"] and "2026-11-23" in sent["text"]
    # Once only: again the same day, or a later one, for the same deadline.
    assert cli.check("notify", "--as-of", "2026-11-26", "--json").data == []
    assert cli.check("notify", "--as-of", "2026-11-30", "--json").data == []
    assert len(lines_of(sink)) == 1
    assert actions(cli).count("notice.send") == 1


def test_a_new_deadline_that_passes_is_told_again(cli, assigned, report, tmp_path):
    sink = hook(cli, tmp_path)
    cli.check("notify", "--as-of", "2026-11-24")
    rep = report(CODE, LEAD, kind="explanation", on="2026-11-24", text="需延期")
    # The explanation's review returns it with a new deadline (rework): a new red later.
    cli.check("review", rep["id"], "--return", "--reason", "重新办理", "--within", "2",
              "--on", "2026-11-25")  # fmt: skip
    assert cli.check("notify", "--as-of", "2026-11-26", "--json").data == []
    again = cli.check("notify", "--as-of", "2026-11-30", "--json").data
    assert [(x["unit"], x["due"]) for x in again] == [(LEAD, "2026-11-27")]
    assert len(lines_of(sink)) == 2


def test_urgings_are_piped_after_they_are_made(cli, assigned, tmp_path):
    sink = hook(cli, tmp_path)
    made = cli.check("urge", "--all-overdue", "--as-of", "2026-11-26", "--json").data
    assert len(made) == 1
    (sent,) = lines_of(sink)
    assert sent["event"] == "urging"
    assert sent["unit"] == LEAD
    assert sent["days_overdue"] == 3
    assert sent["times_urged"] == 0
    assert sent["text"] == made[0]["text"]
    assert cli.check("urge", "--all-overdue", "--as-of", "2026-11-26", "--json").data == []
    assert len(lines_of(sink)) == 1
    cli.check("urge", CODE, "--unit", "zjj", "--on", "2026-11-27")
    assert [x["times_urged"] for x in lines_of(sink)] == [0, 1]
    entries = [e for e in history(cli) if e["action"] == "notice.send"]
    assert [e["detail"]["ok"] for e in entries] == [True, True]


def test_a_failing_command_never_loses_the_urging(cli, assigned, tmp_path):
    cli.check("config", "notify_command", "echo 网关不通 >&2; exit 1")
    r = cli("urge", CODE, "--unit", "zjj", "--on", "2026-11-26", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)) == 1
    assert "warning" in r.stderr and "exited with 1" in r.stderr and "网关不通" in r.stderr
    shown = cli.check("show", CODE, "--json").data
    assert len(shown["urgings"]) == 1
    assert shown["history"][-1]["action"] == "notice.send"
    assert shown["history"][-1]["detail"]["ok"] is False


def test_a_missing_command_is_a_warning(cli, assigned):
    cli.check("config", "notify_command", "no-such-duban-hook-command")
    r = cli("notify", "--as-of", "2026-11-26", "--json")
    assert r.exit_code == 0
    (row,) = json.loads(r.stdout)
    assert row["ok"] is False and "127" in row["error"]
    assert "warning" in r.stderr


def test_a_red_notice_that_failed_is_sent_again(cli, assigned, tmp_path):
    cli.check("config", "notify_command", "exit 3")
    assert cli.check("notify", "--as-of", "2026-11-26", "--json").data[0]["ok"] is False
    sink = hook(cli, tmp_path)
    assert cli.check("notify", "--as-of", "2026-11-26", "--json").data[0]["ok"] is True
    assert cli.check("notify", "--as-of", "2026-11-26", "--json").data == []
    assert len(lines_of(sink)) == 1


def test_a_slow_command_times_out(cli, assigned, monkeypatch):
    import duban.notify

    monkeypatch.setattr(duban.notify, "TIMEOUT", 0.5)
    cli.check("config", "notify_command", "sleep 5")
    r = cli("notify", "--as-of", "2026-11-26", "--json")
    assert r.exit_code == 0
    assert "more than 0.5 seconds" in json.loads(r.stdout)[0]["error"]


def test_no_command_no_notices(cli, assigned):
    cli.check("urge", "--all-overdue", "--as-of", "2026-11-26")
    assert "notice.send" not in actions(cli)
