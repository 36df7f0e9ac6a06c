"""Scorecards (督查评价, 第二十一条) and the bulletin's data (通报, 第二十二条), on the read path.

A scorecard counts one unit's lead assignments over a period, as the register stood at
the period's end (`end`: `--to`, or the day asked if that is earlier), from business
dates alone: deadline rows in force on a day (`effective_on`), reviews by their
`reviewed_on`, urgings by their `urged_on`.  So a past period gives what was true then:
an extension accepted after the period's end does not make a unit on time in it.

The figures (docs/design.md, 第二十一条, says the same):

- `due`: lead assignments whose ORIGINAL deadline falls in the period.
- `on_time` / `late`: of those, completed by `end` (a final report accepted by then)
  with the accepted report received by / after the deadline in force on the day it was
  received (extensions and reworks included); `on_time_original`: received by the
  original deadline.
- `overdue`: lead assignments (whatever their original deadline) open at `end` and past
  the deadline in force then, as `overdue --as-of END` finds them; `urged_overdue`: of
  those, the ones urged by `end`.
- `returned`: reports returned for rework (review decision `return`) in the period;
  `extended`: extensions granted (deadline rows `extension`) in the period.
- `median_days`: median working days from notification to the accepted final report's
  receipt, over the `on_time` and `late` ones (null when none).
- `on_time_rate`: `on_time / due`, 0 to 1 (null when `due` is 0); `rank`: by
  `on_time_rate` (higher first), then fewer `overdue`; ties share a rank; null when
  `due` is 0.

A handful of queries, whatever the size of the register: the cost follows the rows of
the period, not one query per assignment.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from duban.errors import BadValue
from duban.i18n import _
from duban.reader import Reader, _date

BY = ("unit", "source", "month")

# The figures of one scorecard, in the order JSON and CSV give them.
FIGURES = (
    "due",
    "on_time",
    "on_time_original",
    "late",
    "overdue",
    "urged_overdue",
    "returned",
    "extended",
    "median_days",
    "on_time_rate",
    "rank",
)


def check_by(by: str) -> str:
    """unit, source or month (or 单位, 来源, 月份)."""
    key = {"单位": "unit", "来源": "source", "月份": "month"}.get(by.strip(), by.strip().lower())
    if key in BY:
        return key
    raise BadValue(_("unknown --by {by!r}: use unit, source or month").format(by=by))


@dataclass(frozen=True)
class Period:
    """The period asked (`start`..`stop`) and the day it is judged on (`end`)."""

    start: dt.date
    stop: dt.date
    end: dt.date

    @classmethod
    def of(cls, start: dt.date | None, stop: dt.date | None, as_of: dt.date) -> Period:
        """--from (default 1 January of --to's year), --to (default the day asked); judged
        on --to, or on the day asked if that is earlier."""
        stop = stop or as_of
        start = start or stop.replace(month=1, day=1)
        if start > stop:
            raise BadValue(
                _("--from {start} is after --to {stop}").format(
                    start=start.isoformat(), stop=stop.isoformat()
                )
            )
        return cls(start, stop, min(stop, as_of))


@dataclass
class Late:
    """One lead assignment overdue at the period's end."""

    code: str
    title: str
    unit: str
    due: dt.date
    days_overdue: int
    times_urged: int


@dataclass
class Tally:
    key: dict[str, Any]
    due: int = 0
    on_time: int = 0
    on_time_original: int = 0
    late: int = 0
    overdue: int = 0
    urged_overdue: int = 0
    returned: int = 0
    extended: int = 0
    days: list[int] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        rate = round(self.on_time / self.due, 4) if self.due else None
        return {
            **self.key,
            "due": self.due,
            "on_time": self.on_time,
            "on_time_original": self.on_time_original,
            "late": self.late,
            "overdue": self.overdue,
            "urged_overdue": self.urged_overdue,
            "returned": self.returned,
            "extended": self.extended,
            "median_days": _whole(statistics.median(self.days)) if self.days else None,
            "on_time_rate": rate,
            "rank": None,
        }


def _whole(number: float) -> float | int:
    return int(number) if number == int(number) else number


@dataclass
class Found:
    """What the queries found: the tallies, the overdue, the restricted matters seen."""

    rows: list[dict[str, Any]]
    late: list[Late]
    restricted: set[str]


def _hidden(include: bool) -> str:
    # 第三条: the same filter as duban.ops.restricted.sql_filter (the read path may not
    # import the operations).
    return "" if include else " AND NOT m.restricted"


# A matter cancelled by the day is out of the scorecards.
_CANCELLED = (
    " AND m.id NOT IN (SELECT h.matter_id FROM history h WHERE h.action = 'matter.cancel' "
    "AND h.matter_id IS NOT NULL AND h.effective_on <= ?)"
)

# The deadline row in force on a day ({on}) for the lead assignment `a`.
_IN_FORCE = (
    "(SELECT x.due_on FROM deadline x WHERE x.assignment_id = a.id AND x.effective_on <= {on} "
    "ORDER BY x.effective_on DESC, x.id DESC LIMIT 1)"
)


class Scorecards:
    """The scorecards of one period, on one Reader."""

    def __init__(self, reader: Reader, period: Period, *, include_restricted: bool = False):
        self.r = reader
        self.period = period
        self.include = include_restricted
        self.restricted: set[str] = set()

    def _key(self, by: str, unit: str, source: str, whose: str | None, day: dt.date) -> tuple:
        if by == "unit":
            return (("unit", unit),)
        if by == "source":
            return (("source", source), ("proposal_by", whose))
        return (("month", day.strftime("%Y-%m")),)

    def compute(self, by: str = "unit", unit: str | None = None) -> Found:
        by = check_by(by)
        r, p = self.r, self.period
        unit_row = r.find_unit(unit) if unit else None
        only = " AND a.unit_id = ?" if unit_row is not None else ""
        only_param: tuple = (unit_row.id,) if unit_row is not None else ()
        start, stop, end = (r.value(d) for d in (p.start, p.stop, p.end))
        cal = r.calendar
        tallies: dict[tuple, Tally] = {}

        def tally(key: tuple) -> Tally:
            if key not in tallies:
                tallies[key] = Tally(dict(key))
            return tallies[key]

        if unit_row is not None and by == "unit":
            tally((("unit", unit_row.name),))

        # 1. The lead assignments due in the period, or open at its end: what stood then.
        rows = r.rows(
            "SELECT a.id, u.name, m.code, m.title, m.source, m.proposal_by, m.restricted, "
            "a.notified_on, o.due_on, "
            + _IN_FORCE.format(on="?")
            + ", (SELECT count(*) FROM urging g WHERE g.assignment_id = a.id "
            "AND g.urged_on <= ?), "
            # A final report received by the deadline, waiting for review at the end.
            "(SELECT min(f.received_on) FROM report f WHERE f.assignment_id = a.id "
            "AND f.kind = 'final' AND f.received_on <= ? AND (f.status = 'pending' OR "
            "EXISTS (SELECT 1 FROM review fv WHERE fv.report_id = f.id "
            "AND fv.reviewed_on > ?))) "
            "FROM assignment a JOIN matter m ON m.id = a.matter_id "
            "JOIN unit u ON u.id = a.unit_id "
            "JOIN deadline o ON o.id = a.original_deadline_id "
            "WHERE a.role = 'lead' AND a.status <> 'withdrawn' AND a.notified_on <= ? "
            "AND ((o.due_on >= ? AND o.due_on <= ?) OR a.status = 'open' OR a.completed_on > ?)"
            + _CANCELLED
            + _hidden(self.include)
            + only,
            (end, end, end, end, end, start, stop, end, end, *only_param),
        )
        found: dict[int, tuple] = {}
        for (aid, name, code, title, source, whose, restricted, notified, original, due,
             urged, waiting) in rows:  # fmt: skip
            found[aid] = (
                name, code, title, source, whose, bool(restricted), _date(notified),
                _date(original), _date(due), urged, _date(waiting),
            )  # fmt: skip

        # 2. Their final reports accepted by the end, with the deadline in force on the day
        # each was received; and the reopenings by the end (第十六条).
        done: dict[int, tuple[dt.date, dt.date, dt.date]] = {}
        for aid, received, reviewed, due in r.rows(
            "SELECT a.id, f.received_on, v.reviewed_on, "
            + _IN_FORCE.format(on="f.received_on")
            + " FROM report f JOIN review v ON v.report_id = f.id "
            "JOIN assignment a ON a.id = f.assignment_id JOIN matter m ON m.id = a.matter_id "
            "JOIN deadline o ON o.id = a.original_deadline_id "
            "WHERE f.kind = 'final' AND v.decision = 'accept' AND v.reviewed_on <= ? "
            "AND a.role = 'lead' AND a.status <> 'withdrawn' "
            "AND ((o.due_on >= ? AND o.due_on <= ?) OR a.status = 'open' OR a.completed_on > ?)"
            + _hidden(self.include)
            + only,
            (end, start, stop, end, *only_param),
        ):
            received, reviewed, due = _date(received), _date(reviewed), _date(due)
            if aid not in done or reviewed >= done[aid][1]:
                done[aid] = (received, reviewed, due)
        for aid, reopened in r.rows(
            "SELECT y.assignment_id, max(y.effective_on) FROM deadline y "
            "JOIN assignment a ON a.id = y.assignment_id "
            "WHERE y.why = 'reopen' AND y.effective_on <= ? AND a.role = 'lead'"
            + only
            + " GROUP BY y.assignment_id",
            (end, *only_param),
        ):
            if aid in done and _date(reopened) > done[aid][1]:
                del done[aid]  # reopened since: working again

        late: list[Late] = []
        for aid, (name, code, title, source, whose, restricted, notified, original, due,
                  urged, waiting) in found.items():  # fmt: skip
            if restricted:
                self.restricted.add(code)
            in_period = p.start <= original <= p.stop
            t = tally(self._key(by, name, source, whose, original))
            completed = done.get(aid)
            if in_period:
                t.due += 1
                if completed is not None:
                    received, _reviewed, due_then = completed
                    if received <= due_then:
                        t.on_time += 1
                    else:
                        t.late += 1
                    if received <= original:
                        t.on_time_original += 1
                    t.days.append(cal.count(notified, received) if received >= notified else 0)
            if completed is None and due is not None and due < p.end:
                if waiting is not None and waiting <= due:
                    continue  # its final report came in time; the office is the one late
                t.overdue += 1
                if urged:
                    t.urged_overdue += 1
                late.append(Late(code, title, name, due, (p.end - due).days, urged))

        # 3. Reports returned for rework, and extensions granted, in the period.
        upto = r.value(min(p.stop, p.end))
        for name, code, source, whose, restricted, day in r.rows(
            "SELECT u.name, m.code, m.source, m.proposal_by, m.restricted, v.reviewed_on "
            "FROM review v JOIN report f ON f.id = v.report_id "
            "JOIN assignment a ON a.id = f.assignment_id JOIN unit u ON u.id = a.unit_id "
            "JOIN matter m ON m.id = a.matter_id "
            "WHERE v.decision = 'return' AND v.reviewed_on >= ? AND v.reviewed_on <= ?"
            + _hidden(self.include)
            + only,
            (start, upto, *only_param),
        ):
            tally(self._key(by, name, source, whose, _date(day))).returned += 1
            if restricted:
                self.restricted.add(code)
        for name, code, source, whose, restricted, day in r.rows(
            "SELECT u.name, m.code, m.source, m.proposal_by, m.restricted, y.effective_on "
            "FROM deadline y JOIN assignment a ON a.id = y.assignment_id "
            "JOIN unit u ON u.id = a.unit_id JOIN matter m ON m.id = a.matter_id "
            "WHERE y.why = 'extension' AND y.effective_on >= ? AND y.effective_on <= ?"
            + _hidden(self.include)
            + only,
            (start, upto, *only_param),
        ):
            tally(self._key(by, name, source, whose, _date(day))).extended += 1
            if restricted:
                self.restricted.add(code)

        out = [t.row() for t in tallies.values()]
        _rank(out)
        out.sort(key=lambda row: _order(row, by))
        late.sort(key=lambda x: (x.unit, x.due, x.code))
        return Found(out, late, self.restricted)

    def rows(self, by: str = "unit", unit: str | None = None) -> list[dict[str, Any]]:
        return self.compute(by, unit).rows


def _rank(rows: list[dict[str, Any]]) -> None:
    """Rank by on-time rate (higher first), then fewer overdue; ties share a rank."""
    ranked = sorted(
        (row for row in rows if row["due"]),
        key=lambda row: (-row["on_time_rate"], row["overdue"]),
    )
    previous, rank = None, 0
    for i, row in enumerate(ranked, start=1):
        score = (row["on_time_rate"], row["overdue"])
        if score != previous:
            rank, previous = i, score
        row["rank"] = rank


def _order(row: dict[str, Any], by: str) -> tuple:
    if by == "month":
        return (row["month"],)
    name = row.get("unit") or f"{row.get('source')}:{row.get('proposal_by') or ''}"
    return (row["rank"] is None, row["rank"] or 0, name)


# -- the bulletin (通报, 第二十二条) ------------------------------------------------------

# Each term of the rules (`duban.settings.RULE_TERMS`) on a scorecard row.
_TERMS = {
    "on_time_all": lambda s: s["due"] > 0 and s["on_time"] == s["due"],
    "on_time_original_all": lambda s: s["due"] > 0 and s["on_time_original"] == s["due"],
    "none_late": lambda s: s["late"] == 0,
    "none_overdue": lambda s: s["overdue"] == 0,
    "none_returned": lambda s: s["returned"] == 0,
    "none_extended": lambda s: s["extended"] == 0,
    "overdue_after_urging": lambda s: s["urged_overdue"] > 0,
    "overdue": lambda s: s["overdue"] > 0,
    "late": lambda s: s["late"] > 0,
    "returned": lambda s: s["returned"] > 0,
}


def commended(row: dict[str, Any], rule: tuple[str, ...]) -> bool:
    """All the terms of `commend_rule` hold (an empty rule commends nobody)."""
    return bool(rule) and all(_TERMS[t](row) for t in rule)


def criticised(row: dict[str, Any], rule: tuple[str, ...]) -> bool:
    """Any term of `criticise_rule` holds."""
    return any(_TERMS[t](row) for t in rule)


def bulletin(
    reader: Reader,
    period: Period,
    *,
    include_restricted: bool = False,
    seen: set[str] | None = None,
) -> dict[str, Any]:
    """The bulletin's data (the contract of `duban bulletin --json`, which the Word and
    Markdown writers of `duban.documents` take): totals, the units commended and
    criticised (settings `commend_rule`, `criticise_rule`), the matters of the criticised
    units overdue at the period's end, the matters closed in the period, the scorecards.

    Totals: `registered`, matters received in the period; `closed`, those of them closed by
    its end; `closing_rate` = closed / registered (0 when none); `in_progress`, those of
    them neither closed nor cancelled at its end; `overdue`, matters (whenever received)
    with a lead unit overdue at its end.  A criticised unit is never also commended.
    """
    from duban.settings import parse_rule

    r, p = reader, period
    cards = Scorecards(r, p, include_restricted=include_restricted)
    found = cards.compute("unit")
    praise = parse_rule(r.setting("commend_rule"))
    blame = parse_rule(r.setting("criticise_rule"))
    criticise = [row["unit"] for row in found.rows if criticised(row, blame)]
    commend = [
        row["unit"] for row in found.rows if commended(row, praise) and row["unit"] not in criticise
    ]
    late_of: dict[str, list[dict[str, Any]]] = {}
    for late in found.late:
        late_of.setdefault(late.unit, []).append(
            {
                "code": late.code,
                "title": late.title,
                "due": late.due.isoformat(),
                "days_overdue": late.days_overdue,
                "times_urged": late.times_urged,
            }
        )
    start, stop, end = (r.value(d) for d in (p.start, p.stop, p.end))
    hidden = _hidden(include_restricted)
    registered = closed = in_progress = 0
    for code, restricted, closed_on, cancelled in r.rows(
        "SELECT m.code, m.restricted, m.closed_on, "
        "(SELECT min(h.effective_on) FROM history h WHERE h.matter_id = m.id "
        "AND h.action = 'matter.cancel') FROM matter m "
        "WHERE m.received_on >= ? AND m.received_on <= ? AND m.received_on <= ?" + hidden,
        (start, stop, end),
    ):
        registered += 1
        if restricted:
            cards.restricted.add(code)
        closed_on, cancelled = _date(closed_on), _date(cancelled)
        if closed_on is not None and closed_on <= p.end:
            closed += 1  # a matter closed, reopened and open again counts as it is now
        elif cancelled is None or cancelled > p.end:
            in_progress += 1
    closed_list = []
    rows = list(
        r.rows(
            "SELECT m.id, m.code, m.title, m.closed_on, m.restricted FROM matter m "
            "WHERE m.status = 'closed' AND m.closed_on >= ? AND m.closed_on <= ?"
            + hidden
            + " ORDER BY m.closed_on, m.code",
            (start, r.value(min(p.stop, p.end))),
        )
    )
    leads: dict[int, list[str]] = {}
    if rows:
        ids = [row[0] for row in rows]
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            for mid, name in r.rows(
                "SELECT a.matter_id, u.name FROM assignment a JOIN unit u ON u.id = a.unit_id "
                f"WHERE a.role = 'lead' AND a.status <> 'withdrawn' AND a.matter_id IN "
                f"({', '.join('?' * len(part))}) ORDER BY a.id",
                tuple(part),
            ):
                leads.setdefault(mid, []).append(name)
    for mid, code, title, closed_on, restricted in rows:
        if restricted:
            cards.restricted.add(code)
        closed_list.append(
            {
                "code": code,
                "title": title,
                "closed": _date(closed_on).isoformat(),
                "units": leads.get(mid, []),
            }
        )
    if seen is not None:
        seen.update(cards.restricted)
    return {
        "from": p.start.isoformat(),
        "to": p.stop.isoformat(),
        "include_restricted": include_restricted,
        "totals": {
            "registered": registered,
            "closed": closed,
            "closing_rate": round(closed / registered, 4) if registered else 0,
            "in_progress": in_progress,
            "overdue": len({late.code for late in found.late}),
        },
        "commend": commend,
        "criticise": criticise,
        "criticised": [{"unit": u, "matters": late_of.get(u, [])} for u in criticise],
        "closed": closed_list,
        "scorecards": found.rows,
    }
