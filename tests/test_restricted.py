"""Restricted matters (涉密事项, 第三条 保守秘密).

The office's own register (list, show, overdue, history) shows a restricted matter,
marked; what leaves the office (stats, bulletin, export, notice) leaves it out unless
`--include-restricted`, and the asking is recorded (`restricted.include`).
"""

from __future__ import annotations

import json

import pytest
from conftest import changed, enter_report, register_matter

from duban.errors import Refused
from duban.ops import restricted

SECRET = "某专项整治线索核查"
OPEN = "研究解决城区供暖问题"
LEAD = "市住房和城乡建设局"


def history_of(cli, code, action=None):
    args = ["history", code, "--json"] + (["--action", action] if action else [])
    return cli.check(*args).data


@pytest.fixture
def two(cli, units):
    """DB-2026-0001 restricted, DB-2026-0002 not; both received Mon 2026-11-02 (due
    11-23), the housing bureau leading both from Tue 11-03."""
    secret = register_matter(cli, "--restricted", title=SECRET)
    plain = register_matter(cli, title=OPEN, received="2026-11-02")
    for code in (secret["code"], plain["code"]):
        cli.check("assign", code, "--lead", LEAD, "--on", "2026-11-03")
    return secret, plain


# -- marking a matter ----------------------------------------------------------------


def test_register_restricted_is_in_the_json_and_the_history(cli, two):
    secret, plain = two
    assert secret["restricted"] is True and plain["restricted"] is False
    entry = history_of(cli, secret["code"], "matter.register")[0]
    assert entry["detail"]["restricted"] is True
    assert "restricted" not in history_of(cli, plain["code"], "matter.register")[0]["detail"]


def test_list_marks_every_item_in_json_and_the_title_in_the_table(cli, two):
    listed = cli.check("list", "--as-of", "2026-11-10", "--json").data
    assert {m["code"]: m["restricted"] for m in listed} == {
        "DB-2026-0001": True,
        "DB-2026-0002": False,
    }
    table = cli.check("list", "--as-of", "2026-11-10", env={"COLUMNS": "200"}).stdout
    assert f"[restricted] {SECRET}" in table
    assert f"[restricted] {OPEN}" not in table and OPEN in table
    chinese = cli.check(
        "list", "--as-of", "2026-11-10", "--lang", "zh", env={"COLUMNS": "200"}
    ).stdout
    assert f"【密】{SECRET}" in chinese and f"【密】{OPEN}" not in chinese
    # The CJK widths still line up: every row of the table is as wide as the header.
    from rich.cells import cell_len

    widths = {cell_len(line) for line in chinese.splitlines() if line.startswith(("│", "┃"))}
    assert len(widths) == 1, chinese


def test_show_carries_restricted_and_marks_the_title(cli, two):
    secret, plain = two
    assert cli.check("show", secret["code"], "--json").data["restricted"] is True
    assert cli.check("show", plain["code"], "--json").data["restricted"] is False
    out = cli.check("show", secret["code"], env={"COLUMNS": "200"}).stdout
    assert f"[restricted] {SECRET}" in out and "Restricted" in out
    assert cli.check("show", secret["code"], "--as-of", "2026-11-05", "--json").data["restricted"]


def test_overdue_and_history_keep_showing_restricted_matters_marked(cli, two):
    late = cli.check("overdue", "--as-of", "2026-11-26", "--json").data
    assert {(r["code"], r["restricted"]) for r in late} == {
        ("DB-2026-0001", True),
        ("DB-2026-0002", False),
    }
    table = cli.check("overdue", "--as-of", "2026-11-26", env={"COLUMNS": "200"}).stdout
    assert f"[restricted] {SECRET}" in table
    codes = {e["code"] for e in cli.check("history", "--json").data}
    assert {"DB-2026-0001", "DB-2026-0002"} <= codes


def test_edit_marks_and_unmarks_with_the_reason_in_the_history(cli, two):
    _secret, plain = two
    code = plain["code"]
    edited = cli.check(
        "edit", code, "--restricted", "--reason", "按涉密件办理", "--on", "2026-11-05", "--json"
    ).data
    assert edited["restricted"] is True and edited["changed"] == ["restricted"]
    assert cli.check("show", code, "--json").data["restricted"] is True
    cli.check("edit", code, "--unrestricted", "--reason", "解密", "--on", "2026-11-06")
    assert cli.check("show", code, "--json").data["restricted"] is False
    edits = history_of(cli, code, "matter.edit")
    assert [(e["effective_on"], e["detail"]["changes"], e["detail"]["reason"]) for e in edits] == [
        ("2026-11-05", {"restricted": [False, True]}, "按涉密件办理"),
        ("2026-11-06", {"restricted": [True, False]}, "解密"),
    ]


def test_edit_restricted_refusals(cli, two):
    secret, _plain = two
    code = secret["code"]
    # Already restricted: nothing to correct (exit 2), nothing written.
    before = history_of(cli, code)
    result = cli.check("edit", code, "--restricted", "--reason", "x", "--on", "2026-11-05", code=2)
    assert "already reads so" in result.stderr
    # No reason: a register is evidence.
    result = cli.check("edit", code, "--unrestricted", "--on", "2026-11-05", code=2)
    assert "--reason" in result.stderr
    # Before the matter was received.
    result = cli.check(
        "edit", code, "--unrestricted", "--reason", "x", "--on", "2026-11-01", code=2
    )
    assert history_of(cli, code) == before
    assert cli.check("show", code, "--json").data["restricted"] is True


def test_a_closed_matter_can_be_marked_but_not_otherwise_corrected(cli, two):
    _secret, plain = two
    code = plain["code"]
    report = enter_report(cli, code, LEAD, on="2026-11-20")
    cli.check("review", str(report["id"]), "--accept", "--on", "2026-11-20")
    cli.check("close", code, "--on", "2026-11-20")
    cli.check("edit", code, "--restricted", "--reason", "按涉密件归档", "--on", "2026-11-25")
    assert cli.check("show", code, "--json").data["restricted"] is True
    refused = cli.check(
        "edit", code, "--title", "x", "--restricted", "--reason", "y", "--on", "2026-11-25", code=4
    )
    assert "第十一条" in refused.stderr


def test_notify_events_say_whether_the_matter_is_restricted(cli, two, tmp_path):
    """The office's notify command (setting notify_command) decides how to send them."""
    sink = tmp_path / "sent.jsonl"
    cli.check("config", "notify_command", f"cat >> '{sink}'")
    cli.check("urge", "DB-2026-0001", "--unit", LEAD, "--via", "phone", "--on", "2026-11-24")
    cli.check("notify", "--as-of", "2026-11-26")
    sent = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    assert [(e["event"], e["code"], e["restricted"]) for e in sent] == [
        ("urging", "DB-2026-0001", True),
        ("red", "DB-2026-0001", True),
        ("red", "DB-2026-0002", False),
    ]


# -- the helper the outward commands use (SQLite and PostgreSQL) ----------------------


def test_sql_filter_and_the_record_on_both_databases(fresh_db):
    from duban.ops.matters import register_matter as register

    with changed(fresh_db) as ctx:
        register(ctx, SECRET, source="instruction", received=_day("2026-11-02"), restricted=True)
        register(ctx, OPEN, source="instruction", received=_day("2026-11-02"))
    with changed(fresh_db) as ctx:
        query = "SELECT m.code FROM matter m WHERE m.received_on >= ?{} ORDER BY m.code"
        day = ctx.reader.value(_day("2026-11-01"))

        def codes(include):
            sql = query.format(restricted.sql_filter(include))
            return [c for (c,) in ctx.reader.rows(sql, (day,))]

        assert codes(False) == ["DB-2026-0002"]
        assert codes(True) == ["DB-2026-0001", "DB-2026-0002"]
        assert restricted.sql_filter(False, "x") == " AND NOT x.restricted"
        assert restricted.sql_filter(True) == ""
        restricted.record_inclusion(
            ctx, command="export", codes=["DB-2026-0001", "DB-2026-0001"],
            on=_day("2026-12-01"), file="台账.xlsx",
        )  # fmt: skip
    with changed(fresh_db) as ctx:
        entries = [e for e, _code in ctx.reader.history(action="restricted.include", limit=None)]
        assert len(entries) == 1
        entry = entries[0]
        assert entry.actor and str(entry.effective_on)[:10] == "2026-12-01"
        assert json.loads(entry.detail) == {
            "command": "export",
            "codes": ["DB-2026-0001"],
            "file": "台账.xlsx",
        }


def test_kept_visible_and_the_refusal_for_one_matter():
    rows = [{"code": "a", "restricted": True}, {"code": "b", "restricted": False}]
    assert [r["code"] for r in restricted.kept(rows, False)] == ["b"]
    assert [r["code"] for r in restricted.kept(rows, True)] == ["a", "b"]
    assert restricted.visible(0, False) and not restricted.visible(1, False)
    restricted.refuse_unless_included("DB-2026-0001", False, False)
    restricted.refuse_unless_included("DB-2026-0001", True, True)
    with pytest.raises(Refused) as refused:
        restricted.refuse_unless_included("DB-2026-0001", True, False)
    assert refused.value.article == "第三条"


def _day(text):
    import datetime as dt

    return dt.date.fromisoformat(text)


# -- what leaves the office: stats, bulletin, export, notice --------------------------
# (built by the other parts of issue 10; each checked here once, against 第三条)

PERIOD = ["--from", "2026-11-01", "--to", "2026-11-30", "--as-of", "2026-12-01"]
ENV_BUREAU = "市生态环境局"


@pytest.fixture
def story(cli, units):
    """DB-2026-0001 restricted: the housing bureau leads from 11-03, due 11-23, reports
    nothing, urged 11-25.  DB-2026-0002 not: the environment bureau leads, its final
    report of 11-20 accepted, closed 11-20."""
    secret = register_matter(cli, "--restricted", title=SECRET)["code"]
    plain = register_matter(cli, title=OPEN)["code"]
    cli.check("assign", secret, "--lead", LEAD, "--on", "2026-11-03")
    cli.check("assign", plain, "--lead", ENV_BUREAU, "--on", "2026-11-03")
    report = enter_report(cli, plain, ENV_BUREAU, on="2026-11-20")
    cli.check("review", str(report["id"]), "--accept", "--on", "2026-11-20")
    cli.check("close", plain, "--on", "2026-11-20")
    cli.check("urge", secret, "--unit", LEAD, "--via", "phone", "--on", "2026-11-25")
    return secret, plain


def inclusions(cli):
    return cli.check("history", "--action", "restricted.include", "--json").data


def test_stats_leave_restricted_matters_out_unless_asked(cli, story):
    secret, _plain = story
    cards = {c["unit"]: c for c in cli.check("stats", *PERIOD, "--json").data}
    assert LEAD not in cards or cards[LEAD]["due"] == 0
    assert cards[ENV_BUREAU]["due"] == 1 and cards[ENV_BUREAU]["on_time"] == 1
    assert inclusions(cli) == []  # not asked, nothing recorded
    cards = {
        c["unit"]: c for c in cli.check("stats", *PERIOD, "--include-restricted", "--json").data
    }
    assert (cards[LEAD]["due"], cards[LEAD]["overdue"]) == (1, 1)
    [entry] = inclusions(cli)
    assert entry["actor"] and entry["detail"]["command"] == "stats"
    assert entry["detail"]["codes"] == [secret]


def test_bulletin_leaves_restricted_matters_out_unless_asked(cli, story, tmp_path):
    secret, _plain = story
    data = cli.check("bulletin", *PERIOD, "--json").data
    assert data["commend"] == [ENV_BUREAU] and LEAD not in data["criticise"]
    assert SECRET not in json.dumps(data, ensure_ascii=False)
    assert inclusions(cli) == []
    data = cli.check("bulletin", *PERIOD, "--include-restricted", "--json").data
    assert LEAD in data["criticise"]
    [entry] = inclusions(cli)
    assert entry["detail"]["command"] == "bulletin" and entry["detail"]["codes"] == [secret]
    # The Word draft too: without the option, the restricted matter is not in it.
    docx = pytest.importorskip("docx")
    out = tmp_path / "通报.docx"
    cli.check("bulletin", *PERIOD, "--out", out)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert SECRET not in text and LEAD not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_leaves_restricted_matters_out_unless_asked(cli, story, tmp_path, fmt):
    secret, plain = story
    out = tmp_path / f"台账.{fmt}"
    cli.check("export", "--format", fmt, "--out", out, "--as-of", "2026-12-01")
    assert _codes_in(out) == {plain}
    assert inclusions(cli) == []
    cli.check(
        "export", "--format", fmt, "--out", out, "--as-of", "2026-12-01", "--include-restricted"
    )
    assert _codes_in(out) == {secret, plain}
    [entry] = inclusions(cli)
    assert entry["detail"]["command"] == "export" and entry["detail"]["codes"] == [secret]


def _codes_in(path):
    """The matter codes in a ledger file (CSV or xlsx)."""
    import re

    if path.suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    return set(re.findall(r"DB-\d{4}-\d{4}", text))


def test_a_notice_of_a_restricted_matter_needs_the_option(cli, story, tmp_path):
    secret, plain = story
    refused = cli.check("notice", secret, "--kind", "assign", "--on", "2026-11-03", code=4)
    assert "第三条" in refused.stderr and secret in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert inclusions(cli) == []
    cli.check("notice", plain, "--kind", "assign", "--on", "2026-11-03")  # not restricted
    assert inclusions(cli) == []
    out = tmp_path / "催办通知书.docx"
    cli.check(
        "notice", secret, "--kind", "urge", "--on", "2026-11-26", "--out", out,
        "--include-restricted",
    )  # fmt: skip
    assert out.exists()
    [entry] = history_of(cli, secret, "restricted.include")  # tied to the matter
    assert entry["detail"]["command"] == "notice" and entry["detail"]["codes"] == [secret]
