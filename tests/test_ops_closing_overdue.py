"""duban.ops.closing and duban.ops.overdue in-process: close_matter (办结) and overdue (逾期).

The scene: a matter received Mon 2026-11-02 (due Mon 11-23); notified Tue 11-03,
市住房和城乡建设局 (head 张建国) leads and 东胜区人民政府 participates.  A deadline day
is met; overdue begins the day after.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import UNITS, changed
from conftest import units_in as units
from sqlmodel import select

from duban.errors import BadValue, NotFound, Refused
from duban.models import Assignment, HistoryEntry
from duban.ops.assignments import assign_units
from duban.ops.closing import close_matter
from duban.ops.matters import find_matter, register_matter
from duban.ops.overdue import OverdueRow, overdue
from duban.ops.reports import add_report, review_report

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
DONGSHENG = "东胜区人民政府"

RECEIVED = dt.date(2026, 11, 2)
NOTIFIED = dt.date(2026, 11, 3)
DUE = dt.date(2026, 11, 23)


def register(ctx, title="研究解决城区供暖问题", received=RECEIVED):
    return register_matter(ctx, title, source="instruction", received=received).code


def scene(ctx, *leads):
    """The units and the matter of the module docstring (other lead units if named)."""
    units(ctx)
    code = register(ctx)
    assign_units(
        ctx, code, leads=list(leads or [f"{HOUSING}=王强"]), participants=[DONGSHENG], on=NOTIFIED
    )
    return code


def final(ctx, code, on, unit=HOUSING):
    """A complete final report (written, signed by the head, sealed); its id."""
    report, _, _ = add_report(
        ctx, code, unit=unit, kind="final", text="已办结", on=on,
        written=True, signed_by=UNITS[unit]["head"], sealed=True,
    )  # fmt: skip
    return report.id


def accept(ctx, report_id, on):
    return review_report(ctx, report_id, accept=True, on=on)


def late(ctx, day, **options):
    """Who is late on `day`: (code, unit, due, days_overdue, workdays_overdue)."""
    return [
        (r.code, r.unit, r.due, r.days_overdue, r.workdays_overdue)
        for r in overdue(ctx, day, **options)
    ]


# -- close ----------------------------------------------------------------------------


def test_a_matter_with_no_lead_unit_is_not_closed(ctx):
    units(ctx)
    code = register(ctx)
    with pytest.raises(Refused) as caught:
        close_matter(ctx, code, on=dt.date(2026, 11, 24))
    assert caught.value.article == "第十一条"
    assert caught.value.message == f"第十一条: {code} has no lead unit yet: assign one, then close"
    assert find_matter(ctx, code).status == "registered"


def test_a_matter_whose_lead_unit_is_not_done_is_not_closed(ctx):
    code = scene(ctx)
    final(ctx, code, dt.date(2026, 11, 20))  # arrived, not yet accepted
    with pytest.raises(Refused) as caught:
        close_matter(ctx, code, on=dt.date(2026, 11, 24))
    assert caught.value.article == "第十二条"
    assert caught.value.message == (
        f"第十二条: {code} waits for the accepted final report of {HOUSING}"
    )
    assert find_matter(ctx, code).status == "assigned"


def test_every_lead_unit_must_be_done_and_the_waiting_ones_are_named(ctx):
    code = scene(ctx, HOUSING, ECOLOGY)
    with pytest.raises(Refused, match=f"final report of {HOUSING}, {ECOLOGY}$"):
        close_matter(ctx, code, on=dt.date(2026, 11, 24))
    accept(ctx, final(ctx, code, dt.date(2026, 11, 20)), dt.date(2026, 11, 20))
    with pytest.raises(Refused, match=f"final report of {ECOLOGY}$"):
        close_matter(ctx, code, on=dt.date(2026, 11, 24))
    accept(ctx, final(ctx, code, dt.date(2026, 11, 23), ECOLOGY), dt.date(2026, 11, 24))
    # Not before the later of the two acceptances.
    with pytest.raises(BadValue, match=r"before its last final report was accepted \(2026-11-24\)"):
        close_matter(ctx, code, on=dt.date(2026, 11, 23))
    assert close_matter(ctx, code, on=dt.date(2026, 11, 24)).closed_on == dt.date(2026, 11, 24)


def test_a_matter_cannot_close_before_its_last_acceptance(ctx):
    code = scene(ctx)
    accept(ctx, final(ctx, code, dt.date(2026, 11, 20)), dt.date(2026, 11, 23))
    with pytest.raises(BadValue) as caught:
        close_matter(ctx, code, on=dt.date(2026, 11, 22))
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        f"{code} cannot close on 2026-11-22, before its last final report was accepted (2026-11-23)"
    )
    assert find_matter(ctx, code).closed_on is None


def test_closing_a_matter(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        accept(ctx, final(ctx, code, dt.date(2026, 11, 20)), dt.date(2026, 11, 23))
    with changed(fresh_db) as ctx:
        closed = close_matter(ctx, code.lower(), on=dt.date(2026, 11, 23))  # the day accepted
        assert (closed.code, closed.status, closed.closed_on) == (
            code,
            "closed",
            dt.date(2026, 11, 23),
        )
    with changed(fresh_db) as ctx:
        matter = find_matter(ctx, code)
        assert (matter.status, matter.closed_on) == ("closed", dt.date(2026, 11, 23))
        entries = ctx.session.exec(
            select(HistoryEntry).where(HistoryEntry.action == "matter.close")
        ).all()
        assert [(e.matter_id, e.effective_on, json.loads(e.detail)) for e in entries] == [
            (
                matter.id,
                dt.date(2026, 11, 23),
                {"closed": "2026-11-23", "participants": [DONGSHENG]},
            )
        ]
        # The participating unit's part ended with the close.
        helper = ctx.session.exec(
            select(Assignment).where(
                Assignment.matter_id == matter.id, Assignment.role == "participant"
            )
        ).one()
        assert (helper.status, helper.completed_on) == ("done", dt.date(2026, 11, 23))


def test_a_matter_is_closed_once(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        accept(ctx, final(ctx, code, dt.date(2026, 11, 20)), dt.date(2026, 11, 23))
        close_matter(ctx, code, on=dt.date(2026, 11, 24))
    with pytest.raises(Refused) as caught, changed(fresh_db) as ctx:
        close_matter(ctx, code, on=dt.date(2026, 11, 25))
    assert caught.value.message == f"第十一条: {code} was already closed on 2026-11-24"
    with changed(fresh_db) as ctx:
        assert find_matter(ctx, code).closed_on == dt.date(2026, 11, 24)
        actions = ctx.session.exec(
            select(HistoryEntry.action).where(HistoryEntry.action == "matter.close")
        ).all()
        assert actions == ["matter.close"]


def test_a_closed_matter_takes_no_unit_no_report_and_no_review(ctx):
    code = scene(ctx)
    progress, _, _ = add_report(
        ctx, code, unit=HOUSING, kind="progress", text="进展", on=dt.date(2026, 11, 10)
    )
    accept(ctx, final(ctx, code, dt.date(2026, 11, 20)), dt.date(2026, 11, 23))
    close_matter(ctx, code, on=dt.date(2026, 11, 24))
    with pytest.raises(Refused, match="closed: nothing more to assign"):
        assign_units(ctx, code, leads=[ECOLOGY], on=dt.date(2026, 11, 25))
    with pytest.raises(Refused, match="closed: it takes no more reports"):
        add_report(ctx, code, unit=HOUSING, kind="progress", text="x", on=dt.date(2026, 11, 25))
    with pytest.raises(Refused, match=f"第十一条: {code} is closed"):
        accept(ctx, progress.id, dt.date(2026, 11, 25))


def test_closing_an_unknown_matter_is_not_found(ctx):
    with pytest.raises(NotFound, match="DB-2026-0077"):
        close_matter(ctx, "DB-2026-0077", on=dt.date(2026, 11, 24))


# -- overdue --------------------------------------------------------------------------


def test_the_deadline_day_is_met_and_the_next_day_is_late(ctx):
    code = scene(ctx)
    assert overdue(ctx, DUE) == []
    assert overdue(ctx, dt.date(2026, 11, 24)) == [
        OverdueRow(
            code=code,
            title="研究解决城区供暖问题",
            unit=HOUSING,
            role="lead",
            responsible="王强",
            head="张建国",
            due=DUE,
            original_due=DUE,
            due_provisional=False,
            days_overdue=1,
            workdays_overdue=1,
            light="red",
        )
    ]


def test_late_counts_calendar_and_working_days(ctx):
    code = scene(ctx)
    # Mon 11-23 to Mon 11-30: 7 days; working days 24, 25, 26, 27, 30.
    assert late(ctx, dt.date(2026, 11, 30)) == [(code, HOUSING, DUE, 7, 5)]


def test_participating_units_are_never_listed(ctx):
    code = scene(ctx, HOUSING, ECOLOGY)
    assert late(ctx, dt.date(2026, 12, 31)) == [
        (code, HOUSING, DUE, 38, 28),
        (code, ECOLOGY, DUE, 38, 28),
    ]


def test_a_matter_never_assigned_is_listed_with_no_unit(ctx):
    units(ctx)
    code = register(ctx)
    assert late(ctx, DUE) == []
    [row] = overdue(ctx, dt.date(2026, 11, 24))
    assert (row.code, row.unit, row.role, row.responsible, row.head) == (
        code,
        None,
        None,
        None,
        None,
    )
    assert (row.due, row.original_due, row.days_overdue, row.workdays_overdue) == (DUE, DUE, 1, 1)


def test_most_overdue_first_with_the_unassigned_among_them(ctx):
    assigned = scene(ctx)
    # Received Thu 11-05: due Thu 11-26, never assigned.
    unassigned = register(ctx, "第二件", received=dt.date(2026, 11, 5))
    assert late(ctx, dt.date(2026, 11, 30)) == [
        (assigned, HOUSING, DUE, 7, 5),
        (unassigned, None, dt.date(2026, 11, 26), 4, 2),
    ]
    # Filtered by unit, a matter never assigned has no place.
    assert late(ctx, dt.date(2026, 11, 30), unit="zjj") == [(assigned, HOUSING, DUE, 7, 5)]
    assert late(ctx, dt.date(2026, 11, 30), unit=ECOLOGY) == []


def test_a_final_report_on_time_waiting_for_review_is_not_late(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        rid = final(ctx, code, DUE)  # on the deadline day
    with changed(fresh_db) as ctx:
        assert late(ctx, dt.date(2026, 11, 30)) == []
        # As of the day before it arrived, the unit was on time anyway.
        assert late(ctx, dt.date(2026, 11, 22)) == []
    with changed(fresh_db) as ctx:
        review_report(ctx, rid, accept=False, reason="补充材料", on=dt.date(2026, 12, 1))
    with changed(fresh_db) as ctx:
        # Returned on Tue 12-01: the rework deadline (15 working days, Tue 12-22) holds now;
        # as of 11-30, while the report still waited, the unit was not late.
        assert late(ctx, dt.date(2026, 11, 30)) == []
        assert late(ctx, dt.date(2026, 12, 22)) == []
        assert late(ctx, dt.date(2026, 12, 23)) == [(code, HOUSING, dt.date(2026, 12, 22), 1, 1)]


def test_a_late_final_report_does_not_stop_the_clock(ctx):
    code = scene(ctx)
    final(ctx, code, dt.date(2026, 11, 24))
    assert late(ctx, dt.date(2026, 11, 30)) == [(code, HOUSING, DUE, 7, 5)]


def test_a_progress_report_is_not_a_final_report(ctx):
    code = scene(ctx)
    add_report(ctx, code, unit=HOUSING, kind="progress", text="进展", on=DUE)
    assert late(ctx, dt.date(2026, 11, 24)) == [(code, HOUSING, DUE, 1, 1)]


def test_an_accepted_final_report_and_a_closed_matter_are_not_late(ctx):
    code = scene(ctx)
    accept(ctx, final(ctx, code, dt.date(2026, 11, 25)), dt.date(2026, 11, 26))
    # Late from 11-24 until accepted on 11-26; not after.
    assert late(ctx, dt.date(2026, 11, 25)) == [(code, HOUSING, DUE, 2, 2)]
    assert late(ctx, dt.date(2026, 11, 26)) == []
    close_matter(ctx, code, on=dt.date(2026, 11, 27))
    assert late(ctx, dt.date(2026, 11, 30)) == []


def test_an_extension_moves_the_deadline(ctx):
    code = scene(ctx)
    explanation, _, _ = add_report(
        ctx, code, unit=HOUSING, kind="explanation", text="需协调", on=dt.date(2026, 11, 18),
        propose_due=dt.date(2026, 12, 4),
    )  # fmt: skip
    accept(ctx, explanation.id, dt.date(2026, 11, 20))
    assert late(ctx, dt.date(2026, 12, 4)) == []
    [row] = overdue(ctx, dt.date(2026, 12, 7))
    assert (row.due, row.original_due, row.days_overdue, row.workdays_overdue) == (
        dt.date(2026, 12, 4),
        DUE,
        3,
        1,
    )
