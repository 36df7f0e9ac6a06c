"""duban.ops.reports in-process: add_report and review_report (第十二条, 第十五条).

The scene: a matter received Mon 2026-11-02 (due Mon 11-23); notified Tue 11-03,
市住房和城乡建设局 (head 张建国) leads and 东胜区人民政府 participates.  Expected
deadlines were counted by hand on the 2026 calendar.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import UNITS, changed
from conftest import units_in as units
from sqlmodel import select

from duban import deadlines
from duban.errors import BadValue, NotFound, Refused
from duban.models import Deadline, HistoryEntry, Report
from duban.ops.assignments import assign_units, find_assignment
from duban.ops.matters import find_matter, register_matter
from duban.ops.reports import add_report, review_report
from duban.ops.units import add_unit, find_unit

HOUSING = "市住房和城乡建设局"
ECOLOGY = "市生态环境局"
LAND = "市自然资源局"
DONGSHENG = "东胜区人民政府"

NOTIFIED = dt.date(2026, 11, 3)
DUE = dt.date(2026, 11, 23)


def scene(ctx, *, handling=None):
    """The matter of the module docstring; its code."""
    units(ctx)
    code = register_matter(
        ctx, "研究解决城区供暖问题", source="instruction", received=dt.date(2026, 11, 2),
        handling=handling,
    ).code  # fmt: skip
    assign_units(ctx, code, leads=[HOUSING], participants=[DONGSHENG], on=NOTIFIED)
    return code


def final(ctx, code, on, *, unit=HOUSING, **options):
    """A final report, written, signed by the unit's registered head and sealed unless
    `options` say otherwise; the Report."""
    complete = {"written": True, "signed_by": UNITS[unit]["head"], "sealed": True}
    report, _, _ = add_report(
        ctx, code, unit=unit, kind="final", text="已按要求办理完毕", on=on,
        **{**complete, **options},
    )  # fmt: skip
    return report


def report(ctx, code, kind, on, *, unit=HOUSING, **options):
    made, _, _ = add_report(ctx, code, unit=unit, kind=kind, text="情况", on=on, **options)
    return made


def part(ctx, code, unit=HOUSING):
    return find_assignment(ctx, find_matter(ctx, code), find_unit(ctx, unit))


def deadline_rows(ctx, assignment):
    return list(
        ctx.session.exec(
            select(Deadline).where(Deadline.assignment_id == assignment.id).order_by(Deadline.id)
        )
    )


# -- who reports ----------------------------------------------------------------------


def test_a_lead_unit_reports(ctx):
    code = scene(ctx)
    made, matter, unit = add_report(
        ctx, code, unit="zjj", kind="进展", text=" 已部署 ", on=dt.date(2026, 11, 10)
    )
    assert (made.kind, made.text, made.status, made.received_on) == (
        "progress",
        "已部署",
        "pending",
        dt.date(2026, 11, 10),
    )
    assert (matter.code, unit.name) == (code, HOUSING)
    assert made.assignment_id == part(ctx, code).id


def test_a_participating_unit_does_not_report(ctx):
    code = scene(ctx)
    with pytest.raises(Refused) as caught:
        report(ctx, code, "progress", dt.date(2026, 11, 10), unit=DONGSHENG)
    assert caught.value.article == "第十二条"
    assert caught.value.message.startswith(f"第十二条: {DONGSHENG} is a participating unit")
    assert f"({HOUSING})" in caught.value.message  # who reports for it
    assert list(ctx.session.exec(select(Report))) == []


def test_a_unit_not_assigned_does_not_report(ctx):
    code = scene(ctx)
    with pytest.raises(Refused, match=f"{LAND} is not assigned to {code}") as caught:
        report(ctx, code, "progress", dt.date(2026, 11, 10), unit=LAND)
    assert caught.value.exit_code == 4


@pytest.mark.parametrize(
    ("options", "error", "fragment"),
    [
        ({"on": dt.date(2026, 11, 2)}, BadValue, "before 市住房和城乡建设局 was notified"),
        ({"kind": "summary"}, BadValue, "unknown report kind 'summary'"),
        ({"text": "  "}, BadValue, "needs its text"),
        ({"propose_due": dt.date(2026, 12, 4)}, BadValue, "goes with --kind explanation"),
        ({"unit": "市住建"}, NotFound, "did you mean"),
    ],
)
def test_report_bad_values(ctx, options, error, fragment):
    code = scene(ctx)
    args = {"unit": HOUSING, "kind": "progress", "text": "情况", "on": dt.date(2026, 11, 10)}
    with pytest.raises(error, match=fragment):
        add_report(ctx, code, **{**args, **options})


def test_a_proposed_deadline_must_be_after_the_explanation(ctx):
    code = scene(ctx)
    with pytest.raises(BadValue, match="2026-11-18 is not after the report"):
        report(ctx, code, "explanation", dt.date(2026, 11, 18), propose_due=dt.date(2026, 11, 18))


def test_a_final_report_on_an_investigation_must_be_written(ctx):
    code = scene(ctx, handling="investigate")
    with pytest.raises(Refused, match="must be written") as caught:
        final(ctx, code, dt.date(2026, 11, 20), written=False, signed_by=None, sealed=False)
    assert caught.value.article == "第十二条"
    # A progress report need not be.
    assert report(ctx, code, "progress", dt.date(2026, 11, 20)).written is False


def test_a_report_signed_or_sealed_counts_as_written(ctx):
    code = scene(ctx)
    made = final(ctx, code, dt.date(2026, 11, 20), written=False)
    assert (made.written, made.signed_by, made.sealed) == (True, "张建国", True)


# -- accepting a final report ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (
            {"written": False, "signed_by": None, "sealed": False},
            "a final report must be written, signed by the unit's head and sealed",
        ),
        (
            {"signed_by": None},
            "a written report must be signed by the unit's head (张建国), not nobody",
        ),
        (
            {"signed_by": "李四"},
            "a written report must be signed by the unit's head (张建国), not 李四",
        ),
        ({"sealed": False}, "a written report must be sealed with the unit's seal"),
    ],
)
def test_a_final_report_is_accepted_only_written_signed_by_the_head_and_sealed(
    ctx, options, fragment
):
    code = scene(ctx)
    made = final(ctx, code, dt.date(2026, 11, 20), **options)
    with pytest.raises(Refused) as caught:
        review_report(ctx, made.id, accept=True, on=dt.date(2026, 11, 23))
    assert caught.value.article == "第十二条"
    assert caught.value.message == f"第十二条: {fragment}"
    assert made.status == "pending"
    assert (part(ctx, code).status, part(ctx, code).completed_on) == ("open", None)


def test_a_unit_without_a_registered_head_cannot_have_a_final_report_accepted(ctx):
    code = scene(ctx)
    add_unit(ctx, "市大数据中心", kind="agency")
    assign_units(ctx, code, leads=["市大数据中心"], on=NOTIFIED)
    made, _, _ = add_report(
        ctx, code, unit="市大数据中心", kind="final", text="完成", written=True,
        signed_by="王五", sealed=True, on=dt.date(2026, 11, 20),
    )  # fmt: skip
    with pytest.raises(Refused, match="市大数据中心 has no registered head"):
        review_report(ctx, made.id, accept=True, on=dt.date(2026, 11, 23))


def test_accepting_a_final_report_completes_the_assignment(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        rid = final(ctx, code, dt.date(2026, 11, 20)).id
    with changed(fresh_db) as ctx:
        review, made, after, matter = review_report(ctx, rid, accept=True, on=dt.date(2026, 11, 23))
        assert (review.decision, review.reviewed_on, review.new_due_on) == (
            "accept",
            dt.date(2026, 11, 23),
            None,
        )
        assert made.status == "accepted"
        assert (after.assignment.status, after.assignment.completed_on) == (
            "done",
            dt.date(2026, 11, 23),
        )
        assert after.due.due_on == after.original.due_on == DUE
        assert matter.status == "assigned"  # closing is a step of its own
    with changed(fresh_db) as ctx:
        done = part(ctx, code)
        assert (done.status, done.completed_on) == ("done", dt.date(2026, 11, 23))
        assert part(ctx, code, DONGSHENG).status == "open"
        entries = ctx.session.exec(
            select(HistoryEntry.action, HistoryEntry.effective_on)
            .where(HistoryEntry.action.in_(("review.accept", "assignment.complete")))
            .order_by(HistoryEntry.id)
        ).all()
        assert [tuple(e) for e in entries] == [
            ("review.accept", dt.date(2026, 11, 23)),
            ("assignment.complete", dt.date(2026, 11, 23)),
        ]


def test_accepting_a_progress_report_leaves_the_unit_open(ctx):
    code = scene(ctx)
    made = report(ctx, code, "progress", dt.date(2026, 11, 10))
    _, _, after, _ = review_report(ctx, made.id, accept=True, on=dt.date(2026, 11, 11))
    assert (made.status, after.assignment.status) == ("accepted", "open")
    assert len(deadline_rows(ctx, after.assignment)) == 1  # no deadline changed


def test_a_finished_unit_takes_no_more_reports(ctx):
    code = scene(ctx)
    review_report(
        ctx, final(ctx, code, dt.date(2026, 11, 20)).id, accept=True, on=dt.date(2026, 11, 23)
    )
    with pytest.raises(Refused, match="already accepted") as caught:
        report(ctx, code, "progress", dt.date(2026, 11, 24))
    assert caught.value.article == "第十五条"


def test_an_earlier_report_cannot_send_a_finished_unit_back_to_work(ctx):
    code = scene(ctx)
    progress = report(ctx, code, "progress", dt.date(2026, 11, 10))
    review_report(
        ctx, final(ctx, code, dt.date(2026, 11, 20)).id, accept=True, on=dt.date(2026, 11, 20)
    )
    with pytest.raises(Refused, match="accept it to file it") as caught:
        review_report(ctx, progress.id, accept=False, reason="补充", on=dt.date(2026, 11, 21))
    assert caught.value.article == "第十五条"
    assert part(ctx, code).status == "done"
    # Filing it is fine.
    review_report(ctx, progress.id, accept=True, on=dt.date(2026, 11, 21))
    assert (progress.status, part(ctx, code).status) == ("accepted", "done")


# -- returning a report ---------------------------------------------------------------


def test_returning_adds_a_rework_deadline_and_keeps_the_original(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        rid = final(ctx, code, dt.date(2026, 11, 20), sealed=False).id
        first = deadlines.current(ctx, part(ctx, code))
    with changed(fresh_db) as ctx:
        # Mon 11-23 not counted: 24..27 (4), 11-30..12-04 (9), 07..11 (14), Mon 12-14 (15).
        review, made, after, _ = review_report(
            ctx, rid, accept=False, reason=" 未盖章 ", on=dt.date(2026, 11, 23)
        )
        assert (review.decision, review.reason, review.new_due_on) == (
            "return",
            "未盖章",
            dt.date(2026, 12, 14),
        )
        assert (made.status, after.assignment.status) == ("returned", "open")
    with changed(fresh_db) as ctx:
        assignment = part(ctx, code)
        rows = deadline_rows(ctx, assignment)
        assert [
            (r.why, r.due_on, r.counted_from, r.within, r.effective_on, r.previous_id) for r in rows
        ] == [
            ("assign", DUE, dt.date(2026, 11, 2), 15, NOTIFIED, None),
            (
                "rework",
                dt.date(2026, 12, 14),
                dt.date(2026, 11, 23),
                15,
                dt.date(2026, 11, 23),
                first.id,
            ),
        ]
        assert deadlines.current(ctx, assignment).id == rows[1].id
        assert deadlines.original(ctx, assignment).id == first.id
        assert deadlines.original(ctx, assignment).due_on == DUE
        detail = json.loads(
            ctx.session.exec(
                select(HistoryEntry.detail).where(HistoryEntry.action == "review.return")
            ).one()
        )
        assert (detail["previous_due"], detail["due"], detail["original_due"]) == (
            "2026-11-23",
            "2026-12-14",
            "2026-11-23",
        )


@pytest.mark.parametrize(
    ("options", "due", "within"),
    [
        ({"within": 5}, dt.date(2026, 11, 30), 5),  # Mon 11-23: 24, 25, 26, 27, Mon 30
        ({"due": dt.date(2026, 12, 1)}, dt.date(2026, 12, 1), None),
    ],
)
def test_returning_with_a_deadline_of_its_own(ctx, options, due, within):
    code = scene(ctx)
    made = final(ctx, code, dt.date(2026, 11, 20), sealed=False)
    _, _, after, _ = review_report(
        ctx, made.id, accept=False, reason="未盖章", on=dt.date(2026, 11, 23), **options
    )
    assert (after.due.due_on, after.due.within, after.due.why) == (due, within, "rework")
    assert after.original.due_on == DUE


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"accept": False}, "say why"),
        ({"accept": False, "reason": "  "}, "say why"),
        ({"accept": True, "within": 5}, "go with --return"),
        ({"accept": False, "reason": "x", "within": 0}, "--within must be 1 or more"),
        ({"accept": False, "reason": "x", "due": dt.date(2026, 11, 20)}, "before 2026-11-23"),
        ({"accept": True, "on": dt.date(2026, 11, 19)}, "before it arrived"),
    ],
)
def test_review_bad_values(ctx, options, fragment):
    code = scene(ctx)
    made = final(ctx, code, dt.date(2026, 11, 20))
    with pytest.raises(BadValue, match=fragment):
        review_report(ctx, made.id, **{"on": dt.date(2026, 11, 23), **options})
    assert made.status == "pending"


def test_reviewing_an_unknown_report_is_not_found(ctx):
    scene(ctx)
    with pytest.raises(NotFound, match="no report 99"):
        review_report(ctx, 99, accept=True, on=dt.date(2026, 11, 23))


def test_a_report_is_reviewed_once(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        rid = final(ctx, code, dt.date(2026, 11, 20), sealed=False).id
    with changed(fresh_db) as ctx:
        review_report(ctx, rid, accept=False, reason="未盖章", on=dt.date(2026, 11, 23))
    for decision in ({"accept": True}, {"accept": False, "reason": "再次退回"}):
        with pytest.raises(Refused) as caught, changed(fresh_db) as ctx:
            review_report(ctx, rid, on=dt.date(2026, 11, 24), **decision)
        assert caught.value.article == "第十五条"
        assert caught.value.message.endswith(
            f"report {rid} was already reviewed (return, 2026-11-23): a report is reviewed once"
        )
    with changed(fresh_db) as ctx:
        assert len(deadline_rows(ctx, part(ctx, code))) == 2  # assign, one rework


def test_a_returned_unit_reports_again_and_is_accepted(ctx):
    code = scene(ctx)
    first = final(ctx, code, dt.date(2026, 11, 20), sealed=False)
    review_report(ctx, first.id, accept=False, reason="未盖章", on=dt.date(2026, 11, 23))
    second = final(ctx, code, dt.date(2026, 12, 1))
    _, _, after, _ = review_report(ctx, second.id, accept=True, on=dt.date(2026, 12, 2))
    assert (after.assignment.status, after.assignment.completed_on) == (
        "done",
        dt.date(2026, 12, 2),
    )
    assert (after.due.due_on, after.original.due_on) == (dt.date(2026, 12, 14), DUE)


# -- extensions -----------------------------------------------------------------------


def test_an_accepted_explanation_extends_the_deadline_and_keeps_the_original(fresh_db):
    with changed(fresh_db) as ctx:
        code = scene(ctx)
        rid = report(
            ctx, code, "explanation", dt.date(2026, 11, 18), propose_due=dt.date(2026, 12, 4)
        ).id
        first = deadlines.current(ctx, part(ctx, code))
    with changed(fresh_db) as ctx:
        review, _, after, _ = review_report(ctx, rid, accept=True, on=dt.date(2026, 11, 20))
        assert review.new_due_on == dt.date(2026, 12, 4)
        assert after.assignment.status == "open"
    with changed(fresh_db) as ctx:
        assignment = part(ctx, code)
        rows = deadline_rows(ctx, assignment)
        assert [(r.why, r.due_on, r.within, r.effective_on, r.previous_id) for r in rows] == [
            ("assign", DUE, 15, NOTIFIED, None),
            ("extension", dt.date(2026, 12, 4), None, dt.date(2026, 11, 20), first.id),
        ]
        assert deadlines.current(ctx, assignment).due_on == dt.date(2026, 12, 4)
        assert deadlines.original(ctx, assignment).id == first.id
        detail = json.loads(
            ctx.session.exec(
                select(HistoryEntry.detail).where(HistoryEntry.action == "deadline.extend")
            ).one()
        )
        assert (detail["previous_due"], detail["due"], detail["original_due"]) == (
            "2026-11-23",
            "2026-12-04",
            "2026-11-23",
        )


def test_in_force_gives_the_deadline_as_it_stood_on_a_day(ctx):
    code = scene(ctx)
    rid = report(
        ctx, code, "explanation", dt.date(2026, 11, 18), propose_due=dt.date(2026, 12, 4)
    ).id
    review_report(ctx, rid, accept=True, on=dt.date(2026, 11, 20))
    matter, assignment = find_matter(ctx, code), part(ctx, code)

    def due_on(day, holder=assignment):
        row = deadlines.in_force(ctx, matter, day, assignment=holder)
        return row.due_on if row is not None else None

    assert due_on(dt.date(2026, 11, 2)) is None  # before the unit was notified
    assert due_on(NOTIFIED) == DUE
    assert due_on(dt.date(2026, 11, 19)) == DUE  # the day before the extension
    assert due_on(dt.date(2026, 11, 20)) == dt.date(2026, 12, 4)
    assert due_on(dt.date(2026, 12, 31)) == dt.date(2026, 12, 4)
    # The matter's own deadline is not the unit's: it never moved.
    assert due_on(dt.date(2026, 11, 2), None) == DUE
    assert due_on(dt.date(2026, 12, 31), None) == DUE
    assert due_on(dt.date(2026, 11, 1), None) is None


def test_an_accepted_explanation_without_a_proposed_deadline_changes_nothing(ctx):
    code = scene(ctx)
    rid = report(ctx, code, "explanation", dt.date(2026, 11, 18)).id
    review, _, after, _ = review_report(ctx, rid, accept=True, on=dt.date(2026, 11, 20))
    assert review.new_due_on is None
    assert after.due.due_on == DUE
    assert [r.why for r in deadline_rows(ctx, after.assignment)] == ["assign"]
