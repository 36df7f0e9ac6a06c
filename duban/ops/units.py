"""Units (承办单位): add, edit, list, import, and find one by name or code."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import func, or_, select

from duban.context import Context, utcnow
from duban.errors import BadValue, NotFound, Refused
from duban.files import read_text
from duban.models import Unit
from duban.vocab import UNIT_KIND


def find_unit(ctx: Context, name: str) -> Unit:
    """The unit named `name` (or with that code); NotFound with "did you mean" otherwise."""
    return ctx.session.get(Unit, ctx.reader.find_unit(name).id)


def _check_free(
    ctx: Context, key: str, what: str, unit: Unit | None = None, hint: str = ""
) -> None:
    """Refuse a name or code that a lookup would confuse with another unit's.

    `find_unit` takes a name or a code, so a key must not be, in any letter case,
    another unit's name or code; the message names the unit that holds it.
    """
    lowered = key.lower()
    query = select(Unit).where(
        or_(func.lower(Unit.name) == lowered, func.lower(Unit.code) == lowered)
    )
    if unit is not None and unit.id is not None:
        query = query.where(Unit.id != unit.id)
    holder = ctx.session.exec(query).first()
    if holder is None:
        return
    held = "name" if holder.name.lower() == lowered else "code"
    if what == "name" and held == "name":
        raise BadValue(f"unit {key!r} is already registered{hint}")
    raise BadValue(f"{what} {key!r} is already the {held} of {holder.name}: choose another")


def add_unit(
    ctx: Context,
    name: str,
    *,
    head: str | None = None,
    kind: str = "department",
    parent: str | None = None,
    code: str | None = None,
) -> Unit:
    name = name.strip()
    if not name:
        raise BadValue("a unit needs a name")
    kind = UNIT_KIND.parse(kind)
    _check_free(ctx, name, "name", hint=": use `duban unit edit`")
    code = code.strip() if code else None
    if code:
        _check_free(ctx, code, "code")
    parent_unit = find_unit(ctx, parent) if parent else None
    unit = Unit(
        name=name,
        code=code,
        kind=kind,
        head=head.strip() if head else None,
        parent_id=parent_unit.id if parent_unit else None,
        created_at=utcnow(),
    )
    ctx.session.add(unit)
    ctx.session.flush()
    ctx.add_to_history(
        "unit.add",
        ctx.today(),
        unit_id=unit.id,
        name=name,
        code=code,
        kind=kind,
        head=unit.head,
        parent=parent_unit.name if parent_unit else None,
    )
    return unit


def edit_unit(
    ctx: Context,
    name: str,
    *,
    head: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    code: str | None = None,
    rename: str | None = None,
) -> Unit:
    unit = find_unit(ctx, name)
    changes: dict[str, tuple[object, object]] = {}
    if head is not None and head.strip() != (unit.head or ""):
        changes["head"] = (unit.head, head.strip() or None)
        unit.head = head.strip() or None
    if kind is not None:
        new_kind = UNIT_KIND.parse(kind)
        if new_kind != unit.kind:
            changes["kind"] = (unit.kind, new_kind)
            unit.kind = new_kind
    if parent is not None:
        parent_unit = find_unit(ctx, parent)
        if parent_unit.id != unit.parent_id:
            # 第五条: a chain of parents must end; a unit cannot be above itself.
            walk: Unit | None = parent_unit
            while walk is not None:
                if walk.id == unit.id:
                    raise Refused("第五条", f"{parent_unit.name} is under {unit.name}: no cycles")
                walk = ctx.session.get(Unit, walk.parent_id) if walk.parent_id else None
            before = ctx.session.get(Unit, unit.parent_id) if unit.parent_id else None
            changes["parent"] = (before.name if before else None, parent_unit.name)
            unit.parent_id = parent_unit.id
    if code is not None and (code.strip() or None) != unit.code:
        new_code = code.strip() or None
        if new_code:
            _check_free(ctx, new_code, "code", unit)
        changes["code"] = (unit.code, new_code)
        unit.code = new_code
    if rename is not None and rename.strip() != unit.name:
        new = rename.strip()
        if not new:
            raise BadValue("a unit needs a name: --rename cannot be empty")
        _check_free(ctx, new, "name", unit)
        changes["name"] = (unit.name, new)
        unit.name = new
    if not changes:
        raise BadValue("nothing to change: give --head, --kind, --parent, --code or --rename")
    ctx.session.add(unit)
    ctx.add_to_history(
        "unit.edit",
        ctx.today(),
        unit_id=unit.id,
        name=unit.name,
        changes={k: list(v) for k, v in changes.items()},
    )
    return unit


def parent_of(ctx: Context, unit: Unit) -> str | None:
    """The registered name of the unit above (第五条), whatever was typed for it."""
    above = ctx.session.get(Unit, unit.parent_id) if unit.parent_id else None
    return above.name if above is not None else None


# Column names a units file may use, in English or Chinese.
_COLUMNS = {
    "name": ("name", "名称", "单位", "单位名称"),
    "code": ("code", "代码", "编码", "单位代码"),
    "kind": ("kind", "类型", "单位类型"),
    "head": ("head", "主要负责人", "负责人"),
    "parent": ("parent", "上级", "上级单位"),
}


def import_units(ctx: Context, path: Path) -> list[Unit]:
    """Add every unit of a CSV file (header: name, code, kind, head, parent).

    All or nothing: one bad row refuses the whole file, naming its line.  Parents
    may come later in the file than their children.
    """
    text = read_text(path, hint=": save the sheet as CSV UTF-8")
    reader = csv.DictReader(text.splitlines())
    header = {h.strip(): h for h in (reader.fieldnames or [])}
    columns: dict[str, str] = {}
    for key, names in _COLUMNS.items():
        for name in names:
            if name in header:
                columns[key] = header[name]
                break
    if "name" not in columns:
        raise BadValue(f"{path}: the first line must name the columns, with at least 'name'")
    rows = []
    for line, row in enumerate(reader, start=2):
        values = {k: (row.get(col) or "").strip() for k, col in columns.items()}
        if not values["name"]:
            if any(values.values()):
                raise BadValue(f"{path}:{line}: a unit needs a name")
            continue
        rows.append((line, values))
    added: list[Unit] = []
    for line, values in rows:
        try:
            added.append(
                add_unit(
                    ctx,
                    values["name"],
                    head=values.get("head") or None,
                    kind=values.get("kind") or "department",
                    code=values.get("code") or None,
                )
            )
        except BadValue as exc:
            raise BadValue(f"{path}:{line}: {exc.message}") from exc
    for line, values in rows:
        if values.get("parent"):
            try:
                edit_unit(ctx, values["name"], parent=values["parent"])
            except NotFound as exc:
                raise NotFound(f"{path}:{line}: {exc.message}") from exc
            except BadValue as exc:
                raise BadValue(f"{path}:{line}: {exc.message}") from exc
    return added
