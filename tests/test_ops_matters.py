"""duban.ops.matters in-process: register_matter and find_matter, as a Python user calls them.

Each test runs on a fresh register, on SQLite and on PostgreSQL (the `ctx` fixture).
Expected deadlines were counted by hand on the 2026 calendar (see test_cycle.py's
docstring); the start day never counts.  2027 has no published schedule in the package,
so a count that reaches it is an estimate (provisional).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import TEST_USER, changed
from sqlmodel import select

from duban import deadlines
from duban.errors import BadValue, NotFound, Refused
from duban.models import Deadline, HistoryEntry, Matter
from duban.ops.config import set_setting
from duban.ops.matters import find_matter, register_matter
from duban.workdays import add_workdays

NOV_2 = dt.date(2026, 11, 2)  # a Monday


def register(ctx, title="研究解决城区供暖问题", *, received=NOV_2, source="instruction", **options):
    return register_matter(ctx, title, source=source, received=received, **options)


def matters(ctx):
    return list(ctx.session.exec(select(Matter).order_by(Matter.id)))


# -- codes ----------------------------------------------------------------------------


def test_codes_are_numbered_within_the_year_received(ctx):
    made = [
        register(ctx, "甲", received=dt.date(2026, 11, 2)),
        register(ctx, "乙", received=dt.date(2026, 11, 3)),
        register(ctx, "丙", received=dt.date(2025, 12, 30)),
        register(ctx, "丁", received=dt.date(2026, 11, 4)),
    ]
    assert [(m.code, m.year, m.seq) for m in made] == [
        ("DB-2026-0001", 2026, 1),
        ("DB-2026-0002", 2026, 2),
        ("DB-2025-0001", 2025, 1),
        ("DB-2026-0003", 2026, 3),
    ]


def test_numbering_continues_in_a_later_transaction(fresh_db):
    with changed(fresh_db) as ctx:
        register(ctx)
    with changed(fresh_db) as ctx:
        assert register(ctx, received=dt.date(2026, 12, 1)).code == "DB-2026-0002"
    with changed(fresh_db) as ctx:
        assert [m.code for m in matters(ctx)] == ["DB-2026-0001", "DB-2026-0002"]


# -- the deadline ---------------------------------------------------------------------


def test_default_deadline_is_15_working_days_after_receipt(ctx):
    # Mon 11-02 is not counted: 11-03..06 (4), 09..13 (9), 16..20 (14), Mon 11-23 (15).
    matter = register(ctx, received=NOV_2)
    row = deadlines.current(ctx, matter)
    assert (row.due_on, row.within, row.counted_from, row.provisional) == (
        dt.date(2026, 11, 23),
        15,
        NOV_2,
        False,
    )
    assert matter.received_on == NOV_2
    assert matter.status == "registered"
    assert ctx.warnings == []


def test_within_counts_across_national_day(ctx):
    # Wed 09-30 not counted; 10-01..07 off; 08, 09, Sat 10 (make-up), 12..16, 19..23,
    # 26, 27: the 15th working day is Tue 10-27.
    received = dt.date(2026, 9, 30)
    matter = register(ctx, received=received, within=15)
    due = deadlines.current(ctx, matter).due_on
    assert due == add_workdays(received, 15) == dt.date(2026, 10, 27)


def test_within_a_few_days(ctx):
    # Fri 11-06 not counted: Mon 11-09, Tue 11-10, Wed 11-11.
    matter = register(ctx, received=dt.date(2026, 11, 6), within=3)
    row = deadlines.current(ctx, matter)
    assert (row.due_on, row.within, row.counted_from) == (
        dt.date(2026, 11, 11),
        3,
        dt.date(2026, 11, 6),
    )


def test_a_due_date_on_a_rest_day_runs_to_the_next_working_day(ctx):
    saturday, monday = dt.date(2026, 11, 28), dt.date(2026, 11, 30)
    matter = register(ctx, received=NOV_2, due=saturday)
    row = deadlines.current(ctx, matter)
    assert (row.due_on, row.within, row.counted_from, row.provisional) == (
        monday,
        None,
        None,
        False,
    )
    assert "2026-11-28 is a rest day" in ctx.warnings[-1]


def test_a_due_date_is_kept_exactly_as_given_when_the_setting_says_keep(ctx):
    set_setting(ctx, "rest_day_due", "keep")
    saturday = dt.date(2026, 11, 28)
    matter = register(ctx, received=NOV_2, due=saturday)
    assert deadlines.current(ctx, matter).due_on == saturday


def test_a_due_date_on_the_received_day_is_kept(ctx):
    assert deadlines.current(ctx, register(ctx, received=NOV_2, due=NOV_2)).due_on == NOV_2


# -- bad values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"due": dt.date(2026, 11, 1)}, "before 2026-11-02"),
        ({"due": dt.date(2026, 12, 1), "within": 3}, "not both"),
        ({"within": 0}, "--within must be 1 or more"),
        ({"due": dt.date(2100, 1, 4)}, "outside the calendar"),
        ({"handling": "somehow"}, "unknown handling 'somehow'"),
        ({"reporting": "weekly"}, "unknown reporting mode 'weekly'"),
    ],
)
def test_bad_deadlines_and_values_are_bad_values(ctx, options, fragment):
    with pytest.raises(BadValue, match=fragment) as caught:
        register(ctx, received=NOV_2, **options)
    assert caught.value.exit_code == 2
    assert matters(ctx) == []


@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
def test_a_blank_title_is_a_bad_value(ctx, title):
    with pytest.raises(BadValue, match="a matter needs a title"):
        register(ctx, title)
    assert matters(ctx) == []


def test_an_unknown_source_is_a_bad_value_that_lists_the_sources(ctx):
    with pytest.raises(BadValue, match="unknown source 'rumour'") as caught:
        register(ctx, source="rumour")
    assert "instruction (领导批示)" in caught.value.message
    assert matters(ctx) == []


def test_the_title_is_stripped(ctx):
    assert register(ctx, "  研究解决城区供暖问题 \n").title == "研究解决城区供暖问题"


# -- vocabularies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("批示", "instruction"),
        ("领导批示", "instruction"),
        ("instruction", "instruction"),
        ("Instruction", "instruction"),
        ("会议", "meeting"),
        ("提案", "proposal"),
    ],
)
def test_source_is_stored_as_the_english_word(fresh_db, typed, stored):
    with changed(fresh_db) as ctx:
        register(ctx, source=typed)
    with changed(fresh_db) as ctx:
        assert find_matter(ctx, "DB-2026-0001").source == stored


def test_handling_and_reporting_accept_chinese_terms(ctx):
    matter = register(ctx, handling="调查核实", reporting="随办随报")
    assert (matter.handling, matter.reporting) == ("investigate", "immediate")


def test_optional_fields_are_stripped_and_blank_is_none(ctx):
    matter = register(ctx, ref=" 鄂府办发〔2026〕12号 ", leader="  ", note="")
    assert (matter.source_ref, matter.leader, matter.note) == ("鄂府办发〔2026〕12号", None, None)


# -- an unpublished year --------------------------------------------------------------


def test_a_deadline_reaching_2027_is_provisional_with_a_warning(ctx):
    # Sun 2026-12-20 not counted: 12-21..25 (5), 28..31 (9); 2027 estimated: 01-01 off
    # (元旦), 01-04..08 (14), Mon 01-11 (15).
    matter = register(ctx, received=dt.date(2026, 12, 20))
    row = deadlines.current(ctx, matter)
    assert (row.due_on, row.provisional, row.within, row.counted_from) == (
        dt.date(2027, 1, 11),
        True,
        15,
        dt.date(2026, 12, 20),
    )
    assert len(ctx.warnings) == 1
    assert ctx.warnings[0].startswith("the deadline 2027-01-11 is provisional")
    assert "2027" in ctx.warnings[0].split("schedule of")[1]


def test_a_deadline_given_as_a_date_in_2027_is_not_provisional(ctx):
    matter = register(ctx, received=dt.date(2026, 12, 20), due=dt.date(2027, 1, 15))
    assert deadlines.current(ctx, matter).provisional is False
    assert ctx.warnings == []


def test_a_strict_calendar_refuses_a_deadline_reaching_2027(ctx):
    ctx.strict_calendar = True
    with pytest.raises(Refused, match="schedule of 2027 is not loaded") as caught:
        register(ctx, received=dt.date(2026, 12, 20))
    assert caught.value.article == "strict calendar"
    assert caught.value.exit_code == 4
    assert ctx.warnings == []
    assert matters(ctx) == []
    # Within 2026 the strict calendar has nothing to refuse.
    assert register(ctx, received=NOV_2).code == "DB-2026-0001"


def test_the_strict_calendar_setting_refuses_too(fresh_db):
    with changed(fresh_db) as ctx:
        set_setting(ctx, "strict_calendar", "true")
    with pytest.raises(Refused, match="2027"), changed(fresh_db) as ctx:
        register(ctx, received=dt.date(2026, 12, 20))
    with changed(fresh_db) as ctx:
        assert matters(ctx) == []
        # --lenient-calendar for one run: the estimate is kept.
        ctx.strict_calendar = False
        matter = register(ctx, received=dt.date(2026, 12, 20))
        assert deadlines.current(ctx, matter).provisional is True


# -- find_matter ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["DB-2026-0002", "db-2026-0002", " Db-2026-0002 "])
def test_find_matter_ignores_case_and_spaces(ctx, typed):
    register(ctx)
    second = register(ctx, "第二件")
    assert find_matter(ctx, typed).id == second.id


@pytest.mark.parametrize("typed", ["DB-2026-0003", "DB-2025-0001", "2025-0001", "2026-3", ""])
def test_find_matter_of_an_unknown_code_is_not_found(ctx, typed):
    register(ctx)
    register(ctx, "第二件")
    with pytest.raises(NotFound, match="duban list") as caught:
        find_matter(ctx, typed)
    assert caught.value.exit_code == 3
    assert repr(typed) in caught.value.message


# -- what a registration writes -------------------------------------------------------


def test_each_registration_writes_one_history_entry_and_one_deadline_row(fresh_db):
    with changed(fresh_db) as ctx:
        register(ctx, "甲", received=NOV_2)
    with changed(fresh_db) as ctx:
        register(ctx, "乙", received=dt.date(2026, 11, 6), within=3, source="会议")
    with changed(fresh_db) as ctx:
        first, second = matters(ctx)
        entries = list(ctx.session.exec(select(HistoryEntry).order_by(HistoryEntry.id)))
        rows = list(ctx.session.exec(select(Deadline).order_by(Deadline.id)))
    assert [(e.matter_id, e.action, e.effective_on, e.actor) for e in entries] == [
        (first.id, "matter.register", NOV_2, TEST_USER),
        (second.id, "matter.register", dt.date(2026, 11, 6), TEST_USER),
    ]
    detail = json.loads(entries[1].detail)
    assert {k: detail[k] for k in ("code", "title", "source", "due", "due_within")} == {
        "code": "DB-2026-0002",
        "title": "乙",
        "source": "meeting",
        "due": "2026-11-11",
        "due_within": 3,
    }
    assert [
        (r.matter_id, r.assignment_id, r.what, r.why, r.effective_on, r.due_on, r.previous_id)
        for r in rows
    ] == [
        (first.id, None, "matter", "register", NOV_2, dt.date(2026, 11, 23), None),
        (second.id, None, "matter", "register", dt.date(2026, 11, 6), dt.date(2026, 11, 11), None),
    ]
    assert (first.deadline_id, second.deadline_id) == (rows[0].id, rows[1].id)


def test_a_refused_registration_writes_nothing(fresh_db):
    with pytest.raises(BadValue), changed(fresh_db) as ctx:
        register(ctx, "甲")
        register(ctx, "乙", due=dt.date(2026, 11, 1))
    with changed(fresh_db) as ctx:
        assert matters(ctx) == []
        assert list(ctx.session.exec(select(HistoryEntry))) == []
        assert list(ctx.session.exec(select(Deadline))) == []
        assert register(ctx, "丙").code == "DB-2026-0001"


# -- a matter by its short number; whose proposal (第十条) -------------------------------


@pytest.mark.parametrize(
    ("typed", "index"),
    [("2", 1), (" 0002 ", 1), ("2026-2", 1), ("db-2026-0002", 1), ("DB2026-2", 1),
     ("2025-1", 2), ("DB-2025-1", 2)],
)  # fmt: skip
def test_find_matter_by_its_short_number(ctx, monkeypatch, typed, index):
    """A bare number is of this year: today's year in the office's zone."""
    monkeypatch.setenv("DUBAN_NOW", "2026-11-26T10:00:00+08:00")
    made = [
        register(ctx),
        register(ctx, "第二件"),
        register(ctx, "去年的", received=dt.date(2025, 12, 30)),
    ]
    assert find_matter(ctx, typed).id == made[index].id


def test_a_proposal_keeps_whose_it_is(ctx):
    npc = register(ctx, "代表建议", source="人大代表建议")
    cppcc = register(ctx, "委员提案", source="政协提案")
    unsaid = register(ctx, "建议提案", source="建议提案")
    assert [(m.source, m.proposal_by) for m in (npc, cppcc, unsaid)] == [
        ("proposal", "npc"), ("proposal", "cppcc"), ("proposal", None)
    ]  # fmt: skip
    with pytest.raises(BadValue, match="unknown source"):
        register(ctx, source="人大")
