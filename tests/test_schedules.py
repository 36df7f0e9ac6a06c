"""Reading a year's schedule (duban.schedules) and loading it with `duban calendar load`.

A good file is the whole schedule of its year; a bad one is refused with exit 2, one
line on stderr, and nothing is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import DAYS_2027, FIXED_NOW, Cli

from duban.errors import BadValue
from duban.schedules import parse_holiday_cn, parse_ics, read_schedule
from duban.workdays import Calendar, Day

D = dt.date
HOLIDAY_CN = Path(__file__).resolve().parent / "data" / "holiday-cn"


@pytest.fixture
def cli(checked_cli):
    """This module's `cli` checks the exit code and parses the JSON (conftest.checked_cli)."""
    return checked_cli


def holiday_cn(days, year=2027, papers=()):
    return json.dumps(
        {
            "year": year,
            "papers": list(papers),
            "days": [{"name": n, "date": d, "isOffDay": off} for d, off, n in days],
        },
        ensure_ascii=False,
    )


# The small 2027 schedule (conftest.DAYS_2027) in both formats: 元旦 off 01-01 (Fri) and 01-04, 01-05
# (Mon, Tue), make-up Saturday 01-09; 春节 off 02-06..12, make-up Saturday 02-20.

ICS_2027 = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//holidays//ZH",
        "BEGIN:VEVENT",
        "UID:1@test",
        "DTSTART;VALUE=DATE:20270101",
        "DTEND;VALUE=DATE:20270102",
        "SUMMARY:元旦 假期",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:2@test",
        "DTSTART;VALUE=DATE:20270104",
        "DTEND;VALUE=DATE:20270106",
        "SUMMARY:元旦 假期",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:3@test",
        "DTSTART;VALUE=DATE:20270109",
        "SUMMARY:元旦 补班",  # no DTEND: one day
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:4@test",
        "DTSTART;VALUE=DATE:20270206",
        "DTEND;VALUE=DATE:20270213",  # exclusive: 02-06..12
        "SUMMARY:春节 假期",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:5@test",
        "DTSTART;VALUE=DATE:20270220",
        "DTEND;VALUE=DATE:20270221",
        "SUMMARY:春节 补",
        " 班",  # a folded line (RFC 5545 §3.1): the summary is 春节 补班
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)

EXPECTED_2027 = {D.fromisoformat(d): Day(off, n) for d, off, n in DAYS_2027}


# -- holiday-cn JSON --------------------------------------------------------------------


def test_holiday_cn_is_read_day_by_day():
    parsed = parse_holiday_cn(holiday_cn(DAYS_2027, papers=["https://example"]), "2027.json")
    assert parsed.year == 2027
    assert parsed.days == EXPECTED_2027
    assert parsed.papers == ["https://example"]


def test_a_day_listed_twice_the_same_way_is_fine():
    parsed = parse_holiday_cn(
        holiday_cn([("2027-01-01", True, ""), ("2027-01-01", True, "元旦")]), "x.json"
    )
    assert parsed.days == {D(2027, 1, 1): Day(True, "元旦")}


BAD_JSON = {
    "a day outside the year": (
        holiday_cn([("2027-01-01", True, "元旦"), ("2026-12-31", True, "元旦")]),
        "2026-12-31 is not in 2027",
    ),
    "an impossible date": (holiday_cn([("2027-02-30", True, "春节")]), "bad date '2027-02-30'"),
    "not a date": (holiday_cn([("not a date", True, "春节")]), "bad date 'not a date'"),
    "both off and work": (
        holiday_cn([("2027-02-06", True, "春节"), ("2027-02-06", False, "春节")]),
        "both as a day off and as a working day",
    ),
    "not JSON": ('{"year": 2027, "days": [', "not valid JSON"),
    "no isOffDay": (
        json.dumps({"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01"}]}),
        "isOffDay",
    ),
    "isOffDay not a boolean": (
        json.dumps({"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": "true"}]}),
        "isOffDay",
    ),
    "no days": (json.dumps({"year": 2027}), "holiday-cn format"),
    "a year that is not a number": (json.dumps({"year": "2027", "days": []}), '"year"'),
    "a year out of range": (holiday_cn([], year=2100), "outside 2004–2099"),
    "a list, not an object": ("[]", "holiday-cn format"),
}


@pytest.mark.parametrize("text,message", BAD_JSON.values(), ids=list(BAD_JSON))
def test_bad_holiday_cn_is_refused_saying_why(text, message):
    with pytest.raises(BadValue) as exc:
        parse_holiday_cn(text, "2027.json")
    assert message in exc.value.message
    assert exc.value.message.startswith("2027.json: ")
    assert exc.value.exit_code == 2


def test_a_file_named_for_one_year_holding_another_is_refused(tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(holiday_cn([("2026-10-01", True, "国庆节")], year=2026), encoding="utf-8")
    with pytest.raises(BadValue, match="named for 2027 but holds 2026"):
        read_schedule(path)
    other = path.rename(tmp_path / "schedule.json")
    assert read_schedule(other).year == 2026  # a name that is not a year says nothing
    with pytest.raises(BadValue, match="holds 2026, not 2027"):
        read_schedule(other, 2027)


def test_read_schedule_takes_a_bom_and_refuses_what_it_cannot_read(tmp_path):
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + holiday_cn(DAYS_2027).encode("utf-8"))
    assert read_schedule(bom).days == EXPECTED_2027
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(holiday_cn(DAYS_2027).encode("gbk"))
    with pytest.raises(BadValue, match="not UTF-8"):
        read_schedule(gbk)
    with pytest.raises(BadValue, match="cannot read"):
        read_schedule(tmp_path / "missing.json")


# -- iCalendar --------------------------------------------------------------------------


def test_ics_is_read_like_the_json_equivalent():
    parsed = parse_ics(ICS_2027, "2027.ics")
    assert parsed.year == 2027
    assert {d: e.off for d, e in parsed.days.items()} == {
        d: e.off for d, e in EXPECTED_2027.items()
    }
    assert {d: e.name for d, e in parsed.days.items()} == {
        d: e.name for d, e in EXPECTED_2027.items()
    }


def one_event_ics(*lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "BEGIN:VEVENT", *lines, "END:VEVENT", "END:VCALENDAR", ""]
    )


@pytest.mark.parametrize("duration", ["P7D", "P1W", "p1w"])
def test_an_ics_event_may_give_its_length_as_a_duration(duration):
    # RFC 5545: an event has DTEND or DURATION; 7 days from 02-06 are 02-06..12.
    parsed = parse_ics(
        one_event_ics("DTSTART;VALUE=DATE:20270206", f"DURATION:{duration}", "SUMMARY:春节 假期"),
        "x.ics",
    )
    assert sorted(parsed.days) == [D(2027, 2, 6) + dt.timedelta(days=k) for k in range(7)]
    assert all(e == Day(True, "春节") for e in parsed.days.values())


def test_an_ics_duration_in_hours_is_refused_not_misread():
    with pytest.raises(BadValue, match="DURATION 'PT24H'"):
        parse_ics(one_event_ics("DTSTART:20270206", "DURATION:PT24H", "SUMMARY:春节"), "x.ics")


def multi_year_ics() -> str:
    extra = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20261001",
            "DTEND;VALUE=DATE:20261008",
            "SUMMARY:国庆节 假期",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
    return ICS_2027.replace("END:VCALENDAR", extra)


def test_a_multi_year_ics_needs_a_year():
    with pytest.raises(BadValue, match="holds 2026, 2027: choose one year with --year"):
        parse_ics(multi_year_ics(), "all.ics")
    assert parse_ics(multi_year_ics(), "all.ics", 2027).days == parse_ics(ICS_2027, "x").days
    assert len(parse_ics(multi_year_ics(), "all.ics", 2026).days) == 7
    with pytest.raises(BadValue, match="no days of 2028"):
        parse_ics(multi_year_ics(), "all.ics", 2028)


OUT_OF_RANGE_ICS = (
    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:21000101\nSUMMARY:元旦 假期\n"
    "END:VEVENT\nEND:VCALENDAR\n"
)


@pytest.mark.parametrize(
    "text,message",
    [
        ("BEGIN:VEVENT\nEND:VEVENT\n", "not an iCalendar file"),
        ("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "no days"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270230\nEND:VEVENT\nEND:VCALENDAR\n",
            "bad iCalendar date '20270230'",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270105\nDTEND:20270104\n"
            "END:VEVENT\nEND:VCALENDAR\n",
            "ends",
        ),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n", "no DTSTART"),
        (OUT_OF_RANGE_ICS, "year 2100 is outside 2004–2099"),
        (OUT_OF_RANGE_ICS.replace("2100", "2003"), "year 2003 is outside 2004–2099"),
    ],
    ids=["no VCALENDAR", "no events", "20270230", "ends first", "no DTSTART", "2100", "2003"],
)
def test_bad_ics_is_refused_saying_why(text, message):
    with pytest.raises(BadValue, match=message):
        parse_ics(text, "x.ics")


# -- duban calendar load ----------------------------------------------------------------


def sources(cli) -> list[dict]:
    return cli("calendar", "sources", "--json").data


@pytest.mark.parametrize(
    "name,text",
    [
        ("2027.json", BAD_JSON["a day outside the year"][0]),
        ("2027.json", holiday_cn([("2026-10-01", True, "国庆节")], year=2026)),
        ("2027.json", BAD_JSON["an impossible date"][0]),
        ("2027.json", BAD_JSON["not a date"][0]),
        ("2027.json", BAD_JSON["both off and work"][0]),
        ("2027.json", BAD_JSON["not JSON"][0]),
        ("2027.json", BAD_JSON["no isOffDay"][0]),
        ("2027.ics", multi_year_ics()),
        ("2027.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n"),
        ("2100.ics", OUT_OF_RANGE_ICS),
    ],
    ids=[
        "date outside the year",
        "2027.json holding 2026",
        "2027-02-30",
        "not a date",
        "both off and work",
        "not JSON",
        "no isOffDay",
        "multi-year ics without --year",
        "empty ics",
        "ics of 2100",
    ],
)
def test_a_bad_file_is_refused_and_loads_nothing(cli, tmp_path, name, text):
    before = sources(cli)
    add_before = cli("calendar", "add", "2026-12-20", "15", "--json").data
    # Part of the file is good: nothing of it may be loaded.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli("calendar", "load", path, code=2)
    assert result.stdout == ""
    assert result.stderr.startswith("duban: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert sources(cli) == before
    assert [r for r in before if r["year"] == 2027][0]["provisional"] is True
    assert cli("calendar", "add", "2026-12-20", "15", "--json").data == add_before
    assert add_before == {"start": "2026-12-20", "n": 15, "due": "2027-01-11", "provisional": True}


def test_a_missing_file_is_refused(cli, tmp_path):
    result = cli("calendar", "load", tmp_path / "2027.json", code=2)
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_real_files_load_and_agree_with_the_package_every_day(cli, year):
    loaded = cli("calendar", "load", HOLIDAY_CN / f"{year}.json", "--json").data
    assert loaded == {"year": year, "source": f"{year}.json", "loaded_by": "tester"}
    row = [r for r in sources(cli) if r["year"] == year][0]
    assert row["source"] == f"loaded: {year}.json" and row["provisional"] is False
    assert row["loaded_by"] == "tester"
    package = Calendar()
    for month in range(1, 13):
        shown = cli("calendar", "show", f"{year}-{month:02d}", "--json").data
        expected = [
            {
                "date": info.date.isoformat(),
                "workday": info.workday,
                "kind": info.kind,
                "provisional": False,
            }
            for info in package.days(
                D(year, month, 1),
                (D(year, month % 12 + 1, 1) if month < 12 else D(year + 1, 1, 1))
                - dt.timedelta(days=1),
            )
        ]
        assert [{k: v for k, v in d.items() if k != "name"} for d in shown] == expected
    total = cli("calendar", "between", f"{year - 1}-12-31", f"{year}-12-31", "--json").data
    assert total["workdays"] == package.count(D(year - 1, 12, 31), D(year, 12, 31))


def test_loading_2027_changes_its_answers(cli, tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(holiday_cn(DAYS_2027), encoding="utf-8")
    result = cli("calendar", "load", path)
    assert "loaded the 2027 schedule" in result.stderr
    # 12-21..31 = 9; 01-01, 04, 05 off; 01-06..08 = 12; 01-09 Sat = 13; 01-11 = 14; 01-12 = 15.
    assert cli("calendar", "add", "2026-12-20", "15", "--json").data == {
        "start": "2026-12-20",
        "n": 15,
        "due": "2027-01-12",
        "provisional": False,
    }
    row = [r for r in sources(cli) if r["year"] == 2027][0]
    assert (row["source"], row["provisional"]) == ("loaded: 2027.json", False)
    # Loading it again replaces it; the answers stay.
    cli("calendar", "load", path)
    assert cli("calendar", "add", "2026-12-20", "15", "--json").data["due"] == "2027-01-12"


def test_an_ics_loads_like_the_json_equivalent(tmp_path):
    answers = []
    for name, text in (("2027.json", holiday_cn(DAYS_2027)), ("2027.ics", ICS_2027)):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        path = folder / name
        path.write_text(text, encoding="utf-8")
        cli = Cli(folder / "r.db", env={"DUBAN_NOW": FIXED_NOW})
        cli.check("calendar", "load", path, "--json")
        shown = []
        for args in (
            ["calendar", "show", "2027-01", "--json"],
            ["calendar", "show", "2027-02", "--json"],
            ["calendar", "add", "2026-12-20", "15", "--json"],
            ["calendar", "add", "2027-02-05", "10", "--json"],
        ):
            shown.append(cli.check(*args).data)
        answers.append(shown)
    assert answers[0] == answers[1]
    # 02-08..12 off (春节); 02-15..19 = 5; 02-20 Sat make-up = 6; 02-22..25 = 10.
    assert answers[1][3]["due"] == "2027-02-25" and answers[1][3]["provisional"] is False
    kinds = {d["date"]: d["kind"] for d in answers[1][1]}
    assert kinds["2027-02-06"] == "holiday" and kinds["2027-02-20"] == "makeup"


def test_a_multi_year_ics_loads_with_year(cli, tmp_path):
    path = tmp_path / "holidays.ics"
    path.write_text(multi_year_ics(), encoding="utf-8")
    result = cli("calendar", "load", path, code=2)
    assert "--year" in result.stderr and result.stderr.count("\n") == 1
    assert cli("calendar", "load", path, "--year", "2027", "--json").data["year"] == 2027
    assert cli("calendar", "day", "2027-01-09", "--json").data["kind"] == "makeup"
    row = [r for r in sources(cli) if r["year"] == 2027][0]
    assert (row["source"], row["provisional"]) == ("loaded: holidays.ics", False)
    # Only 2027 was taken: 2026 is still the package's.
    assert [r for r in sources(cli) if r["year"] == 2026][0]["source"].startswith("chinese")
    result = cli("calendar", "load", path, "--year", "2028", code=2)
    assert "no days of 2028" in result.stderr
