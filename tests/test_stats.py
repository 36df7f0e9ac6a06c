"""Scorecards (`duban stats`, 第二十一条) against a register with a known story.

The story (build_story): seven matters received Mon 2026-11-02, each with one lead unit
notified Tue 11-03 with an explicit deadline.  November is the period.

- DB-2026-0001 住建 due 11-20: final report 11-18, accepted 11-19 (on time); closed 11-20.
- DB-2026-0002 住建 due 11-25: final 11-24, accepted 11-25 (on time); closed 11-26.
- DB-2026-0003 生态 due 11-20: final 11-26, accepted 11-27 (late); closed 11-27.
- DB-2026-0004 自然资源 due 11-20: urged 11-23 and 11-25, never reports (overdue, urged).
- DB-2026-0005 教育 due 11-20: final 11-18 returned 11-19 with rework due 11-27; final
  again 11-26, accepted 11-27: on time by the rework deadline, not by the original.
- DB-2026-0006 东胜区 due 11-20: explanation 11-16 asking for 12-04, accepted 11-17
  (extended); final 12-03, accepted 12-04.
- DB-2026-0007 生态 due 11-25: explanation 11-24 asking for 12-10, accepted only on
  12-02 (after November); final 12-07, accepted 12-08.  Overdue at the end of
  November (never urged); on time in November–December.
- DB-2026-0008 自然资源 due 11-20, restricted (第三条), never reports.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import add_units, enter_report, json_of, register_matter

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
RESOURCES = "市自然资源局"
EDUCATION = "市教育局"
DONGSHENG = "东胜区人民政府"

NOV = ("--from", "2026-11-01", "--to", "2026-11-30", "--as-of", "2026-12-31")


def _matter(cli, unit, due, *extra, title=None):
    code = register_matter(cli, *extra, title=title or f"{unit}督办事项{due}")["code"]
    result = cli("assign", code, "--lead", unit, "--due", due, "--on", "2026-11-03")
    assert result.exit_code == 0, result.stderr
    return code


def _accept(cli, report, on):
    result = cli("review", str(report["id"]), "--accept", "--on", on)
    assert result.exit_code == 0, result.stderr


def build_story(cli):
    add_units(cli)
    m1 = _matter(cli, HOUSING, "2026-11-20")
    m2 = _matter(cli, HOUSING, "2026-11-25")
    m3 = _matter(cli, ECOLOGY, "2026-11-20")
    m4 = _matter(cli, RESOURCES, "2026-11-20")
    m5 = _matter(cli, EDUCATION, "2026-11-20")
    m6 = _matter(cli, DONGSHENG, "2026-11-20")
    m7 = _matter(cli, ECOLOGY, "2026-11-25")
    _matter(cli, RESOURCES, "2026-11-20", "--restricted", title="涉密事项")

    _accept(cli, enter_report(cli, m1, HOUSING, on="2026-11-18"), "2026-11-19")
    cli.check("close", m1, "--on", "2026-11-20")
    _accept(cli, enter_report(cli, m2, HOUSING, on="2026-11-24"), "2026-11-25")
    cli.check("close", m2, "--on", "2026-11-26")
    _accept(cli, enter_report(cli, m3, ECOLOGY, on="2026-11-26"), "2026-11-27")
    cli.check("close", m3, "--on", "2026-11-27")

    cli.check("urge", m4, "--on", "2026-11-23")
    cli.check("urge", m4, "--on", "2026-11-25")

    first = enter_report(cli, m5, EDUCATION, on="2026-11-18")
    cli.check(
        "review", str(first["id"]), "--return", "--reason", "未附整改清单",
        "--due", "2026-11-27", "--on", "2026-11-19",
    )  # fmt: skip
    _accept(cli, enter_report(cli, m5, EDUCATION, on="2026-11-26"), "2026-11-27")

    ask = enter_report(
        cli, m6, DONGSHENG, "--propose-due", "2026-12-04", kind="explanation", on="2026-11-16"
    )
    _accept(cli, ask, "2026-11-17")
    _accept(cli, enter_report(cli, m6, DONGSHENG, on="2026-12-03"), "2026-12-04")

    ask = enter_report(
        cli, m7, ECOLOGY, "--propose-due", "2026-12-10", kind="explanation", on="2026-11-24"
    )
    _accept(cli, ask, "2026-12-02")
    _accept(cli, enter_report(cli, m7, ECOLOGY, on="2026-12-07"), "2026-12-08")


@pytest.fixture
def story(template):
    template("stats-story", build_story)


def by_unit(rows):
    return {row["unit"]: row for row in rows}


FIELDS = ("due", "on_time", "on_time_original", "late", "overdue", "urged_overdue",
          "returned", "extended", "median_days", "on_time_rate", "rank")  # fmt: skip


def figures(row):
    return tuple(row[k] for k in FIELDS)


def test_every_figure_of_november(cli, story):
    rows = cli.check("stats", *NOV, "--json").data
    assert [r["unit"] for r in rows] == [HOUSING, EDUCATION, DONGSHENG, ECOLOGY, RESOURCES]
    got = {r["unit"]: figures(r) for r in rows}
    # Working days from the notification (11-03) to the accepted report's receipt:
    # 11-18: 11, 11-24: 15, 11-26: 17.
    assert got == {
        #           due on_time orig late overdue urged returned extended median rate rank
        HOUSING: (2, 2, 2, 0, 0, 0, 0, 0, 13, 1.0, 1),
        EDUCATION: (1, 1, 0, 0, 0, 0, 1, 0, 17, 1.0, 1),
        DONGSHENG: (1, 0, 0, 0, 0, 0, 0, 1, None, 0.0, 3),
        ECOLOGY: (2, 0, 0, 1, 1, 0, 0, 0, 17, 0.0, 4),
        RESOURCES: (1, 0, 0, 0, 1, 1, 0, 0, None, 0.0, 4),
    }


def test_a_past_period_is_judged_as_it_stood_then(cli, story):
    """As of 11-26, the reports accepted after it count for nothing yet."""
    rows = by_unit(cli.check("stats", *NOV[:4], "--as-of", "2026-11-26", "--json").data)
    assert figures(rows[HOUSING])[:5] == (2, 2, 2, 0, 0)
    # 生态: the late report arrived 11-26 but was accepted 11-27; the other matter is
    # overdue since 11-25.
    assert figures(rows[ECOLOGY])[:6] == (2, 0, 0, 0, 2, 0)
    # 教育's rework deadline (11-27) has not passed: nothing overdue, nothing done.
    assert figures(rows[EDUCATION])[:7] == (1, 0, 0, 0, 0, 0, 1)
    # --to earlier than the day asked: the period's end is the day judged.
    same = cli.check("stats", "--from", "2026-11-01", "--to", "2026-11-26", "--as-of",
                     "2026-12-31", "--json").data  # fmt: skip
    assert by_unit(same)[ECOLOGY]["overdue"] == 2


def test_an_extension_granted_after_the_period_does_not_make_it_on_time(cli, story):
    autumn = by_unit(cli.check("stats", "--from", "2026-11-01", "--to", "2026-12-31",
                               "--as-of", "2026-12-31", "--json").data)  # fmt: skip
    # November and December together: DB-2026-0007 done by its extended deadline.
    assert figures(autumn[ECOLOGY])[:8] == (2, 1, 0, 1, 0, 0, 0, 1)
    assert figures(autumn[DONGSHENG])[:8] == (1, 1, 0, 0, 0, 0, 0, 1)
    december = by_unit(cli.check("stats", "--from", "2026-12-01", "--to", "2026-12-31",
                                 "--as-of", "2026-12-31", "--json").data)  # fmt: skip
    assert december[ECOLOGY]["extended"] == 1 and december[ECOLOGY]["due"] == 0
    assert december[ECOLOGY]["on_time_rate"] is None and december[ECOLOGY]["rank"] is None


def test_restricted_matters_stay_out_unless_asked_and_the_asking_is_recorded(cli, story):
    assert by_unit(cli.check("stats", *NOV, "--json").data)[RESOURCES]["due"] == 1
    rows = by_unit(cli.check("stats", *NOV, "--include-restricted", "--json").data)
    assert figures(rows[RESOURCES])[:6] == (2, 0, 0, 0, 2, 1)
    entries = json_of(cli("history", "--action", "restricted.include", "--json"))
    assert len(entries) == 1
    assert entries[0]["detail"]["command"] == "stats"
    assert entries[0]["detail"]["codes"] == ["DB-2026-0008"]


def test_one_unit(cli, story):
    rows = cli.check("stats", *NOV, "--unit", "jyj", "--json").data
    assert [(r["unit"], r["due"], r["returned"]) for r in rows] == [(EDUCATION, 1, 1)]
    nothing = cli.check("stats", *NOV, "--unit", "市教育局", "--from", "2026-01-01",
                        "--to", "2026-01-31", "--json").data  # fmt: skip
    assert [figures(r) for r in nothing] == [(0,) * 8 + (None, None, None)]


def test_by_source_and_by_month(cli, story):
    cli.check("stats", *NOV, "--json")
    sources = cli.check("stats", *NOV, "--by", "source", "--json").data
    assert [(r["source"], r["proposal_by"], r["due"], r["on_time"]) for r in sources] == [
        ("instruction", None, 7, 3)
    ]
    months = cli.check("stats", "--from", "2026-11-01", "--to", "2026-12-31", "--as-of",
                       "2026-12-31", "--by", "月份", "--json").data  # fmt: skip
    # Assignments by the month of their original deadline; the extensions by the month
    # they were granted (11-17 and 12-02).
    assert [(r["month"], r["due"], r["on_time"], r["extended"]) for r in months] == [
        ("2026-11", 7, 5, 1),
        ("2026-12", 0, 0, 1),
    ]


def test_csv_and_table(cli, story):
    out = cli.check("stats", *NOV, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["unit", *FIELDS]
    assert (rows[0]["unit"], rows[0]["due"], rows[0]["on_time_rate"]) == (HOUSING, "2", "1.0")
    table = cli.check("stats", *NOV, env={"COLUMNS": "200"}).stdout
    assert "██████████ 100%" in table and "░░░░░░░░░░   0%" in table
    assert "Scorecards 2026-11-01 to 2026-11-30" in table
    chinese = cli.check("stats", *NOV, "--lang", "zh", env={"COLUMNS": "200"}).stdout
    assert "按时办结率" in chinese and "督查评价" in chinese and "催办后仍逾期" in chinese


def test_refusals(cli, story, assert_error):
    assert_error(cli("stats", "--from", "2026-12-01", "--to", "2026-11-01"), 2, "--from")
    assert_error(cli("stats", "--from", "2026-13-01", "--to", "2026-11-30"), 2)
    assert_error(cli("stats", *NOV, "--by", "weather"), 2, "weather")
    assert_error(cli("stats", *NOV, "--unit", "不存在的单位"), 3)
