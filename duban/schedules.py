"""Reading a year's holiday schedule from the files an office downloads.

Two formats: holiday-cn JSON (`{"year": 2027, "papers": [...], "days": [{"name",
"date", "isOffDay"}]}`, where `isOffDay: false` marks a make-up working day) and an
iCalendar file of the same data (all-day events; a summary with 班 in it, as in
补班 or 上班, marks make-up working days, anything else days off).  Pure: no
database.  A bad file raises BadValue naming what is wrong, and nothing is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from duban.errors import BadValue
from duban.files import read_text
from duban.i18n import N_, _
from duban.workdays import FIRST_YEAR, LAST_YEAR, Day

# What the JSON reader says of a bad file, for the catalogue.
JSON_REASONS = (
    N_("Expecting value"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Extra data"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
)


@dataclass
class ParsedSchedule:
    year: int
    days: dict[dt.date, Day]
    papers: list[str] = field(default_factory=list)


def _add(days: dict[dt.date, Day], where: str, day: dt.date, entry: Day) -> None:
    before = days.get(day)
    if before is not None and before.off != entry.off:
        raise BadValue(
            _("{where}: {day} is listed both as a day off and as a working day").format(
                where=where, day=day.isoformat()
            )
        )
    if before is None or (not before.name and entry.name):
        days[day] = entry


def _check_year(where: str, year: int, days: dict[dt.date, Day]) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadValue(
            _("{where}: year {year} is outside {first}–{last}").format(
                where=where, year=year, first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    for day in days:
        if day.year != year:
            raise BadValue(
                _("{where}: {day} is not in {year}, the schedule's year").format(
                    where=where, day=day.isoformat(), year=year
                )
            )


def parse_holiday_cn(text: str, where: str) -> ParsedSchedule:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadValue(
            _("{where}: not valid JSON (line {line}: {reason})").format(
                where=where, line=exc.lineno, reason=_(exc.msg)
            )
        ) from exc
    except RecursionError as exc:  # [[[[...]]]] deeper than Python's parser goes
        raise BadValue(
            _("{where}: not a holiday schedule (JSON nested too deep)").format(where=where)
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("days"), list):
        raise BadValue(
            _('{where}: expected {{"year": ..., "days": [...]}} (holiday-cn format)').format(
                where=where
            )
        )
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise BadValue(_('{where}: "year" must be a whole number such as 2027').format(where=where))
    days: dict[dt.date, Day] = {}
    for i, item in enumerate(data["days"], start=1):
        if not isinstance(item, dict):
            raise BadValue(_("{where}: day {i} is not an object").format(where=where, i=i))
        raw, off = item.get("date"), item.get("isOffDay")
        try:
            day = dt.date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            day = None
        if day is None:
            raise BadValue(
                _("{where}: day {i} has a bad date {raw!r}: use YYYY-MM-DD").format(
                    where=where, i=i, raw=raw
                )
            )
        if not isinstance(off, bool):
            raise BadValue(
                _('{where}: {raw} needs "isOffDay": true or false').format(where=where, raw=raw)
            )
        _add(days, where, day, Day(off, str(item.get("name") or "")))
    _check_year(where, year, days)
    papers = data.get("papers") or []
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise BadValue(
            _('{where}: "papers" must be a list of the notices\' titles, each a text').format(
                where=where
            )
        )
    return ParsedSchedule(year, days, [p for p in papers if p])


_ICS_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})")
_ICS_DAYS = re.compile(r"^\+?P(?:(\d+)W)?(?:(\d+)D)?$")
_NAME_NOISE = re.compile(
    r"[\[\]【】()（）]|第\s*\d+\s*天\s*/\s*共\s*\d+\s*天|假期|放假|补班|上班|调休|休息|休"
)


def _ics_date(value: str, where: str) -> dt.date:
    match = _ICS_DATE.match(value.strip())
    if not match:
        raise BadValue(_("{where}: bad iCalendar date {value!r}").format(where=where, value=value))
    try:
        day = dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise BadValue(
            _("{where}: bad iCalendar date {value!r}: {reason}").format(
                where=where, value=value, reason=_(str(exc))
            )
        ) from exc
    # The years the calendar counts (an event's end is the day after its last, so one
    # more): a date past them is refused here, before any arithmetic on it.
    if not FIRST_YEAR <= day.year <= LAST_YEAR + 1:
        raise BadValue(
            _("{where}: year {year} is outside {first}–{last}").format(
                where=where, year=day.year, first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    return day


LONGEST_EVENT = 366  # days: a holiday is days long, a schedule a year


def _ics_length(event: dict[str, str], where: str) -> int:
    """The days of an event given by its DURATION (RFC 5545), at most a year."""
    length = _ICS_DAYS.match(event["DURATION"].strip().upper())
    if not length or not any(length.groups()):
        raise BadValue(
            _("{where}: unsupported DURATION {duration!r}: use days").format(
                where=where, duration=event["DURATION"]
            )
        )
    weeks, days = (int(g or 0) for g in length.groups())
    if weeks * 7 + days > LONGEST_EVENT:
        raise BadValue(
            _("{where}: an event of DURATION {duration!r} lasts more than a year").format(
                where=where, duration=event["DURATION"]
            )
        )
    return weeks * 7 + days


def parse_ics(text: str, where: str, year: int | None = None) -> ParsedSchedule:
    # Unfold continuation lines (RFC 5545 §3.1) before reading properties.
    lines: list[str] = []
    for raw in text.splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    if not any(line.strip().upper() == "BEGIN:VCALENDAR" for line in lines):
        raise BadValue(_("{where}: not an iCalendar file (no BEGIN:VCALENDAR)").format(where=where))
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VEVENT":
            current = {}
        elif upper == "END:VEVENT" and current is not None:
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            key, value = line.split(":", 1)
            current[key.split(";", 1)[0].strip().upper()] = value.strip()
    days: dict[dt.date, Day] = {}
    for event in events:
        if "DTSTART" not in event:
            raise BadValue(_("{where}: an event has no DTSTART").format(where=where))
        start = _ics_date(event["DTSTART"], where)
        end = _ics_date(event["DTEND"], where) if "DTEND" in event else start + dt.timedelta(1)
        if "DTEND" not in event and "DURATION" in event:  # RFC 5545: DTEND or DURATION
            end = start + dt.timedelta(days=_ics_length(event, where))
        if end <= start:
            raise BadValue(
                _("{where}: an event ends ({end}) before it starts ({start})").format(
                    where=where, end=end, start=start
                )
            )
        if (end - start).days > LONGEST_EVENT:
            raise BadValue(
                _("{where}: an event from {start} to {end} lasts more than a year").format(
                    where=where, start=start, end=end
                )
            )
        summary = event.get("SUMMARY", "").replace("\\,", ",")
        label = summary + " " + event.get("CATEGORIES", "")
        work = "班" in label or "working day" in label.lower() or "workday" in label.lower()
        name = _NAME_NOISE.sub(" ", summary).split()
        day = start
        while day < end:
            if year is None or day.year == year:
                _add(days, where, day, Day(not work, name[0] if name else ""))
            day += dt.timedelta(days=1)
    if not days:
        if year:
            raise BadValue(
                _("{where}: no days of {year} in the file").format(where=where, year=year)
            )
        raise BadValue(_("{where}: no days of any year in the file").format(where=where))
    years = sorted({d.year for d in days})
    if len(years) > 1:
        listed = ", ".join(str(y) for y in years)
        raise BadValue(
            _("{where}: holds {years}: choose one year with --year").format(
                where=where, years=listed
            )
        )
    _check_year(where, years[0], days)
    return ParsedSchedule(years[0], days)


def read_schedule(path: Path, year: int | None = None) -> ParsedSchedule:
    """Read a holiday-cn JSON or iCalendar file; BadValue if it is not a good schedule."""
    where = str(path)
    text = read_text(path, kind="schedule")
    if path.suffix.lower() in (".ics", ".ical") or text.lstrip().upper().startswith("BEGIN:"):
        parsed = parse_ics(text, where, year)
    else:
        parsed = parse_holiday_cn(text, where)
        stem = path.stem
        if stem.isdigit() and len(stem) == 4 and int(stem) != parsed.year:
            raise BadValue(
                _("{where}: the file is named for {stem} but holds {year}").format(
                    where=where, stem=stem, year=parsed.year
                )
            )
    if year is not None and parsed.year != year:
        raise BadValue(
            _("{where}: holds {year}, not {wanted}").format(
                where=where, year=parsed.year, wanted=year
            )
        )
    return parsed
