"""The fields of the office's notices to one unit: the 督办通知单 (`assign`) and the
催办通知书 (`urge`), numbered by kind within the year and recorded in the history
(`notice.write`): a notice sent is evidence.  The layout is `duban.documents`; the
urging's words are `duban.ops.follow.urging_text`, the same `urge` prints.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlmodel import func, select

from duban import deadlines
from duban.context import Context
from duban.errors import BadValue, Refused
from duban.i18n import _, language
from duban.models import Assignment, HistoryEntry, Matter, Unit, Urging
from duban.ops import restricted
from duban.ops.assignments import find_assignment
from duban.ops.follow import urging_text
from duban.ops.matters import find_matter
from duban.ops.units import find_unit
from duban.vocab import MATTER_STATUS, ROLE, SOURCE

KINDS = ("assign", "urge")
ARTICLE = "第十二条"  # a unit reports within its deadline


@dataclass(frozen=True)
class NoticeFields:
    """What a notice says (dates as dates; `duban.views.notice` makes the shape)."""

    kind: str
    number: str
    seq: int
    on: dt.date
    code: str
    title: str
    unit: str
    role: str
    head: str | None
    responsible: str | None
    source: str
    source_ref: str | None
    leader: str | None
    received: dt.date
    plan: str | None
    notified: dt.date
    within: int | None
    due: dt.date
    original_due: dt.date
    lead_units: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    days_overdue: int = 0
    times_urged: int = 0
    report_by: dt.date | None = None
    report_within: int | None = None
    article: str | None = None
    text: str | None = None
    restricted: bool = False
    office: str = ""
    contact: str = ""
    cc: str = ""
    source_term: str = ""
    role_term: str = ""


def _number(ctx: Context, kind: str, year: int) -> int:
    """The next number of this kind of notice in the year: one more than written so far."""
    rows = ctx.session.exec(
        select(HistoryEntry.detail).where(
            HistoryEntry.action == "notice.write",
            HistoryEntry.effective_on >= dt.date(year, 1, 1),
            HistoryEntry.effective_on <= dt.date(year, 12, 31),
        )
    ).all()
    return 1 + sum(1 for d in rows if json.loads(d).get("kind") == kind)


def _units(ctx: Context, matter: Matter) -> list[tuple[Assignment, Unit]]:
    return list(
        ctx.session.exec(
            select(Assignment, Unit)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.matter_id == matter.id, Assignment.status != "withdrawn")
            .order_by(Unit.name)
        ).all()
    )


def _choose(
    ctx: Context, matter: Matter, kind: str, unit: str | None, day: dt.date
) -> tuple[Assignment, Unit]:
    if unit:
        found = find_unit(ctx, unit)
        return find_assignment(ctx, matter, found), found
    pairs = [(a, u) for a, u in _units(ctx, matter) if a.role == "lead"]
    if kind == "urge":
        late = {r.unit for r in ctx.reader.overdue(day) if r.code == matter.code and r.unit}
        pairs = [(a, u) for a, u in pairs if u.name in late and a.status == "open"]
        if not pairs:
            raise Refused(
                "第十三条",
                _("no lead unit of {code} is overdue on {day}: name one with --unit").format(
                    code=matter.code, day=day.isoformat()
                ),
            )
    if not pairs:
        raise Refused(
            "第十二条",
            _("{code} has no lead unit yet: assign one first").format(code=matter.code),
        )
    return pairs[0]


def notice(
    ctx: Context,
    code: str,
    kind: str,
    *,
    unit: str | None = None,
    on: dt.date | None = None,
    include_restricted: bool = False,
    report_within: int | None = None,
    file: str | None = None,
) -> NoticeFields:
    """The 督办通知单 (`assign`) or 催办通知书 (`urge`) of a matter to one unit, numbered and
    recorded; `unit` defaults to the first lead unit (by name), for `urge` the first one
    overdue on `on`.  A restricted matter is refused (第三条) unless `include_restricted`,
    and including it is recorded."""
    if kind not in KINDS:
        raise BadValue(_("unknown notice kind {kind!r}: use assign or urge").format(kind=kind))
    matter = find_matter(ctx, code)
    restricted.refuse_unless_included(matter.code, matter.restricted, include_restricted)
    if matter.status == "cancelled" or (kind == "urge" and matter.status == "closed"):
        raise Refused(
            "第十一条",
            _("{code} is {status}: no notice is sent on it").format(
                code=matter.code, status=MATTER_STATUS.label(matter.status, language())
            ),
        )
    day = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_("no notice on {code} can be dated {day}, before it was received ({limit})"),
        code=matter.code,
    )
    assignment, found = _choose(ctx, matter, kind, unit, day)
    if kind == "urge" and assignment.status == "done":
        raise Refused(
            "第十三条",
            _("{unit} has completed its part of {code}: nothing to urge").format(
                unit=found.name, code=matter.code
            ),
        )
    current = deadlines.current(ctx, assignment)
    original = deadlines.original(ctx, assignment)
    others = _units(ctx, matter)
    seq = _number(ctx, kind, day.year)
    prefix = _("Urging") if kind == "urge" else _("Supervision")
    number = f"{prefix}〔{day.year}〕{seq}号"
    lang = language()
    extra: dict[str, object] = {}
    if kind == "urge":
        times = ctx.session.exec(
            select(func.count())
            .select_from(Urging)
            .where(Urging.assignment_id == assignment.id, Urging.urged_on < day)
        ).one()
        within = (
            report_within if report_within is not None else int(ctx.setting("urge_report_within"))
        )
        if not 1 <= within <= 60:
            raise BadValue(_("{text!r} is not 1 to 60 working days").format(text=str(within)))
        extra = {
            "days_overdue": max((day - current.due_on).days, 0),
            "times_urged": int(times),
            "report_within": within,
            "report_by": deadlines.count(ctx, day, within).on,
            "article": ARTICLE,
            "text": urging_text(matter, found, current.due_on, day, int(times)),
        }
    fields = NoticeFields(
        kind=kind,
        number=number,
        seq=seq,
        on=day,
        code=matter.code,
        title=matter.title,
        unit=found.name,
        role=assignment.role,
        head=found.head,
        responsible=assignment.responsible,
        source=matter.source,
        source_ref=matter.source_ref,
        leader=matter.leader,
        received=matter.received_on,
        plan=matter.plan,
        notified=assignment.notified_on,
        within=current.within,
        due=current.due_on,
        original_due=original.due_on,
        lead_units=[u.name for a, u in others if a.role == "lead"],
        participants=[u.name for a, u in others if a.role != "lead"],
        restricted=bool(matter.restricted),
        office=ctx.setting("office_name"),
        contact=ctx.setting("office_contact"),
        cc=ctx.setting("document_cc"),
        source_term=SOURCE.label(matter.source, lang),
        role_term=ROLE.label(assignment.role, lang),
        **extra,  # type: ignore[arg-type]
    )
    if include_restricted:
        restricted.record_inclusion(
            ctx, command="notice", codes=[matter.code] if matter.restricted else [],
            matter=matter, on=day, kind=kind,
        )  # fmt: skip
    ctx.add_to_history(
        "notice.write", day, matter, kind=kind, number=number, unit=found.name, file=file,
        due=current.due_on, times_urged=extra.get("times_urged"),
    )  # fmt: skip
    return fields
