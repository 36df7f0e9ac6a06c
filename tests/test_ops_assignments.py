"""duban.ops.assignments in-process: assign_units and find_assignment (第十二条).

The matter is received Mon 2026-11-02 (due Mon 11-23, 15 working days); units are
notified Tue 11-03 unless a test says otherwise.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import changed
from conftest import units_in as units
from sqlmodel import select

from duban import deadlines
from duban.errors import BadValue, NotFound, Refused
from duban.models import Assignment, Deadline, HistoryEntry
from duban.ops.assignments import assign_units, assignments_of, find_assignment
from duban.ops.matters import find_matter, register_matter
from duban.ops.units import find_unit

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
LAND = "市自然资源局"
DONGSHENG = "东胜区人民政府"

RECEIVED = dt.date(2026, 11, 2)
NOTIFIED = dt.date(2026, 11, 3)
MATTER_DUE = dt.date(2026, 11, 23)


def matter(ctx, received=RECEIVED):
    """The five units and one matter received on `received`; its code."""
    units(ctx)
    return register_matter(
        ctx, "研究解决城区供暖问题", source="instruction", received=received
    ).code


def assign(ctx, code, *leads, participants=(), on=NOTIFIED, **options):
    return assign_units(
        ctx, code, leads=list(leads), participants=list(participants), on=on, **options
    )


def assignments(ctx):
    return list(ctx.session.exec(select(Assignment).order_by(Assignment.id)))


def parts(made):
    return [(a.unit.name, a.assignment.role, a.assignment.responsible) for a in made]


# -- responsible persons --------------------------------------------------------------


def test_each_unit_is_paired_with_its_own_responsible_person(ctx):
    code = matter(ctx)
    _, made = assign(
        ctx,
        code,
        f"{HOUSING}=王强",
        "sthjj = 陈静",  # by code, with spaces
        participants=[f"{DONGSHENG}＝李娜", LAND],  # a full-width equals sign; nobody named
    )
    assert parts(made) == [
        (HOUSING, "lead", "王强"),
        (ECOLOGY, "lead", "陈静"),
        (DONGSHENG, "participant", "李娜"),
        (LAND, "participant", None),
    ]


def test_a_lone_responsible_with_two_units_is_a_bad_value(ctx):
    code = matter(ctx)
    with pytest.raises(BadValue, match="give each its own") as caught:
        assign(ctx, code, HOUSING, participants=[DONGSHENG], responsible="王强")
    assert caught.value.exit_code == 2
    assert assignments(ctx) == []
    assert find_matter(ctx, code).status == "registered"


def test_a_lone_responsible_with_one_unit_is_its_person(ctx):
    code = matter(ctx)
    _, made = assign(ctx, code, HOUSING, responsible=" 王强 ")
    assert parts(made) == [(HOUSING, "lead", "王强")]


def test_a_person_given_twice_is_a_bad_value(ctx):
    code = matter(ctx)
    with pytest.raises(BadValue, match="given twice: 王强 and 李娜"):
        assign(ctx, code, f"{HOUSING}=王强", responsible="李娜")
    assert assignments(ctx) == []


@pytest.mark.parametrize("typed", [f"{HOUSING}=", "=王强"])
def test_a_half_pair_is_a_bad_value(ctx, typed):
    code = matter(ctx)
    with pytest.raises(BadValue, match="UNIT=PERSON"):
        assign(ctx, code, typed)


# -- who can be assigned --------------------------------------------------------------


def test_a_unit_named_twice_is_a_bad_value(ctx):
    code = matter(ctx)
    # Once by name, once by its code: the same unit.
    with pytest.raises(BadValue, match=f"{HOUSING} is named twice"):
        assign(ctx, code, HOUSING, participants=["ZJJ"])
    assert assignments(ctx) == []


def test_no_unit_at_all_is_a_bad_value(ctx):
    code = matter(ctx)
    with pytest.raises(BadValue, match="name at least one unit"):
        assign(ctx, code)


def test_an_unknown_unit_is_not_found(ctx):
    code = matter(ctx)
    with pytest.raises(NotFound, match=f"did you mean '{HOUSING}'"):
        assign(ctx, code, "市住房城乡建设局")


def test_a_unit_already_assigned_is_refused(fresh_db):
    with changed(fresh_db) as ctx:
        code = matter(ctx)
        assign(ctx, code, HOUSING, participants=[DONGSHENG])
    already = f"{DONGSHENG} is already a participant unit of {code}"
    with pytest.raises(Refused, match=already) as caught, changed(fresh_db) as ctx:
        assign(ctx, code, DONGSHENG, on=dt.date(2026, 11, 5))
    assert (caught.value.article, caught.value.exit_code) == ("第十二条", 4)
    with changed(fresh_db) as ctx:
        assert [(a.unit_id, a.role) for a in assignments(ctx)] == [
            (find_unit(ctx, HOUSING).id, "lead"),
            (find_unit(ctx, DONGSHENG).id, "participant"),
        ]


def test_participants_need_a_lead_unit(ctx):
    code = matter(ctx)
    with pytest.raises(Refused, match=f"{code} has no lead unit") as caught:
        assign(ctx, code, participants=[DONGSHENG])
    assert caught.value.article == "第十二条"
    assert assignments(ctx) == []


def test_participants_may_join_a_lead_unit_assigned_earlier(ctx):
    code = matter(ctx)
    assign(ctx, code, HOUSING)
    _, made = assign(ctx, code, participants=[DONGSHENG], on=dt.date(2026, 11, 4))
    assert parts(made) == [(DONGSHENG, "participant", None)]
    assert [a.role for a in assignments(ctx)] == ["lead", "participant"]


# -- the notification day -------------------------------------------------------------


def test_units_cannot_be_notified_before_the_matter_was_received(ctx):
    code = matter(ctx)
    with pytest.raises(BadValue, match="before the matter was received \\(2026-11-02\\)"):
        assign(ctx, code, HOUSING, on=dt.date(2026, 11, 1))
    assert assignments(ctx) == []


def test_units_may_be_notified_on_the_day_received(ctx):
    code = matter(ctx)
    _, [made] = assign(ctx, code, HOUSING, on=RECEIVED)
    assert made.assignment.notified_on == RECEIVED


# -- deadlines ------------------------------------------------------------------------


def test_an_inherited_deadline_keeps_the_matters_rule(ctx):
    code = matter(ctx)
    _, made = assign(ctx, code, HOUSING, participants=[DONGSHENG])
    for part in made:
        row = deadlines.current(ctx, part.assignment)
        assert (row.due_on, row.counted_from, row.within, row.provisional) == (
            MATTER_DUE,
            RECEIVED,  # the matter's received date, not the notification day
            15,
            False,
        )
        assert (row.why, row.effective_on, row.what) == ("assign", NOTIFIED, "assignment")
        assert deadlines.original(ctx, part.assignment).id == row.id
        assert part.due.id == part.original.id == row.id


def test_an_inherited_date_given_by_hand_stays_a_date(ctx):
    units(ctx)
    m = register_matter(ctx, "x", source="other", received=RECEIVED, due=dt.date(2026, 12, 31))
    _, [made] = assign(ctx, m.code, HOUSING)
    row = deadlines.current(ctx, made.assignment)
    assert (row.due_on, row.counted_from, row.within) == (dt.date(2026, 12, 31), None, None)


def test_within_counts_from_the_notification_day(ctx):
    code = matter(ctx)
    # Tue 11-03 not counted: 04..06 (3), 09..13 (8), 16..20 (13), 23, Tue 11-24 (15).
    _, [made] = assign(ctx, code, HOUSING, within=15)
    row = deadlines.current(ctx, made.assignment)
    assert (row.due_on, row.counted_from, row.within) == (dt.date(2026, 11, 24), NOTIFIED, 15)
    assert deadlines.current(ctx, find_matter(ctx, code)).due_on == MATTER_DUE


def test_a_due_date_applies_to_every_unit_named(ctx):
    code = matter(ctx)
    _, made = assign(ctx, code, HOUSING, ECOLOGY, due=dt.date(2026, 11, 30))
    assert [(a.unit.name, a.due.due_on, a.due.within) for a in made] == [
        (HOUSING, dt.date(2026, 11, 30), None),
        (ECOLOGY, dt.date(2026, 11, 30), None),
    ]
    rows = ctx.session.exec(select(Deadline).where(Deadline.why == "assign")).all()
    assert len(rows) == 2  # a row for each unit


def test_a_due_date_before_the_notification_is_a_bad_value(ctx):
    code = matter(ctx)
    with pytest.raises(BadValue, match="before 2026-11-03"):
        assign(ctx, code, HOUSING, due=dt.date(2026, 11, 2))


# -- what an assignment writes --------------------------------------------------------


def test_assigning_records_one_entry_per_unit_and_marks_the_matter_assigned(fresh_db):
    with changed(fresh_db) as ctx:
        code = matter(ctx)
    with changed(fresh_db) as ctx:
        m, _ = assign(ctx, code, f"{HOUSING}=王强", participants=[DONGSHENG])
        assert m.status == "assigned"
    with changed(fresh_db) as ctx:
        m = find_matter(ctx, code)
        assert m.status == "assigned"
        entries = ctx.session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.action == "assignment.add")
            .order_by(HistoryEntry.id)
        ).all()
        assert [(e.matter_id, e.effective_on) for e in entries] == [(m.id, NOTIFIED)] * 2
        details = [json.loads(e.detail) for e in entries]
        assert [(d["unit"], d["role"], d["responsible"], d["due"]) for d in details] == [
            (HOUSING, "lead", "王强", "2026-11-23"),
            (DONGSHENG, "participant", None, "2026-11-23"),
        ]
        listed = assignments_of(ctx, [m.id])[m.id]
        assert [(a.unit.name, a.due.due_on, a.original.due_on) for a in listed] == [
            (HOUSING, MATTER_DUE, MATTER_DUE),
            (DONGSHENG, MATTER_DUE, MATTER_DUE),
        ]


# -- find_assignment ------------------------------------------------------------------


def test_find_assignment_of_an_assigned_unit(ctx):
    code = matter(ctx)
    _, made = assign(ctx, code, HOUSING, participants=[DONGSHENG])
    m = find_matter(ctx, code)
    assert find_assignment(ctx, m, find_unit(ctx, "dsq")).id == made[1].assignment.id


def test_find_assignment_of_a_unit_not_on_the_matter_is_refused(ctx):
    code = matter(ctx)
    assign(ctx, code, HOUSING)
    with pytest.raises(Refused) as caught:
        find_assignment(ctx, find_matter(ctx, code), find_unit(ctx, LAND))
    assert caught.value.exit_code == 4
    assert caught.value.article == "第十二条"
    assert caught.value.message == (
        f"第十二条: {LAND} is not assigned to {code}: see `duban show {code}`"
    )
