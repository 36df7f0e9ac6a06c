"""How the office works a matter besides urging: coordinating units that disagree
(协调, 第十二条; escalated to the city's leaders, 提请协调, 第十三条) and checking the work
(督查, 第二十条), perhaps with a research report (调研报告, 第十四条)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from duban.context import Context, utcnow
from duban.errors import BadValue, Refused
from duban.i18n import _
from duban.models import Attachment, Coordination, Inspection, Matter
from duban.ops import attachments
from duban.ops.assignments import find_assignment
from duban.ops.follow import _open_matter
from duban.ops.matters import find_matter
from duban.ops.units import find_unit
from duban.vocab import INSPECT_METHOD

_SEPARATORS = re.compile(r"[,，、;；]")


def split_units(given: Iterable[str]) -> list[str]:
    """`--units A,B` (also 、 and full-width commas), repeatable: each unit as typed."""
    return [part.strip() for text in given for part in _SEPARATORS.split(text) if part.strip()]


def coordinate(
    ctx: Context,
    code: str,
    *,
    units: Sequence[str],
    note: str,
    escalate: bool = False,
    on: dt.date | None = None,
) -> tuple[Coordination, Matter]:
    """Record a disagreement between units of a matter that the office coordinated
    (第十二条), or escalated to the city's leaders (`escalate`, 第十三条)."""
    matter = find_matter(ctx, code)
    _open_matter(matter, _("there is nothing to coordinate"))
    note = note.strip()
    if not note:
        raise BadValue(_("say what was coordinated with --note"))
    names: list[str] = []
    notified = matter.received_on
    for name in split_units(units):
        unit = find_unit(ctx, name)
        assignment = find_assignment(ctx, matter, unit)
        if assignment.status == "withdrawn":
            raise Refused(
                "第十二条",
                _("{unit} was withdrawn from {code}: see `duban show {code}`").format(
                    unit=unit.name, code=matter.code
                ),
            )
        if unit.name not in names:
            names.append(unit.name)
            notified = max(notified, assignment.notified_on)
    if len(names) < 2:
        raise BadValue(_("a coordination is between two units or more of the matter: --units A,B"))
    day = ctx.business_day(
        on,
        not_before=notified,
        refusal=_("{code}: no coordination on {day}, before its units were all notified ({limit})"),
        code=matter.code,
    )
    row = Coordination(
        matter_id=matter.id,
        units="、".join(names),
        note=note,
        escalated=escalate,
        coordinated_on=day,
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(row)
    ctx.session.flush()
    action = "coordinate.escalate" if escalate else "coordinate.add"
    ctx.add_to_history(action, day, matter, coordination_id=row.id, units=names, note=note)
    return row, matter


def inspect(
    ctx: Context,
    code: str,
    *,
    method: str,
    note: str,
    on: dt.date | None = None,
    research_files: Sequence[Path | str] = (),
) -> tuple[Inspection, Matter, list[Attachment]]:
    """Record how the office checked a matter (第二十条), with any research report
    (调研报告, 第十四条) kept as the inspection's attachment."""
    how = INSPECT_METHOD.parse(method)
    incoming = attachments.check(research_files)
    matter = find_matter(ctx, code)
    _open_matter(matter, _("there is nothing to inspect"))
    note = note.strip()
    if not note:
        raise BadValue(_("say what the inspection found with --note"))
    day = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_("{code} cannot be inspected on {day}, before it was received ({limit})"),
        code=matter.code,
    )
    row = Inspection(
        matter_id=matter.id,
        method=how,
        note=note,
        inspected_on=day,
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.add_to_history(
        "inspect.add", day, matter, inspection_id=row.id, method=how, note=note,
        **({"attachments": [f.detail() for f in incoming]} if incoming else {}),
    )  # fmt: skip
    kept = attachments.keep(ctx, matter, incoming, inspection_id=row.id)
    return row, matter, kept
