"""Warning lights (红黄绿灯), `due --within` and `summary`: explicit dates only.

The assigned matter (conftest.build_assigned) was received Mon 2026-11-02 and is due Mon
11-23, 15 working days later; 市住房和城乡建设局 leads from Tue 11-03.  A span of up to
30 working days turns yellow 5 working days ahead: Mon 11-16 (11-17 .. 11-23 are five
working days), green on Fri 11-13, red on Tue 11-24.
"""

from __future__ import annotations

import datetime as dt

import pytest

from duban import lights
from duban.errors import BadValue
from duban.settings import parse_thresholds
from duban.workdays import Calendar

HOUSING = "市住房和城乡建设局"
EDUCATION = "市教育局"


def test_thresholds_parse_and_refuse():
    assert parse_thresholds("10:2,30:5,*:10") == ((10, 2), (30, 5), (None, 10))
    assert parse_thresholds("*:3") == ((None, 3),)
    for bad in ("", "10:2", "10:2,5:1,*:3", "*:2,10:1", "a:1,*:2", "10:x,*:2", "0:1,*:2"):
        with pytest.raises(BadValue):
            parse_thresholds(bad)


def test_the_warning_grows_with_the_span():
    judge = lights.Judge.of(Calendar(), "10:2,30:5,*:10")
    assert [judge.warning(n) for n in (0, 10, 11, 30, 31, 200)] == [2, 2, 5, 5, 10, 10]


def test_a_15_day_deadline_at_its_edges():
    judge = lights.Judge.of(Calendar(), "10:2,30:5,*:10")
    due, start = dt.date(2026, 11, 23), dt.date(2026, 11, 2)
    assert judge.span(start, due) == 15
    assert judge.light(dt.date(2026, 11, 13), due, start) == "green"  # 6 working days before
    assert judge.light(dt.date(2026, 11, 16), due, start) == "yellow"  # 5 before
    assert judge.light(due, due, start) == "yellow"  # the deadline day is met
    assert judge.light(dt.date(2026, 11, 24), due, start) == "red"  # the day after
    assert lights.worst(["green", None, "yellow"]) == "yellow"
    assert lights.worst([None]) is None


@pytest.mark.parametrize(
    "as_of, light",
    [("2026-11-13", "green"), ("2026-11-16", "yellow"), ("2026-11-23", "yellow"),
     ("2026-11-24", "red")],
)  # fmt: skip
def test_list_and_show_carry_the_light(cli, json_of, assigned, as_of, light):
    [item] = json_of(cli("list", "--as-of", as_of, "--json"))
    assert (item["code"], item["light"]) == (assigned, light)
    data = json_of(cli("show", assigned, "--as-of", as_of, "--json"))
    by_role = {a["role"]: a["light"] for a in data["assignments"]}
    assert by_role == {"lead": light, "participant": None}


def test_overdue_items_are_red(cli, json_of, assigned):
    [row] = json_of(cli("overdue", "--as-of", "2026-11-24", "--json"))
    assert (row["code"], row["light"]) == (assigned, "red")


def test_a_matter_never_assigned_goes_by_its_own_deadline(cli, json_of, register):
    code = register(received="2026-11-10")["code"]  # due Tue 12-01, 15 working days
    light = {d: json_of(cli("list", "--as-of", d, "--json"))[0]["light"]
             for d in ("2026-11-23", "2026-11-24", "2026-12-02")}  # fmt: skip
    assert light == {"2026-11-23": "green", "2026-11-24": "yellow", "2026-12-02": "red"}
    assert (
        json_of(cli("list", "--light", "red", "--as-of", "2026-12-02", "--json"))[0]["code"] == code
    )


def test_the_light_filter(cli, json_of, assigned, register):
    other = register(received="2026-11-10")["code"]  # never assigned, due 12-01
    codes = {
        light: [m["code"] for m in json_of(
            cli("list", "--light", light, "--as-of", "2026-11-24", "--json")
        )]
        for light in ("red", "yellow", "green")
    }  # fmt: skip
    assert codes == {"red": [assigned], "yellow": [other], "green": []}
    kept = json_of(cli("list", "--light", "黄", "--as-of", "2026-11-24", "--limit", 1, "--json"))
    assert [m["code"] for m in kept] == [other]


def test_a_bad_light_is_refused(cli, assert_error):
    assert_error(cli("list", "--light", "blue"), 2, "blue")


def test_due_within(cli, json_of, assigned, register):
    other = register(received="2026-11-10")["code"]  # never assigned, due Tue 12-01
    # From Mon 11-16: the 5th working day after is Mon 11-23, the assignment's deadline.
    rows = json_of(cli("due", "--within", 5, "--as-of", "2026-11-16", "--json"))
    assert [(r["code"], r["unit"], r["due"], r["workdays_left"], r["light"]) for r in rows] == [
        (assigned, HOUSING, "2026-11-23", 5, "yellow")
    ]
    assert json_of(cli("due", "--within", 4, "--as-of", "2026-11-16", "--json")) == []
    # From Mon 11-23: its own deadline day is not "falling due after" it; 12-01 is the 6th.
    rows = json_of(cli("due", "--within", 6, "--as-of", "2026-11-23", "--json"))
    assert [(r["code"], r["unit"], r["light"]) for r in rows] == [(other, None, "green")]
    assert json_of(cli("due", "--within", 10, "--unit", HOUSING, "--as-of", "2026-11-16",
                       "--json"))[0]["code"] == assigned  # fmt: skip
    assert json_of(cli("due", "--within", 10, "--unit", EDUCATION, "--as-of", "2026-11-16",
                       "--json")) == []  # fmt: skip


def test_due_within_zero_is_refused(cli, assert_error):
    assert_error(cli("due", "--within", 0), 2, "--within")


def test_summary(cli, json_of, assigned, register):
    register(received="2026-11-10")  # never assigned, due Tue 12-01
    data = json_of(cli("summary", "--as-of", "2026-11-24", "--json"))
    assert data == {
        "as_of": "2026-11-24",
        "open": 2,
        "due_this_week": 1,  # 12-01 is the 5th working day after 11-24
        "overdue": 1,
        "closed_this_month": 0,
        "by_unit": [{"unit": HOUSING, "open": 1, "due_this_week": 0, "overdue": 1}],
    }
    data = json_of(cli("summary", "--as-of", "2026-11-16", "--json"))
    assert (data["open"], data["due_this_week"], data["overdue"]) == (2, 1, 0)
    assert data["by_unit"] == [{"unit": HOUSING, "open": 1, "due_this_week": 1, "overdue": 0}]


def test_chinese_tables_say_the_light(cli, assigned):
    result = cli("list", "--as-of", "2026-11-16", env={"DUBAN_LANG": "zh"})
    assert result.exit_code == 0, result.stderr
    assert "亮灯" in result.stdout and "黄" in result.stdout
    result = cli("overdue", "--as-of", "2026-11-24", env={"DUBAN_LANG": "zh"})
    assert "红" in result.stdout
    result = cli("list", "--as-of", "2026-11-13")
    assert "green" in result.stdout


def test_a_bad_threshold_setting_is_refused(cli, assert_error, json_of, assigned):
    assert_error(cli("config", "light_thresholds", "10:2,5:1"), 2, "10:2,5:1")
    assert cli("config", "light_thresholds", "30:10,*:10").exit_code == 0
    # Now a 15-day deadline warns 10 working days ahead: Mon 11-09 is yellow.
    [item] = json_of(cli("list", "--as-of", "2026-11-09", "--json"))
    assert item["light"] == "yellow"
