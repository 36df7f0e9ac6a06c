"""Units (承办单位): add, edit, list, import, and find one by name, code or short name."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import func, or_, select

from duban.context import Context, utcnow
from duban.errors import BadValue, NotFound, Refused
from duban.files import read_text
from duban.i18n import _
from duban.models import Unit, UnitAlias
from duban.vocab import UNIT_KIND


def find_unit(ctx: Context, name: str) -> Unit:
    """The unit with that name, code or short name (简称); NotFound with "did you mean"
    otherwise (`duban.reader.Reader.find_unit`, the one lookup)."""
    return ctx.session.get(Unit, ctx.reader.find_unit(name).id)


def aliases_of(ctx: Context, unit: Unit) -> list[str]:
    """The unit's short names (简称), in the order they were given."""
    query = select(UnitAlias.alias).where(UnitAlias.unit_id == unit.id).order_by(UnitAlias.id)
    return list(ctx.session.exec(query))


def _check_free(
    ctx: Context,
    key: str,
    what: str,
    unit: Unit | None = None,
    hint: str = "",
    owner: str | None = None,
) -> None:
    """Refuse a name, code or short name that a lookup would confuse with another unit's.

    `find_unit` takes a name, a code or a short name (alias), so a key must not be, in
    any letter case, another unit's name, code or alias; the message names the unit
    that holds it, and for an alias (`what="alias"`) the unit it was for (`owner`).
    """
    lowered = key.lower()
    query = select(Unit).where(
        or_(func.lower(Unit.name) == lowered, func.lower(Unit.code) == lowered)
    )
    by_alias = (
        select(Unit)
        .join(UnitAlias, UnitAlias.unit_id == Unit.id)
        .where(func.lower(UnitAlias.alias) == lowered)
    )
    if unit is not None and unit.id is not None:
        query = query.where(Unit.id != unit.id)
        by_alias = by_alias.where(Unit.id != unit.id)
    holder = ctx.session.exec(query).first()
    if holder is not None:
        held = "name" if holder.name.lower() == lowered else "code"
    elif (holder := ctx.session.exec(by_alias).first()) is not None:
        held = "alias"
    else:
        return
    names = {"key": key, "unit": owner, "holder": holder.name}
    if what == "alias" and held == "name":
        raise BadValue(
            _("alias {key!r} for {unit} is already the name of {holder}: choose another")
            .format(**names)
        )  # fmt: skip
    if what == "alias" and held == "code":
        raise BadValue(
            _("alias {key!r} for {unit} is already the code of {holder}: choose another")
            .format(**names)
        )  # fmt: skip
    if what == "alias":
        raise BadValue(
            _("alias {key!r} for {unit} is already an alias of {holder}: choose another")
            .format(**names)
        )  # fmt: skip
    if held == "alias" and what == "name":
        raise BadValue(
            _("name {key!r} is already an alias of {holder}: choose another").format(**names)
        )
    if held == "alias":
        raise BadValue(
            _("code {key!r} is already an alias of {holder}: choose another").format(**names)
        )
    if what == "name" and held == "name":
        raise BadValue(_("unit {key!r} is already registered").format(key=key) + hint)
    if what == "name":
        raise BadValue(
            _("name {key!r} is already the code of {holder}: choose another").format(**names)
        )
    if held == "name":
        raise BadValue(
            _("code {key!r} is already the name of {holder}: choose another").format(**names)
        )
    raise BadValue(
        _("code {key!r} is already the code of {holder}: choose another").format(**names)
    )


def add_unit(
    ctx: Context,
    name: str,
    *,
    head: str | None = None,
    kind: str = "department",
    parent: str | None = None,
    code: str | None = None,
    aliases: Sequence[str] = (),
) -> Unit:
    name = name.strip()
    if not name:
        raise BadValue(_("a unit needs a name"))
    kind = UNIT_KIND.parse(kind)
    _check_free(ctx, name, "name", hint=_(": use `duban unit edit`"))
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
    added = _add_aliases(ctx, unit, aliases)
    ctx.add_to_history(
        "unit.add",
        ctx.today(),
        unit_id=unit.id,
        name=name,
        code=code,
        kind=kind,
        head=unit.head,
        parent=parent_unit.name if parent_unit else None,
        **({"aliases": added} if added else {}),
    )
    return unit


def _add_aliases(ctx: Context, unit: Unit, aliases: Sequence[str]) -> list[str]:
    """Give the unit these short names (简称); those it already goes by are skipped.

    Each is refused if it is, in any letter case, another unit's name, code or alias.
    """
    taken = {unit.name.lower(), (unit.code or "").lower()}
    taken |= {a.lower() for a in aliases_of(ctx, unit)}
    added = []
    for text in aliases:
        alias = text.strip()
        if not alias:
            raise BadValue(_("an alias cannot be empty"))
        if alias.lower() in taken:
            continue
        _check_free(ctx, alias, "alias", unit, owner=unit.name)
        ctx.session.add(UnitAlias(unit_id=unit.id, alias=alias))
        ctx.session.flush()
        taken.add(alias.lower())
        added.append(alias)
    return added


def _drop_aliases(ctx: Context, unit: Unit, aliases: Sequence[str]) -> None:
    """Take these short names from the unit; one it does not go by is not found."""
    for text in aliases:
        row = ctx.session.exec(
            select(UnitAlias).where(
                UnitAlias.unit_id == unit.id, func.lower(UnitAlias.alias) == text.strip().lower()
            )
        ).first()
        if row is None:
            has = aliases_of(ctx, unit)
            if has:
                raise NotFound(
                    _("{unit} has no alias {alias!r}: its aliases are {aliases}").format(
                        unit=unit.name, alias=text.strip(), aliases=", ".join(has)
                    )
                )
            raise NotFound(
                _("{unit} has no alias {alias!r}: it has none").format(
                    unit=unit.name, alias=text.strip()
                )
            )
        ctx.session.delete(row)
        ctx.session.flush()


def edit_unit(
    ctx: Context,
    name: str,
    *,
    head: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    code: str | None = None,
    rename: str | None = None,
    aliases: Sequence[str] = (),
    drop_aliases: Sequence[str] = (),
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
                    raise Refused(
                        "第五条",
                        _("{parent} is under {unit}: no cycles").format(
                            parent=parent_unit.name, unit=unit.name
                        ),
                    )
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
            raise BadValue(_("a unit needs a name: --rename cannot be empty"))
        _check_free(ctx, new, "name", unit)
        changes["name"] = (unit.name, new)
        unit.name = new
    if aliases or drop_aliases:
        ctx.session.add(unit)
        before = aliases_of(ctx, unit)
        _drop_aliases(ctx, unit, drop_aliases)
        _add_aliases(ctx, unit, aliases)
        after = aliases_of(ctx, unit)
        if after != before:
            changes["aliases"] = (before, after)
    if not changes:
        raise BadValue(
            _(
                "nothing to change: give --head, --kind, --parent, --code, --rename, --alias "
                "or --drop-alias"
            )
        )
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


# Column names a units file may use: the English keys and labels (any letter case), and
# the Chinese labels the tool prints (`duban.render.LABELS`) with the usual others.
_COLUMNS = {
    "name": ("name", "名称", "单位", "单位名称"),
    "code": ("code", "编号", "代码", "编码", "单位代码", "单位编号"),
    "kind": ("kind", "类型", "单位类型"),
    "head": ("head", "主要负责人", "负责人"),
    "parent": ("parent", "上级", "上级单位"),
    "aliases": ("aliases", "alias", "short names", "简称", "别名", "单位简称"),
}
_ALIAS_SEPARATORS = re.compile(r"[;；,，、]")  # the file says `发改委;市发改委`


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    """Which column of the file holds what: key -> its place.  A column named twice
    (`name` and `名称`) is refused, naming both."""
    known = {name.lower(): key for key, names in _COLUMNS.items() for name in names}
    columns: dict[str, int] = {}
    for at, cell in enumerate(header):
        key = known.get(cell.strip().lower())
        if key is None:
            continue  # a column duban does not keep (序号, 备注): left out
        if key in columns:
            first, second = header[columns[key]].strip(), cell.strip()
            if first == second:
                raise BadValue(
                    _("{path}: the column {column!r} is named twice: keep one").format(
                        path=path, column=first
                    )
                )
            raise BadValue(
                _("{path}: the columns {first!r} and {second!r} both give the unit's {key}: "
                  "keep one").format(path=path, first=first, second=second, key=key)
            )  # fmt: skip
        columns[key] = at
    return columns


def _at_line(path: Path, line: int, exc: BadValue | NotFound) -> str:
    """A row's error, named by the file and its line."""
    return _("{path}:{line}: {message}").format(path=path, line=line, message=exc.message)


def import_units(
    ctx: Context, path: Path, *, update: bool = False
) -> list[Unit] | tuple[list[Unit], list[Unit]]:
    """Add every unit of a CSV file (header: name, code, kind, head, parent, aliases;
    or 名称, 编号, 类型, 主要负责人, 上级单位, 简称; aliases separated by `;`).

    All or nothing: one bad row refuses the whole file, naming its line.  Parents
    may come later in the file than their children.  With `update`, a unit already
    registered (by name or code) is updated from its row instead (`_update_from`), and
    the answer is (added, updated).
    """
    text = read_text(path, hint=_(": save the sheet as CSV UTF-8"))
    reader = csv.reader(text.splitlines())
    columns = _columns(path, next(reader, []))
    if "name" not in columns:
        raise BadValue(
            _("{path}: the first line must name the columns, with at least 'name'").format(
                path=path
            )
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        values = {k: (row[at] if at < len(row) else "").strip() for k, at in columns.items()}
        if not values["name"]:
            if any(values.values()):
                raise BadValue(_("{path}:{line}: a unit needs a name").format(path=path, line=line))
            continue
        rows.append((line, values))
    known: list[tuple[int, dict[str, str], Unit]] = []
    if update:
        for line, values in rows:
            if (unit := _registered(ctx, path, line, values)) is not None:
                known.append((line, values, unit))
        rows = [(line, values) for line, values in rows if all(k[0] != line for k in known)]
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
                    aliases=[
                        a for a in _ALIAS_SEPARATORS.split(values.get("aliases", "")) if a.strip()
                    ],
                )
            )
        except BadValue as exc:
            raise BadValue(_at_line(path, line, exc)) from exc
    for line, values in rows:
        if values.get("parent"):
            try:
                edit_unit(ctx, values["name"], parent=values["parent"])
            except NotFound as exc:
                raise NotFound(_at_line(path, line, exc)) from exc
            except BadValue as exc:
                raise BadValue(_at_line(path, line, exc)) from exc
    if not update:
        return added
    updated: list[Unit] = []
    for line, values, unit in known:
        try:
            if _update_from(ctx, unit, values):
                updated.append(unit)
        except (BadValue, NotFound) as exc:
            raise type(exc)(_at_line(path, line, exc)) from exc
    return added, updated


def _registered(ctx: Context, path: Path, line: int, values: dict[str, str]) -> Unit | None:
    """The unit a row of `unit import --update` stands for: registered under its name or
    its code (any letter case); a row whose name is one unit's and code another's is
    refused."""
    by_name = ctx.session.exec(
        select(Unit).where(func.lower(Unit.name) == values["name"].lower())
    ).first()
    code = values.get("code") or ""
    by_code = (
        ctx.session.exec(select(Unit).where(func.lower(Unit.code) == code.lower())).first()
        if code
        else None
    )
    if by_name is not None and by_code is not None and by_name.id != by_code.id:
        raise BadValue(
            _("{path}:{line}: {name} is registered, and its code {code!r} is {other}'s").format(
                path=path, line=line, name=by_name.name, code=code, other=by_code.name
            )
        )
    return by_name or by_code


def _update_from(ctx: Context, unit: Unit, values: dict[str, str]) -> bool:
    """Update a registered unit from its row: the name (when found by code), head, kind,
    code and parent the row gives, and its short names added.  An empty cell leaves the
    value as it is; no short name is dropped.  One `unit.edit` entry when anything
    changed; whether it did."""
    new: dict[str, object] = {}
    if values["name"] != unit.name:
        new["rename"] = values["name"]
    if values.get("head") and values["head"] != (unit.head or ""):
        new["head"] = values["head"]
    if values.get("kind") and UNIT_KIND.parse(values["kind"]) != unit.kind:
        new["kind"] = values["kind"]
    if values.get("code") and values["code"] != (unit.code or ""):
        new["code"] = values["code"]
    if values.get("parent") and find_unit(ctx, values["parent"]).id != unit.parent_id:
        new["parent"] = values["parent"]
    have = {a.lower() for a in aliases_of(ctx, unit)}
    have |= {unit.name.lower(), (unit.code or "").lower()}
    aliases = [
        a.strip() for a in _ALIAS_SEPARATORS.split(values.get("aliases", ""))
        if a.strip() and a.strip().lower() not in have
    ]  # fmt: skip
    if aliases:
        new["aliases"] = aliases
    if not new:
        return False
    edit_unit(ctx, unit.name, **new)  # type: ignore[arg-type]
    return True
