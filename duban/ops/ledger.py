"""The ledger (台账): the register as the office's spreadsheet, and back.

`ledger_rows` streams one row per matter and lead unit (a matter with no lead unit: one
row with the unit empty), a page of matters at a time, in plain SQL on the read path.
`columns_of` reads a ledger file's header; `duban.ops.importing` takes the file back in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from duban.errors import BadValue
from duban.i18n import _
from duban.ops.restricted import sql_filter
from duban.vocab import MATTER_STATUS, PROPOSAL_BY, SOURCE

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


def columns_of(found: list[str]) -> list[str | None]:
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
