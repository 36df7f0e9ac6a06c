"""report and review: what lead units report, and the office's decision (第十二条, 第十五条)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import select

from duban import deadlines
from duban.context import Context, utcnow
from duban.errors import BadValue, NotFound, Refused
from duban.i18n import N_, _, language
from duban.models import MAX_ID, Assignment, Matter, Report, Review, Unit
from duban.ops import attachments
from duban.ops.assignments import Assigned, find_assignment
from duban.ops.matters import find_matter
from duban.ops.milestones import check_milestone
from duban.ops.units import find_unit, head_on, heads_of
from duban.text import name as clean_text
from duban.text import optional
from duban.vocab import DECISION, REPORT_KIND

# 第十二条: reports that verify facts, give opinions or report results must be written.
WRITTEN_HANDLING = {"investigate", "opinion"}


def add_report(
    ctx: Context,
    code: str,
    *,
    unit: str,
    kind: str,
    text: str,
    file_name: str | None = None,
    written: bool = False,
    signed_by: str | None = None,
    sealed: bool = False,
    on: dt.date | None = None,
    propose_due: dt.date | None = None,
    attach: Sequence[Path | str] = (),
    milestone: int | None = None,
    late_reason: str | None = None,
) -> tuple[Report, Matter, Unit]:
    """Enter a report that arrived `on` a day (paper reports are entered days later);
    `attach`: files (a sealed scan) kept beside the register with their SHA-256."""
    incoming = attachments.check(attach)
    matter = find_matter(ctx, code)
    reporter = find_unit(ctx, unit)
    kind = REPORT_KIND.parse(kind)
    # Nothing that shows (spaces, zero-width, controls) is no text; a NUL none may hold.
    text = clean_text(text, _("a report needs its text: --text TEXT or --file PATH"))
    if propose_due is not None and kind != "explanation":
        raise BadValue(
            _("--propose-due goes with --kind explanation (第十二条: explain, then extend)")
        )
    if matter.status == "closed":
        raise Refused(
            "第十一条", _("{code} is closed: it takes no more reports").format(code=matter.code)
        )
    assignment = find_assignment(ctx, matter, reporter)
    if assignment.role != "lead":
        leads = ctx.session.exec(
            select(Unit.name)
            .join(Assignment, Assignment.unit_id == Unit.id)
            .where(
                Assignment.matter_id == matter.id,
                Assignment.role == "lead",
                Assignment.status != "withdrawn",
            )
        ).all()
        raise Refused(
            "第十二条",
            _(
                "{unit} is a participating unit of {code}: the lead unit reports for all ({leads})"
            ).format(unit=reporter.name, code=matter.code, leads=", ".join(leads)),
        )
    if assignment.status == "done":
        raise Refused(
            "第十五条",
            _("{unit}'s final report on {code} was already accepted").format(
                unit=reporter.name, code=matter.code
            ),
        )
    received = ctx.business_day(
        on,
        not_before=assignment.notified_on,
        refusal=_("a report cannot arrive on {day}, before {unit} was notified ({limit})"),
        unit=reporter.name,
    )
    if propose_due is not None and propose_due <= received:
        raise BadValue(
            _("the proposed deadline {due} is not after the report").format(
                due=propose_due.isoformat()
            )
        )
    if propose_due is not None:
        deadlines.check_reach(ctx, received, propose_due, what=N_("proposed deadline"))
    written = written or bool(signed_by) or sealed
    if kind == "final" and matter.handling in WRITTEN_HANDLING and not written:
        raise Refused(
            "第十二条",
            _(
                "a report that verifies facts or gives an opinion must be written (--written, "
                "signed by the unit's head, sealed)"
            ),
        )
    if milestone is not None:  # 节点目标: the matter's, and the reporting unit's if it has one
        check_milestone(ctx, milestone, matter, assignment, reporter)
    late_reason = (late_reason or "").strip() or None
    _check_late_request(ctx, assignment, received, propose_due, late_reason)
    report = Report(
        matter_id=matter.id,
        assignment_id=assignment.id,
        kind=kind,
        text=text,
        file_name=file_name,
        written=written,
        signed_by=optional(signed_by),
        sealed=sealed,
        received_on=received,
        proposed_due_on=propose_due,
        late_reason=late_reason,
        milestone_id=milestone,
        status="pending",
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(report)
    ctx.session.flush()
    due = deadlines.current(ctx, assignment)
    ctx.add_to_history(
        "report.add",
        received,
        matter,
        report_id=report.id,
        unit=reporter.name,
        kind=kind,
        written=written,
        signed_by=report.signed_by,
        sealed=sealed,
        file_name=file_name,
        proposed_due=propose_due,
        milestone_id=milestone,
        late_reason=late_reason,
        on_time=received <= due.due_on,
        **({"attachments": [f.detail() for f in incoming]} if incoming else {}),
    )
    attachments.keep(ctx, matter, incoming, report_id=report.id)
    return report, matter, reporter


def _check_late_request(
    ctx: Context,
    assignment: Assignment,
    received: dt.date,
    propose_due: dt.date | None,
    late_reason: str | None,
) -> None:
    """第十二条: a unit that cannot make its deadline explains and asks for an extension
    before the deadline passes; a request that comes after it must say why it is late."""
    if propose_due is None or late_reason is not None:
        return
    due = deadlines.current(ctx, assignment).due_on
    if received > due:
        raise Refused(
            "第十二条",
            _(
                "the deadline {due} had passed when the request for an extension arrived "
                "({day}): say why it is late with --late-reason TEXT"
            ).format(due=due.isoformat(), day=received.isoformat()),
        )


def find_report(ctx: Context, report_id: int) -> Report:
    report = ctx.session.get(Report, report_id) if 0 < report_id <= MAX_ID else None
    if report is None:
        raise NotFound(
            _("no report {id}: see `duban show CODE` for a matter's reports").format(id=report_id)
        )
    return report


def _check_signature(ctx: Context, report: Report, unit: Unit) -> None:
    """第十二条: a written report is signed by the unit's head and sealed: the head on the
    day the report arrived (`head_on`), whoever heads the unit since."""
    article = "第十二条"
    if not report.written:
        raise Refused(
            article, _("a final report must be written, signed by the unit's head and sealed")
        )
    head = head_on(ctx, unit, report.received_on)
    if head is None and unit.head is None:
        raise Refused(
            article,
            _(
                "{unit} has no registered head to sign its report: "
                "`duban unit edit {unit} --head NAME`"
            ).format(unit=unit.name),
        )
    if head is None:  # its first head known took office after the report arrived
        raise Refused(
            article,
            _(
                "{unit} had no registered head on {day}, when the report arrived: its first "
                "head known took office on {since}"
            ).format(
                unit=unit.name,
                day=report.received_on.isoformat(),
                since=heads_of(ctx, unit)[0].since.isoformat(),
            ),
        )
    if (report.signed_by or "") != head and head == unit.head:
        if report.signed_by:
            message = _("a written report must be signed by the unit's head ({head}), not {who}")
        else:
            message = _("a written report must be signed by the unit's head ({head}), not nobody")
        raise Refused(article, message.format(head=head, who=report.signed_by))
    if (report.signed_by or "") != head:  # another head then: the day says which
        if report.signed_by:
            message = _(
                "a written report must be signed by the unit's head on {day} ({head}), not {who}"
            )
        else:
            message = _(
                "a written report must be signed by the unit's head on {day} ({head}), not nobody"
            )
        raise Refused(
            article,
            message.format(head=head, who=report.signed_by, day=report.received_on.isoformat()),
        )
    if not report.sealed:
        raise Refused(article, _("a written report must be sealed with the unit's seal"))


def review_report(
    ctx: Context,
    report_id: int,
    *,
    accept: bool,
    reason: str | None = None,
    within: int | None = None,
    due: dt.date | None = None,
    on: dt.date | None = None,
) -> tuple[Review, Report, Assigned, Matter]:
    """第十五条: accept a report, or return it for rework with a new deadline.

    Returns the review, the report, the unit's part after it, and the matter.
    """
    report = find_report(ctx, report_id)
    assignment = ctx.session.get(Assignment, report.assignment_id)
    matter = ctx.session.get(Matter, report.matter_id)
    unit = ctx.session.get(Unit, assignment.unit_id)
    if accept and (within is not None or due is not None):
        raise BadValue(_("--within and --due set the rework deadline: they go with --return"))
    if not accept and not (reason or "").strip():
        raise BadValue(_("say why the report is returned: --reason TEXT"))
    earlier = ctx.session.exec(select(Review).where(Review.report_id == report.id)).first()
    if earlier is not None:
        raise Refused(
            "第十五条",
            _(
                "report {id} was already reviewed ({decision}, {day}): a report is reviewed once"
            ).format(
                id=report.id,
                decision=DECISION.label(earlier.decision, language()),
                day=earlier.reviewed_on.isoformat(),
            ),
        )
    if matter.status == "closed":
        raise Refused("第十一条", _("{code} is closed").format(code=matter.code))
    if not accept and assignment.status == "done":
        raise Refused(
            "第十五条",
            _(
                "{unit}'s final report on {code} was accepted on {day}: an earlier report "
                "cannot send it back to work; accept it to file it"
            ).format(unit=unit.name, code=matter.code, day=assignment.completed_on),
        )
    reviewed = ctx.business_day(
        on,
        not_before=report.received_on,
        refusal=_("a report cannot be reviewed on {day}, before it arrived ({limit})"),
    )
    review = Review(
        report_id=report.id,
        decision="accept" if accept else "return",
        reason=(reason or "").strip() or None,
        reviewed_on=reviewed,
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    if accept:
        if report.kind == "final":
            _check_signature(ctx, report, unit)
        report.status = "accepted"
        ctx.add_to_history(
            "review.accept", reviewed, matter, report_id=report.id, unit=unit.name, kind=report.kind
        )
        if report.kind == "final":
            assignment.status = "done"
            assignment.completed_on = reviewed
            ctx.add_to_history(
                "assignment.complete", reviewed, matter, assignment_id=assignment.id, unit=unit.name
            )
        elif report.kind == "explanation" and report.proposed_due_on is not None:
            # 延期: the deadline the unit asked for, given as a date; the original is kept.
            before, after = deadlines.change(
                ctx,
                matter,
                assignment,
                deadlines.Due(report.proposed_due_on),
                why="extension",
                effective_on=reviewed,
            )
            review.new_due_on = after.due_on
            ctx.add_to_history(
                "deadline.extend",
                reviewed,
                matter,
                assignment_id=assignment.id,
                unit=unit.name,
                previous_due=before.due_on,
                due=after.due_on,
                original_due=deadlines.original(ctx, assignment).due_on,
            )
    else:
        due_ = deadlines.choose(ctx, reviewed, due=due, within=within, what=N_("rework deadline"))
        report.status = "returned"
        before, after = deadlines.change(
            ctx, matter, assignment, due_, why="rework", effective_on=reviewed
        )
        assignment.status = "open"
        assignment.completed_on = None
        review.new_due_on = after.due_on
        ctx.add_to_history(
            "review.return",
            reviewed,
            matter,
            report_id=report.id,
            unit=unit.name,
            kind=report.kind,
            reason=review.reason,
            previous_due=before.due_on,
            **due_.detail(),
            original_due=deadlines.original(ctx, assignment).due_on,
        )
    ctx.session.add_all([review, report, assignment])
    ctx.session.flush()
    after = Assigned(
        assignment, unit, deadlines.current(ctx, assignment), deadlines.original(ctx, assignment)
    )
    return review, report, after, matter
