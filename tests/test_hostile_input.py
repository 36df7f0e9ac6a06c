"""What a hostile trial found (issue 11), part 1: dates, signatures, text, options.

Each probe of the trial, kept fixed: business dates after today or absurdly far, a
report judged by the head of its day, terminal escapes and invisible names, negative
numbers taken for options, Ctrl-C before the CLI is loaded, unknown languages and
history actions.  "Today" is pinned (DUBAN_NOW) at 2026-11-26 10:00 Beijing time.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from conftest import UNITS, add_units, assert_error, json_of, snapshot_of

NOW = "2026-11-26T10:00:00+08:00"
TODAY, TOMORROW = "2026-11-26", "2026-11-27"
HOUSING, EDUCATION, DISTRICT = "市住房和城乡建设局", "市教育局", "东胜区人民政府"
OPEN, CLOSED = "DB-2026-0001", "DB-2026-0002"  # see build_scene


def build_scene(cli) -> None:
    """The five units; DB-2026-0001 (received 11-02) with 市住房和城乡建设局 leading and
    东胜区人民政府 taking part (notified 11-03), a final report of 11-20 signed by the
    head 张建国, waiting for review (report 1); DB-2026-0002 (received 11-02) closed on
    11-09 after 市教育局's final report (report 2) was accepted."""
    add_units(cli)
    for title in ("研究解决城区供暖问题", "落实全市安全生产会议精神"):
        json_of(cli("register", title, "--source", "instruction", "--received", "2026-11-02",
                    "--json"))  # fmt: skip
    lead = ("--lead", HOUSING, "--participant", DISTRICT, "--on", "2026-11-03")
    assert cli("assign", OPEN, *lead).exit_code == 0
    assert cli("assign", CLOSED, "--lead", EDUCATION, "--on", "2026-11-03").exit_code == 0
    signed = ("--written", "--signed-by", UNITS[HOUSING]["head"], "--sealed")
    report = ("--kind", "final", "--text", "已完成改造", *signed, "--on", "2026-11-20")
    assert cli("report", OPEN, "--unit", HOUSING, *report).exit_code == 0
    signed = ("--written", "--signed-by", UNITS[EDUCATION]["head"], "--sealed")
    report = ("--kind", "final", "--text", "已完成", *signed, "--on", "2026-11-05")
    assert cli("report", CLOSED, "--unit", EDUCATION, *report).exit_code == 0
    assert cli("review", "2", "--accept", "--on", "2026-11-06").exit_code == 0
    assert cli("close", CLOSED, "--on", "2026-11-09").exit_code == 0


@pytest.fixture
def scene(cli, template):
    """The scene, and `cli` with today at 2026-11-26 (Beijing)."""
    template("hostile", build_scene)
    cli.env = {"DUBAN_NOW": NOW}
    return cli


def refused(cli, args, code, *fragments) -> str:
    """`args` refused with `code`, one line naming `fragments`, nothing written."""
    before = snapshot_of(cli.db)
    message = assert_error(cli(*args), code, *fragments)
    assert snapshot_of(cli.db) == before
    return message


# -- 1. dates: no business date after today, none before the matter's receipt ---------

# Every option that dates a change, each given a day after today.
FUTURE = {
    "register --received": ["register", "新事项", "--source", "meeting", "--received", "{day}"],
    "assign --on": ["assign", OPEN, "--participant", EDUCATION, "--on", "{day}"],
    "assign --role --on": ["assign", OPEN, "--role", "lead", "--unit", DISTRICT, "--on", "{day}"],
    "unassign --on": ["unassign", OPEN, "--unit", DISTRICT, "--reason", "误", "--on", "{day}"],
    "report --on": ["report", OPEN, "--unit", HOUSING, "--kind", "progress", "--text", "进展",
                    "--on", "{day}"],
    "review --on": ["review", "1", "--accept", "--on", "{day}"],
    "urge --on": ["urge", OPEN, "--unit", HOUSING, "--on", "{day}"],
    "urge --all-overdue --as-of": ["urge", "--all-overdue", "--as-of", "{day}"],
    "cancel --on": ["cancel", OPEN, "--reason", "不再督办", "--on", "{day}"],
    "reopen --on": ["reopen", CLOSED, "--reason", "整改未到位", "--on", "{day}"],
    "edit --on": ["edit", OPEN, "--ref", "文号", "--reason", "补录", "--on", "{day}"],
    "milestone add --on": ["milestone", "add", OPEN, "摸排", "--within", "5", "--on", "{day}"],
    "coordinate --on": ["coordinate", OPEN, "--units", f"{HOUSING},{DISTRICT}", "--note", "分工",
                        "--on", "{day}"],
    "inspect --on": ["inspect", OPEN, "--method", "实地督查", "--note", "查看", "--on", "{day}"],
    "notice --on": ["notice", OPEN, "--kind", "assign", "--unit", HOUSING, "--on", "{day}"],
    "unit edit --since": ["unit", "edit", HOUSING, "--head", "王强", "--since", "{day}"],
}  # fmt: skip


@pytest.mark.parametrize("day", [TOMORROW, "2100-01-01", "9999-12-31"])
@pytest.mark.parametrize("args", list(FUTURE.values()), ids=list(FUTURE))
def test_no_change_is_dated_after_today(scene, args, day):
    args = [a.replace("{day}", day) for a in args]
    if day == "9999-12-31":  # no date clerks type: refused as it is read (dates.py)
        refused(scene, args, 2, "'9999-12-31'")
    else:
        refused(scene, args, 2, f"{day} is after today ({TODAY})", "future_days")


@pytest.mark.parametrize("args", list(FUTURE.values()), ids=list(FUTURE))
def test_today_itself_is_a_business_date(scene, args):
    """The check stops at today: the same commands dated today are taken (the ones the
    scene's state refuses for another reason say so, not "after today")."""
    result = scene(*[a.replace("{day}", TODAY) for a in args])
    assert "after today" not in result.stderr
    if args[0] not in ("urge",):  # urge --all-overdue finds nobody late on 11-26: exit 4
        assert result.exit_code == 0, result.stderr


def test_a_matter_is_not_closed_after_today(scene):
    scene.check("review", "1", "--accept", "--on", "2026-11-24")
    refused(scene, ["close", OPEN, "--on", TOMORROW], 2, "after today", "future_days")
    assert scene("close", OPEN, "--on", TODAY).exit_code == 0


def test_bytes_that_are_not_utf8_are_refused_not_an_internal_error(scene):
    args = ["register", "标题\udc9b", "--source", "meeting", "--received", TODAY]
    refused(scene, args, 2, "is not valid UTF-8")
    args = ["--user", "\udcff", "register", "标题", "--source", "meeting", "--received", TODAY]
    refused(scene, args, 2, "is not valid UTF-8")


def test_notify_and_archive_take_no_day_after_today(scene, tmp_path):
    scene.check("config", "notify_command", "cat > /dev/null")
    refused(scene, ["notify", "--as-of", TOMORROW], 2, "after today")
    out = tmp_path / "卷宗"
    out.mkdir()
    args = ["archive", CLOSED, "--to", out, "--transferred-on", TOMORROW]
    refused(scene, args, 2, "after today", "future_days")
    assert list(out.iterdir()) == []  # refused before any file was written


def test_the_margin_is_a_setting(scene):
    scene.check("config", "future_days", "3")
    report = ["report", OPEN, "--unit", HOUSING, "--kind", "progress", "--text", "进展", "--on"]
    refused(scene, [*report, "2026-11-30"], 2, "at most 3 day(s) ahead", "future_days")
    assert scene(*report, "2026-11-29").exit_code == 0  # a paper dated ahead, within 3 days
    for bad in ("-1", "32", "x", "1.5"):
        refused(scene, ["config", "future_days", bad], 2, "0 to 31 days")
    entry = json_of(scene("history", "--action", "config.set", "--json"))[-1]
    assert entry["detail"] == {"key": "future_days", "before": "0", "after": "3"}


def test_today_is_the_office_day_not_the_servers(scene):
    """23:30 on 11-26 in UTC is already 11-27 in Beijing: 11-27 is today there."""
    late = {"DUBAN_NOW": "2026-11-26T23:30:00Z"}
    args = ["report", OPEN, "--unit", HOUSING, "--kind", "progress", "--text", "进展"]
    assert scene(*args, "--on", TOMORROW, env=late).exit_code == 0
    refused(scene, [*args, "--on", "2026-11-28"], 2, "after today (2026-11-26)")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["assign", OPEN, "--participant", EDUCATION, "--on", "2026-11-01"], "before the matter"),
        (["report", OPEN, "--unit", HOUSING, "--kind", "progress", "--text", "x", "--on",
          "2026-11-02"], "before 市住房和城乡建设局 was notified"),
        (["review", "1", "--accept", "--on", "2026-11-19"], "before it arrived"),
        (["urge", OPEN, "--unit", HOUSING, "--on", "1999-01-01"], "before it was received"),
    ],
    ids=["assign", "report", "review", "urge"],
)  # fmt: skip
def test_no_change_is_dated_before_what_it_follows(scene, args, fragment):
    refused(scene, args, 2, fragment)


ASK = ["report", OPEN, "--unit", HOUSING, "--kind", "explanation", "--text", "需延期", "--on",
       "2026-11-20", "--propose-due"]  # fmt: skip


def test_a_proposed_deadline_far_off_is_refused(scene):
    refused(scene, [*ASK, "2100-01-01"], 2, "2100-01-01 is outside the calendar")
    refused(scene, [*ASK, "2031-11-21"], 2,
            "proposed deadline 2031-11-21 is more than 5 year(s) after 2026-11-20",
            "deadline_years")  # fmt: skip
    # Five years to the day is taken, and accepting it moves the deadline there.
    asked = json_of(scene(*ASK, "2031-11-20", "--json"))
    assert json_of(scene("review", asked["id"], "--accept", "--on", TODAY, "--json"))
    unit = json_of(scene("show", OPEN, "--json"))["assignments"][0]
    assert (unit["unit"], unit["due"], unit["original_due"]) == (HOUSING, "2031-11-20",
                                                                  "2026-11-23")  # fmt: skip


def test_the_years_a_deadline_may_reach_are_a_setting(scene):
    far = ["register", "五年规划", "--source", "document", "--received", "2026-11-02"]
    refused(scene, [*far, "--due", "2034-03-15"], 2, "more than 5 year(s)", "deadline_years")
    refused(scene, [*far, "--within", "1500"], 2, "more than 5 year(s)", "deadline_years")
    scene.check("config", "deadline_years", "10")
    assert json_of(scene(*far, "--due", "2034-03-15", "--json"))["due"] == "2034-03-15"
    for bad in ("0", "21", "x"):
        refused(scene, ["config", "deadline_years", bad], 2, "1 to 20 years")


@pytest.mark.parametrize(
    "args",
    [
        ["overdue", "--as-of", "9999-12-31"],
        ["list", "--as-of", "9999-12-31"],
        ["due", "--within", "5", "--as-of", "9999-12-31"],
        ["summary", "--as-of", "9999-12-31"],
        ["show", OPEN, "--as-of", "9999-12-31"],
        ["stats", "--as-of", "9999-12-31"],
        ["milestone", "list", OPEN, "--as-of", "9999-12-31"],
        ["overdue", "--as-of", "0001-01-01"],
        ["history", "--since", "9999-12-31"],
    ],
    ids=lambda a: " ".join(a[:1] + a[-2:]),
)
def test_a_far_day_asked_of_a_reading_is_answered_or_refused_plainly(scene, args):
    """Reading as of a day (a projection, or the past) writes nothing: far days are
    answered, or refused as a bad value; never an internal error."""
    before = snapshot_of(scene.db)
    result = scene(*args)
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert_error(result, 2)
    assert snapshot_of(scene.db) == before


# -- 2. heads by date: a report is judged by the head on the day it arrived -------------


def test_a_report_signed_by_the_head_of_the_time_stands_after_the_head_changes(scene):
    scene.check("unit", "edit", HOUSING, "--head", "王强", "--since", "2026-11-23")
    # Report 1 arrived on 11-20, signed by 张建国, the head then: accepted on 11-24.
    accepted = json_of(scene("review", "1", "--accept", "--on", "2026-11-24", "--json"))
    assert accepted["decision"] == "accept"
    assert json_of(scene("show", OPEN, "--json"))["assignments"][0]["status"] == "done"


def test_a_report_after_the_change_needs_the_new_heads_signature(scene):
    scene.check("unit", "edit", HOUSING, "--head", "王强", "--since", "2026-11-23")
    scene.check("review", "1", "--return", "--reason", "缺清单", "--on", "2026-11-23")
    final = ["report", OPEN, "--unit", HOUSING, "--kind", "final", "--text", "已整改",
             "--written", "--sealed", "--on", "2026-11-24", "--json", "--signed-by"]  # fmt: skip
    old = json_of(scene(*final, "张建国"))["id"]
    refused(scene, ["review", old, "--accept", "--on", TODAY], 4, "第十二条",
            "head (王强), not 张建国")  # fmt: skip
    new = json_of(scene(*final, "王强"))["id"]
    assert scene("review", new, "--accept", "--on", TODAY).exit_code == 0


def test_a_report_before_the_change_signed_by_the_new_head_names_the_day(scene):
    scene.check("unit", "edit", HOUSING, "--head", "王强", "--since", "2026-11-23")
    scene.check("review", "1", "--return", "--reason", "缺清单", "--on", "2026-11-21")
    final = [
        "report",
        OPEN,
        "--unit",
        HOUSING,
        "--kind",
        "final",
        "--text",
        "已整改",
        "--written",
        "--sealed",
        "--on",
        "2026-11-22",
        "--json",
        "--signed-by",
        "王强",
    ]
    rid = json_of(scene(*final))["id"]
    refused(scene, ["review", rid, "--accept", "--on", TODAY], 4,
            "head on 2026-11-22 (张建国), not 王强")  # fmt: skip


def test_unit_show_lists_the_heads_with_their_days(scene):
    scene.check("unit", "edit", HOUSING, "--head", "王强", "--since", "2026-11-23")
    scene.check("unit", "edit", HOUSING, "--head", "赵敏")  # today
    shown = json_of(scene("unit", "show", "zjj", "--json"))
    assert shown["head"] == "赵敏"
    assert [(h["head"], h["since"], h["until"]) for h in shown["heads"]] == [
        ("张建国", None, "2026-11-23"),
        ("王强", "2026-11-23", TODAY),
        ("赵敏", TODAY, None),
    ]
    table = scene("unit", "show", HOUSING)
    assert table.exit_code == 0
    assert "Heads" in table.stdout and "王强" in table.stdout and "2026-11-23" in table.stdout
    entries = json_of(scene("history", "--action", "unit.edit", "--json"))
    assert [(e["detail"]["changes"]["head"], e["detail"].get("head_since")) for e in entries] == [
        (["张建国", "王强"], "2026-11-23"),
        (["王强", "赵敏"], TODAY),
    ]
    assert entries[0]["effective_on"] == TODAY  # as unit.edit records every change


def test_the_first_head_of_a_unit_counts_from_before_the_register_knew(scene):
    """A unit added without a head: the head given later signs the reports it already
    had; so does a head given with the unit."""
    scene.check("unit", "add", "市审计局", "--code", "sjj")
    scene.check("unit", "edit", "sjj", "--head", "孙立")
    assert [(h["head"], h["since"]) for h in json_of(scene("unit", "show", "sjj", "--json"))[
        "heads"]] == [("孙立", None)]  # fmt: skip
    heads = json_of(scene("unit", "show", DISTRICT, "--json"))["heads"]
    assert [(h["head"], h["since"]) for h in heads] == [("刘伟", None)]


def test_a_report_before_a_units_first_known_head_is_not_accepted(scene):
    scene.check("unit", "add", "市审计局", "--code", "sjj")
    scene.check("assign", OPEN, "--lead", "sjj", "--on", "2026-11-03")
    final = [
        "report",
        OPEN,
        "--unit",
        "sjj",
        "--kind",
        "final",
        "--text",
        "已审计",
        "--written",
        "--signed-by",
        "孙立",
        "--sealed",
        "--on",
        "2026-11-20",
        "--json",
    ]
    rid = json_of(scene(*final))["id"]
    scene.check("unit", "edit", "sjj", "--head", "孙立", "--since", "2026-11-23")
    refused(scene, ["review", rid, "--accept", "--on", TODAY], 4,
            "市审计局 had no registered head on 2026-11-20",
            "its first head known took office on 2026-11-23")  # fmt: skip


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--head", "王强", "--since", "2026-11-09"], "its present head took office on 2026-11-10"),
        (["--since", "2026-11-20"], "--since goes with --head"),
        (["--head", "李四", "--since", "2026-11-20"], "李四 is already the head"),
        (["--head", "王强", "--since", "someday"], "bad date"),
    ],
    ids=["before-the-last", "since-alone", "same-head", "bad-date"],
)
def test_a_head_change_is_refused_out_of_order(scene, args, fragment):
    scene.check("unit", "edit", HOUSING, "--head", "李四", "--since", "2026-11-10")
    refused(scene, ["unit", "edit", HOUSING, *args], 2, fragment)


def test_units_imported_with_a_head_and_updated_keep_their_heads(scene, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("name,code,head\n市审计局,sjj,孙立\n市统计局,tjj,\n", encoding="utf-8")
    scene.check("unit", "import", path)
    assert json_of(scene("unit", "show", "sjj", "--json"))["heads"][0]["head"] == "孙立"
    assert json_of(scene("unit", "show", "tjj", "--json"))["heads"] == []
    path.write_text("name,code,head\n市审计局,sjj,周红\n", encoding="utf-8")
    scene.check("unit", "import", path, "--update")
    heads = json_of(scene("unit", "show", "sjj", "--json"))["heads"]
    assert [(h["head"], h["since"]) for h in heads] == [("孙立", None), ("周红", TODAY)]


@pytest.mark.sqlite_only
def test_a_register_without_dated_heads_judges_by_the_units_head(scene):
    """A register whose heads were never recorded by date (filled before migration 7
    kept them, or by hand): the unit's head signs; a change then keeps both."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(scene.db)) as conn, conn:
        conn.execute("DELETE FROM unit_head")
    scene.check("unit", "edit", HOUSING, "--head", "王强", "--since", "2026-11-23")
    assert scene("review", "1", "--accept", "--on", "2026-11-24").exit_code == 0
    heads = json_of(scene("unit", "show", HOUSING, "--json"))["heads"]
    assert [(h["head"], h["since"]) for h in heads] == [("张建国", None), ("王强", "2026-11-23")]


# -- 3. text: shown escaped to people, kept true in JSON; nothing invisible -------------

ESCAPED_TITLE = "\x1b[31m红色\u202e标题\x1b[0m\x9b2J"
ESCAPED_USER = "\x1b]0;owned\x07王敏"


def test_terminal_escapes_reach_no_terminal(scene):
    made = scene("--user", ESCAPED_USER, "register", ESCAPED_TITLE, "--source", "meeting",
                 "--received", "2026-11-20", "--json")  # fmt: skip
    code = json_of(made)["code"]
    for args in (["list"], ["show", code], ["history", code], ["overdue", "--as-of", TODAY],
                 ["list", "--search", "红色"]):  # fmt: skip
        result = scene(*args)
        assert result.exit_code == 0, result.stderr
        for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert raw not in result.output, (args, result.output)
    assert "\\x1b[31m红色\\u202e标题\\x1b[0m\\x9b2J" in scene("show", code).stdout
    assert "\\x1b]0;owned\\x07王敏" in scene("history", code).stdout
    # JSON keeps the true value, every control character escaped the JSON way.
    listed = scene("list", "--json")
    assert json.loads(listed.stdout)[-1]["title"] == ESCAPED_TITLE
    assert "\\u001b[31m" in listed.stdout and "\\u009b" in listed.stdout
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202e]", listed.stdout.replace("\n", ""))
    entry = json_of(scene("history", code, "--json"))[0]
    assert entry["actor"] == ESCAPED_USER


def test_a_word_notice_holds_a_title_with_escapes(scene, tmp_path):
    """python-docx refuses control characters: the notice shows them escaped instead of
    failing (exit 5) on the clerk's title."""
    import zipfile

    code = json_of(scene("register", ESCAPED_TITLE, "--source", "meeting", "--received",
                         "2026-11-20", "--json"))["code"]  # fmt: skip
    scene.check("assign", code, "--lead", HOUSING, "--on", "2026-11-20")
    out = tmp_path / "通知.docx"
    scene.check("notice", code, "--kind", "assign", "--on", TODAY, "--out", out)
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "\\x1b[31m红色" in xml and "\x1b" not in xml


def test_messages_show_escapes_too(scene):
    result = scene("register", "\x1b[2J标题", "--source", "meeting", "--received", TODAY)
    assert result.exit_code == 0 and "\x1b" not in result.stderr
    message = refused(scene, ["unit", "add", "\x1b[2J新单位", "--kind", "\x1b[2Jbogus"], 2)
    assert "\x1b" not in message and "\\x1b" in message


INVISIBLE = {
    "empty": "",
    "spaces": " \t ",
    "zero-width": "\u200b\u200c\u200d",
    "ideographic space": "\u3000",
    "byte-order mark": "\ufeff",
    "braille blank": "\u2800",
    "escape": "\x1b",
    "combining mark": "\u0301",
}

NAMED = {
    "register": ["register", "{text}", "--source", "meeting", "--received", TODAY],
    "edit --title": ["edit", OPEN, "--title", "{text}", "--reason", "更正"],
    "unit add": ["unit", "add", "{text}"],
    "unit edit --rename": ["unit", "edit", HOUSING, "--rename", "{text}"],
    "milestone add": ["milestone", "add", OPEN, "{text}", "--within", "5", "--on", TODAY],
}


@pytest.mark.parametrize("text", list(INVISIBLE.values()), ids=list(INVISIBLE))
@pytest.mark.parametrize("args", list(NAMED.values()), ids=list(NAMED))
def test_a_title_or_name_that_shows_nothing_is_refused(scene, args, text):
    refused(scene, [a.replace("{text}", text) for a in args], 2, "needs a")


@pytest.mark.parametrize("text", [t for t in INVISIBLE.values() if t.strip()],
                         ids=[k for k, t in INVISIBLE.items() if t.strip()])  # fmt: skip
def test_a_user_that_shows_nothing_is_refused(scene, text):
    args = ["register", "标题", "--source", "meeting", "--received", TODAY]
    refused(scene, ["--user", text, *args], 2, "--user", "shows nothing")
    before = snapshot_of(scene.db)
    assert_error(scene(*args, env={"DUBAN_USER": text}), 2, "shows nothing")
    assert snapshot_of(scene.db) == before


def test_invisible_edges_are_trimmed_so_no_lookalike_is_made(scene):
    refused(scene, ["unit", "add", "\u200b市教育局\ufeff"], 2, "already registered")
    made = json_of(scene("register", "\u3000供暖\u200b", "--source", "meeting", "--received",
                         TODAY, "--json"))  # fmt: skip
    assert made["title"] == "供暖"
    refused(scene, ["register", "a\x00b", "--source", "meeting", "--received", TODAY], 2, "NUL")


# -- 4. negative numbers: an argument, or a plain refusal; never "No such option" --------

NEGATIVE = {
    "calendar add": (["calendar", "add", "2026-11-02", "-1"], 2, "0 or more, not -1"),
    "review ID": (["review", "-1", "--accept", "--on", TODAY], 3, "no report -1"),
    "review --within": (["review", "1", "--return", "--reason", "x", "--within", "-2"], 2,
                        "not -2"),
    "due --within": (["due", "--within", "-5", "--as-of", TODAY], 2, "not -5"),
    "overdue --limit": (["overdue", "--limit", "-1", "--as-of", TODAY], 2, "not -1"),
    "list --limit": (["list", "--limit", "-1"], 2, "not -1"),
    "history --limit": (["history", "--limit", "-3"], 2, "not -3"),
    "assign --within": (["assign", OPEN, "--participant", EDUCATION, "--within", "-2", "--on",
                         TODAY], 2, "not -2"),
    "register --within": (["register", "x", "--source", "meeting", "--received", TODAY,
                           "--within", "-1"], 2, "not -1"),
    "register --every": (["register", "x", "--source", "meeting", "--received", TODAY,
                          "--reporting", "periodic", "--every", "-1"], 2, "not -1"),
    "reopen --within": (["reopen", CLOSED, "--reason", "x", "--within", "-1", "--on", TODAY], 2,
                        "not -1"),
    "milestone --within": (["milestone", "add", OPEN, "摸排", "--within", "-1", "--on", TODAY],
                           2, "not -1"),
    "notice --report-within": (["notice", OPEN, "--kind", "urge", "--unit", HOUSING,
                                "--report-within", "-1", "--on", TODAY], 2, "-1"),
    "report --milestone": (["report", OPEN, "--unit", HOUSING, "--kind", "progress", "--text",
                            "x", "--milestone", "-1", "--on", TODAY], 3, "-1"),
}  # fmt: skip


@pytest.mark.parametrize("args, code, fragment", list(NEGATIVE.values()), ids=list(NEGATIVE))
def test_a_negative_number_is_a_number(scene, args, code, fragment):
    message = refused(scene, args, code, fragment)
    assert "No such option" not in message


def test_a_negative_number_after_the_options_and_after_double_dash(scene):
    refused(scene, ["calendar", "add", "--json", "2026-11-02", "-1"], 2, "0 or more, not -1")
    refused(scene, ["calendar", "add", "2026-11-02", "--", "-1"], 2, "0 or more, not -1")
    refused(scene, ["calendar", "add", "2026-11-02", "-1x"], 2, "No such option")
    counted = json_of(scene("calendar", "add", "2026-11-02", "0", "--json"))
    assert counted["due"] == "2026-11-02"


# -- 5. Ctrl-C from the first instant -------------------------------------------------

# Each run of the probe: SIGINT this many seconds after the start; how many times each.
SIGINT_DELAYS = (0.0, 0.01, 0.03, 0.05, 0.1, 0.2)
SIGINT_RUNS = int(os.environ.get("DUBAN_TEST_SIGINT_RUNS", "2"))
PACKAGE = Path(__file__).resolve().parents[1] / "duban"


def _ours(stderr: str) -> list[str]:
    """The frames of a traceback in duban's own code once it runs: any line of the
    package but the module level of `duban/__init__.py` and `duban/__main__.py` (what
    runs before `main()` puts the handler in place).  Python's own start (the
    interpreter, `site`, an editable install's finder, the standard library it imports)
    has none."""
    frames = re.findall(r'File "([^"]*)", line \d+, in (\S+)', stderr)
    return [
        f"{file}:{where}"
        for file, where in frames
        if Path(file).resolve().is_relative_to(PACKAGE)
        and not (Path(file).name in ("__init__.py", "__main__.py") and where == "<module>")
    ]


@pytest.mark.sqlite_only  # about the process, whatever the register
@pytest.mark.parametrize("how", ["python -m duban", "console script"])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(tmp_path, how):
    """SIGINT at moments from 0 to 200 ms after the start: once duban's first line runs,
    the answer is one line and exit 130 (or the command's own answer, had it finished);
    before it, Python's start answers (killed by SIGINT: a shell's 130), and a traceback
    of Python's own start, before any line of duban, is the only other tolerated."""
    db = tmp_path / "r.db"
    env = {**os.environ, "DUBAN_DB": str(db), "DUBAN_LANG": "en", "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-m", "duban", "init"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    if how == "python -m duban":
        # Without `site`: no .pth to run, Python's start as short as it is for an installed
        # duban; the package and its dependencies found by path.
        paths = [str(Path(__file__).resolve().parents[1]), sysconfig.get_paths()["purelib"]]
        command = [sys.executable, "-S", "-m", "duban", "list", "--json"]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        script = Path(sys.executable).with_name("duban")
        if not script.exists():
            pytest.skip(f"no console script beside {sys.executable}")
        command = [str(script), "list", "--json"]
    answers = []
    for delay in SIGINT_DELAYS:
        for _run in range(SIGINT_RUNS):
            child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)  # fmt: skip
            time.sleep(delay)
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=60)
            answers.append((delay, child.returncode, err))
    for delay, code, err in answers:
        assert not _ours(err), (delay, code, err)  # a traceback through duban's own code
        if "Traceback" in err or code == -signal.SIGINT:
            continue  # Python's start answered, before any line of duban ran
        assert code in (0, 130), (delay, code, err)
        if code == 130:
            assert err == "duban: interrupted: nothing was written\n", (delay, err)
    assert any(code == 130 for _d, code, _e in answers), answers


def test_ctrl_c_while_the_arguments_are_read_is_one_line(scene, monkeypatch):
    """Typer answers an interrupt outside a command with a silent exit 130: duban says it."""
    from duban.cli import options

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(options, "early_lang", interrupted)
    before = snapshot_of(scene.db)
    result = scene("list", "--json")
    assert (result.exit_code, result.stderr) == (130, "duban: interrupted: nothing was written\n")
    assert snapshot_of(scene.db) == before


def test_ctrl_c_once_the_command_ended_leaves_its_answer(scene, monkeypatch):
    """An interrupt after the change was committed and said: exit 0, no word against it."""
    from duban.cli.command import DubanCommand

    invoke = DubanCommand.invoke

    def then_interrupted(self, ctx):
        invoke(self, ctx)
        raise KeyboardInterrupt

    monkeypatch.setattr(DubanCommand, "invoke", then_interrupted)
    args = ["register", "事后中断", "--source", "meeting", "--received", TODAY]
    result = scene(*args)
    assert (result.exit_code, result.stderr) == (0, "registered DB-2026-0003, due 2026-12-17\n")
    monkeypatch.undo()
    assert json_of(scene("show", "DB-2026-0003", "--json"))["title"] == "事后中断"


def test_the_console_script_starts_at_the_guarded_entry_point():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "duban"]
    assert script.value == "duban.__main__:main"


# -- 6. an unknown language or history action is refused ------------------------------


@pytest.mark.parametrize(
    "args",
    [["--lang", "fr", "list"], ["list", "--lang", "fr"], ["--lang=fr", "list"]],
    ids=["before", "after", "equals"],
)
def test_an_unknown_language_is_refused(scene, args):
    refused(scene, args, 2, "unknown language 'fr'")


@pytest.mark.parametrize("action", ["bogus", "unit.bogus", "units"])
def test_an_unknown_history_action_is_refused(scene, action):
    refused(scene, ["history", "--action", action], 2, f"unknown action '{action}'")
