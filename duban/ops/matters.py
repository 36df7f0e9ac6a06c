"""Matters (督查事项): register one (立项登记, 第十一条) and find one by its code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from duban import deadlines
from duban.context import Context, utcnow
from duban.errors import BadValue, RegisterError
from duban.i18n import N_, _
from duban.models import Matter
from duban.text import name as clean_name
from duban.text import optional
from duban.vocab import HANDLING, REPORTING, format_code, parse_source

NUMBER_TRIES = 20  # writers that take the same number at once: each takes the next


def find_matter(ctx: Context, code: str) -> Matter:
    """The matter with that code (any letter case); NotFound otherwise."""
    return ctx.session.get(Matter, ctx.reader.find_matter(code).id)


def register_matter(
    ctx: Context,
    title: str,
    *,
    source: str,
    ref: str | None = None,
    leader: str | None = None,
    received: dt.date | None = None,
    due: dt.date | None = None,
    within: int | None = None,
    handling: str | None = None,
    reporting: str = "once",
    note: str | None = None,
    plan: str | None = None,
    force: bool = False,
    every: int | None = None,
    restricted: bool = False,
) -> Matter:
    """立项登记: put a matter on the register with its deadline (第十一条, 第十二条).

    `plan` is the supervision plan (督查方案); `restricted` marks it 涉密 (第三条).  With neither `due` nor `within`, the
    source's own default deadline (setting `source_deadlines`) counts from `received`,
    else `default_within` working days.
    """
    title = clean_name(title, _("a matter needs a title that shows: {title!r}").format(title=title))
    # 第十条: a proposal's source term says whose it is (人大建议: npc), to count them apart.
    source, proposal_by = parse_source(source)
    handling = HANDLING.parse(handling) if handling else None
    reporting = REPORTING.parse(reporting)
    check_every(reporting, every)
    received = ctx.business_day(received, not_before=None)
    if every is not None:  # the first period ends within the calendar and deadline_years
        first = ctx.calendar.add(received, every)
        deadlines.check_reach(ctx, received, first, what=N_("first periodic report"))
    # 第十一条: one matter, one entry: a likely duplicate is refused unless `force`.
    from duban.ops.corrections import refuse_duplicate, resembling

    resembles = resembling(ctx, title, (ref or "").strip() or None, received)
    if resembles and not force:
        refuse_duplicate((ref or "").strip() or None, resembles)
    policy = None
    if due is None and within is None:
        policy = deadlines.by_source(ctx, received, source, proposal_by)
    due_ = deadlines.choose(ctx, received, due=due, within=within, default=policy)
    matter = _numbered(
        ctx,
        received.year,
        title=title,
        source=source,
        proposal_by=proposal_by,
        source_ref=optional(ref),
        leader=optional(leader),
        handling=handling,
        reporting=reporting,
        report_every=every,
        received_on=received,
        note=(note or "").strip() or None,
        plan=(plan or "").strip() or None,
        restricted=restricted,
        status="registered",
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    deadlines.set_for_matter(ctx, matter, due_)
    ctx.add_to_history(
        "matter.register",
        received,
        matter,
        code=matter.code,
        title=title,
        source=source,
        **({"proposal_by": proposal_by} if proposal_by else {}),
        source_ref=matter.source_ref,
        leader=matter.leader,
        handling=handling,
        reporting=reporting,
        **({"report_every": every} if every is not None else {}),
        received=received,
        **due_.detail(),
        note=matter.note,
        **({"plan": matter.plan} if matter.plan else {}),
        **({"restricted": True} if restricted else {}),
        **({"forced": True, "resembles": [c for c, _why in resembles]} if resembles else {}),
    )
    return matter


def check_every(reporting: str, every: int | None) -> None:
    """定期报告: `periodic` reporting needs `every` (1 or more working days); no other
    mode takes it."""
    if reporting == "periodic" and every is None:
        raise BadValue(_("--reporting periodic needs --every N (working days between reports)"))
    if reporting != "periodic" and every is not None:
        raise BadValue(_("--every goes with --reporting periodic"))
    if every is not None and every < 1:
        raise BadValue(_("--every must be 1 or more working days, not {n}").format(n=every))


def _numbered(ctx: Context, year: int, **fields: object) -> Matter:
    """The matter with the next number of its year.

    SQLite lets one writer in at a time, so the number is free; on a shared server two
    writers can take the same one at once: the second's insert fails on the unique
    number, is rolled back to its savepoint, and takes the next.
    """
    for _try in range(NUMBER_TRIES):
        last = ctx.session.exec(select(func.max(Matter.seq)).where(Matter.year == year)).one()
        seq = (last or 0) + 1
        matter = Matter(code=format_code(year, seq), year=year, seq=seq, **fields)
        try:
            with ctx.session.begin_nested():
                ctx.session.add(matter)
        except IntegrityError:
            continue
        return matter
    raise RegisterError(
        _(
            "{tries} other writers took the next number first: the register is too busy; "
            "nothing was written, run again"
        ).format(tries=NUMBER_TRIES)
    )
