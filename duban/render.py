"""Output: every format a shape from `duban.views` is printed in.

A Rich table on a terminal, or JSON / CSV for scripts.  JSON keys are English
snake_case and dates ISO 8601 whatever the language; an empty listing is `[]`.
Tables mark a provisional deadline where it is shown (a key `K` whose row has
`K_provisional` true).  Colour only on a terminal, and never when NO_COLOR is set.

Tables speak the run's language: labels, titles, enumeration words and marks come from
the catalogue (`duban.i18n`), a history's detail reads as sentences, times are shown in
the office's zone, and Chinese tables show dates as 2026年11月20日 where the register's
setting `date_format` says so.  JSON and CSV never change with the language.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any
from unicodedata import east_asian_width

from duban.i18n import N_, in_language
from duban.text import visible

FORMATS = ("table", "json", "csv")

# Column labels: key -> English, put into the table's language by the catalogue (cli.po).
LABELS: dict[str, str] = {
    "code": N_("Code"),
    "title": N_("Title"),
    "source": N_("Source"),
    "proposal_by": N_("Proposed by"),
    "source_ref": N_("Reference"),
    "leader": N_("Leader"),
    "handling": N_("Handling"),
    "reporting": N_("Reporting"),
    "received": N_("Received"),
    "due": N_("Due"),
    "due_provisional": N_("Provisional"),
    "status": N_("Status"),
    "closed": N_("Closed"),
    "note": N_("Note"),
    "lead_units": N_("Lead units"),
    "unit": N_("Unit"),
    "role": N_("Role"),
    "responsible": N_("Responsible"),
    "notified": N_("Notified"),
    "original_due": N_("Original due"),
    "completed": N_("Completed"),
    "id": N_("ID"),
    "kind": N_("Kind"),
    "written": N_("Written"),
    "signed_by": N_("Signed by"),
    "sealed": N_("Sealed"),
    "proposed_due": N_("Proposed due"),
    "decision": N_("Decision"),
    "reason": N_("Reason"),
    "reviewed": N_("Reviewed"),
    "new_due": N_("New due"),
    "days_overdue": N_("Days late"),
    "workdays_overdue": N_("Working days late"),
    "light": N_("Light"),
    "days_left": N_("Days left"),
    "workdays_left": N_("Working days left"),
    "as_of": N_("As of"),
    "open": N_("Open"),
    "due_this_week": N_("Due this week"),
    "overdue": N_("Overdue"),
    "closed_this_month": N_("Closed this month"),
    "head": N_("Head"),
    # a unit's heads by date (unit show, unit.edit's head_since)
    "since": N_("Since"),
    "until": N_("Until"),
    "recorded_by": N_("Recorded by"),
    "head_since": N_("Head since"),
    "name": N_("Name"),
    "aliases": N_("Short names"),
    "parent": N_("Parent"),
    "action": N_("Action"),
    "effective_on": N_("Effective"),
    "recorded_at": N_("Recorded"),
    "actor": N_("By"),
    "detail": N_("Detail"),
    "date": N_("Date"),
    "workday": N_("Working day"),
    "provisional": N_("Provisional"),
    "year": N_("Year"),
    "loaded_at": N_("Loaded"),
    "loaded_by": N_("Loaded by"),
    "days_set": N_("Days set"),
    "key": N_("Setting"),
    "value": N_("Value"),
    "default": N_("Default"),
    "help": N_("Meaning"),
    "what": N_("What"),
    "before": N_("Before"),
    "after": N_("After"),
    "start": N_("Start"),
    "n": N_("Working days"),
    "count": N_("Count"),
    "from": N_("From"),
    "to": N_("To"),
    "workdays": N_("Working days"),
    "moved": N_("Moved"),
    "counted_from": N_("Counted from"),
    "within": N_("Working days"),
    "why": N_("Why"),
    "register": N_("Register"),
    "schema": N_("Schema"),
    "created": N_("Created"),
    # backup, restore, check (the register file kept)
    "check": N_("Check"),
    "result": N_("Result"),
    "bytes": N_("Bytes"),
    "matters": N_("Matters"),
    "history_entries": N_("History entries"),
    "aside": N_("Kept aside at"),
    # verify (tamper evidence)
    "table": N_("Table"),
    "message": N_("Found"),
    # the keys of the history's details (`detail`), read as sentences
    "due_counted_from": N_("Counted from"),
    "due_within": N_("Working days"),
    "report_id": N_("Report ID"),
    "on_time": N_("On time"),
    "previous_due": N_("Previous due"),
    "assignment_id": N_("Assignment ID"),
    "unit_id": N_("Unit ID"),
    "deadline_id": N_("Deadline ID"),
    "file": N_("File"),
    "file_name": N_("File"),
    "replaced": N_("Replaced"),
    "days_off": N_("Days off"),
    "makeup_days": N_("Make-up days"),
    "papers": N_("Notices"),
    "off": N_("Day off"),
    # urge, reopen, archive
    "urged_on": N_("Urged on"),
    "via": N_("Via"),
    "times": N_("Urged before"),
    "units_due": N_("Units due"),
    "sha256": N_("SHA-256"),
    "files": N_("Files"),
    "transferred_on": N_("Transferred on"),
    "status_before": N_("Status before"),
    "forced": N_("Registered with --force"),
    "resembles": N_("Resembles"),
    # coordinations, inspections, attachments
    "units": N_("Units"),
    "escalated": N_("Escalated"),
    "coordinated_on": N_("Coordinated on"),
    "coordination_id": N_("Coordination ID"),
    "method": N_("Method"),
    "inspected_on": N_("Inspected on"),
    "inspection_id": N_("Inspection ID"),
    "attachments": N_("Attachments"),
    "size": N_("Size (bytes)"),
    "by": N_("By"),
    "ok": N_("Taken"),
    "ref": N_("About"),
    "error": N_("Error"),
    "event": N_("Event"),
    # the plan, and edit's corrections
    "plan": N_("Supervision plan"),
    # milestones (节点目标), periodic reporting, late requests
    "met_on": N_("Met on"),
    "set_on": N_("Set on"),
    "milestone": N_("Milestone"),
    "milestone_id": N_("Milestone ID"),
    "late_reason": N_("Late reason"),
    "last_report": N_("Last report"),
    "report_every": N_("Report every (working days)"),
    "due_months": N_("Calendar months"),
    "restricted": N_("Restricted"),
    # scorecards (stats, 第二十一条)
    "due_in_period": N_("Due in the period"),
    "on_time_original": N_("On time (original)"),
    "late": N_("Late"),
    "urged_overdue": N_("Overdue after urging"),
    "returned": N_("Returned"),
    "extended": N_("Extended"),
    "median_days": N_("Median working days"),
    "on_time_rate": N_("On-time rate"),
    "rank": N_("Rank"),
    "month": N_("Month"),
}


def bar(rate: float | None, width: int = 10) -> str:
    """An on-time rate as a bar of blocks and a percentage: `████████░░  80%`."""
    if rate is None:
        return ""
    filled = round(rate * width)
    return "█" * filled + "░" * (width - filled) + f" {rate * 100:3.0f}%"


# The mark of an estimated deadline, wherever a table shows one: " (provisional)", "（暂定）".
PROVISIONAL = N_("(provisional)")


# The mark before a restricted matter's title (涉密, 第三条), wherever a table shows it.
RESTRICTED = N_("[restricted]")


def restricted_mark(lang: str) -> str:
    """The mark before a restricted title: "[restricted] ", "【密】" (full width, no space)."""
    mark = in_language(RESTRICTED, lang)
    return mark + " " if mark[-1:].isascii() else mark


def provisional(lang: str) -> str:
    """The mark after a provisional date, in a language (no space before a full-width one)."""
    mark = in_language(PROVISIONAL, lang)
    return " " + mark if mark[:1].isascii() else mark


def label(key: str, lang: str) -> str:
    english = LABELS.get(key)
    if english is None:
        return key if lang == "zh" else key.replace("_", " ").capitalize()
    return in_language(english, lang)


def console(stderr: bool = False):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1 (a "finding" here); let the command say what happened.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return _Console(
        file=stream,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        highlight=False,
        width=None if tty else 200,
        soft_wrap=False,
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        # History details read as "key=value; ...", leaving out what is empty.
        return "; ".join(
            f"{k}={('yes' if v else 'no') if isinstance(v, bool) else _cell(v)}"
            for k, v in value.items()
            if v not in (None, "", [])
        )
    return str(value)


# -- a table's cells: words, yes and no, dates and times in the table's language -------
# (CSV keeps `_cell`: the English words, ISO dates and UTC times, as JSON does.)

_date_format = "iso"  # the register's setting `date_format`: how Chinese tables show dates
_zone: dt.tzinfo | None = None  # the office's time zone, in which tables show times


def show_dates(date_format: str, zone: dt.tzinfo | None) -> None:
    """How this run's tables show dates (the register's setting `date_format`: `iso` or
    `chinese`, for Chinese tables) and times (in the office's zone); set by the CLI once
    the register is open."""
    global _date_format, _zone
    _date_format, _zone = date_format, zone


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z")
YES, NO = N_("yes"), N_("no")


def day(text: str, lang: str) -> str:
    """An ISO date as a table shows it: 2026年11月20日 in a Chinese table when the
    register's `date_format` is `chinese`; otherwise as it is."""
    match = _ISO_DATE.fullmatch(text)
    if match and lang == "zh" and _date_format == "chinese":
        year, month_, day_ = (int(part) for part in match.groups())
        return f"{year}年{month_}月{day_}日"
    return text


def _time(text: str, lang: str) -> str:
    """A UTC instant (2026-11-26T02:00:00Z) in the office's zone, to the minute:
    2026-11-26 10:00 (JSON keeps the instant)."""
    if _zone is None:
        return text
    at = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_zone)
    return f"{day(at.date().isoformat(), lang)} {at:%H:%M}"


def _text(key: str, value: Any, lang: str) -> str:
    """One cell of a table, in the table's language; a history's detail as sentences."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return in_language(YES, lang) if value else ""
    if isinstance(value, list):
        return _LIST_SEPARATOR[lang == "zh"].join(_text(key, v, lang) for v in value)
    if isinstance(value, dict):
        if key == "milestone":  # an overdue milestone: its title
            return str(value.get("title") or "")
        return _sentences(value, lang)
    return _value(key, value, lang)


_LIST_SEPARATOR = {False: ", ", True: "、"}


def _value(key: str, value: Any, lang: str) -> str:
    """A single value: an enumeration's word, a date or a time as the table shows it;
    text as a terminal may show it (`visible`)."""
    value = _word(key, value, lang)
    if not isinstance(value, str):
        return str(value)
    if _INSTANT.fullmatch(value):
        return _time(value, lang)
    return visible(day(value, lang))


# In JSON: what json.dumps leaves raw of the characters a terminal acts on (it escapes
# only those below U+0020; `duban.text.visible` shows them all escaped to people).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# The order a history entry's detail is read in; other keys follow, as recorded.
_DETAIL_ORDER = (
    "date", "name", "key", "received", "due", "due_counted_from", "due_within",
    "due_provisional", "notified", "unit", "role", "responsible", "report_id", "kind",
    "written", "signed_by", "sealed", "on_time", "reason", "previous_due", "original_due",
    "assignment_id", "closed", "code", "title", "source", "source_ref", "leader",
    "handling", "reporting", "note", "what", "before", "after", "provisional",
    "deadline_id", "year", "file", "replaced", "days_off", "makeup_days", "papers", "head",
    "parent", "changes", "off",
)  # fmt: skip


def _sentences(detail: dict[str, Any], lang: str) -> str:
    """A history entry's detail as a clerk reads it, leaving out what is empty:
    "Received 2026-11-20; due 2026-12-11", "收到日期 2026年11月20日，办理时限 2026年12月11日".
    A provisional date carries its mark instead of a word of its own."""
    rank = {key: i for i, key in enumerate(_DETAIL_ORDER)}
    parts = []
    for key in sorted(detail, key=lambda k: rank.get(k, len(rank))):
        value = detail[key]
        if value in (None, "", [], {}):
            continue
        if key.endswith("_provisional") and detail.get(key.removesuffix("_provisional")):
            continue  # the date it belongs to is marked
        if key == "changes" and isinstance(value, dict):
            parts.extend(_change(k, v, lang) for k, v in value.items())
            continue
        text = _said(key, value, lang)
        if detail.get(f"{key}_provisional") is True:
            text += provisional(lang)
        parts.append(f"{label(key, lang)} {text}")
    if lang == "zh":
        return "，".join(parts)
    return "; ".join(part if i == 0 else _lowered(part) for i, part in enumerate(parts))


def _said(key: str, value: Any, lang: str) -> str:
    """A value in a sentence: booleans say yes or no."""
    if isinstance(value, bool):
        return in_language(YES if value else NO, lang)
    if isinstance(value, list):
        return _LIST_SEPARATOR[lang == "zh"].join(_said(key, v, lang) for v in value)
    if isinstance(value, dict):
        return _sentences(value, lang)
    return _value(key, value, lang)


def _change(key: str, value: Any, lang: str) -> str:
    """One change of a unit (`unit.edit`): "head 刘伟 → 王芳"."""
    if isinstance(value, list) and len(value) == 2:
        before, after = (_said(key, v, lang) if v not in (None, "", []) else "—" for v in value)
        return f"{label(key, lang)} {before} → {after}"
    return f"{label(key, lang)} {_said(key, value, lang)}"


def _lowered(part: str) -> str:
    """A label inside an English sentence: "due", but "ID" stays."""
    return part if part[1:2].isupper() else part[:1].lower() + part[1:]


def dumps(data: Any) -> str:
    """JSON, every control character and direction override escaped (`\\u009b`): the
    true value for a program, nothing a terminal acts on."""
    return _JSON_UNSAFE.sub(_json_escaped, json.dumps(data, ensure_ascii=False, indent=2))


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


RICH_ROWS = 100  # a table longer than this, or streamed, is written plainly


def emit(
    data: Iterable[dict[str, Any]] | dict[str, Any],
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    table: Sequence[str] | None = None,
    lang: str = "en",
    title: str | None = None,
) -> None:
    """Print a listing (any iterable of shapes, consumed as it comes) or one object.

    `table` picks the columns of a table; `columns` those of a table or CSV (every key
    when neither is given).  JSON is always the whole shape.  A listing streams: JSON,
    CSV and long tables are written row by row, so a listing of every matter holds a
    page in memory, not all of them.
    """
    if fmt == "table" and table is not None:
        columns = table
    out = sys.stdout
    if isinstance(data, dict):
        if fmt == "json":
            out.write(dumps(data) + "\n")
        elif fmt == "csv":
            _csv([data], list(columns or data), out)
        else:
            console().print(_pairs(data, list(columns or data), lang, title))
        return
    rows = iter(data)
    if fmt == "json":
        _json_array(rows, out)
        return
    head = list(islice(rows, RICH_ROWS + 1))
    keys = list(columns or (head[0].keys() if head else []))
    if fmt == "csv":
        if keys:  # an empty listing with no known columns: nothing, not a blank line
            _csv(chain(head, rows), keys, out)
        return
    if not head:
        return  # quiet when empty: made for cron
    if len(head) <= RICH_ROWS:
        console().print(_table(head, keys, lang, title))
    else:
        _plain_table(chain(head, rows), keys, lang, title, out)


def _json_array(rows: Iterator[dict[str, Any]], out: Any) -> None:
    """`[...]` written an item at a time, as `json.dumps(list, indent=2)` would write it."""
    first = next(rows, None)
    if first is None:
        out.write("[]\n")
        return
    out.write("[\n")
    for i, row in enumerate(chain([first], rows)):
        if i:
            out.write(",\n")
        out.write("  " + dumps(row).replace("\n", "\n  "))
    out.write("\n]\n")


def _csv(rows: Iterable[dict[str, Any]], keys: list[str], out: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        # A list in one cell is `;`-separated, as `unit import` reads it back.
        writer.writerow([";".join(map(_cell, v)) if isinstance(v, list) else _cell(v)
                         for v in (row.get(k) for k in keys)])  # fmt: skip


def width(text: str) -> int:
    """Columns a text takes on a terminal: CJK ideographs and full-width forms take two."""
    if text.isascii():
        return len(text)
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain_table(
    rows: Iterator[dict[str, Any]],
    keys: list[str],
    lang: str,
    title: str | None,
    out: Any,
) -> None:
    """A long table, without Rich: each cell measured once.

    Columns are as wide as their widest cell in the first page of rows; a wider cell
    later runs on rather than being cut, so nothing is lost.
    """
    page = list(islice(rows, PLAIN_PAGE))
    cells = [[_plain(row, k, lang) for k in keys] for row in page]
    heads = [label(k, lang) for k in keys]
    widths = [max([width(h)] + [width(c[i]) for c in cells]) for i, h in enumerate(heads)]

    def line(values: list[str]) -> str:
        padded = (v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True))
        return "  ".join(padded).rstrip() + "\n"

    if title:
        out.write(visible(title) + "\n")
    out.write(line(heads))
    out.write(line(["─" * w for w in widths]))
    for values in cells:
        out.write(line(values))
    for row in rows:
        out.write(line([_plain(row, k, lang) for k in keys]))


PLAIN_PAGE = 1000


def _plain(row: dict[str, Any], key: str, lang: str) -> str:
    text = " ".join(_text(key, row.get(key), lang).split())
    if text and row.get(f"{key}_provisional") is True:
        text += provisional(lang)
    return text


def term(key: str, value: str, lang: str) -> str:
    """An enumeration's word as a table in that language says it (`holiday`: 节假日)."""
    return str(_word(key, value, lang))


def _word(key: str, value: Any, lang: str) -> Any:
    """An enumeration's word in the table's language; JSON always keeps the English word."""
    if lang != "zh" or not isinstance(value, str):
        return value
    from duban import vocab

    for vocabulary in _VOCABULARIES.get(key, ()):
        terms = getattr(vocab, vocabulary).terms
        if value in terms:
            return terms[value][0]
    if key in ("kind", "before", "after") and value in _DAY_KINDS:  # a day (calendar.set)
        return _DAY_KINDS[value]
    if key == "what":
        return _whose(value)
    if key == "source":
        return _calendar_source(value)
    if key == "light" and value in LIGHT_WORDS:
        return in_language(LIGHT_WORDS[value], lang)
    if key in ("kind", "status") and value in LATE_WORDS:  # overdue's kinds, milestones'
        return in_language(LATE_WORDS[value], lang)
    return value


# What `overdue` finds late (`kind`) and how a milestone stands (`status`), in a table.
LATE_WORDS = {
    "deadline": N_("deadline"),
    "milestone": N_("milestone"),
    "periodic": N_("periodic report"),
    "met": N_("met"),
    "overdue": N_("overdue"),
    "missed": N_("missed"),
}


# The warning lights (`duban.lights`) as a table says them (红, 黄, 绿) and colours them.
LIGHT_WORDS = {"red": N_("red"), "yellow": N_("yellow"), "green": N_("green")}
LIGHT_STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "green"}


# Whose deadline (`what`, in JSON: matter, assignment, deadline of <unit>, ...).
_WHOSE = {"matter": N_("deadline of the matter"), "assignment": N_("deadline of a unit")}
_OF_UNIT = (
    ("original deadline of ", N_("original deadline of {unit}")),
    ("deadline of ", N_("deadline of {unit}")),
)


def _whose(value: str) -> str:
    if value in _WHOSE:
        return in_language(_WHOSE[value], "zh")
    for prefix, message in _OF_UNIT:
        if value.startswith(prefix):
            return in_language(message, "zh").format(unit=value.removeprefix(prefix))
    return value


# Where a year's schedule comes from (`calendar sources`), as `duban.ops.calendar` says it.
_LOADED = N_("loaded: {file}")
_ESTIMATE = N_("estimate (holidays {version}: weekends and statutory holidays)")
_ESTIMATED = re.compile(r"estimate \(holidays (.+): weekends and statutory holidays\)")


def _calendar_source(value: str) -> str:
    if value.startswith("loaded: "):
        return in_language(_LOADED, "zh").format(file=value.removeprefix("loaded: "))
    if match := _ESTIMATED.fullmatch(value):
        return in_language(_ESTIMATE, "zh").format(version=match.group(1))
    return value


_VOCABULARIES = {
    "source": ("SOURCE",),
    "proposal_by": ("PROPOSAL_BY",),
    "handling": ("HANDLING",),
    "reporting": ("REPORTING",),
    "role": ("ROLE",),
    "decision": ("DECISION",),
    "kind": ("REPORT_KIND", "UNIT_KIND"),
    "status": ("MATTER_STATUS", "ASSIGNMENT_STATUS", "REPORT_STATUS"),
    "action": ("ACTION",),
    "why": ("DEADLINE_WHY",),
    "via": ("URGE_VIA",),
    "method": ("INSPECT_METHOD",),
}
_DAY_KINDS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日", "makeup": "调休上班"}


def _shown(row: dict[str, Any], key: str, lang: str):
    """One cell: Text, not markup, so that a title like "关于[2026]3号文" prints as typed."""
    from rich.text import Text

    text = _text(key, row.get(key), lang)
    if text and row.get(f"{key}_provisional") is True:
        text += provisional(lang)
    if key == "title" and text and row.get("restricted") is True:
        text = restricted_mark(lang) + text
    if key == "light":  # coloured on a terminal only: the console drops colour elsewhere
        return Text(text, style=LIGHT_STYLES.get(row.get(key) or "", ""))
    return Text(text)


def _table(rows: list[dict[str, Any]], keys: Sequence[str], lang: str, title: str | None):
    from rich.table import Table

    table = Table(title=_title(title), title_justify="left", header_style="bold")
    for key in keys:
        table.add_column(label(key, lang), overflow="fold")
    for row in rows:
        table.add_row(*(_shown(row, k, lang) for k in keys))
    return table


def _title(title: str | None):
    """A table's title as it was given: Text, not markup (a title may hold brackets)."""
    from rich.text import Text

    return Text(visible(title)) if title else None


def _pairs(obj: dict[str, Any], keys: Sequence[str], lang: str, title: str | None):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_title(title), title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in keys:
        if obj.get(key) not in (None, "", [], False):
            table.add_row(Text(label(key, lang)), _shown(obj, key, lang))
    return table


# -- shapes with a form of their own ---------------------------------------------------

_NESTED = ("assignments", "reports", "deadlines", "history", "urgings", "coordinations",
           "inspections", "attachments", "milestones")  # fmt: skip
ASSIGNMENT_COLUMNS = ["unit", "role", "responsible", "notified", "due", "original_due", "status",
                      "completed", "light"]  # fmt: skip
REPORT_COLUMNS = ["id", "unit", "kind", "received", "written", "signed_by", "sealed", "status",
                  "decision", "reason", "reviewed", "new_due", "milestone_id",
                  "late_reason"]  # fmt: skip
DEADLINE_COLUMNS = ["effective_on", "what", "unit", "due", "why", "counted_from", "within"]
HISTORY_COLUMNS = ["effective_on", "action", "actor", "recorded_at", "detail"]
# The office's own work on a matter, as `show` and the dossier list it, when there is any.
SUPERVISION_PARTS = (
    ("coordinations", N_("Coordinations"), ["id", "coordinated_on", "units", "escalated", "note",
                                            "by"]),
    ("inspections", N_("Inspections"), ["id", "inspected_on", "method", "note", "by"]),
    ("attachments", N_("Attachments"), ["id", "name", "size", "sha256", "report_id",
                                        "inspection_id"]),
    ("milestones", N_("Milestones"), ["id", "title", "unit", "due", "met_on", "status",
                                      "light"]),
)  # fmt: skip


def dossier(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`show`: JSON whole; CSV the matter's own fields; tables, one per part."""
    flat = {k: v for k, v in data.items() if k not in _NESTED}
    if fmt != "table":
        emit(data if fmt == "json" else flat, fmt, lang=lang)
        return
    emit(flat, fmt, columns=list(flat), lang=lang, title=f"{data['code']}  {data['title']}")
    emit(data["assignments"], fmt, columns=ASSIGNMENT_COLUMNS, lang=lang,
         title=in_language(N_("Assignments"), lang))  # fmt: skip
    # Each report with its review's decision beside it.
    reports = [{**r, **{k: v for k, v in (r["review"] or {}).items() if k != "by"}}
               for r in data["reports"]]  # fmt: skip
    emit(reports, fmt, columns=REPORT_COLUMNS, lang=lang, title=in_language(N_("Reports"), lang))
    changed = [d for d in data["deadlines"] if d["why"] not in ("register", "assign")]
    if changed:  # only when a deadline changed after it was first set
        emit(data["deadlines"], fmt, columns=DEADLINE_COLUMNS, lang=lang,
             title=in_language(N_("Deadlines"), lang))  # fmt: skip
    for key, title, columns in SUPERVISION_PARTS:
        if data.get(key):
            emit(data[key], fmt, columns=columns, lang=lang, title=in_language(title, lang))
    emit(data["history"], fmt, columns=HISTORY_COLUMNS, lang=lang,
         title=in_language(N_("History"), lang))  # fmt: skip


SUMMARY_KEYS = ["as_of", "open", "due_this_week", "overdue", "closed_this_month"]
UNIT_SUMMARY_KEYS = ["unit", "open", "due_this_week", "overdue"]


def summary(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`summary`: JSON whole; CSV a row per unit; a table of the figures, then by unit."""
    if fmt == "json":
        emit(data, fmt, lang=lang)
        return
    if fmt == "csv":
        emit(data["by_unit"], fmt, columns=UNIT_SUMMARY_KEYS, lang=lang)
        return
    figures = {k: str(data[k]) for k in SUMMARY_KEYS}  # a zero is shown, not left out
    console().print(_pairs(figures, SUMMARY_KEYS, lang, None))
    emit(data["by_unit"], fmt, columns=UNIT_SUMMARY_KEYS, lang=lang,
         title=in_language(N_("By unit"), lang))  # fmt: skip


_WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "zh": ["一", "二", "三", "四", "五", "六", "日"],
}
_MARKS = {"holiday": "休", "makeup": "班"}
_STYLES = {"holiday": "red", "weekend": "dim", "makeup": "bold yellow"}


def month(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`calendar show`: a grid with holidays (休) and make-up working days (班) marked,
    then those days named; JSON and CSV list the days."""
    if fmt != "table":
        emit(data["days"], fmt, lang=lang)
        return
    from rich.table import Table
    from rich.text import Text

    title = _month_title(data["month"], lang) + (provisional(lang) if data["provisional"] else "")
    table = Table(title=title, title_justify="left")
    for head in _WEEKDAYS[lang]:
        table.add_column(head, justify="right")
    week: list[Text] = [Text("")] * data["first_weekday"]
    for d in data["days"]:
        mark = f" {_MARKS[d['kind']]}" if d["kind"] in _MARKS else ""
        week.append(Text(f"{int(d['date'][-2:])}{mark}", style=_STYLES.get(d["kind"], "")))
        if len(week) == 7:
            table.add_row(*week)
            week = []
    if week:
        table.add_row(*week, *[Text("")] * (7 - len(week)))
    out = console()
    out.print(table)
    for d in data["days"]:
        if d["kind"] in _MARKS:
            out.print(
                Text(visible(f"{day(d['date'], lang)} {_MARKS[d['kind']]} {d['name'] or ''}")
                     .rstrip())
            )  # fmt: skip


def _month_title(text: str, lang: str) -> str:
    """2026-10, or 2026年10月 where Chinese tables show dates the Chinese way."""
    shown = day(f"{text}-01", lang)
    return shown.removesuffix("1日") if shown.endswith("月1日") else text


def explanation(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`calendar explain`: JSON whole; CSV the days; a table of the days under the rule."""
    if fmt != "table":
        emit(data if fmt == "json" else data["days"], fmt, lang=lang)
        return
    start = day(data["start"], lang)
    rule = (
        in_language(N_("{n} working days after {start}"), lang).format(
            n=data["within"], start=start
        )
        if data["within"]
        else in_language(N_("a date given by hand, counted from {start}"), lang).format(start=start)
    )
    mark = provisional(lang) if data["provisional"] else ""
    title = in_language(N_("{code} {what}: {rule} → {due}"), lang).format(
        code=data["code"], what=_word("what", data["what"], lang), rule=rule,
        due=day(data["due"], lang) + mark,
    )  # fmt: skip
    days = [{**d, "note": _note(d, data["start"], lang)} for d in data["days"]]
    emit(days, fmt, columns=["date", "kind", "name", "note"], lang=lang, title=title)


def _note(row: dict[str, Any], start: str, lang: str) -> str:
    """How a day counted (JSON keeps the English note of `duban.views.explanation`)."""
    if row["date"] == start:
        return in_language(N_("start day: not counted"), lang)
    if row["count"] is not None:
        return in_language(N_("working day {n}"), lang).format(n=row["count"])
    return in_language(N_("not a working day"), lang)


def dossier_markdown(data: dict[str, Any], lang: str) -> str:
    """`archive`: the matter's dossier (组卷) as a Markdown document in a language."""

    def said(key: str, value: Any) -> str:
        return " ".join(_text(key, value, lang).split()) or "—"

    def rows(items: list[dict[str, Any]], keys: list[str]) -> list[str]:
        if not items:
            return [in_language(N_("(none)"), lang), ""]
        out = ["| " + " | ".join(label(k, lang) for k in keys) + " |",
               "| " + " | ".join("---" for _k in keys) + " |"]  # fmt: skip
        for item in items:
            cells = (_plain(item, k, lang).replace("|", "\\|") or "—" for k in keys)
            out.append("| " + " | ".join(cells) + " |")
        return [*out, ""]

    lines = [visible(f"# {data['code']} {data['title']}"), ""]
    for key in ("source", "source_ref", "leader", "received", "due", "status", "closed"):
        lines.append(f"- {label(key, lang)}: {said(key, data.get(key))}")
    if data.get("plan"):  # 督查方案, as written
        lines += ["", "## " + label("plan", lang), "", visible(data["plan"].strip())]
    lines += ["", "## " + in_language(N_("Assignments"), lang), ""]
    lines += rows(data["assignments"], ["unit", "role", "responsible", "notified", "due",
                                        "original_due", "status", "completed"])  # fmt: skip
    lines += ["## " + in_language(N_("Reports"), lang), ""]
    reports = [{**r, **{k: v for k, v in (r["review"] or {}).items() if k != "by"}}
               for r in data["reports"]]  # fmt: skip
    lines += rows(reports, ["id", "unit", "kind", "received", "signed_by", "status",
                            "decision", "reason", "reviewed"])  # fmt: skip
    for r in data["reports"]:
        lines += [visible(f"### {r['id']} {r['unit']}"), "", visible(r["text"] or "—"), ""]
    if data.get("urgings"):
        lines += ["## " + in_language(N_("Urgings"), lang), ""]
        lines += rows(data["urgings"], ["unit", "urged_on", "via", "note"])
    for key, title, columns in SUPERVISION_PARTS:
        if data.get(key):
            lines += ["## " + in_language(title, lang), ""]
            lines += rows(data[key], columns)
    lines += ["## " + in_language(N_("History"), lang), ""]
    lines += rows(data["history"], ["effective_on", "action", "actor", "detail"])
    return "\n".join(lines).rstrip() + "\n"
