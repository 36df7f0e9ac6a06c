"""Units (承办单位): add, edit, list, import, and find one by name, code or short name."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from sqlmodel import func, or_, select

from duban.context import Context, utcnow
from duban.errors import BadValue, NotFound, Refused
from duban.files import read_csv
from duban.i18n import _
from duban.models import Unit, UnitAlias, UnitHead
from duban.text import name as clean_name
from duban.text import optional
from duban.vocab import UNIT_KIND


def find_unit(ctx: Context, name: str) -> Unit:
    """The unit with that name, code or short name (简称); NotFound with "did you mean"
    otherwise (`duban.reader.Reader.find_unit`, the one lookup)."""
    return ctx.session.get(Unit, ctx.reader.find_unit(name).id)


def aliases_of(ctx: Context, unit: Unit) -> list[str]:
    """The unit's short names (简称), in the order they were given."""
    query = select(UnitAlias.alias).where(UnitAlias.unit_id == unit.id).order_by(UnitAlias.id)
    return list(ctx.session.exec(query))


# -- heads (主要负责人) by date: a report is judged by the head on the day it arrived --


def heads_of(ctx: Context, unit: Unit) -> list[UnitHead]:
    """The unit's heads in the order they took office (`since`; None first: the head it
    had before the register knew), each from its day until the next one's."""
    rows = ctx.session.exec(select(UnitHead).where(UnitHead.unit_id == unit.id)).all()
    return sorted(rows, key=lambda r: (r.since or dt.date.min, r.id))


def head_on(ctx: Context, unit: Unit, day: dt.date) -> str | None:
    """Who was the unit's head on `day` (None: nobody the register knows of).  A unit
    whose heads were never recorded by date (a register filled by hand) has its head."""
    rows = heads_of(ctx, unit)
    if not rows:
        return unit.head
    before = [r for r in rows if r.since is None or r.since <= day]
    return before[-1].head if before else None


def _record_head(ctx: Context, unit: Unit, head: str | None, since: dt.date | None) -> None:
    ctx.session.add(
        UnitHead(unit_id=unit.id, head=head, since=since, created_at=utcnow(),
                 created_by=ctx.actor)
    )  # fmt: skip


def _head_since(ctx: Context, unit: Unit, since: dt.date | None) -> dt.date | None:
    """The first day of a new head: `since` (never after today, never before the day the
    last one began), else today; None for a unit's first head with no `since` (the head
    it has had, as far as the register knows)."""
    rows = heads_of(ctx, unit)
    if since is None and not any(r.head for r in rows):
        return None
    last = rows[-1].since if rows else None
    return ctx.business_day(
        since,
        not_before=last,
        refusal=_("{unit}'s head cannot change on {day}: its present head took office on {limit}"),
        unit=unit.name,
    )


class Keys:
    """Every unit's name, code and short names, read once, for changing many units at
    once (`unit import`): what `_check_free` and the lookups of an import ask, answered
    from memory instead of a query per row (a query per row over every unit is what
    made an import of 50,000 units take 25 minutes).  Kept up to date by the changes
    made with it."""

    def __init__(self, ctx: Context) -> None:
        self.held: dict[str, list[tuple[int, str]]] = {}  # lower-cased key -> (id, what)
        self.exact: dict[str, int] = {}  # a name as it is spelt -> the unit's id
        self.names: dict[int, str] = {}
        self.aliases: dict[int, list[str]] = {}  # in the order they were given
        for unit_id, name, code in ctx.session.exec(select(Unit.id, Unit.name, Unit.code)):
            self.take(unit_id, name, "name")
            if code:
                self.take(unit_id, code, "code")
        query = select(UnitAlias.unit_id, UnitAlias.alias).order_by(UnitAlias.id)
        for unit_id, alias in ctx.session.exec(query):
            self.take(unit_id, alias, "alias")

    def take(self, unit_id: int, key: str, what: str) -> None:
        self.held.setdefault(key.lower(), []).append((unit_id, what))
        if what == "name":
            self.names[unit_id] = key
            self.exact.setdefault(key, unit_id)
        elif what == "alias":
            self.aliases.setdefault(unit_id, []).append(key)

    def drop(self, unit_id: int, key: str, what: str) -> None:
        holders = self.held.get(key.lower(), [])
        if (unit_id, what) in holders:
            holders.remove((unit_id, what))
        if what == "name" and self.exact.get(key) == unit_id:
            del self.exact[key]
        elif what == "alias":
            self.aliases[unit_id] = [
                a for a in self.aliases.get(unit_id, []) if a.lower() != key.lower()
            ]

    def holder(self, key: str, unit_id: int | None) -> tuple[int, str] | None:
        """The unit other than `unit_id` holding `key` (any letter case), and how; a name
        or a code before a short name, as `_check_free` asks."""
        others = [h for h in self.held.get(key.lower(), []) if h[0] != unit_id]
        named = sorted(h for h in others if h[1] != "alias")
        return (named or others or [None])[0]

    def find(self, key: str) -> int | None:
        """The id of the unit `find_unit` would find: its name as spelt, its code or short
        name in any letter case; None for none."""
        key = key.strip()
        found = [self.exact[key]] if key in self.exact else []
        found += [i for i, what in self.held.get(key.lower(), []) if what != "name"]
        return min(found) if found else None

    def registered(self, key: str, what: str) -> int | None:
        """The unit whose name (or code), in any letter case, is `key`."""
        ids = [i for i, held in self.held.get(key.lower(), []) if held == what]
        return min(ids) if ids else None


def _check_free(
    ctx: Context,
    key: str,
    what: str,
    unit: Unit | None = None,
    hint: str = "",
    owner: str | None = None,
    keys: Keys | None = None,
    unit_id: int | None = None,
) -> None:
    """Refuse a name, code or short name that a lookup would confuse with another unit's.

    `find_unit` takes a name, a code or a short name (alias), so a key must not be, in
    any letter case, another unit's name, code or alias; the message names the unit
    that holds it, and for an alias (`what="alias"`) the unit it was for (`owner`).
    With `keys` (many changes at once), the answer comes from memory; `unit_id` then
    names the unit the key is for when it is not yet written (`unit` is None).
    """
    lowered = key.lower()
    if keys is not None:
        own = unit.id if unit is not None else unit_id
        found = keys.holder(key, own)
        if found is None:
            return
        holder = SimpleNamespace(name=keys.names[found[0]])
        held = found[1]
    else:
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
    """Add a unit; its head (if given) is recorded as its head from before the register
    knew it (`unit_head.since` None)."""
    name = clean_name(name, _("a unit needs a name that shows: {name!r}").format(name=name))
    kind = UNIT_KIND.parse(kind)
    _check_free(ctx, name, "name", hint=_(": use `duban unit edit`"))
    code = optional(code)
    if code:
        _check_free(ctx, code, "code")
    parent_unit = find_unit(ctx, parent) if parent else None
    unit = Unit(
        name=name,
        code=code,
        kind=kind,
        head=optional(head),
        parent_id=parent_unit.id if parent_unit else None,
        created_at=utcnow(),
    )
    ctx.session.add(unit)
    ctx.session.flush()
    if unit.head:
        _record_head(ctx, unit, unit.head, None)
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


def _add_aliases(
    ctx: Context, unit: Unit, aliases: Sequence[str], keys: Keys | None = None
) -> list[str]:
    """Give the unit these short names (简称); those it already goes by are skipped.

    Each is refused if it is, in any letter case, another unit's name, code or alias.
    """
    taken = {unit.name.lower(), (unit.code or "").lower()}
    had = keys.aliases.get(unit.id, []) if keys is not None else aliases_of(ctx, unit)
    taken |= {a.lower() for a in had}
    added = []
    for text in aliases:
        alias = optional(text)
        if not alias:
            raise BadValue(_("an alias cannot be empty"))
        if alias.lower() in taken:
            continue
        _check_free(ctx, alias, "alias", unit, owner=unit.name, keys=keys)
        ctx.session.add(UnitAlias(unit_id=unit.id, alias=alias))
        ctx.session.flush()
        taken.add(alias.lower())
        if keys is not None:
            keys.take(unit.id, alias, "alias")
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
    keys: Keys | None = None,
    head_since: dt.date | None = None,
) -> Unit:
    """Change a unit; one `unit.edit` entry naming each change, old and new.

    A new head (an empty one: none) is recorded with its first day, `head_since` or
    today (`_head_since`); the one before stays the head of the days before it.
    `keys` (many changes at once: `unit import --update`): the units are found and the
    keys checked in memory (`Keys`), and it is kept up to date."""
    unit = _find(ctx, name, keys)
    changes: dict[str, tuple[object, object]] = {}
    since: dt.date | None = None
    if head_since is not None and head is None:
        raise BadValue(_("--since goes with --head: the day the new head took office"))
    if head_since is not None and unit.head and optional(head) == unit.head:
        raise BadValue(
            _("{head} is already the head of {unit}").format(head=unit.head, unit=unit.name)
        )
    if head is not None and optional(head) != unit.head:
        if unit.head and not heads_of(ctx, unit):  # its head, never recorded by date
            _record_head(ctx, unit, unit.head, None)
            ctx.session.flush()
        since = _head_since(ctx, unit, head_since)
        changes["head"] = (unit.head, optional(head))
        unit.head = optional(head)
        _record_head(ctx, unit, unit.head, since)
    if kind is not None:
        new_kind = UNIT_KIND.parse(kind)
        if new_kind != unit.kind:
            changes["kind"] = (unit.kind, new_kind)
            unit.kind = new_kind
    if parent is not None:
        parent_unit = _find(ctx, parent, keys)
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
    if code is not None and optional(code) != unit.code:
        new_code = optional(code)
        if new_code:
            _check_free(ctx, new_code, "code", unit, keys=keys)
        changes["code"] = (unit.code, new_code)
        if keys is not None:
            keys.drop(unit.id, unit.code or "", "code")
            if new_code:
                keys.take(unit.id, new_code, "code")
        unit.code = new_code
    new = (
        rename
        if rename is None
        else clean_name(
            rename,
            _("a unit needs a name that shows: --rename {name!r}").format(name=rename)
            if rename.strip()
            else _("a unit needs a name: --rename cannot be empty"),
        )
    )
    if new is not None and new != unit.name:
        _check_free(ctx, new, "name", unit, keys=keys)
        changes["name"] = (unit.name, new)
        if keys is not None:
            keys.drop(unit.id, unit.name, "name")
            keys.take(unit.id, new, "name")
        unit.name = new
    if aliases or drop_aliases:
        ctx.session.add(unit)
        before = aliases_of(ctx, unit)
        _drop_aliases(ctx, unit, drop_aliases)
        for text in drop_aliases if keys is not None else ():
            keys.drop(unit.id, text.strip(), "alias")
        _add_aliases(ctx, unit, aliases, keys)
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
        **({"head_since": since} if since is not None else {}),
    )
    return unit


def _find(ctx: Context, name: str, keys: Keys | None) -> Unit:
    """`find_unit`, from memory where `keys` knows the unit."""
    if keys is not None and (found := keys.find(name)) is not None:
        return ctx.session.get(Unit, found)
    return find_unit(ctx, name)


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


def _at_line(path: Path, line: int, exc: BadValue | NotFound | Refused) -> str:
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

    Linear in the rows: the units' names, codes and short names are read once (`Keys`)
    and every row is checked against them in memory; the new units are written
    together, each with its `unit.add` entry (its parent in it).
    """
    table = read_csv(path, kind="units", hint=_(": save the sheet as CSV UTF-8"), line_breaks=False)
    columns = _columns(path, table.header)
    if "name" not in columns:
        raise BadValue(
            _("{path}: the first line must name the columns, with at least 'name'").format(
                path=path
            )
        )
    rows = []
    for line, row in table.rows:
        values = {k: (row[at] if at < len(row) else "").strip() for k, at in columns.items()}
        if not values["name"]:
            if any(values.values()):
                raise BadValue(_("{path}:{line}: a unit needs a name").format(path=path, line=line))
            continue
        rows.append((line, values))
    keys = Keys(ctx)
    known: list[tuple[int, dict[str, str], int]] = []
    if update:
        at_hand = ctx.session.exec(select(Unit)).all()  # held: no query per row to get one
        new_rows = []
        for line, values in rows:
            if (unit_id := _registered(keys, path, line, values)) is not None:
                known.append((line, values, unit_id))
            else:
                new_rows.append((line, values))
        rows = new_rows
    added = _add_units(ctx, path, rows, keys)
    if not update:
        return added
    at_hand += added
    updated: list[Unit] = []
    for line, values, unit_id in known:
        unit = ctx.session.get(Unit, unit_id)
        try:
            if _update_from(ctx, unit, values, keys):
                updated.append(unit)
        except (BadValue, NotFound) as exc:
            raise type(exc)(_at_line(path, line, exc)) from exc
        except Refused as exc:
            raise _refused_at(path, line, exc) from exc
    return added, updated


def _refused_at(path: Path, line: int, exc: Refused) -> Refused:
    """A refusal of the regulation's rules, named by the file and its line."""
    at = Refused("", _at_line(path, line, exc))
    at.article = exc.article
    return at


def _add_units(
    ctx: Context, path: Path, rows: list[tuple[int, dict[str, str]]], keys: Keys
) -> list[Unit]:
    """The new units of a file, checked in memory and written together: the units, then
    their short names, then their parents (a parent may come later in the file), then
    a `unit.add` entry each.  The first bad row refuses them all, naming its line.

    The rows go in with one multi-row INSERT per table (the database numbers the units,
    in the file's order), not an ORM object each: 50,000 units in seconds."""
    from sqlalchemy import bindparam, insert, update

    fields: list[dict[str, object]] = []
    aliases: list[list[str]] = []
    now = utcnow()
    for at, (line, values) in enumerate(rows):
        temp = -1 - at  # the unit's id in `keys` until it has its own
        try:
            fields.append(_new_unit(ctx, values, keys, temp, now))
            aliases.append(_new_aliases(ctx, values, keys, temp))
        except BadValue as exc:
            raise BadValue(_at_line(path, line, exc)) from exc
    if not fields:
        return []
    table, session = Unit.__table__, ctx.session
    session.flush()
    numbered = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.execute(numbered, fields).scalars())
    for at, unit_id in enumerate(ids):  # the ids in `keys` become the units' own
        _renumber(keys, -1 - at, unit_id, fields[at], aliases[at])
    named = [
        {"unit_id": unit_id, "alias": alias}
        for unit_id, names in zip(ids, aliases, strict=True)
        for alias in names
    ]
    if named:
        session.execute(insert(UnitAlias.__table__), named)
    heads = [  # each head as the unit's from before the register knew (as add_unit)
        {"unit_id": unit_id, "head": row["head"], "since": None, "created_at": now,
         "created_by": ctx.actor}
        for unit_id, row in zip(ids, fields, strict=True) if row["head"]
    ]  # fmt: skip
    if heads:
        session.execute(insert(UnitHead.__table__), heads)
    parents = _parents(ctx, path, rows, ids, keys)
    if parents:
        session.execute(
            update(table).where(table.c.id == bindparam("unit")).values(parent_id=bindparam("up")),
            [{"unit": unit_id, "up": parent[0]} for unit_id, parent in parents.items()],
        )
    today = ctx.today()
    for unit_id, row, names in zip(ids, fields, aliases, strict=True):
        parent = parents.get(unit_id)
        ctx.add_to_history(
            "unit.add",
            today,
            unit_id=unit_id,
            name=row["name"],
            code=row["code"],
            kind=row["kind"],
            head=row["head"],
            parent=parent[1] if parent is not None else None,
            **({"aliases": names} if names else {}),
        )
    session.flush()
    low, high, wanted = min(ids), max(ids), set(ids)
    query = select(Unit).where(Unit.id >= low, Unit.id <= high).order_by(Unit.id)
    return [
        u for u in session.exec(query.execution_options(populate_existing=True)) if u.id in wanted
    ]


def _renumber(
    keys: Keys, temp: int, unit_id: int, row: dict[str, object], aliases: list[str]
) -> None:
    """A new unit's keys, taken under a stand-in id, now under its own."""
    keys.names[unit_id] = keys.names.pop(temp)
    keys.aliases[unit_id] = keys.aliases.pop(temp, [])
    for key in (row["name"], row["code"], *aliases):
        if key:
            held = keys.held[str(key).lower()]
            held[:] = [(unit_id if i == temp else i, what) for i, what in held]
    if keys.exact.get(str(row["name"])) == temp:
        keys.exact[str(row["name"])] = unit_id


def _new_unit(
    ctx: Context, values: dict[str, str], keys: Keys, temp: int, now: object
) -> dict[str, object]:
    """A row's unit (its columns), its name and code checked free (`_check_free`) and
    then taken."""
    name = clean_name(
        values["name"], _("a unit needs a name that shows: {name!r}").format(name=values["name"])
    )
    kind = UNIT_KIND.parse(values.get("kind") or "department")
    _check_free(ctx, name, "name", hint=_(": use `duban unit edit`"), keys=keys)
    code = values.get("code") or None
    if code:
        _check_free(ctx, code, "code", keys=keys)
    keys.take(temp, name, "name")
    if code:
        keys.take(temp, code, "code")
    return {
        "name": name,
        "code": code,
        "kind": kind,
        "head": optional(values.get("head")),
        "parent_id": None,
        "created_at": now,
    }


def _new_aliases(ctx: Context, values: dict[str, str], keys: Keys, temp: int) -> list[str]:
    """A row's short names, each checked free (as `_add_aliases` checks them) and taken;
    one that is the unit's name, code or an earlier short name of it is left out."""
    name = values["name"]
    taken = {name.lower(), (values.get("code") or "").lower()}
    added = []
    for text in _ALIAS_SEPARATORS.split(values.get("aliases", "")):
        alias = text.strip()
        if not alias or alias.lower() in taken:
            continue
        _check_free(ctx, alias, "alias", owner=name, keys=keys, unit_id=temp)
        keys.take(temp, alias, "alias")
        taken.add(alias.lower())
        added.append(alias)
    return added


def _parents(
    ctx: Context,
    path: Path,
    rows: list[tuple[int, dict[str, str]]],
    ids: list[int],
    keys: Keys,
) -> dict[int, tuple[int, str]]:
    """The parent (id, name) of each new unit that names one, found as `find_unit` finds
    a unit; a chain of parents that comes back to a unit is refused (第五条), naming
    the row that closes it.  Linear: a union-find over the new units (a unit already
    registered can have no new unit above it)."""
    parents: dict[int, tuple[int, str]] = {}
    new = set(ids)
    top: dict[int, int] = {}  # a new unit -> towards the top of its chain

    def root(unit_id: int) -> int:
        path_ = []
        while top.get(unit_id, unit_id) != unit_id:
            path_.append(unit_id)
            unit_id = top[unit_id]
        for step in path_:
            top[step] = unit_id
        return unit_id

    for (line, values), unit_id in zip(rows, ids, strict=True):
        named = values.get("parent")
        if not named:
            continue
        found = keys.find(named)
        if found is None:
            try:
                found = find_unit(ctx, named).id
            except NotFound as exc:
                raise NotFound(_at_line(path, line, exc)) from exc
        if found in new and root(found) == unit_id:
            cycle = Refused(
                "第五条",
                _("{parent} is under {unit}: no cycles").format(
                    parent=keys.names[found], unit=keys.names[unit_id]
                ),
            )
            raise _refused_at(path, line, cycle)
        if found in new:
            top[unit_id] = root(found)
        parents[unit_id] = (found, keys.names.get(found) or find_unit(ctx, named).name)
    return parents


def described(ctx: Context, units: Sequence[Unit]) -> list[tuple[Unit, str | None, list[str]]]:
    """Each unit with its parent's name and its short names (简称), in two queries
    whatever the number of units (`unit import` shows every unit it added)."""
    wanted = {u.id for u in units}
    names = dict(ctx.session.exec(select(Unit.id, Unit.name)).all())
    short: dict[int, list[str]] = {}
    query = select(UnitAlias.unit_id, UnitAlias.alias).order_by(UnitAlias.id)
    for unit_id, alias in ctx.session.exec(query):
        if unit_id in wanted:
            short.setdefault(unit_id, []).append(alias)
    return [(u, names.get(u.parent_id), short.get(u.id, [])) for u in units]


def _registered(keys: Keys, path: Path, line: int, values: dict[str, str]) -> int | None:
    """The unit a row of `unit import --update` stands for: registered under its name or
    its code (any letter case); a row whose name is one unit's and code another's is
    refused."""
    by_name = keys.registered(values["name"], "name")
    code = values.get("code") or ""
    by_code = keys.registered(code, "code") if code else None
    if by_name is not None and by_code is not None and by_name != by_code:
        raise BadValue(
            _("{path}:{line}: {name} is registered, and its code {code!r} is {other}'s").format(
                path=path,
                line=line,
                name=keys.names[by_name],
                code=code,
                other=keys.names[by_code],
            )
        )
    return by_name if by_name is not None else by_code


def _update_from(ctx: Context, unit: Unit, values: dict[str, str], keys: Keys) -> bool:
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
    if values.get("parent") and _find(ctx, values["parent"], keys).id != unit.parent_id:
        new["parent"] = values["parent"]
    have = {a.lower() for a in keys.aliases.get(unit.id, [])}
    have |= {unit.name.lower(), (unit.code or "").lower()}
    aliases = [
        a.strip() for a in _ALIAS_SEPARATORS.split(values.get("aliases", ""))
        if a.strip() and a.strip().lower() not in have
    ]  # fmt: skip
    if aliases:
        new["aliases"] = aliases
    if not new:
        return False
    edit_unit(ctx, unit.name, keys=keys, **new)  # type: ignore[arg-type]
    return True
