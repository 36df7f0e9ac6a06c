"""Output: every format a shape from `duban.views` is printed in.

A Rich table on a terminal, or JSON / CSV for scripts.  JSON keys are English
snake_case and dates ISO 8601 whatever the language; an empty listing is `[]`.
Tables mark a provisional deadline where it is shown (a key `K` whose row has
`K_provisional` true).  Colour only on a terminal, and never when NO_COLOR is set.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any
from unicodedata import east_asian_width

FORMATS = ("table", "json", "csv")

# Column labels: key -> (English, 中文).
LABELS: dict[str, tuple[str, str]] = {
    "code": ("Code", "编号"),
    "title": ("Title", "事项"),
    "source": ("Source", "来源"),
    "source_ref": ("Reference", "文号"),
    "leader": ("Leader", "批示领导"),
    "handling": ("Handling", "办理方式"),
    "reporting": ("Reporting", "报告方式"),
    "received": ("Received", "收到日期"),
    "due": ("Due", "办理时限"),
    "due_provisional": ("Provisional", "时限待定"),
    "status": ("Status", "状态"),
    "closed": ("Closed", "办结日期"),
    "note": ("Note", "备注"),
    "lead_units": ("Lead units", "牵头单位"),
    "unit": ("Unit", "承办单位"),
    "role": ("Role", "角色"),
    "responsible": ("Responsible", "具体责任人"),
    "notified": ("Notified", "交办日期"),
    "original_due": ("Original due", "原定时限"),
    "completed": ("Completed", "完成日期"),
    "id": ("ID", "序号"),
    "kind": ("Kind", "类型"),
    "written": ("Written", "书面"),
    "signed_by": ("Signed by", "签发人"),
    "sealed": ("Sealed", "盖章"),
    "proposed_due": ("Proposed due", "申请延期至"),
    "decision": ("Decision", "审核意见"),
    "reason": ("Reason", "理由"),
    "reviewed": ("Reviewed", "审核日期"),
    "new_due": ("New due", "新时限"),
    "days_overdue": ("Days late", "逾期天数"),
    "workdays_overdue": ("Working days late", "逾期工作日"),
    "head": ("Head", "主要负责人"),
    "name": ("Name", "名称"),
    "parent": ("Parent", "上级单位"),
    "action": ("Action", "操作"),
    "effective_on": ("Effective", "生效日期"),
    "recorded_at": ("Recorded", "记录时间"),
    "actor": ("By", "经办人"),
    "detail": ("Detail", "内容"),
    "date": ("Date", "日期"),
    "workday": ("Working day", "工作日"),
    "provisional": ("Provisional", "待定"),
    "year": ("Year", "年份"),
    "loaded_at": ("Loaded", "载入时间"),
    "loaded_by": ("Loaded by", "载入人"),
    "days_set": ("Days set", "单日调整"),
    "key": ("Setting", "设置"),
    "value": ("Value", "值"),
    "default": ("Default", "默认"),
    "help": ("Meaning", "说明"),
    "what": ("What", "项目"),
    "before": ("Before", "原值"),
    "after": ("After", "新值"),
    "start": ("Start", "起算日"),
    "n": ("Working days", "工作日数"),
    "count": ("Count", "计数"),
    "from": ("From", "自"),
    "to": ("To", "至"),
    "workdays": ("Working days", "工作日数"),
    "moved": ("Moved", "日期变动"),
    "counted_from": ("Counted from", "起算日"),
    "within": ("Working days", "工作日数"),
    "why": ("Why", "原因"),
}

# The mark of an estimated deadline, wherever a table shows one.
PROVISIONAL = {"en": " (provisional)", "zh": "（暂定）"}


def label(key: str, lang: str) -> str:
    en, zh = LABELS.get(key, (key.replace("_", " ").capitalize(), key))
    return zh if lang == "zh" else en


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


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


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
        writer.writerow([_cell(row.get(k)) for k in keys])


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
        out.write(title + "\n")
    out.write(line(heads))
    out.write(line(["─" * w for w in widths]))
    for values in cells:
        out.write(line(values))
    for row in rows:
        out.write(line([_plain(row, k, lang) for k in keys]))


PLAIN_PAGE = 1000


def _plain(row: dict[str, Any], key: str, lang: str) -> str:
    text = " ".join(_cell(_word(key, row.get(key), lang)).split())
    if text and row.get(f"{key}_provisional") is True:
        text += PROVISIONAL[lang]
    return text


def _word(key: str, value: Any, lang: str) -> Any:
    """An enumeration's word in the table's language; JSON always keeps the English word."""
    if lang != "zh" or not isinstance(value, str):
        return value
    from duban import vocab

    for vocabulary in _VOCABULARIES.get(key, ()):
        terms = getattr(vocab, vocabulary).terms
        if value in terms:
            return terms[value][0]
    return _DAY_KINDS.get(value, value) if key == "kind" else value


_VOCABULARIES = {
    "source": ("SOURCE",),
    "handling": ("HANDLING",),
    "reporting": ("REPORTING",),
    "role": ("ROLE",),
    "decision": ("DECISION",),
    "kind": ("REPORT_KIND", "UNIT_KIND"),
    "status": ("MATTER_STATUS", "ASSIGNMENT_STATUS", "REPORT_STATUS"),
}
_DAY_KINDS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日", "makeup": "调休上班"}


def _shown(row: dict[str, Any], key: str, lang: str):
    """One cell: Text, not markup, so that a title like "关于[2026]3号文" prints as typed."""
    from rich.text import Text

    text = _cell(_word(key, row.get(key), lang))
    if text and row.get(f"{key}_provisional") is True:
        text += PROVISIONAL[lang]
    return Text(text)


def _table(rows: list[dict[str, Any]], keys: Sequence[str], lang: str, title: str | None):
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for key in keys:
        table.add_column(label(key, lang), overflow="fold")
    for row in rows:
        table.add_row(*(_shown(row, k, lang) for k in keys))
    return table


def _pairs(obj: dict[str, Any], keys: Sequence[str], lang: str, title: str | None):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in keys:
        if obj.get(key) not in (None, "", [], False):
            table.add_row(Text(label(key, lang)), _shown(obj, key, lang))
    return table


# -- shapes with a form of their own ---------------------------------------------------

_NESTED = ("assignments", "reports", "deadlines", "history")
ASSIGNMENT_COLUMNS = ["unit", "role", "responsible", "notified", "due", "original_due", "status",
                      "completed"]  # fmt: skip
REPORT_COLUMNS = ["id", "unit", "kind", "received", "written", "signed_by", "sealed", "status",
                  "decision", "reason", "reviewed", "new_due"]  # fmt: skip
DEADLINE_COLUMNS = ["effective_on", "what", "unit", "due", "why", "counted_from", "within"]
HISTORY_COLUMNS = ["effective_on", "action", "actor", "recorded_at", "detail"]


def dossier(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`show`: JSON whole; CSV the matter's own fields; tables, one per part."""
    flat = {k: v for k, v in data.items() if k not in _NESTED}
    if fmt != "table":
        emit(data if fmt == "json" else flat, fmt, lang=lang)
        return
    emit(flat, fmt, columns=list(flat), lang=lang, title=f"{data['code']}  {data['title']}")
    emit(data["assignments"], fmt, columns=ASSIGNMENT_COLUMNS, lang=lang, title="Assignments")
    # Each report with its review's decision beside it.
    reports = [{**r, **{k: v for k, v in (r["review"] or {}).items() if k != "by"}}
               for r in data["reports"]]  # fmt: skip
    emit(reports, fmt, columns=REPORT_COLUMNS, lang=lang, title="Reports")
    changed = [d for d in data["deadlines"] if d["why"] not in ("register", "assign")]
    if changed:  # only when a deadline changed after it was first set
        emit(data["deadlines"], fmt, columns=DEADLINE_COLUMNS, lang=lang, title="Deadlines")
    emit(data["history"], fmt, columns=HISTORY_COLUMNS, lang=lang, title="History")


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

    title = data["month"] + (PROVISIONAL[lang] if data["provisional"] else "")
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
            out.print(Text(f"{d['date']} {_MARKS[d['kind']]} {d['name'] or ''}".rstrip()))


def explanation(data: dict[str, Any], fmt: str, lang: str) -> None:
    """`calendar explain`: JSON whole; CSV the days; a table of the days under the rule."""
    if fmt != "table":
        emit(data if fmt == "json" else data["days"], fmt, lang=lang)
        return
    rule = (
        f"{data['within']} working days after {data['start']}"
        if data["within"]
        else f"a date given by hand, counted from {data['start']}"
    )
    mark = PROVISIONAL[lang] if data["provisional"] else ""
    title = f"{data['code']} {data['what']}: {rule} → {data['due']}{mark}"
    emit(data["days"], fmt, columns=["date", "kind", "name", "note"], lang=lang, title=title)
