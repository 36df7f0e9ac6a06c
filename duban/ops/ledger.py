"""The ledger (台账): the register as the office's spreadsheet, and back.

`ledger_rows` streams one row per matter and lead unit (a matter with no lead unit: one
row with the unit empty), a page of matters at a time, in plain SQL on the read path.
`check_ledger` reads a ledger file and checks every row; `import_ledger` writes what it
found in bulk, in the caller's one transaction: matters, assignments, deadlines, and a
`matter.register` history entry per matter naming the file and line it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from duban.errors import BadValue, NotFound
from duban.i18n import _
from duban.ops.restricted import sql_filter
from duban.ops.sheets import unsafe
from duban.vocab import MATTER_STATUS, PROPOSAL_BY, SOURCE, parse_source

# (key, Chinese header, a typical width in columns): the ledger's layout.
COLUMNS: list[tuple[str, str, int]] = [
    ("code", "编号", 13),
    ("source", "来源", 10),
    ("ref", "文号", 18),
    ("leader", "领导", 8),
    ("title", "事项", 40),
    ("lead_unit", "牵头单位", 20),
    ("participants", "参加单位", 24),
    ("responsible", "责任人", 8),
    ("received", "收到日期", 11),
    ("notified", "交办日期", 11),
    ("original_due", "原定时限", 11),
    ("due", "现行时限", 11),
    ("status", "状态", 8),
    ("light", "亮灯", 4),
    ("last_report", "最近报告", 11),
    ("completed", "办结日期", 11),
    ("days_overdue", "逾期天数", 8),
    ("restricted", "保密", 4),
]
KEYS = [key for key, _zh, _w in COLUMNS]
CHINESE = {key: zh for key, zh, _w in COLUMNS}
# Worked out from the register on export; read and ignored on import.
COMPUTED = frozenset({"light", "last_report", "days_overdue"})
REQUIRED = ("title", "source", "received")
LIGHT_ZH = {"red": "红", "yellow": "黄", "green": "绿"}
YES = frozenset({"yes", "true", "1", "y", "是", "√", "涉密", "保密"})
CODE = re.compile(r"DB-(\d{4})-(\d{4,})", re.IGNORECASE)
SEP = re.compile(r"[、,，;；]")
PAGE = 500


def headers(lang: str) -> list[str]:
    return [CHINESE[k] for k in KEYS] if lang == "zh" else list(KEYS)


def widths() -> list[int]:
    return [w for _k, _zh, w in COLUMNS]


# -- export ------------------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def ledger_rows(
    reader: Any,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_restricted: bool = False,
    lang: str = "en",
) -> Iterator[list[Any]]:
    """The ledger's rows (cells in `KEYS` order), matters oldest first, streaming.

    `start`/`end` keep the matters received in that period; restricted matters (第三条)
    stay out unless `include_restricted`.  Lights and days overdue are as on `as_of`;
    `lang` zh writes the source, status and light in Chinese."""
    where, params = ["1 = 1"], []
    if start is not None:
        where.append("m.received_on >= ?")
        params.append(reader.value(start))
    if end is not None:
        where.append("m.received_on <= ?")
        params.append(reader.value(end))
    sql = (
        "SELECT m.id, m.code, m.source, m.proposal_by, m.source_ref, m.leader, m.title, "
        "m.received_on, m.status, m.closed_on, m.restricted, dm.due_on, dm.counted_from, "
        "a.id, u.name, a.responsible, a.notified_on, a.status, a.completed_on, d.due_on, "
        "d.counted_from, o.due_on, "
        "EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = a.id AND r.kind = 'final' "
        "AND r.status = 'pending' AND r.received_on <= d.due_on) "
        "FROM matter m JOIN deadline dm ON dm.id = m.deadline_id "
        "LEFT JOIN assignment a ON a.matter_id = m.id AND a.role = 'lead' "
        "AND a.status <> 'withdrawn' "
        "LEFT JOIN unit u ON u.id = a.unit_id "
        "LEFT JOIN deadline d ON d.id = a.deadline_id "
        "LEFT JOIN deadline o ON o.id = a.original_deadline_id"
    )
    sql += " WHERE " + " AND ".join(where) + sql_filter(include_restricted)
    sql += " ORDER BY m.year, m.seq, a.id"
    page: list[tuple] = []
    last_id = None
    matters = 0
    for values in reader.rows(sql, tuple(params)):
        if values[0] != last_id:
            if matters >= PAGE:
                yield from _page(reader, page, as_of, lang)
                page, matters = [], 0
            last_id = values[0]
            matters += 1
        page.append(values)
    yield from _page(reader, page, as_of, lang)


def _page(reader: Any, page: list[tuple], as_of: dt.date, lang: str) -> Iterator[list[Any]]:
    if not page:
        return
    matter_ids = list(dict.fromkeys(v[0] for v in page))
    marks = ", ".join("?" for _ in matter_ids)
    helpers: dict[int, list[str]] = {}
    for matter_id, name, person in reader.rows(
        "SELECT a.matter_id, u.name, a.responsible FROM assignment a "
        "JOIN unit u ON u.id = a.unit_id WHERE a.role = 'participant' "
        f"AND a.status <> 'withdrawn' AND a.matter_id IN ({marks}) ORDER BY a.id",
        tuple(matter_ids),
    ):
        helpers.setdefault(matter_id, []).append(f"{name}={person}" if person else name)
    assignment_ids = [v[13] for v in page if v[13] is not None]
    last: dict[int, dt.date] = {}
    if assignment_ids:
        marks = ", ".join("?" for _ in assignment_ids)
        last = {
            a: _day(day)
            for a, day in reader.rows(
                "SELECT assignment_id, max(received_on) FROM report WHERE received_on <= ? "
                f"AND assignment_id IN ({marks}) GROUP BY assignment_id",
                (reader.value(as_of), *assignment_ids),
            )
        }
    judge = reader.judge
    for (matter_id, code, source, proposal_by, ref, leader, title, received, status, closed,
         restricted, m_due, m_from, a_id, unit, person, notified, a_status, completed, due,
         due_from, original, reported) in page:  # fmt: skip
        received, closed, m_due, m_from = _day(received), _day(closed), _day(m_due), _day(m_from)
        notified, completed, due = _day(notified), _day(completed), _day(due)
        original, due_from = _day(original), _day(due_from)
        done_on = completed or closed
        open_ = status not in ("closed", "cancelled") and (a_id is None or a_status == "open")
        if a_id is None:
            due = original = m_due
            light = judge.matter(as_of, status=status, due=m_due,
                                 start=m_from or received, leads=[])  # fmt: skip
        else:
            light = judge.assignment(as_of, open_=open_, due=due,
                                     start=due_from or notified, reported=bool(reported))  # fmt: skip
            if status in ("closed", "cancelled"):
                light = None
        if open_ and due < as_of:
            late = (as_of - due).days
        elif not open_ and done_on is not None and done_on > due:
            late = (done_on - due).days
        else:
            late = 0
        if lang == "zh":
            word = (
                PROPOSAL_BY.label(proposal_by, "zh") if proposal_by else SOURCE.label(source, "zh")
            )
            shown_status = MATTER_STATUS.label(status, "zh")
            shown_light = LIGHT_ZH.get(light or "", "")
            secret = "是" if restricted else ""
        else:
            word, shown_status, shown_light = proposal_by or source, status, light or ""
            secret = "yes" if restricted else ""
        yield [
            code, word, ref or "", leader or "", title, unit or "",
            "、".join(helpers.get(matter_id, [])), person or "", received, notified,
            original, due, shown_status, shown_light, last.get(a_id) if a_id else None,
            done_on, late, secret,
        ]  # fmt: skip


def light_of(cell: str) -> str:
    """The light a cell shows (red, 红): its fill's name."""
    for word, zh in LIGHT_ZH.items():
        if cell in (word, zh):
            return word
    return ""


# -- import ------------------------------------------------------------------------------


@dataclass
class Lead:
    line: int
    unit_id: int
    responsible: str | None
    notified: dt.date
    original: dt.date
    due: dt.date
    completed: dt.date | None


@dataclass
class Planned:
    """One matter the file holds, checked, before anything is written."""

    line: int
    code: str | None
    fields: tuple  # title, source, proposal_by, ref, leader, received, status, restricted
    original: dt.date
    due: dt.date
    leads: list[Lead] = field(default_factory=list)
    participants: list[tuple[int, str | None]] = field(default_factory=list)
    closed: dt.date | None = None


@dataclass
class Checked:
    file: str
    rows: int
    matters: list[Planned]
    bad: list[tuple[int, str]]

    @property
    def assignments(self) -> int:
        return sum(len(m.leads) + len(m.participants) for m in self.matters)


def _columns(found: list[str]) -> list[str | None]:
    """Each header's key (None: an empty header with nothing under it)."""
    by_name = {k.lower(): k for k in KEYS} | {zh: k for k, zh in CHINESE.items()}
    by_name |= {k.replace("_", " "): k for k in KEYS}
    keys: list[str | None] = []
    unknown, seen = [], {}
    for header in found:
        text = str(header).strip()
        if not text:
            keys.append(None)
            continue
        key = by_name.get(text.lower())
        if key is None:
            unknown.append(text)
        elif key in seen:
            raise BadValue(
                _("the column {name!r} is named twice ({first} and {second}): keep one").format(
                    name=CHINESE[key], first=seen[key], second=text
                )
            )
        else:
            seen[key] = text
        keys.append(key)
    if unknown:
        raise BadValue(
            _("unknown columns {names}: the ledger's columns are {known}").format(
                names=", ".join(repr(u) for u in unknown), known="、".join(CHINESE.values())
            )
        )
    missing = [CHINESE[k] for k in REQUIRED if k not in seen]
    if missing:
        raise BadValue(_("the ledger needs the columns {names}").format(names="、".join(missing)))
    return keys


def _text(value: Any) -> str:
    if type(value) is str:
        text = value.strip()
        return unsafe(text).strip() if text[:1] == "'" else text
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return unsafe(str(value)).strip()


def _date(value: Any, what: str) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        from duban.dates import parse_date

        return parse_date(text, what=what)


def check_ledger(
    reader: Any, path: Path, *, progress: Callable[[int, int], None] | None = None
) -> Checked:
    """Read and check every row of the ledger file; nothing is written.

    Bad rows are collected with their line numbers (the header is line 1), so that all
    of them can be named at once."""
    from duban.ops.sheets import read_table

    header, total, rows = read_table(path)
    keys = _columns(header)
    units: dict[str, tuple[int, str] | str] = {}

    def unit_of(name: str) -> int:
        if name not in units:
            try:
                found = reader.find_unit(name)
                units[name] = (found.id, found.name)
            except NotFound as exc:
                units[name] = exc.message
        got = units[name]
        if isinstance(got, str):
            raise BadValue(got)
        return got[0]

    taken = set(c for (c,) in reader.rows("SELECT code FROM matter"))
    by_code: dict[str, Planned] = {}
    planned: list[Planned] = []
    bad: list[tuple[int, str]] = []
    count = 0
    for line, values in rows:
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count, total)
        cells = {k: values[i] if i < len(values) else "" for i, k in enumerate(keys) if k}
        try:
            _row(cells, line, unit_of, taken, by_code, planned)
        except BadValue as exc:
            bad.append((line, exc.message))
    if progress is not None:
        progress(count, total)
    return Checked(path.name, count, planned, bad)


def _row(cells: dict[str, Any], line: int, unit_of: Callable[[str], int], taken: set[str],
         by_code: dict[str, Planned], planned: list[Planned]) -> None:  # fmt: skip
    title = _text(cells.get("title"))
    if not title:
        raise BadValue(_("a matter needs a title"))
    source, proposal_by = parse_source(_text(cells.get("source")) or "?")
    received = _date(cells.get("received"), CHINESE["received"])
    if received is None:
        raise BadValue(_("no received date (收到日期)"))
    code = _text(cells.get("code")).upper() or None
    if code is not None and not CODE.fullmatch(code):
        raise BadValue(_("{code!r} is not a code like DB-2026-0001").format(code=code))
    status_text = _text(cells.get("status"))
    status = MATTER_STATUS.parse(status_text) if status_text else None
    original = _date(cells.get("original_due"), CHINESE["original_due"])
    due = _date(cells.get("due"), CHINESE["due"])
    original = original or due
    due = due or original
    if original is None:
        raise BadValue(_("no deadline (原定时限 or 现行时限)"))
    if original < received:
        raise BadValue(
            _("the deadline {due} is before the received date {received}").format(
                due=original.isoformat(), received=received.isoformat()
            )
        )
    if due < original:
        raise BadValue(
            _("the current deadline {due} is before the original {original}").format(
                due=due.isoformat(), original=original.isoformat()
            )
        )
    notified = _date(cells.get("notified"), CHINESE["notified"]) or received
    if notified < received:
        raise BadValue(
            _("notified on {day}, before the matter was received ({received})").format(
                day=notified.isoformat(), received=received.isoformat()
            )
        )
    completed = _date(cells.get("completed"), CHINESE["completed"])
    if completed is not None and completed < notified:
        raise BadValue(
            _("completed on {day}, before the unit was notified ({notified})").format(
                day=completed.isoformat(), notified=notified.isoformat()
            )
        )
    if status == "closed" and completed is None:
        raise BadValue(_("a closed matter needs its completion date (办结日期)"))
    lead_name = _text(cells.get("lead_unit"))
    lead = unit_of(lead_name) if lead_name else None
    helpers = []
    for text in SEP.split(_text(cells.get("participants"))):
        name, _eq, person = text.replace("＝", "=").partition("=")
        if name.strip():
            helpers.append((unit_of(name.strip()), person.strip() or None))
    restricted = _text(cells.get("restricted")).lower() in YES
    ref, leader = _text(cells.get("ref")) or None, _text(cells.get("leader")) or None
    fields = (title, source, proposal_by, ref, leader, received, status, restricted)
    matter = by_code.get(code) if code else None
    if matter is None:
        if code is not None and code in taken:
            raise BadValue(_("{code} is already on the register").format(code=code))
        matter = Planned(line, code, fields, original, due)
    elif matter.fields[:6] != fields[:6]:
        raise BadValue(
            _("{code} is on line {line} too, with another title, source, reference, leader "
              "or received date").format(code=code, line=matter.line)
        )  # fmt: skip
    elif lead is None:
        raise BadValue(
            _("{code} is on line {line} too: a second row of a matter names another lead unit")
            .format(code=code, line=matter.line)
        )  # fmt: skip
    named = {x.unit_id for x in matter.leads} | {u for u, _p in matter.participants}
    if lead is not None:
        if lead in named or lead in {u for u, _p in helpers}:
            raise BadValue(
                _("{unit} is named twice: a unit has one role in a matter").format(unit=lead_name)
            )
        done_on = completed if completed is not None else None
        matter.leads.append(
            Lead(line, lead, _text(cells.get("responsible")) or None, notified, original, due,
                 done_on)
        )  # fmt: skip
    elif helpers:
        raise BadValue(
            _("participating units work with a lead unit (牵头单位): the row names none")
        )
    for unit_id, person in helpers:
        if unit_id not in {u for u, _p in matter.participants}:
            matter.participants.append((unit_id, person))
    if status == "closed":
        matter.closed = max(filter(None, [matter.closed, completed]))
    if code is not None and code not in by_code:
        by_code[code] = matter
        taken.add(code)
    if matter.line == line:
        planned.append(matter)


def refuse_bad(checked: Checked, limit: int = 20) -> None:
    """BadValue naming each bad row (the first `limit`) when any row is bad."""
    if not checked.bad:
        return
    listed = "; ".join(
        _("line {line}: {reason}").format(line=line, reason=reason)
        for line, reason in checked.bad[:limit]
    )
    more = len(checked.bad) - limit
    if more > 0:
        listed += "; " + _("and {n} more").format(n=more)
    raise BadValue(
        _("{file}: {n} bad row(s), nothing was imported: {rows}").format(
            file=checked.file, n=len(checked.bad), rows=listed
        )
    )


def import_ledger(
    ctx: Any, checked: Checked, *, progress: Callable[[int, int], None] | None = None
) -> list[str]:
    """Write the checked matters in bulk in the context's transaction; their codes."""
    from sqlalchemy import func, select

    from duban.context import utcnow
    from duban.models import Assignment, Deadline, Matter
    from duban.ops.matters import format_code

    refuse_bad(checked)
    session = ctx.session
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    now, actor = utcnow(), ctx.actor
    if sqlite:  # as SQLAlchemy keeps an instant in SQLite
        now = now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def top(column: Any) -> int:
        return session.execute(select(func.max(column))).scalar() or 0

    next_id = {"m": top(Matter.id), "a": top(Assignment.id), "d": top(Deadline.id)}
    seqs: dict[int, int] = {}
    for year, seq in session.execute(
        select(Matter.year, func.max(Matter.seq)).group_by(Matter.year)
    ):
        seqs[year] = seq
    for planned in checked.matters:
        if planned.code:
            year, seq = (int(x) for x in CODE.fullmatch(planned.code).groups())
            seqs[year] = max(seqs.get(year, 0), seq)

    def new(kind: str) -> int:
        next_id[kind] += 1
        return next_id[kind]

    matters, assignments, deadlines, history = [], [], [], []
    matter_due, assignment_due = [], []
    codes = []
    for n, p in enumerate(checked.matters, start=1):
        title, source, proposal_by, ref, leader, received, status, restricted = p.fields
        if p.code:
            code = p.code
            year, seq = (int(x) for x in CODE.fullmatch(code).groups())
        else:
            year = received.year
            seq = seqs[year] = seqs.get(year, 0) + 1
            code = format_code(year, seq)
        codes.append(code)
        mid = new("m")
        if status not in ("closed", "cancelled"):
            status = "assigned" if p.leads else "registered"
        matters.append(dict(
            id=mid, code=code, year=year, seq=seq, title=title, source=source,
            proposal_by=proposal_by, source_ref=ref, leader=leader, handling=None,
            reporting="once", report_every=None, plan=None, restricted=restricted,
            received_on=received, deadline_id=None, note=None, status=status,
            closed_on=p.closed if status == "closed" else None, created_at=now, created_by=actor,
        ))  # fmt: skip
        dm = new("d")
        deadlines.append(_deadline(dm, mid, None, p.original, "register", None, received, now))
        matter_due.append({"b_id": mid, "b_due": dm})
        units = []
        first = p.leads[0] if p.leads else None
        parts = [(lead.unit_id, "lead", lead) for lead in p.leads]
        parts += [(u, "participant", first) for u, _person in p.participants]
        persons = dict(p.participants)
        for unit_id, role, lead in parts:
            aid = new("a")
            done_on = lead.completed if role == "lead" else None
            if status == "closed":
                done_on = done_on or p.closed
            assignments.append(dict(
                id=aid, matter_id=mid, unit_id=unit_id, role=role,
                responsible=lead.responsible if role == "lead" else persons.get(unit_id),
                notified_on=lead.notified, deadline_id=None, original_deadline_id=None,
                status="done" if done_on else "open", completed_on=done_on, created_at=now,
            ))  # fmt: skip
            first_row = new("d")
            deadlines.append(
                _deadline(first_row, mid, aid, lead.original, "assign", None, lead.notified, now)
            )
            current = first_row
            if lead.due != lead.original:
                current = new("d")
                deadlines.append(_deadline(current, mid, aid, lead.due, "extension", first_row,
                                           max(lead.notified, min(lead.original, lead.due)), now))  # fmt: skip
            assignment_due.append({"b_id": aid, "b_due": current, "b_original": first_row})
            units.append({"unit_id": unit_id, "role": role})
        detail = {
            "code": code, "title": title, "source": source, "source_ref": ref, "leader": leader,
            "received": received.isoformat(), "due": p.original.isoformat(),
            "imported_from": {"file": checked.file, "line": p.line},
            "units": [{"id": u["unit_id"], "role": u["role"]} for u in units],
        }  # fmt: skip
        if proposal_by:
            detail["proposal_by"] = proposal_by
        history.append(_entry(mid, "matter.register", detail, actor, now, received))
        if status == "closed":
            history.append(_entry(mid, "matter.close", {"imported_from": {
                "file": checked.file, "line": p.line}}, actor, now, p.closed))  # fmt: skip
        elif status == "cancelled":
            history.append(_entry(mid, "matter.cancel", {"imported_from": {
                "file": checked.file, "line": p.line}, "reason": "imported"}, actor, now,
                received))  # fmt: skip
        if progress is not None and n % 1000 == 0:
            progress(n, len(checked.matters))
    # The driver's own executemany: SQLAlchemy's per-value processing would cost more
    # than the writing itself (plain SQL, the same on SQLite and PostgreSQL).
    cursor = conn.connection.driver_connection.cursor()
    mark = "?" if sqlite else "%s"

    date, flag = dt.date, bool

    def plain(value: Any) -> Any:
        kind = type(value)
        if kind is date:
            return value.isoformat()
        if kind is flag:
            return int(value)
        return value

    if not sqlite:
        plain = _same  # noqa: F811  (psycopg takes dates and booleans as they are)
    for table, rows in (("matter", matters), ("assignment", assignments),
                        ("deadline", deadlines), ("history", history)):  # fmt: skip
        if not rows:
            continue
        names = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        cursor.executemany(sql, [tuple(plain(r[k]) for k in names) for r in rows])
    cursor.executemany(
        f"UPDATE matter SET deadline_id = {mark} WHERE id = {mark}",
        [(r["b_due"], r["b_id"]) for r in matter_due],
    )
    cursor.executemany(
        f"UPDATE assignment SET deadline_id = {mark}, original_deadline_id = {mark} "
        f"WHERE id = {mark}",
        [(r["b_due"], r["b_original"], r["b_id"]) for r in assignment_due],
    )
    if not sqlite:
        for name in ("matter", "assignment", "deadline"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {name}))"
            )
    cursor.close()
    if progress is not None:
        progress(len(checked.matters), len(checked.matters))
    return codes


def _deadline(id_: int, matter_id: int, assignment_id: int | None, due: dt.date, why: str,
              previous: int | None, effective: dt.date, now: Any) -> dict[str, Any]:  # fmt: skip
    return dict(
        id=id_, matter_id=matter_id, assignment_id=assignment_id,
        what="assignment" if assignment_id is not None else "matter", due_on=due,
        counted_from=None, within=None, provisional=False, why=why, previous_id=previous,
        effective_on=effective, recorded_at=now,
    )  # fmt: skip


def _entry(matter_id: int, action: str, detail: dict[str, Any], actor: str, now: Any,
           effective: dt.date) -> dict[str, Any]:  # fmt: skip
    import json

    return dict(
        matter_id=matter_id, action=action,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True), actor=actor,
        recorded_at=now, effective_on=effective,
    )  # fmt: skip


def restricted_in(reader: Any, start: dt.date | None, end: dt.date | None) -> list[str]:
    """The codes of the restricted matters (第三条) received in the period."""
    sql, params = "SELECT code FROM matter m WHERE m.restricted", []
    if start is not None:
        sql += " AND m.received_on >= ?"
        params.append(reader.value(start))
    if end is not None:
        sql += " AND m.received_on <= ?"
        params.append(reader.value(end))
    return [code for (code,) in reader.rows(sql + " ORDER BY m.code", tuple(params))]


def _same(value: Any) -> Any:
    return value
