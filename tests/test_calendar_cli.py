"""`duban calendar ...` as a clerk sees it: answers, exit codes, JSON, provisional marks.

Every date is explicit; "today" is pinned with DUBAN_NOW so that nothing depends on
the day the tests run.  Expected deadlines are counted by hand from the 2026 notice
(tests/data/holiday-cn/2026.json) and from the small 2027 schedule below.
"""

from __future__ import annotations

import json

import pytest
from conftest import DAYS_2027


@pytest.fixture
def cli(checked_cli):
    """This module's `cli` checks the exit code and parses the JSON (conftest.checked_cli),
    with "today" at 2027-03-31 10:00 Beijing time: the matters here are received and
    reported up to March 2027, and a register takes no business date after today."""
    checked_cli.__self__.env["DUBAN_NOW"] = "2027-03-31T10:00:00+08:00"
    return checked_cli


def one_line_error(result) -> None:
    assert result.stdout == ""
    assert result.stderr.startswith("duban: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


# The small 2027 schedule (conftest.DAYS_2027): 元旦 off 01-01 (Fri), 01-04 (Mon), 01-05 (Tue), make-up Saturday
# 01-09; 春节 off 02-06..12, make-up Saturday 02-20.


@pytest.fixture
def file_2027(tmp_path):
    path = tmp_path / "2027.json"
    days = [{"name": n, "date": d, "isOffDay": off} for d, off, n in DAYS_2027]
    path.write_text(
        json.dumps({"year": 2027, "papers": [], "days": days}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


# -- calendar add / between / day --------------------------------------------------------


@pytest.mark.parametrize(
    "typed,start,n,due",
    [
        ("2026-10-03", "2026-10-03", 1, "2026-10-08"),  # a holiday Saturday; 10-04..07 off
        ("2025-12-31", "2025-12-31", 1, "2026-01-04"),  # 01-01..03 off; 01-04 Sun make-up
        ("2026-02-14", "2026-02-14", 1, "2026-02-24"),  # a make-up Saturday is not counted
        ("2026-03-07", "2026-03-07", 1, "2026-03-09"),  # an ordinary Saturday
        # 09-29, 30 = 2; 10-08, 09 = 4; 10-10 Sat = 5; 10-12..16 = 10; 10-19..23 = 15.
        ("2026-09-28", "2026-09-28", 15, "2026-10-23"),
        # 02-11..13 = 3; 02-14 Sat = 4; 02-24..27 = 8; 02-28 Sat = 9; 03-02..06 = 14; 03-09.
        ("2026-02-10", "2026-02-10", 15, "2026-03-09"),
        ("2026-10-03", "2026-10-03", 0, "2026-10-03"),  # n = 0 is the start day itself
        ("2026/10/03", "2026-10-03", 1, "2026-10-08"),  # the other ways clerks write dates
        ("2026年10月3日", "2026-10-03", 1, "2026-10-08"),
    ],
)
def test_calendar_add(cli, typed, start, n, due):
    data = cli("calendar", "add", typed, n, "--json").data
    assert data == {"start": start, "n": n, "due": due, "provisional": False}
    assert due in cli("calendar", "add", typed, n).stdout


def test_calendar_add_refuses_bad_values(cli):
    one_line_error(cli("calendar", "add", "2026-02-30", "1", code=2))
    one_line_error(cli("calendar", "add", "2003-12-31", "1", "--json", code=2))
    one_line_error(cli("calendar", "add", "2099-12-30", "5", "--json", code=2))


def test_calendar_between(cli):
    data = cli("calendar", "between", "2026-09-30", "2026-10-12", "--json").data
    # 10-01..07 off; 10-08, 09, 10 (make-up Saturday), 12.
    assert data == {"from": "2026-09-30", "to": "2026-10-12", "workdays": 4, "provisional": False}
    same = cli("calendar", "between", "2026-10-08", "2026-10-08", "--json").data
    assert same["workdays"] == 0
    # A span reaching 2027 is provisional: 12-21..25, 12-28..31, 01-04..08 (01-01 by rule).
    later = cli("calendar", "between", "2026-12-20", "2027-01-08", "--json").data
    assert (later["workdays"], later["provisional"]) == (14, True)
    one_line_error(cli("calendar", "between", "2026-10-12", "2026-09-30", "--json", code=2))


@pytest.mark.parametrize(
    "day,kind,workday,name",
    [
        ("2026-10-12", "workday", True, None),
        ("2026-10-11", "weekend", False, None),
        ("2026-10-03", "holiday", False, "国庆节"),  # a Saturday inside National Day
        ("2026-10-05", "holiday", False, "国庆节"),  # a Monday off
        ("2026-09-20", "makeup", True, "国庆节"),  # a make-up Sunday
        ("2026-02-14", "makeup", True, "春节"),  # a make-up Saturday
        ("2026-01-04", "makeup", True, "元旦"),
    ],
)
def test_calendar_day_kinds(cli, day, kind, workday, name):
    assert cli("calendar", "day", day, "--json").data == {
        "date": day,
        "workday": workday,
        "kind": kind,
        "name": name,
        "provisional": False,
    }


# -- years nobody published --------------------------------------------------------------


def test_an_unpublished_year_is_estimated_and_marked(cli):
    result = cli("calendar", "add", "2026-12-20", "15", "--json")
    # 12-21..25 = 5; 12-28..31 = 9; 2027-01-01 元旦 (by rule); 01-04..08 = 14; 01-11 = 15.
    assert result.data == {"start": "2026-12-20", "n": 15, "due": "2027-01-11", "provisional": True}
    assert "provisional" in result.stderr and "2027" in result.stderr
    day = cli("calendar", "day", "2027-02-06", "--json").data
    assert (day["kind"], day["workday"], day["provisional"]) == ("holiday", False, True)
    row = [r for r in cli("calendar", "sources", "--json").data if r["year"] == 2027][0]
    assert row["provisional"] is True and row["source"].startswith("estimate")
    assert "(provisional)" in cli("calendar", "show", "2027-02").stdout


def test_loading_the_year_makes_its_answers_exact(cli, file_2027):
    cli("calendar", "load", file_2027)
    result = cli("calendar", "add", "2026-12-20", "15", "--json")
    # 12-21..31 = 9; 01-01, 04, 05 off; 01-06, 07, 08 = 12; 01-09 Sat = 13; 01-11, 12 = 15.
    assert result.data == {
        "start": "2026-12-20",
        "n": 15,
        "due": "2027-01-12",
        "provisional": False,
    }
    assert "provisional" not in result.stderr
    assert cli("calendar", "day", "2027-01-05", "--json").data["kind"] == "holiday"
    assert cli("calendar", "day", "2027-01-09", "--json").data["kind"] == "makeup"
    assert cli("calendar", "day", "2027-02-06", "--json").data["provisional"] is False
    rows = {r["year"]: r for r in cli("calendar", "sources", "--json").data}
    assert rows[2027]["source"] == "loaded: 2027.json" and rows[2027]["provisional"] is False
    assert rows[2027]["loaded_by"] == "tester" and rows[2027]["loaded_at"]
    assert rows[2026]["source"].startswith("chinesecalendar")
    assert "(provisional)" not in cli("calendar", "show", "2027-02").stdout


# -- calendar set ------------------------------------------------------------------------


def test_calendar_set_changes_answers_and_is_listed(cli, file_2027):
    assert cli("calendar", "add", "2026-10-08", "1", "--json").data["due"] == "2026-10-09"
    info = cli("calendar", "set", "2026-10-09", "--off", "--name", "台风", "--json").data
    assert info == {
        "date": "2026-10-09",
        "workday": False,
        "kind": "holiday",
        "name": "台风",
        "provisional": False,
    }
    assert cli("calendar", "day", "2026-10-09", "--json").data["kind"] == "holiday"
    # 10-09 off now: 10-10 (make-up Saturday) = 1.
    assert cli("calendar", "add", "2026-10-08", "1", "--json").data["due"] == "2026-10-10"
    assert cli("calendar", "set", "2026-10-11", "--work", "--json").data["kind"] == "makeup"
    assert cli("calendar", "add", "2026-10-10", "1", "--json").data["due"] == "2026-10-11"
    assert cli("calendar", "between", "2026-10-08", "2026-10-12", "--json").data["workdays"] == 3
    rows = {r["year"]: r for r in cli("calendar", "sources", "--json").data}
    assert rows[2026]["days_set"] == 2 and rows[2025]["days_set"] == 0
    # An office's change stays on top of a year's schedule loaded afterwards.
    cli("calendar", "set", "2027-01-08", "--off")
    cli("calendar", "load", file_2027)
    assert cli("calendar", "day", "2027-01-08", "--json").data["kind"] == "holiday"
    # 01-06, 07 = 2; 01-08 off; 01-09 Sat = 3.
    assert cli("calendar", "add", "2027-01-05", "3", "--json").data["due"] == "2027-01-09"
    one_line_error(cli("calendar", "set", "2026-10-12", code=2))
    one_line_error(cli("calendar", "set", "2026-10-12", "--off", "--work", code=2))


# -- calendar show -----------------------------------------------------------------------


def test_calendar_show_marks_holidays_and_makeup_days(cli):
    out = cli("calendar", "show", "2026-10").stdout
    assert "2026-10" in out and "(provisional)" not in out
    assert "3 休" in out and "7 休" in out and "10 班" in out
    assert "2026-10-01 休 国庆节" in out and "2026-10-10 班 国庆节" in out
    days = cli("calendar", "show", "2026-10", "--json").data
    assert len(days) == 31
    assert [d["date"] for d in days if d["kind"] == "makeup"] == ["2026-10-10"]
    # 10-08, 09 = 2; 10-10 Sat = 3; 10-12..16, 19..23, 26..30 = 18.
    assert sum(d["workday"] for d in days) == 18
    assert "20 班" in cli("calendar", "show", "2026年9月").stdout
    one_line_error(cli("calendar", "show", "2026-13", code=2))


# -- calendar explain --------------------------------------------------------------------


def test_calendar_explain_counts_day_by_day(cli):
    cli("register", "国庆前交办", "--source", "meeting", "--received", "2026-09-28")
    data = cli("calendar", "explain", "DB-2026-0001", "--json").data
    assert (data["start"], data["within"], data["due"]) == ("2026-09-28", 15, "2026-10-23")
    assert data["provisional"] is False
    days = data["days"]
    assert days[0]["date"] == "2026-09-28" and days[0]["count"] is None
    assert days[0]["note"] == "start day: not counted"
    assert days[-1]["date"] == data["due"] and days[-1]["count"] == 15
    counted = [d["date"] for d in days if d["count"] is not None]
    assert counted == [
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        *(f"2026-10-{d}" for d in (12, 13, 14, 15, 16, 19, 20, 21, 22, 23)),
    ]
    assert all(
        d["note"] == "not a working day" for d in days if d["date"][5:] in ("10-01", "10-11")
    )
    table = cli("calendar", "explain", "DB-2026-0001").stdout
    assert "2026-10-23" in table
    one_line_error(cli("calendar", "explain", "DB-2026-0099", code=3))


# -- recompute ---------------------------------------------------------------------------


def show(cli, code):
    return cli("show", code, "--json").data


def test_recompute_corrects_provisional_deadlines_only(cli, file_2027):
    # A: received 2026-12-20, 15 working days: estimated 2027-01-11, provisional.
    a = cli("register", "甲", "--source", "other", "--received", "2026-12-20", "--json").data
    assert (a["code"], a["due"], a["due_provisional"]) == ("DB-2026-0001", "2027-01-11", True)
    # B: received 2026-11-02: 11-03..06, 09..13, 16..20, 23 = 15: exact.
    b = cli("register", "乙", "--source", "other", "--received", "2026-11-02", "--json").data
    assert (b["code"], b["due"], b["due_provisional"]) == ("DB-2026-0002", "2026-11-23", False)
    # C: a deadline in 2027 given by hand: never provisional, never recomputed.
    c = cli(
        "register", "丙", "--source", "other", "--received", "2026-12-21", "--due", "2027-01-05",
        "--json",
    ).data  # fmt: skip
    assert (c["code"], c["due"], c["due_provisional"]) == ("DB-2026-0003", "2027-01-05", False)
    for unit in ("市教育局", "市民政局", "市财政局"):
        cli("unit", "add", unit, "--head", "王强")
    # B's unit: 10 working days from 2026-12-28: 12-29..31 = 3; 01-01 by rule;
    # 01-04..08 = 8; 01-11, 12 = 10 → 2027-01-12, provisional.
    made = cli(
        "assign", "DB-2026-0002", "--lead", "市教育局", "--within", "10", "--on", "2026-12-28",
        "--json",
    ).data  # fmt: skip
    assert (made[0]["due"], made[0]["due_provisional"]) == ("2027-01-12", True)
    # A's units: one takes A's (provisional) deadline, one a date given by hand.
    cli("assign", "DB-2026-0001", "--lead", "市民政局", "--on", "2026-12-21")
    cli(
        "assign", "DB-2026-0001", "--lead", "市财政局", "--due", "2027-01-08", "--on", "2026-12-21",
    )  # fmt: skip
    # B's unit reports; the report is returned on 2026-12-31 with the default 15 days:
    # 01-01 by rule; 01-04..08, 11..15, 18..22 = 15 → 2027-01-22, provisional.
    rep = cli(
        "report", "DB-2026-0002", "--unit", "市教育局", "--kind", "progress", "--text", "进展",
        "--on", "2026-12-30", "--json",
    ).data  # fmt: skip
    review = cli(
        "review", rep["id"], "--return", "--reason", "缺清单", "--on", "2026-12-31", "--json"
    )
    assert review.data["new_due"] == "2027-01-22"
    assert "provisional" in review.stderr

    before_b_history = show(cli, "DB-2026-0002")["history"]
    before_c = show(cli, "DB-2026-0003")
    cli("calendar", "load", file_2027)
    result = cli("calendar", "recompute", "--json")
    changes = result.data
    # Under the loaded 2027 (01-01, 04, 05 off; 01-09 Sat make-up):
    #   A: 12-21..31 = 9; 01-06..08 = 12; 01-09 = 13; 01-11, 12 = 15 → 2027-01-12.
    #   B's unit, original (from 12-28, 10): 12-29..31 = 3; 01-06..09 = 7; 01-11..13 = 10.
    #   B's unit, rework (from 12-31, 15): 01-06..09 = 4; 01-11..15 = 9; 01-18..22 = 14;
    #   01-25 = 15.
    #   市民政局 took A's deadline: one deadline, in force and original alike.
    got = sorted(tuple(c.values()) for c in changes)
    assert list(changes[0]) == ["code", "what", "before", "after", "moved", "provisional"]
    assert got == [
        ("DB-2026-0001", "deadline of 市民政局", "2027-01-11", "2027-01-12", True, False),
        ("DB-2026-0001", "matter", "2027-01-11", "2027-01-12", True, False),
        ("DB-2026-0002", "deadline of 市教育局", "2027-01-22", "2027-01-25", True, False),
        ("DB-2026-0002", "original deadline of 市教育局", "2027-01-12", "2027-01-13", True, False),
    ]

    a = show(cli, "DB-2026-0001")
    assert (a["due"], a["due_provisional"]) == ("2027-01-12", False)
    units = {x["unit"]: x for x in a["assignments"]}
    assert (units["市民政局"]["due"], units["市民政局"]["due_provisional"]) == ("2027-01-12", False)
    assert units["市民政局"]["original_due"] == "2027-01-12"
    assert (units["市财政局"]["due"], units["市财政局"]["due_provisional"]) == ("2027-01-08", False)
    recomputed = [e for e in a["history"] if e["action"] == "calendar.recompute"]
    assert sorted((e["detail"]["what"], e["detail"]["unit"]) for e in recomputed) == [
        ("assignment", "市民政局"),
        ("matter", None),
    ]
    matter_event = [e for e in recomputed if e["detail"]["what"] == "matter"][0]
    assert matter_event["detail"]["before"] == "2027-01-11"
    assert matter_event["detail"]["after"] == "2027-01-12"
    assert matter_event["detail"]["provisional"] is False

    b = show(cli, "DB-2026-0002")
    assert (b["due"], b["due_provisional"]) == ("2026-11-23", False)
    edu = b["assignments"][0]
    assert (edu["due"], edu["due_provisional"]) == ("2027-01-25", False)
    assert (edu["original_due"], edu["original_due_provisional"]) == ("2027-01-13", False)
    new = [e for e in b["history"] if e not in before_b_history]
    assert [e["action"] for e in new] == ["calendar.recompute", "calendar.recompute"]
    # Every deadline B's unit had, in the order set: what it was on any day can be told.
    rows = [(d["why"], d["due"], d["effective_on"]) for d in b["deadlines"] if d["unit"]]
    assert rows == [
        ("assign", "2027-01-12", "2026-12-28"),
        ("rework", "2027-01-22", "2026-12-31"),
        ("recompute", "2027-01-13", "2026-12-28"),
        ("recompute", "2027-01-25", "2026-12-31"),
    ]

    # The date given by hand stays, although 2027-01-05 is now a day off.
    assert show(cli, "DB-2026-0003") == before_c
    # Nothing is left to correct: a second run changes nothing.
    assert cli("calendar", "recompute", "--json").data == []
    # And the explanation now counts under the loaded year.
    ex = cli("calendar", "explain", "DB-2026-0002", "--unit", "市教育局", "--json").data
    assert (ex["start"], ex["due"], ex["within"], ex["provisional"]) == (
        "2026-12-31",
        "2027-01-25",
        15,
        False,
    )
    assert ex["days"][0]["count"] is None and ex["days"][-1]["count"] == 15
    assert [d["kind"] for d in ex["days"] if d["date"] == "2027-01-09"] == ["makeup"]


def test_recompute_clears_the_mark_when_the_date_stays(cli, tmp_path):
    # A 2027 schedule whose January is what the estimate assumed (01-01 off only).
    path = tmp_path / "2027.json"
    days = [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}]
    path.write_text(json.dumps({"year": 2027, "days": days}), encoding="utf-8")
    cli("register", "甲", "--source", "other", "--received", "2026-12-20")
    cli("calendar", "load", path)
    # 12-21..31 = 9; 01-01 off; 01-04..08 = 14; 01-11 = 15: the same day, now exact.
    assert cli("calendar", "recompute", "--json").data == [
        {
            "code": "DB-2026-0001",
            "what": "matter",
            "before": "2027-01-11",
            "after": "2027-01-11",
            "moved": False,
            "provisional": False,
        }
    ]
    a = show(cli, "DB-2026-0001")
    assert (a["due"], a["due_provisional"]) == ("2027-01-11", False)
    assert [e["action"] for e in a["history"]] == ["matter.register", "calendar.recompute"]


def test_recompute_says_how_many_dates_moved_and_how_many_were_confirmed(cli, file_2027):
    # Received 2026-12-20: estimated 2027-01-11, loaded 2027-01-12 (moved).  Received
    # 2026-12-29, 5 working days: 12-30, 31, 01-04..06 estimated → 01-06 (01-01 by rule);
    # loaded: 01-04, 05 off too → 01-08 (moved).  Received 2026-12-10, 15 days: 12-11..31 = 15
    # → 2026-12-31, all in 2026: never provisional, so not counted again.
    cli("register", "甲", "--source", "other", "--received", "2026-12-20")
    cli("register", "乙", "--source", "other", "--received", "2026-12-29", "--within", "5")
    cli("calendar", "load", file_2027)
    result = cli("calendar", "recompute")
    assert result.stderr.splitlines()[0] == (
        "2 deadline date(s) moved, 0 confirmed as they were; 0 still provisional"
    )


def test_explain_marks_a_provisional_deadline(cli):
    cli("register", "甲", "--source", "other", "--received", "2026-12-20")
    data = cli("calendar", "explain", "DB-2026-0001", "--json").data
    assert (data["due"], data["provisional"]) == ("2027-01-11", True)
    assert data["days"][0]["note"] == "start day: not counted"
    assert data["days"][-1]["count"] == 15 and data["days"][-1]["provisional"] is True
    assert "(provisional)" in cli("calendar", "explain", "DB-2026-0001").stdout


# -- strict calendar ---------------------------------------------------------------------


def test_strict_calendar_option_refuses_a_provisional_deadline(cli, file_2027):
    result = cli(
        "--strict-calendar", "register", "甲", "--source", "other", "--received", "2026-12-20",
        code=4,
    )  # fmt: skip
    one_line_error(result)
    assert "2027" in result.stderr and "calendar load" in result.stderr
    assert cli("list", "--json").data == []
    # An exact deadline is fine under the strict calendar.
    ok = cli(
        "--strict-calendar", "register", "乙", "--source", "other", "--received", "2026-11-02",
        "--json",
    ).data  # fmt: skip
    assert (ok["due"], ok["due_provisional"]) == ("2026-11-23", False)
    cli("unit", "add", "市教育局", "--head", "王强")
    refused = cli(
        "--strict-calendar", "assign", ok["code"], "--lead", "市教育局", "--within", "10",
        "--on", "2026-12-28", code=4,
    )  # fmt: skip
    one_line_error(refused)
    assert show(cli, ok["code"])["assignments"] == []
    # Once 2027 is loaded, the same register call is exact and allowed.
    cli("calendar", "load", file_2027)
    later = cli(
        "--strict-calendar", "register", "甲", "--source", "other", "--received", "2026-12-20",
        "--json",
    ).data  # fmt: skip
    assert (later["due"], later["due_provisional"]) == ("2027-01-12", False)


def test_strict_calendar_setting_refuses_and_can_be_overridden(cli):
    cli("config", "strict_calendar", "true")
    assert cli("config", "strict_calendar", "--json").data["value"] == "true"
    refused = cli("register", "甲", "--source", "other", "--received", "2026-12-20", code=4)
    one_line_error(refused)
    assert cli("list", "--json").data == []
    # --lenient-calendar for one run estimates, and says so.
    lenient = cli(
        "--lenient-calendar", "register", "甲", "--source", "other", "--received", "2026-12-20",
        "--json",
    )  # fmt: skip
    assert (lenient.data["due"], lenient.data["due_provisional"]) == ("2027-01-11", True)
    assert "provisional" in lenient.stderr
    assert [m["code"] for m in cli("list", "--json").data] == ["DB-2026-0001"]


def test_a_provisional_deadline_is_marked_in_every_table(cli):
    # Received Mon 2027-03-01, one working day: Tue 03-02, in a year nobody has published.
    registered = cli(
        "register", "估算时限", "--source", "other", "--received", "2027-03-01", "--within", "1"
    )
    assert "2027-03-02 (provisional)" in registered.stdout
    assert "warning: the deadline 2027-03-02 is provisional" in registered.stderr
    cli("unit", "add", "市教育局", "--head", "李明")
    assigned = cli("assign", "DB-2027-0001", "--lead", "市教育局", "--on", "2027-03-01")
    assert "2027-03-02 (provisional)" in assigned.stdout
    for args in (["list"], ["show", "DB-2027-0001"], ["overdue", "--as-of", "2027-03-10"]):
        assert "2027-03-02 (provisional)" in cli(*args).stdout, args
    row = cli("overdue", "--as-of", "2027-03-10", "--json").data[0]
    assert (row["due"], row["due_provisional"]) == ("2027-03-02", True)


def test_history_by_group_lists_every_calendar_change(cli, file_2027):
    cli("register", "甲", "--source", "other", "--received", "2026-12-20")
    cli("calendar", "load", file_2027)
    cli("calendar", "set", "2027-03-01", "--off", "--name", "停电")
    cli("calendar", "recompute")
    actions = [e["action"] for e in cli("history", "--action", "calendar", "--json").data]
    assert actions == ["calendar.load", "calendar.set", "calendar.recompute"]
    only = cli("history", "--action", "calendar.recompute", "--json").data
    assert [(e["code"], e["detail"]["after"]) for e in only] == [("DB-2026-0001", "2027-01-12")]
    result = cli("history", "--action", "bogus", code=2)
    assert "unknown action 'bogus'" in result.stderr


def test_explain_for_a_unit_not_on_the_matter_is_refused_as_report_is(cli):
    """The same case, the same answer: exit 4, naming 第十二条."""
    cli("register", "甲", "--source", "other", "--received", "2026-11-02")
    cli("unit", "add", "市教育局")
    explained = cli("calendar", "explain", "DB-2026-0001", "--unit", "市教育局", code=4)
    reported = cli("report", "DB-2026-0001", "--unit", "市教育局", "--kind", "progress",
                   "--text", "x", "--on", "2026-11-03", code=4)  # fmt: skip
    for result in (explained, reported):
        assert result.stderr.startswith("duban: 第十二条: 市教育局 is not assigned to DB-2026-0001")
